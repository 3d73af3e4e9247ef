"""The contract between a school's file and the county (issue 23): the 导出信息 sheet that
`xlsync export` writes, and the figures `xlsync rollup` reads back from 概览, 控辍保学月报
and 逾期清单 — both ends in one place, so they cannot drift apart.

Pure: grids in, values out. The labels are those master_view.figure_rows writes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from xlsync.core import incidents, left_behind
from xlsync.core.county import RATE_FIELDS, SchoolFigures
from xlsync.core.normalize import clean_text, fold, is_blank
from xlsync.core.tables import Grid

EXPORT_INFO = "导出信息"
EXPORT_FORMAT = 1  # raise when what rollup needs from an export changes
NAME, CODE, YEAR, AS_OF, MASKED, FORMAT, VERSION, EXPORTED = (
    "学校名称",
    "学校代码",
    "学年",
    "汇总截至",
    "脱敏",
    "导出格式",
    "xlsync 版本",
    "导出时间",
)
OVERVIEW, DROPOUT, OVERDUE = "概览", "控辍保学月报", "逾期清单"

# 概览 label → SchoolFigures field (labels as master_view.figure_rows writes them)
_LABELS: dict[str, str] = {
    "班级数": "classes",
    "学生数": "children",
    "在读学生": "studying",
    "有逾期帮扶的学生（人）": "children_overdue",
    "本学年按时完成率（已到期的帮扶中按时完成的）": "on_time_rate",
    "已逾期项数（每名学生每个没做的周期算一项）": "overdue",
    "即将到期项数": "due_soon",
    "校验错误": "errors",
    "校验警告": "warnings",
    "校验提示（如旧版模板，不影响汇总）": "notices",
    "建档率": "complete_rate",
    "巩固率": "retention_rate",
    "父母均外出的学生占比": "both_parents_away",
    "由祖辈监护的学生占比": "raised_by_grandparents",
    "监护人文化程度为小学及以下的占比": "guardian_primary_or_less",
}
_INCIDENT_FIELDS = ("incidents", "incidents_late", "incidents_open")
_LEFT_BEHIND_FIELDS = {0: "civil_left_behind", 2: "code_left_behind"}  # figure_lines order
_UNPAIRED = "还没有结对学生的班主任、党员教师"
_RULE_RATE = re.compile(r"^\s*(.+?) 按时率$")
_AS_OF = re.compile(r"截至\s*(\d{4}-\d{2}-\d{2})")


def export_info_rows(info: Mapping[str, str], as_of: str | None, masked: bool, now: str) -> Grid:
    """The 导出信息 sheet of an export: who the school is and what the file holds."""
    from xlsync import __version__

    return [
        ["项目", "内容"],
        [NAME, info.get(NAME, "")],
        [CODE, info.get(CODE, "")],
        [YEAR, info.get(YEAR, "")],
        [AS_OF, as_of or ""],
        [MASKED, "是" if masked else "否"],
        [FORMAT, EXPORT_FORMAT],
        [VERSION, __version__],
        [EXPORTED, now],
    ]


def pairs(grid: Grid) -> dict[str, str]:
    """A two-column 项目 | 内容 sheet (学校信息, 导出信息) as {folded 项目: text}."""
    found = {}
    for row in grid:
        if len(row) >= 2 and not is_blank(row[0]):
            found[fold(row[0])] = "" if is_blank(row[1]) else clean_text(row[1])
    return found


def as_of_in_overview(grid: Grid) -> dt.date | None:
    """The 截至 date of 概览's second title line."""
    for row in grid[:3]:
        found = _AS_OF.search(str(row[0] if row else ""))
        if found:
            return dt.date.fromisoformat(found.group(1))
    return None


def school_name_in_overview(grid: Grid) -> str:
    """The school's name from 概览's title line (… 留守儿童帮扶汇总)."""
    title = str(grid[0][0]) if grid and grid[0] and grid[0][0] else ""
    return title.removesuffix("留守儿童帮扶汇总").strip()


def figures_of(overview: Grid, dropout: Grid | None, overdue: Grid | None) -> SchoolFigures:
    """The figures the county needs, from the school's 概览, 控辍保学月报 and 逾期清单."""
    lines = _overview_lines(overview)
    values: dict[str, Any] = {
        name: _number(lines.get(label), name in RATE_FIELDS) for label, name in _LABELS.items()
    }
    for (label, _, _), name in zip(incidents.count_rows({}), _INCIDENT_FIELDS, strict=True):
        values[name] = _number(lines.get(label), False)
    left = left_behind.figure_lines({})
    for index, name in _LEFT_BEHIND_FIELDS.items():
        values[name] = _number(lines.get(left[index][0]), False)
    values["teachers_without_child"] = _count_names(lines.get(_UNPAIRED))
    values["on_time_by_rule"] = _rule_rates(overview)
    values.update(_dropout_figures(dropout or []))
    values["overdue_by_rule"] = overdue_by_rule(overdue or [])
    return SchoolFigures(**values)


def _overview_lines(grid: Grid) -> dict[str, Any]:
    """label → value of 概览's figure lines (the first occurrence of each label)."""
    lines: dict[str, Any] = {}
    for row in grid:
        if len(row) >= 2 and isinstance(row[0], str):
            lines.setdefault(row[0], row[1])
    return lines


def _rule_rates(grid: Grid) -> dict[str, float | None]:
    """「　谈心·每月 按时率」 lines → {谈心·每月: rate}."""
    rates: dict[str, float | None] = {}
    for row in grid:
        label = row[0] if row else None
        found = _RULE_RATE.match(label) if isinstance(label, str) else None
        if found and len(row) >= 2:
            rates[found.group(1).strip()] = _number(row[1], True)
    return rates


def _dropout_figures(grid: Grid) -> dict[str, Any]:
    """The latest month's 合计 row of 控辍保学月报."""
    if not grid:
        return {}
    header = [str(h) for h in grid[0]]
    totals = [r for r in grid[1:] if len(r) >= 2 and r[1] == "合计"]
    if not totals or "月份" not in header:
        return {}
    row = dict(zip(header, totals[-1], strict=False))
    return {
        "dropout_month": str(row.get("月份") or "") or None,
        "enrolled": _number(row.get("在籍"), False),
        "dropped_out": _number(row.get("辍学"), False),
        "persuading": _number(row.get("劝返中"), False),
        "returned": _number(row.get("本月返校"), False),
    }


def overdue_by_rule(grid: Grid) -> dict[str, int]:
    """已逾期 items of 逾期清单 counted by 帮扶事项."""
    if not grid:
        return {}
    header = [str(h) for h in grid[0]]
    if "状态" not in header or "帮扶事项" not in header:
        return {}
    status, rule = header.index("状态"), header.index("帮扶事项")
    counts: dict[str, int] = {}
    for row in grid[1:]:
        # exactly 已逾期, as 概览 counts them (an unreported 安全事件 has its own columns)
        if len(row) > rule and row[status] == "已逾期":
            counts[str(row[rule])] = counts.get(str(row[rule]), 0) + 1
    return counts


def _number(value: Any, rate: bool) -> Any:
    """A figure cell as int (counts) or float (rates); None for a blank or a text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if rate else int(value)


def _count_names(value: Any) -> int | None:
    """How many names a 、-joined cell lists (无: none)."""
    if value is None:
        return None
    text = str(value).strip()
    return 0 if text in ("", "无") else len([n for n in text.split("、") if n.strip()])
