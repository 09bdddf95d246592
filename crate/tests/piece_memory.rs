//! Memory of a pass whose blocks are cut into many pieces. Found by the fuzzer: 64 KiB of
//! text fed in 3-byte chunks with 3-byte pieces cut the sniffed first block into 21,847
//! pieces, each with a 64 KiB splitter buffer and its own findings, and the conversion of
//! that 64 KiB took 1.4 GB. A block is now cut into at most 256 pieces, and a splitter's
//! buffers start small.
//!
//! Its own test binary, as the counting allocator's peak is process-wide.

mod fuzz_check;

use fuzz_check::{check, plan, run_chunked, run_whole};
use parquetry::alloc::{self, CountingAlloc};

#[global_allocator]
static A: CountingAlloc = CountingAlloc;

#[test]
fn many_tiny_pieces_keep_memory_small() {
    let data = std::fs::read("tests/fuzz-cases/oom_tiny_pieces.bin").unwrap();
    let base = plan(&data);
    assert!(base.csv.len() > 64 * 1024, "the case repeats past the sniff window");
    for stream in [false, true] {
        for chunk in [1, 3, 64, 4096] {
            let mut p = base.clone();
            p.stream = stream;
            let whole = run_whole(&p);
            alloc::reset_peak();
            let before = alloc::live_bytes();
            let cut = run_chunked(&p, chunk);
            let peak = alloc::peak_bytes() - before;
            check(&p, &cut, "chunked");
            let (w, c) = (whole.unwrap().0, cut.unwrap().0);
            assert_eq!((w.rows_in, w.rows_written), (c.rows_in, c.rows_written));
            assert!(
                peak < 16 << 20,
                "stream {stream}, {chunk}-byte chunks and pieces: {peak} bytes of heap at peak \
                 for {} bytes of text",
                p.csv.len()
            );
        }
    }
}
