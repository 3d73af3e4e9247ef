"""files/ranges.py's widening of xlsync's checks, for the package-level writer.

`widen_checks` decides on an openpyxl workbook. Here it gets a stand-in: a workbook with one
empty sheet per sheet of the package, holding only what it reads — the header rows, the last
filled row (from the grids python-calamine read), the sheet's own <dataValidations> (parsed
by openpyxl) and 学生名单. What it changes there is written back into the package: the
<dataValidations> element of a sheet whose checks changed, and 学生名单.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidationList
from openpyxl.xml.functions import fromstring, tostring

from xlsync.core.normalize import is_blank
from xlsync.core.tables import HEADER_SCAN_ROWS, Grid
from xlsync.files.ranges import widen_checks
from xlsync.files.xlsx_sheet import insert_after_data
from xlsync.files.xlsx_styles import NotPlain
from xlsync.schema import STUDENT_LIST

_CHECKS = re.compile(rb"<dataValidations\b[^>]*?(?:/>|>.*?</dataValidations>)", re.S)


@dataclass
class Widened:
    """The checks that changed: sheet → its new <dataValidations>, and 学生名单's new range."""

    checks: dict[str, bytes] = field(default_factory=dict)
    roster: str | None = None


def widened(sheets: Mapping[str, bytes], grids: Mapping[str, Grid], roster: str | None) -> Widened:
    """What `widen_checks` changes in the sheets (name → sheet XML) of a package."""
    workbook, before = Workbook(), {}
    workbook.remove(workbook.active)
    for name, xml in sheets.items():
        ws = workbook.create_sheet(name)
        grid = grids.get(name, [])
        for r, row in enumerate(grid[:HEADER_SCAN_ROWS], start=1):
            for c, value in enumerate(row, start=1):
                if not is_blank(value):
                    ws.cell(r, c, value)
        _last_row(ws, grid)
        found = _CHECKS.findall(xml)
        if len(found) > 1 or b"<x:dataValidation" in xml:
            raise NotPlain("checks written another way")
        if found:
            ws.data_validations = DataValidationList.from_tree(fromstring(found[0]))
        before[name] = _xml(ws.data_validations)
    if roster is not None:
        workbook.defined_names[STUDENT_LIST] = DefinedName(STUDENT_LIST, attr_text=roster)
    widen_checks(workbook)
    done = Widened()
    for ws in workbook.worksheets:
        after = _xml(ws.data_validations)
        if after != before[ws.title]:
            done.checks[ws.title] = after
    name = workbook.defined_names.get(STUDENT_LIST)
    if name is not None and name.attr_text != roster:
        done.roster = name.attr_text
    return done


def _last_row(ws: object, grid: Grid) -> None:
    """One filled cell in the last row holding a value below the header rows."""
    for r in range(len(grid), HEADER_SCAN_ROWS, -1):
        row = grid[r - 1]
        for c, value in enumerate(row, start=1):
            if not is_blank(value):
                ws.cell(r, c, value)  # type: ignore[attr-defined]
                return


def _xml(checks: DataValidationList) -> bytes:
    return tostring(checks.to_tree()) if checks.dataValidation else b""


def with_checks(xml: bytes, checks: bytes) -> bytes:
    """The sheet part with its <dataValidations> replaced by `checks` (or added)."""
    found = _CHECKS.search(xml)
    if found is not None:
        return xml[: found.start()] + checks + xml[found.end() :]
    return insert_after_data(xml, "dataValidations", checks)
