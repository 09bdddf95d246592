//! The one-pass trial of `convert_seekable`: types of the first rows, converted with while
//! every row is scanned. Whichever way the trial ends, the output must be what two passes
//! (a scan, then a conversion) write, byte for byte but for the mode the metadata names,
//! and the report must say which it was.

mod fuzz_check;

use fuzz_check::{check, check_like_two_passes, run_two_passes, Plan};
use parquetry::onepass::{OnePass, Outcome, CHECK_BYTES};
use parquetry::{convert_seekable, BadRows, Options, Scanner, TypeOverride};
use std::fmt::Write as _;
use std::io::{Cursor, Read, Seek, SeekFrom};

/// Rows of a sample small enough that a test's late rows come after it.
const SAMPLE: usize = 500;

fn opts() -> Options {
    Options {
        sample_rows: SAMPLE,
        ..Options::default()
    }
}

/// `rows` rows of four columns (a byte-sized count, a float32-exact price, one of three
/// words, a date), with `late` appended after them as the input's last lines.
fn csv(rows: usize, late: &str) -> Vec<u8> {
    let mut s = String::from("count,price,word,day\n");
    for i in 0..rows {
        let word = ["red", "green", "blue"][i % 3];
        writeln!(
            s,
            "{},{}.25,{word},2024-01-{:02}",
            i % 200,
            i % 90,
            i % 28 + 1
        )
        .unwrap();
    }
    s.push_str(late);
    s.into_bytes()
}

/// Converts `csv` as the CLI does and checks it against two passes; returns the mode.
fn convert(csv: Vec<u8>, opts: Options) -> (String, Vec<String>) {
    let p = Plan::new(csv, opts);
    let mut out = Vec::new();
    let res = convert_seekable(Cursor::new(&p.csv), &mut out, &p.opts, |_| {}).map(|r| (r, out));
    check(&p, &res, "one pass");
    check_like_two_passes(&p, &res, "one pass");
    let (report, _) = res.unwrap();
    let types = report.columns.iter().map(|c| c.type_name.clone()).collect();
    (report.mode.to_string(), types)
}

#[test]
fn types_the_sample_decides_are_converted_in_one_pass() {
    let (mode, types) = convert(csv(5_000, ""), opts());
    assert_eq!(mode, "one-pass");
    assert_eq!(types, ["uint8", "float32", "category", "date"]);
}

#[test]
fn a_late_value_that_does_not_fit_sends_the_input_through_two_passes() {
    for (late, want) in [
        // Past a byte: a wider integer.
        (
            "300,1.25,red,2024-01-01\n",
            ["uint16", "float32", "category", "date"],
        ),
        // Negative: signed.
        (
            "-1,1.25,red,2024-01-01\n",
            ["int16", "float32", "category", "date"],
        ),
        // A word among counts: a category of 201 values.
        (
            "many,1.25,red,2024-01-01\n",
            ["category", "float32", "category", "date"],
        ),
        // A price float32 cannot hold exactly: float64.
        (
            "1,0.1000000001,red,2024-01-01\n",
            ["uint8", "float64", "category", "date"],
        ),
        // A fourth word: a larger vocabulary.
        (
            "1,1.25,purple,2024-01-01\n",
            ["uint8", "float32", "category", "date"],
        ),
        // Not a date: the column's 29 texts make a category.
        (
            "1,1.25,red,someday\n",
            ["uint8", "float32", "category", "category"],
        ),
    ] {
        let (mode, types) = convert(csv(5_000, late), opts());
        assert_eq!(mode, "two-pass", "{late}");
        assert_eq!(types, want, "{late}");
    }
}

#[test]
fn a_change_no_single_value_shows_is_caught_at_the_end() {
    // Text that becomes a category only over the whole input: the sample's 500 distinct
    // codes are too many for its rows, the whole input's are few enough.
    let mut s = String::from("code\n");
    for i in 0..20_000 {
        writeln!(s, "c{}", i % 500).unwrap();
    }
    let (mode, types) = convert(s.into_bytes(), opts());
    assert_eq!(mode, "two-pass");
    assert_eq!(types, ["category"]);
}

/// Feeds `csv` to a one-pass trial 64 KiB at a time; returns how many bytes had been fed
/// when the trial was given up, if it was before the end. Text is parsed in 64 KiB pieces,
/// so that what is processed lags what is fed by little (two blocks of pieces at most).
fn trial_given_up_at(csv: &[u8]) -> Option<usize> {
    let opts = Options {
        piece_bytes: 64 << 10,
        ..opts()
    };
    let mut sampler = Scanner::sampling(&opts, SAMPLE as u64).unwrap();
    sampler.feed(&csv[..csv.len().min(1 << 20)]).unwrap();
    let (trial, whole) = sampler.finish_sample_as_whole().unwrap();
    assert!(!whole, "the input is longer than the sample");
    let mut pass = OnePass::new(trial, &opts, Vec::new()).unwrap();
    let mut fed = 0;
    for chunk in csv.chunks(64 << 10) {
        pass.feed(chunk).unwrap();
        fed += chunk.len();
        if !pass.on_trial() {
            return Some(fed);
        }
    }
    None
}

/// How far behind what is fed the trial may notice: blocks being parsed and processed.
const LAG: u64 = 1 << 20;

#[test]
fn the_trial_ends_as_soon_as_it_is_disproved() {
    // Rows after the late one, to make the input several check intervals long.
    let mut after = String::new();
    for i in 0..(3 * CHECK_BYTES as usize / 24) {
        writeln!(after, "{},{}.25,red,2024-01-02", i % 200, i % 90).unwrap();
    }
    let late_at = csv(5_000, "").len();
    // A value that does not fit: the trial ends once its row is converted.
    let misfit = csv(5_000, &format!("300,1.25,red,2024-01-01\n{after}"));
    let at = trial_given_up_at(&misfit).expect("given up before the end");
    assert!(
        at > late_at && (at as u64) < late_at as u64 + LAG,
        "given up at {at}"
    );
    // So does a float no longer exact as float32: the trial converts it as float32.
    let inexact = csv(5_000, &format!("1,0.1000000001,red,2024-01-01\n{after}"));
    let at = trial_given_up_at(&inexact).expect("given up before the end");
    assert!(
        at > late_at && (at as u64) < late_at as u64 + LAG,
        "given up at {at}"
    );
    // Wide integers past the distinct-value cap are written without a dictionary: every
    // one fits the trial's type, but the next look at the scan ends the trial, one
    // interval in.
    let mut many = String::from("n,word\n");
    for i in 0..5_000 {
        writeln!(many, "{},w{}", 100_000 + i % 800, i % 3).unwrap();
    }
    for i in 0..(3 * CHECK_BYTES as usize / 16) {
        writeln!(many, "{},w{}", 100_000 + i, i % 3).unwrap();
    }
    let at = trial_given_up_at(many.as_bytes()).expect("given up before the end") as u64;
    assert!(
        (CHECK_BYTES..CHECK_BYTES + LAG).contains(&at),
        "given up at {at}"
    );
    let (mode, types) = convert(many.into_bytes(), opts());
    assert_eq!(mode, "two-pass");
    assert_eq!(types, ["uint32", "category"]);
    // None of this happens to an input whose types the sample decides.
    assert_eq!(trial_given_up_at(&csv(5_000, &after)), None);
}

/// The conversion vouches for the types of integers, booleans, dates, timestamps and
/// times (the scan only notes their values), so it must hold every value to what the scan
/// would: a timestamp or time written with more fraction digits than the trial's unit
/// needs the unit of its digits, even when its value fits the trial's (`.1230` in a
/// column of milliseconds).
#[test]
fn vouched_types_hold_every_value_to_what_the_scan_would() {
    let input = |late: &str| {
        let mut s = String::from("at,time,flag\n");
        for i in 0..5_000 {
            // As many distinct values in the sample as in the whole input.
            let (s60, ms) = (i % 60, i % 7 * 100 + 23);
            let flag = ["true", "FALSE"][i % 2];
            writeln!(
                s,
                "2024-01-01 10:00:{s60:02}.{ms:03},10:00:{s60:02}.5,{flag}"
            )
            .unwrap();
        }
        s.push_str(late);
        s.into_bytes()
    };
    let (mode, types) = convert(input(""), opts());
    assert_eq!(mode, "one-pass");
    assert_eq!(types, ["timestamp[ms]", "time[ms]", "bool"]);
    for (late, want) in [
        (
            "2024-01-01 10:00:00.1230,10:00:00.5,true\n",
            ["timestamp[us]", "time[ms]", "bool"],
        ),
        (
            "2024-01-01 10:00:00.123,10:00:00.5000,true\n",
            ["timestamp[ms]", "time[us]", "bool"],
        ),
        (
            "2024-01-01 10:00:00.123Z,10:00:00.5,true\n",
            ["category", "time[ms]", "bool"],
        ),
        (
            "2024-01-01 10:00:00.123,10:00:00.5,yes\n",
            ["timestamp[ms]", "time[ms]", "category"],
        ),
    ] {
        let (mode, types) = convert(input(late), opts());
        assert_eq!(mode, "two-pass", "{late}");
        assert_eq!(types, want, "{late}");
    }
}

/// A trial that fails before the end of the input is over there: the columns it vouched
/// for were never scanned, so the input must be scanned again ([`Outcome::Rescan`]). One
/// that fails only on the whole input's statistics knows the whole input's types.
#[test]
fn a_trial_that_fails_early_stops_and_has_the_input_scanned_again() {
    // Text parsed in small pieces, so that what is processed lags little behind what is fed.
    let opts = Options {
        piece_bytes: 64 << 10,
        ..opts()
    };
    let outcome = |csv: &[u8]| {
        let mut sampler = Scanner::sampling(&opts, SAMPLE as u64).unwrap();
        sampler.feed(csv).unwrap();
        let (trial, _) = sampler.finish_sample_as_whole().unwrap();
        let mut pass = OnePass::new(trial, &opts, Vec::new()).unwrap();
        let mut fed = 0;
        for chunk in csv.chunks(1 << 16) {
            if !pass.on_trial() {
                break;
            }
            pass.feed(chunk).unwrap();
            fed += chunk.len();
        }
        (pass.finish().unwrap(), fed)
    };
    let mut after = String::new();
    for i in 0..100_000 {
        writeln!(after, "{},{}.25,red,2024-01-02", i % 200, i % 90).unwrap();
    }
    let misfit = csv(5_000, &format!("300,1.25,red,2024-01-01\n{after}"));
    let (end, fed) = outcome(&misfit);
    assert!(matches!(end, Outcome::Rescan { .. }), "a misfit");
    assert!(fed < misfit.len() / 2, "fed {fed} of {}", misfit.len());
    // Codes that repeat enough for a category only over the whole input.
    let mut codes = String::from("code\n");
    for i in 0..20_000 {
        writeln!(codes, "c{}", i % 500).unwrap();
    }
    let (end, _) = outcome(codes.as_bytes());
    let Outcome::Again { inference, .. } = end else {
        panic!("a category only at the very end");
    };
    let types: Vec<String> = inference.columns.iter().map(|c| c.kind.name()).collect();
    assert_eq!(types, ["category"]);
    assert!(matches!(outcome(&csv(5_000, "")).0, Outcome::Done(..)));
}

#[test]
fn late_invalid_utf8_makes_the_input_windows_1252() {
    let mut csv = csv(5_000, "");
    csv.extend_from_slice(b"1,1.25,caf\xe9,2024-01-01\n");
    let p = Plan::new(csv, opts());
    let two = run_two_passes(&p).unwrap();
    assert_eq!(two.0.dialect.encoding, parquetry::Encoding::Windows1252);
    let (mode, _) = convert(p.csv, opts());
    assert_eq!(mode, "two-pass");
}

#[test]
fn a_category_on_trial_is_read_in_the_encoding_of_the_whole_input() {
    // The category's values are UTF-8 until a late byte in another column makes the input
    // windows-1252. The byte ends the trial at its row (the text column cannot hold it);
    // whichever way, the category must come out as two passes read it.
    let mut s = String::from("city,note\n");
    for i in 0..5_000 {
        let city = ["Zürich", "Genève", "Bern"][i % 3];
        writeln!(s, "{city},note {i}").unwrap();
    }
    let mut csv = s.into_bytes();
    csv.extend_from_slice(b"Bern,caf\xe9\n");
    let (mode, types) = convert(csv, opts());
    assert_eq!(mode, "two-pass");
    assert_eq!(types, ["category", "text"]);
}

#[test]
fn distinct_bytes_booleans_and_null_tokens_are_counted_as_the_scan_counts_them() {
    // The conversion counts the distinct values of a column of bytes or booleans for the
    // scan: integers by value, booleans and null tokens by their text, here some only
    // after the sample. The check against two passes compares the counts.
    for late in ["", "7,-3,TRUE\nnull,NULL,null\n200,NA,False\n"] {
        let mut s = String::from("small,signed,flag\n");
        for i in 0..5_000 {
            let small = match i % 7 {
                0 => "NA".to_string(),
                _ => (i % 50).to_string(),
            };
            let flag = ["true", "false", "True", "NA"][i % 4];
            writeln!(s, "{small},{},{flag}", (i % 40) as i32 - 20).unwrap();
        }
        s.push_str(late);
        let (mode, types) = convert(s.into_bytes(), opts());
        assert_eq!(mode, "one-pass", "{late:?}");
        assert_eq!(types, ["uint8", "int8", "bool"], "{late:?}");
    }
}

#[test]
fn floats_on_trial_are_reported_as_two_passes_report_them() {
    // The conversion checks floats for exactness and notes their decimals for the scan:
    // here NaN, exponents, trailing zeros and a late value with more decimals than the
    // sample's, in a float32 and a float64 column.
    let mut s = String::from("small,wide\n");
    for i in 0..5_000 {
        let small = ["1.5", "2.25", "NaN", "1e3", "-0.125", ""][i % 6];
        writeln!(s, "{small},{}", 0.1 + (i % 300) as f64 / 7.0).unwrap();
    }
    s.push_str("3.1250,1.5e-7\n-inf,0.30000000000000004\n");
    let (mode, types) = convert(s.clone().into_bytes(), opts());
    assert_eq!(mode, "one-pass");
    assert_eq!(types, ["float32", "float64"]);
    // A null token is no value: its digits after the point count for nothing.
    s.push_str("-999.00000,-999.00000\n");
    let opts = Options {
        null_tokens: vec!["-999.00000".into()],
        ..opts()
    };
    let (mode, types) = convert(s.into_bytes(), opts);
    assert_eq!(mode, "one-pass");
    assert_eq!(types, ["float32", "float64"]);
}

#[test]
fn rejected_rows_are_reported_once_whichever_way_the_trial_ends() {
    for late in ["", "300,1.25,red,2024-01-01\n"] {
        let mut csv = csv(5_000, "1,2\n");
        csv.extend_from_slice(late.as_bytes());
        let opts = Options {
            bad_rows: BadRows::Collect,
            ..opts()
        };
        let p = Plan::new(csv, opts);
        let mut out = Vec::new();
        let report = convert_seekable(Cursor::new(&p.csv), &mut out, &p.opts, |_| {}).unwrap();
        assert_eq!(report.rows_rejected, 1, "{late}");
        assert_eq!(report.rejected.len(), 1, "{late}");
        assert_eq!(report.rejected[0].line, 5_002, "{late}");
        check_like_two_passes(&p, &Ok((report, out)), late);
    }
}

#[test]
fn a_forced_type_the_sample_reads_otherwise_is_decided_by_the_whole_input() {
    // A forced timestamp's unit comes from the data: milliseconds in the sample, then a
    // value with microseconds.
    let mut s = String::from("at\n");
    for i in 0..2_000 {
        writeln!(s, "2024-01-01T00:00:{:02}.123", i % 60).unwrap();
    }
    s.push_str("2024-01-01T00:00:00.123456\n");
    let opts = Options {
        types: vec![("at".into(), TypeOverride::Timestamp)],
        ..opts()
    };
    let (mode, types) = convert(s.into_bytes(), opts);
    assert_eq!(mode, "two-pass");
    assert_eq!(types, ["timestamp[us]"]);
}

#[test]
fn a_file_given_up_on_is_truncated_and_written_again() {
    let csv = csv(20_000, "70000,1.25,red,2024-01-01\n");
    let p = Plan::new(csv, opts());
    let path =
        std::env::temp_dir().join(format!("parquetry-onepass-{}.parquet", std::process::id()));
    let file = std::fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    let mut out = std::io::BufWriter::new(file);
    let report = convert_seekable(Cursor::new(&p.csv), &mut out, &p.opts, |_| {}).unwrap();
    assert_eq!(report.mode, "two-pass");
    let mut file = out.into_inner().unwrap();
    file.seek(SeekFrom::Start(0)).unwrap();
    let mut written = Vec::new();
    file.read_to_end(&mut written).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(written.len() as u64, report.bytes_out);
    let (_, two) = run_two_passes(&p).unwrap();
    assert!(
        written == two,
        "the file holds exactly the second pass's output"
    );
}

mod random {
    use super::*;
    use proptest::prelude::*;

    /// Shapes of values: a column is a run of one, with a few values of others mixed in
    /// (or none), anywhere: the trial's sample may or may not see what changes its type.
    fn shapes() -> Vec<BoxedStrategy<String>> {
        vec![
            (0u32..200).prop_map(|v| v.to_string()).boxed(),
            (0u32..70_000).prop_map(|v| v.to_string()).boxed(),
            (-5i32..0).prop_map(|v| v.to_string()).boxed(),
            (0u32..10_000)
                .prop_map(|v| format!("{}.{:02}", v / 100, v % 100))
                .boxed(),
            Just("0.1000000001".to_string()).boxed(),
            (1u32..28).prop_map(|d| format!("2024-02-{d:02}")).boxed(),
            prop::sample::select(vec!["red", "green", "blue"])
                .prop_map(String::from)
                .boxed(),
            "[a-z]{1,6}".boxed(),
            Just(String::new()).boxed(),
            Just("NA".to_string()).boxed(),
            Just("caf\u{e9}".to_string()).boxed(),
        ]
    }

    fn column(rows: usize) -> impl Strategy<Value = Vec<String>> {
        let n = shapes().len();
        (
            0..n,
            0..n,
            prop::sample::select(vec![0.0, 0.0005, 0.002, 0.03]),
        )
            .prop_flat_map(move |(base, other, rate)| {
                let (base, other) = (shapes()[base].clone(), shapes()[other].clone());
                proptest::collection::vec(
                    (prop::bool::weighted(rate), base, other)
                        .prop_map(|(odd, b, o)| if odd { o } else { b }),
                    rows,
                )
            })
    }

    /// Rows of three such columns.
    fn table() -> impl Strategy<Value = Vec<[String; 3]>> {
        (100usize..3000).prop_flat_map(|rows| {
            (column(rows), column(rows), column(rows)).prop_map(|(a, b, c)| {
                a.into_iter()
                    .zip(b)
                    .zip(c)
                    .map(|((a, b), c)| [a, b, c])
                    .collect()
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        /// Whatever the table and wherever its types change, a seekable conversion writes
        /// two passes' bytes (`check_like_two_passes`), whether its trial holds or not.
        #[test]
        fn one_pass_or_two_the_output_is_two_passes(
            rows in table(),
            sample in 1usize..300,
            bad_rows in prop::sample::select(vec![BadRows::Error, BadRows::Skip, BadRows::Collect]),
            ragged in proptest::option::of(0usize..2000),
        ) {
            let mut s = String::from("a,b,c\n");
            for (i, r) in rows.iter().enumerate() {
                if ragged == Some(i) {
                    s.push_str("1,2\n");
                }
                writeln!(s, "{},{},{}", r[0], r[1], r[2]).unwrap();
            }
            let opts = Options { sample_rows: sample, bad_rows, ..Options::default() };
            let p = Plan::new(s.into_bytes(), opts);
            let mut out = Vec::new();
            let res = convert_seekable(Cursor::new(&p.csv), &mut out, &p.opts, |_| {})
                .map(|r| (r, out));
            check(&p, &res, "random");
            check_like_two_passes(&p, &res, "random");
        }
    }
}
