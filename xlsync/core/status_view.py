"""What the xlsync-owned parts of a class workbook show, independent of where they are written
(an .xlsx through openpyxl, a Google Sheet, a live Excel book): the status columns of 学生档案,
the rows of 逾期提醒 and of 校验结果."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from xlsync.core.calendar import Rule
from xlsync.core.findings import Finding
from xlsync.core.master_view import CODE_HEADER
from xlsync.core.obligations import DONE, OPEN, OVERDUE, SOON, Item

PERIOD_WORDS = {
    "每周": "本周",
    "每月": "本月",
    "每学期": "本学期",
    "每学年": "本学年",
    "节日": "节日",
}
COUNT_HEADER, NEXT_DUE_HEADER = "逾期项数", "最近截止"
OWNED_HEADER = re.compile(
    rf"^.+·({'|'.join(PERIOD_WORDS.values())})$|^{COUNT_HEADER}$|^{NEXT_DUE_HEADER}$"
)
TODO_HEADERS = ("状态", "学生", "帮扶事项", "周期", "截止日期", "逾期天数", "帮扶教师", "档案行")
CHECK_HEADERS = ("级别", "工作表", "单元格", "列", "内容", "问题与改法", CODE_HEADER)
MARKS_SHEET = "xlsync标记"  # hidden: the fills xlsync's marks covered, so a re-run can undo them
NOTE_MARK = "xlsync 校验："  # how every note xlsync writes begins
NOTHING_TO_DO = "目前没有待办的帮扶事项。"
NO_FINDINGS = "没有发现问题，做得很好！"


def owned_columns(header: Sequence[Any]) -> list[int]:
    """1-based columns of a header row that hold xlsync's status columns."""
    return [
        n for n, v in enumerate(header, start=1) if isinstance(v, str) and OWNED_HEADER.match(v)
    ]


def block_start(grid: Sequence[Sequence[Any]], header_row: int, owned: Sequence[int]) -> int:
    """Where the status block goes (1-based column): over the old one when nothing of the
    teacher's lies after it, else after the teacher's last used column."""
    body = grid[header_row - 1 :]
    width = max((len(r) for r in body), default=0)
    used = [
        c
        for c in range(1, width + 1)
        if c not in owned and any(c <= len(r) and r[c - 1] not in (None, "") for r in body)
    ]
    if owned and not [c for c in used if c > owned[0]]:
        return owned[0]
    return max(used, default=0) + 1


def status_header(rule: Rule) -> str:
    return f"{rule.action}·{PERIOD_WORDS[rule.period]}"


def _header_of(item: Item) -> str:
    action, period = item.rule.split("·", 1)
    return f"{action}·{PERIOD_WORDS[period]}"


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


def status_block(
    rows: Iterable[int], rules: Sequence[Rule], items: Sequence[Item]
) -> tuple[list[str], dict[int, list]]:
    """The owned headers and, for each 学生档案 row, its values (rule texts, count, next due)."""
    headers = list(dict.fromkeys(status_header(r) for r in rules)) + [COUNT_HEADER, NEXT_DUE_HEADER]
    by_row: dict[int, list[Item]] = {}
    for item in items:
        by_row.setdefault(item.row, []).append(item)
    values = {}
    for row in rows:
        mine = by_row.get(row, [])
        texts = [status_text([i for i in mine if _header_of(i) == h]) for h in headers[:-2]]
        due = min((i.due for i in mine if i.status in (SOON, OPEN)), default=None)
        values[row] = [*texts, sum(1 for i in mine if i.status == OVERDUE), due]
    return headers, values


def todo_rows(items: Sequence[Item]) -> list[list]:
    """逾期提醒: every pending item, most urgent first (header first)."""
    rows: list[list[Any]] = [list(TODO_HEADERS)]
    rows += [
        [
            i.status,
            i.child,
            i.rule,
            i.period,
            i.due,
            i.days_overdue or None,
            i.teacher,
            f"第{i.row}行",
        ]
        for i in items
        if i.status != DONE
    ]
    return rows if len(rows) > 1 else rows + [["", NOTHING_TO_DO]]


def check_rows(findings: Sequence[Finding]) -> list[list]:
    """校验结果: every finding (header first)."""
    rows = [list(CHECK_HEADERS)]
    rows += [
        [f.severity, f.sheet, f.cell or f"第{f.row}行", f.column, f.value, f.message, f.code]
        for f in findings
    ]
    return rows if len(rows) > 1 else rows + [["", "", "", "", "", NO_FINDINGS]]
