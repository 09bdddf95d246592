"""Reads a Parquet file written in the browser with pyarrow and compares every cell with the
CSV it came from (types decide how each CSV text must read back; see readback_helpers).

usage: check.py CSV PARQUET [--subset]
--subset: the Parquet file may hold only some of the CSV's columns (in the same order)."""
import csv
import sys
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "crate/tests/readback"))
from readback_helpers import assert_cells  # noqa: E402


def main() -> None:
    csv_path, parquet_path = sys.argv[1], sys.argv[2]
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    table = pq.read_table(parquet_path)
    assert table.num_rows == len(body), f"{table.num_rows} rows, expected {len(body)}"
    if "--subset" in sys.argv[3:]:
        picked = iter(header)
        assert all(name in picked for name in table.column_names), (table.column_names, header)
    else:
        assert table.column_names == header, (table.column_names, header)
    for name in table.column_names:
        i = header.index(name)
        assert_cells(table, name, [r[i] for r in body])
    print(f"ok: {len(body)} rows x {table.num_columns} columns match; types "
          + ", ".join(f"{f.name}:{f.type}" for f in table.schema))


main()
