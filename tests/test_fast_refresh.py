"""The write-back's speed without its guarantees lost (issue 16.1's benchmark target).

A large sheet the refresh does not change (帮扶记录 without marks) is carried over byte for
byte instead of being loaded and re-saved by openpyxl (files/frozen.py), and 汇总 shares the
file refreshes with one helper process (jobs/refresh_files.py)."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from conftest import libreoffice_resave, needs_soffice
from openpyxl import load_workbook

import xlsync.jobs.refresh_files as pool
from xlsync.core.status_view import MARKS_SHEET
from xlsync.demo import DemoSize, generate_school
from xlsync.files import frozen, refresh
from xlsync.files.ooxml import edit_sheets, sheet_parts
from xlsync.files.ranges import _last_filled
from xlsync.files.reader import load_grids
from xlsync.jobs.consolidate import consolidate
from xlsync.schema import RECORDS

AS_OF = dt.date(2026, 11, 30)
RECORD_SHEET = RECORDS.name


@pytest.fixture(autouse=True)
def _through_openpyxl(monkeypatch):
    """These tests are about the openpyxl refresh (files/frozen.py); a workbook's first refresh
    goes through the package-level writer otherwise (tests/test_patch_book.py)."""
    monkeypatch.setenv(refresh.PACKAGE_WRITER_ENV, "0")


def _school(folder: Path, classes: int = 1, children: int = 12) -> Path:
    return generate_school(folder / "学校", AS_OF, DemoSize(classes, children), seed=5)


def _classes(master: Path) -> list[Path]:
    return sorted((master.parent / "班级台账").glob("*.xlsx"))


def _sheet_xml(data: bytes, sheet: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(sheet_parts(archive)[sheet])


def _sheet_data(xml: bytes) -> bytes:
    found = re.search(rb"<sheetData>.*</sheetData>", xml, re.S)
    assert found, xml[:300]
    return found.group(0)


def _as_excel_writes_rows(xml: bytes) -> bytes:
    """Rows as Excel 2010+ writes them: x14ac:dyDescent, declared on the root as ignorable."""
    xml = xml.replace(
        b"<worksheet ",
        b'<worksheet xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
        b'mc:Ignorable="x14ac" ',
        1,
    )
    return re.sub(rb"(<row [^>]*?)(/?>)", rb'\1 x14ac:dyDescent="0.25"\2', xml)


def _formats(path: Path, sheet: str) -> dict[str, tuple]:
    """What a teacher sees of each cell: value and formats (False and unset count the same:
    openpyxl keeps one of two formats that differ only so)."""
    ws = load_workbook(path)[sheet]
    return {
        cell.coordinate: (
            cell.value,
            cell.number_format,
            (cell.font.name, cell.font.sz, bool(cell.font.b), bool(cell.font.i), _rgb(cell.font)),
            (cell.fill.fill_type, cell.fill.fgColor.rgb if cell.fill.fill_type else None),
            tuple(getattr(cell.border, side).style for side in ("left", "right", "top", "bottom")),
            (cell.alignment.horizontal, cell.alignment.vertical, bool(cell.alignment.wrap_text)),
        )
        for row in ws.iter_rows()
        for cell in row
    }


def _rgb(font) -> object:
    return font.color.rgb if font.color is not None else None


@needs_soffice
@pytest.mark.soffice
def test_an_unmarked_record_sheet_comes_back_byte_for_byte(tmp_path):
    """From a file as LibreOffice saves it (shared strings, its own formats) with rows as
    Excel writes them: 帮扶记录's rows are the original bytes, with the shared-string table
    they refer to, and LibreOffice reads the result's records as before."""
    master = _school(tmp_path)
    path = _classes(master)[0]
    resaved = libreoffice_resave(path, tmp_path / "lo")
    data = edit_sheets(resaved.read_bytes(), {RECORD_SHEET: _as_excel_writes_rows})
    path.write_bytes(data)
    grids, formats = load_grids(path), _formats(path, RECORD_SHEET)
    result = consolidate(master, as_of=AS_OF)
    assert result.write_back and result.write_back.refreshed == [f"班级台账/{path.name}"]
    old, new = _sheet_xml(data, RECORD_SHEET), _sheet_xml(path.read_bytes(), RECORD_SHEET)
    assert b't="s"' in _sheet_data(old) and b"x14ac:dyDescent" in _sheet_data(old)
    assert _sheet_data(new) == _sheet_data(old)
    marks = load_grids(path).get(MARKS_SHEET, [])
    assert not [row for row in marks if row and row[0] == RECORD_SHEET]  # nothing to mark there
    assert load_grids(path)[RECORD_SHEET] == grids[RECORD_SHEET]
    assert _formats(path, RECORD_SHEET) == formats
    again = libreoffice_resave(path, tmp_path / "lo-again")
    assert load_grids(again)[RECORD_SHEET] == grids[RECORD_SHEET]


def test_a_marked_record_is_marked_and_unmarked_through_the_whole_sheet(tmp_path):
    """A sheet with a cell to mark, or a mark to remove, is loaded whole as before."""
    master = _school(tmp_path)
    path = _classes(master)[0]
    wb = load_workbook(path)
    wb[RECORD_SHEET]["D5"] = "随便写的"
    wb.save(path)
    consolidate(master, as_of=AS_OF)
    assert load_workbook(path)[RECORD_SHEET]["D5"].fill.fill_type == "solid"
    wb = load_workbook(path)
    wb[RECORD_SHEET]["D5"] = "谈心"
    wb.save(path)
    consolidate(master, as_of=AS_OF)
    cell = load_workbook(path)[RECORD_SHEET]["D5"]
    assert cell.fill.fill_type is None and cell.comment is None


def test_a_refresh_that_touches_a_frozen_sheet_is_done_whole(tmp_path, monkeypatch):
    """Should a writer ever change a cell of a sheet loaded without its rows, the splice is
    not used: the change is saved, not replaced by the original rows."""
    master = _school(tmp_path)
    path = _classes(master)[0]
    drawn = refresh.draw_marks

    def draw_and_touch(workbook, findings, caption):
        workbook[RECORD_SHEET]["G2"] = "改过"
        return drawn(workbook, findings, caption)

    monkeypatch.setattr(refresh, "draw_marks", draw_and_touch)
    consolidate(master, as_of=AS_OF, no_write_back=False)
    assert load_grids(path)[RECORD_SHEET][1][6] == "改过"
    assert len(load_grids(path)[RECORD_SHEET]) > 100


def _shared_strings_book(path: Path, tail: list[object]) -> None:
    """A 帮扶记录-like sheet in shared strings (as Excel writes), 600 records, then `tail`
    rows under them (spaces only, a formatted empty row, …)."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(RECORD_SHEET)
    ws.write_row(0, 0, list(RECORDS.headers)[:6])
    for row in range(1, 601):
        ws.write_row(row, 0, ["2026-09-01", f"学生{row}", "", "谈心", "王老师", "谈学习" * 5])
    boxed = book.add_format({"border": 1})
    for offset, value in enumerate(tail, start=601):
        if value is None:
            ws.write_blank(offset, 0, None, boxed)
        else:
            ws.write(offset, 0, value)
    book.close()


@pytest.mark.parametrize(
    ("tail", "last"),
    [
        ([], 601),
        (["   ", None, "\u3000"], 601),  # only spaces, a bordered empty cell
        (["   ", 0, None], 603),  # a number, even 0, fills its row
        (["", "备注", None, " "], 603),
    ],
)
def test_the_rows_kept_give_the_same_last_filled_row(tmp_path, tail, last):
    """The checks reach from the last filled row: found the same on the cut sheet as on the
    whole one (spaces count as empty, as the reader counts them)."""
    path = tmp_path / "book.xlsx"
    _shared_strings_book(path, tail)
    content = path.read_bytes()
    cut, kept = frozen.freeze(content, set())
    assert RECORD_SHEET in kept.data
    whole, part = load_workbook(io.BytesIO(content)), load_workbook(io.BytesIO(cut))
    assert _last_filled(whole[RECORD_SHEET], 1) == last
    assert _last_filled(part[RECORD_SHEET], 1) == last
    assert len(part[RECORD_SHEET]._cells) < 200  # the records in between were not loaded


def test_without_a_string_table_or_with_table_parts_nothing_is_frozen(tmp_path):
    path = tmp_path / "book.xlsx"
    _shared_strings_book(path, [])
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        parts = {n: archive.read(n) for n in names}
    no_table = io.BytesIO()
    with zipfile.ZipFile(no_table, "w") as archive:
        for name, body in parts.items():
            archive.writestr(name, body.replace(b"sharedStrings", b"missingStrings"))
    assert frozen.freeze(no_table.getvalue(), set())[1].data == {}
    table = b'<tableParts count="0"/></worksheet>'
    tabled = edit_sheets(
        path.read_bytes(), {RECORD_SHEET: lambda xml: xml.replace(b"</worksheet>", table)}
    )
    assert frozen.freeze(tabled, set())[1].data == {}


# ------------------------------------------------------------------ the helper process


class _Spy:
    """Counts helper processes started (the real subprocess.Popen does the work)."""

    def __init__(self, monkeypatch):
        self.started = 0
        real = subprocess.Popen

        def popen(*args, **kwargs):
            self.started += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(pool.subprocess, "Popen", popen)


def test_the_helper_refreshes_its_share_with_every_guard(tmp_path, monkeypatch):
    """Five classes: the helper takes the 2nd and 4th; the 2nd is open (lock file), the 4th
    holds a picture. Both are listed and untouched; the others refreshed; in class order."""
    monkeypatch.delenv(pool.SEQUENTIAL_ENV, raising=False)
    master = _school(tmp_path, classes=5, children=4)
    paths = _classes(master)
    opened, pictured = paths[1], paths[3]
    (opened.parent / f"~${opened.name}").write_bytes(b"lock")
    with zipfile.ZipFile(pictured, "a") as archive:
        archive.writestr("xl/media/image1.png", b"\x89PNG")
    before = {p: p.read_bytes() for p in (opened, pictured)}
    spy = _Spy(monkeypatch)
    result = consolidate(master, as_of=AS_OF)
    assert spy.started == 1
    back = result.write_back
    assert back is not None
    assert back.refreshed == [f"班级台账/{p.name}" for p in (paths[0], paths[2], paths[4])]
    assert [m["class"] for m in back.missed] == [opened.stem, pictured.stem]
    assert back.missed[0]["reason"] == "正在被打开" and "图片" in back.missed[1]["reason"]
    assert {p: p.read_bytes() for p in (opened, pictured)} == before


def test_the_helper_gives_what_one_process_gives(tmp_path, monkeypatch):
    master = _school(tmp_path / "a", classes=4, children=4)
    alone = _school(tmp_path / "b", classes=4, children=4)
    spy = _Spy(monkeypatch)
    shared = consolidate(master, as_of=AS_OF).write_back
    assert spy.started == 1
    monkeypatch.setenv(pool.SEQUENTIAL_ENV, "1")
    single = consolidate(alone, as_of=AS_OF).write_back
    assert spy.started == 1 and shared and single
    assert shared.refreshed == single.refreshed and len(shared.refreshed) == 4
    for one, other in zip(_classes(master), _classes(alone), strict=True):
        assert load_grids(one)["学生档案"] == load_grids(other)["学生档案"]
        assert len(load_grids(one)["逾期提醒"]) == len(load_grids(other)["逾期提醒"])
    again = consolidate(master, as_of=AS_OF)
    assert again.unchanged  # the helper's files were cached as read: nothing to do


def test_a_helper_that_dies_leaves_its_files_to_this_process(tmp_path, monkeypatch):
    master = _school(tmp_path, classes=4, children=4)
    monkeypatch.setattr(pool, "_START", "import sys; sys.exit(3)")
    spy = _Spy(monkeypatch)
    back = consolidate(master, as_of=AS_OF).write_back
    assert spy.started == 1 and back and len(back.refreshed) == 4 and not back.missed
    assert all("逾期提醒" in load_grids(p) for p in _classes(master))


def test_fault_injection_runs_stay_in_one_process(tmp_path, monkeypatch):
    master = _school(tmp_path, classes=4, children=4)
    monkeypatch.setenv("XLSYNC_FAULT_LOG", str(tmp_path / "steps.log"))
    spy = _Spy(monkeypatch)
    back = consolidate(master, as_of=AS_OF).write_back
    assert spy.started == 0 and back and len(back.refreshed) == 4
    assert (tmp_path / "steps.log").read_text().count("replaced") >= 4


def test_no_helper_when_this_program_is_not_a_python_interpreter(tmp_path, monkeypatch):
    """A program embedding Python (its executable not python/pythonw) would not understand
    `-c`: everything is done in this process."""
    master = _school(tmp_path, classes=4, children=4)
    monkeypatch.setattr(pool.sys, "executable", str(tmp_path / "xlsync-app.exe"))
    spy = _Spy(monkeypatch)
    back = consolidate(master, as_of=AS_OF).write_back
    assert spy.started == 0 and back and len(back.refreshed) == 4
