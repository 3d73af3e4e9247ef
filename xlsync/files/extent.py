"""How far a sheet part's cells that hold something reach, read with a streaming,
namespace-aware XML parser.

python-calamine lays a sheet out as one block from A1 to its last cell with content and aborts
the whole process when that block needs more memory than there is. So before it reads a sheet,
xlsync measures where those cells really are. A regex is not enough: attribute order, quotes,
spaces, lower case, a namespace prefix and cells without `r` (placed after the previous one)
are all valid XML that a pattern misses. Unless every cell is spelled the way spreadsheet
programs write it (then a pattern is exact and fast), the part is read with expat, element by
element; a DTD (entity bombs) is refused.

Cells with a style and nothing in them (`<c r="A9" s="3"/>`: a border drawn over whole columns)
are not counted, as calamine does not lay them out: 299,000 formatted empty rows measure as the
rows that hold data. Whether the part was spelled plainly and what its `<dimension>` claims are
reported too, so the reader can send an odd file to a child process (files/isolate.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

from xlsync.errors import XlsyncError

_REF = re.compile(r"\s*([A-Za-z]{1,4})?\s*(\d+)?\s*$")
ERROR_MARK = b't="e"'  # what files/error_cells.py looks for before it reads a sheet's cells


@dataclass(frozen=True)
class Extent:
    """Where a sheet's cells with content reach, and how much the measurement can be trusted."""

    rows: int
    columns: int
    plain: bool = True  # measured by pattern: every cell spelled `<c r="A1"`, no prefix
    claimed: tuple[int, int] | None = None  # (rows, columns) its <dimension> claims
    data_end: int | None = None  # offset past which sheetData holds only empty cells (plain)
    size: int = 0  # bytes of the part
    errors: bool = True  # it may hold a formula-error cell (t="e"): files/error_cells.py looks


class _Walk:
    """Expat handlers tracking the last row and column a cell with content reaches (a cell
    without `r` is placed after the previous one, empty or not)."""

    def __init__(self) -> None:
        self.rows = self.cols = 0
        self.row = self.col = 0
        self.cell: tuple[int, int] | None = None  # the open cell, until something is in it

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]  # "namespace local" (expat's namespace separator)
        if local == "row":
            self.row = _number(attrs.get("r")) or self.row + 1
            self.col, self.cell = 0, None
        elif local == "c":
            self.cell = self._place(attrs.get("r"))
        elif self.cell is not None:  # an element inside a cell: the cell holds something
            self.rows, self.cols = max(self.rows, self.cell[0]), max(self.cols, self.cell[1])
            self.cell = None

    def end(self, name: str) -> None:
        if name.rsplit(" ", 1)[-1] == "c":
            self.cell = None

    def _place(self, ref: str | None) -> tuple[int, int]:
        letters, digits = _split(ref)
        self.col = _column(letters) if letters else self.col + 1
        return (int(digits) if digits else max(self.row, 1)), self.col


def _split(ref: str | None) -> tuple[str, str]:
    match = _REF.match(ref or "")
    return (match[1] or "", match[2] or "") if match else ("", "")


def _number(text: str | None) -> int:
    return int(text) if text and text.strip().isdigit() else 0


def _column(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def _refuse_dtd(*_: object) -> None:
    raise XlsyncError("工作表中含有不允许的 DTD 声明（可能是恶意文件），xlsync 没有打开它。")


# The spelling Excel, WPS, LibreOffice and openpyxl write. When every cell tag is spelled so and
# no tag carries a namespace prefix, a pattern finds every cell with content (not self-closing,
# not `<c …></c>`): the fast path, in C-speed byte counts and one pattern. Anything else goes
# through the XML parser.
_DATA_CELL = re.compile(rb'<c r="([^"]*)"[^>]*(?<!/)>(?!</c>)')
_PLAIN_REF = re.compile(rb"(?:^| )([A-Z]{1,3})(\d+)(?= |$)")
_CELL_TAGS = (b"<c ", b"<c>", b"<c/", b"<c\n", b"<c\t", b"<c\r")
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')


def _plainly_spelled(xml: bytes, start: int) -> bool:
    """Every cell tag from `start` on is spelled `<c r="…"` and no tag has a prefix."""
    cells = xml.count(b'<c r="', start)
    if xml.count(b"<c", start) != cells and sum(xml.count(t, start) for t in _CELL_TAGS) != cells:
        return False  # a cell spelled otherwise (`<c t=… r=…`, `<c>`, `<c r='…'`, …)
    return xml.find(b":c", start) < 0 and xml.find(b":row", start) < 0  # maybe `<x:c`


def _data_end(xml: bytes, start: int) -> int | None:
    """The offset after the row of the last cell that is not self-closing: plainly spelled,
    sheetData holds only empty styled cells past it (formatted empty rows)."""
    last = xml.rfind(b"</c>")
    row_end = xml.find(b"</row>", last) if last >= start else -1
    return row_end + len(b"</row>") if row_end >= 0 else None


def _plain_extent(xml: bytes, start: int, end: int) -> tuple[int, int] | None:
    """The extent of the cells with content between `start` and `end` by pattern, or None
    when a reference is not spelled `A1`."""
    refs = _DATA_CELL.findall(xml, start, end)
    parsed = _PLAIN_REF.findall(b" ".join(refs))
    if len(parsed) != len(refs):
        return None  # a reference such as `xfd1048576`
    rows = max(map(int, (digits for _, digits in parsed)), default=0)
    cols = max((_column(letters.decode()) for letters in {p[0] for p in parsed}), default=0)
    return rows, cols


def trimmed(xml: bytes, data_end: int) -> bytes:
    """The part without the empty styled cells past `data_end` (what calamine would skip)."""
    close = xml.find(b"</sheetData>", data_end)
    return xml[:data_end] + xml[close:] if close >= 0 else xml


def _claimed(xml: bytes) -> tuple[int, int] | None:
    """(rows, columns) the sheet's <dimension> claims, when it has a plain one."""
    match = _DIMENSION.search(xml, 0, 4096)
    if not match:
        return None
    letters, digits = match[3] or match[1] or b"A", match[4] or match[2] or b"1"
    return int(digits), _column(letters.decode())


def sheet_extent(stream: IO[bytes]) -> Extent:
    """Where the cells with content of a sheet part reach (its dimension may lie)."""
    xml = stream.read()
    start = max(xml.find(b"<sheetData"), 0)
    errors = ERROR_MARK in xml
    if _plainly_spelled(xml, start):
        end = _data_end(xml, start)
        plain = _plain_extent(xml, start, len(xml) if end is None else end)
        if plain is not None:
            return Extent(*plain, True, _claimed(xml), end, len(xml), errors)
    return Extent(*_parsed_extent(xml), False, _claimed(xml), None, len(xml), errors)


def _parsed_extent(xml: bytes) -> tuple[int, int]:
    """The extent by a namespace-aware XML parser (any valid spelling of a cell)."""
    walk = _Walk()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = walk.start
    parser.EndElementHandler = walk.end
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    try:
        parser.Parse(xml, True)
    except expat.ExpatError:
        pass  # malformed XML: measured as far as it goes; calamine then refuses the rest
    return walk.rows, walk.cols
