//! Thin `std::io` adapters over the push-style passes, for native callers and the CLI.

use crate::convert::{Converter, Scanner, StreamConverter};
use crate::error::Result;
use crate::infer::Inference;
use crate::options::Options;
use crate::report::{Progress, Report};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};

/// Bytes read per chunk: large enough to amortise calls, small enough for smooth progress.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Feeds `input` to `each` chunk by chunk. The reading runs on a thread of its own, a few
/// chunks ahead, so that the engine never waits for a `read` call.
fn pump<R: Read + Send>(input: &mut R, mut each: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
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
            each(&chunk)?;
            let _ = empty_tx.send(chunk);
        }
        Ok(())
    })
}

/// Reads the whole input once and returns the types a conversion would produce.
pub fn inspect(mut input: impl Read + Send, opts: &Options) -> Result<Inference> {
    let mut scanner = Scanner::new(opts)?;
    pump(&mut input, |c| scanner.feed(c))?;
    scanner.finish()
}

/// Two passes over a seekable input: exact types, whatever row they are decided by.
pub fn convert_seekable<R: Read + Seek + Send, W: Write + Send>(
    mut input: R,
    out: W,
    opts: &Options,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Report> {
    let mut scanner = Scanner::new(opts)?;
    pump(&mut input, |c| {
        scanner.feed(c)?;
        on_progress(&scanner.progress());
        Ok(())
    })?;
    let inference = scanner.finish()?;
    input.seek(SeekFrom::Start(0))?;
    let mut conv = Converter::new(inference, opts, out)?;
    pump(&mut input, |c| {
        conv.feed(c)?;
        on_progress(&conv.progress());
        Ok(())
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
        Ok(())
    })?;
    Ok(conv.finish()?.0)
}
