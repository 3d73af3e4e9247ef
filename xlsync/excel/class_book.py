"""xlsync's parts of a class workbook open in Excel: status columns and 逾期提醒 (计算逾期),
cell marks and 校验结果 (校验本表). The same product as the file and Google writers
(xlsync/files/status_columns.py, annotate.py), written cell block by cell block through
xlwings; cells the teacher typed are never written.

Marks are remembered in the hidden sheet xlsync标记 in the file writer's layout (工作表,
单元格, 原填充), so marks made by `xlsync validate --annotate` are undone by 校验本表 and the
other way round. A fill is stored here as #RRGGBB (or empty for none).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from xlsync.core.calendar import Rule
from xlsync.core.findings import ERROR, Finding
from xlsync.core.master_view import DATE_FORMAT, HEADER_FILL, STATUS_STYLES
from xlsync.core.obligations import DONE, Item
from xlsync.core.status_view import (
    MARKS_SHEET,
    NOTE_MARK,
    block_start,
    check_rows,
    owned_columns,
    status_block,
    todo_rows,
)
from xlsync.core.tables import Table
from xlsync.excel.book import (
    Book,
    XlSheet,
    fresh_sheet,
    paint_runs,
    read_grid,
    rgb,
    sheet_names,
    status_formats,
    style_header,
    write_rows,
)
from xlsync.schema import CHECK_SHEET, STATUS_SHEET

ERROR_FILL, WARNING_FILL = STATUS_STYLES["已逾期"][0], STATUS_STYLES["即将到期"][0]
OWN_FILLS = {rgb(ERROR_FILL), rgb(WARNING_FILL)}
_XML_RGB = re.compile(r'fgColor[^>]*rgb="[0-9A-Fa-f]{2}([0-9A-Fa-f]{6})"')


def status_colour(value: Any) -> str | None:
    text = str(value or "")
    return next((fill for status, (fill, _) in STATUS_STYLES.items() if status in text), None)


# ------------------------------------------------------------------ 计算逾期


def write_status(book: Book, table: Table, rules: Sequence[Rule], items: Sequence[Item]) -> None:
    """Replace the status columns of 学生档案 and the 逾期提醒 sheet."""
    sheet = book.sheets[table.source_sheet]
    grid = read_grid(sheet)
    header = grid[table.header_row - 1] if len(grid) >= table.header_row else []
    owned = owned_columns(header)
    start = block_start(grid, table.header_row, owned)
    last_row = max(len(grid), table.header_row + 1)
    for column in owned:  # emptied in place (a teacher column may lie after them)
        cells = sheet.range((table.header_row, column), (last_row, column))
        cells.value, cells.color = None, None
    headers, values = status_block(table.data.index, rules, items)
    rows = [headers] + [
        values.get(r, [None] * len(headers)) for r in range(table.header_row + 1, last_row + 1)
    ]
    write_rows(sheet, table.header_row, start, rows)
    head = sheet.range((table.header_row, start), (table.header_row, start + len(headers) - 1))
    head.font.bold, head.color = True, rgb(HEADER_FILL)
    sheet.range(
        (table.header_row + 1, start + len(headers) - 1), (last_row, start + len(headers) - 1)
    ).number_format = DATE_FORMAT
    for offset in range(len(headers) - 2):
        paint_runs(
            sheet,
            start + offset,
            table.header_row + 1,
            [r[offset] for r in rows[1:]],
            status_colour,
        )
    _write_todo(book, table, items)


def _write_todo(book: Book, table: Table, items: Sequence[Item]) -> None:
    sheet = fresh_sheet(book, STATUS_SHEET)
    rows = todo_rows(items)
    write_rows(sheet, 1, 1, rows)
    style_header(sheet, len(rows[0]), (10, 10, 14, 18, 12, 10, 10, 10))
    sheet.range((2, 5), (max(2, len(rows)), 5)).number_format = DATE_FORMAT
    status_formats(sheet.range((2, 1), (max(2, len(rows)), 1)))
    pending = [i for i in items if i.status != DONE]
    for row, item in enumerate(pending, start=2):
        sheet.range((row, 8)).add_hyperlink(
            f"#'{table.source_sheet}'!A{item.row}", f"第{item.row}行"
        )


# ------------------------------------------------------------------ 校验本表


def _fill_text(colour: tuple[int, int, int] | None) -> str:
    return "" if colour is None else "#" + "".join(f"{c:02X}" for c in colour)


def _fill_colour(text: Any) -> tuple[int, int, int] | None:
    """A remembered fill: #RRGGBB (written here) or the file writer's fill XML."""
    text = str(text or "")
    if text.startswith("#") and len(text) == 7:
        return rgb(text[1:])
    found = _XML_RGB.search(text)
    return rgb(found.group(1)) if found and 'patternType="none"' not in text else None


def remove_marks(book: Book) -> None:
    """Undo the previous run: fills still ours get their old fill back, xlsync's notes go."""
    names = sheet_names(book)
    if MARKS_SHEET not in names:
        return
    for row in read_grid(book.sheets[MARKS_SHEET])[1:]:
        sheet_name, address, original = (list(row) + [None, None, None])[:3]
        if sheet_name not in names or not address:
            continue
        cell = book.sheets[sheet_name].range(str(address))
        if cell.color in OWN_FILLS:
            cell.color = _fill_colour(original)
        note = cell.note
        if note is not None and note.text.startswith(NOTE_MARK):
            note.delete()


def annotate(book: Book, findings: Sequence[Finding]) -> None:
    """Replace xlsync's earlier marks with marks for `findings` and list them in 校验结果."""
    remove_marks(book)
    names = sheet_names(book)
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.cell and finding.sheet in names:
            by_cell[(finding.sheet, finding.cell)].append(finding)
    marks = [["工作表", "单元格", "原填充"]]
    for (sheet_name, address), found in by_cell.items():
        cell = book.sheets[sheet_name].range(address)
        marks.append([sheet_name, address, _fill_text(cell.color)])
        cell.color = rgb(ERROR_FILL if any(f.severity == ERROR for f in found) else WARNING_FILL)
        if cell.note is None:  # a teacher's own note is never replaced
            cell.add_note(NOTE_MARK + "\n" + "\n".join(f"· {f.message}" for f in found))
    _write_check_sheet(book, findings, names)
    write_rows(fresh_sheet(book, MARKS_SHEET, hidden=True), 1, 1, marks)


def _write_check_sheet(book: Book, findings: Sequence[Finding], names: list[str]) -> XlSheet:
    sheet = fresh_sheet(book, CHECK_SHEET)
    rows = check_rows(findings)
    write_rows(sheet, 1, 1, rows)
    style_header(sheet, len(rows[0]), (6, 12, 8, 12, 20, 70, 22))
    for row, f in enumerate(findings, start=2):
        if f.cell and f.sheet in names:
            sheet.range((row, 3)).add_hyperlink(f"#'{f.sheet}'!{f.cell}", f.cell)
    paint_runs(
        sheet,
        1,
        2,
        [r[0] for r in rows[1:]],
        lambda s: ERROR_FILL if s == ERROR else WARNING_FILL if s else None,
    )
    return sheet
