"""Reading and writing cells of an open workbook through xlwings.

xlwings hands back every number as a float, dates as datetime, empty cells as None and a
single row or column as a 1-D list; `grids` asks for 2-D lists and the core's normalizer
takes the rest as it takes a file's cells. Text is written with Excel's quote prefix, so
nothing xlsync writes is ever taken for a formula, a number or a date (an ID number stays
18 digits; a child's name starting with = stays text).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from xlsync.core.formula import Formula
from xlsync.core.master_view import HEADER_FILL, RATE_SCALE, STATUS_STYLES
from xlsync.core.normalize import fold
from xlsync.core.tables import Grid, next_row
from xlsync.errors import XlsyncError
from xlsync.schema import Sheet

# Rows per xlwings transfer (`options(chunksize=…)`): one COM / AppleScript call moves at most
# this many rows, as xlwings advises for large ranges (one huge call can time out or run out of
# memory, and an Apple Event reply has a size cap in bytes). 5,000 is xlwings' own default for
# `view`/`load`; a 20-column block is then 100,000 cells, xlwings' implicit write budget.
CHUNK_ROWS = 5000

Book = Any  # xlwings.Book
XlSheet = Any  # xlwings.Sheet


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def sheet_names(book: Book) -> list[str]:
    return [sheet.name for sheet in book.sheets]


def read_grid(sheet: XlSheet) -> list[list[Any]]:
    """The sheet from A1 to its last used cell, as rows of raw values."""
    last = sheet.used_range.last_cell
    cells = sheet.range((1, 1), (last.row, last.column))
    values = cells.options(ndim=2, chunksize=CHUNK_ROWS).value
    return [list(row) for row in values]


def grids(book: Book, only: Callable[[str], bool] = lambda name: True) -> dict[str, Grid]:
    """Every sheet `only` accepts, by name, as the file reader would give it."""
    return {sheet.name: read_grid(sheet) for sheet in book.sheets if only(sheet.name)}


def cell_value(value: Any) -> Any:
    """A value as xlwings should write it: text quote-prefixed, missing as empty, xlsync's own
    formulas (`Formula`) as formulas."""
    if isinstance(value, Formula):
        return value.text
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp (NaT is caught by the check below)
        return None if value != value else value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        return cell_value(value.item())
    if isinstance(value, str):
        return "'" + value if value else None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def write_rows(sheet: XlSheet, row: int, column: int, rows: Sequence[Sequence[Any]]) -> None:
    """Write a block of rows (padded to a rectangle) with its top left at (row, column), in
    xlwings chunks of CHUNK_ROWS rows."""
    if not rows:
        return
    width = max(len(r) for r in rows) or 1
    block = [[cell_value(v) for v in r] + [None] * (width - len(r)) for r in rows]
    sheet.range((row, column)).options(chunksize=CHUNK_ROWS).value = block


def fresh_sheet(
    book: Book, name: str, after: str | None = None, first: bool = False, hidden: bool = False
) -> XlSheet:
    """Sheet `name` emptied in place (formulas elsewhere that point at it keep working), or
    added: after sheet `after` if there is one, else first or last."""
    names = sheet_names(book)
    if name in names:
        sheet = book.sheets[name]
        for chart in list(sheet.charts):
            chart.delete()
        sheet.clear()
    elif after in names:
        sheet = book.sheets.add(name, after=book.sheets[after])
    elif first:
        sheet = book.sheets.add(name, before=book.sheets[0])
    else:
        sheet = book.sheets.add(name, after=book.sheets[len(names) - 1])
    if hidden:
        sheet.visible = False
    return sheet


def style_header(sheet: XlSheet, width: int, widths: Iterable[float] = ()) -> None:
    """Bold grey header row (as the file writer's tables) and column widths."""
    header = sheet.range((1, 1), (1, max(width, 1)))
    header.font.bold = True
    header.color = rgb(HEADER_FILL)
    for number, chars in enumerate(widths, start=1):
        sheet.range((1, number)).column_width = chars


def status_formats(cells: Any) -> None:
    """Excel's own rules colour each cell containing a status (逾期清单's and 安全事件汇总's 状态
    column, where an unreported event reads 已逾期（未报告）), as the file writer's rules do:
    three calls however long the list, and right again after the lead edits a cell. The cell
    is INDIRECT("RC",FALSE): Excel reads a relative reference of a rule added through
    COM/AppleScript relative to the active cell (see excel/render.py)."""
    for status, (fill, font) in STATUS_STYLES.items():
        cells.conditional_formats.add_custom(
            f'=ISNUMBER(SEARCH("{status}",INDIRECT("RC",FALSE)))',
            fill_color=rgb(fill),
            font_color=rgb(font),
        )


def rate_scale(cells: Any) -> None:
    """The file writer's 3-colour scale for rates: red 0%, yellow 80%, green 100%."""
    cells.conditional_formats.add_color_scale(
        [rgb(colour) for _, colour in RATE_SCALE],
        thresholds=[at for at, _ in RATE_SCALE],
        threshold_type="number",
    )


def append_record(sheet: XlSheet, spec: Sheet, values: dict[str, str]) -> None:
    """Write `values` under the sheet's own header positions, after its last filled row."""
    found = next_row(read_grid(sheet), spec)
    if found is None:
        raise XlsyncError(f"「{spec.name}」表找不到表头，请按模板恢复表头后再试。")
    row, positions = found
    for header, value in values.items():
        if header in positions:
            sheet.range((row, positions[header])).value = cell_value(value)


def find_sheet(book: Book, name: str) -> XlSheet | None:
    """The sheet called `name` (full-width and spacing variants accepted), if any."""
    return next((s for s in book.sheets if fold(s.name) == name), None)
