#!/usr/bin/env bash
# Every test of the project, from a clean clone: formatting, lints, Rust unit, property and
# regression tests, then the read-back suite (pyarrow and pandas reading our Parquet).
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
