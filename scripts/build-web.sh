#!/usr/bin/env bash
# Builds the npm package in web/dist: both wasm builds of the engine (single-threaded and
# threaded) through wasm-bindgen, then the TypeScript. Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1m[build-web]\033[0m %s\n' "$*" >&2; }

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
if [[ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]]; then
  log "installing wasm-bindgen-cli $want (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$want"
fi
if ! command -v clang-14 >/dev/null || ! command -v llvm-ar-14 >/dev/null; then
  log "installing clang and lld (zstd's C code is compiled for wasm32)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang lld >/dev/null
fi
[[ -d node_modules/typescript ]] || npm ci --no-fund --no-audit

export CC_wasm32_unknown_unknown=clang-14 AR_wasm32_unknown_unknown=llvm-ar-14
# Both builds use wasm SIMD and bulk memory (every current browser has them): memchr's
# searches for record ends and delimiters and zstd's loops run 16 bytes at a time, and
# memcpy is one instruction instead of a byte loop.
simd_flags=(-C target-feature=+simd128,+bulk-memory)
log "wasm, single-threaded"
RUSTFLAGS="${simd_flags[*]}" CFLAGS_wasm32_unknown_unknown="-msimd128 -mbulk-memory" \
  cargo build --locked -p parquetry-wasm --profile wasm --target wasm32-unknown-unknown
wasm-bindgen --target web --out-dir web/src/wasm/st --out-name parquetry_wasm \
  target/wasm32-unknown-unknown/wasm/parquetry_wasm.wasm

log "wasm, threaded (nightly, atomics; its own target dir so other builds keep their cache)"
rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src' \
  || rustup component add rust-src --toolchain nightly
rustup target list --toolchain nightly --installed | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown --toolchain nightly
threaded_flags=(-C target-feature=+atomics,+bulk-memory,+simd128)
for a in --shared-memory --max-memory=4294967296 --import-memory --export=__wasm_init_tls \
  --export=__tls_size --export=__tls_align --export=__tls_base --export=__heap_base; do
  threaded_flags+=(-C "link-arg=$a")
done
RUSTFLAGS="${threaded_flags[*]}" CFLAGS_wasm32_unknown_unknown="-matomics -mbulk-memory -msimd128" \
  cargo +nightly build --locked -p parquetry-wasm --features threads --profile wasm \
  --target wasm32-unknown-unknown --target-dir target/wasm-mt -Z build-std=panic_abort,std
wasm-bindgen --target web --out-dir web/src/wasm/mt --out-name parquetry_wasm \
  target/wasm-mt/wasm32-unknown-unknown/wasm/parquetry_wasm.wasm
# wasm-bindgen-rayon's helper worker imports its package root ('../../..'): give the
# bindgen output folder a package.json, as wasm-pack would.
printf '{"name":"parquetry-wasm-mt","type":"module","main":"parquetry_wasm.js","module":"parquetry_wasm.js","sideEffects":false}\n' \
  > web/src/wasm/mt/package.json

log "TypeScript"
rm -rf web/dist
npx tsc -p web/tsconfig.json
mkdir -p web/dist/wasm
cp -r web/src/wasm/st web/src/wasm/mt web/dist/wasm/
