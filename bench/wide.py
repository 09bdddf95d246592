#!/usr/bin/env python3
"""Wide-file benchmark: parquetry vs Polars on a CSV with many columns (-> zstd Parquet).

    python3 bench/wide.py                              # 2000 columns, ~50 MB, 5 runs each
    python3 bench/wide.py --cols 500 --mb 10 --runs 1  # quick check
    python3 bench/wide.py --runs 3 --write BENCHMARKS.md

The CSV is generated once (seeded) and cached as bench/out/wide_<cols>c_<mb>mb_v1.csv;
Parquet outputs also go to bench/out/ (git-ignored). The machine is shared and noisy, so
the report leads with ours/Polars ratios measured in the same run (tools alternate per run).
Standard library + polars/pyarrow. MB = 10^6 bytes. Binary: $PARQUETRY_BIN or
target/release/parquetry.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
DEFAULT_BIN = REPO / "target" / "release" / "parquetry"
MB = 1_000_000
SEED = 20240601
GEN_VERSION = 1
CHUNK_ROWS = 256
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet".split()
KINDS = ("small_int", "signed_int", "dec2", "float", "category", "bool")  # cycled by column
NULL_EVERY = 5  # every 5th column (c0004, c0009, ...) has ~10% empty fields; hits all kinds

POLARS_CHILD = r"""
import json, sys, time
import polars as pl
t0 = time.perf_counter()
pl.scan_csv(sys.argv[1]).sink_parquet(sys.argv[2], compression="zstd")
print(json.dumps({"work_s": time.perf_counter() - t0, "version": pl.__version__}))
"""


def log(msg: str) -> None:
    print(f"[wide] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ data

def _column(kind: int, rnd: random.Random, n: int) -> list[str]:
    r = rnd.random
    if kind == 0:
        return [str(int(r() * 1001)) for _ in range(n)]
    if kind == 1:
        return [str(int(r() * 200_001) - 100_000) for _ in range(n)]
    if kind == 2:
        return [f"{r() * 10_000:.2f}" for _ in range(n)]
    if kind == 3:
        return [repr(rnd.gauss(0.0, 1000.0)) for _ in range(n)]
    if kind == 4:
        return rnd.choices(WORDS, k=n)
    return ["true" if r() < 0.6 else "false" for _ in range(n)]


def _chunk(seed: int, index: int, cols: int, n: int) -> str:
    rnd = random.Random(f"{seed}:{index}")
    columns = []
    for c in range(cols):
        col = _column(c % len(KINDS), rnd, n)
        if c % NULL_EVERY == NULL_EVERY - 1:
            col = ["" if rnd.random() < 0.10 else v for v in col]
        columns.append(col)
    return "".join(",".join(row) + "\n" for row in zip(*columns))


def dataset_path(cols: int, mb: int, seed: int) -> Path:
    tag = "" if seed == SEED else f"_s{seed}"
    return OUT_DIR / f"wide_{cols}c_{mb}mb_v{GEN_VERSION}{tag}.csv"


def ensure_dataset(cols: int, mb: int, seed: int) -> Path:
    path = dataset_path(cols, mb, seed)
    if path.exists():
        return path
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    t0, target = time.perf_counter(), mb * MB
    tmp = path.with_suffix(f".csv.tmp{os.getpid()}")
    rows = chunk = 0
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(f"c{i:04d}" for i in range(cols)) + "\n")
        head = fh.tell()
        while fh.tell() < target:
            n = CHUNK_ROWS
            if rows:  # size the last chunk from the bytes per row seen so far
                per_row = (fh.tell() - head) / rows
                n = max(1, min(CHUNK_ROWS, round((target - fh.tell()) / per_row)))
            fh.write(_chunk(seed, chunk, cols, n))
            rows, chunk = rows + n, chunk + 1
    os.replace(tmp, path)
    log(f"generated {path.name}: {path.stat().st_size / MB:.1f} MB, {rows:,} rows, "
        f"{cols} cols in {time.perf_counter() - t0:.1f} s")
    return path


def warm_and_count(path: Path) -> int:
    """Read the whole file (warms the page cache) and return the number of data rows."""
    lines = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 24):
            lines += block.count(b"\n")
    return lines - 1  # header; the generator never writes quoted newlines


# ------------------------------------------------------------------------------ runs

def timed(cmd: list[str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run cmd under /usr/bin/time -v; return (process, wall s, peak RSS bytes)."""
    fd, stats = tempfile.mkstemp(prefix="wide_time_", dir=OUT_DIR)
    os.close(fd)
    try:
        p = subprocess.run(["/usr/bin/time", "-v", "-o", stats, *cmd],
                           capture_output=True, text=True)
        text = Path(stats).read_text()
    finally:
        os.unlink(stats)
    m = re.search(r"Elapsed \(wall clock\) time.*?:\s*(?:(\d+):)?(\d+):([\d.]+)\s*$", text, re.M)
    wall = (int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))) if m else float("nan")
    m = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", text)
    rss = int(m.group(1)) * 1024 if m else float("nan")
    return p, wall, rss


def run_once(tool: str, binary: Path, inp: Path, out: Path, rows: int) -> dict:
    import pyarrow.parquet as pq

    out.unlink(missing_ok=True)
    if tool == "ours":
        cmd = [str(binary), str(inp), "-o", str(out), "--json"]
    else:
        cmd = [sys.executable, "-c", POLARS_CHILD, str(inp), str(out)]
    p, wall, rss = timed(cmd)
    if p.returncode != 0:
        raise SystemExit(f"{tool} exited {p.returncode}: {p.stderr.strip()[-800:]}")
    rep = json.loads(p.stdout)
    if tool == "ours":
        work = sum(rep["timings_ms"].values()) / 1000
        if rep.get("rows_written") != rows:
            raise SystemExit(f"ours rows_written={rep.get('rows_written')}, CSV has {rows:,}")
    else:
        work = rep["work_s"]
    got = pq.ParquetFile(out).metadata.num_rows
    if got != rows:
        raise SystemExit(f"{tool} output has {got:,} rows, CSV has {rows:,}")
    return {"wall_s": wall, "rss": rss, "work_s": work, "out_bytes": out.stat().st_size,
            "version": rep.get("version")}


# ------------------------------------------------------------------------------ report

def build_section(args, cmdline: str, inp: Path, rows: int, res: dict[str, list[dict]],
                  notes: list[str]) -> str:
    size = inp.stat().st_size
    med = {t: {k: statistics.median(r[k] for r in rs)
               for k in ("wall_s", "rss", "work_s", "out_bytes")} for t, rs in res.items()}
    L = [f"## Wide-file benchmark, {_dt.date.today().isoformat()}", "", f"`{cmdline}`", "",
         f"Input: `{inp.name}`: {args.cols} columns, {size / MB:.1f} MB, {rows:,} rows "
         f"(seed {args.seed}; ints, signed ints, 2-decimal and full-precision floats, "
         f"10-word categories, booleans; every {NULL_EVERY}th column ~10% empty). "
         f"zstd, each tool's default level; median of {args.runs} run(s), tools alternating.",
         "", "| tool | wall s | MB/s | peak RSS MB | in-process s | output MB |",
         "|---|---:|---:|---:|---:|---:|"]
    for tool, m in med.items():
        name = tool if tool == "ours" else f"polars {res[tool][0]['version']}"
        L.append(f"| {name} | {m['wall_s']:.2f} | {size / MB / m['wall_s']:.1f} | "
                 f"{m['rss'] / MB:.1f} | {m['work_s']:.2f} | {m['out_bytes'] / MB:.2f} |")
    o, p = med["ours"], med["polars"]
    L += ["", f"**ours/Polars speed: {p['wall_s'] / o['wall_s']:.2f}× whole-process, "
          f"{p['work_s'] / o['work_s']:.2f}× in-process; peak RSS ours/Polars: "
          f"{o['rss'] / p['rss']:.2f}×** (speed >1 means ours is faster).", ""]
    per_run = "; ".join(f"{t} " + ", ".join(f"{r['wall_s']:.2f}" for r in rs)
                        for t, rs in res.items())
    L.append(f"Wall s per run: {per_run}. In-process: ours = sum of `timings_ms`, Polars = "
             f"`scan_csv().sink_parquet()` timed inside the interpreter. "
             f"{os.cpu_count()} CPUs, load average at start {notes[0]}. MB = 10^6 bytes.")
    L += notes[1:] + [""]
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cols", type=int, default=2000, help="number of columns (default 2000)")
    ap.add_argument("--mb", type=int, default=50, help="approx CSV size in MB (default 50)")
    ap.add_argument("--runs", type=int, default=5, help="runs per tool (default 5)")
    ap.add_argument("--seed", type=int, default=SEED, help=f"generator seed (default {SEED})")
    ap.add_argument("--write", type=Path, metavar="FILE", help="append the section to FILE")
    args = ap.parse_args(argv)
    if args.runs < 1 or args.cols < 1 or args.mb < 1:
        ap.error("--cols, --mb and --runs must be >= 1")
    cmdline = "python3 bench/wide.py " + " ".join(sys.argv[1:] if argv is None else argv)
    binary = Path(os.environ.get("PARQUETRY_BIN", DEFAULT_BIN))
    binary = binary if binary.is_absolute() else (REPO / binary)
    if not binary.exists():
        log(f"{binary} not found: build it (cargo build --release) or set PARQUETRY_BIN")
        return 2
    if not os.path.exists("/usr/bin/time"):
        log("/usr/bin/time not found (apt-get install time)")
        return 2

    inp = ensure_dataset(args.cols, args.mb, args.seed)
    rows = warm_and_count(inp)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    log(f"input {inp.name}: {inp.stat().st_size / MB:.1f} MB, {rows:,} rows; load {load}")
    bin_mtime = binary.stat().st_mtime
    outs = {t: OUT_DIR / f"wide_result_{t}.parquet" for t in ("ours", "polars")}
    res: dict[str, list[dict]] = {t: [] for t in outs}
    try:
        for i in range(args.runs):
            for tool in (("ours", "polars") if i % 2 == 0 else ("polars", "ours")):
                r = run_once(tool, binary, inp, outs[tool], rows)
                res[tool].append(r)
                log(f"run {i + 1}/{args.runs} {tool:6s} {r['wall_s']:6.2f} s wall, "
                    f"{r['work_s']:6.2f} s in-process, RSS {r['rss'] / MB:7.1f} MB")
    finally:
        for f in outs.values():
            f.unlink(missing_ok=True)
    notes = [load]
    if binary.stat().st_mtime != bin_mtime:
        notes.append("**Warning: the parquetry binary changed during the runs.**")
        log("WARNING: the binary was rebuilt during the runs; results mix two builds")
    section = build_section(args, cmdline, inp, rows, res, notes)
    print(section)
    if args.write:
        with open(args.write, "a", encoding="utf-8") as fh:
            fh.write("\n" + section)
        log(f"appended section to {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
