//! Replays every input of `tests/fuzz-cases/*.bin` (crashes found by the `convert` fuzz
//! target in `crate/fuzz/`, and hand-made tricky inputs) through the fuzz target's checks.
//!
//! A case file has the fuzz target's layout: 8 header bytes that choose the options (see
//! `crate/fuzz/fuzz_targets/convert.rs` for the table), then the CSV bytes. Each case runs
//! with the options its header gives, then again under every bad-row policy, in both modes,
//! whole and (for small inputs) fed in chunks of 1..=8 bytes; every chunked result must equal
//! the whole one.
//!
//! The decoding and checks are the fuzz target's own (`tests/fuzz_check/mod.rs`).

mod fuzz_check;

use fuzz_check::*;
use parquetry::{BadRows, Codec, Options};
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// The fuzz target's body, for one input.
fn fuzz_one(p: &Plan, name: &str) {
    let whole = run_whole(p);
    check(p, &whole, &format!("{name}: whole"));
    check_like_two_passes(p, &whole, &format!("{name}: whole"));
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
            check_like_two_passes(&p, &whole, &format!("{how} whole"));
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

/// Found by the fuzzer as a hang: naming columns was cubic in a header of repeated names
/// (`a,a,a,…` : every duplicate retried `a_2`, `a_3`, … each against every name so far) and
/// quadratic without a header. 3000 repeated names (12 KB) must take well under a second;
/// the bound is loose so a slow machine does not fail it, and the conversion runs on its own
/// thread so a regression fails the test instead of hanging it.
#[test]
fn many_repeated_header_names_are_named_fast() {
    let n = 3000;
    let mut csv = vec![b'a'];
    for _ in 1..n {
        csv.extend_from_slice(b",a");
    }
    csv.push(b'\n');
    for i in 0..n {
        if i > 0 {
            csv.push(b',');
        }
        csv.push(b'1');
    }
    csv.push(b'\n');
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let opts = Options {
            compression: Codec::None,
            ..Options::default()
        };
        let r = parquetry::inspect(Cursor::new(csv), &opts).map(|i| {
            let names: Vec<String> = i.columns.iter().map(|c| c.name.clone()).collect();
            names
        });
        let _ = tx.send(r);
    });
    let names = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("naming 3000 columns called `a` took over 20 s: column_names is super-linear")
        .expect("inspect failed");
    assert_eq!(names.len(), n);
    assert_eq!(names[0], "a");
    assert_eq!(names[1], "a_2");
    assert_eq!(names[n - 1], format!("a_{n}"));
    let distinct: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(distinct.len(), n, "column names are not unique");
}
