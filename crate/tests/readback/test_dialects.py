"""CSV dialects: delimiters, quoting, line endings, BOMs, encodings, header sniffing and the
overrides. Expected cells come from the generator and from Python's csv module."""
from __future__ import annotations

import csv
import random

import pyarrow as pa
import pytest

from readback_helpers import assert_cells, assert_column_type, csv_text, parse_csv

HEADER = ["id", "name", "score"]


def sample_rows(n=50, seed=11, name_extra=""):
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    rows = []
    for i in range(n):
        name = f"{rng.choice(words)} {i}"
        if name_extra and i % 7 == 3:
            name += name_extra
        rows.append([str(i + 1), name, f"{rng.randint(0, 10000) / 100:.2f}"])
    return rows


def check_sample(report, table, rows, header=HEADER):
    assert table.column_names == header
    assert report["rows_in"] == len(rows)
    assert_column_type(report, table, header[0], "uint8" if len(rows) < 256 else "uint16")
    assert_column_type(report, table, header[1], "text")
    assert_column_type(report, table, header[2], "float32")
    for j, name in enumerate(header):
        assert_cells(table, name, [r[j] for r in rows])


# ---------------------------------------------------------------------- delimiters


@pytest.mark.parametrize(
    "delimiter,extra",
    [(",", "; x|y"), (";", ", x|y"), ("\t", ", x; y"), ("|", ", x; y")],
    ids=["comma", "semicolon", "tab", "pipe"],
)
def test_sniffed_delimiter(convert, delimiter, extra):
    # Some names contain the other candidate delimiters, unquoted.
    rows = sample_rows(name_extra=extra)
    data = csv_text(HEADER, rows, delimiter=delimiter)
    assert parse_csv(data, delimiter=delimiter)[1:] == rows
    report, table = convert(data)
    d = report["dialect"]
    assert d["delimiter"] == delimiter
    assert d["quote"] == '"'
    assert d["header"] is True
    assert d["line_ending"] == "LF"
    assert d["bom"] is False
    assert d["encoding"] == "UTF-8"
    check_sample(report, table, rows)


@pytest.mark.parametrize("flag", ["tab", "\\t", "\t"], ids=["word", "backslash-t", "tab-char"])
def test_delimiter_override_tab(convert, flag):
    rows = sample_rows()
    data = csv_text(HEADER, rows, delimiter="\t")
    report, table = convert(data, "--delimiter", flag)
    assert report["dialect"]["delimiter"] == "\t"
    check_sample(report, table, rows)


def test_delimiter_override_changes_the_split(convert):
    data = "a;b,c\n1;x,2\n3;y,4\n"
    report, table = convert(data, "--delimiter", ";", "--category-max", "0")
    assert table.column_names == ["a", "b,c"]
    assert table.column("a").to_pylist() == [1, 3]
    assert table.column("b,c").to_pylist() == ["x,2", "y,4"]
    report, table = convert(data, "--delimiter", ",", "--category-max", "0")
    assert table.column_names == ["a;b", "c"]
    assert table.column("a;b").to_pylist() == ["1;x", "3;y"]
    assert table.column("c").to_pylist() == [2, 4]


def test_any_single_ascii_delimiter(convert):
    rows = sample_rows()
    data = csv_text(HEADER, rows, delimiter="^")
    report, table = convert(data, "--delimiter", "^")
    assert report["dialect"]["delimiter"] == "^"
    check_sample(report, table, rows)


# ------------------------------------------------------------------------- quoting


def tricky_texts():
    return [
        "plain",
        "comma, inside",
        'say "hi"',
        '"fully quoted"',
        "line one\nline two",
        "  padded  ",
        "",
        "ends with quote\"",
        "multi\n\nblank line inside",
        "semi;colon|pipe\ttab",
        "ünïcødé ✓ 東京 😀",
    ]


def test_quoted_fields(convert):
    texts = tricky_texts()
    rows = [[str(i), t] for i, t in enumerate(texts)]
    data = csv_text(["id", "note"], rows)
    assert parse_csv(data) == [["id", "note"]] + rows
    report, table = convert(data, "--category-max", "0")
    assert report["rows_in"] == len(texts)
    assert table.column("id").to_pylist() == list(range(len(texts)))
    assert table.column("note").to_pylist() == [t or None for t in texts]


def test_quote_all_fields(convert):
    rows = sample_rows()
    data = csv_text(HEADER, rows, quoting=csv.QUOTE_ALL)
    report, table = convert(data)
    # A quoted number is still a number.
    check_sample(report, table, rows)


def test_quote_override_none(convert):
    data = 'a,b\n"x,1\ny",2\n'
    report, table = convert(data, "--quote", "none", "--category-max", "0")
    assert report["dialect"]["quote"] in (None, "", "none")
    assert table.column("a").to_pylist() == ['"x', 'y"']
    assert table.column("b").to_pylist() == [1, 2]


def test_quote_override_single_quote(convert):
    data = "id,name\n1,'a,b'\n2,'it''s'\n3,plain\n"
    report, table = convert(data, "--quote", "'", "--category-max", "0")
    assert report["dialect"]["quote"] == "'"
    assert table.column("name").to_pylist() == ["a,b", "it's", "plain"]
    assert table.column("id").to_pylist() == [1, 2, 3]


# -------------------------------------------------------------------- line endings


@pytest.mark.parametrize("ending,name", [("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")])
def test_line_endings(convert, ending, name):
    rows = sample_rows(n=120)
    data = csv_text(HEADER, rows, lineterminator=ending)
    report, table = convert(data)
    assert report["dialect"]["line_ending"] == name
    check_sample(report, table, rows)
    assert not any("\r" in v for v in table.column("name").to_pylist())


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_no_final_line_ending(convert, ending):
    rows = sample_rows(n=10)
    data = csv_text(HEADER, rows, lineterminator=ending)[: -len(ending)]
    report, table = convert(data)
    check_sample(report, table, rows)


def test_crlf_file_with_newlines_inside_quotes(convert):
    texts = ["one\r\ntwo", "three\nfour", "five"]
    rows = [[str(i), t] for i, t in enumerate(texts)]
    data = csv_text(["id", "note"], rows, lineterminator="\r\n")
    assert parse_csv(data)[1:] == rows
    report, table = convert(data, "--category-max", "0")
    assert report["dialect"]["line_ending"] == "CRLF"
    assert table.column("note").to_pylist() == texts


# ----------------------------------------------------------------- BOM / encodings


def test_utf8_bom(convert):
    rows = sample_rows()
    data = b"\xef\xbb\xbf" + csv_text(HEADER, rows).encode("utf-8")
    report, table = convert(data)
    assert report["dialect"]["bom"] is True
    assert report["dialect"]["encoding"] == "UTF-8"
    assert table.column_names[0] == "id"  # no "\ufeff" glued to the first name
    check_sample(report, table, rows)


UNICODE_NAMES = ["Zürich", "東京", "São Paulo", "Kraków", "😀 emoji", "Ελλάδα", "naïve café"]


def unicode_rows():
    return [[str(i + 1), name, f"{i}.5"] for i, name in enumerate(UNICODE_NAMES * 3)]


@pytest.mark.parametrize(
    "bom,codec,label",
    [(b"\xff\xfe", "utf-16-le", "UTF-16LE"), (b"\xfe\xff", "utf-16-be", "UTF-16BE")],
    ids=["le", "be"],
)
def test_utf16_with_bom(convert, bom, codec, label):
    rows = unicode_rows()
    header = ["id", "städte", "score"]
    data = bom + csv_text(header, rows, lineterminator="\r\n").encode(codec)
    report, table = convert(data, "--category-max", "0")
    assert report["dialect"]["encoding"] == label
    assert report["dialect"]["bom"] is True
    assert report["dialect"]["line_ending"] == "CRLF"
    check_sample(report, table, rows, header=header)


def test_utf16le_without_bom_with_encoding_override(convert):
    rows = unicode_rows()
    data = csv_text(HEADER, rows).encode("utf-16-le")
    report, table = convert(data, "--encoding", "utf-16le", "--category-max", "0")
    assert report["dialect"]["encoding"] == "UTF-16LE"
    assert report["dialect"]["bom"] is False
    check_sample(report, table, rows)


def test_utf8_without_bom_non_ascii(convert):
    rows = unicode_rows()
    report, table = convert(csv_text(HEADER, rows).encode("utf-8"), "--category-max", "0")
    assert report["dialect"]["encoding"] == "UTF-8"
    assert report["dialect"]["bom"] is False
    check_sample(report, table, rows)


CP1252_NAMES = ["café", "crème brûlée", "€uro", "œuvre", "naïve", "Ångström", "“quoted”", "plain"]


def test_windows_1252_sniffed(convert):
    rows = [[str(i + 1), name, f"{i}.25"] for i, name in enumerate(CP1252_NAMES * 2)]
    data = csv_text(HEADER, rows).encode("cp1252")
    assert b"\xe9" in data and b"\x80" in data  # é and € as single bytes
    report, table = convert(data, "--category-max", "0")
    assert report["dialect"]["encoding"] == "windows-1252"
    assert report["dialect"]["bom"] is False
    check_sample(report, table, rows)
    assert table.column("name").to_pylist()[0] == "café"
    # The report's range is of the decoded text, as pyarrow computes it.
    import pyarrow.compute as pc

    name = next(c for c in report["columns"] if c["name"] == "name")
    mm = pc.min_max(table.column("name"))
    assert (name["min"], name["max"]) == (mm["min"].as_py(), mm["max"].as_py())


def test_windows_1252_category_range(convert):
    rows = [[str(i + 1), name, f"{i}.25"] for i, name in enumerate(CP1252_NAMES * 4)]
    report, table = convert(csv_text(HEADER, rows).encode("cp1252"))
    name = next(c for c in report["columns"] if c["name"] == "name")
    assert name["type"].startswith("category"), name
    assert (name["min"], name["max"]) == (min(CP1252_NAMES), max(CP1252_NAMES))


def test_encoding_override_windows_1252_on_utf8_bytes(convert):
    # "é" in UTF-8 is C3 A9; read as windows-1252 it must become "Ã©".
    data = "id,name\n1,café\n2,été\n".encode("utf-8")
    report, table = convert(data, "--encoding", "windows-1252", "--category-max", "0")
    assert report["dialect"]["encoding"] == "windows-1252"
    assert table.column("name").to_pylist() == ["cafÃ©", "Ã©tÃ©"]


def test_encoding_override_utf8_is_respected(convert):
    data = "id,name\n1,café\n2,naïve\n".encode("utf-8")
    report, table = convert(data, "--encoding", "utf-8", "--category-max", "0")
    assert report["dialect"]["encoding"] == "UTF-8"
    assert table.column("name").to_pylist() == ["café", "naïve"]


# -------------------------------------------------------------------------- header


def test_header_sniffed_present(convert):
    rows = sample_rows()
    report, table = convert(csv_text(HEADER, rows))
    assert report["dialect"]["header"] is True
    check_sample(report, table, rows)


def test_header_sniffed_absent_numeric_file(convert):
    rows = [[str(i), str(i * 3), f"{i}.5"] for i in range(1, 40)]
    report, table = convert(csv_text(None, rows))
    assert report["dialect"]["header"] is False
    assert table.column_names == ["column_1", "column_2", "column_3"]
    assert report["rows_in"] == len(rows)
    for j in range(3):
        assert_cells(table, f"column_{j + 1}", [r[j] for r in rows])


def test_header_sniffed_absent_text_over_numbers(convert):
    # First row has the same shape as the data (a text column next to numbers): data.
    rows = [[f"item-{i}", str(i), str(i * 2)] for i in range(30)]
    report, table = convert(csv_text(None, rows), "--category-max", "0")
    assert report["dialect"]["header"] is False
    assert table.column_names == ["column_1", "column_2", "column_3"]
    assert table.column("column_1").to_pylist() == [r[0] for r in rows]
    assert table.column("column_2").to_pylist() == [int(r[1]) for r in rows]


def test_no_header_override(convert):
    rows = sample_rows(n=20)
    data = csv_text(HEADER, rows)
    report, table = convert(data, "--no-header", "--category-max", "0")
    assert report["dialect"]["header"] is False
    assert table.column_names == ["column_1", "column_2", "column_3"]
    assert report["rows_in"] == len(rows) + 1
    # The header line is now data, so every column is text.
    for j in range(3):
        assert table.schema.field(f"column_{j + 1}").type == pa.string()
        assert table.column(f"column_{j + 1}").to_pylist() == [HEADER[j]] + [r[j] for r in rows]


def test_header_override(convert):
    data = "1,2,3\n4,5,6\n7,8,9\n"
    report, table = convert(data, "--header")
    assert report["dialect"]["header"] is True
    assert table.column_names == ["1", "2", "3"]
    assert report["rows_in"] == 2
    assert table.column("1").to_pylist() == [4, 7]
    assert table.column("3").to_pylist() == [6, 9]
