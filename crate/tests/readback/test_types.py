"""Type inference, read back with pyarrow and compared cell by cell with the CSV text.

Every case is a two-column file `i,x` (i = 1..n, an integer column that also lets the
header sniffer see a header) and the column under test is `x`."""
from __future__ import annotations

import datetime as dt
import math
import random

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from readback_helpers import (
    DEFAULT_NULL_TOKENS,
    assert_column_type,
    assert_float_cells,
    expected_float,
    expected_float32,
    expected_int,
    parse_csv,
    parse_date,
    raw_ints,
    report_column,
    simple_csv,
    time_of_day,
    timestamp_epoch,
)


def column_csv(values, name="x"):
    return simple_csv({"i": [str(i) for i in range(1, len(values) + 1)], name: list(values)})


def convert_column(convert, values, *flags, name="x"):
    data = column_csv(values, name)
    # The generator itself must produce exactly these cells (checked with Python's csv).
    parsed = parse_csv(data)
    assert [r[1] for r in parsed[1:]] == list(values)
    report, table = convert(data, *flags)
    assert table.column_names == ["i", name]
    assert table.column("i").to_pylist() == list(range(1, len(values) + 1))
    return report, table


# ------------------------------------------------------------------------- integers

INT_CASES = [
    (["0", "255"], "uint8"),
    (["0", "256"], "uint16"),
    (["65535", "1"], "uint16"),
    (["65536", "0"], "uint32"),
    (["4294967295", "7"], "uint32"),
    (["4294967296", "7"], "uint64"),
    ([str(2**64 - 1), "0"], "uint64"),
    (["-128", "127"], "int8"),
    (["-129", "0"], "int16"),
    (["-1", "128"], "int16"),
    (["-1", "255"], "int16"),
    (["-32768", "32767"], "int16"),
    (["-32769", "5"], "int32"),
    (["-1", "32768"], "int32"),
    (["-2147483648", "2147483647"], "int32"),
    (["-2147483649", "5"], "int64"),
    (["-1", "2147483648"], "int64"),
    ([str(-(2**63)), str(2**63 - 1)], "int64"),
    (["0", "1", "1", "0"], "uint8"),  # 0/1 is an integer, not a bool
    (["1", "", "3"], "uint8"),  # the empty field is null
]


@pytest.mark.parametrize("values,expected_type", INT_CASES, ids=lambda v: "|".join(v) if isinstance(v, list) else v)
def test_integer_narrowing(convert, values, expected_type):
    report, table = convert_column(convert, values)
    assert_column_type(report, table, "x", expected_type)
    assert table.column("x").to_pylist() == [expected_int(v) for v in values]


NOT_INT_CASES = [
    [str(2**64), "1"],  # above uint64
    [str(-(2**63) - 1), "1"],  # below int64
    ["-1", str(2**63)],  # needs both signed and > int64: no 64-bit type holds both
    ["00501", "90210"],  # zero padded
    ["+5", "6"],  # explicit plus sign
    ["1", "2", "x3"],
]



SMALL_INT_RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767), "uint16": (0, 65535)}


def assert_our_dictionary_chunks(conv, values, expected, groups):
    """Every row group's chunk of `x` is dictionary-encoded, with min, max and null count
    those of its rows; every cell reads back as `expected` makes of its text."""
    rows_all = [expected(v) for v in values]
    assert conv.table.column("x").to_pylist() == rows_all
    md = pq.ParquetFile(conv.out_path).metadata
    assert md.num_row_groups == groups
    start = 0
    for g in range(md.num_row_groups):
        chunk = md.row_group(g).column(1)
        rows = rows_all[start : start + md.row_group(g).num_rows]
        start += md.row_group(g).num_rows
        present = [v for v in rows if v is not None]
        assert chunk.has_dictionary_page and "RLE_DICTIONARY" in chunk.encodings
        assert (chunk.statistics.min, chunk.statistics.max) == (min(present), max(present))
        assert chunk.statistics.null_count == rows.count(None)
    return md


@pytest.mark.parametrize("kind", sorted(SMALL_INT_RANGES))
def test_small_integers_are_dictionary_encoded_and_read_back_exactly(convert, kind):
    # INT32 columns get a dictionary of our own (a table or an integer map of codes, not
    # the parquet crate's interner): over several pages and row groups, with nulls, both
    # ends of the range and, for 16 bits, every value, cells and statistics must come back.
    lo, hi = SMALL_INT_RANGES[kind]
    rng = random.Random(lo)
    n = 70_000
    everything = list(range(lo, hi + 1))
    rng.shuffle(everything)
    values = [str(v) for v in everything[:n]]
    values += [str(rng.randint(lo, hi)) for _ in range(n - len(values))]
    for k in range(0, n, 97):
        values[k] = ""
    values[1], values[2] = str(lo), str(hi)
    conv = convert.run(column_csv(values), "--row-group-rows", "30000")
    assert_column_type(conv.report, conv.table, "x", kind)
    assert_our_dictionary_chunks(conv, values, expected_int, 3)


def _few_of(kind, rng):
    """900 distinct texts of a 32-bit kind, its extremes among them."""
    if kind == "int32":
        few = {rng.randint(-(2**31), 2**31 - 1) for _ in range(898)} | {-(2**31), 2**31 - 1}
        return [str(v) for v in few], expected_int
    if kind == "uint32":
        # Past 2**31 an INT32 is negative: min and max must be taken as unsigned.
        few = {rng.randint(0, 2**32 - 1) for _ in range(898)} | {70_000, 2**32 - 1}
        return [str(v) for v in few], expected_int
    start = dt.date(1900, 1, 1)
    few = {start + dt.timedelta(days=rng.randint(0, 80_000)) for _ in range(900)}
    return [d.isoformat() for d in few], parse_date


@pytest.mark.parametrize("kind", ["int32", "uint32", "date"])
def test_32_bit_columns_with_few_values_get_our_dictionary(convert, kind):
    rng = random.Random(kind)
    few, expected = _few_of(kind, rng)
    values = [rng.choice(few) for _ in range(70_000)]
    for k in range(0, len(values), 89):
        values[k] = ""
    conv = convert.run(column_csv(values), "--row-group-rows", "30000")
    assert_column_type(conv.report, conv.table, "x", kind)
    assert_our_dictionary_chunks(conv, values, expected, 3)


def test_a_dictionary_past_its_limit_goes_on_in_plain_pages(convert):
    # 300,000 distinct dates in one row group: past 262,144 values (1 MiB) the dictionary
    # stops growing and the chunk's last pages are plain, as the parquet crate does.
    start = dt.date(1000, 1, 1)
    days = list(range(1, 299_999))
    random.Random(7).shuffle(days)
    days += [299_999, 0]  # the chunk's extremes only in its plain pages
    values = [(start + dt.timedelta(days=d)).isoformat() for d in days]
    values[5] = ""
    conv = convert.run(column_csv(values), "--row-group-rows", "300000", "--compression", "none")
    assert_column_type(conv.report, conv.table, "x", "date")
    md = assert_our_dictionary_chunks(conv, values, parse_date, 1)
    chunk = md.row_group(0).column(1)
    # Uncompressed, the dictionary page is its header and 262,144 dates of 4 bytes.
    dictionary_page = chunk.data_page_offset - chunk.dictionary_page_offset
    assert 262_144 * 4 < dictionary_page < 262_144 * 4 + 64


@pytest.mark.parametrize("values", NOT_INT_CASES, ids=lambda v: "|".join(v))
def test_not_integers_stay_text(convert, values):
    report, table = convert_column(convert, values, "--category-max", "0")
    assert_column_type(report, table, "x", "text")
    assert table.column("x").to_pylist() == values


# --------------------------------------------------------------------------- floats

FLOAT_CASES = [
    (["0.1", "0.25", "1.5"], "float32"),
    (["0.123456789", "1.5"], "float64"),
    (["2e10", "-.5", "1.5E-3"], "float32"),
    (["3.141592653589793", "2.718281828459045"], "float64"),
    (["1", "2.5"], "float32"),  # integers mixed with decimals widen to float
    (["16777217", "0.5"], "float64"),  # 2**24+1 is not exact in float32
    (["1.5", "NaN", "inf", "-inf", "Infinity", "-Infinity", "nan", "INF", "NAN", "iNfInItY"], "float32"),
    (["0.123456789", "NaN", "-inf", ""], "float64"),
    (["-0.0", "1e-3", "3.4e38"], "float32"),
]


@pytest.mark.parametrize("values,expected_type", FLOAT_CASES, ids=lambda v: "|".join(v) if isinstance(v, list) else v)
def test_float_width(convert, values, expected_type):
    report, table = convert_column(convert, values)
    assert_column_type(report, table, "x", expected_type)
    actual = table.column("x").to_pylist()
    if expected_type == "float32":
        expected = [expected_float32(v) for v in values]
    else:
        expected = [expected_float(v) for v in values]
    assert_float_cells(actual, expected, "x")
    # NaN is a value, not a null; only the empty field is null.
    assert table.column("x").null_count == sum(v == "" for v in values)


def test_float32_cells_equal_numpy_float32(convert):
    rng = random.Random(32)
    # Short decimals (at most 6 significant digits) always survive float32's round trip.
    values = [f"{rng.randint(-99999, 99999) / 100:.2f}" for _ in range(500)]
    report, table = convert_column(convert, values)
    assert_column_type(report, table, "x", "float32")
    got = np.array(table.column("x").to_pylist(), dtype=np.float64)
    want = np.array([np.float32(v) for v in values], dtype=np.float32).astype(np.float64)
    assert np.array_equal(got, want)


def test_float64_cells_exact(convert):
    rng = random.Random(64)
    values = [repr(rng.uniform(-1e9, 1e9)) for _ in range(500)]
    report, table = convert_column(convert, values)
    assert_column_type(report, table, "x", "float64")
    assert table.column("x").to_pylist() == [float(v) for v in values]


@pytest.mark.parametrize(
    "values",
    [
        ["0.12345678901234567890", "1.5"],  # more digits than float64 keeps
        ["01.5", "2.5"],  # zero padded
        ["1.5", "1,5"],
        ["1.5.1", "2"],
    ],
    ids=lambda v: "|".join(v),
)
def test_not_floats_stay_text(convert, values):
    report, table = convert_column(convert, values, "--category-max", "0")
    assert_column_type(report, table, "x", "text")
    assert table.column("x").to_pylist() == values


# ---------------------------------------------------------------------------- bools


def test_bools_in_any_case(convert):
    values = ["true", "FALSE", "True", "fAlSe", "TRUE", "", "false"]
    report, table = convert_column(convert, values)
    assert_column_type(report, table, "x", "bool")
    assert table.column("x").to_pylist() == [
        None if v == "" else v.lower() == "true" for v in values
    ]


@pytest.mark.parametrize(
    "values", [["yes", "no"], ["t", "f"], ["true", "false", "1"], ["Y", "N"]], ids=lambda v: "|".join(v)
)
def test_other_bool_spellings_are_not_bools(convert, values):
    report, table = convert_column(convert, values, "--category-max", "0")
    assert_column_type(report, table, "x", "text")
    assert table.column("x").to_pylist() == values


# ---------------------------------------------------------------------------- dates


def _ambiguous_dates(rng, n, sep, year_last=True):
    out = []
    for _ in range(n):
        d, m = rng.randint(1, 12), rng.randint(1, 12)
        out.append(f"{d:02d}{sep}{m:02d}{sep}{rng.randint(1990, 2030)}")
    return out


def _date_cases():
    rng = random.Random(1234)
    amb_slash = _ambiguous_dates(rng, 2000, "/")
    amb_dot = _ambiguous_dates(rng, 300, ".")
    return [
        ("iso", ["2024-01-15", "1999-12-31", "2000-02-29", "", "1970-01-01", "1969-12-31"], "iso"),
        ("slash_day_first_by_late_row", amb_slash + ["13/01/2024"], "dmy/"),
        ("slash_month_first_by_late_row", amb_slash + ["01/13/2024"], "mdy/"),
        ("slash_all_ambiguous_month_first", amb_slash[:200], "mdy/"),
        ("dot_all_ambiguous_day_first", amb_dot, "dmy."),
        ("dot_day_first", ["31.12.2023", "1.2.2024", "29.02.2024"], "dmy."),
        ("one_or_two_digit_parts", ["1/2/2024", "12/25/2024", "3/4/1999"], "mdy/"),
        ("year_first_slash", ["2024/1/5", "2023/12/31", "2000/02/29"], "ymd/"),
    ]


@pytest.mark.parametrize("values,order", [c[1:] for c in _date_cases()], ids=[c[0] for c in _date_cases()])
def test_dates(convert, values, order):
    report, table = convert_column(convert, values)
    assert_column_type(report, table, "x", "date")
    assert table.column("x").to_pylist() == [parse_date(v, order) for v in values]


@pytest.mark.parametrize(
    "values",
    [
        ["2024-01-15", "15/01/2024"],  # mixed formats
        ["13/01/2024", "01/13/2024"],  # no day/month order fits every value
        ["2023-02-29", "2024-01-01"],  # not a calendar date
        ["2024-1-15", "2024-01-16"],  # ISO needs two-digit month
    ],
    ids=lambda v: "|".join(v),
)
def test_not_dates_stay_text(convert, values):
    report, table = convert_column(convert, values, "--category-max", "0")
    assert_column_type(report, table, "x", "text")
    assert table.column("x").to_pylist() == values


# ----------------------------------------------------------------------- timestamps

TS_CASES = [
    ("naive_ms", ["2024-01-15T10:30:00", "2024-01-15 23:59:59.123", "2024-02-29T00:00",
                  "1969-12-31T23:59:59.999", "", "2024-01-15T10:30:00.5"], "timestamp[ms]"),
    ("naive_us", ["2024-01-15T10:30:00.1", "2024-01-15T10:30:00.123456", "1960-06-01 12:00:00.0001"],
     "timestamp[us]"),
    ("naive_ns", ["2024-01-15T10:30:00.123456789", "2024-01-15T10:30:00", "2262-04-11T23:47:16.854775807",
                  "1900-01-01 00:00:00.0000001"], "timestamp[ns]"),
    ("utc_ms", ["2024-01-15T10:30:00Z", "2024-01-15T10:30:00+02:00", "2024-01-15T23:30:00-05:00",
                "2024-01-15T10:30:00+05:30", "2024-06-01T00:15:00-03", "2024-03-01 00:00:00.250+01:00"],
     "timestamp[ms, UTC]"),
    ("utc_us", ["2024-01-15T10:30:00.123456+01:00", "2024-01-15T10:30:00Z", "2000-01-01T00:00:00.5-00:30"],
     "timestamp[us, UTC]"),
    ("utc_ns", ["2024-01-15T10:30:00.123456789Z", "2024-12-31T23:59:59.999999999-01:00"],
     "timestamp[ns, UTC]"),
]


@pytest.mark.parametrize("values,report_type", [c[1:] for c in TS_CASES], ids=[c[0] for c in TS_CASES])
def test_timestamps(convert, values, report_type):
    report, table = convert_column(convert, values)
    assert_column_type(report, table, "x", report_type)
    unit = report_type.split("[")[1].split(",")[0].rstrip("]")
    col = table.column("x")
    # Exact integer comparison (UTC-adjusted), computed independently of any date library.
    assert raw_ints(col) == [timestamp_epoch(v, unit) for v in values]
    if unit in ("ms", "us"):
        # Second, independent path: Python's own ISO parser.
        expected = []
        for v in values:
            if v == "":
                expected.append(None)
                continue
            d = dt.datetime.fromisoformat(v)
            if "UTC" in report_type:
                d = d.astimezone(dt.timezone.utc)
            expected.append(d)
        got = col.to_pylist()
        assert got == expected
        if "UTC" in report_type:
            assert all(g is None or g.utcoffset() == dt.timedelta(0) for g in got)
        else:
            assert all(g is None or g.tzinfo is None for g in got)


@pytest.mark.parametrize(
    "values",
    [
        ["2024-01-15T10:30:00", "2024-01-15T10:30:00Z"],  # naive + offset mix
        ["2024-01-15T25:30:00", "2024-01-15T10:30:00"],  # hour out of range
    ],
    ids=lambda v: "|".join(v),
)
def test_not_timestamps_stay_text(convert, values):
    report, table = convert_column(convert, values, "--category-max", "0")
    assert_column_type(report, table, "x", "text")
    assert table.column("x").to_pylist() == values


TIME_CASES = [
    ("ms", ["10:30", "23:59:59", "00:00:00.5", "", "12:34:56.789"], "time[ms]"),
    ("us", ["10:30:00.1234", "12:00", "23:59:59.999999"], "time[us]"),
    ("ns", ["10:30:00.123456789", "00:00:00.0000001", "08:15"], "time[ns]"),
]


@pytest.mark.parametrize("values,report_type", [c[1:] for c in TIME_CASES], ids=[c[0] for c in TIME_CASES])
def test_times_of_day(convert, values, report_type):
    report, table = convert_column(convert, values)
    assert_column_type(report, table, "x", report_type)
    unit = report_type[5:-1]
    col = table.column("x")
    assert raw_ints(col) == [time_of_day(v, unit) for v in values]
    if unit != "ns":
        assert col.to_pylist() == [None if v == "" else dt.time.fromisoformat(v) for v in values]


# ------------------------------------------------------------------ text and nulls


def test_zip_codes_keep_leading_zeros(convert):
    zips = ["00501", "02134", "90210", "10001", "07030", "99950"]
    report, table = convert_column(convert, zips, name="zip")
    assert_column_type(report, table, "zip", "text")
    assert table.column("zip").to_pylist() == zips
    col = report_column(report, "zip")
    assert (col["min"], col["max"]) == ("00501", "99950")


def test_repeated_zip_codes_keep_leading_zeros(convert):
    rng = random.Random(501)
    vocab = [f"{rng.randint(0, 9999):05d}" for _ in range(20)]
    vocab[0] = "00501"
    zips = [rng.choice(vocab) for _ in range(1000)]
    report, table = convert_column(convert, zips, name="zip")
    assert report_column(report, "zip")["type"] in ("text", "category")
    assert table.column("zip").to_pylist() == zips


@pytest.mark.parametrize("token", [t for t in DEFAULT_NULL_TOKENS if t.lower() != "nan"])
def test_default_null_token_in_int_column(convert, token):
    values = ["1", token, "3", ""]
    report, table = convert_column(convert, values)
    assert_column_type(report, table, "x", "uint8")
    assert table.column("x").to_pylist() == [1, None, 3, None]
    assert report_column(report, "x")["nulls"] == 2


def test_null_tokens_in_date_and_bool_columns(convert):
    data = simple_csv({
        "i": ["1", "2", "3", "4"],
        "d": ["2024-01-01", "NA", "null", "2024-12-31"],
        "b": ["true", "-", "false", "None"],
    })
    report, table = convert(data)
    assert_column_type(report, table, "d", "date")
    assert_column_type(report, table, "b", "bool")
    assert table.column("d").to_pylist() == [dt.date(2024, 1, 1), None, None, dt.date(2024, 12, 31)]
    assert table.column("b").to_pylist() == [True, None, False, None]


def test_nan_in_float_column_is_a_value_not_null(convert):
    values = ["1.5", "NaN", "", "nan", "2.25"]
    report, table = convert_column(convert, values)
    assert_column_type(report, table, "x", "float32")
    got = table.column("x").to_pylist()
    assert got[0] == 1.5 and got[4] == 2.25
    assert math.isnan(got[1]) and math.isnan(got[3])
    assert got[2] is None
    assert table.column("x").null_count == 1
    assert report_column(report, "x")["nulls"] == 1


def test_na_country_code_stays_text(convert):
    # Namibia: in a text column the null token "NA" is an ordinary string.
    codes = ["US", "NA", "DE", "FR", "GB", "JP", "N/A", "null"]
    report, table = convert_column(convert, codes, "--category-max", "0", name="country")
    assert_column_type(report, table, "country", "text")
    assert table.column("country").to_pylist() == codes
    assert table.column("country").null_count == 0
    assert report_column(report, "country")["nulls"] == 0


def test_empty_field_is_null_in_text_column(convert):
    values = ["alpha", "", "gamma", "delta"]
    report, table = convert_column(convert, values, "--category-max", "0")
    assert_column_type(report, table, "x", "text")
    assert table.column("x").to_pylist() == ["alpha", None, "gamma", "delta"]


def _utf8_order(values):
    """Parquet orders text by its UTF-8 bytes (unsigned), not by code points' str order."""
    return sorted(v.encode("utf-8") for v in values)


def _check_text_statistics(chunk, values):
    """Chunk min/max bound the column's texts; one over 64 bytes is cut to 64 at most (the
    max raised to stay an upper bound), one within it is exact."""
    present = _utf8_order(v for v in values if v is not None)
    lo, hi = chunk.statistics.min_raw, chunk.statistics.max_raw
    assert chunk.statistics.null_count == values.count(None)
    assert len(lo) <= 64 and len(hi) <= 64
    assert lo <= present[0] and hi >= present[-1]
    assert lo == present[0] if len(present[0]) <= 64 else present[0].startswith(lo)
    if len(present[-1]) <= 64:
        assert hi == present[-1]
    else:
        # Raised: above the true max, but no further than its cut prefix's next step.
        assert hi[:-4] == present[-1][: len(hi) - 4]


def test_texts_of_every_length_come_back_with_their_statistics(convert):
    """Thousands of distinct texts (so no category) of 0 to 300 bytes, with multi-byte
    characters where a 64-byte cut of the statistics falls, and nulls: the dictionary fills
    and the rest of each row group is written plain."""
    rng = random.Random(64)
    alphabet = ["a", "z", "é", "中", "😀", " ", "~", "\x7f"]
    values = []
    for i in range(12_000):
        if i % 17 == 0:
            values.append(None)
            continue
        n = rng.choice([1, 5, 40, 63, 64, 65, 66, 120, 300])
        values.append(f"{i:05d}" + "".join(rng.choice(alphabet) for _ in range(n)))
    values[5] = "😀" * 40  # the greatest (4-byte characters), cut for the max
    values[7] = "\x01" * 100  # the least, cut for the min
    data = simple_csv({"i": [str(i) for i in range(len(values))], "t": [v or "" for v in values]})
    conv = convert.run(data, "--row-group-rows", "5000")
    assert_column_type(conv.report, conv.table, "t", "text")
    assert conv.table.column("t").to_pylist() == values
    meta = pq.ParquetFile(conv.out_path).metadata
    assert meta.num_row_groups == 3
    for g in range(meta.num_row_groups):
        chunk = meta.row_group(g).column(1)
        _check_text_statistics(chunk, values[g * 5000:(g + 1) * 5000])


def test_texts_too_long_for_a_dictionary_are_written_plain(convert):
    """Texts of 300 KB: the first is too long for the dictionary page's limit, so the chunk
    has none and every page is plain, a few texts to a page (about 1 MB each); nulls that
    come before it are kept."""
    rng = random.Random(300)
    values = [None, None] + [
        "".join(rng.choice("abcdefgh") for _ in range(300_000)) for _ in range(12)
    ] + [None, "short"]
    data = simple_csv({"i": [str(i) for i in range(len(values))], "t": [v or "" for v in values]})
    conv = convert.run(data)
    assert_column_type(conv.report, conv.table, "t", "text")
    assert conv.table.column("t").to_pylist() == values
    chunk = pq.ParquetFile(conv.out_path).metadata.row_group(0).column(1)
    assert not chunk.has_dictionary_page
    assert "RLE_DICTIONARY" not in chunk.encodings
    _check_text_statistics(chunk, values)


def test_all_empty_column_is_text_all_null(convert):
    data = "a,b,c\n1,,x\n2,,y\n3,,z\n"
    report, table = convert(data)
    assert_column_type(report, table, "b", "text")
    assert table.column("b").to_pylist() == [None, None, None]
    assert report_column(report, "b")["nulls"] == 3


def test_null_flag_replaces_default_list(convert):
    report, table = convert_column(convert, ["1", "MISSING", "3"], "--null", "MISSING")
    assert_column_type(report, table, "x", "uint8")
    assert table.column("x").to_pylist() == [1, None, 3]
    # "NA" is no longer a null token, so it makes the column text.
    report, table = convert_column(convert, ["1", "NA", "3"], "--null", "MISSING", "--category-max", "0")
    assert_column_type(report, table, "x", "text")
    assert table.column("x").to_pylist() == ["1", "NA", "3"]


def test_null_flag_is_repeatable(convert):
    report, table = convert_column(convert, ["1", "MISSING", "?", "4"], "--null", "MISSING", "--null", "?")
    assert_column_type(report, table, "x", "uint8")
    assert table.column("x").to_pylist() == [1, None, None, 4]


def test_a_null_token_that_reads_as_a_value_is_null_in_every_typed_column(convert):
    """A sentinel like -999 is null wherever the column is not text, even where it would
    parse (the first pass counted it as a null: the column's range never saw it); NaN
    stays the float NaN in a float column; a text column keeps both as text."""
    data = (
        "count,delta,price,day,when,flag,label\n"
        "1,-5,1.5,2024-01-01,2024-01-01 10:00:00,true,x\n"
        "-999,-999,-999,-999,-999,-999,-999\n"
        "300,7,2.5,2024-01-02,2024-01-02 11:30:00,false,y\n"
        "NaN,NaN,NaN,NaN,NaN,NaN,NaN\n"
    )
    report, table = convert(data, "--null=-999", "--null", "NaN", "--category-max", "0")
    kinds = {"count": "uint16", "delta": "int8", "price": "float32", "day": "date"}
    for name, kind in {**kinds, "flag": "bool", "label": "text"}.items():
        assert_column_type(report, table, name, kind)
    assert table.column("count").to_pylist() == [1, None, 300, None]
    assert table.column("delta").to_pylist() == [-5, None, 7, None]
    price = table.column("price").to_pylist()
    assert price[:3] == [1.5, None, 2.5] and math.isnan(price[3])
    assert table.column("day").to_pylist() == [dt.date(2024, 1, 1), None, dt.date(2024, 1, 2), None]
    assert table.column("when").null_count == 2
    assert table.column("flag").to_pylist() == [True, None, False, None]
    assert table.column("label").to_pylist() == ["x", "-999", "y", "NaN"]
    for name in ["count", "delta", "day", "when", "flag"]:
        assert report_column(report, name)["nulls"] == 2, name
    assert report_column(report, "price")["nulls"] == 1


def test_no_null_tokens(convert):
    report, table = convert_column(convert, ["1", "NA", "3"], "--no-null-tokens", "--category-max", "0")
    assert_column_type(report, table, "x", "text")
    assert table.column("x").to_pylist() == ["1", "NA", "3"]
    report, table = convert_column(convert, ["1", "", "3"], "--no-null-tokens")
    assert_column_type(report, table, "x", "uint8")
    assert table.column("x").to_pylist() == [1, None, 3]


# --------------------------------------------------------------- report statistics


def test_report_types_and_null_counts_match_the_file(convert):
    rng = random.Random(77)
    n = 400
    cols = {
        "id": [str(i) for i in range(n)],
        "neg": [str(rng.randint(-1000, 1000)) if rng.random() > 0.1 else "" for _ in range(n)],
        "f": [repr(rng.uniform(-5, 5)) if rng.random() > 0.1 else "" for _ in range(n)],
        "flag": [rng.choice(["true", "false", ""]) for _ in range(n)],
        "day": [f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in range(n)],
        "name": [f"name-{rng.getrandbits(40):x}" for _ in range(n)],
    }
    report, table = convert(simple_csv(cols))
    expected_types = {"id": "uint16", "neg": "int16", "f": "float64", "flag": "bool", "day": "date", "name": "text"}
    assert [c["name"] for c in report["columns"]] == list(cols)
    assert table.column_names == list(cols)
    for name, t in expected_types.items():
        assert_column_type(report, table, name, t)
        col = report_column(report, name)
        want_nulls = sum(v == "" for v in cols[name])
        assert col["nulls"] == want_nulls == table.column(name).null_count, name
    ints = [int(v) for v in cols["neg"] if v]
    neg = report_column(report, "neg")
    assert int(neg["min"]) == min(ints) and int(neg["max"]) == max(ints)
    if neg["distinct"] is not None:
        assert neg["distinct"] == len(set(ints))
    assert table.column("neg").to_pylist() == [expected_int(v) for v in cols["neg"]]
    assert table.column("f").to_pylist() == [expected_float(v) for v in cols["f"]]


# ------------------------------------------------------------------- --type override


@pytest.mark.parametrize(
    "values,forced,expected",
    [
        (["1", "2", "3"], "int64", [1, 2, 3]),
        (["1", "2", "3"], "uint32", [1, 2, 3]),
        (["1", "2", "3"], "int8", [1, 2, 3]),
        (["1", "2", "3"], "text", ["1", "2", "3"]),
        (["0.5", "0.25"], "float64", [0.5, 0.25]),
        (["1", "2.5"], "float64", [1.0, 2.5]),
        (["true", "FALSE"], "bool", [True, False]),
        (["2024-01-15", "1999-12-31"], "date", [dt.date(2024, 1, 15), dt.date(1999, 12, 31)]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_type_override(convert, values, forced, expected):
    report, table = convert_column(convert, values, "--type", f"x={forced}")
    assert_column_type(report, table, "x", forced)
    assert table.column("x").to_pylist() == expected


def test_type_override_category(convert):
    values = ["alpha", "beta", "gamma"]  # too many distinct values to be inferred as category
    report, table = convert_column(convert, values, "--type", "x=category")
    assert_column_type(report, table, "x", "category")
    assert table.column("x").to_pylist() == values


def test_type_override_timestamp_picks_a_unit(convert):
    values = ["2024-01-15T10:30:00.123", "2024-01-15 11:00:00"]
    report, table = convert_column(convert, values, "--type", "x=timestamp")
    t = table.schema.field("x").type
    assert pa.types.is_timestamp(t) and t.tz is None
    assert report_column(report, "x")["type"] == f"timestamp[{t.unit}]"
    assert raw_ints(table.column("x")) == [timestamp_epoch(v, t.unit) for v in values]
