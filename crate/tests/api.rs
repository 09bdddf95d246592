//! The library API as an embedder sees it: progress, reports, errors, the push interface.

use parquetry::alloc::CountingAlloc;
use parquetry::{
    convert_seekable, convert_stream, inspect, BadRows, Error, Options, Phase, RejectKind, Scanner,
    TypeOverride,
};
use std::io::Cursor;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn csv(rows: usize) -> String {
    let mut s = String::from("id,price,city,when\n");
    for i in 0..rows {
        s.push_str(&format!(
            "{i},{}.5,{},2024-01-{:02}\n",
            i % 100,
            ["Lima", "Oslo"][i % 2],
            i % 28 + 1
        ));
    }
    s
}

#[test]
fn progress_goes_through_every_phase_and_only_forward() {
    let data = csv(300_000);
    let mut seen: Vec<(Phase, u64, u64)> = Vec::new();
    let report = convert_seekable(Cursor::new(&data), Vec::new(), &Options::default(), |p| {
        seen.push((p.phase, p.bytes, p.rows))
    })
    .unwrap();
    assert!(seen.iter().any(|s| s.0 == Phase::Scan));
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "phases go forward"
    );
    let convert: Vec<_> = seen.iter().filter(|s| s.0 == Phase::Convert).collect();
    assert!(convert.len() > 1, "one progress event per chunk");
    assert!(convert
        .windows(2)
        .all(|w| w[0].1 <= w[1].1 && w[0].2 <= w[1].2));
    assert_eq!(convert.last().unwrap().1, data.len() as u64);
    assert_eq!(report.rows_in, 300_000);
    assert_eq!(report.bytes_in, data.len() as u64);
    assert!(
        report.peak_heap_bytes > 0,
        "the counting allocator is installed here"
    );
    assert!(report.timings_ms.scan > 0.0 && report.timings_ms.convert > 0.0);
}

#[test]
fn inspect_gives_the_schema_a_conversion_would_write() {
    let inf = inspect(Cursor::new(csv(1000)), &Options::default()).unwrap();
    let names: Vec<String> = inf.columns.iter().map(|c| c.kind.name()).collect();
    assert_eq!(names, ["uint16", "float32", "category", "date"]);
    assert_eq!(inf.rows_scanned, 1000);
    assert_eq!(inf.schema().fields().len(), 4);
}

#[test]
fn inspect_counts_the_nulls_the_conversion_writes() {
    // The text column is settled (too many distinct values for a category) long before its
    // empty fields come; they must still be counted.
    let mut data = String::from("t,n\n");
    for i in 0..40_000 {
        data.push_str(&format!("text{i},{i}\n"));
    }
    for i in 0..30_000 {
        data.push_str(&format!(",{i}\n"));
    }
    let inf = inspect(Cursor::new(&data), &Options::default()).unwrap();
    assert_eq!(inf.columns[0].kind.name(), "text");
    let report =
        convert_seekable(Cursor::new(&data), Vec::new(), &Options::default(), |_| {}).unwrap();
    assert_eq!(report.columns[0].nulls, 30_000);
    assert_eq!(inf.columns[0].nulls, 30_000);
}

/// Scans `data` fed in 100 kB chunks; `sequential`: with a row limit past the end, which
/// reads every record with the one streaming splitter and observes batches in tiles.
fn scan_in_chunks(data: &str, opts: &Options, sequential: bool) -> parquetry::Inference {
    let mut s = if sequential {
        Scanner::sampling(opts, u64::MAX).unwrap()
    } else {
        Scanner::new(opts).unwrap()
    };
    for c in data.as_bytes().chunks(100_000) {
        s.feed(c).unwrap();
    }
    s.finish_sample().unwrap()
}

#[test]
fn pieces_observed_where_they_are_parsed_give_the_tiles_statistics() {
    let mut data = String::from("id,small,wide,day,city,note,code,late\n");
    for i in 0..60_000u64 {
        let note = if i < 20_000 {
            format!("note {i}")
        } else {
            String::new()
        };
        let code = if i % 97 == 0 {
            "NA".to_string()
        } else {
            format!("{}", i % 1000)
        };
        let late = if i == 45_000 {
            "x".to_string()
        } else {
            format!("{}", i % 7)
        };
        data.push_str(&format!(
            "{i},{}.25,{},2024-{:02}-{:02},{},\"{note}\",{code},{late}\n",
            i % 300,
            (i as f64).sqrt() * 1.000_000_1,
            i % 12 + 1,
            i % 28 + 1,
            ["Zürich", "Lyon", "Győr", "Oslo"][i as usize % 4],
        ));
    }
    for piece_bytes in [Options::default().piece_bytes, 64 << 10] {
        let opts = Options {
            piece_bytes,
            ..Options::default()
        };
        let tiles = scan_in_chunks(&data, &opts, true);
        let pieces = scan_in_chunks(&data, &opts, false);
        assert_eq!(pieces.rows_scanned, 60_000);
        assert_eq!(
            format!("{:?}", pieces.columns),
            format!("{:?}", tiles.columns)
        );
        let kinds: Vec<String> = pieces.columns.iter().map(|c| c.kind.name()).collect();
        assert_eq!(
            kinds,
            ["uint16", "float32", "float64", "date", "category", "text", "uint16", "category"]
        );
        assert_eq!(pieces.columns[5].nulls, 40_000);
    }
}

#[test]
fn a_bad_value_is_an_error_naming_line_column_and_value() {
    let opts = Options {
        types: vec![("price".into(), TypeOverride::UInt8)],
        ..Options::default()
    };
    let err = convert_seekable(
        Cursor::new("id,price\n1,2\n2,300\n"),
        Vec::new(),
        &opts,
        |_| {},
    )
    .unwrap_err();
    let Error::BadRow(r) = err else {
        panic!("expected a bad row, got {err}")
    };
    assert_eq!((r.line, r.kind), (3, RejectKind::BadValue));
    assert_eq!(
        (r.column.as_deref(), r.value.as_deref()),
        (Some("price"), Some("300"))
    );
    assert_eq!(r.record, "2,300");
    assert!(
        r.to_string()
            .contains("line 3, column \"price\": value \"300\""),
        "{r}"
    );
}

#[test]
fn collected_rows_account_for_every_row() {
    let data = "a,b\n1,2\n3\n4,5,6\n7,8\n\"open,9\n";
    let opts = Options {
        bad_rows: BadRows::Collect,
        ..Options::default()
    };
    let report = convert_seekable(Cursor::new(data), Vec::new(), &opts, |_| {}).unwrap();
    assert_eq!(
        (report.rows_in, report.rows_written, report.rows_rejected),
        (5, 2, 3)
    );
    let kinds: Vec<_> = report.rejected.iter().map(|r| (r.line, r.kind)).collect();
    assert_eq!(
        kinds,
        [
            (3, RejectKind::Ragged),
            (4, RejectKind::Ragged),
            (6, RejectKind::UnterminatedQuote)
        ]
    );
}

#[test]
fn stream_mode_reports_the_sample_and_a_late_misfit() {
    let mut data = csv(50);
    data.push_str("x,1.5,Lima,2024-01-01\n");
    let opts = Options {
        sample_rows: 10,
        ..Options::default()
    };
    let err = convert_stream(Cursor::new(&data), Vec::new(), &opts, |_| {}).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("line 52") && msg.contains("\"id\"") && msg.contains("first 10 rows"),
        "{msg}"
    );

    let ok = convert_stream(Cursor::new(csv(50)), Vec::new(), &opts, |_| {}).unwrap();
    assert_eq!((ok.mode, ok.rows_written), ("stream", 50));
}

#[test]
fn empty_and_header_only_inputs() {
    for empty in ["", "\n\n", "\u{feff}"] {
        let err = convert_seekable(Cursor::new(empty), Vec::new(), &Options::default(), |_| {});
        assert!(matches!(err, Err(Error::EmptyInput)), "{empty:?}");
    }
    let report = convert_seekable(
        Cursor::new("a,b\n"),
        Vec::new(),
        &Options::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!(report.rows_written, 0);
    assert!(report.columns.iter().all(|c| c.type_name == "text"));
}

#[test]
fn a_quote_inside_an_unquoted_field_loses_and_repeats_no_row() {
    // `a"b` puts the quote parity off by one, so the line breaks inside "x\ny" later look
    // like record ends: the parallel cuts there are wrong, and parsing turns sequential with
    // the pieces after the first wrong cut parsed again. (Ids below 65,536 are uint16.)
    let mut data = String::from("id,text\n1,a\"b\n");
    let rows = 60_000;
    for i in 2..rows {
        let quoted_break = (rows / 2..rows / 2 + 100).contains(&i);
        let text = if quoted_break {
            "\"x\ny\"".to_string()
        } else {
            format!("t{i}")
        };
        data.push_str(&format!("{i},{text}\n"));
    }
    let opts = Options {
        piece_bytes: 64 << 10,
        ..Options::default()
    };
    let mut out = Vec::new();
    let report = convert_seekable(Cursor::new(&data), &mut out, &opts, |_| {}).unwrap();
    assert_eq!(
        (report.rows_in, report.rows_written),
        (rows as u64 - 1, rows as u64 - 1)
    );
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        bytes::Bytes::from(out),
    )
    .unwrap()
    .build()
    .unwrap();
    let ids: Vec<u64> = reader
        .flat_map(|b| {
            let b = b.unwrap();
            let a = arrow_array::cast::AsArray::as_primitive::<arrow_array::types::UInt16Type>(
                b.column(0),
            )
            .clone();
            a.values().iter().map(|&v| v as u64).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(ids, (1..rows as u64).collect::<Vec<_>>());
}

/// The encoding and dialect are judged on the first 64 KiB exactly, however the input is
/// chunked: the CLI reads 1 MiB at a time, a browser's `blob.stream()` 64 KiB, and both must
/// read a file the same way. Here the first 64 KiB are `;`-delimited lines with LF ends;
/// past them come CRLF lines whose fields hold commas, which a larger sample judged as CRLF.
/// A byte that is not UTF-8 at the end makes the file Windows-1252 all the same: the scan
/// sees every field.
#[test]
fn the_sniff_sample_does_not_depend_on_chunking() {
    let mut data = b"id;name\n".to_vec();
    let mut i = 0;
    while data.len() < 64 * 1024 {
        data.extend_from_slice(format!("{i};a\n").as_bytes());
        i += 1;
    }
    for j in 0..40_000 {
        data.extend_from_slice(format!("{j};b,c,d,e\r\n").as_bytes());
    }
    data.extend_from_slice(b"1;caf\xe9\r\n");
    let sniffed = |chunk: usize| {
        let mut s = Scanner::new(&Options::default()).unwrap();
        for c in data.chunks(chunk) {
            s.feed(c).unwrap();
        }
        let inf = s.finish_sample().unwrap();
        (inf.dialect.delimiter, inf.dialect.line_ending, inf.encoding)
    };
    let whole = sniffed(data.len());
    assert_eq!(
        whole,
        (
            b';',
            parquetry::sniff::LineEnding::Lf,
            parquetry::Encoding::Windows1252
        )
    );
    for chunk in [1, 7, 4096, 64 * 1024, 64 * 1024 + 1, 1 << 20] {
        assert_eq!(sniffed(chunk), whole, "fed in {chunk}-byte chunks");
    }
}

/// Previews show each column's first distinct values from the first 1,000 rows only, so a
/// column with few values (or values that come late) costs no look at every later batch.
#[test]
fn samples_are_the_first_distinct_values_of_the_first_thousand_rows() {
    let mut text = String::from("few,late,many\n");
    for i in 0..40_000 {
        let late = if i < 1000 { "" } else { "x" };
        text.push_str(&format!("{},{late},{}\n", i % 3, 40_000 - i));
    }
    let inf = inspect(Cursor::new(text), &Options::default()).unwrap();
    let samples: Vec<&Vec<String>> = inf.columns.iter().map(|c| &c.samples).collect();
    assert_eq!(samples[0], &["0", "1", "2"]);
    assert!(samples[1].is_empty(), "{:?}", samples[1]);
    assert_eq!(samples[2], &["40000", "39999", "39998", "39997", "39996"]);
}

/// An output that takes `room` bytes and then fails, as a full disk does.
struct FullDisk {
    room: usize,
    taken: usize,
}

impl std::io::Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.room - self.taken);
        if n == 0 && !buf.is_empty() {
            return Err(std::io::Error::other("disk full"));
        }
        self.taken += n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn an_output_that_fails_is_an_error_wherever_it_fails() {
    let data = csv(50_000);
    // Row groups of 2,000 rows: closed chunks are appended all through the conversion.
    let opts = Options {
        row_group_rows: 2_000,
        ..Options::default()
    };
    let mut whole = Vec::new();
    convert_stream(Cursor::new(&data), &mut whole, &opts, |_| {}).unwrap();
    // At the magic bytes, in the first row group, half way, in the footer.
    for room in [0, 100, whole.len() / 2, whole.len() - 10] {
        let out = FullDisk { room, taken: 0 };
        let err = convert_stream(Cursor::new(&data), out, &opts, |_| {})
            .expect_err("a full disk must fail the conversion");
        assert!(err.to_string().contains("disk full"), "{room}: {err}");
    }
}

/// A reader that hands out the text in chunks of the sizes given, in turn: where an input's
/// chunks end (a browser's stream cuts a file differently each time) is up to the source.
struct Chunked<'a> {
    inner: Cursor<&'a [u8]>,
    sizes: &'a [usize],
    reads: usize,
}

impl std::io::Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.sizes[self.reads % self.sizes.len()].min(buf.len());
        self.reads += 1;
        self.inner.read(&mut buf[..n])
    }
}

impl std::io::Seek for Chunked<'_> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// The same input makes the same file, byte for byte, however it comes in chunks: pieces,
/// batches, row groups and pages follow the text alone.
#[test]
fn the_output_does_not_depend_on_how_the_input_is_chunked() {
    // Values the first rows' types hold (stream mode decides from them).
    let mut data = String::from("id,price,city,when\n");
    for i in 0..120_000 {
        let city = ["Lima", "Oslo", "Rome"][i * 7 % 3];
        let when = i % 28 + 1;
        data.push_str(&format!(
            "{},{}.5,{city},2024-01-{when:02}\n",
            i % 50_000,
            i % 100
        ));
    }
    let opts = Options {
        piece_bytes: 16 << 10,
        row_group_rows: 30_000,
        ..Options::default()
    };
    let convert = |sizes: &[usize], seekable: bool| {
        let input = Chunked {
            inner: Cursor::new(data.as_bytes()),
            sizes,
            reads: 0,
        };
        let mut out = Vec::new();
        if seekable {
            convert_seekable(input, &mut out, &opts, |_| {}).unwrap();
        } else {
            convert_stream(input, &mut out, &opts, |_| {}).unwrap();
        }
        out
    };
    for seekable in [true, false] {
        let whole = convert(&[usize::MAX], seekable);
        for sizes in [
            &[1 << 20][..],
            &[1000],
            &[65_537, 7, 300_001],
            &[40_000, 123_457],
        ] {
            assert!(
                convert(sizes, seekable) == whole,
                "chunks of {sizes:?} bytes, seekable {seekable}"
            );
        }
    }
}
