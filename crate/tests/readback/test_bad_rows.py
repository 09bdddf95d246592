"""Bad rows under --bad-rows error / skip / collect, --rejects, empty and header-only input,
header renaming, and the physical line numbers reported for rejected records."""
from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import dataclass, field

import pyarrow as pa
import pytest

from readback_helpers import csv_text


@dataclass
class Reject:
    line: int
    column: str | None = None  # asserted when not None
    value: str | None = None  # asserted when not None
    reason: str | None = None  # exact reason asserted when not None
    record: str | None = None  # raw record text asserted when not None


@dataclass
class Case:
    id: str
    data: bytes
    good_a: list  # column "a" of the rows that survive skip/collect
    rejects: list
    flags: list = field(default_factory=list)
    inferred_type: str | None = None  # stream mode: the sample-inferred type named on error


def _stream_type_break():
    rows = [[str(i), f"r{i}", str(i % 100)] for i in range(200)]
    rows.append(["200", "r200", "oops"])  # data row 201 -> physical line 202
    rows += [[str(i), f"r{i}", "5"] for i in range(201, 220)]
    good = [i for i in range(220) if i != 200]
    return Case(
        "stream_type_break",
        csv_text(["a", "b", "c"], rows).encode(),
        good,
        [Reject(202, "c", "oops", record="200,r200,oops")],
        ["--stream", "--sample-rows", "100"],
        inferred_type="uint8",
    )


def _stream_invalid_utf8():
    # The bad byte sits ~6 MB into the file, far beyond any sniffing window.
    rng = random.Random(8)
    n, bad = 30_000, 29_000
    lines = [b"a,b,c"]
    for i in range(n):
        text = f"{i}-{rng.getrandbits(64):016x}" + "x" * 180
        b = (text[:5] + "caf\xe9").encode("latin-1") if i == bad else text.encode()
        a = 40_000 if i == 0 else i  # the sample (first 100 rows) must infer uint16 for a
        lines.append(str(a).encode() + b"," + b + b"," + str(i % 7).encode())
    data = b"\n".join(lines) + b"\n"
    assert data.index(b"\xe9") > 5_000_000
    return Case(
        "stream_invalid_utf8",
        data,
        [40_000] + [i for i in range(1, n) if i != bad],
        [Reject(bad + 2)],
        ["--stream", "--sample-rows", "100"],
    )


CASES = [
    Case(
        "ragged_too_many",
        b"a,b,c\n1,x,3\n4,y,6,7\n8,z,10\n",
        [1, 8],
        [Reject(3, reason="expected 3 fields, found 4", record="4,y,6,7")],
    ),
    Case(
        "ragged_too_few",
        b"a,b,c\n1,x,3\n4,y\n8,z,10\n",
        [1, 8],
        [Reject(3, reason="expected 3 fields, found 2", record="4,y")],
    ),
    Case("nul_byte", b"a,b,c\n1,x,3\n4,y\x00z,6\n7,w,9\n", [1, 7], [Reject(3, "b")]),
    Case(
        "field_too_long",
        b"a,b,c\n1,short,3\n4," + b"L" * 20 + b",6\n7,ok,9\n",
        [1, 7],
        [Reject(3, "b")],
        ["--max-field-bytes", "10"],
    ),
    Case(
        "unterminated_quote_at_eof",
        b'a,b,c\n1,x,3\n2,y,4\n5,"never closed,6\n7,z,9\n',
        [1, 2],
        [Reject(4)],
    ),
    Case(
        "type_override_does_not_fit",
        b"a,b,c\n1,x,3\n4,y,300\n7,z,-1\n10,w,12\n",
        [1, 10],
        [Reject(3, "c", "300", record="4,y,300"), Reject(4, "c", "-1", record="7,z,-1")],
        ["--type", "c=uint8"],
    ),
    Case(
        "type_override_bad_date",
        b"a,b,c\n1,x,2024-01-31\n2,y,2024-13-01\n3,z,2024-02-29\n",
        [1, 3],
        [Reject(3, "c", "2024-13-01")],
        ["--type", "c=date"],
    ),
    Case(
        "line_numbers_count_blank_lines",
        b"a,b,c\n1,x,3\n\n4,y,6,7\n8,z,10\n",
        [1, 8],
        [Reject(4, reason="expected 3 fields, found 4")],
    ),
    Case(
        "line_numbers_count_quoted_newlines",
        b'a,b,c\n1,"multi\nline",3\n4,y,6,7\n8,z,10\n',
        [1, 8],
        [Reject(4, reason="expected 3 fields, found 4")],
    ),
    Case(
        "line_numbers_without_header",
        b"1,x,3\n4,y,6,7\n8,z,10\n",
        [1, 8],
        [Reject(2, reason="expected 3 fields, found 4")],
        ["--no-header"],
    ),
    _stream_type_break(),
    _stream_invalid_utf8(),
]


def _first_column(case):
    return "column_1" if "--no-header" in case.flags else "a"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_rows_error(convert_fail, case):
    code, stderr = convert_fail(case.data, *case.flags)
    assert code == 1, stderr
    assert "error" in stderr.lower()
    first = case.rejects[0]
    assert re.search(rf"\bline {first.line}\b", stderr), f"line {first.line} not named in: {stderr!r}"
    if first.column is not None:
        assert f'column "{first.column}"' in stderr, stderr
    if first.value is not None:
        assert f'value "{first.value}"' in stderr, stderr
    if case.inferred_type is not None:
        assert case.inferred_type in stderr, stderr


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_rows_skip(convert, case):
    report, table = convert(case.data, "--bad-rows", "skip", *case.flags)
    assert report["rows_rejected"] == len(case.rejects)
    assert report["rows_written"] == len(case.good_a)
    assert not report.get("rejected"), "`rejected` is filled only with --bad-rows collect"
    assert table.column(_first_column(case)).to_pylist() == case.good_a


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_rows_collect(convert, tmp_path, case):
    rejects_path = tmp_path / f"rejects_{case.id}.csv"
    report, table = convert(
        case.data, "--bad-rows", "collect", "--rejects", str(rejects_path), *case.flags
    )
    assert report["rows_rejected"] == len(case.rejects)
    assert table.column(_first_column(case)).to_pylist() == case.good_a
    got = report["rejected"]
    assert [r["line"] for r in got] == [r.line for r in case.rejects]
    for want, have in zip(case.rejects, got):
        assert have["reason"], have
        if want.column is not None:
            assert have["column"] == want.column
        if want.value is not None:
            assert have["value"] == want.value
        if want.reason is not None:
            assert have["reason"] == want.reason
        if want.record is not None:
            assert have["record"].rstrip("\r\n") == want.record

    # The --rejects file: a CSV with columns line, reason, record, one row per rejected row.
    text = rejects_path.read_bytes().decode("utf-8", "replace")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["line", "reason", "record"]
    assert len(rows) - 1 == len(case.rejects)
    for row, have in zip(rows[1:], got):
        assert int(row[0]) == have["line"]
        assert row[1] == have["reason"]
        assert row[2].rstrip("\r\n") == have["record"].rstrip("\r\n")


def test_rejected_ragged_row_record_in_rejects_file(convert, tmp_path):
    rejects_path = tmp_path / "rejects.csv"
    data = 'a,b\n1,"has, comma"\n2,"quoted ""x""",extra\n3,ok\n'
    report, table = convert(data, "--bad-rows", "collect", "--rejects", str(rejects_path))
    assert table.column("a").to_pylist() == [1, 3]
    (rej,) = report["rejected"]
    assert rej["line"] == 3
    assert rej["reason"] == "expected 2 fields, found 3"
    assert rej["record"].rstrip("\r\n") == '2,"quoted ""x""",extra'
    rows = list(csv.reader(io.StringIO(rejects_path.read_text("utf-8"), newline="")))
    assert rows[1][:2] == ["3", "expected 2 fields, found 3"]
    assert rows[1][2].rstrip("\r\n") == '2,"quoted ""x""",extra'


def test_many_bad_rows_collected_in_order(convert):
    rng = random.Random(99)
    lines, bad_lines, good = ["a,b"], [], []
    for i in range(2000):
        if rng.random() < 0.05:
            lines.append(f"{i},x,surplus")
            bad_lines.append(len(lines))  # 1-based physical line number
        else:
            lines.append(f"{i},{rng.randint(0, 9)}")
            good.append(i)
    report, table = convert("\n".join(lines) + "\n", "--bad-rows", "collect")
    assert [r["line"] for r in report["rejected"]] == bad_lines
    assert all(r["reason"] == "expected 2 fields, found 3" for r in report["rejected"])
    assert report["rows_in"] == 2000
    assert table.column("a").to_pylist() == good


def test_blank_lines_are_skipped_and_not_counted(convert):
    report, table = convert("a,b\n1,2\n\n3,4\n\n\n5,6\n\n")
    assert report["rows_in"] == 3
    assert report["rows_rejected"] == 0
    assert table.column("a").to_pylist() == [1, 3, 5]
    assert table.column("b").to_pylist() == [2, 4, 6]


# ------------------------------------------------------------ empty / header only


@pytest.mark.parametrize(
    "data",
    [b"", b"\n", b"\n\n\n", b"\r\n\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n"],
    ids=["empty", "newline", "blank_lines", "crlf_blank_lines", "bom_only", "bom_blank_lines"],
)
def test_empty_input_is_an_error(convert_fail, data):
    code, stderr = convert_fail(data)
    assert code == 1
    assert "empty input" in stderr


def test_empty_stdin_is_an_error(convert_fail):
    code, stderr = convert_fail(b"", stdin=True)
    assert code == 1
    assert "empty input" in stderr


@pytest.mark.parametrize("data", ["id,name,price\n", "id,name,price", "id;name;price\r\n"],
                         ids=["lf", "no_newline", "semicolon_crlf"])
def test_header_only_file(convert, data):
    report, table = convert(data)
    assert report["rows_in"] == 0 and report["rows_written"] == 0
    assert table.num_rows == 0
    assert table.column_names == ["id", "name", "price"]
    assert all(f.type == pa.string() for f in table.schema), table.schema
    assert [c["type"] for c in report["columns"]] == ["text"] * 3


def test_duplicate_and_empty_header_names(convert):
    data = "a,a,,b,a,\n1,2,3,4,5,6\n7,8,9,10,11,12\n"
    report, table = convert(data)
    names = ["a", "a_2", "column_3", "b", "a_3", "column_6"]
    assert table.column_names == names
    assert [c["name"] for c in report["columns"]] == names
    for j, name in enumerate(names):
        assert table.column(name).to_pylist() == [j + 1, j + 7]
