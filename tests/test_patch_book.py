"""The package-level writer of a class workbook's first refresh (files/patch_book.py).

It must leave a workbook exactly as the openpyxl refresh would (every value, format, check,
conditional format, note, width, print setting, compared cell by cell through openpyxl), keep
every byte of what the teacher typed, be opened by LibreOffice, fall back to the openpyxl
refresh whenever the package is not as it expects, and keep every guarantee of the safe
writer (post-write check, stamp check, atomic replace: killed at its new step, the file is
the old one).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import libreoffice_resave, needs_soffice
from openpyxl import load_workbook
from openpyxl.comments import Comment

import xlsync.files.patch_book as patch_book
from xlsync.demo import DemoSize, generate_school
from xlsync.errors import XlsyncError
from xlsync.faults import LOG_ENV, MARK_ENV, STEP_ENV
from xlsync.files import refresh
from xlsync.files.cache import CACHE_DIR
from xlsync.files.ooxml import edit_sheets, sheet_parts
from xlsync.files.reader import load_grids
from xlsync.jobs.consolidate import consolidate
from xlsync.schema import CHECK_SHEET, RECORDS, STATUS_SHEET, STUDENTS

AS_OF = dt.date(2026, 11, 30)
PATCHED = b"rIdXlsync"  # the relationship ids the package-level writer gives its new sheets


def _school(folder: Path, classes: int = 2) -> Path:
    return generate_school(folder / "学校", AS_OF, DemoSize(classes, 10), seed=3)


def _classes(master: Path) -> list[Path]:
    return sorted((master.parent / "班级台账").glob("*.xlsx"))


def _patched(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        return PATCHED in archive.read("xl/_rels/workbook.xml.rels")


def _both_ways(tmp_path: Path, change=None) -> list[tuple[Path, Path]]:
    """The same school (its class files first passed through `change`) refreshed by 汇总
    through openpyxl and through the package-level writer: (openpyxl's file, the patched)."""
    master = _school(tmp_path / "source")
    if change is not None:
        for path in _classes(master):
            change(path)
    runs = {}
    for way, switch in (("openpyxl", "0"), ("package", "1")):
        copy = tmp_path / way
        shutil.copytree(master.parent, copy)
        os.environ[refresh.PACKAGE_WRITER_ENV] = switch
        try:
            result = consolidate(copy / master.name, as_of=AS_OF)
        finally:
            del os.environ[refresh.PACKAGE_WRITER_ENV]
        assert result.write_back is not None and not result.write_back.missed
        runs[way] = _classes(copy / master.name)
    return list(zip(runs["openpyxl"], runs["package"], strict=True))


def _rgb(colour: Any) -> Any:
    rgb = getattr(colour, "rgb", None)
    return rgb if isinstance(rgb, str) else None


def _cell_looks(c: Any) -> tuple:
    return (
        c.value,
        c.number_format,
        (bool(c.font.b), _rgb(c.font.color), c.font.u, c.font.name, c.font.sz),
        (c.fill.fill_type, _rgb(c.fill.fgColor) if c.fill.fill_type else None),
        (c.alignment.horizontal, c.alignment.vertical, bool(c.alignment.wrap_text)),
        tuple(getattr(c.border, side).style for side in ("left", "right", "top", "bottom")),
        (c.comment.text, c.comment.author) if c.comment else None,
        c.hyperlink.location if c.hyperlink else None,
    )


_BLANK = (None, "General", (False, None, None, None, None), (None, None), (None, None, False))


def _looks(path: Path) -> dict[str, Any]:
    """What a teacher sees of a workbook, as openpyxl reads it: sheets and names, and per
    sheet every cell's value and format, checks, conditional formats, widths, heights,
    frozen rows, filter and print setup."""
    wb = load_workbook(path)
    found: dict[str, Any] = {
        "sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets],
        "names": sorted((n, d.attr_text) for n, d in wb.defined_names.items()),
    }
    for ws in wb.worksheets:
        cells = {
            c.coordinate: _cell_looks(c)
            for row in ws.iter_rows()
            for c in row
            if _cell_looks(c)[:5] != _BLANK or _cell_looks(c)[5:] != ((None,) * 4, None, None)
        }
        setup = ws.page_setup
        found[ws.title] = {
            "cells": cells,
            "checks": sorted(
                (str(d.sqref), d.type, d.formula1, d.formula2, d.showDropDown, d.errorStyle)
                for d in ws.data_validations.dataValidation
            ),
            "rules": sorted(
                (
                    str(cf.sqref),
                    sorted((r.type, r.operator, tuple(r.formula), r.text) for r in cf.rules),
                )
                for cf in ws.conditional_formatting
            ),
            "widths": {k: round(d.width, 3) for k, d in ws.column_dimensions.items() if d.width},
            "hidden": sorted(k for k, d in ws.column_dimensions.items() if d.hidden),
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            "view": (ws.freeze_panes, ws.auto_filter.ref, ws.print_title_rows, ws.print_area),
            "print": (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight),
            "footer": (ws.oddFooter.left.text, ws.oddFooter.center.text, ws.oddFooter.right.text),
        }
    return found


def _differences(old: dict, new: dict, where: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            d
            for key in sorted(set(old) | set(new), key=str)
            for d in _differences(old.get(key), new.get(key), f"{where}/{key}")
        ]
    return [] if old == new else [f"{where}: {old!r} ≠ {new!r}"]


def _same_as_openpyxl(pairs: list[tuple[Path, Path]]) -> None:
    for old, new in pairs:
        assert _differences(_looks(old), _looks(new)) == [], new.name


def test_the_first_refresh_is_a_patch_that_looks_as_openpyxl_draws_it(tmp_path):
    """On generated classes (status block, 逾期提醒 with 安全事件 and links, marks and their
    notes in 学生档案, widened checks): the patched workbook equals openpyxl's cell by cell."""
    pairs = _both_ways(tmp_path)
    for old, new in pairs:
        assert _patched(new) and not _patched(old)
        assert {STATUS_SHEET, CHECK_SHEET} <= set(load_grids(new))
    _same_as_openpyxl(pairs)


def _hostile(path: Path) -> None:
    """What teachers and other programs leave in a workbook: a mark and a note to make in
    帮扶记录, a note of the teacher's own on another sheet, her own conditional format and
    check, rows as Excel writes them."""
    wb = load_workbook(path)
    wb[RECORDS.name]["D5"] = "随便写的"  # not a 帮扶方式: marked, with a note
    wb["学业帮扶计划"]["A2"].comment = Comment("老师自己的批注", "班主任")
    ws = wb[STUDENTS.name]
    ws["B2"].font = ws["B2"].font.copy(bold=True)
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.worksheet.datavalidation import DataValidation

    ws.conditional_formatting.add("C2:C9", CellIsRule(operator="equal", formula=['"男"']))
    own = DataValidation(type="whole", operator="between", formula1="1", formula2="9")
    own.add("AZ2:AZ9")
    ws.add_data_validation(own)
    wb.save(path)
    path.write_bytes(
        edit_sheets(
            path.read_bytes(),
            {
                RECORDS.name: lambda xml: re.sub(rb"(<row [^>]*?)(/?>)", rb'\1 spans="1:7"\2', xml),
                "学业帮扶计划": lambda xml: xml.replace(
                    b"<f>1+2</f><v></v>", b"<f>1+2</f><v>3</v>"
                ),
            },
        )
    )


def test_hostile_inputs_are_patched_as_openpyxl_draws_them(tmp_path):
    pairs = _both_ways(tmp_path, _hostile)
    for _, new in pairs:
        assert _patched(new), new.name
        assert load_workbook(new)[RECORDS.name]["D5"].comment is not None
        assert load_workbook(new)["学业帮扶计划"]["A2"].comment.text == "老师自己的批注"
    _same_as_openpyxl(pairs)


def test_a_formula_keeps_its_cached_result_in_the_patch(tmp_path):
    """A teacher's formula with the result Excel cached: the patch keeps the cell's bytes, so
    readers that do not calculate (python-calamine, the sync) still see the result."""
    master = _school(tmp_path, classes=1)
    path = _classes(master)[0]
    wb = load_workbook(path)
    wb["学业帮扶计划"]["J3"] = "=1+2"
    wb.save(path)
    cached = lambda xml: re.sub(rb"<f>1\+2</f>(<v\s*/>|<v></v>)?", b"<f>1+2</f><v>3</v>", xml)  # noqa: E731
    path.write_bytes(edit_sheets(path.read_bytes(), {"学业帮扶计划": cached}))
    assert load_grids(path)["学业帮扶计划"][2][9] == 3
    consolidate(master, as_of=AS_OF)
    assert _patched(path) and load_grids(path)["学业帮扶计划"][2][9] == 3
    assert load_workbook(path)["学业帮扶计划"]["J3"].value == "=1+2"


def _cells(xml: bytes) -> dict[bytes, bytes]:
    return {
        m.group(1): m.group(0)
        for m in re.finditer(rb'<c\b[^>]*?\br="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</c>)', xml, re.S)
    }


def _without_style(cell: bytes) -> bytes:
    return re.sub(rb'\ss="\d+"', b"", cell)


def test_nothing_the_teacher_typed_changes_a_byte(tmp_path):
    """Every cell element of the teacher's sheets is the same bytes after the patch, but the
    format number of a marked cell; every sheet without marks or status keeps its rows."""
    master = _school(tmp_path)
    before = {p: p.read_bytes() for p in _classes(master)}
    consolidate(master, as_of=AS_OF)
    for path, old in before.items():
        new = path.read_bytes()
        assert _patched(path)
        marks = {tuple(r[:2]) for r in load_grids(path)["xlsync标记"][1:]}
        with zipfile.ZipFile(io.BytesIO(old)) as a, zipfile.ZipFile(io.BytesIO(new)) as b:
            for sheet, part in sheet_parts(a).items():
                old_cells, new_cells = _cells(a.read(part)), _cells(b.read(sheet_parts(b)[sheet]))
                for ref, cell in old_cells.items():
                    if (sheet, ref.decode()) in marks:
                        assert _without_style(new_cells[ref]) == _without_style(cell)
                    else:
                        assert new_cells[ref] == cell, (sheet, ref)
            for name in a.namelist():
                if name.startswith(("xl/theme/", "docProps/")):
                    assert a.read(name) == b.read(name)


def test_an_unusual_package_is_refreshed_through_openpyxl(tmp_path):
    """A teacher's note in 学生档案, or a width range over the columns the status block will
    take: the package-level writer steps aside, and the openpyxl refresh writes the file."""

    def unusual(path: Path) -> None:
        wb = load_workbook(path)
        if path.name.startswith("一"):
            wb[STUDENTS.name]["A2"].comment = Comment("转学过来的", "班主任")
        else:
            wb[STUDENTS.name].column_dimensions.group("BA", "BZ", hidden=False)
            wb[STUDENTS.name].column_dimensions["BA"].width = 30
        wb.save(path)

    pairs = _both_ways(tmp_path, unusual)
    for old, new in pairs:
        assert not _patched(new) and not _patched(old)
    assert load_workbook(pairs[0][1])[STUDENTS.name]["A2"].comment.text == "转学过来的"
    _same_as_openpyxl(pairs)


def test_a_second_refresh_goes_through_openpyxl_and_leaves_an_unchanged_file_alone(tmp_path):
    master = _school(tmp_path)
    consolidate(master, as_of=AS_OF)
    written = {p: p.read_bytes() for p in _classes(master)}
    assert all(_patched(p) for p in written)
    shutil.rmtree(master.parent / CACHE_DIR)  # so each file is read and refreshed again
    result = consolidate(master, as_of=AS_OF)
    assert result.write_back is not None and result.write_back.refreshed == []
    assert {p: p.read_bytes() for p in _classes(master)} == written


@needs_soffice
@pytest.mark.soffice
def test_libreoffice_opens_the_patched_workbook(tmp_path):
    """LibreOffice re-saves a patched workbook with every sheet's values, the notes and the
    status block's formats intact."""
    master = _school(tmp_path, classes=1)
    consolidate(master, as_of=AS_OF)
    path = _classes(master)[0]
    assert _patched(path)
    again = libreoffice_resave(path, tmp_path / "lo")
    assert load_grids(again) == load_grids(path)
    ours, theirs = load_workbook(path), load_workbook(again)
    notes = lambda wb: {  # noqa: E731
        (ws.title, c.coordinate): c.comment.text
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.comment
    }
    assert notes(theirs) == notes(ours) and notes(ours)
    header = ours[STUDENTS.name][1]
    status = [c.column for c in header if c.fill.fill_type == "solid"][-1]
    assert theirs[STUDENTS.name].cell(1, status).fill.fgColor.rgb[-6:] == "D9D9D9"
    assert theirs[STUDENTS.name].cell(1, status).font.b


def test_the_post_write_check_holds_for_the_patch(tmp_path, monkeypatch):
    """A patch that would change a teacher's cell is refused in Chinese and the file stays."""
    master = _school(tmp_path, classes=1)
    path = _classes(master)[0]
    old = path.read_bytes()
    made = patch_book.SheetCells.to_xml

    def and_a_typed_cell(self):
        xml = made(self)
        return xml.replace(b"<is><t>", b"<is><t>X", 1) if b"<sheetData>" in xml else xml

    monkeypatch.setattr(patch_book.SheetCells, "to_xml", and_a_typed_cell)
    with pytest.raises(XlsyncError, match="丢失或改变"):
        refresh.refresh_class_workbook(path, *_refresh_args(master, path))
    assert path.read_bytes() == old


def test_a_file_saved_meanwhile_is_not_overwritten_by_the_patch(tmp_path, monkeypatch):
    master = _school(tmp_path, classes=1)
    path = _classes(master)[0]
    patch = patch_book.patch_class_book

    def while_a_sync_saves(*args, **kwargs):
        done = patch(*args, **kwargs)
        path.write_bytes(path.read_bytes() + b"")  # same bytes, a new modification time
        os.utime(path, ns=(1, 1))
        return done

    monkeypatch.setattr(refresh, "patch_class_book", while_a_sync_saves)
    saved = path.read_bytes()
    with pytest.raises(XlsyncError, match="被别的程序更新了"):
        refresh.refresh_class_workbook(path, *_refresh_args(master, path))
    assert path.read_bytes() == saved


def _refresh_args(master: Path, path: Path) -> tuple:
    """What 汇总 would write into `path`: its table, the rules, its items and findings."""
    from xlsync.core.status_view import StatusContext
    from xlsync.jobs.overdue import overdue

    evaluated = overdue([path], master, AS_OF)
    item = evaluated.inputs.items[0]
    mine = lambda found: [x for x in found if x.file == item.book.file]  # noqa: E731
    return (
        item.book.students,
        evaluated.rules,
        mine(evaluated.items),
        mine(evaluated.report.findings),
        StatusContext(),
    )


def _patch_steps(tmp_path: Path, args_for) -> list[str]:
    """The fault steps of the patch's write in a whole 汇总 of a copy of the school, each as
    "step#count": from "package-patched" to the replace."""
    master = _school(tmp_path / "log", classes=1)
    log = tmp_path / "steps.log"
    env = {**os.environ, LOG_ENV: str(log)}
    assert subprocess.run(args_for(master), env=env, timeout=300).returncode in (0, 1)
    seen: dict[str, int] = {}
    steps = []
    for step in log.read_text(encoding="utf-8").split():
        seen[step] = seen.get(step, 0) + 1
        steps.append(f"{step}#{seen[step]}")
    start = steps.index("package-patched#1")
    end = next(i for i, s in enumerate(steps) if i > start and s.startswith("replaced"))
    return steps[start:end]


def test_killed_at_each_step_of_the_patch_the_file_is_the_old_one(tmp_path):
    """SIGKILL right after the patch is built, after its temp file is written, and just before
    the replace: the class file is byte for byte the old one, and the next 汇总 refreshes it
    and removes the temp file the killed run left."""

    def args_for(master: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "xlsync.cli",
            "consolidate",
            str(master),
            "--as-of",
            "2026-11-30",
        ]

    steps = _patch_steps(tmp_path, args_for)
    assert [s.split("#")[0] for s in steps] == ["package-patched", "temp-written", "before-replace"]
    for step in steps:
        master = _school(tmp_path / step, classes=1)
        path = _classes(master)[0]
        old, marker = path.read_bytes(), tmp_path / f"{step}.marker"
        env = {**os.environ, STEP_ENV: step, MARK_ENV: str(marker)}
        done = subprocess.run(args_for(master), env=env, capture_output=True, timeout=300)
        assert done.returncode == -signal.SIGKILL and marker.read_text() == step
        assert path.read_bytes() == old
        again = subprocess.run(args_for(master), capture_output=True, timeout=300)
        assert again.returncode in (0, 1) and _patched(path)
        assert not [p for p in path.parent.iterdir() if p.name.endswith(".xlsync-tmp")]
