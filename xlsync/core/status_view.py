"""What the xlsync-owned parts of a class workbook show, independent of where they are written
(an .xlsx through openpyxl, a Google Sheet, a live Excel book): the status columns of 学生档案,
the rows of 逾期提醒 and of 校验结果."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from xlsync.core import left_behind
from xlsync.core.calendar import Rule
from xlsync.core.findings import Finding
from xlsync.core.incidents import RULE, Incident, unreported
from xlsync.core.master_view import CODE_HEADER
from xlsync.core.obligations import DONE, OPEN, OVERDUE, SOON, Item
from xlsync.core.render.spec import NO_CAPTION, Caption
from xlsync.core.todo import CURRENT, EARLIER, RECENT, Folded, section_title, todo, unit

PERIOD_WORDS = {
    "每周": "本周",
    "每月": "本月",
    "每学期": "本学期",
    "每学年": "本学年",
    "节日": "节日",
    "缺勤后": "缺勤后",  # issue 19.5: the event rules' columns keep their 周期's name
    "未返校后": "未返校后",
}
NEXT_DUE_HEADER, COUNT_HEADER, DETAIL_HEADER = "最近截止", "漏做次数", "漏做明细"
SUMMARY_HEADERS = (NEXT_DUE_HEADER, COUNT_HEADER, DETAIL_HEADER)
LEGACY_HEADERS = ("逾期项数",)  # the count's header before issue 16.3, still xlsync's own
FACT_HEADERS = left_behind.HEADERS  # issue 19.2: 民政留守, 学籍留守代码 lead the block
OWNED_HEADER = re.compile(
    rf"^.+·({'|'.join(PERIOD_WORDS.values())})$"
    rf"|^({'|'.join(SUMMARY_HEADERS + LEGACY_HEADERS + FACT_HEADERS)})$"
)
TODO_HEADERS = ("状态", "学生", "帮扶事项", "周期", "截止日期", "逾期天数", "帮扶教师", "档案行")
CHECK_HEADERS = ("级别", "工作表", "单元格", "列", "内容", "问题与改法", CODE_HEADER)
MARKS_SHEET = "xlsync标记"  # hidden: the fills xlsync's marks covered, so a re-run can undo them
NOTE_MARK = "xlsync 校验："  # how every note xlsync writes begins
NOTHING_TO_DO = "目前没有待办的帮扶事项。"

NO_FINDINGS = "没有发现问题，做得很好！"


@dataclass(frozen=True)
class StatusContext:
    """What a class's status block and 逾期提醒 show beside its items, for every writer (file,
    Excel, Google): the caption on its printed pages, the children's two 留守 definitions
    (issue 19.2) and the class's 安全事件, unreported ones first (issue 19.4)."""

    caption: Caption = NO_CAPTION
    facts: left_behind.Facts | None = None
    incidents: Sequence[Incident] = ()


NO_CONTEXT = StatusContext()


@dataclass(frozen=True)
class TodoRow:
    """One row of 逾期提醒 under its header: a section title, or a line linked to a child."""

    values: list[Any]
    source_row: int | None = None  # the child's 学生档案 row (or the event's 安全事件 row)
    title: bool = False
    sheet: str | None = None  # the sheet `source_row` is on, when not 学生档案
    alarm: bool = False  # the title of the unreported 安全事件, drawn red


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
    """One rule's cell: this period's state only (已完成, 即将到期(MM-DD), 待完成(MM-DD)), or —
    when no period of the rule is running; misses are counted in their own columns."""
    current = [i for i in items if i.status != OVERDUE]
    if not current:
        return "—"
    item = min(current, key=lambda i: i.due)
    return DONE if item.status == DONE else f"{item.status}({item.due:%m-%d})"


def miss_detail(items: Sequence[Item]) -> str | None:
    """漏做明细: the misses of the school year per rule, e.g. 亲情电话7周、谈心2个月."""
    by_rule: dict[str, list[Item]] = {}
    for item in items:
        if item.status == OVERDUE:
            by_rule.setdefault(item.rule, []).append(item)
    parts = [f"{rule.split('·')[0]}{len(m)}{unit(m[0])}" for rule, m in by_rule.items()]
    return "、".join(parts) or None


def status_block(
    rows: Iterable[int],
    rules: Sequence[Rule],
    items: Sequence[Item],
    facts: left_behind.Facts | None = None,
) -> tuple[list[str], dict[int, list]]:
    """The owned headers and, for each 学生档案 row, its values: the child's facts (the two 留守
    definitions, when given), one state per rule, then the nearest due date, the number of
    misses and which they are."""
    lead, lead_values = facts or ([], {})
    rule_headers = list(dict.fromkeys(status_header(r) for r in rules))
    headers = [*lead, *rule_headers, *SUMMARY_HEADERS]
    order = {r.label: n for n, r in enumerate(rules)}
    by_row: dict[int, list[Item]] = {}
    for item in sorted(items, key=lambda i: order.get(i.rule, len(order))):
        by_row.setdefault(item.row, []).append(item)
    values = {}
    for row in rows:
        mine = by_row.get(row, [])
        texts = [status_text([i for i in mine if _header_of(i) == h]) for h in rule_headers]
        due = min((i.due for i in mine if i.status in (SOON, OPEN)), default=None)
        misses = sum(1 for i in mine if i.status == OVERDUE)
        known = lead_values.get(row, [None] * len(lead))
        values[row] = [*known, *texts, due, misses, miss_detail(mine)]
    return headers, values


def _title(section: str, count: int) -> TodoRow:
    return TodoRow([section_title(section, count)], title=True)


def _item_row(i: Item) -> TodoRow:
    values = [i.status, i.child, i.rule, i.period, i.due, i.days_overdue or None, i.teacher]
    return TodoRow([*values, f"第{i.row}行"], i.row)


def _folded_row(f: Folded) -> TodoRow:
    i = f.item
    return TodoRow([OVERDUE, i.child, i.rule, f.text, None, None, i.teacher, f"第{i.row}行"], i.row)


INCIDENT_TITLE = (
    "紧急：{n} 件安全事件还没有报告。发现当天就要报告公安、民政、教育局等（强制报告），"
    "报告后在 安全事件 表填上报告对象和报告时间"
)


def incident_rows(incidents: Sequence[Incident]) -> list[TodoRow]:
    """The first section of 逾期提醒 while any 安全事件 is unreported (issue 19.4)."""
    waiting = unreported(incidents)
    if not waiting:
        return []
    title = TodoRow([INCIDENT_TITLE.format(n=len(waiting))], title=True, alarm=True)
    return [title, *(_incident_row(i) for i in waiting)]


def _incident_row(i: Incident) -> TodoRow:
    values = [i.state, i.child, RULE, i.when, i.found, i.days or None, i.teacher]
    return TodoRow([*values, f"{i.sheet}第{i.row}行"], i.row, sheet=i.sheet)


def todo_rows(items: Sequence[Item], incidents: Sequence[Incident] = ()) -> list[TodoRow]:
    """逾期提醒 under its header: any unreported 安全事件 first, then each section's title and
    lines (see core/todo.py)."""
    plan = todo(items)
    first = incident_rows(incidents)
    if plan.empty and not first:
        return [TodoRow(["", NOTHING_TO_DO])]
    rows = [*first, _title(CURRENT, len(plan.current))]
    rows += [_item_row(i) for i in plan.current]
    if plan.recent:
        rows += [_title(RECENT, len(plan.recent)), *(_item_row(i) for i in plan.recent)]
    if plan.earlier:
        rows += [_title(EARLIER, len(plan.earlier)), *(_folded_row(f) for f in plan.earlier)]
    return rows


def check_rows(findings: Sequence[Finding]) -> list[list]:
    """校验结果: every finding (header first)."""
    rows = [list(CHECK_HEADERS)]
    rows += [
        [f.severity, f.sheet, f.cell or f"第{f.row}行", f.column, f.value, f.message, f.code]
        for f in findings
    ]
    return rows if len(rows) > 1 else rows + [["", "", "", "", "", NO_FINDINGS]]
