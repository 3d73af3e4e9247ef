"""Find formula-error cells (#REF!, #DIV/0! …) in an .xlsx/.xlsm, which calamine reads as ''.

Only sheets whose XML holds an error cell (t="e") are scanned, so a clean workbook costs one
substring search per sheet.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from xlsync.files.ooxml import sheet_parts

_CELL = re.compile(rb'<c\b([^>]*?)>(.*?)</c>', re.S)
_ADDRESS = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


def error_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name → {(row, column) (1-based): error text} for every formula-error cell."""
    found: dict[str, dict[tuple[int, int], str]] = {}
    with zipfile.ZipFile(path) as archive:
        for sheet, part in sheet_parts(archive).items():
            data = archive.read(part) if part in archive.namelist() else b""
            if b't="e"' not in data:
                continue
            for attrs, body in _CELL.findall(data):
                address, value = _ADDRESS.search(attrs), _VALUE.search(body)
                if b't="e"' in attrs and address and value:
                    key = (int(address.group(2)), _column_number(address.group(1)))
                    found.setdefault(sheet, {})[key] = value.group(1).decode()
    return found
