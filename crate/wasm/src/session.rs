//! A conversion driven by pushes, with its output collected for the caller to drain.
//! Plain Rust (no wasm-bindgen types), so it is tested natively like the engine.

use parquetry::convert::{Converter, Scanner, StreamConverter};
use parquetry::error::Error;
use parquetry::infer::Inference;
use parquetry::onepass::{OnePass, Outcome};
use parquetry::options::Options;
use parquetry::report::{Phase, Progress, Report};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// The Parquet sink: bytes accumulate here until the caller drains them. It must be `Send`
/// (the writer encodes columns on rayon threads), hence `Arc<Mutex<…>>`.
#[derive(Clone, Default)]
pub struct Drain(Arc<Mutex<Vec<u8>>>);

impl Drain {
    fn take(&self) -> Vec<u8> {
        self.take_with(<[u8]>::to_vec)
    }

    /// Hands the bytes written so far to `f`, then forgets them. The buffer keeps its
    /// capacity: handed over (and freed) at each call, it grew again from nothing for each
    /// row group, copying megabytes at every doubling.
    fn take_with<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        let mut out = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let r = f(&out);
        out.clear();
        r
    }
}

impl Write for Drain {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Stage {
    Scan(Box<Scanner>),
    /// One-pass mode: the first `sampleRows` rows, whose types go on trial.
    Sample(Box<Scanner>),
    /// One-pass mode: the whole input converted with the sample's types and scanned.
    Trial(Box<OnePass<Drain>>),
    Convert(Box<Converter<Drain>>),
    Stream(Box<StreamConverter<Drain>>),
    /// A trial that held: its report, for `finish`.
    Held(Box<Report>),
    Done,
}

pub struct Session {
    /// Shared with the background task, if one is working.
    stage: Arc<Mutex<Stage>>,
    queue: Arc<Queue>,
    /// Whether `feed` queues the chunk for a rayon task and returns at once (the threaded
    /// build: JavaScript then reads the next chunks while the engine works on this one).
    pub background: bool,
    opts: Options,
    out: Drain,
    /// A conversion (a scan is followed by a convert pass) rather than inspection only.
    converts: bool,
    /// Inspection of the first `sample_rows` rows only ("preview").
    samples: bool,
    /// Time a failed one-pass trial took, which the scan after it reports as its own.
    trial_ms: f64,
}

/// Chunks queued in background mode, besides the one being worked on: JavaScript may read
/// this far ahead, so a read delayed on a busy machine (the engine's threads take every
/// core) need not leave the engine waiting, while the input held stays a few megabytes.
const QUEUED: usize = 2;

/// The chunks handed over in background mode and what became of them.
#[derive(Default)]
struct Queue {
    state: Mutex<Queued>,
    /// Signalled when a chunk is taken up and when the task stops.
    changed: Condvar,
}

#[derive(Default)]
struct Queued {
    chunks: VecDeque<Vec<u8>>,
    /// A rayon task is working through `chunks`.
    busy: bool,
    /// Progress after the latest chunk.
    last: Option<Progress>,
    /// A one-pass trial failed: the rest of the input need not be fed.
    trial_failed: bool,
    /// The least phase progress reports: after a failed trial, the scan's sniff reports as
    /// the scan, so that phases only go forward.
    floor: Option<Phase>,
    /// The error that ended the session, until a call reports it.
    error: Option<SessionError>,
    /// An error ended the session: no more input is taken.
    ended: bool,
}

/// An error for JavaScript: the engine's error code and message, and for a bad row its
/// line, column and value.
#[derive(Debug)]
pub struct SessionError(Value);

impl SessionError {
    pub fn to_json(&self) -> String {
        self.0.to_string()
    }
    pub fn code(&self) -> &str {
        self.0["code"].as_str().unwrap_or("internal")
    }
}

impl From<Error> for SessionError {
    fn from(e: Error) -> Self {
        let mut v = json!({ "code": e.code(), "message": e.to_string() });
        if let Error::BadRow(r) = &e {
            v["line"] = json!(r.line);
            v["column"] = json!(r.column);
            v["value"] = json!(r.value);
            v["reason"] = json!(r.reason);
            v["hint"] = json!(r.hint);
        }
        SessionError(v)
    }
}

fn misuse(message: &str) -> SessionError {
    SessionError(json!({ "code": "state", "message": message }))
}

impl Session {
    /// `mode`: "two-pass", "one-pass" (see [`Session::end_sample`]), "stream", "inspect"
    /// (types from every row) or "preview" (types from the first `sampleRows` rows: the
    /// caller stops feeding once `has_sample`).
    pub fn new(options_json: &str, mode: &str) -> Result<Session, SessionError> {
        let opts: Options = if options_json.trim().is_empty() {
            Options::default()
        } else {
            serde_json::from_str(options_json).map_err(|e| {
                SessionError(json!({ "code": "options", "message": format!("bad options: {e}") }))
            })?
        };
        opts.validate()
            .map_err(|m| SessionError(json!({ "code": "options", "message": m })))?;
        // The heap peak a report gives is this session's: a worker runs sessions one after
        // another (`prepare()`'s warm-up, then the job), and the counter is global.
        parquetry::alloc::reset_peak();
        let out = Drain::default();
        let stage = match mode {
            "two-pass" | "inspect" => Stage::Scan(Box::new(Scanner::new(&opts)?)),
            "preview" => Stage::Scan(Box::new(Scanner::sampling(&opts, opts.sample_rows as u64)?)),
            "one-pass" => {
                Stage::Sample(Box::new(Scanner::sampling(&opts, opts.sample_rows as u64)?))
            }
            "stream" => Stage::Stream(Box::new(StreamConverter::new(&opts, out.clone())?)),
            other => return Err(misuse(&format!("unknown mode {other:?}"))),
        };
        Ok(Session {
            stage: Arc::new(Mutex::new(stage)),
            queue: Arc::default(),
            background: false,
            opts,
            out,
            converts: mode == "two-pass" || mode == "one-pass",
            samples: mode == "preview",
            trial_ms: 0.0,
        })
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), SessionError> {
        self.wait()?;
        let p = feed(&mut lock(&self.stage), chunk)?;
        lock(&self.queue.state).note(p);
        Ok(())
    }

    /// Like `feed`, but in background mode the chunk is queued for a rayon task and this
    /// returns at once, unless [`QUEUED`] chunks are waiting already. An error in the
    /// background comes back from the next call (whichever it is), and ends the session.
    pub fn feed_owned(&mut self, chunk: Vec<u8>) -> Result<(), SessionError> {
        if !self.background {
            return self.feed(&chunk);
        }
        let mut q = lock(&self.queue.state);
        loop {
            if let Some(e) = q.error.take() {
                return Err(e);
            }
            // With no task working, the stage is free to look at.
            if q.ended || !q.busy && matches!(*lock(&self.stage), Stage::Done | Stage::Held(_)) {
                return Err(misuse("the session is finished"));
            }
            if q.chunks.len() < QUEUED {
                break;
            }
            q = self
                .queue
                .changed
                .wait(q)
                .unwrap_or_else(|e| e.into_inner());
        }
        q.chunks.push_back(chunk);
        if !q.busy {
            q.busy = true;
            let (stage, queue) = (Arc::clone(&self.stage), Arc::clone(&self.queue));
            rayon::spawn(move || work_through(&stage, &queue));
        }
        Ok(())
    }

    /// Waits until the background task has worked through every queued chunk.
    fn wait(&mut self) -> Result<(), SessionError> {
        let mut q = lock(&self.queue.state);
        while q.busy {
            q = self
                .queue
                .changed
                .wait(q)
                .unwrap_or_else(|e| e.into_inner());
        }
        q.error.take().map_or(Ok(()), Err)
    }

    pub fn end_scan(&mut self) -> Result<String, SessionError> {
        self.wait()?;
        let mut stage = lock(&self.stage);
        let Stage::Scan(scanner) = std::mem::replace(&mut *stage, Stage::Done) else {
            return Err(misuse("end_scan outside the scan pass"));
        };
        let mut inference = if self.samples {
            scanner.finish_sample()?
        } else {
            scanner.finish()?
        };
        inference.scan_ms += self.trial_ms;
        let summary = inference_json(&inference);
        if self.converts {
            *stage = Stage::Convert(Box::new(Converter::new(
                inference,
                &self.opts,
                self.out.clone(),
            )?));
        }
        Ok(summary.to_string())
    }

    pub fn take_output(&mut self) -> Vec<u8> {
        self.out.take()
    }

    /// Hands the Parquet bytes produced since the last call to `f` (which copies them).
    pub fn take_output_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> R {
        self.out.take_with(f)
    }

    /// A preview, or a one-pass conversion's sample, has its `sampleRows` rows: the caller
    /// may stop feeding.
    pub fn has_sample(&mut self) -> bool {
        // An engine error shows at the next call, which the caller makes either way.
        let ok = self.wait();
        let sampled =
            matches!(&*lock(&self.stage), Stage::Scan(s) | Stage::Sample(s) if s.has_sample());
        if let Err(e) = ok {
            lock(&self.queue.state).error = Some(e);
        }
        sampled
    }

    /// One-pass mode, once `has_sample` or at the end of the input: ends the sample and
    /// says what to feed next, the whole input from its start either way. `"trial"`: it is
    /// converted with the sample's types while every row is scanned, then `end_trial`.
    /// `"convert"`: the input ended within the sample, whose types are the whole input's;
    /// it is converted, then `finish`.
    pub fn end_sample(&mut self) -> Result<String, SessionError> {
        self.wait()?;
        let mut stage = lock(&self.stage);
        let Stage::Sample(sampler) = std::mem::replace(&mut *stage, Stage::Done) else {
            return Err(misuse("end_sample outside a one-pass conversion's sample"));
        };
        let (trial, whole) = sampler.finish_sample_as_whole()?;
        let out = self.out.clone();
        let (next, new) = if whole {
            let conv = Converter::new(trial, &self.opts, out)?;
            ("convert", Stage::Convert(Box::new(conv)))
        } else {
            let pass = OnePass::new(trial, &self.opts, out)?;
            ("trial", Stage::Trial(Box::new(pass)))
        };
        *stage = new;
        Ok(json!(next).to_string())
    }

    /// One-pass mode: the trial failed before the end of the input, which need not be fed
    /// further before `end_trial`.
    pub fn trial_failed(&self) -> bool {
        lock(&self.queue.state).trial_failed
    }

    /// One-pass mode, once the input was fed whole (or the trial failed): ends the trial.
    /// Returns `{"next", "discard"}` as JSON: the last `discard` bytes of the output taken
    /// so far are to be dropped, and `next` says what follows. `"done"`: the output is
    /// complete, `finish` gives the report. `"convert"`: the input is fed again whole, then
    /// `finish`. `"scan"`: the input is fed whole, then `end_scan`, then as for "convert"
    /// (the trial ended early, and the types it vouched for were not scanned).
    pub fn end_trial(&mut self) -> Result<String, SessionError> {
        self.wait()?;
        let mut stage = lock(&self.stage);
        let Stage::Trial(pass) = std::mem::replace(&mut *stage, Stage::Done) else {
            return Err(misuse("end_trial outside a one-pass trial"));
        };
        let last = pass.progress();
        // Output not yet taken is dropped here; the caller drops the rest.
        let to_discard =
            |written: u64, out: &Drain| written.saturating_sub(out.take_with(<[u8]>::len) as u64);
        let (next, discard, new) = match pass.finish()? {
            Outcome::Done(report, _) => {
                // Written as it was scanned: the conversion is complete too.
                lock(&self.queue.state).last = Some(Progress {
                    phase: Phase::Convert,
                    ..last
                });
                ("done", 0, Stage::Held(Box::new(report)))
            }
            Outcome::Again {
                inference, written, ..
            } => {
                let discard = to_discard(written, &self.out);
                let conv = Converter::new(inference, &self.opts, self.out.clone())?;
                ("convert", discard, Stage::Convert(Box::new(conv)))
            }
            Outcome::Rescan {
                written, spent_ms, ..
            } => {
                self.trial_ms = spent_ms;
                lock(&self.queue.state).floor = Some(Phase::Scan);
                let discard = to_discard(written, &self.out);
                (
                    "scan",
                    discard,
                    Stage::Scan(Box::new(Scanner::new(&self.opts)?)),
                )
            }
        };
        *stage = new;
        Ok(json!({ "next": next, "discard": discard }).to_string())
    }

    /// Progress as of the latest chunk worked through (it does not wait for the others).
    pub fn progress_json(&self) -> String {
        let (phase, bytes, rows) = match &lock(&self.queue.state).last {
            Some(p) => (json!(p.phase), p.bytes, p.rows),
            None => (json!("sniff"), 0, 0),
        };
        json!({
            "phase": phase,
            "bytes": bytes,
            "rows": rows,
            "heapBytes": parquetry::alloc::live_bytes(),
            "peakHeapBytes": parquetry::alloc::peak_bytes(),
        })
        .to_string()
    }

    pub fn finish(&mut self) -> Result<String, SessionError> {
        self.wait()?;
        let stage = std::mem::replace(&mut *lock(&self.stage), Stage::Done);
        let report = match stage {
            Stage::Convert(c) => c.finish()?.0,
            Stage::Stream(c) => c.finish()?.0,
            Stage::Held(report) => *report,
            Stage::Scan(_) => return Err(misuse("finish before the scan pass ended")),
            Stage::Sample(_) => return Err(misuse("finish before the sample ended")),
            Stage::Trial(_) => return Err(misuse("finish before the trial ended")),
            Stage::Done => return Err(misuse("the session is finished")),
        };
        serde_json::to_string(&report)
            .map_err(|e| misuse(&format!("cannot serialise the report: {e}")))
    }
}

/// The value, whatever a panicking thread left (none should: the engine returns errors).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The background task: feeds the queued chunks in order until none is left. After an
/// error the rest of the queue is dropped; the error waits for the next call.
fn work_through(stage: &Mutex<Stage>, queue: &Queue) {
    loop {
        let chunk = {
            let mut q = lock(&queue.state);
            let next = q.chunks.pop_front();
            if next.is_none() {
                q.busy = false;
            }
            queue.changed.notify_all();
            match next {
                Some(c) => c,
                None => return,
            }
        };
        let result = feed(&mut lock(stage), &chunk);
        let mut q = lock(&queue.state);
        match result {
            Ok(p) => q.note(p),
            Err(e) => {
                (q.error, q.ended) = (Some(e), true);
                q.chunks.clear();
            }
        }
    }
}

impl Queued {
    /// Notes what feeding a chunk came to.
    fn note(&mut self, fed: Fed) {
        let mut progress = fed.progress;
        progress.phase = progress.phase.max(self.floor.unwrap_or(Phase::Sniff));
        self.last = Some(progress);
        self.trial_failed |= fed.trial_failed;
    }
}

/// What feeding a chunk came to.
struct Fed {
    progress: Progress,
    trial_failed: bool,
}

/// Feeds one chunk to the stage. An engine error ends the session: nothing more can be
/// trusted.
fn feed(stage: &mut Stage, chunk: &[u8]) -> Result<Fed, SessionError> {
    let fed = |progress| Fed {
        progress,
        trial_failed: false,
    };
    let result = match stage {
        Stage::Scan(s) => s.feed(chunk).map(|_| fed(s.progress())),
        // The trial reads from the start again: the sample is part of the sniff.
        Stage::Sample(s) => s.feed(chunk).map(|_| {
            fed(Progress {
                phase: Phase::Sniff,
                ..s.progress()
            })
        }),
        Stage::Trial(t) => t.feed(chunk).map(|_| Fed {
            progress: t.progress(),
            trial_failed: !t.on_trial(),
        }),
        Stage::Convert(c) => c.feed(chunk).map(|_| fed(c.progress())),
        Stage::Stream(c) => c.feed(chunk).map(|_| fed(c.progress())),
        Stage::Held(_) | Stage::Done => return Err(misuse("the session is finished")),
    };
    result.map_err(|e| {
        *stage = Stage::Done;
        e.into()
    })
}

/// What a conversion would produce, for previews: dialect and per-column types.
fn inference_json(inf: &Inference) -> Value {
    let columns: Vec<Value> = inf
        .columns
        .iter()
        .map(|c| {
            let categories = match &c.kind {
                parquetry::infer::Kind::Category(v) => json!(v.values),
                _ => Value::Null,
            };
            json!({
                "name": c.name,
                "type": c.kind.name(),
                "forced": c.forced,
                "distinct": c.distinct,
                "decimals": c.decimals,
                "categories": categories,
                "nulls": c.nulls,
                "samples": c.samples,
            })
        })
        .collect();
    json!({
        "dialect": inf.dialect,
        "encoding": inf.encoding,
        "bom": inf.bom,
        "rowsScanned": inf.rows_scanned,
        "sampledRows": inf.sampled_rows,
        "columns": columns,
        "timingsMs": { "sniff": inf.sniff_ms, "scan": inf.scan_ms },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &[u8] = b"zip,qty,day\n00501,3,2024-01-02\n90210,250,2024-03-04\n";

    fn run(mode: &str, chunk: usize) -> (String, Vec<u8>) {
        run_on(CSV, mode, chunk, false)
    }

    fn run_on(csv: &[u8], mode: &str, chunk: usize, background: bool) -> (String, Vec<u8>) {
        let mut s = Session::new("{}", mode).unwrap();
        s.background = background;
        let mut out = Vec::new();
        let passes = if mode == "two-pass" { 2 } else { 1 };
        for pass in 0..passes {
            for c in csv.chunks(chunk) {
                s.feed_owned(c.to_vec()).unwrap();
                out.extend(s.take_output());
            }
            if mode == "two-pass" && pass == 0 {
                s.end_scan().unwrap();
            }
        }
        let report = s.finish().unwrap();
        out.extend(s.take_output());
        (report, out)
    }

    #[test]
    fn two_pass_and_stream_give_a_parquet_file_and_a_report() {
        for mode in ["two-pass", "stream"] {
            for chunk in [1, 7, 4096] {
                let (report, out) = run(mode, chunk);
                let r: Value = serde_json::from_str(&report).unwrap();
                assert_eq!(r["rows_written"], 2, "{mode}");
                assert_eq!(r["bytes_out"], out.len() as u64);
                assert_eq!(&out[..4], b"PAR1");
                assert_eq!(&out[out.len() - 4..], b"PAR1");
                let types: Vec<&str> = r["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["type"].as_str().unwrap())
                    .collect();
                assert_eq!(types, ["text", "uint8", "date"]);
            }
        }
    }

    /// The report without its timings, which differ from run to run.
    fn untimed(report: &str) -> Value {
        let mut r: Value = serde_json::from_str(report).unwrap();
        r.as_object_mut()
            .unwrap()
            .retain(|k, _| !k.contains("timings") && !k.contains("heap"));
        r
    }

    #[test]
    fn background_feeding_gives_the_same_file_and_report() {
        let mut csv = String::from("id,x,when\n");
        for i in 0..20_000 {
            csv += &format!("{i},{}.25,2024-02-{:02}\n", i % 700, i % 28 + 1);
        }
        for mode in ["two-pass", "stream"] {
            for chunk in [999, 64 * 1024] {
                let (r1, out1) = run_on(csv.as_bytes(), mode, chunk, false);
                let (r2, out2) = run_on(csv.as_bytes(), mode, chunk, true);
                assert_eq!(untimed(&r1), untimed(&r2), "{mode} {chunk}");
                assert!(out1 == out2, "{mode} {chunk}: the files differ");
            }
        }
    }

    #[test]
    fn a_background_error_comes_back_from_the_next_call() {
        let mut s = Session::new(r#"{"sampleRows": 1}"#, "stream").unwrap();
        s.background = true;
        s.feed_owned(b"n\n1\nx\n".to_vec()).unwrap();
        let rows = "7\n".repeat(50_000).into_bytes();
        // The engine meets "x" once a batch is converted, in the background; some call
        // after that says so.
        let e = (0..100)
            .find_map(|_| s.feed_owned(rows.clone()).err())
            .expect("the bad row is reported");
        let v: Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(
            (v["code"].as_str(), v["line"].as_u64()),
            (Some("bad_row"), Some(3))
        );
        // The session is over: nothing later succeeds.
        assert_eq!(s.feed_owned(b"5\n".to_vec()).unwrap_err().code(), "state");
        assert_eq!(s.finish().unwrap_err().code(), "state");
    }

    /// Drives a one-pass session as the JavaScript driver does; returns the report, the
    /// output and what followed the sample and the trial.
    fn run_one_pass(
        csv: &[u8],
        opts: &str,
        chunk: usize,
        background: bool,
    ) -> (String, Vec<u8>, String) {
        let mut s = Session::new(opts, "one-pass").unwrap();
        s.background = background;
        let mut out = Vec::new();
        let order = ["sniff", "trial", "scan", "convert"];
        let phase = |s: &Session| {
            let p: Value = serde_json::from_str(&s.progress_json()).unwrap();
            order.iter().position(|o| p["phase"] == *o).unwrap()
        };
        let seen = std::cell::Cell::new(0);
        let pass = |s: &mut Session, out: &mut Vec<u8>, stop: &dyn Fn(&mut Session) -> bool| {
            for c in csv.chunks(chunk) {
                s.feed_owned(c.to_vec()).unwrap();
                out.extend(s.take_output());
                assert!(phase(s) >= seen.get(), "phases go forward");
                seen.set(phase(s));
                if stop(s) {
                    break;
                }
            }
        };
        pass(&mut s, &mut out, &|s| s.has_sample());
        let after_sample: String = serde_json::from_str(&s.end_sample().unwrap()).unwrap();
        let mut path = after_sample.clone();
        pass(&mut s, &mut out, &|s| s.trial_failed());
        if after_sample == "trial" {
            let end: Value = serde_json::from_str(&s.end_trial().unwrap()).unwrap();
            let discard = end["discard"].as_u64().unwrap() as usize;
            out.truncate(out.len() - discard);
            let next = end["next"].as_str().unwrap();
            path += &format!(" {next}");
            if next == "scan" {
                pass(&mut s, &mut out, &|_| false);
                s.end_scan().unwrap();
            }
            if next != "done" {
                pass(&mut s, &mut out, &|_| false);
            }
        }
        if path.ends_with("done") {
            s.wait().unwrap();
            let last = order[phase(&s)];
            assert_eq!(
                last, "convert",
                "a trial that held reports its conversion complete"
            );
        }
        let report = s.finish().unwrap();
        out.extend(s.take_output());
        (report, out, path)
    }

    /// A one-pass conversion, whichever way its trial ends, writes the file two passes
    /// write (but for the mode its metadata names) and reports alike.
    #[test]
    fn one_pass_writes_what_two_passes_write() {
        let table = |late: &str| {
            let mut csv = String::from("id,x,when\n");
            for i in 0..20_000 {
                csv += &format!("{},{}.25,2024-02-{:02}\n", i % 200, i % 700, i % 28 + 1);
            }
            csv += late;
            csv.into_bytes()
        };
        // A misfit soon after the sample.
        let mut early = table("");
        let at = early
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(1500)
            .unwrap()
            .0
            + 1;
        early.splice(at..at, b"300,1.25,2024-02-01\n".iter().copied());
        let codes = (0..20_000).fold(String::from("code\n"), |s, i| {
            s + &format!("c{}\n", i % 600)
        });
        let codes = codes.into_bytes();
        let cases = [
            (table(""), "trial done"),
            (table("300,1.25,2024-02-01\n"), "trial scan"),
            (early, "trial scan"),
            (table("1,0.1000000001,2024-02-01\n"), "trial scan"),
            // Codes that repeat enough for a category only over the whole input.
            (codes, "trial convert"),
            (b"id,x\n1,2\n".to_vec(), "convert"),
        ];
        for (csv, want) in cases {
            for background in [false, true] {
                for chunk in [4096, 1 << 20] {
                    let opts = r#"{"sampleRows": 1000}"#;
                    let (r1, out1, path) = run_one_pass(&csv, opts, chunk, background);
                    assert_eq!(path, want, "{chunk} {background}");
                    let mut s = Session::new(opts, "two-pass").unwrap();
                    s.feed(&csv).unwrap();
                    s.end_scan().unwrap();
                    s.feed(&csv).unwrap();
                    let r2 = s.finish().unwrap();
                    let out2 = s.take_output();
                    let (mut u1, u2) = (untimed(&r1), untimed(&r2));
                    let held = want == "trial done";
                    assert_eq!(u1["mode"], if held { "one-pass" } else { "two-pass" });
                    u1["mode"] = json!("two-pass");
                    assert_eq!(u1, u2, "{want}: the reports differ");
                    let named = |m: &str| format!("\"mode\":\"{m}\"");
                    let out1 = String::from_utf8_lossy(&out1)
                        .replace(&named("one-pass"), &named("two-pass"));
                    assert!(
                        out1 == String::from_utf8_lossy(&out2),
                        "{want}: the files differ"
                    );
                }
            }
        }
    }

    #[test]
    fn inspect_reports_types_without_output() {
        let mut s = Session::new("", "inspect").unwrap();
        s.feed(CSV).unwrap();
        let inf: Value = serde_json::from_str(&s.end_scan().unwrap()).unwrap();
        assert_eq!(inf["columns"][1]["type"], "uint8");
        assert_eq!(inf["rowsScanned"], 2);
        assert!(s.take_output().is_empty());
        assert_eq!(s.finish().unwrap_err().code(), "state");
    }

    #[test]
    fn a_preview_stops_at_its_sample_and_leaves_out_the_cut_record() {
        let mut csv = String::from("zip,qty,when,note\n");
        for i in 0..5000 {
            csv += &format!(
                "{:05},{},2024-01-{:02},{}\n",
                i * 7,
                i % 50,
                i % 28 + 1,
                ["", "NA", "ok"][i % 3]
            );
        }
        csv += "99999,lots,not a date,x\n";
        // Cut inside the date of row 3002: a sample must not see "2024-0" as a value.
        let cut = csv.match_indices('\n').nth(3001).unwrap().0 + 10;
        let mut s = Session::new(r#"{"sampleRows": 3000}"#, "preview").unwrap();
        s.feed(&csv.as_bytes()[..cut]).unwrap();
        assert!(s.has_sample());
        let inf: Value = serde_json::from_str(&s.end_scan().unwrap()).unwrap();
        assert_eq!(inf["sampledRows"], 3000);
        let cols = inf["columns"].as_array().unwrap();
        let types: Vec<&str> = cols.iter().map(|c| c["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["text", "uint8", "date", "category"]);
        let samples: Vec<&str> = cols[0]["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(samples, ["00000", "00007", "00014", "00021", "00028"]);
        assert_eq!(cols[3]["samples"], json!(["NA", "ok"]));
        // Of the 3000 rows sampled every third is empty; "NA" stays text in a text column.
        assert_eq!(cols[3]["nulls"], 1000);

        // Fed everything before the sample filled: the whole input, like inspect.
        let mut s = Session::new(r#"{"sampleRows": 9000}"#, "preview").unwrap();
        s.feed(csv.as_bytes()).unwrap();
        assert!(!s.has_sample());
        let inf: Value = serde_json::from_str(&s.end_scan().unwrap()).unwrap();
        assert_eq!(inf["rowsScanned"], 5001);
        // "lots" in the last row: no longer numbers (51 distinct texts: a category).
        assert_eq!(inf["columns"][1]["type"], "category");
    }

    #[test]
    fn null_counts_follow_the_type() {
        let mut s = Session::new("", "inspect").unwrap();
        s.feed(b"n,f,t\n1,NaN,NA\nNA,,x\n,1.5,\n").unwrap();
        let inf: Value = serde_json::from_str(&s.end_scan().unwrap()).unwrap();
        let nulls: Vec<u64> = inf["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["nulls"].as_u64().unwrap())
            .collect();
        // int: "NA" and "" are null; float: NaN is a value; text: "NA" is text.
        assert_eq!(nulls, [2, 1, 1]);
    }

    #[test]
    fn errors_carry_code_line_column_and_value() {
        let mut s = Session::new(r#"{"sampleRows": 1}"#, "stream").unwrap();
        s.feed(b"n\n1\n2\nx\n").unwrap();
        let e = s.finish().unwrap_err();
        let v: Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(v["code"], "bad_row");
        assert_eq!(v["line"], 4);
        assert_eq!(v["column"], "n");
        assert_eq!(v["value"], "x");
        assert_eq!(
            Session::new(r#"{"compression": "rar"}"#, "two-pass")
                .err()
                .unwrap()
                .code(),
            "options"
        );
        assert_eq!(
            Session::new("{}", "sideways").err().unwrap().code(),
            "state"
        );
    }
}
