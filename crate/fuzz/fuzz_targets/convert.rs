//! Fuzzes a whole conversion: options and feeding pattern come from the first bytes of the
//! input, the CSV from the rest.
//!
//! Input layout (missing header bytes read as 0, i.e. defaults):
//!
//! | byte | bits | meaning |
//! |------|------|---------|
//! | 0 | 0–1 | bad rows: 0 error, 1 skip, 2 collect, 3 skip |
//! | 0 | 2   | stream (one pass) instead of two-pass |
//! | 0 | 3–4 | codec: 0 none, 1 snappy, 2 zstd, 3 none |
//! | 0 | 5   | statistics off |
//! | 0 | 6–7 | 3 (and byte 1 bit 7): repeat the CSV past the 64 KiB sniff window, so chunk cuts reach the parser |
//! | 1 | 0–5 | push-API chunk size 1..=63, result compared with the whole input's; 0: whole input only |
//! | 1 | 6   | feed an empty chunk after every chunk |
//! | 1 | 7   | see byte 0 bits 6–7 |
//! | 2 | 0–2 | delimiter: 0–3 sniffed, 4 `,` 5 `;` 6 tab 7 `\|` |
//! | 2 | 3–4 | quote: 0–1 sniffed, 2 none, 3 `'` |
//! | 2 | 5–6 | header: 0–1 sniffed, 2 yes, 3 no |
//! | 2 | 7   | force the encoding given by byte 3 bits 0–1 |
//! | 3 | 0–1 | encoding: UTF-8, UTF-16LE, UTF-16BE, windows-1252 |
//! | 3 | 2–7 | max field bytes 1..=63; 0: default |
//! | 4 | 0–6 | row group rows 1..=127; 0: default |
//! | 4 | 7   | row group bytes = 16 |
//! | 5 | all | sample rows 1..=255 (stream mode's, and those whose types a seekable conversion tries in one pass); 0: default |
//! | 6 | 0–1 | category max: default, 0, 1, 2 |
//! | 6 | 2   | force a type on one column (byte 6 bits 3–4 pick the name, byte 7 the type) |
//! | 7 | all | the forced type, mod 16 |
//!
//! Checks: no panic; Ok reports keep `rows_in == rows_written + rows_rejected`; under skip and
//! collect the only errors are `EmptyInput` and `Options`; no internal, I/O or write error
//! ever; the output reads back as Parquet with the rows, row groups and columns reported;
//! a seekable conversion (one pass or two) writes the bytes two passes write; and chunked
//! feeding gives the same result as the whole input.
//!
//! The decoding and checks live in `crate/tests/fuzz_check/mod.rs`, shared with
//! `crate/tests/fuzz_regressions.rs`, which replays every file of `crate/tests/fuzz-cases/`.

#![no_main]

#[path = "../../tests/fuzz_check/mod.rs"]
mod fuzz_check;

use fuzz_check::{check, check_like_two_passes, plan, run_chunked, run_whole, summary};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = plan(data);
    let whole = run_whole(&p);
    check(&p, &whole, "whole");
    check_like_two_passes(&p, &whole, "whole");
    if let Some(chunk) = p.chunk {
        let cut = run_chunked(&p, chunk);
        check(&p, &cut, "chunked");
        assert_eq!(
            summary(&whole),
            summary(&cut),
            "chunks of {chunk} bytes changed the result"
        );
    }
});
