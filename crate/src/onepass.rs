//! Exact types in one pass, most of the time. Two passes (scan, then convert) are what make
//! the types exact whatever row decides them, but most files are decided by their first
//! rows. So the types of a sample of them are put on trial: the input is converted with
//! them while every row is also scanned, as the first pass would. If the whole input's
//! types turn out to be the sample's, the output is done; if not, the caller discards it
//! and converts again.
//!
//! The output is then exactly what two passes write: the trial converts with the same code
//! and, when it holds, with types equal to the whole input's (see
//! [`Inference::converts_like`]).
//!
//! The conversion does part of the scan's work. A value that does not fit a trial type (a
//! late `300` in a column of bytes, a word in a column of dates, a price float32 cannot
//! hold exactly) disproves the types at once, so a column of booleans, integers, floats,
//! dates, timestamps or times whose every value the conversion took has the trial's type:
//! the scan need not classify its values, only note them for the distinct count (see
//! [`vouches_for`]). Where the conversion counts the distinct values too (a category's
//! closed vocabulary, a column of bytes or booleans), the scan need not look at the column
//! at all (see [`counted_alongside`]). What no single value shows (a text column that
//! became a category, wide numbers past the distinct-value cap …) is the scan's to find;
//! a look every [`CHECK_BYTES`] at it ends a trial that is bound to fail.
//!
//! How a trial ends, and what it costs:
//! - it holds: one read, the output done ([`Outcome::Done`]);
//! - the scan at the end disagrees: the whole input's types are known, and the input is
//!   converted again with them ([`Outcome::Again`]): the trial's read, then a conversion;
//! - it fails before the end: the pass stops there, but the types it vouched for were
//!   never scanned, so the input is scanned and converted again ([`Outcome::Rescan`]): a
//!   failure early in the file costs what two passes cost, one at its very end nearly
//!   twice that (BENCHMARKS.md: 0.98 s against 0.52 s on the 100 MB file).

use crate::batch::Batch;
use crate::convert::{ConvertState, Converter, ScanState, Scanner};
use crate::encode::counts_distinct;
use crate::error::{Error, Result};
use crate::infer::{inferred_kind, ColumnPlan, Inference, Kind};
use crate::options::Encoding;
use crate::report::{Phase, Progress, Report};
use crate::rows::{self, RowReader};
use crate::{alloc, Options};
use std::io::Write;
use web_time::Instant;

/// Input between two looks at whether the scan so far still agrees with the trial.
pub const CHECK_BYTES: u64 = 4 << 20;

/// Whether the conversion vouches for a trial column's type, so that the scan need not
/// classify its values: every value must parse as the type for the trial to go on, and
/// for these types that alone makes the whole column's type the trial's (a column of
/// dates whose every value reads in the trial's format infers that format; integers in
/// the range of the trial's width infer it, …). Floats are checked for exactness in the
/// trial's width as they are converted (a float32 column met with a value only float64
/// holds exactly is disproved there), which spares their scan a second parse. A category's
/// closed vocabulary is the sample's distinct set; a value not in it disproves the trial,
/// so the whole input's distinct set is the same and the scan need not keep one (the
/// sample's share of values decided the category; the share only shrinks as values
/// repeat). Text is decided by its distinct values, which only the scan keeps. Forced
/// types are judged by the scan's statistics.
pub fn vouches_for(c: &ColumnPlan) -> bool {
    !c.forced
        && match &c.kind {
            Kind::Bool
            | Kind::Int(_)
            | Kind::Date(_)
            | Kind::Timestamp { .. }
            | Kind::Time(_)
            | Kind::Float32
            | Kind::Float64 => true,
            Kind::Category(v) => !v.open,
            Kind::Text => false,
        }
}

/// Whether the conversion also counts the distinct values of a column it vouches for, so
/// that the scan need not look at it at all: a category's are its closed vocabulary; a
/// column of bytes' or booleans' are its values (by value for integers, whose text is
/// canonical, by spelling for booleans) and null tokens, one bit each
/// ([`crate::encode::Written::distinct_counted`]). Wider types keep a scan of their
/// distinct values, which stops at the cap.
pub fn counted_alongside(kind: &Kind) -> bool {
    matches!(kind, Kind::Category(_)) || counts_distinct(kind)
}

/// A conversion with the types of a sample on trial, scanning every row to check them.
pub struct OnePass<W: Write + Send> {
    opts: Options,
    trial: Inference,
    reader: RowReader,
    scan: ScanState,
    /// `None` once the trial failed: the pass is over.
    conv: Option<ConvertState<W>>,
    /// The sink, and the bytes written to it, once the trial failed.
    dropped: Option<(W, u64)>,
    next_check: u64,
    started: Instant,
}

/// How a [`OnePass`] ended.
pub enum Outcome<W> {
    /// The whole input's types were the sample's: the output is complete.
    Done(Report, W),
    /// They were not. The last `written` bytes written to `out` are to be discarded, and the
    /// input converted again with `inference`, the whole input's types.
    Again {
        inference: Inference,
        out: W,
        written: u64,
    },
    /// The trial failed before the end of the input, which was not read further. The last
    /// `written` bytes written to `out` are to be discarded, and the input scanned and
    /// converted again; `spent_ms` went into the sample and the trial.
    Rescan { out: W, written: u64, spent_ms: f64 },
}

impl<W: Write + Send> OnePass<W> {
    /// `trial`: the types of the input's first rows, from [`Scanner::sampling`] and
    /// [`Scanner::finish_sample_as_whole`].
    pub fn new(trial: Inference, opts: &Options, out: W) -> Result<Self> {
        let mut conv = Converter::new(trial.clone(), opts, out)?;
        conv.st.on_trial = true;
        let mut scanner = Scanner::new(opts)?;
        let alongside = trial
            .columns
            .iter()
            .map(|c| (c.source, vouches_for(c).then(|| c.kind.clone())));
        scanner.st.set_alongside(alongside.collect());
        Ok(OnePass {
            opts: opts.clone(),
            trial,
            reader: conv.reader,
            scan: scanner.st,
            conv: Some(conv.st),
            dropped: None,
            next_check: CHECK_BYTES,
            started: Instant::now(),
        })
    }

    /// Whether the output is still being written (the trial has not failed yet). Once it
    /// has, the rest of the input need not be fed.
    pub fn on_trial(&self) -> bool {
        self.conv.is_some()
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        self.push(chunk, false)?;
        if self.reader.bytes >= self.next_check {
            self.next_check = self.reader.bytes + CHECK_BYTES;
            self.check()?;
        }
        Ok(())
    }

    pub fn progress(&self) -> Progress {
        Progress {
            phase: Phase::Trial,
            bytes: self.reader.bytes,
            rows: self.reader.rows,
            heap_bytes: alloc::live_bytes() as u64,
        }
    }

    fn push(&mut self, chunk: &[u8], last: bool) -> Result<()> {
        if !self.on_trial() {
            return Ok(());
        }
        self.scan.start(&self.reader);
        let encoding = self.reader.encoding();
        let fork = self.scan.piece_fork(encoding);
        let work = fork.as_ref().map(|f| f.work());
        let mut state = (&mut self.scan, &mut self.conv);
        rows::step(
            &mut self.reader,
            &mut state,
            chunk,
            last,
            work.as_ref().map(|w| w as rows::PieceWork<'_>),
            |(scan, _), reader| scan.start(reader),
            |(scan, conv), b| process(scan, conv, b, encoding),
        )?;
        self.end_if_disproved()
    }

    /// Ends the trial if a value did not fit.
    fn end_if_disproved(&mut self) -> Result<()> {
        if self.conv.as_ref().is_some_and(|c| c.disproved) {
            self.give_up()?;
        }
        Ok(())
    }

    /// Ends the trial early if the scan so far already decides a column otherwise. Only
    /// past the sample's rows: before them the scan has seen less than the sample had.
    fn check(&mut self) -> Result<()> {
        // The scan has looked at the rows the conversion has (they are processed together),
        // which are fewer than the reader has read.
        let done = self.conv.as_ref().map_or(0, |c| c.rows_done());
        if done <= self.opts.sample_rows as u64 {
            return Ok(());
        }
        let scan = &self.scan;
        let differs = self.trial.columns.iter().any(|c| {
            let Some(s) = scan.columns.get(c.source) else {
                return false;
            };
            // Forced types are judged at the end only.
            if c.forced {
                return false;
            }
            // Past the distinct-value cap, the writer treats some columns otherwise.
            let lost_distinct = c.distinct.is_some()
                && s.distinct.is_none()
                && (c.kind.mostly_unique() || c.kind == Kind::Text);
            match &c.kind {
                // The conversion checks the type itself.
                _ if scan.vouched(c.source).is_some() => lost_distinct,
                kind => inferred_kind(s) != *kind || lost_distinct,
            }
        });
        if differs {
            self.give_up()?;
        }
        Ok(())
    }

    fn give_up(&mut self) -> Result<()> {
        if let Some(conv) = self.conv.take() {
            self.dropped = Some(conv.abandon()?);
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Outcome<W>> {
        self.push(&[], true)?;
        // The input may have ended before the first record was processed.
        self.scan.start(&self.reader);
        let encoding = self.reader.encoding();
        for b in &mut self.reader.take_all() {
            process(&mut self.scan, &mut self.conv, b, encoding)?;
        }
        self.end_if_disproved()?;
        let pass_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let Some(conv) = self.conv else {
            let (out, written) = self
                .dropped
                .ok_or(Error::State("the trial lost its output"))?;
            let spent_ms = self.trial.sniff_ms + self.trial.scan_ms + pass_ms;
            return Ok(Outcome::Rescan {
                out,
                written,
                spent_ms,
            });
        };
        let (rows, bytes) = (self.reader.rows, self.reader.bytes);
        let scanner = Scanner {
            opts: self.opts,
            reader: self.reader,
            st: self.scan,
            started: self.started,
        };
        let mut whole = scanner.into_inference(None)?;
        conv.fill_in(&mut whole);
        // The report's timings: the sample's sniff, then its scan and this pass as the scan
        // if the conversion is to be done again, or else this pass as the convert.
        whole.sniff_ms = self.trial.sniff_ms;
        whole.scan_ms = self.trial.scan_ms;
        if whole.converts_like(&self.trial) {
            // The report and the file's metadata tell the whole input's statistics.
            let mut conv = conv;
            conv.inf = whole;
            conv.started = self.started;
            let (report, out) = conv.finish(rows, bytes)?;
            return Ok(Outcome::Done(report, out));
        }
        let (out, written) = conv.abandon()?;
        whole.scan_ms += pass_ms;
        Ok(Outcome::Again {
            inference: whole,
            out,
            written,
        })
    }
}

/// One batch for the scan and the conversion on trial, unless a value of an earlier one
/// disproved the trial: then nothing more is looked at.
fn process<W: Write + Send>(
    scan: &mut ScanState,
    conv: &mut Option<ConvertState<W>>,
    b: &mut Batch,
    encoding: Encoding,
) -> Result<()> {
    let Some(c) = conv.as_mut().filter(|c| !c.disproved) else {
        return Ok(());
    };
    scan.process(b, encoding);
    c.process(b)
}
