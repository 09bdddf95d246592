//! The sequential half of each pass: raw chunks in, batches of records out. Encoding and
//! dialect are settled on the first bytes (sniffed, or given by an earlier pass); the first
//! record is kept aside when it is a header.

use crate::batch::Batch;
use crate::options::{Encoding, Options};
use crate::parse::{Shape, Splitter};
use crate::sniff::{self, Dialect, LineEnding};
use crate::text::Front;
use web_time::Instant;

pub struct RowReader {
    opts: Options,
    front: Front,
    splitter: Option<Splitter>,
    pub dialect: Option<Dialect>,
    /// The header's fields, once read.
    pub header: Option<Vec<Vec<u8>>>,
    /// Fields in the first record (the header's, when there is one).
    pub width: Option<usize>,
    /// Records read but not yet handed on.
    pub batch: Batch,
    /// A processed batch kept for reuse: fresh 4 MiB buffers would cost page faults.
    spare: Option<Batch>,
    /// Data records read (the header aside).
    pub rows: u64,
    /// Raw bytes read.
    pub bytes: u64,
    /// Records past this are counted but not kept (stream mode's sample).
    pub limit: Option<u64>,
    started: Instant,
    pub sniff_ms: f64,
}

fn shape(d: &Dialect, opts: &Options) -> Shape {
    Shape {
        delimiter: d.delimiter,
        quote: d.quote,
        cr_lines: d.line_ending == LineEnding::Cr,
        max_field_bytes: opts.max_field_bytes,
    }
}

impl RowReader {
    /// A reader that sniffs the encoding and dialect from the first bytes.
    pub fn sniffing(opts: &Options) -> RowReader {
        RowReader {
            opts: opts.clone(),
            front: Front::new(opts.encoding),
            splitter: None,
            dialect: None,
            header: None,
            width: None,
            batch: Batch::default(),
            spare: None,
            rows: 0,
            bytes: 0,
            limit: None,
            started: Instant::now(),
            sniff_ms: 0.0,
        }
    }

    /// A reader for a known encoding and dialect (the second pass).
    pub fn known(dialect: &Dialect, encoding: Encoding, opts: &Options) -> RowReader {
        RowReader {
            front: Front::new(Some(encoding)),
            splitter: Some(Splitter::new(shape(dialect, opts))),
            dialect: Some(dialect.clone()),
            ..RowReader::sniffing(opts)
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.front.encoding
    }

    pub fn bom(&self) -> bool {
        self.front.bom
    }

    /// Whether the dialect is settled (the sniff sample was complete).
    pub fn sniffed(&self) -> bool {
        self.splitter.is_some()
    }

    /// Reads the next chunk (`last` at the end of input) into `batch`.
    pub fn read(&mut self, chunk: &[u8], last: bool) {
        self.bytes += chunk.len() as u64;
        let RowReader {
            opts,
            front,
            splitter,
            dialect,
            header,
            width,
            batch,
            rows,
            limit,
            ..
        } = self;
        let pushed = front.push(chunk, last);
        let text = front.text(pushed, chunk);
        if splitter.is_none() {
            if !front.started() {
                return;
            }
            let d = sniff::sniff(text, last, opts);
            *splitter = Some(Splitter::new(shape(&d, opts)));
            *dialect = Some(d);
            self.sniff_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        }
        let has_header = dialect.as_ref().is_some_and(|d| d.header);
        let Some(sp) = splitter else { return };
        let _ = sp.feed(text, last, &mut |r| -> Result<(), ()> {
            if width.is_none() {
                *width = Some(r.len());
                if has_header {
                    *header = Some(r.fields().map(|f| f.to_vec()).collect());
                    return Ok(());
                }
            }
            *rows += 1;
            if limit.is_none_or(|l| *rows <= l) {
                batch.push(&r);
            }
            Ok(())
        });
    }

    /// Takes the batch when it is full (or, with `all`, whenever it holds anything).
    pub fn take_batch(&mut self, all: bool) -> Option<Batch> {
        (self.batch.is_full() || (all && !self.batch.is_empty()))
            .then(|| std::mem::replace(&mut self.batch, self.spare.take().unwrap_or_default()))
    }

    /// Gives back a processed batch for reuse.
    pub fn recycle(&mut self, mut batch: Batch) {
        batch.clear();
        self.spare = Some(batch);
    }
}

/// One step of a pass: reads `chunk` into the next batch while the previous full batch is
/// processed on the thread pool, so parsing (sequential) overlaps the per-field work.
pub fn step<S: Send>(
    reader: &mut RowReader,
    ready: &mut Option<Batch>,
    state: &mut S,
    chunk: &[u8],
    last: bool,
    process: impl FnOnce(&mut S, &Batch) -> crate::Result<()> + Send,
) -> crate::Result<()> {
    let result = match ready.take() {
        Some(full) => {
            let result = rayon::join(|| process(state, &full), || reader.read(chunk, last)).0;
            reader.recycle(full);
            result
        }
        None => {
            reader.read(chunk, last);
            Ok(())
        }
    };
    result?;
    *ready = reader.take_batch(false);
    Ok(())
}
