//! The two passes as push-style state machines, free of I/O: the caller feeds byte chunks of
//! any size cut anywhere and calls `finish` at the end. The same code serves a file, stdin
//! and a browser stream.
//!
//! - [`Scanner`] (pass 1) sniffs the dialect and gathers per-column statistics → [`Inference`].
//! - [`Converter`] (pass 2) converts with a given [`Inference`] and writes Parquet.
//! - [`StreamConverter`] does both in one pass for input that cannot be read twice: it infers
//!   from the first `sample_rows` rows, held in memory, then converts them and the rest.
//! - [`crate::onepass::OnePass`] converts with a sample's types while scanning every row, and
//!   keeps the output only if the whole input's types turn out to be the sample's.

use crate::alloc;
use crate::batch::Batch;
use crate::encode::{counts_distinct, parse_cell, Basis, Cell, ColumnBuilder, Extreme, Written};
use crate::error::{shorten, Error, RejectKind, Rejection, Result};
use crate::infer::{
    self, ticks_per_second, ColumnPlan, Inference, Kind, Vocabulary, FORCED_CATEGORY_CAP,
};
use crate::onepass;
use crate::options::{BadRows, Encoding, Options, TypeOverride};
use crate::parse::Record;
use crate::report::{ColumnReport, DialectReport, Phase, Progress, Report, Timings};
use crate::rows::{self, RowReader};
use crate::scan::{BatchDistinct, ColumnScan, Seen, Tokens};
use crate::schedule::{self, Costs};
use crate::text::{decode_field, is_utf8};
use crate::value;
use crate::write::{ClosedColumn, ColumnWrite, ParquetSink};
use arrow_array::ArrayRef;
use arrow_schema::TimeUnit;
use parquet::file::metadata::KeyValue;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::io::Write;
use std::sync::Arc;
use web_time::Instant;

/// The key of the Parquet key-value entry that describes the inference.
pub const METADATA_KEY: &str = "parquetry.inference";
/// Most rejected rows kept under `collect`; past it the conversion stops rather than drop any.
pub const MAX_COLLECTED: usize = 1_000_000;

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Pass 1: sniffing and statistics.
pub struct Scanner {
    pub(crate) opts: Options,
    pub(crate) reader: RowReader,
    pub(crate) st: ScanState,
    pub(crate) started: Instant,
}

pub(crate) struct ScanState {
    pub(crate) columns: Vec<ColumnScan>,
    /// Shared with the forks that observe batches on the threads that parsed them.
    tokens: Arc<Tokens>,
    utf8_ok: bool,
    /// Columns forced to be categories keep more distinct values than the others.
    forced_categories: Vec<String>,
    distinct_cap: usize,
    /// The first few distinct non-empty values of each column, for previews.
    samples: Vec<Vec<Box<[u8]>>>,
    /// Sound rows looked at for samples so far.
    sampled: usize,
    /// The source columns a conversion running alongside converts (see [`crate::onepass`]),
    /// with the type it vouches for, if it does. That conversion checks a converted
    /// column's text and counts its nulls, so a settled one is no longer looked at here;
    /// a vouched-for column's values are not classified either, only noted in its distinct
    /// set: every one of them must parse as the type for the conversion to go on. A column
    /// whose distinct values the conversion counts as well (a category, bytes, booleans:
    /// see [`onepass::counted_alongside`]) is not looked at at all.
    alongside: FxHashMap<usize, Option<Kind>>,
}

/// Sample values kept per column for previews.
const SAMPLES: usize = 5;
/// Rows of the input looked at for them.
const SAMPLE_ROWS: usize = 1000;

impl ScanState {
    /// Sets up one statistics slot per column, once the first record says how many.
    pub(crate) fn start(&mut self, reader: &RowReader) {
        if !self.columns.is_empty() {
            return;
        }
        let Some(width) = reader.width else { return };
        let names = infer::column_names(reader.header.as_deref(), width, reader.encoding());
        self.columns = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let forced = self.forced_categories.iter().any(|f| f == n);
                let mut scan = ColumnScan::new(if forced {
                    FORCED_CATEGORY_CAP
                } else {
                    self.distinct_cap
                });
                if self.vouched(i).is_some() {
                    // No type left to strike out: values are only counted and noted.
                    scan.mask = 0;
                }
                scan
            })
            .collect();
    }

    /// The columns a conversion converts alongside this scan, with the types it vouches
    /// for (see the field). Set before the first batch.
    pub(crate) fn set_alongside(&mut self, alongside: FxHashMap<usize, Option<Kind>>) {
        self.alongside = alongside;
    }

    /// The type vouched for column `source`, if any.
    pub(crate) fn vouched(&self, source: usize) -> Option<&Kind> {
        self.alongside.get(&source).and_then(|k| k.as_ref())
    }

    /// How much of column `c` is to be looked at in the batches to come.
    fn look(&self, c: usize) -> Look {
        if self.vouched(c).is_some_and(onepass::counted_alongside) {
            return Look::Nothing;
        }
        match self.columns[c].settled() {
            false => Look::Values,
            true if self.alongside.contains_key(&c) => Look::Nothing,
            true => Look::Nulls,
        }
    }

    /// Keeps each column's first distinct values until every column has [`SAMPLES`]. Only
    /// the first [`SAMPLE_ROWS`] rows are looked at (a column of mostly empty fields, or of
    /// fewer distinct values, shows fewer).
    fn keep_samples(&mut self, batch: &Batch, sound: &[usize]) {
        let width = self.columns.len();
        let full = self.samples.len() == width && self.samples.iter().all(|s| s.len() >= SAMPLES);
        if full || self.sampled >= SAMPLE_ROWS {
            return;
        }
        self.samples.resize_with(width, Vec::new);
        let rows = &sound[..sound.len().min(SAMPLE_ROWS - self.sampled)];
        self.sampled += rows.len();
        for &i in rows {
            for (c, kept) in self.samples.iter_mut().enumerate() {
                let f = batch.field(i, c);
                if kept.len() < SAMPLES && !f.is_empty() && !kept.iter().any(|k| **k == *f) {
                    kept.push(f.into());
                }
            }
        }
    }

    /// What observing a batch on the thread that parsed it needs: forks of the columns as
    /// they stand, once the first record told how many. A fork a little behind its column
    /// only looks at more than it must, and merging gives the same statistics.
    pub(crate) fn piece_fork(&self, encoding: Encoding) -> Option<PieceFork> {
        (!self.columns.is_empty()).then(|| PieceFork {
            columns: self.columns.iter().map(ColumnScan::fork).collect(),
            looks: (0..self.columns.len()).map(|c| self.look(c)).collect(),
            tokens: self.tokens.clone(),
            check_utf8: self.utf8_ok && encoding == Encoding::Utf8,
        })
    }

    /// Merges a batch's findings into the columns: from the thread that parsed it (see
    /// [`PieceFork`]), or else by observing its fields in tiles of one column by
    /// [`TILE_ROWS`] rows, each tile on its own task.
    pub(crate) fn process(&mut self, batch: &mut Batch, encoding: Encoding) {
        let found = batch
            .findings
            .take()
            .and_then(|f| f.downcast::<Found>().ok());
        if let Some(found) = found {
            self.keep_samples(batch, &found.sound);
            let columns = self
                .columns
                .iter_mut()
                .zip(found.columns)
                .zip(found.distinct);
            for (c, ((column, scan), distinct)) in columns.enumerate() {
                column.merge(scan);
                if let Some(d) = distinct {
                    d.fold_into(column, |r| batch.field(r, c));
                }
            }
            self.utf8_ok &= found.utf8_ok;
            return;
        }
        // Rows that will be rejected anyway must not steer the types.
        let sound = batch.sound_rows(self.columns.len());
        self.keep_samples(batch, &sound);
        // An ASCII batch is valid UTF-8 field by field; only others need a look at each field.
        let check_utf8 = self.utf8_ok && encoding == Encoding::Utf8 && !batch.is_ascii();
        let looks: Vec<Look> = (0..self.columns.len()).map(|c| self.look(c)).collect();
        let (tokens, columns) = (&self.tokens, &self.columns);
        let tiles: Vec<(usize, ColumnScan, bool)> = tiles(columns.len(), &sound)
            .into_par_iter()
            .filter(|(c, _)| looks[*c] != Look::Nothing)
            .map(|(c, rows)| {
                let mut scan = columns[c].fork();
                let mut ok = true;
                for &i in rows {
                    let f = batch.field(i, c);
                    let seen = observe_field(&mut scan, f, looks[c], tokens, check_utf8, &mut ok);
                    scan.note(f, seen);
                }
                (c, scan, ok)
            })
            .collect();
        for (c, scan, ok) in tiles {
            self.columns[c].merge(scan);
            self.utf8_ok &= ok;
        }
    }
}

/// How much of a column the scan looks at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Look {
    /// Every value: its type, its null, the distinct set.
    Values,
    /// The column is settled (see [`ColumnScan::settled`]): only its empty fields, still
    /// its nulls, and its text's encoding.
    Nulls,
    /// Settled, and a conversion alongside checks its text and counts its nulls.
    Nothing,
}

/// One field for the scan: its UTF-8 checked while `check_utf8` (clearing `utf8_ok` if
/// invalid), and observed but for the distinct set as far as `look` says. Returns what the
/// field is for the distinct set (nothing, for a settled column: it keeps none).
#[inline]
fn observe_field(
    scan: &mut ColumnScan,
    f: &[u8],
    look: Look,
    tokens: &Tokens,
    check_utf8: bool,
    utf8_ok: &mut bool,
) -> Seen {
    if look == Look::Nothing {
        return Seen::Empty;
    }
    if check_utf8 && *utf8_ok && !f.is_ascii() {
        *utf8_ok = is_utf8(f, true);
    }
    if look == Look::Values {
        return scan.observe_kind(f, tokens);
    }
    scan.empty += u64::from(f.is_empty());
    Seen::Empty
}

/// Forks of a scan's columns, to observe a whole batch on the thread that parsed it.
pub(crate) struct PieceFork {
    columns: Vec<ColumnScan>,
    looks: Vec<Look>,
    tokens: Arc<Tokens>,
    /// Whether non-ASCII fields still need a UTF-8 check.
    check_utf8: bool,
}

/// What [`PieceFork::observe`] found in a batch, and the batch's sound rows it looked at.
pub(crate) struct Found {
    /// Statistics but for the distinct values, which are in `distinct`.
    columns: Vec<ColumnScan>,
    /// The batch's distinct values of each column that still counts them.
    distinct: Vec<Option<BatchDistinct>>,
    utf8_ok: bool,
    sound: Vec<usize>,
}

impl PieceFork {
    /// The work for [`rows::step`] to do on each batch where it was parsed.
    pub(crate) fn work(
        &self,
    ) -> impl Fn(&Batch) -> Box<dyn std::any::Any + Send + Sync> + Sync + '_ {
        move |b| Box::new(self.observe(b))
    }

    /// Observes the batch's sound rows, row after row, as the tiles of
    /// [`ScanState::process`] would.
    pub(crate) fn observe(&self, batch: &Batch) -> Found {
        let mut columns = self.columns.clone();
        let sound = batch.sound_rows(columns.len());
        let mut distinct: Vec<Option<BatchDistinct>> = columns
            .iter()
            .map(|c| BatchDistinct::for_column(c, sound.len()))
            .collect();
        let check_utf8 = self.check_utf8 && !batch.is_ascii();
        let mut utf8_ok = true;
        // On trial, most columns are left to the conversion: only the others are visited.
        let looked: Vec<usize> = (0..columns.len())
            .filter(|&c| self.looks[c] != Look::Nothing)
            .collect();
        for &i in &sound {
            for &c in &looked {
                let (scan, distinct, look) = (&mut columns[c], &mut distinct[c], self.looks[c]);
                let f = batch.field(i, c);
                let seen = observe_field(scan, f, look, &self.tokens, check_utf8, &mut utf8_ok);
                if let Some(d) = distinct {
                    d.note(f, seen, i, |r| batch.field(r, c));
                }
            }
        }
        Found {
            columns,
            distinct,
            utf8_ok,
            sound,
        }
    }
}

/// A converted tile: its column, its array, what it holds, and the rows that did not fit.
type ConvertedTile = (usize, ArrayRef, Written, Vec<(usize, String)>);

/// Rows per tile of parallel work: small enough that a batch makes several tiles per
/// column, large enough to amortise a task.
const TILE_ROWS: usize = 4096;

/// The (column, rows) tiles of a batch: every column of the first rows, then of the next,
/// so rows in order within a column. Taken in this order, the tiles of neighbouring tasks
/// read the same rows while they are in cache, and the halves rayon splits the list into
/// hold the same mix of costly and cheap columns (5% faster than column after column).
fn tiles(columns: usize, rows: &[usize]) -> Vec<(usize, &[usize])> {
    rows.chunks(TILE_ROWS)
        .flat_map(|r| (0..columns).map(move |c| (c, r)))
        .collect()
}

impl Scanner {
    pub fn new(opts: &Options) -> Result<Scanner> {
        opts.validate().map_err(Error::Options)?;
        let forced_categories = opts
            .types
            .iter()
            .filter(|(_, t)| *t == TypeOverride::Category)
            .map(|(n, _)| n.clone())
            .collect();
        Ok(Scanner {
            opts: opts.clone(),
            reader: RowReader::sniffing(opts),
            st: ScanState {
                columns: Vec::new(),
                tokens: Arc::new(Tokens::new(&opts.null_tokens)),
                utf8_ok: true,
                forced_categories,
                // Distinct values are counted up to at least 1000 so reports can show them.
                distinct_cap: opts.category_max.max(1000),
                samples: Vec::new(),
                sampled: 0,
                alongside: FxHashMap::default(),
            },
            started: Instant::now(),
        })
    }

    /// A scanner of the first `rows` data rows only, for a quick preview of a large input.
    pub fn sampling(opts: &Options, rows: u64) -> Result<Scanner> {
        let mut scanner = Scanner::new(opts)?;
        scanner.reader.limit = Some(rows);
        Ok(scanner)
    }

    /// A sampling scanner has its rows: the caller may stop reading.
    pub fn has_sample(&self) -> bool {
        self.reader.limit.is_some_and(|l| self.reader.rows > l)
    }

    /// Ends a sampling scan: types from the rows sampled, leaving out the record the input
    /// was cut in. When the input ended first, this is [`Scanner::finish`].
    pub fn finish_sample(self) -> Result<Inference> {
        match self.reader.limit {
            Some(limit) if self.has_sample() => self.into_inference(Some(limit)),
            _ => self.finish(),
        }
    }

    /// Ends a sampling scan with the types of the rows sampled as if they were the whole
    /// input's (closed category vocabularies, floats trusted exact): the types a
    /// [`crate::onepass::OnePass`] puts on trial. The flag: the input ended within the
    /// sample, so these are the whole input's types.
    pub fn finish_sample_as_whole(mut self) -> Result<(Inference, bool)> {
        // Text fed may not be parsed yet: only the end of input tells whether it held more
        // rows than the sample.
        if !self.has_sample() {
            self.push(&[], true);
        }
        let whole = !self.has_sample();
        Ok((self.into_inference(None)?, whole))
    }

    /// Feeds the next chunk of the input.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        self.push(chunk, false);
        Ok(())
    }

    fn push(&mut self, chunk: &[u8], last: bool) {
        self.st.start(&self.reader);
        let encoding = self.reader.encoding();
        // Batches parsed from pieces are observed on the thread that parsed them.
        let fork = self.st.piece_fork(encoding);
        let work = fork.as_ref().map(|f| f.work());
        let _ = rows::step(
            &mut self.reader,
            &mut self.st,
            chunk,
            last,
            work.as_ref().map(|w| w as rows::PieceWork<'_>),
            ScanState::start,
            |st, b| {
                st.process(b, encoding);
                Ok(())
            },
        );
    }

    /// Processes whatever is still held, at the end of input or of the sample.
    fn drain(&mut self) {
        self.st.start(&self.reader);
        let encoding = self.reader.encoding();
        let mut batches = self.reader.take_all();
        for batch in &mut batches {
            self.st.process(batch, encoding);
        }
    }

    /// Data rows read so far.
    pub fn rows(&self) -> u64 {
        self.reader.rows
    }

    pub fn progress(&self) -> Progress {
        Progress {
            phase: if self.reader.sniffed() {
                Phase::Scan
            } else {
                Phase::Sniff
            },
            bytes: self.reader.bytes,
            rows: self.reader.rows,
            heap_bytes: alloc::live_bytes() as u64,
        }
    }

    /// Ends the input and decides the columns' types.
    pub fn finish(mut self) -> Result<Inference> {
        self.push(&[], true);
        self.into_inference(None)
    }

    pub(crate) fn into_inference(mut self, sampled_rows: Option<u64>) -> Result<Inference> {
        self.drain();
        let (st, reader) = (self.st, self.reader);
        let (Some(dialect), Some(width)) = (reader.dialect.clone(), reader.width) else {
            return Err(Error::EmptyInput);
        };
        let header_utf8 = reader.header.iter().flatten().all(|f| is_utf8(f, true));
        let encoding = if reader.encoding() == Encoding::Utf8 && !(st.utf8_ok && header_utf8) {
            Encoding::Windows1252
        } else {
            reader.encoding()
        };
        let names = infer::column_names(reader.header.as_deref(), width, encoding);
        let selected = infer::select(&names, &self.opts)?;
        let mut scans: Vec<Option<ColumnScan>> = st.columns.into_iter().map(Some).collect();
        let mut columns = Vec::with_capacity(selected.len());
        for source in selected {
            let name = names[source].clone();
            let scan = scans[source]
                .take()
                .ok_or_else(|| Error::Options(format!("column {name:?} is selected twice")))?;
            let decimals = (scan.mask & crate::scan::bits::FLOAT != 0).then_some(scan.decimals);
            let null_counts = scan.null_counts();
            let forced = self.opts.type_override(&name);
            let (kind, distinct) = match st.alongside.get(&source).and_then(|k| k.as_ref()) {
                // The values the conversion coded, read in the whole input's encoding (a
                // late byte that changes it ends the trial at its row today; should it ever
                // reach the end, the conversion again must read the vocabulary so).
                Some(Kind::Category(v)) => {
                    let raw = v.codes.keys().cloned().collect();
                    let stream = sampled_rows.is_some();
                    let vocab = Vocabulary::new(raw, encoding, stream, self.opts.category_max);
                    (Kind::Category(Box::new(vocab)), Some(v.values.len()))
                }
                Some(kind) => (kind.clone(), scan.distinct.as_ref().map(|d| d.len())),
                None => infer::decide(
                    &name,
                    scan,
                    forced,
                    &self.opts,
                    encoding,
                    sampled_rows.is_some(),
                )?,
            };
            let decimals = decimals.filter(|_| matches!(kind, Kind::Float32 | Kind::Float64));
            let samples = st.samples.get(source).map_or_else(Vec::new, |v| {
                v.iter().map(|b| shorten(&lossy(b, encoding), 80)).collect()
            });
            columns.push(ColumnPlan {
                name,
                source,
                nulls: null_counts.nulls(&kind),
                kind,
                forced: forced.is_some(),
                distinct,
                decimals,
                samples,
            });
        }
        Ok(Inference {
            dialect,
            encoding,
            bom: reader.bom(),
            width,
            columns,
            sampled_rows,
            // A sample's rows, not the rows its last chunk happened to hold.
            rows_scanned: sampled_rows.unwrap_or(reader.rows),
            sniff_ms: reader.sniff_ms,
            scan_ms: ms_since(self.started) - reader.sniff_ms,
        })
    }
}

/// Pass 2: conversion with known types, writing Parquet row group by row group.
pub struct Converter<W: Write + Send> {
    pub(crate) reader: RowReader,
    pub(crate) st: ConvertState<W>,
}

/// Converted arrays waiting for the sink, one list per column, and whether their row group
/// ends with them.
struct Unwritten {
    arrays: Vec<Vec<ArrayRef>>,
    rows: usize,
    ends_group: bool,
}

/// A job of a batch's conversion (see [`schedule`]).
enum Job<'a, 'b> {
    /// Converting column `c` of these rows.
    Convert(usize, &'b [usize]),
    /// Writing a column of the batch before: its kind of job in
    /// [`ConvertState::costs`], the batch's rows, the write.
    Write(usize, usize, ColumnWrite<'a>),
}

enum Done {
    Converted(ConvertedTile),
    Wrote(Result<Option<ClosedColumn>>),
}

pub(crate) struct ConvertState<W: Write + Send> {
    pub(crate) inf: Inference,
    opts: Options,
    tokens: Tokens,
    /// Statistics of what was written, per column.
    written: Vec<Written>,
    sink: ParquetSink<W>,
    /// Arrays converted and not yet handed to the sink.
    unwritten: Option<Unwritten>,
    /// What converting and writing a row of each column costs: converts are job kinds
    /// `0..width`, writes `width..2 * width`.
    costs: Costs,
    rows_written: u64,
    rows_rejected: u64,
    rejected: Vec<Rejection>,
    group_rows: usize,
    group_bytes: usize,
    pub(crate) started: Instant,
    /// The types are a sample's, on trial (see [`crate::onepass`]): a value that does not
    /// fit disproves them rather than rejects its row.
    pub(crate) on_trial: bool,
    /// On trial, a value did not fit: nothing more is converted.
    pub(crate) disproved: bool,
}

impl<W: Write + Send> Converter<W> {
    pub fn new(inference: Inference, opts: &Options, out: W) -> Result<Converter<W>> {
        opts.validate().map_err(Error::Options)?;
        let schema = Arc::new(inference.schema());
        let names = |keep: &dyn Fn(&ColumnPlan) -> bool| -> Vec<String> {
            let columns = inference.columns.iter();
            columns
                .filter(|c| keep(c))
                .map(|c| c.name.clone())
                .collect()
        };
        let plain = names(&|c| c.distinct.is_none() && c.kind.mostly_unique());
        let texts = names(&|c| c.distinct.is_none() && matches!(c.kind, Kind::Text));
        let sink = ParquetSink::new(out, schema, opts, &plain, &texts)?;
        let written = vec![Written::default(); inference.columns.len()];
        Ok(Converter {
            reader: RowReader::known(&inference.dialect, inference.encoding, opts),
            st: ConvertState {
                tokens: Tokens::new(&opts.null_tokens),
                inf: inference,
                opts: opts.clone(),
                costs: Costs::new(2 * written.len()),
                written,
                sink,
                unwritten: None,
                rows_written: 0,
                rows_rejected: 0,
                rejected: Vec::new(),
                group_rows: 0,
                group_bytes: 0,
                started: Instant::now(),
                on_trial: false,
                disproved: false,
            },
        })
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        rows::step(
            &mut self.reader,
            &mut self.st,
            chunk,
            false,
            None,
            |_, _| {},
            |st, b| st.process(b),
        )
    }

    pub fn progress(&self) -> Progress {
        Progress {
            phase: Phase::Convert,
            bytes: self.reader.bytes,
            rows: self.reader.rows,
            heap_bytes: alloc::live_bytes() as u64,
        }
    }

    pub fn inference(&self) -> &Inference {
        &self.st.inf
    }

    /// Ends the input, writes the last row group and the footer, and reports.
    pub fn finish(mut self) -> Result<(Report, W)> {
        rows::step(
            &mut self.reader,
            &mut self.st,
            &[],
            true,
            None,
            |_, _| {},
            |st, b| st.process(b),
        )?;
        let batches = self.reader.take_all();
        for batch in &batches {
            self.st.process(batch)?;
        }
        self.st.finish(self.reader.rows, self.reader.bytes)
    }
}

impl<W: Write + Send> ConvertState<W> {
    /// Converts a batch, cut where row groups end so they hold exactly the rows asked for.
    pub(crate) fn process(&mut self, batch: &Batch) -> Result<()> {
        let mut start = 0;
        while start < batch.len() && !self.disproved {
            let room = self.opts.row_group_rows - self.group_rows;
            let mut end = batch.len().min(start + room);
            // A row group ends at the row that brings it to its byte limit, not where the
            // batch happens to end: batches depend on how the input was chunked.
            let mut bytes = self.group_bytes + batch.text_bytes_of(start..end);
            if bytes >= self.opts.row_group_bytes {
                bytes = self.group_bytes;
                for i in start..end {
                    bytes += batch.text_bytes(i);
                    if bytes >= self.opts.row_group_bytes {
                        end = i + 1;
                        break;
                    }
                }
            }
            self.process_rows(batch, start..end)?;
            self.group_bytes = bytes;
            start = end;
            if self.group_rows >= self.opts.row_group_rows
                || self.group_bytes >= self.opts.row_group_bytes
            {
                self.end_row_group()?;
            }
        }
        Ok(())
    }

    /// Ends the row group. Its last arrays, and the closing of its column chunks, are left
    /// to run alongside the next rows' conversion, as any batch's arrays are: closing
    /// finishes every column's last page, and the cores would wait for the slowest.
    fn end_row_group(&mut self) -> Result<()> {
        match self.unwritten.as_mut() {
            Some(u) => u.ends_group = true,
            None => self.sink.end_row_group()?,
        }
        self.group_rows = 0;
        self.group_bytes = 0;
        Ok(())
    }

    /// Writes the arrays not yet written and ends the last row group: each column's
    /// write and the closing of its chunk are one job, the longest first.
    fn write_last(&mut self) -> Result<()> {
        let Some(u) = self.unwritten.take() else {
            return self.sink.end_row_group();
        };
        let width = self.written.len();
        let writes = self.sink.column_writes(u.arrays, true)?;
        let jobs = writes.into_iter().enumerate();
        let jobs = jobs
            .map(|(c, w)| (self.costs.of(width + c, u.rows), w))
            .collect();
        let closed = schedule::longest_first(jobs, ColumnWrite::run);
        let closed = closed
            .into_iter()
            .map(|(c, _)| c)
            .collect::<Result<Vec<_>>>()?;
        self.sink
            .append_row_group(closed.into_iter().flatten().collect())
    }

    /// Converts rows of a batch column by column in parallel and writes them. A row with a
    /// value that does not fit is taken out and the rows converted again without it, so the
    /// columns and their statistics hold exactly the rows written.
    fn process_rows(&mut self, batch: &Batch, range: std::ops::Range<usize>) -> Result<()> {
        let width = self.inf.width;
        let mut rejected: Vec<(usize, Rejection)> = match batch.all_sound(width) {
            true => Vec::new(),
            false => range
                .clone()
                .filter(|&i| !batch.is_sound(i, width))
                .filter_map(|i| self.structural_rejection(&batch.record(i)).map(|r| (i, r)))
                .collect(),
        };
        let mut sound = batch.sound_rows(width);
        sound.retain(|i| range.contains(i));
        let enc = self.inf.encoding;
        // Stream mode: categories met for the first time join the vocabulary, in row order,
        // before the parallel work reads it.
        for c in self.inf.columns.iter_mut() {
            if let Kind::Category(v) = &mut c.kind {
                if v.open {
                    for &i in &sound {
                        let f = batch.field(i, c.source);
                        if !f.is_empty() {
                            v.code(f, enc);
                        }
                    }
                }
            }
        }
        // One look at the whole batch spares a UTF-8 check of every text field.
        let ascii = batch.is_ascii();
        // The arrays of the rows before are written while these rows are converted.
        let mut unwritten = self.unwritten.take();
        let (arrays, written) = loop {
            let (tokens, columns) = (&self.tokens, &self.inf.columns);
            let (sampled, on_trial) = (self.inf.sampled_rows.is_some(), self.on_trial);
            let convert = |c: usize, rows: &[usize]| -> ConvertedTile {
                let plan = &columns[c];
                let text_bytes = match plan.kind {
                    Kind::Text => rows
                        .iter()
                        .map(|&i| batch.field(i, plan.source).len())
                        .sum(),
                    _ => 0,
                };
                let mut b = ColumnBuilder::with_capacity(plan, rows.len(), text_bytes);
                let basis = match (sampled || plan.forced, on_trial) {
                    (true, _) => Basis::Sample,
                    (false, true) => Basis::Trial,
                    (false, false) => Basis::Scan,
                };
                // What a scan alongside leaves to the conversion (see
                // [`onepass::vouches_for`]): distinct values, a float's decimals.
                let counted = counts_distinct(&plan.kind);
                let floats =
                    basis == Basis::Trial && matches!(plan.kind, Kind::Float32 | Kind::Float64);
                let mut errors = Vec::new();
                for &i in rows {
                    let f = batch.field(i, plan.source);
                    match parse_cell(f, &plan.kind, tokens, enc, basis, ascii) {
                        Ok(Cell::Null) if counted && !f.is_empty() => {
                            // A null token: counted among the distinct values.
                            if let Some(k) = tokens.index(f) {
                                b.written.see_token(k);
                            }
                            b.append(Cell::Null, f, enc);
                        }
                        // A null (a token such as `-999.000`) has no decimals.
                        Ok(cell) if floats && !matches!(cell, Cell::Null) => {
                            b.written.see_decimals(f);
                            b.append(cell, f, enc);
                        }
                        Ok(cell) => b.append(cell, f, enc),
                        Err(reason) => {
                            errors.push((i, reason));
                            b.append(Cell::Null, f, enc);
                        }
                    }
                }
                (c, b.finish(&plan.kind), b.written, errors)
            };
            // One list of jobs, the longest first (see [`schedule`]): this batch's tiles,
            // and the writes of the batch before, column by column.
            let width = columns.len();
            let costs = &mut self.costs;
            let mut jobs: Vec<(f64, Job<'_, '_>)> = tiles(width, &sound)
                .into_iter()
                .map(|(c, rows)| (costs.of(c, rows.len()), Job::Convert(c, rows)))
                .collect();
            let mut ends_group = false;
            if let Some(u) = unwritten.take() {
                ends_group = u.ends_group;
                let writes = self.sink.column_writes(u.arrays, u.ends_group)?;
                jobs.extend(writes.into_iter().enumerate().map(|(c, w)| {
                    (
                        costs.of(width + c, u.rows),
                        Job::Write(width + c, u.rows, w),
                    )
                }));
            }
            let done = schedule::longest_first(jobs, |job| match job {
                Job::Convert(c, rows) => (c, rows.len(), Done::Converted(convert(c, rows))),
                Job::Write(kind, rows, w) => (kind, rows, Done::Wrote(w.run())),
            });
            let mut tiles = Vec::with_capacity(done.len());
            let mut closed = Vec::new();
            for ((kind, rows, done), secs) in done {
                costs.learn(kind, rows, secs);
                match done {
                    Done::Converted(t) => tiles.push(t),
                    Done::Wrote(w) => closed.extend(w?),
                }
            }
            if ends_group {
                self.sink.append_row_group(closed)?;
            }
            // The first failing column of each row explains it.
            let mut bad: FxHashMap<usize, (usize, &String)> = FxHashMap::default();
            for (col, _, _, errs) in &tiles {
                for (row, reason) in errs {
                    let e = bad.entry(*row).or_insert((*col, reason));
                    if *col < e.0 {
                        *e = (*col, reason);
                    }
                }
            }
            if !bad.is_empty() && self.on_trial {
                self.disproved = true;
                return Ok(());
            }
            if bad.is_empty() {
                let mut arrays: Vec<Vec<ArrayRef>> = vec![Vec::new(); columns.len()];
                let mut written: Vec<Written> = vec![Written::default(); columns.len()];
                for (c, array, w, _) in tiles {
                    arrays[c].push(array);
                    written[c].merge(w);
                }
                break (arrays, written);
            }
            // Convert again without the bad rows, so nothing of them is written or counted.
            sound.retain(|i| !bad.contains_key(i));
            for (row, (col, reason)) in bad {
                let r = self.value_rejection(&batch.record(row), col, reason.clone());
                rejected.push((row, r));
            }
        };
        for (total, w) in self.written.iter_mut().zip(written) {
            total.merge(w);
        }
        rejected.sort_by_key(|r| r.0);
        for (_, r) in rejected {
            self.reject(r)?;
        }
        if !sound.is_empty() {
            self.unwritten = Some(Unwritten {
                arrays,
                rows: sound.len(),
                ends_group: false,
            });
        }
        self.rows_written += sound.len() as u64;
        self.group_rows += sound.len();
        Ok(())
    }

    fn rejection(
        &self,
        r: &Record<'_>,
        kind: RejectKind,
        column: Option<String>,
        value: Option<&[u8]>,
        reason: String,
        hint: Option<String>,
    ) -> Rejection {
        let (enc, d) = (self.inf.encoding, &self.inf.dialect);
        Rejection {
            line: r.line,
            kind,
            column,
            value: value.map(|v| shorten(&lossy(v, enc), 1000)),
            reason,
            hint,
            record: shorten(&lossy(&r.to_csv_line(d.delimiter, d.quote), enc), 100_000),
        }
    }

    /// Why a row cannot be read at all (before any of its values is looked at), if it can't.
    fn structural_rejection(&self, r: &Record<'_>) -> Option<Rejection> {
        let inf = &self.inf;
        if let Some((kind, field)) = r.problem {
            let name = field.and_then(|i| header_name(inf, i));
            let value = field.map(|i| r.field(i)).filter(|v| !v.is_empty());
            let (reason, hint): (String, Option<String>) = match kind {
                RejectKind::NulByte => {
                    ("contains a NUL byte".into(), Some("the file may be binary rather than text".into()))
                }
                RejectKind::FieldTooLong => (
                    format!("has a field longer than {} bytes", self.opts.max_field_bytes),
                    Some("raise the maximum field size if the field is genuine, or check for an unclosed quote".into()),
                ),
                RejectKind::UnterminatedQuote => (
                    "has a quote that is never closed before the end of the file".into(),
                    Some("close the quote, or turn quoting off".into()),
                ),
                _ => ("cannot be read".into(), None),
            };
            let reason = if value.is_some() {
                reason
            } else {
                format!("the row {reason}")
            };
            return Some(self.rejection(r, kind, name, value, reason, hint));
        }
        (r.len() != inf.width).then(|| {
            self.rejection(
                r,
                RejectKind::Ragged,
                None,
                None,
                format!("expected {} fields, found {}", inf.width, r.len()),
                Some(format!(
                    "check the delimiter ({:?}) and quoting, or fix the row",
                    inf.dialect.delimiter as char
                )),
            )
        })
    }

    fn value_rejection(&self, r: &Record<'_>, col: usize, reason: String) -> Rejection {
        let c = &self.inf.columns[col];
        let (kind, hint) = if reason.contains("UTF-8") {
            (
                RejectKind::InvalidText,
                "give the file's encoding explicitly".to_string(),
            )
        } else {
            (RejectKind::BadValue, value_hint(c, self.inf.sampled_rows))
        };
        let value = Some(r.field(c.source));
        self.rejection(r, kind, Some(c.name.clone()), value, reason, Some(hint))
    }

    fn reject(&mut self, rejection: Rejection) -> Result<()> {
        match self.opts.bad_rows {
            BadRows::Error => return Err(Error::BadRow(Box::new(rejection))),
            BadRows::Skip => {}
            BadRows::Collect => {
                if self.rejected.len() >= MAX_COLLECTED {
                    return Err(Error::Options(format!(
                        "more than {MAX_COLLECTED} rows were rejected; the last was {rejection}"
                    )));
                }
                self.rejected.push(rejection);
            }
        }
        self.rows_rejected += 1;
        Ok(())
    }

    /// Rows converted or rejected so far.
    pub(crate) fn rows_done(&self) -> u64 {
        self.rows_written + self.rows_rejected
    }

    /// Sets what a scan alongside leaves to this conversion (see
    /// [`ScanState::set_alongside`]) in `inf`'s columns: the null counts of all, the
    /// distinct values of those it counts ([`onepass::counted_alongside`]), the decimals
    /// of the floats it vouches for. Whatever rows it rejected, the scan would not have
    /// counted either (they were malformed).
    pub(crate) fn fill_in(&self, inf: &mut Inference) {
        let written: FxHashMap<usize, (&ColumnPlan, &Written)> = self
            .inf
            .columns
            .iter()
            .zip(&self.written)
            .map(|(c, w)| (c.source, (c, w)))
            .collect();
        for c in &mut inf.columns {
            if let Some((plan, w)) = written.get(&c.source) {
                c.nulls = w.nulls;
                if !onepass::vouches_for(plan) {
                    continue;
                }
                // A category's count came with its vocabulary (`Scanner::into_inference`).
                if let Some(n) = w.distinct_counted(&plan.kind) {
                    c.distinct = Some(n);
                }
                if matches!(plan.kind, Kind::Float32 | Kind::Float64) {
                    c.decimals = Some(w.decimals());
                }
            }
        }
    }

    /// Gives up on the output: the sink, and how many bytes were written to it.
    pub(crate) fn abandon(self) -> Result<(W, u64)> {
        self.sink.abandon()
    }

    pub(crate) fn finish(mut self, rows_in: u64, bytes_in: u64) -> Result<(Report, W)> {
        // The last row group is closed before its bytes are counted for the report.
        self.write_last()?;
        let enc = self.inf.encoding;
        let bytes = self.sink.column_bytes();
        let columns: Vec<ColumnReport> = self
            .inf
            .columns
            .iter()
            .zip(&self.written)
            .zip(bytes)
            .map(|((c, w), &bytes)| {
                let range = w.extremes(&c.kind);
                ColumnReport {
                    name: c.name.clone(),
                    type_name: c.kind.name(),
                    forced: c.forced,
                    nulls: w.nulls,
                    min: range.as_ref().map(|(v, _)| show(v, &c.kind)),
                    max: range.as_ref().map(|(_, v)| show(v, &c.kind)),
                    distinct: match &c.kind {
                        Kind::Category(v) => Some(v.values.len()),
                        _ => c.distinct,
                    },
                    decimals: c.decimals,
                    bytes,
                    categories: match &c.kind {
                        Kind::Category(v) => Some(v.values.clone()),
                        _ => None,
                    },
                }
            })
            .collect();
        let mode = if self.inf.sampled_rows.is_some() {
            "stream"
        } else if self.on_trial {
            "one-pass"
        } else {
            "two-pass"
        };
        let dialect = DialectReport {
            dialect: self.inf.dialect.clone(),
            bom: self.inf.bom,
            encoding: enc,
        };
        let described = serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "mode": mode,
            "dialect": &dialect,
            "rows_scanned": self.inf.rows_scanned,
            "columns": &columns,
        });
        let kv = KeyValue::new(METADATA_KEY.to_string(), described.to_string());
        let row_groups = self.sink.row_groups();
        let (out, bytes_out) = self.sink.finish(vec![kv])?;
        let report = Report {
            rows_in,
            rows_written: self.rows_written,
            rows_rejected: self.rows_rejected,
            bytes_in,
            bytes_out,
            row_groups,
            dialect,
            mode,
            columns,
            rejected: self.rejected,
            timings_ms: Timings {
                sniff: self.inf.sniff_ms,
                scan: self.inf.scan_ms,
                convert: ms_since(self.started),
            },
            peak_heap_bytes: alloc::peak_bytes() as u64,
        };
        Ok((report, out))
    }
}

fn header_name(inf: &Inference, field: usize) -> Option<String> {
    inf.columns
        .iter()
        .find(|c| c.source == field)
        .map(|c| c.name.clone())
}

fn value_hint(c: &ColumnPlan, sampled: Option<u64>) -> String {
    let t = c.kind.name();
    match sampled {
        _ if c.forced => format!("the column was set to {t} by an override; choose another type"),
        Some(n) => format!(
            "the column was inferred as {t} from the first {n} rows only; override its type, or \
             convert the whole file so that every row is scanned"
        ),
        None => format!("the column is {t}; override its type or fix the value"),
    }
}

fn lossy(b: &[u8], enc: Encoding) -> String {
    decode_field(b, enc).map_or_else(
        || String::from_utf8_lossy(b).into_owned(),
        |s| s.into_owned(),
    )
}

/// A column extreme as text, in the column's own notation.
fn show(v: &Extreme, kind: &Kind) -> String {
    match (v, kind) {
        (Extreme::Int(i), Kind::Bool) => (*i != 0).to_string(),
        (Extreme::Int(d), Kind::Date(_)) => {
            let (y, m, d) = value::civil_from_days(*d as i64);
            format!("{y:04}-{m:02}-{d:02}")
        }
        (Extreme::Int(t), Kind::Timestamp { unit, utc }) => {
            let per = ticks_per_second(*unit) as i128;
            let (secs, frac) = (t.div_euclid(per) as i64, t.rem_euclid(per) as i64);
            let (y, mo, d) = value::civil_from_days(secs.div_euclid(86_400));
            let s = secs.rem_euclid(86_400);
            format!(
                "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}{}{}",
                s / 3600,
                s / 60 % 60,
                s % 60,
                fraction(frac, *unit),
                if *utc { "Z" } else { "" }
            )
        }
        (Extreme::Int(t), Kind::Time(unit)) => {
            let per = ticks_per_second(*unit) as i128;
            let (s, frac) = ((t / per) as i64, (t % per) as i64);
            format!(
                "{:02}:{:02}:{:02}{}",
                s / 3600,
                s / 60 % 60,
                s % 60,
                fraction(frac, *unit)
            )
        }
        (Extreme::Int(i), _) => i.to_string(),
        (Extreme::Float(f), _) => f.to_string(),
        (Extreme::Text(s), _) => shorten(s, 200),
    }
}

fn fraction(ticks: i64, unit: TimeUnit) -> String {
    match unit {
        TimeUnit::Millisecond => format!(".{ticks:03}"),
        TimeUnit::Microsecond => format!(".{ticks:06}"),
        TimeUnit::Nanosecond => format!(".{ticks:09}"),
        TimeUnit::Second => String::new(),
    }
}

/// One pass over input that cannot be read twice: types come from the first
/// `sample_rows` rows, which are held in memory until they are known.
pub struct StreamConverter<W: Write + Send> {
    opts: Options,
    state: StreamState<W>,
}

enum StreamState<W: Write + Send> {
    Sampling {
        scanner: Box<Scanner>,
        /// The input so far, in one buffer: a stream may come in tiny chunks, and a
        /// buffer each would cost several times their bytes.
        held: Vec<u8>,
        out: W,
    },
    Converting(Box<Converter<W>>),
    Failed,
}

impl<W: Write + Send> StreamConverter<W> {
    pub fn new(opts: &Options, out: W) -> Result<Self> {
        let mut scanner = Scanner::new(opts)?;
        scanner.reader.limit = Some(opts.sample_rows as u64);
        Ok(StreamConverter {
            opts: opts.clone(),
            state: StreamState::Sampling {
                scanner: Box::new(scanner),
                held: Vec::new(),
                out,
            },
        })
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        match &mut self.state {
            StreamState::Sampling { scanner, held, .. } => {
                scanner.feed(chunk)?;
                held.extend_from_slice(chunk);
                if scanner.rows() > self.opts.sample_rows as u64 {
                    self.start_converting(false)?;
                }
                Ok(())
            }
            StreamState::Converting(c) => c.feed(chunk),
            StreamState::Failed => Err(Error::State("the conversion already failed")),
        }
    }

    /// Decides the types from the sample and replays the held text into a converter.
    fn start_converting(&mut self, at_end: bool) -> Result<()> {
        if !matches!(self.state, StreamState::Sampling { .. }) {
            return Ok(());
        }
        let StreamState::Sampling { scanner, held, out } =
            std::mem::replace(&mut self.state, StreamState::Failed)
        else {
            return Ok(());
        };
        let mut scanner = *scanner;
        if at_end {
            scanner.push(&[], true);
        }
        let sampled = scanner.rows().min(self.opts.sample_rows as u64);
        let inference = scanner.into_inference(Some(sampled))?;
        let mut conv = Converter::new(inference, &self.opts, out)?;
        conv.feed(&held)?;
        self.state = StreamState::Converting(Box::new(conv));
        Ok(())
    }

    pub fn progress(&self) -> Progress {
        match &self.state {
            StreamState::Sampling { scanner, .. } => scanner.progress(),
            StreamState::Converting(c) => c.progress(),
            StreamState::Failed => Progress {
                phase: Phase::Convert,
                bytes: 0,
                rows: 0,
                heap_bytes: 0,
            },
        }
    }

    pub fn finish(mut self) -> Result<(Report, W)> {
        self.start_converting(true)?;
        match self.state {
            StreamState::Converting(c) => c.finish(),
            _ => Err(Error::State("the conversion already failed")),
        }
    }
}
