"""Refresh one class workbook with everything xlsync writes into it, in one save: the status
columns and 逾期提醒 (as `overdue --write`) and the check marks (as `validate --annotate`).

汇总 uses it to bring every class workbook up to date. A workbook whose xlsync blocks would
come out exactly as they are is left alone (same bytes, no backup), so a teacher's file is
rewritten only when what she would see changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from xlsync import faults
from xlsync.core.calendar import Rule
from xlsync.core.findings import Finding
from xlsync.core.obligations import Item
from xlsync.core.status_view import MARKS_SHEET, NO_CONTEXT, StatusContext
from xlsync.core.tables import Table
from xlsync.files.annotate import MARKS_OWNED, draw_marks
from xlsync.files.frozen import Frozen, SpliceError, freeze, remember_cells, thaw, untouched
from xlsync.files.kept import Readback
from xlsync.files.patch_book import patch_class_book
from xlsync.files.safe_write import open_for_update, read_for_update, replace_package, save_workbook
from xlsync.files.status_columns import draw_status
from xlsync.files.xlsx_styles import NotPlain
from xlsync.schema import CHECK_SHEET, STATUS_SHEET

PACKAGE_WRITER_ENV = "XLSYNC_PACKAGE_WRITER"  # "0": every refresh through openpyxl (tests compare)


def refresh_class_workbook(
    path: Path,
    table: Table,
    rules: Sequence[Rule],
    items: Sequence[Item],
    findings: Sequence[Finding],
    context: StatusContext = NO_CONTEXT,
    readback: Readback | None = None,
) -> bool:
    """Write status, 逾期提醒 and marks into `path`; False (file untouched) when unchanged.
    A workbook xlsync has not written into yet gets its parts added to the package
    (files/patch_book.py); otherwise large sheets the refresh does not change are carried over
    byte for byte (files/frozen.py). Where either cannot apply, the file is refreshed the plain
    way, through openpyxl. A `readback` gets the post-write check's read of the file written."""
    try:
        return _patch(path, table, rules, items, findings, context, readback)
    except NotPlain:
        pass
    busy = {table.source_sheet, STATUS_SHEET, CHECK_SHEET, MARKS_SHEET}
    busy |= {f.sheet for f in findings if f.cell}
    try:
        return _refresh(path, table, rules, items, findings, context, busy, readback)
    except SpliceError:
        return _refresh(path, table, rules, items, findings, context, None, readback)


def _patch(
    path: Path,
    table: Table,
    rules: Sequence[Rule],
    items: Sequence[Item],
    findings: Sequence[Finding],
    context: StatusContext,
    readback: Readback | None,
) -> bool:
    """The package-level first write (NotPlain: not applicable, nothing written)."""
    if os.environ.get(PACKAGE_WRITER_ENV) == "0":
        raise NotPlain("turned off")
    read = read_for_update(path)
    patched = patch_class_book(read.content, table, rules, items, findings, context)
    faults.reached("package-patched")
    if readback is not None:  # the post-write check compares with the grids read here
        readback.before, readback.original = patched.grids, read.content
        readback.original_digest = hashlib.sha256(read.raw).hexdigest()
    replace_package(path, read, patched.data, patched.owned, patched.changed, readback)
    return True


def _refresh(
    path: Path,
    table: Table,
    rules: Sequence[Rule],
    items: Sequence[Item],
    findings: Sequence[Finding],
    context: StatusContext,
    busy: set[str] | None,
    readback: Readback | None,
) -> bool:
    """One refresh through openpyxl; `busy` None: load every sheet whole (nothing frozen)."""
    frozen = Frozen()

    def prepare(content: bytes) -> bytes:
        nonlocal frozen
        if busy is None:
            return content
        content, frozen = freeze(content, busy)
        return content

    workbook = open_for_update(path, prepare)
    remember_cells(workbook, frozen)
    before = _looks(workbook, table.source_sheet)
    status_owned = draw_status(workbook, table, rules, items, context)
    draw_marks(workbook, findings, context.caption)
    if _looks(workbook, table.source_sheet) == before:
        return False
    if not untouched(workbook, frozen):
        raise SpliceError("the refresh changed a frozen sheet's cells")
    save_workbook(
        workbook,
        path,
        owned=lambda sheet, row, column: (
            status_owned(sheet, row, column) or MARKS_OWNED(sheet, row, column)
        ),
        finish=lambda data: thaw(data, frozen),
        readback=readback,
    )
    return True


def _looks(workbook: Workbook, students: str) -> list[Any]:
    """What a reader sees of xlsync's blocks: the sheets xlsync owns and 学生档案 (which holds
    the status columns) cell by cell — values, fills, fonts, notes, number formats — with
    their visibility and conditional formats. The marks on the teacher's other sheets follow
    from the findings listed in 校验结果 and the fills remembered in xlsync标记, so comparing
    those covers them without walking every record; the drop-downs are compared as ranges."""
    names = [students, STATUS_SHEET, CHECK_SHEET, MARKS_SHEET]
    return [
        (ws.title, ws.sheet_state, _cells(ws), _rules(ws))
        for ws in workbook.worksheets
        if ws.title in names
    ] + [workbook.sheetnames, _checks(workbook)]


def _checks(workbook: Workbook) -> list[Any]:
    """Every sheet's data validations (the drop-downs files/ranges.py widens) and the names."""
    checks = [
        (ws.title, sorted(f"{dv.sqref} {dv.formula1}" for dv in ws.data_validations.dataValidation))
        for ws in workbook.worksheets
    ]
    return checks + sorted(f"{n} {d.attr_text}" for n, d in workbook.defined_names.items())


def _cells(ws: Any) -> list[tuple]:
    """Every cell that shows something; a blank cell counts as absent however it came to be."""
    looks = (
        (
            cell.coordinate,
            _value(cell.value),
            _rgb(cell.fill.fgColor if cell.fill is not None else None),
            _rgb(cell.font.color if cell.font is not None else None),
            cell.comment.text if cell.comment is not None else None,
            cell.number_format,
        )
        for row in ws.iter_rows()
        for cell in row
    )
    return [look for look in looks if look[1:] != BLANK]


BLANK = (None, None, None, None, "General")


def _value(value: Any) -> Any:
    """A date as the date-time a loaded workbook holds for it (both are the same cell); an
    empty string as the empty cell a saved one becomes (a finding with no value, 校验结果)."""
    if value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _rgb(colour: Any) -> str | None:
    """An explicit RRGGBB colour; theme and default colours count as none (xlsync writes
    only explicit ones)."""
    rgb = getattr(colour, "rgb", None)
    return rgb if isinstance(rgb, str) and rgb != "00000000" else None


def _rules(ws: Any) -> list[tuple[str, list[str]]]:
    return sorted(
        (str(cf.sqref), sorted(repr(r.formula) + str(r.type) for r in cf.rules))
        for cf in ws.conditional_formatting
    )
