//! The sequential half of each pass: raw chunks in, batches of records out. Encoding and
//! dialect are settled on the first bytes (sniffed, or given by an earlier pass); the first
//! record is kept aside when it is a header.

use crate::batch::{Batch, BATCH_ROWS};
use crate::cut::{cut, Piece};
use crate::options::{Encoding, Options};
use crate::parse::{Record, Shape, Splitter};
use crate::sniff::{self, Dialect, LineEnding};
use crate::text::Front;
use rayon::prelude::*;
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
    /// Records read sequentially but not yet handed on.
    batch: Batch,
    /// Batches complete and in order, not yet handed on.
    done: Vec<Batch>,
    /// Batches handed on by a [`step`], to be processed in the next.
    ready: Vec<Batch>,
    /// Processed batches kept for reuse: fresh ones would cost page faults as they fill.
    spare: Vec<Batch>,
    /// Text not parsed yet, starting at a record boundary, when parsing in parallel.
    pending: Vec<u8>,
    /// Line breaks before `pending`.
    pending_line: u64,
    /// Whether the streaming splitter has handed over to `pending`.
    gathering: bool,
    /// The input has ended: what is pending is all there is.
    ended: bool,
    /// The pending text holds no whole record: parsing waits for more text.
    stalled: bool,
    /// Whether text is cut into pieces parsed in parallel (see [`crate::cut`]); off for
    /// a row limit and, for the rest of the pass, once a cut proved wrong.
    parallel: bool,
    /// Data records read (the header aside).
    pub rows: u64,
    /// Raw bytes read.
    pub bytes: u64,
    /// Records past this are counted but not kept (stream mode's sample).
    pub limit: Option<u64>,
    started: Instant,
    pub sniff_ms: f64,
}

/// Work on a batch parsed from a piece, done on the piece's thread right after the parse,
/// while the batch is in that core's cache; what it returns goes into
/// [`Batch::findings`]. Batches read otherwise (sequentially) come without findings.
pub type PieceWork<'a> = &'a (dyn Fn(&Batch) -> Box<dyn std::any::Any + Send + Sync> + Sync);

/// Pieces gathered before they are parsed together (at least; one per thread if more).
const BLOCK_PIECES: usize = 2;
/// Text held back waiting for a record to end, in pieces, before parsing goes sequential: a
/// record this long (a runaway quote, say) is left to the streaming splitter, which bounds
/// memory (8 MiB with the default pieces).
const MAX_PENDING_PIECES: usize = 8;
/// Pieces a block is cut into, at most: a block far larger than its pieces (the sniff's
/// first 64 KiB with tiny `piece_bytes`, or one huge chunk) is cut into larger pieces
/// instead, as each piece costs a batch, a splitter and its findings while the block is
/// parsed.
const MAX_BLOCK_PIECES: usize = 256;
/// Pieces parsed at once, in blocks per thread (see [`RowReader::step_pieces`]).
const STEP_BLOCKS: usize = 2;

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
            done: Vec::new(),
            ready: Vec::new(),
            spare: Vec::new(),
            pending: Vec::new(),
            pending_line: 0,
            gathering: false,
            ended: false,
            stalled: false,
            parallel: true,
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

    /// Pieces gathered before a block is parsed together.
    fn block_pieces() -> usize {
        BLOCK_PIECES.max(rayon::current_num_threads())
    }

    /// Bytes of text gathered before a block of pieces is parsed: the block's pieces and an
    /// eighth of one, as a block's pieces are whole ones (see [`cut`]) and each goes on to
    /// the end of a record. (A whole piece more held 8 MB more in the end, natively.)
    fn block_bytes(&self) -> usize {
        self.opts.piece_bytes * Self::block_pieces() + self.opts.piece_bytes / 8
    }

    /// Pieces parsed at once, at most. Short rows fill a piece's [`BATCH_ROWS`] in a few
    /// kilobytes: a block of them parsed at once would make dozens of batches, whose rows
    /// take many times the text's size, before any is processed. The rest of the block
    /// waits for the next [`step`].
    fn step_pieces() -> usize {
        STEP_BLOCKS * Self::block_pieces()
    }

    /// Whether a block of text is gathered and waits to be parsed.
    pub fn has_block(&self) -> bool {
        self.parallel_ready()
            && self.gathering
            && !self.stalled
            && (self.pending.len() >= self.block_bytes() || self.ended && !self.pending.is_empty())
    }

    /// Parses the next pieces of the block gathered (see [`RowReader::has_block`]).
    pub fn parse_more(&mut self, work: Option<PieceWork<'_>>) {
        if self.has_block() {
            self.parse_block(work);
        }
    }

    /// Whether reading `chunk` will parse text (rather than only gather it): the moment to
    /// process what is ready, alongside.
    pub fn will_parse(&self, chunk: &[u8], last: bool) -> bool {
        last || !self.parallel_ready() || self.pending.len() + chunk.len() >= self.block_bytes()
    }

    /// Parallel parsing is off for a row limit and once a cut proved wrong.
    fn parallel_allowed(&self) -> bool {
        self.parallel && self.limit.is_none()
    }

    /// Parallel parsing needs the header (the first record) behind it.
    fn parallel_ready(&self) -> bool {
        self.parallel_allowed() && self.width.is_some()
    }

    fn in_record(&self) -> bool {
        self.splitter.as_ref().is_some_and(Splitter::in_record)
    }

    /// Reads the next chunk (`last` at the end of input) into batches, all of it that makes
    /// whole blocks (a [`step`] parses them a few pieces at a time, between batches
    /// processed).
    pub fn read(&mut self, chunk: &[u8], last: bool) {
        self.read_with(chunk, last, None);
        while self.has_block() {
            self.parse_more(None);
        }
    }

    /// [`RowReader::read`] with `work` done on each batch parsed from a piece, but parsing
    /// [`RowReader::step_pieces`] at most: [`RowReader::parse_more`] goes on.
    pub fn read_with(&mut self, chunk: &[u8], last: bool, work: Option<PieceWork<'_>>) {
        self.bytes += chunk.len() as u64;
        self.ended |= last;
        let pushed = self.front.push(chunk, last);
        if self.splitter.is_none() {
            if !self.front.started() {
                return;
            }
            let (sample, complete) = self.front.sample(self.front.text(pushed, chunk));
            let d = sniff::sniff(sample, complete, &self.opts);
            self.splitter = Some(Splitter::new(shape(&d, &self.opts)));
            self.dialect = Some(d);
            self.sniff_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        }
        // The text may live in the front: move it out while the rest of the reader works.
        let front = std::mem::replace(&mut self.front, Front::new(None));
        let mut text = front.text(pushed, chunk);
        if self.parallel_allowed() && self.width.is_none() {
            // The first record (the header, if any) gives the width: it is read alone, so
            // that the rest can go to parallel pieces.
            let used = self.feed_sequential_one(text, last);
            text = &text[used..];
        }
        if self.parallel_ready() {
            self.gather(text, last, work);
        } else {
            self.feed_sequential(text, last);
        }
        self.front = front;
        if self.batch.is_full() || (last && !self.batch.is_empty()) {
            let full = std::mem::replace(&mut self.batch, self.spare.pop().unwrap_or_default());
            self.done.push(full);
        }
    }

    /// Parses `text` with the one streaming splitter, record after record.
    fn feed_sequential(&mut self, text: &[u8], last: bool) {
        self.sequential(text, last, false);
    }

    /// Parses `text` with the streaming splitter until a record is complete; returns the
    /// bytes used.
    fn feed_sequential_one(&mut self, text: &[u8], last: bool) -> usize {
        self.sequential(text, last, true)
    }

    fn sequential(&mut self, text: &[u8], last: bool, one: bool) -> usize {
        let RowReader {
            splitter,
            dialect,
            header,
            width,
            batch,
            rows,
            limit,
            ..
        } = self;
        let has_header = dialect.as_ref().is_some_and(|d| d.header);
        let Some(sp) = splitter else { return 0 };
        let mut emit = |r: Record<'_>| -> Result<(), ()> {
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
        };
        if one {
            sp.feed_one(text, last, &mut emit).unwrap_or(text.len())
        } else {
            let _ = sp.feed(text, last, &mut emit);
            text.len()
        }
    }

    /// Parallel mode: completes the record the streaming splitter is in (the header's
    /// reading may have stopped inside one), then gathers text until a block is worth
    /// parsing.
    fn gather(&mut self, mut text: &[u8], last: bool, work: Option<PieceWork<'_>>) {
        if !self.gathering {
            if self.in_record() {
                let used = self.feed_sequential_one(text, false);
                text = &text[used..];
                if self.in_record() {
                    if last {
                        self.feed_sequential(&[], true);
                    }
                    return;
                }
            }
            let Some(sp) = self.splitter.as_ref() else {
                return;
            };
            self.pending_line = sp.lines();
            self.gathering = true;
        }
        self.pending.extend_from_slice(text);
        self.stalled = false;
        if last || self.pending.len() >= self.block_bytes() {
            self.parse_block(work);
        }
    }

    /// Cuts the gathered text into pieces and parses them in parallel, one batch each, at
    /// most [`RowReader::step_pieces`] of them. Text after the last record end waits for the
    /// next block, unless this is the end.
    fn parse_block(&mut self, work: Option<PieceWork<'_>>) {
        let last = self.ended;
        let Some(sp) = self.splitter.as_ref() else {
            return;
        };
        let shape = sp.shape;
        let term = if shape.cr_lines { b'\r' } else { b'\n' };
        let piece_bytes = self
            .opts
            .piece_bytes
            .max(self.pending.len() / MAX_BLOCK_PIECES);
        let most = Self::step_pieces();
        let mut pieces = cut(
            &self.pending,
            shape.quote,
            term,
            piece_bytes,
            BATCH_ROWS,
            most,
        );
        let cut_end = pieces.last().map_or(0, |p| p.end);
        // The end of input closes a last piece, unless the cut stopped short of it.
        if last && cut_end < self.pending.len() && pieces.len() < most {
            let lines = memchr::memchr_iter(term, &self.pending[cut_end..]).count() as u64;
            pieces.push(Piece {
                end: self.pending.len(),
                lines,
            });
        }
        if pieces.is_empty() {
            if self.pending.len() > MAX_PENDING_PIECES * self.opts.piece_bytes {
                self.splitter = Some(Splitter::at_line(shape, self.pending_line));
                self.go_sequential(0, last);
            }
            self.stalled = true;
            return;
        }
        // Records read sequentially before come first.
        if !self.batch.is_empty() {
            let before = std::mem::replace(&mut self.batch, self.spare.pop().unwrap_or_default());
            self.done.push(before);
        }
        let mut jobs = Vec::with_capacity(pieces.len());
        let (mut start, mut line) = (0, self.pending_line);
        for p in &pieces {
            // A fresh batch is sized for its piece (its records are at most its lines, plus
            // a last one cut short): growing it would copy it over and over.
            let rows = p.lines as usize + 1;
            let width = self.width.unwrap_or(1);
            let batch = self
                .spare
                .pop()
                .unwrap_or_else(|| Batch::with_capacity(p.end - start, rows, rows * width));
            let piece_last = last && p.end == self.pending.len();
            jobs.push((start..p.end, line, piece_last, batch));
            start = p.end;
            line += p.lines;
        }
        let text = &self.pending;
        let parsed: Vec<(Batch, Splitter)> = jobs
            .into_par_iter()
            .map(|(range, line, piece_last, mut batch)| {
                let mut sp = Splitter::at_line(shape, line);
                let _ = sp.feed(&text[range], piece_last, &mut |r| -> Result<(), ()> {
                    batch.push(&r);
                    Ok(())
                });
                if let Some(work) = work {
                    batch.findings = Some(work(&batch));
                }
                (batch, sp)
            })
            .collect();
        // Each piece must end between records, or the cut after it was wrong: from the
        // first such piece on, its splitter goes on alone with the rest of the text.
        let mut parsed = parsed.into_iter().zip(&pieces);
        let (mut consumed, mut wrong_cut) = (0, false);
        for ((batch, sp), piece) in parsed.by_ref() {
            self.rows += batch.len() as u64;
            if batch.is_empty() {
                self.recycle(vec![batch]);
            } else {
                self.done.push(batch);
            }
            consumed = piece.end;
            if sp.in_record() {
                self.splitter = Some(sp);
                wrong_cut = true;
                break;
            }
            self.pending_line += piece.lines;
        }
        // Pieces after a wrong cut are parsed again by the streaming splitter.
        self.recycle(parsed.map(|((batch, _), _)| batch).collect());
        if wrong_cut {
            self.go_sequential(consumed, last);
            return;
        }
        self.pending.drain(..consumed);
    }

    /// Parses the rest of `pending` from `from` on with the streaming splitter, which must
    /// stand at that point, and stays sequential for the rest of the pass.
    fn go_sequential(&mut self, from: usize, last: bool) {
        self.parallel = false;
        let rest = std::mem::take(&mut self.pending);
        self.feed_sequential(&rest[from..], last);
    }

    /// Takes the batches that are complete.
    pub fn take_batches(&mut self) -> Vec<Batch> {
        std::mem::take(&mut self.done)
    }

    /// Takes whatever is held, handed on or not, complete or not (at the end of input or of
    /// the sample), in order.
    pub fn take_all(&mut self) -> Vec<Batch> {
        if !self.batch.is_empty() {
            let partial = std::mem::take(&mut self.batch);
            self.done.push(partial);
        }
        let mut all = std::mem::take(&mut self.ready);
        all.append(&mut self.done);
        all
    }

    /// Gives back processed batches for reuse.
    pub fn recycle(&mut self, batches: Vec<Batch>) {
        for mut b in batches {
            if self.spare.len() < 2 * Self::block_pieces() {
                b.clear();
                self.spare.push(b);
            }
        }
    }
}

/// One step of a pass: reads `chunk` while the batches read before are processed on the
/// thread pool, so parsing overlaps the per-field work. Batches wait for the next block to
/// be parsed, so that there is something to overlap them with; a block parsed a few pieces
/// at a time is processed as it goes. `begin` sees the reader before each round of
/// processing (the first record may have just told the width).
pub fn step<S: Send>(
    reader: &mut RowReader,
    state: &mut S,
    chunk: &[u8],
    last: bool,
    work: Option<PieceWork<'_>>,
    mut begin: impl FnMut(&mut S, &RowReader),
    mut process: impl FnMut(&mut S, &mut Batch) -> crate::Result<()> + Send,
) -> crate::Result<()> {
    let mut read = Some(chunk);
    while read.is_some() || reader.has_block() {
        begin(state, reader);
        let overlap = !reader.ready.is_empty() && read.is_none_or(|c| reader.will_parse(c, last));
        let chunk = read.take();
        let parse = |reader: &mut RowReader| match chunk {
            Some(chunk) => reader.read_with(chunk, last, work),
            None => reader.parse_more(work),
        };
        if overlap {
            let mut batches = std::mem::take(&mut reader.ready);
            let result = rayon::join(
                || batches.iter_mut().try_for_each(|b| process(state, b)),
                || parse(reader),
            )
            .0;
            reader.recycle(batches);
            result?;
        } else {
            parse(reader);
        }
        let done = reader.take_batches();
        reader.ready.extend(done);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RejectKind;

    type Rec = (u64, Vec<Vec<u8>>, Option<RejectKind>);

    /// Every record a reader gives for `text` fed in `chunk`-byte pieces; `piece_bytes`
    /// `None` reads with the streaming splitter alone.
    fn read(text: &[u8], chunk: usize, piece_bytes: Option<usize>) -> (Vec<Rec>, bool) {
        let opts = Options {
            delimiter: Some(b','),
            quote: Some(Some(b'"')),
            header: Some(true),
            piece_bytes: piece_bytes.unwrap_or(1),
            max_field_bytes: 64,
            ..Options::default()
        };
        let mut reader = RowReader::sniffing(&opts);
        reader.parallel = piece_bytes.is_some();
        let mut out = Vec::new();
        let mut keep = |batches: Vec<Batch>| {
            for b in batches {
                for i in 0..b.len() {
                    let r = b.record(i);
                    out.push((
                        r.line,
                        r.fields().map(<[u8]>::to_vec).collect(),
                        r.problem.map(|p| p.0),
                    ));
                }
            }
        };
        for c in text.chunks(chunk) {
            reader.read(c, false);
            keep(reader.take_batches());
        }
        reader.read(&[], true);
        keep(reader.take_all());
        (out, reader.parallel)
    }

    #[test]
    fn parallel_pieces_read_what_the_streaming_splitter_reads() {
        let mut cases: Vec<Vec<u8>> = vec![
            b"a,b\n1,\"x\ny\"\n\n2,\"q\"\"\"\r\n3,4\r\n5,6".to_vec(),
            b"a,b\r1,2\r3,\"4\r5\"\r6,7\r".to_vec(),
            // Quotes inside unquoted fields: the quote parity is wrong after them.
            b"a,b\n1,5'11\"\n2,x\"y\"z\n3,\"ok\"\n4,end\n".to_vec(),
            b"a,b\n1,a\"b\n2,\"x\ny\"\n3,4\n".to_vec(),
            // A quote never closed, and fields over the limit.
            b"a,b\n1,2\n3,\"open\n4,5\n6,7".to_vec(),
        ];
        let long: String = (0..300)
            .map(|i| format!("{i},{}\n", "z".repeat(i % 90)))
            .collect();
        cases.push(format!("a,b\n{long}").into_bytes());
        for text in &cases {
            let (want, _) = read(text, text.len(), None);
            for chunk in [1, 2, 3, 7, 64] {
                for piece in [1, 2, 5, 16, 100] {
                    let (got, _) = read(text, chunk, Some(piece));
                    assert_eq!(
                        got,
                        want,
                        "chunk {chunk} piece {piece} of {:?}",
                        String::from_utf8_lossy(text)
                    );
                }
            }
        }
    }

    #[test]
    fn a_wrong_cut_turns_parsing_sequential() {
        // After `a"b` the parity is off by one, so the line break inside "x\ny" looks like a
        // record end.
        let text = b"a,b\n1,a\"b\n2,\"x\ny\"\n3,4\n";
        let (got, parallel) = read(text, text.len(), Some(2));
        assert!(!parallel);
        assert_eq!(got[1].1, vec![b"2".to_vec(), b"x\ny".to_vec()]);
        let (_, parallel) = read(b"a,b\n1,\"2\"\n3,4\n", 100, Some(2));
        assert!(parallel);
    }
}
