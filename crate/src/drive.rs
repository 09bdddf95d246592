//! Thin `std::io` adapters over the push-style passes, for native callers and the CLI.

use crate::convert::{Converter, Scanner, StreamConverter};
use crate::error::Result;
use crate::infer::Inference;
use crate::onepass::{OnePass, Outcome};
use crate::options::Options;
use crate::report::{Phase, Progress, Report};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};

/// Bytes read per chunk: large enough to amortise calls, small enough for smooth progress.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Feeds `input` to `each` chunk by chunk, until its end or until `each` returns `false`.
/// The reading runs on a thread of its own, a few chunks ahead, so that the engine never
/// waits for a `read` call.
fn pump<R: Read + Send>(input: &mut R, mut each: impl FnMut(&[u8]) -> Result<bool>) -> Result<()> {
    const AHEAD: usize = 2;
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(AHEAD);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        s.spawn(move || loop {
            let mut buf = empty_rx
                .try_recv()
                .unwrap_or_else(|_| vec![0u8; CHUNK_BYTES]);
            buf.resize(CHUNK_BYTES, 0);
            let n = loop {
                match input.read(&mut buf) {
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    r => break r,
                }
            };
            let done = !matches!(n, Ok(n) if n > 0);
            let sent = full_tx.send(n.map(|n| {
                buf.truncate(n);
                buf
            }));
            if done || sent.is_err() {
                return;
            }
        });
        // Dropping the receiver on an early return stops the reader at its next send.
        for chunk in full_rx {
            let chunk = chunk?;
            if chunk.is_empty() {
                return Ok(());
            }
            if !each(&chunk)? {
                return Ok(());
            }
            let _ = empty_tx.send(chunk);
        }
        Ok(())
    })
}

/// Reads the whole input once and returns the types a conversion would produce.
pub fn inspect(mut input: impl Read + Send, opts: &Options) -> Result<Inference> {
    scan(&mut input, opts, |_| {})
}

/// Scans the whole input, reporting progress after each chunk.
fn scan<R: Read + Send>(
    input: &mut R,
    opts: &Options,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Inference> {
    let mut scanner = Scanner::new(opts)?;
    pump(input, |c| {
        scanner.feed(c)?;
        on_progress(&scanner.progress());
        Ok(true)
    })?;
    scanner.finish()
}

/// An output that can take back what was written last: a one-pass conversion whose types
/// did not hold discards its output and writes it again (see [`crate::onepass`]).
pub trait Retract: Write {
    /// Removes the last `bytes` bytes written, so that writing goes on where they began.
    fn retract(&mut self, bytes: u64) -> std::io::Result<()>;
}

fn too_many(bytes: u64) -> std::io::Error {
    std::io::Error::new(
        ErrorKind::InvalidInput,
        format!("cannot take back {bytes} bytes: fewer were written"),
    )
}

impl Retract for Vec<u8> {
    fn retract(&mut self, bytes: u64) -> std::io::Result<()> {
        let keep = usize::try_from(bytes)
            .ok()
            .and_then(|b| self.len().checked_sub(b))
            .ok_or_else(|| too_many(bytes))?;
        self.truncate(keep);
        Ok(())
    }
}

impl Retract for std::fs::File {
    fn retract(&mut self, bytes: u64) -> std::io::Result<()> {
        let end = self.stream_position()?;
        let start = end.checked_sub(bytes).ok_or_else(|| too_many(bytes))?;
        self.set_len(start)?;
        self.seek(SeekFrom::Start(start))?;
        Ok(())
    }
}

impl<W: Retract> Retract for std::io::BufWriter<W> {
    fn retract(&mut self, bytes: u64) -> std::io::Result<()> {
        self.flush()?;
        self.get_mut().retract(bytes)
    }
}

impl<W: Retract + ?Sized> Retract for &mut W {
    fn retract(&mut self, bytes: u64) -> std::io::Result<()> {
        (**self).retract(bytes)
    }
}

/// Exact types over a seekable input, whatever row they are decided by. The types of the
/// first `opts.sample_rows` rows are put on trial in one pass that converts and scans
/// every row ([`OnePass`]); only if the whole input's types differ is the output taken
/// back and the input converted a second time, with them (scanned again first if the
/// trial ended early). An input no longer than the sample is scanned whole by the
/// sampling and then converted.
pub fn convert_seekable<R: Read + Seek + Send, W: Retract + Send>(
    mut input: R,
    out: W,
    opts: &Options,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Report> {
    let mut sampler = Scanner::sampling(opts, opts.sample_rows as u64)?;
    let mut chunk = vec![0u8; CHUNK_BYTES];
    while !sampler.has_sample() {
        let n = match input.read(&mut chunk) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            r => r?,
        };
        if n == 0 {
            break;
        }
        sampler.feed(&chunk[..n])?;
        // The pass that follows reads from the start again: the sample is part of the sniff
        // (or, for an input no longer than the sample, its scan).
        on_progress(&Progress {
            phase: Phase::Sniff,
            ..sampler.progress()
        });
    }
    drop(chunk);
    // An input no longer than the sample was scanned whole: its types need no trial.
    let (trial, scanned_whole) = sampler.finish_sample_as_whole()?;
    if scanned_whole {
        return convert_again(&mut input, trial, opts, out, &mut on_progress);
    }
    input.seek(SeekFrom::Start(0))?;
    let mut pass = OnePass::new(trial, opts, out)?;
    pump(&mut input, |c| {
        pass.feed(c)?;
        on_progress(&pass.progress());
        Ok(pass.on_trial())
    })?;
    let last = pass.progress();
    let (inference, mut out) = match pass.finish()? {
        Outcome::Done(report, _) => {
            // Written as it was scanned: the conversion is complete too.
            on_progress(&Progress {
                phase: Phase::Convert,
                ..last
            });
            return Ok(report);
        }
        Outcome::Again {
            inference,
            mut out,
            written,
        } => {
            out.retract(written)?;
            (inference, out)
        }
        Outcome::Rescan {
            mut out,
            written,
            spent_ms,
        } => {
            out.retract(written)?;
            input.seek(SeekFrom::Start(0))?;
            // Its sniff reports as the scan too: phases only go forward.
            let mut inference = scan(&mut input, opts, |p| {
                on_progress(&Progress {
                    phase: Phase::Scan,
                    ..*p
                })
            })?;
            inference.scan_ms += spent_ms;
            (inference, out)
        }
    };
    convert_again(&mut input, inference, opts, &mut out, &mut on_progress)
}

/// Reads the input from its start again and converts it with known types.
fn convert_again<R: Read + Seek + Send, W: Write + Send>(
    input: &mut R,
    inference: Inference,
    opts: &Options,
    out: W,
    on_progress: &mut impl FnMut(&Progress),
) -> Result<Report> {
    input.seek(SeekFrom::Start(0))?;
    let mut conv = Converter::new(inference, opts, out)?;
    pump(input, |c| {
        conv.feed(c)?;
        on_progress(&conv.progress());
        Ok(true)
    })?;
    Ok(conv.finish()?.0)
}

/// One pass over any input, with types inferred from the first `opts.sample_rows` rows.
pub fn convert_stream<W: Write + Send>(
    mut input: impl Read + Send,
    out: W,
    opts: &Options,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Report> {
    let mut conv = StreamConverter::new(opts, out)?;
    pump(&mut input, |c| {
        conv.feed(c)?;
        on_progress(&conv.progress());
        Ok(true)
    })?;
    Ok(conv.finish()?.0)
}
