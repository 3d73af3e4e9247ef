"""How far a sheet part's cells reach, read with a streaming, namespace-aware XML parser.

python-calamine lays a sheet out as one block from A1 to its last cell and aborts the whole
process when that block needs more memory than there is. So before it reads a sheet, xlsync
measures where the cells really are. A regex is not enough: attribute order, quotes, spaces,
lower case, a namespace prefix and cells without `r` (placed after the previous one) are all
valid XML that a pattern misses. Unless every cell is spelled the way spreadsheet programs
write it (then a pattern is exact and fast), the part is read with expat, element by element;
a DTD (entity bombs) is refused.
"""

from __future__ import annotations

import re
from typing import IO
from xml.parsers import expat

from xlsync.errors import XlsyncError

_REF = re.compile(r"\s*([A-Za-z]{1,4})?\s*(\d+)?\s*$")


class _Extent:
    """Expat handlers tracking the last row and column any cell or row reaches."""

    def __init__(self) -> None:
        self.rows = self.cols = 0
        self.row = self.col = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]  # "namespace local" (expat's namespace separator)
        if local == "row":
            self.row = _number(attrs.get("r")) or self.row + 1
            self.col = 0
            self.rows = max(self.rows, self.row)
        elif local == "c":
            self._cell(attrs.get("r"))

    def _cell(self, ref: str | None) -> None:
        letters, digits = _split(ref)
        self.col = _column(letters) if letters else self.col + 1
        row = int(digits) if digits else max(self.row, 1)
        self.rows, self.cols = max(self.rows, row), max(self.cols, self.col)


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
# no tag carries a namespace prefix, a pattern finds every reference: the fast path, which keeps
# a 300,000-row sheet to about a second. Anything else goes through the XML parser.
_PLAIN_REF = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"')
_ANY_CELL = re.compile(rb"<c[\s>/]")
_PREFIXED = re.compile(rb"<[\w.-]+:(?:c|row)[\s>/]")


def _plain_extent(xml: bytes) -> tuple[int, int] | None:
    """The extent by pattern when every cell is spelled `<c r="A1"`, else None."""
    refs = _PLAIN_REF.findall(xml)
    if len(refs) != len(_ANY_CELL.findall(xml)) or _PREFIXED.search(xml):
        return None
    rows = max((int(digits) for _, digits in refs), default=0)
    cols = max((_column(letters.decode()) for letters in {r[0] for r in refs}), default=0)
    return rows, cols


def sheet_extent(stream: IO[bytes]) -> tuple[int, int]:
    """(last row, last column) the cells of a sheet part reach (its dimension may lie)."""
    xml = stream.read()
    return _plain_extent(xml) or _parsed_extent(xml)


def _parsed_extent(xml: bytes) -> tuple[int, int]:
    """The extent by a namespace-aware XML parser (any valid spelling of a cell)."""
    extent = _Extent()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = extent.start
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    try:
        parser.Parse(xml, True)
    except expat.ExpatError:
        pass  # malformed XML: measured as far as it goes; calamine then refuses the rest
    return extent.rows, extent.cols
