"""Fixtures for the independent read-back suite of the `parquetry` CLI.

The binary is taken from the environment variable PARQUETRY_BIN, or defaults to
<repo>/target/release/parquetry (the repo root is computed from this file's location).
If the binary is missing, every test that needs it FAILS with a message telling you to
build it (`cargo build --release`); nothing is skipped.

Helpers (all exposed as fixtures):

* ``convert(csv, *flags, stdin=False) -> (report_dict, pyarrow.Table)``
  Writes ``csv`` (bytes, str or an existing path) to tmp_path, runs
  ``parquetry IN -o OUT --json -q *flags``, asserts exit 0, parses the JSON report from
  stdout, reads OUT back with ``pyarrow.parquet.read_table`` and checks the invariants
  ``rows_in == rows_written + rows_rejected`` and ``table.num_rows == rows_written``.
* ``convert.run(...)`` does the same and returns a ``Conversion`` with the output path too
  (needed for metadata checks with ``pyarrow.parquet.ParquetFile``).
* ``convert_fail(csv, *flags, stdin=False) -> (exit_code, stderr)``
  Runs a conversion that must fail; asserts a non-zero exit and that no output file is left.
"""
from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]  # crate/tests/readback -> crate/tests -> crate -> <repo>
DEFAULT_BIN = REPO_ROOT / "target" / "release" / "parquetry"
TIMEOUT_S = 600

# Make the helper module importable whatever pytest's import mode is.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def binary_path() -> Path:
    return Path(os.environ.get("PARQUETRY_BIN", str(DEFAULT_BIN)))


def require_binary() -> Path:
    path = binary_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"parquetry binary not found at {path}. Build it first with "
            f"`cargo build --release` (in {REPO_ROOT}), or set PARQUETRY_BIN "
            f"to the binary to test.",
            pytrace=False,
        )
    return path


@dataclass
class Conversion:
    report: dict
    table: pa.Table
    out_path: Path
    in_path: Path | None
    stderr: str


class _Runner:
    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self._counter = itertools.count(1)

    def _prepare(self, csv, stdin: bool, suffix: str = ".csv"):
        """Return (input_argument, stdin_bytes, in_path, out_path)."""
        n = next(self._counter)
        out_path = self.tmp_path / f"out_{n}.parquet"
        if isinstance(csv, Path):
            data = csv.read_bytes() if stdin else None
            in_path = csv
        else:
            data = csv.encode("utf-8") if isinstance(csv, str) else bytes(csv)
            in_path = self.tmp_path / f"in_{n}{suffix}"
            in_path.write_bytes(data)
        if stdin:
            return "-", data, None, out_path
        return str(in_path), None, in_path, out_path

    def _exec(self, args, stdin_bytes):
        exe = require_binary()
        return subprocess.run(
            [str(exe), *args],
            input=stdin_bytes if stdin_bytes is not None else b"",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=TIMEOUT_S,
        )


class Converter(_Runner):
    def run(self, csv, *flags, stdin: bool = False) -> Conversion:
        in_arg, stdin_bytes, in_path, out_path = self._prepare(csv, stdin)
        args = [in_arg, "-o", str(out_path), "--json", "-q", *[str(f) for f in flags]]
        proc = self._exec(args, stdin_bytes)
        stderr = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode == 0, (
            f"parquetry {' '.join(args)} exited with {proc.returncode}\nstderr:\n{stderr}"
        )
        try:
            report = json.loads(proc.stdout)
        except ValueError as exc:  # pragma: no cover - failure path
            raise AssertionError(
                f"stdout is not a JSON report ({exc}):\n{proc.stdout[:2000]!r}"
            ) from None
        assert out_path.is_file(), "exit 0 but no output file was written"
        table = pq.read_table(out_path)
        assert report["rows_in"] == report["rows_written"] + report["rows_rejected"], (
            f"rows_in {report['rows_in']} != rows_written {report['rows_written']} "
            f"+ rows_rejected {report['rows_rejected']}"
        )
        assert table.num_rows == report["rows_written"], (
            f"Parquet file has {table.num_rows} rows, report says rows_written="
            f"{report['rows_written']}"
        )
        return Conversion(report, table, out_path, in_path, stderr)

    def __call__(self, csv, *flags, stdin: bool = False):
        conv = self.run(csv, *flags, stdin=stdin)
        return conv.report, conv.table


class FailingConverter(_Runner):
    def __call__(self, csv, *flags, stdin: bool = False, output: bool = True):
        """Run a conversion expected to fail. Returns (exit_code, stderr).

        With output=False the `-o` flag is omitted (to test usage errors)."""
        in_arg, stdin_bytes, _in_path, out_path = self._prepare(csv, stdin)
        args = [in_arg]
        if output:
            args += ["-o", str(out_path)]
        args += ["--json", "-q", *[str(f) for f in flags]]
        proc = self._exec(args, stdin_bytes)
        stderr = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode != 0, (
            f"parquetry {' '.join(args)} was expected to fail but exited 0\n"
            f"stdout:\n{proc.stdout[:2000]!r}"
        )
        assert not out_path.exists(), (
            "the output file must be removed when the conversion fails"
        )
        return proc.returncode, stderr


@pytest.fixture
def convert(tmp_path) -> Converter:
    return Converter(tmp_path)


@pytest.fixture
def convert_fail(tmp_path) -> FailingConverter:
    return FailingConverter(tmp_path)
