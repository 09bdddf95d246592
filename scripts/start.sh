#!/usr/bin/env bash
# The main job.
#   npm start                      # builds the web app and serves it on http://127.0.0.1:4173
#                                  # (…/?sample opens it on the bundled sample); dist/ is the
#                                  # static site, ready for any host
#   npm start -- data.csv [flags]  # converts a file on the command line instead:
#                                  # data.csv → out/data.parquet, flags passed to parquetry
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

if (($# == 0)); then
  bash scripts/build-web.sh
  node node_modules/vite/bin/vite.js build --logLevel warn
  echo
  echo "parquetry is running: open http://127.0.0.1:4173/?sample (the bundled sample) or"
  echo "http://127.0.0.1:4173/ and drop your own CSV. The static site is in dist/. Ctrl-C stops."
  exec node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port 4173 --strictPort
fi

input=$1
shift
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
