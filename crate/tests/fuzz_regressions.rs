//! Replays every input of `tests/fuzz-cases/*.bin` (crashes found by the `convert` fuzz
//! target in `crate/fuzz/`, and hand-made tricky inputs) through the fuzz target's checks.
//!
//! A case file has the fuzz target's layout: 8 header bytes that choose the options (see
//! `crate/fuzz/fuzz_targets/convert.rs` for the table), then the CSV bytes. Each case runs
//! with the options its header gives, then again under every bad-row policy, in both modes,
//! whole and (for small inputs) fed in chunks of 1..=8 bytes; every chunked result must equal
//! the whole one.
//!
//! The decoding and checks are a copy of the fuzz target's (this test must not depend on the
//! fuzz crate): keep the two in step.

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquetry::{
    convert_seekable, convert_stream, BadRows, Codec, Converter, Encoding, Error, Options, Report,
    Scanner, StreamConverter, TypeOverride,
};
use std::io::Cursor;
use std::path::{Path, PathBuf};

const HEADER: usize = 8;
const SNIFF_BYTES: usize = 64 * 1024;
/// Inputs up to this size are also fed in chunks of 1..=8 bytes.
const SMALL: usize = 4096;

#[derive(Clone)]
struct Plan {
    opts: Options,
    stream: bool,
    /// Push-API chunk size; `None`: whole input only.
    chunk: Option<usize>,
    /// Feed an empty chunk after every chunk (a stream may deliver empty reads).
    empties: bool,
    csv: Vec<u8>,
}

fn plan(data: &[u8]) -> Plan {
    let mut h = [0u8; HEADER];
    let n = data.len().min(HEADER);
    h[..n].copy_from_slice(&data[..n]);
    let body = &data[n..];

    let mut opts = Options {
        compression: Codec::None,
        ..Options::default()
    };
    opts.bad_rows = match h[0] & 3 {
        0 => BadRows::Error,
        2 => BadRows::Collect,
        _ => BadRows::Skip,
    };
    let stream = h[0] & 4 != 0;
    opts.compression = match (h[0] >> 3) & 3 {
        1 => Codec::Snappy,
        2 => Codec::Zstd,
        _ => Codec::None,
    };
    opts.statistics = h[0] & 0x20 == 0;
    let pad = h[0] >> 6 == 3 && h[1] & 0x80 != 0;

    let chunk = match h[1] & 0x3f {
        0 => None,
        c => Some(c as usize),
    };
    let empties = h[1] & 0x40 != 0;

    opts.delimiter = match h[2] & 7 {
        4 => Some(b','),
        5 => Some(b';'),
        6 => Some(b'\t'),
        7 => Some(b'|'),
        _ => None,
    };
    opts.quote = match (h[2] >> 3) & 3 {
        2 => Some(None),
        3 => Some(Some(b'\'')),
        _ => None,
    };
    opts.header = match (h[2] >> 5) & 3 {
        2 => Some(true),
        3 => Some(false),
        _ => None,
    };
    if h[2] & 0x80 != 0 {
        opts.encoding = Some(match h[3] & 3 {
            0 => Encoding::Utf8,
            1 => Encoding::Utf16Le,
            2 => Encoding::Utf16Be,
            _ => Encoding::Windows1252,
        });
    }
    if h[3] >> 2 != 0 {
        opts.max_field_bytes = (h[3] >> 2) as usize;
    }
    if h[4] & 0x7f != 0 {
        opts.row_group_rows = (h[4] & 0x7f) as usize;
    }
    if h[4] & 0x80 != 0 {
        opts.row_group_bytes = 16;
    }
    if h[5] != 0 {
        opts.sample_rows = h[5] as usize;
    }
    opts.category_max = match h[6] & 3 {
        1 => 0,
        2 => 1,
        3 => 2,
        _ => opts.category_max,
    };
    if h[6] & 4 != 0 {
        let name = ["column_1", "column_2", "a", "b"][((h[6] >> 3) & 3) as usize];
        use TypeOverride::*;
        let t = [
            Text, Category, Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64,
            Float32, Float64, Date, Timestamp, Time,
        ][(h[7] % 16) as usize];
        opts.types = vec![(name.to_string(), t)];
    }

    let mut csv = body.to_vec();
    if pad && !body.is_empty() {
        while csv.len() <= SNIFF_BYTES {
            csv.extend_from_slice(body);
        }
    }
    Plan {
        opts,
        stream,
        chunk,
        empties,
        csv,
    }
}

type Outcome = Result<(Report, Vec<u8>), Error>;

/// The whole input at once, through the `std::io` drivers.
fn run_whole(p: &Plan) -> Outcome {
    let mut out = Vec::new();
    let report = if p.stream {
        convert_stream(Cursor::new(&p.csv), &mut out, &p.opts, |_| {})
    } else {
        convert_seekable(Cursor::new(&p.csv), &mut out, &p.opts, |_| {})
    }?;
    Ok((report, out))
}

/// The input cut into `chunk`-byte pieces, each followed by an empty one if asked.
fn pieces(p: &Plan, chunk: usize) -> impl Iterator<Item = &[u8]> {
    let empty: &[u8] = &[];
    p.csv
        .chunks(chunk)
        .flat_map(move |c| std::iter::once(c).chain(p.empties.then_some(empty)))
}

/// The push API, fed `chunk` bytes at a time.
fn run_chunked(p: &Plan, chunk: usize) -> Outcome {
    if p.stream {
        let mut conv = StreamConverter::new(&p.opts, Vec::new())?;
        for c in pieces(p, chunk) {
            conv.feed(c)?;
        }
        conv.finish()
    } else {
        let mut scanner = Scanner::new(&p.opts)?;
        for c in pieces(p, chunk) {
            scanner.feed(c)?;
        }
        let inference = scanner.finish()?;
        let mut conv = Converter::new(inference, &p.opts, Vec::new())?;
        for c in pieces(p, chunk) {
            conv.feed(c)?;
        }
        conv.finish()
    }
}

/// Reads a Parquet file back through a temporary file (`bytes::Bytes` is not a dependency
/// of this package; `std::fs::File` is the other in-tree `ChunkReader`).
fn read_back(out: &[u8], how: &str) -> ParquetRecordBatchReaderBuilder<std::fs::File> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "parquetry-fuzz-regression-{}-{}.parquet",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, out).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap_or_else(|e| panic!("{how}: output does not open as Parquet: {e}"))
}

/// The invariants every conversion must keep, whatever the input.
fn check(p: &Plan, res: &Outcome, how: &str) {
    let opts = &p.opts;
    let (report, out) = match res {
        Err(e) => {
            assert!(
                !matches!(
                    e,
                    Error::State(_) | Error::Io(_) | Error::Parquet(_) | Error::Arrow(_)
                ),
                "{how}: conversion into a Vec failed with an internal/write error: {e}"
            );
            if opts.bad_rows != BadRows::Error {
                assert!(
                    matches!(e, Error::EmptyInput | Error::Options(_)),
                    "{how}: {:?} policy, yet the conversion failed with {e}",
                    opts.bad_rows
                );
            }
            return;
        }
        Ok(r) => r,
    };
    assert_eq!(
        report.rows_in,
        report.rows_written + report.rows_rejected,
        "{how}: rows_in != rows_written + rows_rejected"
    );
    match opts.bad_rows {
        BadRows::Error => assert_eq!(report.rows_rejected, 0, "{how}: rejected under error"),
        BadRows::Skip => assert!(
            report.rejected.is_empty(),
            "{how}: rows collected under skip"
        ),
        BadRows::Collect => assert_eq!(
            report.rejected.len() as u64,
            report.rows_rejected,
            "{how}: collected rows != rows_rejected"
        ),
    }
    assert!(
        report.rejected.windows(2).all(|w| w[0].line <= w[1].line),
        "{how}: rejections out of line order"
    );
    assert!(report.rejected.iter().all(|r| r.line >= 1), "{how}: line 0");
    assert_eq!(report.bytes_in, p.csv.len() as u64, "{how}: bytes_in");
    assert_eq!(report.bytes_out, out.len() as u64, "{how}: bytes_out");
    assert_eq!(report.mode, if p.stream { "stream" } else { "two-pass" });
    for c in &report.columns {
        assert!(
            c.nulls <= report.rows_written,
            "{how}: column {:?} nulls",
            c.name
        );
    }

    // The file reads back with exactly the rows and columns reported.
    let reader = read_back(out, how);
    let meta = reader.metadata().clone();
    assert_eq!(
        meta.file_metadata().num_rows() as u64,
        report.rows_written,
        "{how}: footer row count"
    );
    assert_eq!(
        meta.num_row_groups(),
        report.row_groups,
        "{how}: row groups"
    );
    for rg in meta.row_groups() {
        assert!(
            rg.num_rows() as usize <= opts.row_group_rows,
            "{how}: row group of {} rows > {}",
            rg.num_rows(),
            opts.row_group_rows
        );
    }
    assert_eq!(
        reader.schema().fields().len(),
        report.columns.len(),
        "{how}: column count"
    );
    let mut rows = 0u64;
    for batch in reader
        .build()
        .unwrap_or_else(|e| panic!("{how}: cannot read rows back: {e}"))
    {
        let batch = batch.unwrap_or_else(|e| panic!("{how}: cannot read rows back: {e}"));
        rows += batch.num_rows() as u64;
    }
    assert_eq!(rows, report.rows_written, "{how}: rows read back");
}

/// What must not depend on where the chunks were cut.
fn summary(res: &Outcome) -> String {
    match res {
        Ok((r, out)) => {
            let cols: Vec<String> = r
                .columns
                .iter()
                .map(|c| format!("{}:{}:{}", c.name, c.type_name, c.nulls))
                .collect();
            let rej: Vec<String> = r
                .rejected
                .iter()
                .map(|x| format!("{}:{:?}:{:?}", x.line, x.kind, x.column))
                .collect();
            format!(
                "ok in={} written={} rejected={} groups={} cols={cols:?} rej={rej:?} \
                 out={} bytes",
                r.rows_in,
                r.rows_written,
                r.rows_rejected,
                r.row_groups,
                out.len()
            )
        }
        Err(Error::BadRow(r)) => format!("err bad_row line {} {:?}", r.line, r.kind),
        Err(e) => format!("err {}", e.code()),
    }
}

/// The fuzz target's body, for one input.
fn fuzz_one(p: &Plan, name: &str) {
    let whole = run_whole(p);
    check(p, &whole, &format!("{name}: whole"));
    if let Some(chunk) = p.chunk {
        let cut = run_chunked(p, chunk);
        check(p, &cut, &format!("{name}: chunked {chunk}"));
        assert_eq!(
            summary(&whole),
            summary(&cut),
            "{name}: chunks of {chunk} bytes changed the result"
        );
    }
}

/// Runs one case file as the fuzzer would, then under every policy, mode and chunk size.
fn replay(path: &Path) {
    let data = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let base = plan(&data);
    fuzz_one(&base, &name);

    let chunks: Vec<usize> = if base.csv.len() <= SMALL {
        (1..=8).collect()
    } else {
        vec![4096]
    };
    for bad_rows in [BadRows::Error, BadRows::Skip, BadRows::Collect] {
        for stream in [false, true] {
            let mut p = base.clone();
            p.opts.bad_rows = bad_rows;
            p.stream = stream;
            let how = format!(
                "{name} [{bad_rows:?}, {}]",
                if stream { "stream" } else { "two-pass" }
            );
            let whole = run_whole(&p);
            check(&p, &whole, &format!("{how} whole"));
            let expected = summary(&whole);
            for &chunk in &chunks {
                let cut = run_chunked(&p, chunk);
                let how = format!("{how} chunks of {chunk}");
                check(&p, &cut, &how);
                assert_eq!(expected, summary(&cut), "{how}: result differs from whole");
            }
        }
    }
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    files
}

#[test]
fn fuzz_cases_keep_the_invariants() {
    let files = cases();
    assert!(!files.is_empty(), "no tests/fuzz-cases/*.bin");
    let mut failed = Vec::new();
    for path in &files {
        // One failing case must not hide the others: run each, report all.
        let r = std::panic::catch_unwind(|| replay(path));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failed.push(format!("{}: {msg}", path.display()));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} fuzz cases failed:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}
