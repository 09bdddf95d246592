"""Wide files, huge fields and many rows: every cell is compared with the generator's text."""
from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pyarrow.parquet as pq

from readback_helpers import assert_cells, assert_column_type, csv_text, report_column

# ---------------------------------------------------------------------------- wide

KINDS = ["int16", "float64", "text", "bool", "date", "category", "timestamp[ms]"]


def _wide_value(kind, rng, i, j):
    if i % 7 == 3 and j % 2:
        return ""  # a null in every other column
    if kind == "int16":
        return {0: "-1000", 1: "1000"}.get(i, str(rng.randint(-1000, 1000)))
    if kind == "category":
        return rng.choice(["north", "south", "east", "west", f"c{j % 3}"])
    if kind == "timestamp[ms]":
        ms = rng.randint(0, 10**12)
        return dt.datetime.fromtimestamp(ms // 1000, dt.timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%S"
        ) + f".{ms % 1000:03d}"
    if kind == "float64":
        return "0.1234567890123" if i == 0 else repr(rng.uniform(-1e3, 1e3))
    if kind == "text":
        return f"t{j}-{i}-{rng.getrandbits(24):06x}"
    if kind == "bool":
        return rng.choice(["true", "false", "TRUE", "False"])
    return (dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 9000))).isoformat()


def test_1200_columns_by_50_rows(convert):
    # Wide enough that each row group's columns are encoded one after another (past 256),
    # in three row groups: every kind of column, nulls, categories with one vocabulary.
    rng = random.Random(1200)
    ncols, nrows = 1200, 50
    names = [f"c{j:04d}" for j in range(ncols)]
    kinds = [KINDS[j % len(KINDS)] for j in range(ncols)]
    rows = [[_wide_value(kinds[j], rng, i, j) for j in range(ncols)] for i in range(nrows)]
    report, table = convert(csv_text(names, rows), "--row-group-rows", "20")
    assert report["row_groups"] == 3
    assert table.num_columns == ncols
    assert table.column_names == names
    assert [c["name"] for c in report["columns"]] == names
    assert report["rows_in"] == nrows
    for j, name in enumerate(names):
        assert_column_type(report, table, name, kinds[j])
        assert_cells(table, name, [r[j] for r in rows])


def test_a_wide_file_keeps_a_dictionary_in_every_column_and_reads_back(convert):
    # Past 256 columns a row group's columns are encoded one after another, each writer
    # open only while its column is: no column has to give up its dictionary to bound
    # memory. 1,300 columns of 2 or 20 values over two row groups, every cell read back,
    # every chunk dictionary-encoded, and the same types as a narrow file's columns.
    ncols, nrows, few = 1300, 40, 650
    names = [f"c{j:04d}" for j in range(ncols)]
    rows = [
        [str(i % 20) if j < ncols - few else str(i % 2) for j in range(ncols)]
        for i in range(nrows)
    ]
    conv = convert.run(csv_text(names, rows), "--row-group-rows", "25")
    assert conv.report["rows_written"] == nrows
    meta = pq.ParquetFile(conv.out_path).metadata
    assert meta.num_row_groups == 2
    for g in range(meta.num_row_groups):
        plain = [j for j in range(ncols) if not meta.row_group(g).column(j).has_dictionary_page]
        assert plain == [], f"row group {g}: columns without a dictionary {plain[:10]}"
        assert [meta.row_group(g).column(j).path_in_schema for j in range(ncols)] == names
    for j, name in enumerate(names):
        assert_cells(conv.table, name, [r[j] for r in rows])
    narrow = convert.run(csv_text(names[:3], [r[:3] for r in rows]))
    assert narrow.table.schema == conv.table.select(names[:3]).schema


# ------------------------------------------------------------------------ big field


def _big_text(size, seed, specials):
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 " + specials
    return "".join(rng.choices(alphabet, k=size))


def test_5mb_quoted_field(convert):
    size = 5 * 1024 * 1024
    big = _big_text(size, 5, ',"\n;')
    rows = [["1", big, "x"], ["2", "small", "y"]]
    data = csv_text(["id", "blob", "tag"], rows)
    report, table = convert(data, "--category-max", "0")
    assert report["rows_in"] == 2 and report["rows_rejected"] == 0
    got = table.column("blob").to_pylist()
    assert len(got[0]) == size
    assert got[0] == big
    assert got[1] == "small"
    assert table.column("tag").to_pylist() == ["x", "y"]
    assert table.column("id").to_pylist() == [1, 2]


def test_5mb_unquoted_field(convert):
    size = 5 * 1024 * 1024
    big = _big_text(size, 6, "")
    data = f"id,blob\n1,{big}\n2,tiny\n"
    report, table = convert(data, "--category-max", "0")
    assert table.column("blob").to_pylist() == [big, "tiny"]
    assert report_column(report, "blob")["type"] == "text"


# ----------------------------------------------------------------------- many rows

LARGE_HEADER = ["id", "x", "s", "cat", "d", "ts", "b", "n"]
CATS = ["north", "south", "east", "west", "up", "down", "left", "right", "in", "out", "on", "off"]


def _large_rows(n, seed=200_000):
    rng = random.Random(seed)
    base = dt.datetime(2020, 1, 1)
    rows = []
    for i in range(n):
        x = "" if rng.random() < 0.01 else repr(rng.uniform(-1e6, 1e6))
        s = f"{rng.getrandbits(48):012x}"
        cat = rng.choice(CATS)
        d = (dt.date(1990, 1, 1) + dt.timedelta(days=rng.randint(0, 15000))).isoformat()
        t = base + dt.timedelta(milliseconds=rng.randint(0, 10**11))
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}"
        b = rng.choice(["true", "false"])
        n_ = "NA" if rng.random() < 0.05 else str(rng.randint(-50, 50))
        rows.append([str(i), x, s, cat, d, ts, b, n_])
    return rows


def test_200k_rows_several_row_groups(convert):
    n = 200_000
    rows = _large_rows(n)
    conv = convert.run(csv_text(LARGE_HEADER, rows), "--row-group-rows", "50000")
    report, table = conv.report, conv.table
    assert report["rows_in"] == n and report["rows_written"] == n
    expected_types = {
        "id": "uint32", "x": "float64", "s": "text", "cat": "category", "d": "date",
        "ts": "timestamp[ms]", "b": "bool", "n": "int8",
    }
    for j, name in enumerate(LARGE_HEADER):
        assert_column_type(report, table, name, expected_types[name])
        assert_cells(table, name, [r[j] for r in rows])
    md = pq.ParquetFile(conv.out_path).metadata
    assert md.num_rows == n
    assert [md.row_group(i).num_rows for i in range(md.num_row_groups)] == [50_000] * 4
    # A second, independent reader agrees on shape and a few aggregates.
    frame = pl.read_parquet(conv.out_path)
    assert frame.shape == (n, len(LARGE_HEADER))
    assert frame["id"].to_list() == list(range(n))
    assert frame["n"].null_count() == sum(r[7] == "NA" for r in rows)
    assert frame["cat"].cast(pl.Utf8).to_list() == [r[3] for r in rows]
