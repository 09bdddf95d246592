#!/usr/bin/env bash
# Every test of the project, from a clean clone: formatting, lints, Rust unit, property and
# regression tests, the read-back suite (pyarrow and pandas reading our Parquet), then the
# npm package: wasm builds, the read-back suite again through its Node CLI, and headless
# Chromium tests of both wasm builds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "rustfmt"
cargo fmt --all --check
step "clippy"
cargo clippy --locked --all-targets -- -D warnings
step "cargo test"
cargo test --locked
step "release build for the read-back suite"
cargo build --release --locked --bin parquetry
step "read-back suite (pyarrow, pandas)"
PARQUETRY_BIN="$PWD/target/release/parquetry" python3 -m pytest crate/tests/readback -q -p no:cacheprovider
step "npm package: wasm builds and TypeScript"
bash scripts/build-web.sh
# The single-threaded wasm build as scripts/build-web.sh makes it: wasm SIMD, C by clang.
wasm_st=(CC_wasm32_unknown_unknown=clang-14 AR_wasm32_unknown_unknown=llvm-ar-14
  RUSTFLAGS="-C target-feature=+simd128,+bulk-memory" CFLAGS_wasm32_unknown_unknown="-msimd128 -mbulk-memory")
step "clippy of the wasm bindings and their tests (wasm32 with SIMD; the threaded build's few lines need nightly's atomics)"
env "${wasm_st[@]}" cargo clippy --locked -p parquetry-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings
step "wasm-bindgen tests of the bindings (single-threaded build with wasm SIMD, as shipped; headless Chromium)"
env "${wasm_st[@]}" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test --locked -p parquetry-wasm --target wasm32-unknown-unknown
step "TypeScript types of the tests' view of the package"
npx tsc -p web/tsconfig.json --noEmit
step "TypeScript types of the web app"
npx tsc -p web/app/tsconfig.json
step "read-back suite through the npm CLI (wasm in Node)"
PARQUETRY_BIN="$PWD/tests/node/parquetry-node" python3 -m pytest crate/tests/readback -q -p no:cacheprovider
step "browser tests (headless Chromium: threaded and single-threaded builds)"
node --test --test-concurrency=1 tests/browser/
step "the packed package in a fresh Vite app (npm pack, install, vite build, vite preview with and without COOP/COEP)"
node --test tests/vite-app/
step "the web app in Chromium (vite build + preview: preview, overrides, convert, save, cancel, errors, markup as text)"
node --test tests/app/app.test.mjs
step "the web app offline (service worker, COOP/COEP from the service worker)"
node --test tests/app/offline.test.mjs
