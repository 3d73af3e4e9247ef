"""Find formula-error cells (#REF!, #DIV/0! …) in an .xlsx/.xlsm, which calamine reads as ''.

Only sheets whose XML holds an error cell (t="e") are scanned, so a clean workbook costs one
substring search per sheet.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from xlsync.files.extent import ERROR_MARK
from xlsync.files.ooxml import sheet_parts

_CELL = re.compile(rb"<c\b([^>]*?)>(.*?)</c>", re.S)
_ADDRESS = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


def error_cells(
    path: Path | IO[bytes], sheets: Iterable[str] | None = None
) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name → {(row, column) (1-based): error text} for every formula-error cell of the
    named sheets (all when None)."""
    found: dict[str, dict[tuple[int, int], str]] = {}
    wanted = None if sheets is None else set(sheets)
    with zipfile.ZipFile(path) as archive:
        for sheet, part in sheet_parts(archive).items():
            if wanted is not None and sheet not in wanted:
                continue
            data = archive.read(part) if part in archive.namelist() else b""
            if ERROR_MARK not in data:
                continue
            for attrs, body in _CELL.findall(data):
                address, value = _ADDRESS.search(attrs), _VALUE.search(body)
                if b't="e"' in attrs and address and value:
                    key = (int(address.group(2)), column_number(address.group(1)))
                    found.setdefault(sheet, {})[key] = value.group(1).decode()
    return found
