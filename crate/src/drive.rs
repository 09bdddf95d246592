//! Thin `std::io` adapters over the push-style passes, for native callers and the CLI.

use crate::convert::{Converter, Scanner, StreamConverter};
use crate::error::Result;
use crate::infer::Inference;
use crate::options::Options;
use crate::report::{Progress, Report};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};

/// Bytes read per chunk: large enough to amortise calls, small enough for smooth progress.
pub const CHUNK_BYTES: usize = 1 << 20;

fn pump(input: &mut impl Read, mut each: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let mut buf = vec![0u8; CHUNK_BYTES];
    loop {
        match input.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => each(&buf[..n])?,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// Reads the whole input once and returns the types a conversion would produce.
pub fn inspect(mut input: impl Read, opts: &Options) -> Result<Inference> {
    let mut scanner = Scanner::new(opts)?;
    pump(&mut input, |c| scanner.feed(c))?;
    scanner.finish()
}

/// Two passes over a seekable input: exact types, whatever row they are decided by.
pub fn convert_seekable<R: Read + Seek, W: Write + Send>(
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
    mut input: impl Read,
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
