"""Write obligation statuses into a class workbook (`xlsync overdue --write`).

xlsync owns the status columns at the right end of 学生档案 (one per rule, e.g. 「谈心·本月」,
then 逾期项数 and 最近截止) and the 逾期提醒 sheet. A re-run replaces exactly those: owned
columns are recognised by their header, and are rewritten in place at the right end (or,
when a teacher has since added columns after them, emptied and written after the teacher's).
Colours come from conditional formats on the status text, so they stay right as values change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.calendar import Rule
from xlsync.core.obligations import DONE, OPEN, OVERDUE, SOON, Item
from xlsync.core.tables import Table, column_letter
from xlsync.files.safe_write import open_for_update, save_workbook
from xlsync.files.sheets import OWNED_HEADER_FILL, replace_sheet, status_colours, style_table
from xlsync.schema import STATUS_SHEET

PERIOD_WORDS = {"每周": "本周", "每月": "本月", "每学期": "本学期", "每学年": "本学年", "节日": "节日"}
COUNT_HEADER, NEXT_DUE_HEADER = "逾期项数", "最近截止"
OWNED_HEADER = re.compile(rf"^.+·({'|'.join(PERIOD_WORDS.values())})$|^{COUNT_HEADER}$|^{NEXT_DUE_HEADER}$")
TODO_HEADERS = ("状态", "学生", "帮扶事项", "周期", "截止日期", "逾期天数", "帮扶教师", "档案行")


def status_header(rule: Rule) -> str:
    return f"{rule.action}·{PERIOD_WORDS[rule.period]}"


def status_text(items: Sequence[Item]) -> str:
    """One rule's cell: 已逾期N次, else the current period's status, else — (nothing due)."""
    overdue = sum(1 for i in items if i.status == OVERDUE)
    current = [i for i in items if i.status != OVERDUE]
    if overdue:
        return f"已逾期{overdue}次"
    if not current:
        return "—"
    item = min(current, key=lambda i: i.due)
    return DONE if item.status == DONE else f"{item.status}({item.due:%m-%d})"


def _owned_columns(ws: Worksheet, header_row: int) -> list[int]:
    return [c.column for c in ws[header_row] if isinstance(c.value, str) and OWNED_HEADER.match(c.value)]


def _block_start(ws: Worksheet, header_row: int, owned: list[int]) -> int:
    """Where the new block goes: over the old one when nothing of the teacher's lies after it."""
    if owned:
        teacher_after = [c for c in range(owned[0], ws.max_column + 1) if c not in owned and any(
            ws.cell(row=r, column=c).value is not None for r in range(header_row, ws.max_row + 1))]
        if not teacher_after:
            return owned[0]
    used = [c for c in range(1, ws.max_column + 1) if c not in owned and any(
        ws.cell(row=r, column=c).value is not None for r in range(header_row, ws.max_row + 1))]
    return max(used, default=0) + 1


def _clear_columns(ws: Worksheet, columns: Sequence[int], header_row: int) -> None:
    for column in columns:
        for row in range(header_row, ws.max_row + 1):
            cell = ws.cell(row=row, column=column)
            cell.value, cell.fill, cell.font, cell.number_format = None, PatternFill(), Font(), "General"
    keep = ConditionalFormattingList()
    letters = {column_letter(c) for c in columns}
    for formatting in ws.conditional_formatting:
        if not {re.sub(r"\d", "", str(r).split(":")[0]) for r in formatting.sqref.ranges} & letters:
            for rule in formatting.rules:
                keep.add(str(formatting.sqref), rule)
    ws.conditional_formatting = keep


def _write_block(ws: Worksheet, table: Table, start: int, rules: Sequence[Rule],
                 by_child: dict[int, list[Item]]) -> None:
    headers = list(dict.fromkeys(status_header(r) for r in rules)) + [COUNT_HEADER, NEXT_DUE_HEADER]
    for offset, header in enumerate(headers):
        cell = ws.cell(row=table.header_row, column=start + offset, value=header)
        cell.font, cell.fill = Font(bold=True), OWNED_HEADER_FILL
        ws.column_dimensions[column_letter(start + offset)].width = max(12, len(header) * 2 + 2)
    for row in table.data.index:
        items = by_child.get(row, [])
        for offset, header in enumerate(headers[:-2]):
            ws.cell(row=row, column=start + offset,
                    value=status_text([i for i in items if _header_of(i) == header]))
        ws.cell(row=row, column=start + len(headers) - 2,
                value=sum(1 for i in items if i.status == OVERDUE))
        due = min((i.due for i in items if i.status in (SOON, OPEN)), default=None)
        ws.cell(row=row, column=start + len(headers) - 1, value=due).number_format = "yyyy-mm-dd"
    _format_block(ws, table, start, len(headers))


def _header_of(item: Item) -> str:
    action, period = item.rule.split("·", 1)
    return f"{action}·{PERIOD_WORDS[period]}"


def _format_block(ws: Worksheet, table: Table, start: int, width: int) -> None:
    first, last = table.header_row + 1, max(table.header_row + 1, ws.max_row)
    statuses = f"{column_letter(start)}{first}:{column_letter(start + width - 3)}{last}"
    status_colours(ws, statuses)
    count = f"{column_letter(start + width - 2)}{first}:{column_letter(start + width - 2)}{last}"
    ws.conditional_formatting.add(count, CellIsRule(operator="greaterThan", formula=["0"],
                                                    fill=PatternFill("solid", bgColor="FFC7CE"),
                                                    font=Font(color="9C0006")))


def _write_todo(workbook, table: Table, items: Sequence[Item]) -> None:
    ws = replace_sheet(workbook, STATUS_SHEET)
    ws.append(list(TODO_HEADERS))
    for item in (i for i in items if i.status != DONE):
        ws.append([item.status, item.child, item.rule, item.period, item.due, item.days_overdue or None,
                   item.teacher, f"第{item.row}行"])
        ws.cell(row=ws.max_row, column=5).number_format = "yyyy-mm-dd"
        link = ws.cell(row=ws.max_row, column=8)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{table.source_sheet}'!A{item.row}")
    if ws.max_row == 1:
        ws.append(["", "目前没有待办的帮扶事项。"])
    status_colours(ws, f"A2:A{max(2, ws.max_row)}")
    style_table(ws, widths=(10, 10, 14, 18, 12, 10, 10, 10))


def write_status(path: Path, table: Table, rules: Sequence[Rule], items: Sequence[Item]) -> None:
    """Replace the status columns of 学生档案 and the 逾期提醒 sheet of one class workbook."""
    workbook = open_for_update(path)
    ws = workbook[table.source_sheet]
    owned = _owned_columns(ws, table.header_row)
    start = _block_start(ws, table.header_row, owned)
    _clear_columns(ws, sorted(set(owned) | set(range(start, ws.max_column + 1))) if owned else [],
                   table.header_row)
    by_child: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        by_child[item.row].append(item)
    _write_block(ws, table, start, rules, by_child)
    _write_todo(workbook, table, items)
    save_workbook(workbook, path)
