"""Write obligation statuses into a class workbook (`xlsync overdue --write`).

xlsync owns the status columns at the right end of 学生档案 (one per rule, e.g. 「谈心·本月」,
then 逾期项数 and 最近截止) and the 逾期提醒 sheet. A re-run replaces exactly those: owned
columns are recognised by their header, and are rewritten in place at the right end (or,
when a teacher has since added columns after them, emptied and written after the teacher's).
What is written is the core's spec (xlsync/core/render/class_book.py); this module draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText

from xlsync.core.calendar import Rule
from xlsync.core.obligations import Item
from xlsync.core.render.class_book import status_spec, todo_spec
from xlsync.core.render.spec import SheetSpec
from xlsync.core.status_view import NO_CONTEXT, StatusContext
from xlsync.core.tables import Table
from xlsync.files.kept import Owned, owning
from xlsync.files.ranges import widen_checks
from xlsync.files.render import draw
from xlsync.files.safe_write import open_for_update, save_workbook
from xlsync.schema import STATUS_SHEET


def write_status(
    path: Path,
    table: Table,
    rules: Sequence[Rule],
    items: Sequence[Item],
    context: StatusContext = NO_CONTEXT,
) -> None:
    """Replace the status columns of 学生档案 and the 逾期提醒 sheet of one class workbook."""
    workbook = open_for_update(path)
    owned = draw_status(workbook, table, rules, items, context)
    save_workbook(workbook, path, owned=owned)


def draw_status(
    workbook: Workbook,
    table: Table,
    rules: Sequence[Rule],
    items: Sequence[Item],
    context: StatusContext = NO_CONTEXT,
) -> Owned:
    """Draw the status columns and 逾期提醒 (unreported 安全事件 first) into a loaded
    workbook; what they own."""
    ws = workbook[table.source_sheet]
    grid = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    spec = status_spec(
        table.source_sheet, grid, table.header_row, table.data.index, rules, items, context.facts
    )
    draw(workbook, spec)
    draw(workbook, todo_spec(items, table.source_sheet, context.caption, context.incidents))
    widen_checks(workbook)  # drop-downs on every row a school year needs (files/ranges.py)
    return status_owned(spec)


def status_owned(spec: SheetSpec) -> Owned:
    """What the status block `spec` and 逾期提醒 own: that sheet, and the block's columns."""
    return owning(frozenset({STATUS_SHEET}), {spec.name: _columns(spec)})


def _columns(spec: SheetSpec) -> set[int]:
    """The columns of 学生档案 the status block writes or clears (the writer's own)."""
    start, width = spec.origin[1], max((len(r) for r in spec.rows), default=0)
    cleared = {c for box in spec.clear for c in range(box.column, box.last_column + 1)}
    return cleared | set(range(start, start + width))


def _text(value: object) -> object:
    """Rich text (runs of formatted text in one cell) as its plain text, for reading headers."""
    return str(value) if isinstance(value, CellRichText) else value
