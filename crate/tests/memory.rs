//! Memory of conversions of awkward inputs, or fed in awkward ways.
//!
//! Many pieces: found by the fuzzer, 64 KiB of text fed in 3-byte chunks with 3-byte pieces
//! cut the sniffed first block into 21,847 pieces, each with a 64 KiB splitter buffer and
//! its own findings, and the conversion of that 64 KiB took 1.4 GB. A block is now cut into
//! at most 256 pieces, and a splitter's buffers start small.
//!
//! Tiny chunks in stream mode: the sample was held one buffer per chunk, so 330 KB fed a
//! byte at a time took 15 MB of heap (malloc's overhead per buffer aside). It is held in
//! one buffer now.
//!
//! Many columns: the parquet crate's writer sets up every column it may dictionary-encode
//! with a hash table of about 72 KB (and each zstd column with a 96 KB decompression
//! context, in C's heap natively and so not counted here), so 32,768 narrow columns took
//! 2.4 GB for three rows. Past 256 columns, a row group's columns are now encoded one after
//! another, each writer open only while its column is: 4,096 columns take ~23 MB.
//!
//! Short rows: a batch's rows took 64 bytes each (now 40), and a block of text was parsed
//! into batches all at once, before any was processed: 2 MiB of two-byte rows made dozens
//! of batches, and 4 MB of them took 176 MB of heap. A step now parses a few pieces at a
//! time, processing the batches of the last ones alongside: ~17 MB.
//!
//! Its own test binary, and one test, as the counting allocator's peak is process-wide.

mod fuzz_check;

use fuzz_check::{check, plan, run_chunked, run_whole};
use parquetry::alloc::{self, CountingAlloc};
use parquetry::{Options, StreamConverter};

#[global_allocator]
static A: CountingAlloc = CountingAlloc;

#[test]
fn awkward_inputs_keep_memory_small() {
    many_tiny_pieces();
    stream_sample_in_one_byte_chunks();
    a_wide_file_of_few_rows();
    a_long_file_of_short_rows();
}

fn many_tiny_pieces() {
    let data = std::fs::read("tests/fuzz-cases/oom_tiny_pieces.bin").unwrap();
    let base = plan(&data);
    assert!(
        base.csv.len() > 64 * 1024,
        "the case repeats past the sniff window"
    );
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

fn stream_sample_in_one_byte_chunks() {
    let mut csv = b"id,name,score\n".to_vec();
    for i in 0..9_000 {
        csv.extend_from_slice(format!("{i},name number {i} of many,{}.25\n", i % 977).as_bytes());
    }
    let mut peaks = Vec::new();
    for chunk in [csv.len(), 1] {
        alloc::reset_peak();
        let before = alloc::live_bytes();
        let mut conv = StreamConverter::new(&Options::default(), Vec::new()).unwrap();
        for c in csv.chunks(chunk) {
            conv.feed(c).unwrap();
        }
        let (report, _) = conv.finish().unwrap();
        assert_eq!(report.rows_written, 9_000);
        peaks.push(alloc::peak_bytes() - before);
    }
    assert!(
        peaks[1] < 2 * peaks[0],
        "{} bytes of text a byte at a time: {} bytes of heap at peak, in one chunk {}",
        csv.len(),
        peaks[1],
        peaks[0]
    );
}

fn a_wide_file_of_few_rows() {
    let n = 4096;
    let names: Vec<String> = (0..n).map(|j| format!("c{j}")).collect();
    let mut csv = names.join(",") + "\n";
    for i in 0..3 {
        let row: Vec<String> = (0..n).map(|j| ((i + j) % 7).to_string()).collect();
        csv += &(row.join(",") + "\n");
    }
    let (report, peak) = converted_with_peak(csv.as_bytes());
    assert_eq!((report.rows_written, report.columns.len()), (3, n));
    // 4,096 dictionary tables alone would be 300 MB; 1,024 of them, 75 MB.
    assert!(
        peak < 48 << 20,
        "{n} columns of 3 rows: {peak} bytes of heap at peak"
    );
}

fn a_long_file_of_short_rows() {
    let rows = 2_000_000;
    let mut csv = b"k\n".to_vec();
    for i in 0..rows {
        csv.extend_from_slice(&[b'0' + (i % 10) as u8, b'\n']);
    }
    let (report, peak) = converted_with_peak(&csv);
    assert_eq!(report.rows_written, rows as u64);
    assert!(
        peak < 32 << 20,
        "{rows} rows of two bytes: {peak} bytes of heap at peak"
    );
}

/// Converts `csv` in two passes with the default options: the report, and the heap's peak
/// above what was live before.
fn converted_with_peak(csv: &[u8]) -> (parquetry::Report, usize) {
    alloc::reset_peak();
    let before = alloc::live_bytes();
    let opts = Options::default();
    let report =
        parquetry::convert_seekable(std::io::Cursor::new(csv), Vec::new(), &opts, |_| {}).unwrap();
    (report, alloc::peak_bytes() - before)
}
