//! Property tests: random tables written as CSV in random dialects, fed in random chunk
//! cuts, come back from Parquet with the same values, and byte-identical whatever the cuts.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquetry::{Converter, Options, Scanner};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Col {
    Int(Vec<Option<i64>>),
    Cents(Vec<Option<i32>>),
    Bool(Vec<Option<bool>>),
    Date(Vec<Option<i32>>),
    Text(Vec<Option<String>>),
}

impl Col {
    fn cell(&self, row: usize) -> Option<String> {
        match self {
            Col::Int(v) => v[row].map(|x| x.to_string()),
            Col::Cents(v) => v[row].map(|c| {
                let sign = if c < 0 { "-" } else { "" };
                format!(
                    "{sign}{}.{:02}",
                    c.unsigned_abs() / 100,
                    c.unsigned_abs() % 100
                )
            }),
            Col::Bool(v) => v[row].map(|b| b.to_string()),
            Col::Date(v) => v[row].map(|d| {
                let (y, m, d) = parquetry::value::civil_from_days(d as i64);
                format!("{y:04}-{m:02}-{d:02}")
            }),
            Col::Text(v) => v[row].clone(),
        }
    }
}

fn column(rows: usize) -> impl Strategy<Value = Col> {
    prop_oneof![
        (any::<i64>(), 0u32..64).prop_flat_map(move |(base, bits)| {
            let span = if bits == 0 { 0 } else { (1i128 << bits) - 1 };
            proptest::collection::vec(
                proptest::option::weighted(
                    0.9,
                    (0i128..=span).prop_map(move |d| {
                        (base as i128)
                            .saturating_add(d)
                            .clamp(i64::MIN as i128, i64::MAX as i128)
                            as i64
                    }),
                ),
                rows,
            )
            .prop_map(Col::Int)
        }),
        proptest::collection::vec(proptest::option::weighted(0.9, -100_000i32..100_000), rows)
            .prop_map(Col::Cents),
        proptest::collection::vec(proptest::option::weighted(0.9, any::<bool>()), rows)
            .prop_map(Col::Bool),
        proptest::collection::vec(proptest::option::weighted(0.9, -200_000i32..200_000), rows)
            .prop_map(Col::Date),
        // Text that fights the dialect: delimiters, quotes, line breaks, non-ASCII, tokens.
        proptest::collection::vec(
            proptest::option::weighted(
                0.9,
                prop_oneof![
                    "[a-z]{1,6}",
                    "[ ,;|\t\"'\r\na-zé€😀]{1,12}",
                    Just("NA".to_string()),
                    Just("00501".to_string()),
                ]
            ),
            rows,
        )
        .prop_map(Col::Text),
    ]
}

#[derive(Clone, Debug)]
struct Table {
    cols: Vec<Col>,
    rows: usize,
    delimiter: u8,
    crlf: bool,
    bom: bool,
    cuts: Vec<usize>,
}

fn table() -> impl Strategy<Value = Table> {
    (1usize..6, 1usize..40).prop_flat_map(|(ncols, rows)| {
        (
            proptest::collection::vec(column(rows), ncols),
            prop::sample::select(vec![b',', b';', b'\t', b'|']),
            any::<bool>(),
            any::<bool>(),
            proptest::collection::vec(1usize..64, 1..20),
        )
            .prop_map(move |(cols, delimiter, crlf, bom, cuts)| Table {
                cols,
                rows,
                delimiter,
                crlf,
                bom,
                cuts,
            })
    })
}

fn quote(field: &str, delimiter: u8) -> String {
    let special = |c: char| c == delimiter as char || c == '"' || c == '\n' || c == '\r';
    // Quote fields a parser could misread: specials, or leading/trailing blanks.
    if field.contains(special) || field.starts_with(' ') {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

impl Table {
    fn csv(&self) -> Vec<u8> {
        let nl = if self.crlf { "\r\n" } else { "\n" };
        let d = (self.delimiter as char).to_string();
        let mut s = String::new();
        if self.bom {
            s.push('\u{feff}');
        }
        let names: Vec<String> = (0..self.cols.len()).map(|i| format!("c{i}")).collect();
        s.push_str(&names.join(&d));
        s.push_str(nl);
        for r in 0..self.rows {
            let cells: Vec<String> = self
                .cols
                .iter()
                .map(|c| {
                    c.cell(r)
                        .map(|v| quote(&v, self.delimiter))
                        .unwrap_or_default()
                })
                .collect();
            // A row of one empty field would be a blank line, which CSV cannot tell apart.
            let line = cells.join(&d);
            s.push_str(if line.is_empty() { "\"\"" } else { &line });
            s.push_str(nl);
        }
        s.into_bytes()
    }

    fn options(&self) -> Options {
        Options {
            delimiter: Some(self.delimiter),
            quote: Some(Some(b'"')),
            header: Some(true),
            row_group_rows: 7,
            ..Options::default()
        }
    }
}

/// Converts `csv` fed in pieces of the given sizes (cycled), through both passes.
fn convert(csv: &[u8], opts: &Options, cuts: &[usize]) -> Vec<u8> {
    let pieces: Vec<&[u8]> = {
        let (mut at, mut k, mut v) = (0, 0, Vec::new());
        while at < csv.len() {
            let n = cuts[k % cuts.len()].min(csv.len() - at);
            v.push(&csv[at..at + n]);
            at += n;
            k += 1;
        }
        v
    };
    let mut scanner = Scanner::new(opts).unwrap();
    pieces.iter().for_each(|c| scanner.feed(c).unwrap());
    let inference = scanner.finish().unwrap();
    let mut conv = Converter::new(inference, opts, Vec::new()).unwrap();
    pieces.iter().for_each(|c| conv.feed(c).unwrap());
    let (report, out) = conv.finish().unwrap();
    assert_eq!(report.rows_in, report.rows_written + report.rows_rejected);
    out
}

/// A cell of a read-back column in the notation the table was written in.
fn show(a: &ArrayRef, i: usize) -> Option<String> {
    if a.is_null(i) {
        return None;
    }
    Some(match a.data_type() {
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i).to_string(),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i).to_string(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::UInt8 => a.as_primitive::<UInt8Type>().value(i).to_string(),
        DataType::UInt16 => a.as_primitive::<UInt16Type>().value(i).to_string(),
        DataType::UInt32 => a.as_primitive::<UInt32Type>().value(i).to_string(),
        DataType::UInt64 => a.as_primitive::<UInt64Type>().value(i).to_string(),
        DataType::Float32 => format!("{:.2}", a.as_primitive::<Float32Type>().value(i)),
        DataType::Float64 => format!("{:.2}", a.as_primitive::<Float64Type>().value(i)),
        DataType::Boolean => a.as_boolean().value(i).to_string(),
        DataType::Date32 => {
            let (y, m, d) =
                parquetry::value::civil_from_days(a.as_primitive::<Date32Type>().value(i) as i64);
            format!("{y:04}-{m:02}-{d:02}")
        }
        DataType::Utf8 => a.as_string::<i32>().value(i).to_string(),
        DataType::Dictionary(k, _) => {
            let (keys, values): (usize, ArrayRef) = match k.as_ref() {
                DataType::UInt8 => {
                    let d = a.as_dictionary::<UInt8Type>();
                    (d.keys().value(i) as usize, d.values().clone())
                }
                _ => {
                    let d = a.as_dictionary::<UInt16Type>();
                    (d.keys().value(i) as usize, d.values().clone())
                }
            };
            values.as_string::<i32>().value(keys).to_string()
        }
        t => panic!("unexpected type {t}"),
    })
}

fn normalise(expected: &Col, v: Option<String>) -> Option<String> {
    // Cents are written with two decimals; floats come back as numbers.
    match expected {
        Col::Cents(_) => v.map(|s| format!("{:.2}", s.parse::<f64>().unwrap())),
        _ => v,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn values_survive_and_chunking_does_not_matter(t in table()) {
        let csv = t.csv();
        let opts = t.options();
        let whole = convert(&csv, &opts, &[csv.len().max(1)]);
        let cut = convert(&csv, &opts, &t.cuts);
        prop_assert!(whole == cut, "output depends on chunking");
        // Text cut into tiny pieces parsed in parallel reads the same.
        let pieces = Options { piece_bytes: t.cuts[0], ..opts.clone() };
        let parallel = convert(&csv, &pieces, &t.cuts);
        prop_assert!(whole == parallel, "output depends on parallel pieces");
        // A batch's jobs run in whatever order the threads take them (longest first, as
        // they free up): one thread or three, the output is the same.
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let other = pool.install(|| convert(&csv, &pieces, &t.cuts));
            prop_assert!(whole == other, "output depends on the threads ({})", threads);
        }

        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(whole))
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        prop_assert_eq!(rows, t.rows);
        for (c, col) in t.cols.iter().enumerate() {
            let mut r = 0;
            for b in &batches {
                let a = b.column(c);
                for i in 0..b.num_rows() {
                    let want = normalise(col, col.cell(r));
                    // The empty field is null in every column; null tokens stay text in text.
                    let want = want.filter(|s| !s.is_empty());
                    prop_assert_eq!(show(a, i), want, "column {} row {}", c, r);
                    r += 1;
                }
            }
        }
    }
}
