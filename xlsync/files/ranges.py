"""Widen xlsync's own input checks in an existing class workbook to the rows a school year needs.

Workbooks made before issue 16 carry their drop-downs and checks to row 1001, and LibreOffice
saves a check only down to 1,000 rows below the last filled row. So every write of the status
columns (`overdue --write`, and 汇总's write-back, which reuses that writer) takes the checks
xlsync gave the class sheets — recognised by their column's header and their rule
(xlsync/files/validations.py) — that stop less than half a year's rows (`Sheet.rows // 2`) under
the last filled row, and extends them to a year's rows (`Sheet.rows`) under it; keeps 学生名单
reaching as far in 学生档案; and gives a 学生姓名 column without any check its drop-down of
学生名单. A fresh template is left as it is. The teacher's own checks and every cell are left
as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.classbook import pick_grid
from xlsync.core.status_view import MARKS_SHEET
from xlsync.core.tables import HEADER_SCAN_ROWS, column_letter, is_blank, locate_header
from xlsync.files.validations import check_for, is_own, roster_name
from xlsync.schema import (
    CHECK_SHEET,
    CLASS_SHEETS,
    HELP_SHEET,
    STATUS_SHEET,
    STUDENT_LIST,
    STUDENTS,
    Sheet,
)

_OWNED = frozenset({STATUS_SHEET, CHECK_SHEET, MARKS_SHEET, HELP_SHEET})  # never a class sheet
_RANGE = re.compile(r"^'?(.*?)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)$")


@dataclass
class SheetChecks:
    """One sheet as the widening sees it: its first rows' values, its last filled row under a
    header row, and its checks (lengthened in place; a new one is appended to `checks`)."""

    title: str
    head: list[list[Any]]
    last_filled: Callable[[int], int]
    checks: list[DataValidation]


@dataclass
class _Place:
    """A class sheet found in the workbook: where its data starts and how far checks reach."""

    sheet: SheetChecks
    spec: Sheet
    first: int  # the first data row, under the header
    need: int  # checks ending above this row are widened (half a year's rows left)...
    end: int  # ...down to this one (a year's rows under the last filled row)
    positions: dict[str, int]  # schema header → 1-based column


def widen_checks(workbook: Workbook) -> None:
    """Extend xlsync's checks in the class sheets of `workbook` and keep 学生名单 fed."""
    sheets = [
        SheetChecks(
            ws.title, _head(ws), partial(_last_filled, ws), ws.data_validations.dataValidation
        )
        for ws in workbook.worksheets
        if ws.title not in _OWNED
    ]
    roster = widen(sheets, workbook.defined_names.get(STUDENT_LIST))
    if roster is not None:
        workbook.defined_names[STUDENT_LIST] = roster


def widen(sheets: list[SheetChecks], roster: DefinedName | None) -> DefinedName | None:
    """Extend xlsync's checks in the class sheets among `sheets` (xlsync's own sheets left
    out); the new 学生名单 when it is to change, else None."""
    places = _class_sheets(sheets)
    for place in places:
        by_column = {number: header for header, number in place.positions.items()}
        for validation in place.sheet.checks:
            if _own_column(validation, place, by_column):
                _extend(validation, place.need, place.end)
    return _keep_roster(roster, places)


def _class_sheets(sheets: list[SheetChecks]) -> list[_Place]:
    """The class sheets among `sheets`, found as the reader finds them (by name, else header)."""
    heads = {sheet.title: sheet.head for sheet in sheets if sheet.title not in _OWNED}
    by_title = {sheet.title: sheet for sheet in sheets}
    places: list[_Place] = []
    taken: set[str] = set()
    for spec in CLASS_SHEETS:
        name = pick_grid(heads, spec, taken)
        located = locate_header(heads[name], spec) if name is not None else None
        if name is None or located is None:
            continue
        taken.add(name)
        sheet, header_row = by_title[name], located[0] + 1
        last = sheet.last_filled(header_row)
        need, end = last + spec.rows // 2, last + spec.rows
        places.append(_Place(sheet, spec, header_row + 1, need, end, located[1]))
    return places


def _head(ws: Worksheet) -> list[list[Any]]:
    rows = ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)
    return [[str(v) if isinstance(v, CellRichText) else v for v in row] for row in rows]


def _last_filled(ws: Worksheet, header_row: int) -> int:
    """The last row at or under the header holding a value. Read from the cells the sheet
    holds: `iter_rows` would create an empty cell at every position of its rectangle."""
    filled = (row for (row, _), cell in ws._cells.items() if not is_blank(cell.value))
    return max((row for row in filled if row > header_row), default=header_row)


def _own_column(validation: DataValidation, place: _Place, by_column: dict[int, str]) -> bool:
    """Whether `validation` is xlsync's check of one schema column, from its first data row."""
    ranges = list(validation.sqref.ranges)
    columns = {(r.min_col, r.max_col) for r in ranges}
    if len(columns) != 1 or min(r.min_row for r in ranges) != place.first:
        return False
    low, high = columns.pop()
    header = by_column.get(low)
    return low == high and header is not None and is_own(validation, place.spec.column(header))


def _extend(validation: DataValidation, need: int, end: int) -> None:
    """Lengthen the lowest range of `validation` down to row `end` when it stops above row
    `need`: a fresh template is left as it is until half a year's rows are filled."""
    ranges = sorted(validation.sqref.ranges, key=lambda r: r.max_row)
    lowest = ranges[-1]
    if lowest.max_row >= need:
        return
    letter = column_letter(lowest.min_col)
    kept = [r.coord for r in ranges[:-1]]
    validation.sqref = MultiCellRange([*kept, f"{letter}{lowest.min_row}:{letter}{end}"])


def _keep_roster(roster: DefinedName | None, places: list[_Place]) -> DefinedName | None:
    """学生名单 over 学生档案's 姓名 down to its checks' end, and a drop-down of it in every
    学生姓名 column that has no check — unless 学生名单 is a name the teacher made herself.
    The new 学生名单 when it is to change, else None."""
    students = next((p for p in places if p.spec is STUDENTS), None)
    if students is None or "姓名" not in students.positions:
        return None
    made = roster_name(
        students.sheet.title, students.positions["姓名"], students.first, students.end
    )
    if roster is not None and not _same_cells(roster, made):
        return None
    for place in places:
        _add_roster_checks(place)
    return made if roster is None or _end_row(roster) < students.need else None


def _add_roster_checks(place: _Place) -> None:
    """The 学生名单 drop-down in each roster column of `place` that has no check at all."""
    for header, number in place.positions.items():
        check = check_for(place.spec.column(header))
        if place.spec.column(header).roster_list and check and not _checked(place.sheet, number):
            letter = column_letter(number)
            check.add(f"{letter}{place.first}:{letter}{place.end}")
            place.sheet.checks.append(check)


def _parts(name: DefinedName) -> tuple[str, ...] | None:
    found = _RANGE.match((name.attr_text or "").strip())
    return found.groups() if found else None


def _same_cells(current: DefinedName, made: DefinedName) -> bool:
    """Whether `current` is xlsync's 学生名单: the same sheet, column and first row."""
    old, new = _parts(current), _parts(made)
    return old is not None and new is not None and old[:3] == new[:3] and old[1] == old[3]


def _end_row(name: DefinedName) -> int:
    parts = _parts(name)
    return int(parts[4]) if parts else 0


def _checked(sheet: SheetChecks, column: int) -> bool:
    """Whether any check of `sheet` covers a cell of `column`."""
    return any(
        r.min_col <= column <= r.max_col
        for validation in sheet.checks
        for r in validation.sqref.ranges
    )
