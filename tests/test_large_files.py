"""Files just under the limits (issue 14.7): a 学生档案 with 299,000 formatted empty rows (a
border drawn over whole columns) is read by the rows that hold data, and the writers refuse
in Chinese, before openpyxl spends minutes and gigabytes on it, to rewrite a sheet too large
to rewrite safely, leaving the file as it was. The file is made by tests/large_books.py (sheet
XML written directly); how long validate takes on it is in benchmarks/README.md."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import student, write_class_book
from large_books import formatted_empty_rows

from xlsync.files.extent import sheet_extent
from xlsync.files.reader import load_grids

AS_OF = "2026-11-30"


@pytest.fixture(scope="module")
def large_book(tmp_path_factory) -> Path:
    """The 299,000-row file, made once (about 6 s); each test works on its own copy."""
    return formatted_empty_rows(tmp_path_factory.mktemp("large") / "三年级2班.xlsx")


def _copy(large_book: Path, folder: Path) -> Path:
    return Path(shutil.copy(large_book, folder / large_book.name))


def _xlsync(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "xlsync", *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=150)


def test_the_extent_counts_cells_that_hold_something():
    xml = (
        b'<worksheet><dimension ref="A1:Z900000"/><sheetData>'
        b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2"/></row>'
        b'<row r="2"><c r="C2"><v>3</v></c><c r="D2" s="1"></c></row>'
        b'<row r="900000" s="1" customFormat="1"><c r="Z900000" s="1"/></row>'
        b"</sheetData></worksheet>"
    )
    extent = sheet_extent(io.BytesIO(xml))
    assert (extent.rows, extent.columns) == (2, 3)  # as calamine lays it out
    assert extent.plain and extent.claimed == (900000, 26)
    parsed = sheet_extent(io.BytesIO(xml.replace(b'<c r="C2">', b'<c t="n" r="C2">')))
    assert (parsed.rows, parsed.columns, parsed.plain) == (2, 3, False)  # the XML parser agrees


def test_whole_columns_formatted_to_the_last_row_are_read(tmp_path):
    """A border drawn down to row 1,048,576 used to be refused as a far-away cell."""
    path = write_class_book(tmp_path / "三年级2班.xlsx", students=[student()])
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                styled = b'<row r="1048576"><c r="XFD1048576" s="1"/></row></sheetData>'
                body = body.replace(b"</sheetData>", styled)
            target.writestr(info.filename, body)
    path.write_bytes(out.getvalue())
    result = _xlsync("validate", path.name, "--as-of", AS_OF, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["files"][0]["children"] == 1


def test_formatted_empty_rows_are_read_by_the_rows_that_hold_data(large_book, tmp_path):
    path = _copy(large_book, tmp_path)
    grids = load_grids(path)
    assert len(grids["学生档案"]) == 11  # the header and the ten children
    result = _xlsync("validate", path.name, "--as-of", AS_OF, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert json.loads(result.stdout)["files"][0]["children"] == 10


@pytest.mark.parametrize("command", [["overdue", "--write"], ["validate", "--annotate"]])
def test_a_sheet_too_large_to_rewrite_is_refused_in_chinese(large_book, tmp_path, command):
    path = _copy(large_book, tmp_path)
    before = path.read_bytes()
    verb, flag = command
    result = _xlsync(verb, path.name, "--as-of", AS_OF, flag, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and "MemoryError" not in output, output
    assert "太大，xlsync 无法安全地改写它" in output and "第 12 行" in output, output
    assert path.read_bytes() == before
    assert not (tmp_path / ".xlsync").exists()  # no backup of a write that did not happen
