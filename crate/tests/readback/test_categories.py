"""Low-cardinality text columns become dictionary (category) columns; the report lists the sorted vocabulary
that is identical in every row group; read back with pyarrow and pandas."""
from __future__ import annotations

import random

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from readback_helpers import assert_column_type, is_category_type, report_column, simple_csv

VOCAB = ["red", "green", "blue", "yellow", "purple", "orange", "cyan"]


def _colors(n=10_000, seed=7, rare_from=9_000):
    """Random colors from VOCAB, some empty fields, and a value ("zebra") that only occurs
    in the last rows, i.e. only in the last row group of 1000 rows."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        r = rng.random()
        if r < 0.03:
            out.append("")
        elif i >= rare_from and r < 0.06:
            out.append("zebra")
        else:
            out.append(rng.choice(VOCAB))
    return out


def _pandas_values(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series.astype(object).tolist()]


@pytest.fixture
def colors_file(convert):
    colors = _colors()
    assert "zebra" in colors[9_000:] and "zebra" not in colors[:9_000]
    data = simple_csv({"id": [str(i) for i in range(len(colors))], "color": colors})
    conv = convert.run(data, "--row-group-rows", "1000")
    return conv, colors


def test_low_cardinality_text_is_a_category(colors_file):
    conv, colors = colors_file
    assert_column_type(conv.report, conv.table, "color", "category")
    assert conv.table.column("color").to_pylist() == [c or None for c in colors]
    assert conv.table.column("id").to_pylist() == list(range(len(colors)))
    col = report_column(conv.report, "color")
    assert col["nulls"] == colors.count("")
    if col["distinct"] is not None:
        assert col["distinct"] == len(set(colors) - {""})


def test_pandas_reads_category_with_sorted_vocabulary(colors_file):
    conv, colors = colors_file
    vocab = sorted(set(colors) - {""})
    # The report carries the sorted vocabulary (the codes' order).
    assert report_column(conv.report, "color")["categories"] == vocab
    for frame in (conv.table.to_pandas(), pd.read_parquet(conv.out_path, engine="pyarrow")):
        s = frame["color"]
        assert s.dtype.name == "category"
        # Every row group's dictionary page is the sorted vocabulary, so pandas' categories
        # come out in that order with no work from the reader.
        assert list(s.cat.categories) == vocab
        assert _pandas_values(s) == [c or None for c in colors]


def test_every_row_group_has_the_whole_sorted_vocabulary_as_dictionary(colors_file):
    conv, colors = colors_file
    vocab = sorted(set(colors) - {""})
    pf = pq.ParquetFile(conv.out_path)
    assert pf.metadata.num_row_groups == 10
    for i in range(pf.metadata.num_row_groups):
        assert pf.metadata.row_group(i).num_rows == 1000
        chunked = pf.read_row_group(i).column("color")
        assert len(chunked.chunks) >= 1
        expected = [c or None for c in colors[i * 1000:(i + 1) * 1000]]
        for chunk in chunked.chunks:
            assert is_category_type(chunk.type), chunk.type
            # Identical in every row group, even those without "zebra": codes are stable.
            assert chunk.dictionary.to_pylist() == vocab, f"row group {i}"
        assert chunked.to_pylist() == expected
        meta = pf.metadata.row_group(i).column(1)
        assert meta.has_dictionary_page
        assert "RLE_DICTIONARY" in meta.encodings
        present = {c for c in expected if c is not None}
        assert meta.statistics.min == min(present) and meta.statistics.max == max(present)
        assert meta.statistics.null_count == expected.count(None)


def test_category_max_zero_disables_categories(convert):
    colors = _colors()
    data = simple_csv({"id": [str(i) for i in range(len(colors))], "color": colors})
    report, table = convert(data, "--category-max", "0")
    assert_column_type(report, table, "color", "text")
    assert table.column("color").to_pylist() == [c or None for c in colors]
    assert table.to_pandas()["color"].dtype.name != "category"


def _column_file(values, name="x"):
    return simple_csv({"i": [str(i) for i in range(len(values))], name: values})


@pytest.mark.parametrize("distinct,category_max,expected", [(5, 5, "category"), (6, 5, "text")])
def test_category_max_boundary(convert, distinct, category_max, expected):
    values = [f"v{i % distinct}" for i in range(100)]
    report, table = convert(_column_file(values), "--category-max", str(category_max))
    assert_column_type(report, table, "x", expected)
    assert table.column("x").to_pylist() == values


@pytest.mark.parametrize("distinct,expected", [(1000, "category"), (1001, "text")])
def test_default_category_max_is_1000(convert, distinct, expected):
    rng = random.Random(distinct)
    values = [f"k{i:04d}" for i in range(distinct)] * 5
    rng.shuffle(values)
    report, table = convert(_column_file(values))
    assert_column_type(report, table, "x", expected)
    assert table.column("x").to_pylist() == values
    if expected == "category":
        # 1000 ids do not fit uint8 indices.
        assert table.schema.field("x").type.index_type == pa.uint16()
        assert report_column(report, "x")["categories"] == sorted(set(values))


@pytest.mark.parametrize(
    "values,flags,expected",
    [
        (["a", "b", "a", "b"], [], "category"),  # 2/4 = 0.5 <= 0.5
        (["a", "b", "a", "b", ""], [], "category"),  # nulls do not count: 2/4
        (["a", "b", "c", "a", "b"], [], "text"),  # 3/5 = 0.6
        (["a", "b", "a"], [], "text"),  # 2/3 > 0.5
        (["a", "b", "a"], ["--category-ratio", "0.7"], "category"),
        (["a"], ["--category-ratio", "1"], "text"),  # needs at least 2 non-null values
        (["a", ""], ["--category-ratio", "1"], "text"),
        (["a", "a"], [], "category"),
    ],
    ids=lambda v: "|".join(v) if isinstance(v, list) else v,
)
def test_category_ratio_and_minimum(convert, values, flags, expected):
    report, table = convert(_column_file(values), "--header", *flags)
    assert_column_type(report, table, "x", expected)
    assert table.column("x").to_pylist() == [v or None for v in values]


def test_vocabulary_sorted_by_code_point(convert):
    vocab = ["b", "B", "a", "é", "Z", "ä", "10", "9"]
    rng = random.Random(3)
    values = [rng.choice(vocab) for _ in range(2000)]
    report, table = convert(_column_file(values))
    assert_column_type(report, table, "x", "category")
    assert report_column(report, "x")["categories"] == sorted(set(values))
    assert table.column("x").chunks[0].dictionary.to_pylist() == sorted(set(values))
    assert table.column("x").to_pylist() == values


def test_many_categories_use_uint16_indices(convert):
    rng = random.Random(300)
    vocab = [f"cat-{i:03d}" for i in range(300)]
    values = [rng.choice(vocab) for _ in range(10_000)]
    report, table = convert(_column_file(values), "--row-group-rows", "2500")
    assert_column_type(report, table, "x", "category")
    assert table.schema.field("x").type.index_type == pa.uint16()
    assert table.column("x").to_pylist() == values
    assert len(table.column("x").chunks) == 4
    for chunk in table.column("x").chunks:
        assert chunk.dictionary.to_pylist() == sorted(set(values))
    assert report_column(report, "x")["categories"] == sorted(set(values))
    assert list(table.to_pandas()["x"].cat.categories) == sorted(set(values))


def test_null_tokens_stay_values_in_a_category_column(convert):
    # Country codes: a low-cardinality text column; Namibia's "NA" must stay a string.
    rng = random.Random(264)
    codes = [rng.choice(["US", "NA", "DE", "FR", ""]) for _ in range(3000)]
    report, table = convert(_column_file(codes, "country"))
    assert_column_type(report, table, "country", "category")
    assert table.column("country").to_pylist() == [c or None for c in codes]
    assert "NA" in table.column("country").chunks[0].dictionary.to_pylist()
    assert report_column(report, "country")["categories"] == ["DE", "FR", "NA", "US"]
    s = table.to_pandas()["country"]
    assert list(s.cat.categories) == ["DE", "FR", "NA", "US"]
    assert int(s.isna().sum()) == codes.count("")


def test_stream_mode_vocabulary_grows_by_appending(convert):
    # Stream mode infers from a sample, so values first met later join the vocabulary at its
    # end: each row group's dictionary extends the previous one, and no code changes meaning.
    values = ["b", "a"] * 50 + ["c"] * 500 + ["a", "d", ""] * 300
    report, table = convert(
        _column_file(values), "--stream", "--sample-rows", "100", "--row-group-rows", "400",
        "--type", "i=uint32",
    )
    assert report["mode"] == "stream"
    assert_column_type(report, table, "x", "category")
    assert table.column("x").to_pylist() == [v or None for v in values]
    dictionaries = [c.dictionary.to_pylist() for c in table.column("x").chunks]
    assert dictionaries[0][:2] == ["a", "b"]
    for before, after in zip(dictionaries, dictionaries[1:]):
        assert after[: len(before)] == before
    assert dictionaries[-1] == ["a", "b", "c", "d"]
    assert _pandas_values(table.to_pandas()["x"]) == [v or None for v in values]


def test_text_past_the_category_cap_keeps_a_small_dictionary_only_while_it_pays(convert):
    """Text with thousands of distinct values is no category but may repeat enough for a
    Parquet dictionary (kept); unique texts give up on theirs early (a small dictionary page,
    then plain pages) instead of interning a megabyte of them in every row group."""
    rng = random.Random(3)
    n = 60_000
    towns = [f"town-{rng.randrange(3000):04d}" for _ in range(n)]
    unique = [f"note {i} {rng.random():.12f}" for i in range(n)]
    conv = convert.run(simple_csv({"town": towns, "note": unique}))
    assert conv.table.column("town").to_pylist() == towns
    assert conv.table.column("note").to_pylist() == unique
    meta = pq.ParquetFile(conv.out_path).metadata.row_group(0)
    town, note = meta.column(0), meta.column(1)
    # Dictionary-coded all through, the towns take a few bytes a row (plain: 13).
    assert town.has_dictionary_page and town.total_uncompressed_size < 4 * n
    # The notes' dictionary page stops near 128 KiB (compressed here to well under 100 kB),
    # far below the writer's default of 1 MiB.
    assert note.has_dictionary_page
    assert note.data_page_offset - note.dictionary_page_offset < 100_000
