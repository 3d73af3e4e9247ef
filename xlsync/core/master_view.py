"""What the master's owned sheets show, independent of the writer (an .xlsx through openpyxl,
a live Excel book through xlwings): the 概览 figure rows, the columns summed in 班级统计,
and the colours every writer uses."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from xlsync.core import left_behind
from xlsync.core.formula import Formula

PERCENT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
SUM_COLUMNS = ("学生数", "在读", "本月记录", "本学期记录", "有逾期的学生", "逾期项数")
HEADER_FILL = "D9D9D9"
STATUS_STYLES = {  # Excel's Bad / Neutral / Good cell styles: (fill, font)
    "已逾期": ("FFC7CE", "9C0006"),
    "即将到期": ("FFEB9C", "9C5700"),
    "已完成": ("C6EFCE", "006100"),
}
RATE_SCALE = ((0.0, "F8696B"), (0.8, "FFEB84"), (1.0, "63BE7B"))  # red → yellow → green
CODE_HEADER = "代码"  # a finding's code (phone-invalid…): for JSON and support, kept hidden


def hidden_columns(headers: Sequence[str]) -> list[int]:
    """1-based columns a sheet keeps but does not show or print: the finding codes."""
    return [number for number, header in enumerate(headers, start=1) if header == CODE_HEADER]


def as_shown(rows: list[list[Any]]) -> list[list[Any]]:
    """An owned sheet's rows as its readers see them, for a copy that leaves the master (the
    shared Google Sheet, the masked export): without what the master keeps hidden — the
    COUNTIF check row of 概览 and the finding-code column of 校验问题."""
    hidden = {c - 1 for c in hidden_columns([str(h) for h in rows[0]])} if rows else set()
    return [
        [v for i, v in enumerate(row) if i not in hidden]
        for row in rows
        if not (row and row[0] == CHECK_LABEL)
    ]


CHECK_LABEL = "已逾期项数（按逾期清单重算）"  # the COUNTIF cross-check: a hidden row of 概览


def figure_rows(figures: dict[str, Any], overdue_sheet: str) -> list[tuple[str, Any, str]]:
    """(label, value, number format) of each 概览 line, headline first: children with overdue,
    then on-time completion by rule; the raw item count says what it counts. The last line is
    the COUNTIF cross-check (CHECK_LABEL), which the writers hide. None shows as empty."""
    f = figures
    unpaired = "、".join(t["teacher"] for t in f["teachers_without_child"]) or "无"
    return [
        ("班级数", f["classes"], ""),
        ("学生数", f["children"], ""),
        ("在读学生", f["studying"], ""),
        ("帮扶记录", f["records"], ""),
        ("有逾期帮扶的学生（人）", f["children_overdue"], ""),
        ("有逾期帮扶的学生占在读学生", f["children_overdue_share"], PERCENT),
        ("本学年按时完成率（已到期的帮扶中按时完成的）", f["on_time_rate"], PERCENT),
        *[(f"　{rule} 按时率", value, PERCENT) for rule, value in f["on_time_by_rule"].items()],
        ("已逾期项数（每名学生每个没做的周期算一项）", f["overdue"], ""),
        ("即将到期项数", f["due_soon"], ""),
        ("校验错误", f["errors"], ""),
        ("校验警告", f["warnings"], ""),
        ("校验提示（如旧版模板，不影响汇总）", f.get("notices", 0), ""),
        ("建档率", f["complete_rate"], PERCENT),
        ("巩固率", f["retention_rate"], PERCENT),
        ("教师结对覆盖率", f["teacher_coverage"], PERCENT),
        ("父母均外出的学生占比", f["both_parents_away"], PERCENT),
        ("由祖辈监护的学生占比", f["raised_by_grandparents"], PERCENT),
        ("监护人文化程度为小学及以下的占比", f["guardian_primary_or_less"], PERCENT),
        *left_behind.figure_lines(f.get("left_behind") or {}),  # issue 19.2: side by side
        ("还没有结对学生的班主任、党员教师", unpaired, ""),
        ("无法读取的台账", "、".join(f["failed_files"]) or "无", ""),
        ("本次使用旧数据的台账", "、".join(f["stale_files"]) or "无", ""),
        ("未更新的班级台账", f.get("not_refreshed") or "无", ""),
        (
            CHECK_LABEL,
            Formula(f'=COUNTIF({overdue_sheet}!A:A,"已逾期")', float(f["overdue"])),
            "",
        ),
    ]


AS_OF_NAME = "xlsync_as_of"  # the defined name holding the as-of date the master was built for


def as_of_formula(as_of: str) -> str:
    """What the defined name refers to: the date as a text constant (="2026-11-30")."""
    return f'="{as_of}"'


def as_of_of(refers_to: str) -> str:
    """The date back from what the defined name refers to (any of =\"…\", \"…\", …)."""
    return refers_to.strip().lstrip("=").strip('"')


def overview_title(meta: dict[str, str]) -> tuple[str, str]:
    """The two title lines of 概览."""
    return f"{meta['school']} 留守儿童帮扶汇总", f"截至 {meta['as_of']}　汇总时间 {meta['ran_at']}"


def chart_blocks(figures: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], str]]:
    """The two charted tables under the figures, each charted in the table's order with its
    values on the bars: (title, value header, {label: value}, number format)."""
    return [
        ("本学年按时完成率（按帮扶事项）", "按时率", figures["on_time_by_rule"], PERCENT),
        ("有逾期帮扶的学生（按班级）", "学生数", figures["children_overdue_by_class"], ""),
    ]


def issue_links(issues: pd.DataFrame, master: Path) -> Iterator[tuple[int, int, str, str]]:
    """(row, column, link, text) for each 校验问题 单元格: the cell in its class workbook, by a path
    relative to the master (so the school folder can move)."""
    columns = list(issues.columns)
    file_col, cell_col = columns.index("文件"), columns.index("单元格")
    for row, values in enumerate(issues.itertuples(index=False, name=None), start=2):
        target, cell, sheet = values[file_col], values[cell_col], values[cell_col - 1]
        if target and cell:
            relative = (
                Path(target)
                if not Path(target).is_absolute()
                else Path(os.path.relpath(target, master.parent))
            )
            yield row, cell_col + 1, f"{relative.as_posix()}#'{sheet}'!{cell}", str(cell)
