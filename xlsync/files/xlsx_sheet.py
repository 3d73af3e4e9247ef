"""One worksheet part as the package-level writer edits it: its cells by row and column, and
the elements around <sheetData> put where the schema's order wants them.

Only the cells the writer sets are re-serialised; every other <row> and <c> element stays the
bytes it was (a row the writer adds a cell to keeps its attributes and its other cells).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from xlsync.core.formula import Formula
from xlsync.core.tables import column_letter
from xlsync.files.xlsx_styles import NotPlain

_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>(.*)</sheetData>", re.S)
_ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>.*?</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Elements that follow <sheetData>, in the order CT_Worksheet requires.
AFTER_DATA = (
    "sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
    "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
    "controls", "webPublishItems", "tableParts", "extLst",
)  # fmt: skip


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def cell_xml(row: int, column: int, value: Any, style: int) -> bytes:
    """One <c> element as openpyxl would write its value: text as an inline string (a
    teacher-looking =… stays text), numbers, booleans, dates as serial numbers."""
    ref = f"{column_letter(column)}{row}"
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>'.encode()
    if isinstance(value, Formula):
        return f'<c r="{ref}"{s}><f>{escape(value.text[1:])}</f></c>'.encode()
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'.encode()
    if isinstance(value, dt.datetime):
        raise NotPlain("a date-time value")  # xlsync's blocks hold dates only
    if isinstance(value, dt.date):
        return f'<c r="{ref}"{s}><v>{(value - EXCEL_EPOCH).days}</v></c>'.encode()
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'.encode()
    text = escape(_ILLEGAL.sub("", str(value)))
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'.encode()


class SheetCells:
    """The <sheetData> of a small sheet: rows in order, each row's cells by column."""

    def __init__(self, xml: bytes) -> None:
        found = _DATA.search(xml)
        if found is None or xml.count(b"<sheetData") != 1:
            raise NotPlain("no plain sheetData")
        self.xml, self.span = xml, found.span()
        self.rows: dict[int, tuple[bytes, dict[int, bytes]]] = {}
        for row in _ROW.finditer(found.group(1) or b""):
            number = _ROW_NUMBER.search(row.group(1))
            if number is None:
                raise NotPlain("a row without its number")
            self.rows[int(number.group(1))] = (row.group(1), self._cells(row.group(2) or b""))
        self.changed = False

    @staticmethod
    def _cells(body: bytes) -> dict[int, bytes]:
        cells: dict[int, bytes] = {}
        for cell in _CELL.finditer(body):
            ref = _REF.search(cell.group(1))
            if ref is None:
                raise NotPlain("a cell without its reference")
            cells[column_number(ref.group(1))] = cell.group(0)
        return cells

    @property
    def max_row(self) -> int:
        """The last row holding a cell element (what openpyxl counts as the sheet's height)."""
        return max((n for n, (_, cells) in self.rows.items() if cells), default=0)

    @property
    def max_column(self) -> int:
        return max((max(cells) for _, cells in self.rows.values() if cells), default=0)

    def style(self, row: int, column: int) -> int:
        cell = self.rows.get(row, (b"", {}))[1].get(column)
        found = _STYLE.search(cell.split(b">", 1)[0]) if cell else None
        return int(found.group(1)) if found else 0

    def has(self, row: int, column: int) -> bool:
        return column in self.rows.get(row, (b"", {}))[1]

    def restyle(self, row: int, column: int, style: int) -> None:
        """The cell with another format, its value as it is (an empty cell when absent)."""
        cell = self.rows.get(row, (b"", {}))[1].get(column)
        if cell is None:
            self.put(row, column, cell_xml(row, column, None, style))
            return
        head, sep, rest = cell.partition(b">") if not cell.endswith(b"/>") else (cell, b"", b"")
        closing = head.endswith(b"/") or cell.endswith(b"/>")
        head = head[:-1] if head.endswith(b"/") else head
        head = _STYLE.sub(b"", head).rstrip() + (f' s="{style}"'.encode() if style else b"")
        self.put(row, column, head + (b"/>" if closing and not sep else b">" + rest))

    def around(self, edit: Callable[[bytes], bytes]) -> None:
        """Edit the part outside <sheetData> (its rows are kept as they are set here)."""
        self.xml = edit(self.xml)
        found = _DATA.search(self.xml)
        if found is None:
            raise NotPlain("sheetData lost")
        self.span, self.changed = found.span(), True

    def put(self, row: int, column: int, cell: bytes) -> None:
        attrs, cells = self.rows.setdefault(row, (f' r="{row}"'.encode(), {}))
        cells[column] = cell
        self.changed = True

    def to_xml(self) -> bytes:
        """The sheet part with its rows written back (the same bytes when nothing was set)."""
        if not self.changed:
            return self.xml
        rows = b"".join(
            b"<row" + attrs + b">" + b"".join(cells[c] for c in sorted(cells)) + b"</row>"
            if cells
            else b"<row" + attrs + b"/>"
            for _, (attrs, cells) in sorted(self.rows.items())
        )
        start, end = self.span
        xml = self.xml[:start] + b"<sheetData>" + rows + b"</sheetData>" + self.xml[end:]
        return self._dimension(xml)

    def _dimension(self, xml: bytes) -> bytes:
        """<dimension> grown to the cells written (a part whose dimension claims less than
        its cells reach is read in a child process, files/reader.py)."""
        found = _DIMENSION.search(xml)
        if found is None:
            return xml
        ref = f"A1:{column_letter(max(self.max_column, 1))}{max(self.max_row, 1)}".encode()
        return xml[: found.start()] + b'<dimension ref="' + ref + b'"/>' + xml[found.end() :]


def insert_after_data(xml: bytes, tag: str, element: bytes) -> bytes:
    """`element` (a <tag …> after sheetData) put before the first element that must follow it."""
    for later in AFTER_DATA[AFTER_DATA.index(tag) + 1 :]:
        found = re.search(rb"<" + later.encode() + rb"\b", xml)
        if found:
            return xml[: found.start()] + element + xml[found.start() :]
    return xml.replace(b"</worksheet>", element + b"</worksheet>", 1)


def add_columns(xml: bytes, widths: dict[int, float]) -> bytes:
    """Column widths for columns the sheet's <cols> does not describe yet (NotPlain when one
    already is: a width range would have to be split)."""
    cols = re.search(rb"<cols>(.*?)</cols>", xml, re.S)
    entries = re.findall(rb"<col\b[^>]*/>", cols.group(1)) if cols else []
    if cols is not None and len(entries) != cols.group(1).count(b"<col"):
        raise NotPlain("a column written another way")
    spans = []
    for entry in entries:
        low, high = re.search(rb'\bmin="(\d+)"', entry), re.search(rb'\bmax="(\d+)"', entry)
        if low is None or high is None:
            raise NotPlain("a column without its range")
        spans.append((int(low.group(1)), int(high.group(1)), entry))
    for number in widths:
        if any(a <= number <= b for a, b, _ in spans):
            raise NotPlain("a width over a column range")
    if not widths:
        return xml
    made = [
        (n, n, f'<col width="{w}" customWidth="1" min="{n}" max="{n}"/>'.encode())
        for n, w in widths.items()
    ]
    body = b"<cols>" + b"".join(e for _, _, e in sorted(spans + made)) + b"</cols>"
    if cols is None:
        return xml.replace(b"<sheetData", body + b"<sheetData", 1)
    return xml[: cols.start()] + body + xml[cols.end() :]
