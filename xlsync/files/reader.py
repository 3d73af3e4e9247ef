"""Read any workbook file a school has into grids of raw cells, then into typed tables.

.xlsx/.xlsm/.xls/.ods go through python-calamine (fast, and it reads all four);
.csv is decoded as UTF-8 (with or without BOM) or, failing that, GB18030 (a superset of the
GBK that Chinese Excel and WPS write). Every failure is one Chinese `XlsyncError`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Callable

import python_calamine

from xlsync.core.classbook import ClassBook, assemble_class_book
from xlsync.core.tables import Grid
from xlsync.errors import XlsyncError
from xlsync.files.error_cells import error_cells

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
READABLE_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def read_class_workbook(path: str | Path, name: str | None = None) -> ClassBook:
    """The typed tables of one class workbook file; `name` is how findings refer to it."""
    return assemble_class_book(load_grids(path), name or str(path))


def load_grids(path: str | Path, only: Callable[[str], bool] | None = None) -> dict[str, Grid]:
    """The sheets of `path` (those `only` accepts) as grids (grid[0][0] is A1), by sheet name."""
    path = Path(path)
    _check_readable(path)
    if path.suffix.lower() == ".csv":
        return {path.stem: _read_csv(path)}
    return _read_workbook(path, only or (lambda name: True))


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise XlsyncError(f"找不到文件「{path}」，请检查路径是否写对。")
    if path.is_dir():
        raise XlsyncError(f"「{path}」是文件夹，不是工作簿文件。")
    if path.suffix.lower() not in READABLE_SUFFIXES:
        raise XlsyncError(f"「{path}」不是能读取的表格文件，应为 "
                          f"{'、'.join(READABLE_SUFFIXES)} 之一。")


def _read_workbook(path: Path, only: Callable[[str], bool]) -> dict[str, Grid]:
    head = path.open("rb").read(8)
    if path.suffix.lower() in (".xlsx", ".xlsm") and head == OLE_MAGIC:
        raise XlsyncError(f"「{path}」设置了打开密码，xlsync 无法读取。"
                          "请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后再试。")
    if path.suffix.lower() != ".xls" and head[:4] != ZIP_MAGIC:
        raise XlsyncError(f"「{path}」不是有效的 Excel 工作簿（文件内容已损坏或格式不对）。")
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        grids = {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                 for name in book.sheet_names if only(name)}
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            _put_errors(grids, error_cells(path, grids))
        return grids
    except python_calamine.PasswordError:
        raise XlsyncError(f"「{path}」设置了打开密码，xlsync 无法读取。请取消密码后再试。") from None
    except Exception as err:  # calamine raises several types for a damaged file
        raise XlsyncError(f"「{path}」无法读取，文件可能已损坏（{type(err).__name__}）。"
                          "请在 Excel 中打开后另存为 .xlsx 再试。") from None


def _put_errors(grids: dict[str, Grid], errors: dict[str, dict[tuple[int, int], str]]) -> None:
    """Write error texts into the grids where calamine left '' (see files/error_cells.py)."""
    for sheet, cells in errors.items():
        grid = grids.get(sheet)
        for (row, column), text in cells.items():
            if grid is not None and row <= len(grid) and column <= len(grid[row - 1]):
                grid[row - 1][column - 1] = text  # type: ignore[index]


def _read_csv(path: Path) -> Grid:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise XlsyncError(f"「{path}」的文字编码无法识别，请在 Excel 中另存为 UTF-8 CSV 或 .xlsx。")
    rows: list[list[Any]] = list(csv.reader(io.StringIO(text, newline="")))
    return rows
