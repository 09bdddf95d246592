#!/usr/bin/env bash
# The main job: converts a CSV file (the bundled sample when none is given) to Parquet with
# the native command line, and prints what it found.
#   npm start                      # web/public/sample.csv → out/sample.parquet
#   npm start -- data.csv [flags]  # data.csv → out/data.parquet, flags passed to parquetry
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

input=web/public/sample.csv
if (($#)) && [[ $1 != -* ]]; then
  input=$1
  shift
fi
mkdir -p out
output=out/$(basename "${input%.*}").parquet

cargo build --release --locked --quiet --bin parquetry
./target/release/parquetry "$input" -o "$output" --json "$@" >out/report.json
python3 - "$output" <<'PY'
import json, sys
r = json.load(open("out/report.json"))
print(f"{r['rows_written']} rows written, {r['rows_rejected']} rejected: "
      f"{r['bytes_in'] / 1e6:.2f} MB of CSV → {r['bytes_out'] / 1e6:.2f} MB of Parquet ({sys.argv[1]})")
d = r["dialect"]
print(f"dialect: delimiter {d['delimiter']!r}, header {d['header']}, {d['line_ending']}, {d['encoding']}\n")
print(f"{'column':<24} {'type':<22} {'nulls':>7}  range")
for c in r["columns"]:
    rng = f"{c['min']} … {c['max']}" if c["min"] is not None else ""
    print(f"{c['name'][:24]:<24} {c['type']:<22} {c['nulls']:>7}  {rng[:60]}")
print("\nfull report: out/report.json")
PY
