"""Write obligation statuses into a class workbook (`xlsync overdue --write`).

xlsync owns the status columns at the right end of 学生档案 (one per rule, e.g. 「谈心·本月」,
then 逾期项数 and 最近截止) and the 逾期提醒 sheet. A re-run replaces exactly those: owned
columns are recognised by their header, and are rewritten in place at the right end (or,
when a teacher has since added columns after them, emptied and written after the teacher's).
Colours come from conditional formats on the status text, so they stay right as values change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl.cell.rich_text import CellRichText
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.calendar import Rule
from xlsync.core.obligations import DONE, Item
from xlsync.core.status_view import block_start, owned_columns, status_block, todo_rows
from xlsync.core.tables import Table, column_letter
from xlsync.files.kept import owning
from xlsync.files.safe_write import open_for_update, save_workbook
from xlsync.files.sheets import (
    OWNED_HEADER_FILL,
    append_values,
    replace_sheet,
    status_colours,
    style_table,
)
from xlsync.schema import STATUS_SHEET


def _clear_columns(ws: Worksheet, columns: Sequence[int], header_row: int) -> None:
    for column in columns:
        for row in range(header_row, ws.max_row + 1):
            cell = ws.cell(row=row, column=column)
            cell.value, cell.fill, cell.font, cell.number_format = (
                None,
                PatternFill(),
                Font(),
                "General",
            )
    keep = ConditionalFormattingList()
    letters = {column_letter(c) for c in columns}
    for formatting in ws.conditional_formatting:
        if not {re.sub(r"\d", "", str(r).split(":")[0]) for r in formatting.sqref.ranges} & letters:
            for rule in formatting.rules:
                keep.add(str(formatting.sqref), rule)
    ws.conditional_formatting = keep


def _write_block(
    ws: Worksheet, table: Table, start: int, rules: Sequence[Rule], items: Sequence[Item]
) -> None:
    headers, values = status_block(table.data.index, rules, items)
    for offset, header in enumerate(headers):
        cell = ws.cell(row=table.header_row, column=start + offset, value=header)
        cell.font, cell.fill = Font(bold=True), OWNED_HEADER_FILL
        ws.column_dimensions[column_letter(start + offset)].width = max(12, len(header) * 2 + 2)
    for row, row_values in values.items():
        for offset, value in enumerate(row_values):
            ws.cell(row=row, column=start + offset, value=value)
        ws.cell(row=row, column=start + len(headers) - 1).number_format = "yyyy-mm-dd"
    _format_block(ws, table, start, len(headers))


def _format_block(ws: Worksheet, table: Table, start: int, width: int) -> None:
    first, last = table.header_row + 1, max(table.header_row + 1, ws.max_row)
    statuses = f"{column_letter(start)}{first}:{column_letter(start + width - 3)}{last}"
    status_colours(ws, statuses)
    count = f"{column_letter(start + width - 2)}{first}:{column_letter(start + width - 2)}{last}"
    ws.conditional_formatting.add(
        count,
        CellIsRule(
            operator="greaterThan",
            formula=["0"],
            fill=PatternFill("solid", bgColor="FFC7CE"),
            font=Font(color="9C0006"),
        ),
    )


def _write_todo(workbook, table: Table, items: Sequence[Item]) -> None:
    ws = replace_sheet(workbook, STATUS_SHEET)
    for values in todo_rows(items):
        append_values(ws, values)
    pending = [i for i in items if i.status != DONE]
    for row, item in enumerate(pending, start=2):
        ws.cell(row=row, column=5).number_format = "yyyy-mm-dd"
        link = ws.cell(row=row, column=8)
        link.hyperlink = Hyperlink(
            ref=link.coordinate, location=f"'{table.source_sheet}'!A{item.row}"
        )
    status_colours(ws, f"A2:A{max(2, ws.max_row)}")
    style_table(ws, widths=(10, 10, 14, 18, 12, 10, 10, 10))


def write_status(path: Path, table: Table, rules: Sequence[Rule], items: Sequence[Item]) -> None:
    """Replace the status columns of 学生档案 and the 逾期提醒 sheet of one class workbook."""
    workbook = open_for_update(path)
    ws = workbook[table.source_sheet]
    grid = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    owned = owned_columns(grid[table.header_row - 1] if len(grid) >= table.header_row else [])
    start = block_start(grid, table.header_row, owned)
    cleared = sorted(set(owned) | set(range(start, ws.max_column + 1))) if owned else []
    _clear_columns(ws, cleared, table.header_row)
    _write_block(ws, table, start, rules, items)
    _write_todo(workbook, table, items)
    block = set(cleared) | set(range(start, ws.max_column + 1))
    save_workbook(
        workbook, path, owned=owning(frozenset({STATUS_SHEET}), {table.source_sheet: block})
    )


def _text(value: object) -> object:
    """Rich text (runs of formatted text in one cell) as its plain text, for reading headers."""
    return str(value) if isinstance(value, CellRichText) else value
