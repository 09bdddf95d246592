//! Exact types in one pass, most of the time. Two passes (scan, then convert) are what make
//! the types exact whatever row decides them, but most files are decided by their first
//! rows. So the types of a sample of them are put on trial: the input is converted with
//! them while every row is also scanned, as the first pass would. If the whole input's
//! types turn out to be the sample's, the output is done; if not, the caller discards it
//! and converts again with the types the scan found (the second pass of the usual two).
//!
//! The output is then exactly what two passes write: the trial converts with the same code
//! and, when it holds, with types equal to the whole input's (see
//! [`Inference::converts_like`]). A value that does not fit the trial's types (a late `300`
//! in a column of bytes, a word in a column of dates) ends the conversion at once, and a
//! look every [`CHECK_BYTES`] at the scan so far catches the changes no single value shows
//! (a float no longer exact as float32 …); both are only early exits, as the comparison at
//! the end decides. From then on the pass only scans, so a trial that fails early costs
//! about what two passes cost, and one that fails at the very end up to ~1.5× as much.

use crate::convert::{ConvertState, Converter, ScanState, Scanner};
use crate::error::{Error, Result};
use crate::infer::{inferred_kind, Inference, Kind};
use crate::report::{Phase, Progress, Report};
use crate::rows::{self, RowReader};
use crate::{alloc, Options};
use std::io::Write;
use web_time::Instant;

/// Input between two looks at whether the scan so far still agrees with the trial.
pub const CHECK_BYTES: u64 = 4 << 20;

/// A conversion with the types of a sample on trial, scanning every row to check them.
pub struct OnePass<W: Write + Send> {
    opts: Options,
    trial: Inference,
    reader: RowReader,
    scan: ScanState,
    /// `None` once the trial failed: from then on the pass only scans.
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
}

impl<W: Write + Send> OnePass<W> {
    /// `trial`: the types of the input's first rows, from [`Scanner::sampling`] and
    /// [`Scanner::finish_sample_as_whole`].
    pub fn new(trial: Inference, opts: &Options, out: W) -> Result<Self> {
        let mut conv = Converter::new(trial.clone(), opts, out)?;
        conv.st.on_trial = true;
        let scanner = Scanner::new(opts)?;
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

    /// Whether the output is still being written (the trial has not failed yet).
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

    /// The pass is the scan of two passes that may not need their second: it reports as
    /// [`Phase::Scan`], so that progress only goes forward whichever way the trial ends.
    pub fn progress(&self) -> Progress {
        Progress {
            phase: Phase::Scan,
            bytes: self.reader.bytes,
            rows: self.reader.rows,
            heap_bytes: alloc::live_bytes() as u64,
        }
    }

    fn push(&mut self, chunk: &[u8], last: bool) -> Result<()> {
        self.scan.start(&self.reader);
        let encoding = self.reader.encoding();
        // As in the scan pass: batches are observed on the threads that parsed them.
        let fork = (!self.scan.columns.is_empty()).then(|| self.scan.piece_fork(encoding));
        let work = fork.as_ref().map(|f| {
            move |b: &crate::batch::Batch| -> Box<dyn std::any::Any + Send + Sync> {
                Box::new(f.observe(b))
            }
        });
        let mut state = (&mut self.scan, &mut self.conv);
        rows::step(
            &mut self.reader,
            &mut state,
            chunk,
            last,
            work.as_ref().map(|w| w as rows::PieceWork<'_>),
            |(scan, _), reader| scan.start(reader),
            |(scan, conv), b| {
                scan.process(b, encoding);
                match conv {
                    Some(c) => c.process(b),
                    None => Ok(()),
                }
            },
        )?;
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
        let columns = &self.scan.columns;
        let differs = self.trial.columns.iter().any(|c| {
            let Some(s) = columns.get(c.source) else {
                return false;
            };
            // Forced types are judged at the end only.
            if c.forced {
                return false;
            }
            let now = inferred_kind(s);
            match &c.kind {
                // A category's vocabulary is the distinct set: it may only have grown.
                Kind::Category(v) => {
                    now != Kind::Text
                        || s.distinct.as_ref().is_none_or(|d| d.len() > v.values.len())
                }
                kind => {
                    now != *kind
                        || (c.distinct.is_some()
                            && s.distinct.is_none()
                            && (kind.mostly_unique() || *kind == Kind::Text))
                }
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
        self.scan.start(&self.reader);
        let encoding = self.reader.encoding();
        for b in &mut self.reader.take_all() {
            self.scan.process(b, encoding);
            if let Some(c) = &mut self.conv {
                c.process(b)?;
            }
        }
        if self.conv.as_ref().is_some_and(|c| c.disproved) {
            self.give_up()?;
        }
        let (rows, bytes) = (self.reader.rows, self.reader.bytes);
        let scanner = Scanner {
            opts: self.opts,
            reader: self.reader,
            st: self.scan,
            started: self.started,
        };
        let mut whole = scanner.into_inference(None)?;
        // The report's timings: the sample's sniff, then its scan and this pass as the scan
        // if the conversion is to be done again, or else this pass as the convert.
        whole.sniff_ms = self.trial.sniff_ms;
        whole.scan_ms = self.trial.scan_ms;
        let pass_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        match self.conv {
            Some(mut conv) if whole.converts_like(&self.trial) => {
                // The report and the file's metadata tell the whole input's statistics.
                conv.inf = whole;
                conv.started = self.started;
                let (report, out) = conv.finish(rows, bytes)?;
                Ok(Outcome::Done(report, out))
            }
            conv => {
                let (out, written) = match (conv, self.dropped) {
                    (Some(conv), _) => conv.abandon()?,
                    (None, Some(dropped)) => dropped,
                    (None, None) => return Err(Error::State("the trial lost its output")),
                };
                whole.scan_ms += pass_ms;
                Ok(Outcome::Again {
                    inference: whole,
                    out,
                    written,
                })
            }
        }
    }
}
