#!/usr/bin/env python3
"""Native speed/memory benchmark: parquetry vs Polars vs pyarrow (CSV -> Parquet, zstd).

    python3 bench/native.py                      # 100 MB, 3 runs per tool
    python3 bench/native.py --mb 20 --runs 1     # quick check
    python3 bench/native.py --scale-check        # + ours on 2x and 4x the file
    python3 bench/native.py --write BENCHMARKS.md

Everything generated (CSV files, Parquet outputs) goes to bench/out/ (git-ignored).
Standard library + numpy/polars/pyarrow only. See bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import shutil
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

MB = 1_000_000  # every "MB" in this benchmark is 10^6 bytes (sizes, throughput and RSS)
SEED = 20240601
GEN_VERSION = 1  # bump when the generator changes, so cached files are regenerated
CHUNK_ROWS = 100_000
ROW_GROUP_ROWS = 262_144  # parquetry's default; pyarrow leg buffers batches to this size

TOOLS = ("ours", "polars", "pyarrow")

# --------------------------------------------------------------------------------------
# Data generation
# --------------------------------------------------------------------------------------

COUNTRIES = [
    "United States", "Germany", "France", "United Kingdom", "Japan", "Brazil", "India",
    "Canada", "Italy", "Spain", "Mexico", "South Korea", "Australia", "Netherlands",
    "Sweden", "Poland", "Switzerland", "Belgium", "Argentina", "Norway",
]
# Skewed, like real data: the first countries are much more frequent.
_W = [1.0 / (i + 1) for i in range(len(COUNTRIES))]
COUNTRY_P = [w / sum(_W) for w in _W]

WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
    "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu "
    "fast slow blue green red small large quiet loud early late fresh stale open closed "
    "shipped returned pending paid refunded delayed damaged fragile priority standard"
).split()
# Tokens that force quoting: trailing commas (a field containing the delimiter) and an
# embedded, doubled quote.
WORDS += ["and,", "however,", "also,", "then,", 'the "best"']

COLUMNS = [
    ("id", "increasing int64-ish (starts at 5e9)"),
    ("qty", "uint8 range 0-255"),
    ("delta", "signed ints -50000..50000"),
    ("price", "2-decimal prices < 10000 (float32-lossless)"),
    ("measure", "full-precision float64 (shortest round trip)"),
    ("active", "true/false"),
    ("day", "ISO date YYYY-MM-DD"),
    ("ts", "ISO timestamp with milliseconds, naive"),
    ("country", "20 country names, skewed (category)"),
    ("zip", "zero-padded 5-digit code (must stay text)"),
    ("comment", "2-7 words; ~half contain commas (quoted), some embedded quotes"),
    ("discount", "int 0-90, ~30% empty (nulls)"),
]


def _gen_chunk(chunk_index: int, start_row: int, n: int):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng([SEED, chunk_index])
    ids = np.arange(start_row, start_row + n, dtype=np.int64) + 5_000_000_000
    cents = rng.integers(1, 1_000_000, n)  # 0.01 .. 9999.99 -> at most 6 significant digits
    days = rng.integers(0, 9_000, n).astype(np.int32)  # 2000-01-01 + up to ~24 years
    ms = rng.integers(0, 4 * 365 * 86_400_000, n) + 1_577_836_800_000  # 2020..2024
    nwords = rng.integers(2, 8, n)
    widx = rng.integers(0, len(WORDS), (7, n))
    disc = rng.integers(0, 91, n)
    disc_null = rng.random(n) < 0.30
    vocab = pl.Series(WORDS)

    df = pl.DataFrame(
        {
            "id": ids,
            "qty": rng.integers(0, 256, n).astype(np.int64),
            "delta": rng.integers(-50_000, 50_001, n),
            "_cents": cents,
            "measure": rng.normal(0.0, 1000.0, n),
            "active": rng.random(n) < 0.6,
            "_days": days,
            "_ms": ms,
            "country": pl.Series(COUNTRIES).gather(rng.choice(len(COUNTRIES), n, p=COUNTRY_P)),
            "_zip": rng.integers(0, 100_000, n),
            "_nw": nwords,
            **{f"_w{j}": vocab.gather(widx[j]) for j in range(7)},
            "_disc": disc,
            "_disc_null": disc_null,
        }
    )
    c = pl.col
    words = [c("_w0"), c("_w1")] + [
        pl.when(c("_nw") > j).then(c(f"_w{j}")) for j in range(2, 7)
    ]
    df = df.select(
        c("id"),
        c("qty"),
        c("delta"),
        ((c("_cents") // 100).cast(pl.String) + "."
         + (c("_cents") % 100).cast(pl.String).str.zfill(2)).alias("price"),
        c("measure").cast(pl.String),
        pl.when(c("active")).then(pl.lit("true")).otherwise(pl.lit("false")).alias("active"),
        (pl.lit(_dt.date(2000, 1, 1)) + pl.duration(days=c("_days")))
        .dt.to_string("%Y-%m-%d").alias("day"),
        c("_ms").cast(pl.Datetime("ms")).dt.to_string("%Y-%m-%dT%H:%M:%S%.3f").alias("ts"),
        c("country"),
        c("_zip").cast(pl.String).str.zfill(5).alias("zip"),
        pl.concat_str(words, separator=" ", ignore_nulls=True).alias("comment"),
        pl.when(c("_disc_null")).then(None).otherwise(c("_disc")).alias("discount"),
    )
    return df


def dataset_path(mb: int) -> Path:
    return OUT_DIR / f"data_{mb}mb_v{GEN_VERSION}.csv"


def ensure_dataset(mb: int) -> tuple[Path, dict]:
    """Return (csv path, meta) generating the file if it is not cached yet."""
    path = dataset_path(mb)
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("bytes") == path.stat().st_size:
            return path, meta
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    target = mb * MB
    t0 = time.perf_counter()
    tmp = path.with_suffix(".csv.tmp")
    rows = 0
    chunk = 0
    written = 0
    with open(tmp, "wb") as fh:
        while written < target:
            n = CHUNK_ROWS
            if chunk > 0:  # size the last chunk from the bytes/row seen so far
                per_row = written / rows
                n = max(1, min(CHUNK_ROWS, round((target - written) / per_row)))
            df = _gen_chunk(chunk, rows, n)
            df.write_csv(fh, include_header=(chunk == 0))
            rows += n
            chunk += 1
            written = fh.tell()
            if chunk == 1 and n == CHUNK_ROWS and written > target:
                # tiny target: regenerate the first chunk at the right size
                fh.seek(0)
                fh.truncate()
                n = max(1, round(target / (written / n)))
                rows = 0
                df = _gen_chunk(0, 0, n)
                df.write_csv(fh, include_header=True)
                rows = n
                written = fh.tell()
    os.replace(tmp, path)
    meta = {"rows": rows, "bytes": path.stat().st_size, "seed": SEED,
            "gen_version": GEN_VERSION, "columns": [c for c, _ in COLUMNS],
            "gen_seconds": round(time.perf_counter() - t0, 2)}
    meta_path.write_text(json.dumps(meta, indent=1))
    log(f"generated {path.name}: {meta['bytes'] / MB:.1f} MB, {rows:,} rows "
        f"in {meta['gen_seconds']} s")
    return path, meta


# --------------------------------------------------------------------------------------
# Child processes for the Python tools (each run is a fresh interpreter)
# --------------------------------------------------------------------------------------

POLARS_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import polars as pl
t1 = time.perf_counter()
inp, out, level, typed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
if inp != "--import-only":
    kw = {}
    if typed:
        kw = {"schema_overrides": {"zip": pl.String}, "try_parse_dates": True}
    skw = {"compression": "zstd"}
    if level:
        skw["compression_level"] = int(level)
    pl.scan_csv(inp, **kw).sink_parquet(out, **skw)
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "work_s": t2 - t1, "version": pl.__version__}))
"""

PYARROW_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import pyarrow as pa, pyarrow.csv as pc, pyarrow.parquet as pq
t1 = time.perf_counter()
inp, out, level, typed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
RG = int(sys.argv[5])
if inp != "--import-only":
    conv = pc.ConvertOptions(column_types={"zip": pa.string()}) if typed else None
    reader = pc.open_csv(inp, convert_options=conv)
    wkw = {"compression": "zstd"}
    if level:
        wkw["compression_level"] = int(level)
    writer = pq.ParquetWriter(out, reader.schema, **wkw)
    buf, n = [], 0
    for batch in reader:  # stream; buffer only up to one row group
        buf.append(batch)
        n += batch.num_rows
        if n >= RG:
            writer.write_table(pa.Table.from_batches(buf, schema=reader.schema))
            buf, n = [], 0
    if buf:
        writer.write_table(pa.Table.from_batches(buf, schema=reader.schema))
    writer.close()
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "work_s": t2 - t1, "version": pa.__version__}))
"""

# Fallback when /usr/bin/time is missing: a fresh wrapper per run, so that its
# RUSAGE_CHILDREN.ru_maxrss is the peak of exactly one measured process.
RUSAGE_WRAPPER = r"""
import json, resource, subprocess, sys
p = subprocess.run(sys.argv[2:])
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    json.dump({"maxrss_kb": ru.ru_maxrss, "user_s": ru.ru_utime, "sys_s": ru.ru_stime}, fh)
sys.exit(p.returncode)
"""


def tool_cmd(tool: str, inp: Path | str, out: Path | str, args) -> list[str]:
    level = "" if args.zstd_level is None else str(args.zstd_level)
    typed = "1" if args.typed else "0"
    if tool == "ours":
        cmd = [str(args.bin), str(inp), "-o", str(out), "--json", "-q"]
        if args.zstd_level is not None:
            cmd += ["--level", level]
        return cmd
    if tool == "polars":
        return [sys.executable, "-c", POLARS_CHILD, str(inp), str(out), level, typed]
    if tool == "pyarrow":
        return [sys.executable, "-c", PYARROW_CHILD, str(inp), str(out), level, typed,
                str(ROW_GROUP_ROWS)]
    raise ValueError(tool)


# --------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------

TIME_BIN = shutil.which("time", path="/usr/bin:/bin") if os.path.exists("/usr/bin/time") else None


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def measure(cmd: list[str]) -> dict:
    """Run cmd once; wall time from the parent, peak RSS and CPU time of the child."""
    fd, stats_path = tempfile.mkstemp(prefix="bench_rusage_", dir=OUT_DIR)
    os.close(fd)
    try:
        if TIME_BIN:
            full = [TIME_BIN, "-v", "-o", stats_path, *cmd]
        else:
            full = [sys.executable, "-c", RUSAGE_WRAPPER, stats_path, *cmd]
        t0 = time.perf_counter()
        p = subprocess.run(full, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        text = Path(stats_path).read_text()
    finally:
        os.unlink(stats_path)
    if TIME_BIN:
        def grab(label: str) -> float:
            m = re.search(re.escape(label) + r":\s*([0-9.]+)", text)
            return float(m.group(1)) if m else float("nan")
        rss_kb = grab("Maximum resident set size (kbytes)")
        cpu = grab("User time (seconds)") + grab("System time (seconds)")
    else:
        st = json.loads(text) if text else {}
        rss_kb = st.get("maxrss_kb", float("nan"))
        cpu = st.get("user_s", float("nan")) + st.get("sys_s", float("nan"))
    return {"wall_s": wall, "rss_bytes": rss_kb * 1024, "cpu_s": cpu, "rc": p.returncode,
            "stdout": p.stdout, "stderr": p.stderr}


def parquet_info(path: Path) -> dict:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    schema = pf.schema_arrow
    return {"num_rows": pf.metadata.num_rows, "row_groups": pf.metadata.num_row_groups,
            "bytes": path.stat().st_size,
            "types": {f.name: str(f.type) for f in schema}}


def run_once(tool: str, inp: Path, out: Path, args) -> dict:
    if out.exists():
        out.unlink()
    r = measure(tool_cmd(tool, inp, out, args))
    res = {"tool": tool, "wall_s": r["wall_s"], "rss_bytes": r["rss_bytes"],
           "cpu_s": r["cpu_s"], "rc": r["rc"], "ok": r["rc"] == 0, "error": None}
    if r["rc"] != 0:
        res["error"] = f"exit {r['rc']}: {r['stderr'].strip()[-600:]}"
        return res
    try:
        out_text = r["stdout"].strip()
        try:
            report = json.loads(out_text)  # the whole stdout (possibly pretty-printed)
        except ValueError:
            report = json.loads(out_text.splitlines()[-1])  # or its last line
    except (ValueError, IndexError):
        res.update(ok=False, error=f"no JSON on stdout: {r['stdout'][-300:]!r}")
        return res
    if tool == "ours":
        res["report"] = report
        res["peak_heap_bytes"] = report.get("peak_heap_bytes")
        t = report.get("timings_ms") or {}
        res["work_s"] = sum(v for v in t.values() if isinstance(v, (int, float))) / 1000 or None
    else:
        res["work_s"] = report["work_s"]
        res["import_s"] = report["import_s"]
        res["version"] = report["version"]
    try:
        res["parquet"] = parquet_info(out)
    except Exception as e:  # noqa: BLE001 - any unreadable output is a broken run
        res.update(ok=False, error=f"output unreadable: {e}")
    return res


def check_rows(res: dict, expected_rows: int, csv_bytes: int) -> None:
    """Mark a run broken when its output does not hold every input row."""
    if not res["ok"]:
        return
    n = res["parquet"]["num_rows"]
    problems = []
    if n != expected_rows:
        problems.append(f"parquet has {n:,} rows, CSV has {expected_rows:,}")
    rep = res.get("report")
    if rep is not None:
        if rep.get("rows_written") != n:
            problems.append(f"report rows_written={rep.get('rows_written')} != parquet {n}")
        if rep.get("rows_rejected"):
            problems.append(f"{rep['rows_rejected']} rows rejected")
        if rep.get("bytes_in") not in (None, csv_bytes):
            problems.append(f"report bytes_in={rep.get('bytes_in')} != file {csv_bytes}")
    if problems:
        res["ok"] = False
        res["error"] = "; ".join(problems)


def med(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def summarize(runs: list[dict], csv_bytes: int) -> dict:
    ok = [r for r in runs if r["ok"]]
    s = {"runs": len(runs), "ok_runs": len(ok), "broken": len(ok) != len(runs),
         "errors": [r["error"] for r in runs if not r["ok"]]}
    if not ok:
        return s
    wall = med(r["wall_s"] for r in ok)
    s.update(
        wall_s=wall,
        wall_all=[round(r["wall_s"], 3) for r in ok],
        mbps=csv_bytes / MB / wall,
        work_s=med(r.get("work_s") for r in ok),
        cpu_s=med(r["cpu_s"] for r in ok),
        rss_bytes=med(r["rss_bytes"] for r in ok),
        rss_max=max(r["rss_bytes"] for r in ok),
        out_bytes=ok[-1]["parquet"]["bytes"],
        rows=ok[-1]["parquet"]["num_rows"],
        row_groups=ok[-1]["parquet"]["row_groups"],
        types=ok[-1]["parquet"]["types"],
        peak_heap_bytes=med(r.get("peak_heap_bytes") for r in ok),
        version=ok[-1].get("version"),
        import_s=med(r.get("import_s") for r in ok),
    )
    return s


# --------------------------------------------------------------------------------------
# Machine info & report
# --------------------------------------------------------------------------------------

def machine_info(args) -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    info = {"nproc": nproc, "cpu": cpu, "mem_bytes": mem,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "rss_tool": "/usr/bin/time -v" if TIME_BIN else "getrusage(RUSAGE_CHILDREN) wrapper"}
    try:
        import polars
        import pyarrow
        info["polars"] = polars.__version__
        info["pyarrow"] = pyarrow.__version__
    except ImportError:
        pass
    try:
        info["git"] = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10).stdout.strip() or "no commit"
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        if dirty:
            info["git"] += " (dirty)"
    except (OSError, subprocess.SubprocessError):
        info["git"] = "unknown"
    if args.bin.exists():
        try:
            v = subprocess.run([str(args.bin), "--version"], capture_output=True,
                               text=True, timeout=10)
            if v.returncode == 0:
                first = (v.stdout.strip() or v.stderr.strip()).splitlines()[0]
                info["ours_version"] = re.sub(r"^parquetry\s+", "", first)
        except (OSError, subprocess.SubprocessError, IndexError):
            pass
    return info


def fmt(v, spec=".2f", na="n/a"):
    return na if v is None else format(v, spec)


def mb(v, spec=".1f"):
    return None if v is None else format(v / MB, spec)


def build_report(args, meta, csv_path, summaries, baselines, scale, info) -> str:
    L = []
    csv_bytes = meta["bytes"]
    L.append(f"Input: `{csv_path.name}`, {csv_bytes / MB:.1f} MB, {meta['rows']:,} rows, "
             f"{len(meta['columns'])} columns (seed {meta['seed']}); zstd "
             f"{'level ' + str(args.zstd_level) if args.zstd_level is not None else '(each tool’s default level)'}"
             f"; median of {args.runs} run(s); {'typed' if args.typed else 'default'} "
             f"options for Polars/pyarrow.")
    L.append("")
    L.append("| tool | median s | MB/s | CPU s | peak RSS MB | output MB | rows | notes |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---|")
    for tool in args.tools:
        s = summaries.get(tool)
        if s is None:
            continue
        if s.get("broken"):
            L.append(f"| {tool} | BROKEN | – | – | – | – | – | {s['ok_runs']}/{s['runs']} runs ok: "
                     f"{(s['errors'] or ['?'])[0][:160].replace('|', '/')} |")
            continue
        notes = []
        if tool == "ours":
            if s.get("peak_heap_bytes") is not None:
                notes.append(f"own peak heap {mb(s['peak_heap_bytes'])} MB")
            if s.get("work_s"):
                notes.append(f"timings_ms sum {s['work_s']:.2f} s")
        else:
            if s.get("work_s") is not None:
                notes.append(f"in-process {s['work_s']:.2f} s")
            b = baselines.get(tool)
            if b:
                notes.append(f"import alone {mb(b['rss_bytes'])} MB RSS, {b['wall_s']:.2f} s")
            if s.get("version"):
                notes.append(f"v{s['version']}")
        notes.append(f"{s['row_groups']} row groups")
        L.append(f"| {tool} | {s['wall_s']:.2f} | {s['mbps']:.1f} | {fmt(s['cpu_s'])} | "
                 f"{mb(s['rss_bytes'])} | {mb(s['out_bytes'])} | {s['rows']:,} | "
                 f"{'; '.join(notes)} |")
    L.append("")
    o, p = summaries.get("ours"), summaries.get("polars")
    if o and p and not o.get("broken") and not p.get("broken"):
        L.append(f"**Ratios against Polars:** throughput ours/Polars = "
                 f"**{o['mbps'] / p['mbps']:.2f}×** (wall clock, whole process); "
                 f"peak RSS ours/Polars = **{o['rss_bytes'] / p['rss_bytes']:.2f}×**; "
                 f"output size ours/Polars = {o['out_bytes'] / p['out_bytes']:.2f}×.")
        if o.get("work_s") and p.get("work_s"):
            L.append(f"Excluding process start-up and imports: ours (timings_ms) "
                     f"{o['work_s']:.2f} s vs Polars in-process {p['work_s']:.2f} s "
                     f"→ ours/Polars speed {p['work_s'] / o['work_s']:.2f}×.")
        L.append("")
    elif "ours" in args.tools:
        L.append("**Ratios against Polars:** n/a (a leg is missing or broken).")
        L.append("")

    if scale:
        L.append("Scale check (ours only; does peak memory grow with the input?):")
        L.append("")
        L.append("| input MB | rows | runs | median s | MB/s | peak RSS MB | own peak heap MB |")
        L.append("|---:|---:|---:|---:|---:|---:|---:|")
        for row in scale:
            s = row["summary"]
            if s.get("broken"):
                L.append(f"| {row['bytes'] / MB:.0f} | {row['rows']:,} | BROKEN | – | – | – | "
                         f"{(s['errors'] or ['?'])[0][:120].replace('|', '/')} |")
                continue
            L.append(f"| {row['bytes'] / MB:.0f} | {row['rows']:,} | {s['ok_runs']} | "
                     f"{s['wall_s']:.2f} | {s['mbps']:.1f} | {mb(s['rss_bytes'])} | "
                     f"{fmt(mb(s['peak_heap_bytes']), 's')} |")
        good = [r for r in scale if not r["summary"].get("broken")]
        if len(good) >= 2:
            a, b = good[0], good[-1]
            size_x = b["bytes"] / a["bytes"]
            rss_x = b["summary"]["rss_bytes"] / a["summary"]["rss_bytes"]
            line = (f"Input ×{size_x:.1f} → peak RSS ×{rss_x:.2f}")
            ha, hb = a["summary"].get("peak_heap_bytes"), b["summary"].get("peak_heap_bytes")
            if ha and hb:
                line += f", own peak heap ×{hb / ha:.2f}"
            verdict = ("roughly constant (streaming)" if rss_x < 1.25 else
                       "grows with input size")
            L.append("")
            L.append(f"{line}: memory is **{verdict}**.")
        L.append("")

    # Inferred output types side by side.
    typed = [t for t in args.tools if summaries.get(t) and summaries[t].get("types")]
    if typed:
        L.append("<details><summary>Output column types</summary>")
        L.append("")
        L.append("| column | generated as | " + " | ".join(typed) + " |")
        L.append("|---|---|" + "---|" * len(typed))
        desc = dict(COLUMNS)
        for col in meta["columns"]:
            cells = [summaries[t]["types"].get(col, "–").replace("|", "/") for t in typed]
            L.append(f"| {col} | {desc.get(col, '')} | " + " | ".join(cells) + " |")
        L.append("")
        L.append("</details>")
        L.append("")

    mem = f"{info['mem_bytes'] / 2**30:.0f} GiB RAM" if info.get("mem_bytes") else ""
    L.append(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {mem}, {info['os']}; "
             f"load average at start {info['loadavg']}. Python {info['python']}, "
             f"Polars {info.get('polars', '?')}, pyarrow {info.get('pyarrow', '?')}; "
             f"parquetry {info.get('ours_version') or '?'} at git {info.get('git', '?')}. "
             f"Peak RSS via {info['rss_tool']}. MB = 10^6 bytes.")
    L.append("")
    return "\n".join(L)


def write_section(path: Path, body: str, cmdline: str) -> None:
    day = _dt.date.today().isoformat()
    start = f"<!-- native-bench:{day} -->"
    end = "<!-- /native-bench -->"
    section = (f"{start}\n## Native benchmark, {day}\n\n"
               f"`{cmdline}`\n\n{body.rstrip()}\n{end}\n")
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    pat = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.S)
    if pat.search(text):
        text = pat.sub(lambda _m: section, text, count=1)
    else:
        if not text.endswith("\n"):
            text += "\n"
        if not text.endswith("\n\n"):
            text += "\n"
        text += section
    path.write_text(text)
    log(f"wrote section {day} to {path}")


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=100, help="CSV size in MB (10^6 bytes); default 100")
    ap.add_argument("--runs", type=int, default=3, help="runs per tool; median reported (default 3)")
    ap.add_argument("--tools", default=",".join(TOOLS),
                    help="comma list among ours,polars,pyarrow (default: all)")
    ap.add_argument("--scale-check", nargs="?", const="2,4", default=None, metavar="FACTORS",
                    help="also run ours on files FACTORS times larger (default 2,4)")
    ap.add_argument("--scale-runs", type=int, default=1,
                    help="runs per size in the scale check (default 1)")
    ap.add_argument("--zstd-level", type=int, default=None,
                    help="pin the zstd level for all tools (default: each tool's own default)")
    ap.add_argument("--typed", action="store_true",
                    help="give Polars/pyarrow zip as text (and Polars try_parse_dates) so the "
                         "outputs carry comparable types")
    ap.add_argument("--write", type=Path, default=None, metavar="FILE",
                    help="append/replace today's section in this Markdown file")
    ap.add_argument("--generate-only", action="store_true", help="only build the CSV file(s)")
    ap.add_argument("--keep-outputs", action="store_true",
                    help="keep the Parquet outputs in bench/out/ (default: delete at the end)")
    args = ap.parse_args(argv)
    args.bin = Path(os.environ.get("PARQUETRY_BIN", DEFAULT_BIN)).resolve()
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for t in args.tools:
        if t not in TOOLS:
            ap.error(f"unknown tool {t!r}")
    args.factors = []
    if args.scale_check:
        args.factors = [float(x) for x in args.scale_check.split(",") if x.strip()]
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    cmdline = "python3 bench/native.py " + " ".join(sys.argv[1:] if argv is None else argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    if not args.generate_only and "ours" in args.tools and not args.bin.exists():
        log(f"WARNING: {args.bin} not found (build it or set PARQUETRY_BIN); skipping ours")
        args.tools = [t for t in args.tools if t != "ours"]
        args.factors = []
    csv_path, meta = ensure_dataset(args.mb)
    scale_sets = [ensure_dataset(int(round(args.mb * f))) for f in args.factors]
    if args.generate_only:
        return 0
    if not args.tools:
        log("nothing to run")
        return 1

    info = machine_info(args)
    log(f"{info['nproc']} CPUs, load {info['loadavg']}; input {csv_path.name} "
        f"({meta['bytes'] / MB:.1f} MB, {meta['rows']:,} rows)")

    # Import-only baselines: what the Python interpreter + library cost before any work.
    baselines = {}
    for tool in args.tools:
        if tool == "ours":
            continue
        r = measure(tool_cmd(tool, "--import-only", "-", args))
        if r["rc"] == 0:
            baselines[tool] = r

    outputs = {t: OUT_DIR / f"result_{t}.parquet" for t in args.tools}
    runs: dict[str, list] = {t: [] for t in args.tools}
    with open(csv_path, "rb") as fh:  # warm the page cache for every tool alike
        while fh.read(1 << 24):
            pass
    for i in range(args.runs):  # round-robin, so slow drift on a shared box hits all tools
        for tool in args.tools:
            res = run_once(tool, csv_path, outputs[tool], args)
            check_rows(res, meta["rows"], meta["bytes"])
            runs[tool].append(res)
            state = "ok" if res["ok"] else f"BROKEN ({res['error'][:200]})"
            log(f"run {i + 1}/{args.runs} {tool:8s} {res['wall_s']:7.2f} s  "
                f"RSS {res['rss_bytes'] / MB:8.1f} MB  {state}")

    summaries = {t: summarize(runs[t], meta["bytes"]) for t in args.tools}
    # Ours must hold exactly as many rows as Polars read.
    o, p = summaries.get("ours"), summaries.get("polars")
    if o and p and not o.get("broken") and not p.get("broken") and o["rows"] != p["rows"]:
        o["broken"] = True
        o["errors"] = [f"ours wrote {o['rows']:,} rows, Polars {p['rows']:,}"]

    scale = []
    if scale_sets:
        base = {"bytes": meta["bytes"], "rows": meta["rows"], "summary": summaries["ours"]}
        scale.append(base)
        for path, m in scale_sets:
            rr = []
            for i in range(args.scale_runs):
                res = run_once("ours", path, OUT_DIR / "result_ours_scale.parquet", args)
                check_rows(res, m["rows"], m["bytes"])
                rr.append(res)
                log(f"scale {m['bytes'] / MB:.0f} MB run {i + 1}: {res['wall_s']:.2f} s, "
                    f"RSS {res['rss_bytes'] / MB:.1f} MB, {'ok' if res['ok'] else res['error']}")
            scale.append({"bytes": m["bytes"], "rows": m["rows"],
                          "summary": summarize(rr, m["bytes"])})

    body = build_report(args, meta, csv_path, summaries, baselines, scale, info)
    print(body)
    raw = {"cmdline": cmdline, "date": _dt.datetime.now().isoformat(timespec="seconds"),
           "machine": info, "dataset": meta, "summaries": summaries,
           "scale": [{"bytes": s["bytes"], "rows": s["rows"], "summary": s["summary"]}
                     for s in scale],
           "runs": {t: [{k: v for k, v in r.items() if k not in ("parquet",)} for r in rs]
                    for t, rs in runs.items()}}
    (OUT_DIR / "last_native.json").write_text(json.dumps(raw, indent=1, default=str))

    broken = any(s.get("broken") for s in summaries.values()) or any(
        s["summary"].get("broken") for s in scale)
    if args.write:
        if broken:
            log(f"NOT writing {args.write}: at least one run is broken")
        else:
            write_section(args.write, body, cmdline)
    if not args.keep_outputs:
        for f in list(outputs.values()) + [OUT_DIR / "result_ours_scale.parquet"]:
            if f.exists():
                f.unlink()
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
