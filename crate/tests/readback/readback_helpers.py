"""Independent expectation logic for the read-back tests.

Nothing here looks at parquetry's code: expected values are built from the CSV text with
Python's own `csv`, `int`, `float`, `numpy.float32`, `datetime` and plain integer
arithmetic, following docs/cli-contract.md.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pyarrow as pa

# The contract's default null-token list (the empty field is always null as well).
DEFAULT_NULL_TOKENS = ["NA", "N/A", "n/a", "null", "NULL", "Null", "NaN", "nan", "None", "none", "-"]

EPOCH_DATE = dt.date(1970, 1, 1)
UNIT_SCALE = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


# --------------------------------------------------------------------------- CSV text


def csv_text(header, rows, delimiter=",", lineterminator="\n", quoting=csv.QUOTE_MINIMAL) -> str:
    """Serialize rows with Python's csv module (header may be None)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def csv_bytes(header, rows, encoding="utf-8", **kw) -> bytes:
    return csv_text(header, rows, **kw).encode(encoding)


def parse_csv(data, delimiter=",", encoding="utf-8"):
    """Parse CSV text/bytes with Python's csv module; returns a list of rows (lists of str)."""
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data).decode(encoding)
    if data.startswith("\ufeff"):
        data = data[1:]
    return [row for row in csv.reader(io.StringIO(data, newline=""), delimiter=delimiter)]


def simple_csv(columns: dict[str, list[str]]) -> str:
    """Build a CSV (LF, minimal quoting) from {name: [cell text, ...]} (equal lengths)."""
    names = list(columns)
    n = len(columns[names[0]])
    assert all(len(v) == n for v in columns.values()), "columns of unequal length"
    rows = [[columns[c][i] for c in names] for i in range(n)]
    return csv_text(names, rows)


# ----------------------------------------------------------------- expected cell values


def is_null_text(s: str, tokens=DEFAULT_NULL_TOKENS) -> bool:
    return s == "" or s in tokens


def expected_int(s: str, tokens=DEFAULT_NULL_TOKENS):
    return None if is_null_text(s, tokens) else int(s)


_NAN_WORDS = {"nan"}
_INF_WORDS = {"inf", "infinity"}


def expected_float(s: str, tokens=DEFAULT_NULL_TOKENS):
    """float64 expectation; NaN text is the float NaN (never null) in a float column."""
    if s == "":
        return None
    low = s.lower().lstrip("+-")
    if low in _NAN_WORDS:
        return math.nan
    if low in _INF_WORDS:
        return -math.inf if s.startswith("-") else math.inf
    if s in tokens:
        return None
    return float(s)


def expected_float32(s: str, tokens=DEFAULT_NULL_TOKENS):
    v = expected_float(s, tokens)
    if v is None or math.isnan(v) or math.isinf(v):
        return v
    return float(np.float32(s))


def survives_float32(s: str) -> bool:
    """True when the text's value equals the shortest round-trip text of float32(s)."""
    if s.lower().lstrip("+-") in _NAN_WORDS | _INF_WORDS:
        return True
    x = np.float32(s)
    shortest = np.format_float_positional(x, unique=True, trim="0")
    return Decimal(shortest) == Decimal(s)


def survives_float64(s: str) -> bool:
    if s.lower().lstrip("+-") in _NAN_WORDS | _INF_WORDS:
        return True
    try:
        return Decimal(repr(float(s))) == Decimal(s)
    except InvalidOperation:
        return False


def floats_equal(actual, expected) -> bool:
    if expected is None or actual is None:
        return actual is expected
    if math.isnan(expected):
        return math.isnan(actual)
    return actual == expected


def assert_float_cells(actual: list, expected: list, name="column"):
    assert len(actual) == len(expected), f"{name}: {len(actual)} cells, expected {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected)):
        assert floats_equal(a, e), f"{name} row {i}: got {a!r}, expected {e!r}"


_DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATE_SLASH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DATE_DOT = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DATE_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")


def parse_date(s: str, order: str = "iso"):
    """order: 'iso', 'dmy/' (DD/MM/YYYY), 'mdy/' (MM/DD/YYYY), 'dmy.' (DD.MM.YYYY), 'ymd/'."""
    if s == "":
        return None
    if order == "iso":
        y, m, d = map(int, _DATE_ISO.fullmatch(s).groups())
    elif order == "ymd/":
        y, m, d = map(int, _DATE_YMD_SLASH.fullmatch(s).groups())
    elif order == "dmy/":
        d, m, y = map(int, _DATE_SLASH.fullmatch(s).groups())
    elif order == "mdy/":
        m, d, y = map(int, _DATE_SLASH.fullmatch(s).groups())
    elif order == "dmy.":
        d, m, y = map(int, _DATE_DOT.fullmatch(s).groups())
    else:  # pragma: no cover
        raise ValueError(order)
    return dt.date(y, m, d)


_TS = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}(?::\d{2})?)?"
)


def timestamp_parts(s: str):
    m = _TS.fullmatch(s)
    assert m, f"generator bug: {s!r} is not a contract timestamp"
    y, mo, d, h, mi, sec, frac, off = m.groups()
    offset_s = 0
    if off and off != "Z":
        sign = -1 if off[0] == "-" else 1
        oh = int(off[1:3])
        om = int(off[4:6]) if len(off) > 3 else 0
        offset_s = sign * (oh * 3600 + om * 60)
    return (int(y), int(mo), int(d), int(h), int(mi), int(sec or 0), frac or "", off, offset_s)


def fraction_digits(s: str) -> int:
    m = re.search(r"\.(\d+)", s.split("T")[-1].split(" ")[-1])
    return len(m.group(1)) if m else 0


def unit_for_digits(n: int) -> str:
    """Contract: ms for 0-3 fraction digits, us for 4-6, ns for 7-9."""
    return "ms" if n <= 3 else "us" if n <= 6 else "ns"


def timestamp_epoch(s: str, unit: str):
    """Integer count of `unit` since the Unix epoch, UTC-adjusted when an offset is given."""
    if s == "":
        return None
    y, mo, d, h, mi, sec, frac, _off, offset_s = timestamp_parts(s)
    days = (dt.date(y, mo, d) - EPOCH_DATE).days
    seconds = days * 86400 + h * 3600 + mi * 60 + sec - offset_s
    ns = int((frac + "000000000")[:9])
    scale = UNIT_SCALE[unit]
    return seconds * scale + ns // (1_000_000_000 // scale)


_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?")


def time_of_day(s: str, unit: str):
    """Integer count of `unit` since midnight."""
    if s == "":
        return None
    h, mi, sec, frac = _TIME.fullmatch(s).groups()
    seconds = int(h) * 3600 + int(mi) * 60 + int(sec or 0)
    ns = int(((frac or "") + "000000000")[:9])
    scale = UNIT_SCALE[unit]
    return seconds * scale + ns // (1_000_000_000 // scale)


# ------------------------------------------------------------------------ Arrow side


def raw_ints(column) -> list:
    """Physical integer values of a temporal column (nulls stay None)."""
    t = column.type
    if pa.types.is_time32(t) or pa.types.is_date32(t):
        return column.cast(pa.int32()).to_pylist()
    return column.cast(pa.int64()).to_pylist()


_INT_TYPES = {
    "int8": pa.int8(), "int16": pa.int16(), "int32": pa.int32(), "int64": pa.int64(),
    "uint8": pa.uint8(), "uint16": pa.uint16(), "uint32": pa.uint32(), "uint64": pa.uint64(),
}


def arrow_type_for(report_type: str):
    """Arrow type the contract promises for a report `type` (None for category)."""
    simple = dict(_INT_TYPES)
    simple.update({
        "bool": pa.bool_(), "float32": pa.float32(), "float64": pa.float64(),
        "date": pa.date32(), "text": pa.string(),
    })
    if report_type in simple:
        return simple[report_type]
    if report_type == "category":
        return None
    m = re.fullmatch(r"timestamp\[(ms|us|ns)(, UTC)?\]", report_type)
    if m:
        return pa.timestamp(m.group(1), tz="UTC" if m.group(2) else None)
    m = re.fullmatch(r"time\[(ms|us|ns)\]", report_type)
    if m:
        return pa.time32("ms") if m.group(1) == "ms" else pa.time64(m.group(1))
    raise AssertionError(f"report type {report_type!r} is not in the contract")


def is_category_type(t) -> bool:
    return (
        pa.types.is_dictionary(t)
        and t.value_type == pa.string()
        and t.index_type in (pa.uint8(), pa.uint16())
    )


def report_column(report: dict, name: str) -> dict:
    for col in report["columns"]:
        if col["name"] == name:
            return col
    raise AssertionError(f"column {name!r} not in report: {[c['name'] for c in report['columns']]}")


def assert_column_type(report, table, name, report_type):
    """The report's `type` and the Arrow type read back must both match the contract."""
    got = report_column(report, name)["type"]
    assert got == report_type, f"column {name!r}: report type {got!r}, expected {report_type!r}"
    arrow_t = table.schema.field(name).type
    if report_type == "category":
        assert is_category_type(arrow_t), f"column {name!r}: Arrow type {arrow_t} is not a category"
    else:
        assert arrow_t == arrow_type_for(report_type), (
            f"column {name!r}: Arrow type {arrow_t}, expected {arrow_type_for(report_type)}"
        )


def inference_metadata(parquet_file) -> dict:
    """Decode the `parquetry.inference` key-value entry as {column name: entry dict}.

    The contract only says it is JSON "with per-column type, null count, min/max, distinct
    count"; both a list of objects with a "name" and a mapping keyed by name are accepted,
    optionally nested under "columns"."""
    kv = parquet_file.metadata.metadata or {}
    raw = kv.get(b"parquetry.inference")
    assert raw is not None, f"no parquetry.inference key; keys: {sorted(kv)}"
    doc = json.loads(raw)
    cols = doc.get("columns", doc) if isinstance(doc, dict) else doc
    if isinstance(cols, list):
        return {c["name"]: c for c in cols}
    assert isinstance(cols, dict), f"unexpected inference metadata layout: {doc!r}"
    return cols


def first_key(entry: dict, *names):
    for n in names:
        if n in entry:
            return entry[n]
    raise AssertionError(f"none of {names} in inference entry {entry!r}")


def assert_cells(table, name: str, texts: list, tokens=DEFAULT_NULL_TOKENS):
    """Compare a column cell by cell with its CSV texts, using the Arrow type read back to
    decide how each text must be interpreted (types are asserted separately)."""
    col = table.column(name)
    t = col.type
    assert len(col) == len(texts), f"{name}: {len(col)} cells, expected {len(texts)}"
    if pa.types.is_integer(t):
        expected, actual = [expected_int(s, tokens) for s in texts], col.to_pylist()
    elif t == pa.float32():
        assert_float_cells(col.to_pylist(), [expected_float32(s, tokens) for s in texts], name)
        return
    elif t == pa.float64():
        assert_float_cells(col.to_pylist(), [expected_float(s, tokens) for s in texts], name)
        return
    elif t == pa.bool_():
        expected = [None if is_null_text(s, tokens) else s.lower() == "true" for s in texts]
        actual = col.to_pylist()
    elif t == pa.date32():
        expected = [None if is_null_text(s, tokens) else parse_date(s, "iso") for s in texts]
        actual = col.to_pylist()
    elif pa.types.is_timestamp(t):
        expected = [None if is_null_text(s, tokens) else timestamp_epoch(s, t.unit) for s in texts]
        actual = raw_ints(col)
    elif t == pa.string() or is_category_type(t):
        expected = [None if s == "" else s for s in texts]
        actual = col.to_pylist()
    else:
        raise AssertionError(f"{name}: no cell comparison for Arrow type {t}")
    if actual != expected:
        bad = next(i for i, (a, e) in enumerate(zip(actual, expected)) if a != e)
        raise AssertionError(
            f"{name} ({t}) row {bad}: got {actual[bad]!r}, expected {expected[bad]!r} "
            f"from CSV text {texts[bad]!r}"
        )
