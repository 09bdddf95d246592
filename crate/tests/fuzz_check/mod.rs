//! The fuzz target's input decoding and invariants, shared by the `convert` fuzz target
//! (`crate/fuzz/`, through `#[path]`) and `tests/fuzz_regressions.rs`, so the regression test
//! replays case files exactly as the fuzzer ran them. The input layout is documented in
//! `crate/fuzz/fuzz_targets/convert.rs`.
#![allow(dead_code)]

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquetry::{
    convert_seekable, convert_stream, BadRows, Codec, Converter, Encoding, Error, Options, Report,
    Scanner, StreamConverter, TypeOverride,
};
use std::io::Cursor;

pub const HEADER: usize = 8;
pub const SNIFF_BYTES: usize = 64 * 1024;
/// Inputs up to this size are also fed in chunks of 1..=8 bytes.
pub const SMALL: usize = 4096;

#[derive(Clone)]
pub struct Plan {
    pub opts: Options,
    pub stream: bool,
    /// Push-API chunk size; `None`: whole input only.
    pub chunk: Option<usize>,
    /// Feed an empty chunk after every chunk (a stream may deliver empty reads).
    empties: bool,
    pub csv: Vec<u8>,
}

impl Plan {
    /// A seekable conversion of `csv`, whole, with `opts`.
    pub fn new(csv: Vec<u8>, opts: Options) -> Plan {
        Plan {
            opts,
            stream: false,
            chunk: None,
            empties: false,
            csv,
        }
    }
}

pub fn plan(data: &[u8]) -> Plan {
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

pub type Outcome = Result<(Report, Vec<u8>), Error>;

/// The whole input at once, through the `std::io` drivers.
pub fn run_whole(p: &Plan) -> Outcome {
    let mut out = Vec::new();
    let report = if p.stream {
        convert_stream(Cursor::new(&p.csv), &mut out, &p.opts, |_| {})
    } else {
        convert_seekable(Cursor::new(&p.csv), &mut out, &p.opts, |_| {})
    }?;
    Ok((report, out))
}

/// Two passes over the whole input, a scan and then a conversion, as `convert_seekable`
/// converted before it first tried one pass.
pub fn run_two_passes(p: &Plan) -> Outcome {
    let mut scanner = Scanner::new(&p.opts)?;
    scanner.feed(&p.csv)?;
    let inference = scanner.finish()?;
    let mut conv = Converter::new(inference, &p.opts, Vec::new())?;
    conv.feed(&p.csv)?;
    conv.finish()
}

/// A seekable conversion, one pass or two, writes what two passes write, byte for byte but
/// for the mode the file's metadata names (the two names are as long), and reports alike.
pub fn check_like_two_passes(p: &Plan, whole: &Outcome, how: &str) {
    if p.stream {
        return;
    }
    let two = run_two_passes(p);
    assert_eq!(
        summary(whole),
        summary(&two),
        "{how}: differs from two passes"
    );
    if let (Ok((r1, out1)), Ok((r2, out2))) = (whole, &two) {
        assert_eq!(r2.mode, "two-pass");
        let named = |r: &Report| format!("\"mode\":\"{}\"", r.mode).into_bytes();
        let out1 = replace(out1, &named(r1), &named(r2));
        assert!(out1 == *out2, "{how}: output differs from two passes'");
        assert_eq!(r1.columns.len(), r2.columns.len());
        for (a, b) in r1.columns.iter().zip(&r2.columns) {
            assert_eq!(
                (&a.min, &a.max, a.distinct, a.decimals, &a.categories),
                (&b.min, &b.max, b.distinct, b.decimals, &b.categories),
                "{how}: column {:?} reported otherwise than by two passes",
                a.name
            );
        }
        let lines = |r: &Report| r.rejected.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            lines(r1),
            lines(r2),
            "{how}: rejections differ from two passes'"
        );
    }
}

/// `bytes` with the first `from` replaced by `to`.
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    match bytes.windows(from.len()).position(|w| w == from) {
        Some(i) => [&bytes[..i], to, &bytes[i + from.len()..]].concat(),
        None => bytes.to_vec(),
    }
}

/// The input cut into `chunk`-byte pieces, each followed by an empty one if asked.
pub fn pieces(p: &Plan, chunk: usize) -> impl Iterator<Item = &[u8]> {
    let empty: &[u8] = &[];
    p.csv
        .chunks(chunk)
        .flat_map(move |c| std::iter::once(c).chain(p.empties.then_some(empty)))
}

/// The push API, fed `chunk` bytes at a time, with text parsed in parallel pieces as small.
pub fn run_chunked(p: &Plan, chunk: usize) -> Outcome {
    let opts = Options {
        piece_bytes: chunk,
        ..p.opts.clone()
    };
    let p = &Plan { opts, ..p.clone() };
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

/// The invariants every conversion must keep, whatever the input.
pub fn check(p: &Plan, res: &Outcome, how: &str) {
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
    if p.stream {
        assert_eq!(report.mode, "stream", "{how}: mode");
    } else {
        assert!(
            ["one-pass", "two-pass"].contains(&report.mode),
            "{how}: mode {}",
            report.mode
        );
    }
    for c in &report.columns {
        assert!(
            c.nulls <= report.rows_written,
            "{how}: column {:?} nulls",
            c.name
        );
    }

    // The file reads back with exactly the rows and columns reported.
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(out.clone()))
        .unwrap_or_else(|e| panic!("{how}: output does not open as Parquet: {e}"));
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
pub fn summary(res: &Outcome) -> String {
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
            let d = &r.dialect;
            format!(
                "ok in={} written={} rejected={} groups={} cols={cols:?} rej={rej:?} \
                 out={} bytes dialect={:?} {:?} bom={}",
                r.rows_in,
                r.rows_written,
                r.rows_rejected,
                r.row_groups,
                out.len(),
                d.dialect,
                d.encoding,
                d.bom
            )
        }
        Err(Error::BadRow(r)) => format!("err bad_row line {} {:?}", r.line, r.kind),
        Err(e) => format!("err {}", e.code()),
    }
}
