"""files/ranges.py's widening of xlsync's checks, for the package-level writer, in plain XML.

`ranges.widen` decides on each sheet's first rows, its last filled row and its checks. Here
those come from the package itself: the rows from the grids python-calamine read, the checks
parsed one <dataValidation> element at a time. What the widening changes is written back into
the element's own bytes — a lengthened check gets its new `sqref`, a new 学生姓名 drop-down is
appended as openpyxl writes it — so every other check keeps the bytes the teacher's program
wrote. (A stand-in openpyxl workbook seeded with those cells did the same at several times the
cost: benchmarks/README.md, "The write-back's cost".)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation, DataValidationList
from openpyxl.xml.functions import fromstring, tostring

from xlsync.core.normalize import is_blank
from xlsync.core.tables import HEADER_SCAN_ROWS, Grid
from xlsync.files.ranges import SheetChecks, widen
from xlsync.files.xlsx_sheet import insert_after_data
from xlsync.files.xlsx_styles import NotPlain
from xlsync.schema import STUDENT_LIST

_ATTRIBUTES = rb"""((?:[^>"'/]|/(?!>)|"[^"]*"|'[^']*')*)"""  # a start tag's, quotes and all
_CHECKS = re.compile(rb"<dataValidations\b" + _ATTRIBUTES + rb"(/>|>(.*?)</dataValidations>)", re.S)
_ONE = re.compile(rb"<dataValidation\b" + _ATTRIBUTES + rb"(/>|>.*?</dataValidation>)", re.S)
_PREFIXED = re.compile(rb"""\s[\w.-]+:[\w.-]+\s*=\s*(?:"[^"]*"|'[^']*')""")  # xr:uid="{…}"


@dataclass
class Widened:
    """The checks that changed: sheet → its new <dataValidations>, and 学生名单's new range."""

    checks: dict[str, bytes] = field(default_factory=dict)
    roster: str | None = None


@dataclass
class _Checks:
    """One sheet's <dataValidations>: its attributes, what openpyxl reads of each element (new
    ones are appended), and the sqref each had."""

    attributes: bytes = b""
    read: int = 0  # how many elements the sheet had
    checks: list[DataValidation] = field(default_factory=list)
    sqrefs: list[str] = field(default_factory=list)


def widened(sheets: Mapping[str, bytes], grids: Mapping[str, Grid], roster: str | None) -> Widened:
    """What `ranges.widen` changes in the sheets (name → sheet XML) of a package."""
    found = {name: _parsed(xml) for name, xml in sheets.items()}
    views = [
        SheetChecks(
            name, _head(grids.get(name, [])), partial(_last_filled, grids.get(name, [])), c.checks
        )
        for name, c in found.items()
    ]
    current = DefinedName(STUDENT_LIST, attr_text=roster) if roster is not None else None
    made = widen(views, current)
    done = Widened(roster=made.attr_text if made is not None and made.attr_text != roster else None)
    for name, checks in found.items():
        if len(checks.checks) > checks.read or checks.sqrefs != _sqrefs(checks.checks):
            done.checks[name] = _xml(checks)
    return done


def _parsed(xml: bytes) -> _Checks:
    """A sheet's checks as its <dataValidations> holds them (NotPlain when written oddly)."""
    found = _CHECKS.findall(xml)
    if len(found) > 1 or b"<x:dataValidation" in xml:
        raise NotPlain("checks written another way")
    if not found:
        return _Checks()
    attributes, _, inner = found[0]
    checks = _Checks(attributes)
    if _ONE.sub(b"", inner).strip():
        raise NotPlain("checks written another way")
    for match in _ONE.finditer(inner):
        checks.read += 1
        checks.checks.append(_check(match.group(1), match.group(0)))
    checks.sqrefs = _sqrefs(checks.checks)
    return checks


def _check(attributes: bytes, element: bytes) -> DataValidation:
    """One <dataValidation> as openpyxl reads it (an attribute of another namespace, such as
    Excel's xr:uid, says nothing about the check and is left out of the parse)."""
    rest = element[len(b"<dataValidation") + len(attributes) :]
    try:
        return DataValidation.from_tree(
            fromstring(b"<dataValidation" + _PREFIXED.sub(b"", attributes) + rest)
        )
    except Exception as error:  # noqa: BLE001 — whatever the parse says: the openpyxl path
        raise NotPlain(f"a check openpyxl cannot read: {error}") from None


def _sqrefs(checks: list[DataValidation]) -> list[str]:
    return [str(check.sqref) for check in checks]


def _head(grid: Grid) -> list[list[Any]]:
    """The first rows as `ranges` reads a sheet's head: blank cells as None."""
    return [[None if is_blank(v) else v for v in row] for row in grid[:HEADER_SCAN_ROWS]]


def _last_filled(grid: Grid, header_row: int) -> int:
    """The last row under `header_row` holding a value (else the header row)."""
    for number in range(len(grid), header_row, -1):
        if not all(is_blank(v) for v in grid[number - 1]):
            return number
    return header_row


def _xml(checks: _Checks) -> bytes:
    """The <dataValidations> as openpyxl writes it (as the openpyxl path writes a sheet whose
    checks changed), with the lengthened and the new checks."""
    start = b"<dataValidations" + _PREFIXED.sub(b"", checks.attributes) + b"/>"
    try:
        listed = DataValidationList.from_tree(fromstring(start))
    except Exception as error:  # noqa: BLE001 — whatever the parse says: the openpyxl path
        raise NotPlain(f"checks openpyxl cannot read: {error}") from None
    listed.dataValidation = checks.checks
    return tostring(listed.to_tree())


def with_checks(xml: bytes, checks: bytes) -> bytes:
    """The sheet part with its <dataValidations> replaced by `checks` (or added)."""
    found = _CHECKS.search(xml)
    if found is not None:
        return xml[: found.start()] + checks + xml[found.end() :]
    return insert_after_data(xml, "dataValidations", checks)
