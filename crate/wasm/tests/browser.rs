//! The bindings in headless Chromium (single-threaded build), fed from a real browser
//! `ReadableStream` in small chunks, with the output assembled into a `Blob`.
//! Run by scripts/test.sh: `cargo test -p parquetry-wasm --target wasm32-unknown-unknown`
//! with wasm-bindgen-test-runner and Debian's chromedriver.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect, Uint8Array};
use parquetry_wasm::bindings::{heap_bytes, JsSession};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Blob, ReadableStreamDefaultReader};

wasm_bindgen_test_configure!(run_in_browser);

fn csv(rows: usize) -> String {
    let mut s = String::from("zip,qty,day,city\n");
    for i in 0..rows {
        let city = ["Oslo", "Bern", "Rome"][i % 3];
        s += &format!(
            "{:05},{},2024-01-{:02},{city}\n",
            i * 7 % 100_000,
            i % 200,
            i % 28 + 1
        );
    }
    s
}

fn blob_of(parts: &[&[u8]]) -> Blob {
    let seq = Array::new();
    for p in parts {
        seq.push(&Uint8Array::from(*p));
    }
    Blob::new_with_u8_array_sequence(&seq).unwrap()
}

/// Feeds one pass of `blob` through its browser stream, in the chunks the browser gives.
async fn feed_stream(
    session: &mut JsSession,
    blob: &Blob,
    out: &mut Vec<Vec<u8>>,
) -> Result<usize, JsValue> {
    let reader: ReadableStreamDefaultReader = blob.stream().get_reader().unchecked_into();
    let mut chunks = 0;
    loop {
        let r = JsFuture::from(reader.read()).await?;
        if Reflect::get(&r, &"done".into())?.as_bool() == Some(true) {
            return Ok(chunks);
        }
        let chunk: Uint8Array = Reflect::get(&r, &"value".into())?.unchecked_into();
        // Cut the browser's chunk smaller still: the engine must not care where cuts fall.
        let bytes = chunk.to_vec();
        for piece in bytes.chunks(997) {
            session.feed(piece.to_vec())?;
            chunks += 1;
            let o = session.take_output().to_vec();
            if !o.is_empty() {
                out.push(o);
            }
        }
    }
}

async fn blob_bytes(blob: &Blob) -> Vec<u8> {
    Uint8Array::new(&JsFuture::from(blob.array_buffer()).await.unwrap()).to_vec()
}

fn report_field(json: &str, key: &str) -> String {
    let v = js_sys::JSON::parse(json).unwrap();
    let f = Reflect::get(&v, &key.into()).unwrap();
    js_sys::JSON::stringify(&f).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
async fn two_passes_over_a_chunked_stream_make_a_parquet_blob() {
    let text = csv(20_000);
    let input = blob_of(&[text.as_bytes()]);
    let mut s = JsSession::new("{\"rowGroupRows\": 5000}", "two-pass").unwrap();
    let mut parts = Vec::new();
    let chunks = feed_stream(&mut s, &input, &mut parts).await.unwrap();
    assert!(chunks > 10, "only {chunks} chunks");
    assert!(parts.is_empty(), "the scan pass writes nothing");
    let inference = s.end_scan().unwrap();
    assert!(inference.contains("\"uint8\""), "{inference}");
    feed_stream(&mut s, &input, &mut parts).await.unwrap();
    let report = s.finish().unwrap();
    parts.push(s.take_output().to_vec());
    let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
    let output = blob_of(&refs);
    assert_eq!(report_field(&report, "rows_written"), "20000");
    assert_eq!(report_field(&report, "row_groups"), "4");
    assert_eq!(
        report_field(&report, "bytes_out"),
        output.size().to_string()
    );
    let bytes = blob_bytes(&output).await;
    assert_eq!(&bytes[..4], b"PAR1");
    assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
    assert!(
        report.contains("\"type\":\"text\""),
        "zip codes keep their zeros: {report}"
    );
}

/// Both passes of `text`; the final report.
async fn convert(text: &str) -> String {
    let input = blob_of(&[text.as_bytes()]);
    let mut s = JsSession::new("{}", "two-pass").unwrap();
    let mut parts = Vec::new();
    feed_stream(&mut s, &input, &mut parts).await.unwrap();
    s.end_scan().unwrap();
    feed_stream(&mut s, &input, &mut parts).await.unwrap();
    s.finish().unwrap()
}

#[wasm_bindgen_test]
async fn a_session_reports_its_own_peak_heap_not_an_earlier_ones() {
    let peak = |report: &str| {
        report_field(report, "peak_heap_bytes")
            .parse::<u64>()
            .unwrap()
    };
    let big = peak(&convert(&csv(200_000)).await);
    let small = peak(&convert(&csv(10)).await);
    assert!(small > 0 && small * 2 < big, "small {small}, big {big}");
}

#[wasm_bindgen_test]
async fn a_late_misfit_in_stream_mode_is_a_json_error_with_line_column_value() {
    let mut text = csv(50);
    text += "99999,lots,2024-02-02,Oslo\n";
    let input = blob_of(&[text.as_bytes()]);
    let mut s = JsSession::new("{\"sampleRows\": 10}", "stream").unwrap();
    let mut parts = Vec::new();
    let err = match feed_stream(&mut s, &input, &mut parts).await {
        Err(e) => e,
        Ok(_) => s.finish().unwrap_err(),
    };
    let json = err.as_string().expect("errors are JSON text");
    assert_eq!(report_field(&json, "code"), "\"bad_row\"");
    assert_eq!(report_field(&json, "line"), "52");
    assert_eq!(report_field(&json, "column"), "\"qty\"");
    assert_eq!(report_field(&json, "value"), "\"lots\"");
    let bad = JsSession::new("{\"compression\": \"rar\"}", "two-pass")
        .err()
        .unwrap();
    assert_eq!(
        report_field(&bad.as_string().unwrap(), "code"),
        "\"options\""
    );
}

/// Starts a stream conversion, feeds it the browser's first chunk, then cancels the read
/// and drops the session, as the worker does on abort. Returns the heap while it was live.
async fn cancel_midway(input: &Blob) -> f64 {
    let mut s = JsSession::new("{}", "stream").unwrap();
    let reader: ReadableStreamDefaultReader = input.stream().get_reader().unchecked_into();
    let r = JsFuture::from(reader.read()).await.unwrap();
    let chunk: Uint8Array = Reflect::get(&r, &"value".into()).unwrap().unchecked_into();
    s.feed(chunk.to_vec()).unwrap();
    let live = heap_bytes()[0];
    let _ = JsFuture::from(reader.cancel()).await;
    drop(s);
    live
}

#[wasm_bindgen_test]
async fn cancelling_midway_gives_the_memory_back() {
    let text = csv(30_000);
    let input = blob_of(&[text.as_bytes()]);
    // The first run may leave one-time allocations (lazy tables, allocator arenas) behind;
    // those are not a leak. Every later cancelled run must return to the same level.
    cancel_midway(&input).await;
    let settled = heap_bytes()[0];
    for _ in 0..3 {
        let live = cancel_midway(&input).await;
        assert!(
            live > settled + 100_000.0,
            "the session held data: {live} vs {settled}"
        );
        let after = heap_bytes()[0];
        assert!(
            after <= settled,
            "heap {settled} → {after} after a cancelled session"
        );
    }
}

/// The engine's vector code as the shipped builds compile it (scripts/test.sh builds these
/// tests with wasm SIMD, as scripts/build-web.sh builds the package): the same answers as
/// byte by byte.
#[wasm_bindgen_test]
fn vector_code_agrees_with_byte_by_byte() {
    const {
        assert!(
            cfg!(target_feature = "simd128"),
            "tests built without wasm SIMD"
        )
    };
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for len in [0, 1, 63, 64, 65, 200] {
        let mut b = vec![b'a'; len];
        assert!(parquetry::batch::is_ascii(&b));
        for i in 0..len {
            b[i] = 0x80 | (next() as u8);
            assert!(!parquetry::batch::is_ascii(&b), "{len} {i}");
            b[i] = b'a';
        }
    }
    let needles = [b',', b'\n', b'\r', b'"'];
    for _ in 0..1000 {
        let block: Vec<u8> = (0..64)
            .map(|_| b",\n\r\"a\xff"[(next() % 6) as usize])
            .collect();
        let want = block
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, c)| m | u64::from(needles.contains(c)) << i);
        assert_eq!(parquetry::masks::any_of(&block, needles), want);
        let each = |n: u8| {
            block
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, &c)| m | u64::from(c == n) << i)
        };
        assert_eq!(
            parquetry::masks::each_of(&block, [b'"', b'\n']),
            [each(b'"'), each(b'\n')]
        );
        assert_eq!(
            parquetry::masks::one_and_others(&block, needles),
            [each(b','), want & !each(b',')]
        );
    }
}
