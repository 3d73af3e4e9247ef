"""xlsync's parts of a class workbook open in Excel: status columns and 逾期提醒 (计算逾期),
cell marks and 校验结果 (校验本表). The core's spec (xlsync/core/render/class_book.py)
drawn through xlwings (xlsync/excel/render.py), as the file and Google writers draw it; cells
the teacher typed are never written.

Marks are remembered in the hidden sheet xlsync标记 in the file writer's layout (工作表,
单元格, 原填充), so marks made by `xlsync validate --annotate` are undone by 校验本表 and the
other way round. A fill is stored here as #RRGGBB (or empty for none).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from xlsync.core.calendar import Rule
from xlsync.core.findings import Finding
from xlsync.core.obligations import Item
from xlsync.core.render import class_book as spec
from xlsync.core.render.spec import NO_CAPTION, Caption
from xlsync.core.status_view import MARKS_SHEET, NO_CONTEXT, NOTE_MARK, StatusContext
from xlsync.core.tables import Table
from xlsync.excel.book import Book, fresh_sheet, read_grid, rgb, sheet_names, write_rows
from xlsync.excel.render import draw

OWN_FILLS = {rgb(spec.ERROR_FILL), rgb(spec.WARNING_FILL)}
_XML_RGB = re.compile(r'fgColor[^>]*rgb="[0-9A-Fa-f]{2}([0-9A-Fa-f]{6})"')


# ------------------------------------------------------------------ 计算逾期


def write_status(
    book: Book,
    table: Table,
    rules: Sequence[Rule],
    items: Sequence[Item],
    context: StatusContext = NO_CONTEXT,
) -> None:
    """Replace the status columns of 学生档案 and the 逾期提醒 sheet (unreported 安全事件 first)."""
    grid = read_grid(book.sheets[table.source_sheet])
    draw(
        book,
        spec.status_spec(
            table.source_sheet,
            grid,
            table.header_row,
            table.data.index,
            rules,
            items,
            context.facts,
        ),
    )
    draw(book, spec.todo_spec(items, table.source_sheet, context.caption, context.incidents))


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


def annotate(book: Book, findings: Sequence[Finding], caption: Caption = NO_CAPTION) -> None:
    """Replace xlsync's earlier marks with marks for `findings` and list them in 校验结果."""
    remove_marks(book)
    names = sheet_names(book)
    remembered = [spec.MARKS_HEADER]
    for mark in spec.marks(findings, names):
        cell = book.sheets[mark.sheet].range(mark.cell)
        remembered.append([mark.sheet, mark.cell, _fill_text(cell.color)])
        cell.color = rgb(mark.fill)
        if cell.note is None:  # a teacher's own note is never replaced
            cell.add_note(mark.note)
    draw(book, spec.check_spec(findings, names, caption))
    write_rows(fresh_sheet(book, MARKS_SHEET, hidden=True), 1, 1, remembered)
