//! WebAssembly bindings: the engine's push API, driven chunk by chunk from JavaScript.
//!
//! JavaScript owns all I/O (Blob streams, `WritableStream`s, files in Node): it feeds input
//! chunks, drains the Parquet bytes produced so far after each one, and asks for progress.
//! Nothing here touches the network or the DOM, so the same build serves a Web Worker and
//! Node. Everything is exchanged as JSON text, parsed on the JavaScript side, so the two
//! sides share one schema: the native CLI's `--json` report.

mod session;

pub use session::{Session, SessionError};

/// `initThreadPool(n)` for JavaScript (threaded build): starts n Web Workers sharing memory.
#[cfg(all(target_arch = "wasm32", feature = "threads"))]
pub use wasm_bindgen_rayon::init_thread_pool;

#[cfg(target_arch = "wasm32")]
pub mod bindings {
    use super::{Session, SessionError};
    use wasm_bindgen::prelude::*;

    #[global_allocator]
    static ALLOC: parquetry::alloc::CountingAlloc = parquetry::alloc::CountingAlloc;

    fn to_js(e: SessionError) -> JsValue {
        // A JSON object the JavaScript side turns into a typed `ParquetryError`.
        JsValue::from_str(&e.to_json())
    }

    /// One conversion (or inspection). `mode`: "one-pass" (a sample, then `end_sample`, then
    /// a trial of its types over the whole input: see `end_trial`), "two-pass" (scan, then
    /// `end_scan`, then the same bytes again), "stream" (one pass, types from a sample),
    /// "inspect" or "preview".
    #[wasm_bindgen(js_name = Session)]
    pub struct JsSession(Session);

    #[wasm_bindgen(js_class = Session)]
    impl JsSession {
        #[wasm_bindgen(constructor)]
        pub fn new(options_json: &str, mode: &str) -> Result<JsSession, JsValue> {
            let mut session = Session::new(options_json, mode).map_err(to_js)?;
            // The threaded build works on a chunk while JavaScript reads the next one.
            session.background = cfg!(feature = "threads");
            Ok(JsSession(session))
        }

        /// Consumes one input chunk (copied into wasm memory by the binding). The threaded
        /// build returns at once and works on it alongside; an error in it comes back from the
        /// next call.
        pub fn feed(&mut self, chunk: Vec<u8>) -> Result<(), JsValue> {
            self.0.feed_owned(chunk).map_err(to_js)
        }

        /// Ends the scan pass; returns the inference as JSON. In two-pass mode the caller
        /// then feeds the same input again.
        pub fn end_scan(&mut self) -> Result<String, JsValue> {
            self.0.end_scan().map_err(to_js)
        }

        /// A "one-pass" session's sample is complete (`has_sample`) or the input ended: returns
        /// what to feed next, the whole input from its start, as a JSON string: "trial"
        /// (then `end_trial`) or "convert" (then `finish`).
        pub fn end_sample(&mut self) -> Result<String, JsValue> {
            self.0.end_sample().map_err(to_js)
        }

        /// The trial failed: the rest of the input need not be fed before `end_trial`.
        pub fn trial_failed(&self) -> bool {
            self.0.trial_failed()
        }

        /// Ends a one-pass trial: `{"next": "done" | "convert" | "scan", "discard": n}`. Drop
        /// the last `n` output bytes taken; then "done": `finish`; "convert": feed the input
        /// again, `finish`; "scan": feed it, `end_scan`, feed it again, `finish`.
        pub fn end_trial(&mut self) -> Result<String, JsValue> {
            self.0.end_trial().map_err(to_js)
        }

        /// Parquet bytes produced since the last call, copied out of wasm memory.
        pub fn take_output(&mut self) -> js_sys::Uint8Array {
            self.0
                .take_output_with(|bytes| js_sys::Uint8Array::from(bytes))
        }

        /// A "preview" session has its sample rows: stop feeding, call `end_scan`.
        pub fn has_sample(&mut self) -> bool {
            self.0.has_sample()
        }

        /// `{phase, bytes, rows, heapBytes, peakHeapBytes}` as JSON.
        pub fn progress(&self) -> String {
            self.0.progress_json()
        }

        /// Ends the input and writes the footer; returns the final report as JSON. The last
        /// bytes are left for `take_output`.
        pub fn finish(&mut self) -> Result<String, JsValue> {
            self.0.finish().map_err(to_js)
        }
    }

    /// Current and peak heap bytes of this wasm instance, from the counting allocator.
    #[wasm_bindgen(js_name = heapBytes)]
    pub fn heap_bytes() -> Vec<f64> {
        vec![
            parquetry::alloc::live_bytes() as f64,
            parquetry::alloc::peak_bytes() as f64,
        ]
    }
}
