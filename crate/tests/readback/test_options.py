"""CLI options: compression, row groups, column selection, stream/stdin mode, the embedded
Arrow schema, the parquetry.inference metadata, the JSON report and usage errors."""
from __future__ import annotations

import datetime as dt
import json
import random
import re

import pyarrow.parquet as pq
import pytest

from readback_helpers import (
    assert_cells,
    assert_column_type,
    csv_text,
    first_key,
    inference_metadata,
    report_column,
)

HEADER = ["id", "x", "name", "cat", "d", "n"]


def mixed_rows(n, seed=5):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append([
            str(i),
            f"{rng.randint(-9999, 9999) / 100:.2f}",
            f"name-{i}-{rng.getrandbits(20):05x}",
            rng.choice(["red", "green", "blue", "grey"]),
            (dt.date(2001, 1, 1) + dt.timedelta(days=rng.randint(0, 8000))).isoformat(),
            "" if rng.random() < 0.1 else str(rng.randint(-300, 300)),
        ])
    return rows


def check_mixed(table, rows, names=HEADER):
    assert table.column_names == names
    for name in names:
        j = HEADER.index(name)
        assert_cells(table, name, [r[j] for r in rows])


# ---------------------------------------------------------------------- compression

CODECS = {
    "zstd": {"ZSTD"},
    "snappy": {"SNAPPY"},
    "gzip": {"GZIP"},
    "brotli": {"BROTLI"},
    "lz4": {"LZ4", "LZ4_RAW"},  # the contract does not say which LZ4 flavour
    "none": {"UNCOMPRESSED"},
}


def _codecs_in_file(path):
    md = pq.ParquetFile(path).metadata
    return {
        md.row_group(i).column(j).compression
        for i in range(md.num_row_groups)
        for j in range(md.num_columns)
    }


@pytest.mark.parametrize("codec", list(CODECS))
def test_compression_codec(convert, codec):
    rows = mixed_rows(5000)
    conv = convert.run(csv_text(HEADER, rows), "--compression", codec, "--row-group-rows", "2000")
    check_mixed(conv.table, rows)
    md = pq.ParquetFile(conv.out_path).metadata
    assert md.row_group(0).column(0).compression in CODECS[codec]
    assert _codecs_in_file(conv.out_path) <= CODECS[codec]


def test_default_compression_is_zstd(convert):
    rows = mixed_rows(500)
    conv = convert.run(csv_text(HEADER, rows))
    assert _codecs_in_file(conv.out_path) == {"ZSTD"}
    check_mixed(conv.table, rows)


@pytest.mark.parametrize("codec,level", [("zstd", 1), ("zstd", 22), ("gzip", 0), ("gzip", 9), ("brotli", 11)])
def test_compression_level(convert, codec, level):
    rows = mixed_rows(3000)
    conv = convert.run(csv_text(HEADER, rows), "--compression", codec, "--level", str(level))
    assert _codecs_in_file(conv.out_path) <= CODECS[codec]
    check_mixed(conv.table, rows)


@pytest.mark.parametrize("codec,level", [("zstd", 23), ("gzip", 10), ("brotli", 12)])
def test_compression_level_out_of_range_is_usage_error(convert_fail, codec, level):
    code, stderr = convert_fail(csv_text(HEADER, mixed_rows(10)), "--compression", codec, "--level", str(level))
    assert code == 2, stderr


# ----------------------------------------------------------------------- row groups


@pytest.mark.parametrize(
    "rg_rows,expected",
    [(1000, [1000] * 10), (2500, [2500] * 4), (3000, [3000, 3000, 3000, 1000]), (20_000, [10_000])],
)
def test_row_group_rows(convert, rg_rows, expected):
    rows = mixed_rows(10_000)
    conv = convert.run(csv_text(HEADER, rows), "--row-group-rows", str(rg_rows))
    md = pq.ParquetFile(conv.out_path).metadata
    assert [md.row_group(i).num_rows for i in range(md.num_row_groups)] == expected
    check_mixed(conv.table, rows)


def test_default_row_group_rows_is_262144(convert):
    n = 300_000
    data = "id,v\n" + "".join(f"{i},{i % 7}\n" for i in range(n))
    conv = convert.run(data)
    md = pq.ParquetFile(conv.out_path).metadata
    assert [md.row_group(i).num_rows for i in range(md.num_row_groups)] == [262_144, n - 262_144]
    assert conv.table.column("id").to_pylist() == list(range(n))


# ------------------------------------------------------------------------- columns


def test_columns_selection_and_order(convert):
    rows = mixed_rows(300)
    report, table = convert(csv_text(HEADER, rows), "--columns", "n,id,cat")
    assert table.column_names == ["n", "id", "cat"]
    assert [c["name"] for c in report["columns"]] == ["n", "id", "cat"]
    check_mixed(table, rows, names=["n", "id", "cat"])


def test_columns_unknown_name_fails(convert_fail):
    code, stderr = convert_fail(csv_text(HEADER, mixed_rows(10)), "--columns", "id,nope")
    assert code in (1, 2)
    assert "nope" in stderr


# ------------------------------------------------------------------ stream / stdin


def _sample_break_file():
    # Rows 1..49 fit uint8; data row 50 (physical line 51) holds 1000.
    rows = [[str(i), str(i % 200)] for i in range(1, 50)] + [["50", "1000"]] + [[str(i), "7"] for i in range(51, 80)]
    return csv_text(["id", "v"], rows), rows


# Exact types, from every row: the native CLI tries the first rows' types in one pass and
# reads the file again only if they do not hold; the npm CLI always reads it twice.
EXACT_MODES = ("one-pass", "two-pass")


def test_a_file_is_typed_by_its_whole_column(convert):
    data, rows = _sample_break_file()
    # The file is shorter than the sample: scanned whole, then converted.
    report, table = convert(data)
    assert report["mode"] in EXACT_MODES
    assert_column_type(report, table, "v", "uint16")
    assert table.column("v").to_pylist() == [int(r[1]) for r in rows]
    # A sample that ends before the late row: the one-pass trial fails on it, and the file
    # is converted again, with the whole column's type.
    report, table = convert(data, "--sample-rows", "10")
    assert report["mode"] == "two-pass"
    assert_column_type(report, table, "v", "uint16")
    assert table.column("v").to_pylist() == [int(r[1]) for r in rows]


def test_stream_late_row_breaks_sample_type(convert_fail):
    data, _ = _sample_break_file()
    code, stderr = convert_fail(data, "--stream", "--sample-rows", "10")
    assert code == 1
    assert re.search(r"\bline 51\b", stderr), stderr
    assert 'column "v"' in stderr, stderr
    assert 'value "1000"' in stderr, stderr
    assert "uint8" in stderr, stderr  # the type inferred from the sample


def test_stream_late_text_breaks_sample_type(convert_fail):
    # id stays within the sample's uint8 range so that only "price" breaks.
    rows = [[str(i % 100), f"{i}.5"] for i in range(300)] + [["0", "n/a?"]]
    code, stderr = convert_fail(csv_text(["id", "price"], rows), "--stream", "--sample-rows", "100")
    assert code == 1
    assert re.search(r"\bline 302\b", stderr), stderr
    assert 'column "price"' in stderr and 'value "n/a?"' in stderr, stderr
    assert "float32" in stderr, stderr


def test_stream_with_a_large_enough_sample(convert):
    data, rows = _sample_break_file()
    report, table = convert(data, "--stream", "--sample-rows", "100")
    assert report["mode"] == "stream"
    assert_column_type(report, table, "v", "uint16")
    assert table.column("v").to_pylist() == [int(r[1]) for r in rows]


def test_stream_mode_matches_two_pass_on_consistent_data(convert):
    rows = mixed_rows(5000)
    data = csv_text(HEADER, rows)
    r1, t1 = convert(data, "--stream", "--sample-rows", "5000")
    # The native CLI tries the first 100 rows' types on the rest in one pass.
    r2, t2 = convert(data, "--sample-rows", "100")
    assert r1["mode"] == "stream" and r2["mode"] in EXACT_MODES
    assert [c["type"] for c in r1["columns"]] == [c["type"] for c in r2["columns"]]
    # Same values (a category's index width may legitimately differ: uint8 or uint16).
    for name in HEADER:
        assert t1.column(name).to_pylist() == t2.column(name).to_pylist(), name
    check_mixed(t1, rows)


def test_stdin_input(convert):
    rows = mixed_rows(2000)
    report, table = convert(csv_text(HEADER, rows), stdin=True)
    assert report["mode"] == "stream"
    check_mixed(table, rows)
    assert report["rows_in"] == 2000


def test_stdin_uses_sample_inference(convert_fail):
    data, _ = _sample_break_file()
    code, stderr = convert_fail(data, "--sample-rows", "10", stdin=True)
    assert code == 1
    assert re.search(r"\bline 51\b", stderr) and 'column "v"' in stderr, stderr


# ------------------------------------------------------------------------ metadata


def test_arrow_schema_is_embedded(convert):
    rows = mixed_rows(1000)
    conv = convert.run(csv_text(HEADER, rows))
    pf = pq.ParquetFile(conv.out_path)
    assert b"ARROW:schema" in (pf.metadata.metadata or {})
    assert pf.schema_arrow.equals(conv.table.schema)
    # The category column only comes back as a dictionary thanks to the Arrow schema.
    assert_column_type(conv.report, conv.table, "cat", "category")


def test_inference_metadata(convert):
    rows = mixed_rows(1000)
    conv = convert.run(csv_text(HEADER, rows))
    meta = inference_metadata(pq.ParquetFile(conv.out_path))
    assert list(meta) == HEADER
    for name in HEADER:
        entry, rep = meta[name], report_column(conv.report, name)
        assert first_key(entry, "type") == rep["type"], name
        nulls = first_key(entry, "nulls", "null_count")
        assert nulls == rep["nulls"] == conv.table.column(name).null_count, name
    n_vals = [int(r[5]) for r in rows if r[5]]
    n = meta["n"]
    assert int(first_key(n, "min")) == min(n_vals)
    assert int(first_key(n, "max")) == max(n_vals)
    distinct = first_key(n, "distinct", "distinct_count")
    assert distinct is None or distinct == len(set(n_vals))
    cat = meta["cat"]
    assert first_key(cat, "distinct", "distinct_count") == len({r[3] for r in rows})
    assert first_key(cat, "min") == min(r[3] for r in rows)
    assert first_key(cat, "max") == max(r[3] for r in rows)
    ids = meta["id"]
    assert int(first_key(ids, "min")) == 0 and int(first_key(ids, "max")) == 999


# -------------------------------------------------------------------------- report


def test_report_shape_and_sizes(convert):
    rows = mixed_rows(800)
    data = csv_text(HEADER, rows).encode()
    conv = convert.run(data)
    rep = conv.report
    for key in ("rows_in", "rows_written", "rows_rejected", "bytes_in", "bytes_out", "dialect",
                "mode", "columns", "rejected", "timings_ms", "peak_heap_bytes"):
        assert key in rep, key
    assert set(rep["dialect"]) >= {"delimiter", "quote", "header", "line_ending", "bom", "encoding"}
    assert set(rep["timings_ms"]) >= {"sniff", "scan", "convert"}
    for col in rep["columns"]:
        assert set(col) >= {"name", "type", "nulls", "min", "max", "distinct", "decimals"}, col
    assert rep["rows_in"] == 800 and rep["rows_rejected"] == 0 and rep["rejected"] == []
    assert rep["bytes_in"] == len(data)
    assert rep["bytes_out"] == conv.out_path.stat().st_size
    assert isinstance(rep["peak_heap_bytes"], int) and rep["peak_heap_bytes"] > 0


def test_report_bytes_per_column_match_the_file(convert):
    """Each column's `bytes` is what pyarrow finds in its chunks, summed over row groups."""
    rows = mixed_rows(5000)
    conv = convert.run(csv_text(HEADER, rows).encode(), "--row-group-rows", "1500")
    meta = pq.ParquetFile(conv.out_path).metadata
    assert meta.num_row_groups == 4
    for j, col in enumerate(conv.report["columns"]):
        in_file = sum(meta.row_group(i).column(j).total_compressed_size for i in range(meta.num_row_groups))
        assert col["bytes"] == in_file, (col["name"], col["bytes"], in_file)
        assert in_file > 0


def test_thread_count_does_not_change_the_output(convert):
    rows = mixed_rows(20_000)
    data = csv_text(HEADER, rows)
    _, t1 = convert(data, "--threads", "1", "--row-group-rows", "3000")
    _, t2 = convert(data, "--threads", "2", "--row-group-rows", "3000")
    assert t1.equals(t2)
    check_mixed(t1, rows)


# -------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "flags",
    [
        ["--compression", "rar"],
        ["--bad-rows", "ignore"],
        ["--type", "id"],
        ["--type", "id=integer"],
        ["--no-such-flag"],
        ["--delimiter", "ab"],
        ["--row-group-rows", "many"],
    ],
    ids=lambda f: " ".join(f),
)
def test_bad_usage_exits_2(convert_fail, flags):
    code, stderr = convert_fail("a,b\n1,2\n", *flags)
    assert code == 2, stderr
    assert stderr.strip(), "a usage error must explain itself on stderr"


def test_missing_output_exits_2(convert_fail):
    code, stderr = convert_fail("a,b\n1,2\n", output=False)
    assert code == 2, stderr


def test_json_report_is_the_only_stdout(convert):
    # convert() already parses stdout as one JSON document; make the round trip explicit.
    report, _ = convert("a,b\n1,2\n")
    assert json.loads(json.dumps(report)) == report
    assert report["rows_written"] == 1


def test_statistics_are_written_unless_turned_off(convert):
    data = b"n,s\n5,b\n1,a\n9,c\n"
    on = pq.ParquetFile(convert.run(data).out_path).metadata.row_group(0).column(0).statistics
    assert on is not None and (on.min, on.max) == (1, 9)
    off = convert.run(data, "--no-statistics").out_path
    assert pq.ParquetFile(off).metadata.row_group(0).column(0).statistics is None
    assert pq.read_table(off).column("n").to_pylist() == [5, 1, 9]
