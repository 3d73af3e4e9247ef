"""安全事件 and 强制报告 (issue 19.4): the state of every event a class recorded, as of a day.

未成年人保护法 (2020) 第十一条 asks a school that finds a child harmed or at risk to report
立即 (at once) to 公安, 民政, 教育 and the other departments concerned. Cells hold dates only,
so "at once" is "the same day": an event whose 报告时间 is its 发现日期 was reported in time;
one reported on a later day is 迟报 (a record of the past, nothing left to do); one without a
报告时间 is 已逾期 from the day it was found, that day included — there is no "still today"
grace, because the law's 立即 leaves none and the lead must see it before anything else.
An open event heads the class's 逾期提醒, the master's 逾期清单 and 概览.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from xlsync.core.identity import child_key, names_index
from xlsync.core.tables import Table, rows, shown
from xlsync.core.validate import ClassInput
from xlsync.schema import INCIDENT_SUMMARY, INCIDENTS

ON_TIME, LATE, OPEN = "已报告", "迟报", "已逾期（未报告）"
RULE = "安全事件·强制报告"  # how an open event reads in 逾期提醒 and 逾期清单
INCIDENT_COLUMNS = ("状态", "逾期天数", "班级", *INCIDENTS.headers, "学生编号")


def report_state(found: dt.date | None, reported: dt.date | None) -> str:
    """ON_TIME, LATE or OPEN: reported the day it was found, on a later day, or not yet.
    A 报告时间 before the 发现日期 is a typing mistake (a finding says so), not a late report."""
    if reported is None:
        return OPEN
    if found is not None and reported > found:
        return LATE
    return ON_TIME


def days_late(found: dt.date | None, reported: dt.date | None, as_of: dt.date) -> int:
    """Days between finding and reporting (until as-of while unreported); 0 on the same day."""
    if found is None:
        return 0
    return max(0, ((reported or as_of) - found).days)


@dataclass(frozen=True)
class Incident:
    """One row of a class's 安全事件 sheet, with its reporting state as of a day."""

    class_name: str
    file: str
    sheet: str  # the sheet as named in the workbook
    row: int
    child: str
    child_key: str  # the 学生档案 child's key when the name means one child, else ""
    teacher: str  # 记录教师, else the child's 帮扶教师
    found: dt.date | None
    reported: dt.date | None
    state: str
    days: int  # days late (open: until as-of)
    values: tuple[tuple[str, Any], ...] = ()  # every column as the sheet shows it

    @property
    def open(self) -> bool:
        return self.state == OPEN

    @property
    def state_text(self) -> str:
        """已逾期（未报告）, 迟报（晚 2 天） or 已报告."""
        return f"{LATE}（晚 {self.days} 天）" if self.state == LATE else self.state

    @property
    def when(self) -> str:
        """The day it was found, as the to-do line says it."""
        return f"{self.found:%m-%d} 发现" if self.found else "发现日期未填"

    def to_dict(self) -> dict[str, Any]:
        """The JSON of an event: where it is and its state, never the child or what happened
        (a script's output is pasted anywhere; the row points to the sheet that says it)."""
        return {
            "class": self.class_name,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "found": self.found.isoformat() if self.found else None,
            "reported": self.reported.isoformat() if self.reported else None,
            "status": self.state,
            "days_late": self.days,
        }


def _row_values(table: Table, row: int, typed: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    raw = table.raw.loc[row] if row in table.raw.index else {}
    return tuple((h, shown(typed.get(h), raw.get(h))) for h in INCIDENTS.headers)


def incidents_of(item: ClassInput, as_of: dt.date) -> list[Incident]:
    """Every event of one class workbook, in sheet order."""
    students = item.book.students.data
    by_name = names_index(students)
    found = []
    for row, data in rows(item.book.incidents.data):
        matched = by_name.get(data["学生姓名"] or "", [])
        child = students.loc[matched[0]].to_dict() if len(matched) == 1 else {}
        found.append(_incident(item, row, data, child, as_of))
    return found


def _incident(
    item: ClassInput, row: int, data: dict[str, Any], child: dict[str, Any], as_of: dt.date
) -> Incident:
    """One row of 安全事件; `child` is the 学生档案 row its name means ({} for none)."""
    found, reported = data["发现日期"], data["报告时间"]
    return Incident(
        item.class_name,
        item.book.file,
        item.book.incidents.source_sheet,
        row,
        data["学生姓名"] or f"第{row}行",
        child_key(child, item.class_name) if child else "",
        data["记录教师"] or child.get("帮扶教师") or "",
        found,
        reported,
        report_state(found, reported),
        days_late(found, reported, as_of),
        _row_values(item.book.incidents, row, data),
    )


def school_incidents(items: Iterable[ClassInput], as_of: dt.date) -> list[Incident]:
    """The events of every class workbook given."""
    return [incident for item in items for incident in incidents_of(item, as_of)]


def open_first(incidents: Iterable[Incident]) -> list[Incident]:
    """Open events first (the longest unreported on top), then late, then in time; within each
    the most recent first."""
    order = {OPEN: 0, LATE: 1, ON_TIME: 2}
    return sorted(
        incidents,
        key=lambda i: (
            order[i.state],
            -i.days if i.open else 0,
            -(i.found or dt.date.min).toordinal(),
            i.class_name,
            i.row,
        ),
    )


def unreported(incidents: Iterable[Incident]) -> list[Incident]:
    """The open events, longest unreported first."""
    return [i for i in open_first(incidents) if i.open]


# ---------------------------------------------------------------- the master's views


def incident_table(incidents: Sequence[Incident]) -> list[dict[str, Any]]:
    """安全事件汇总: every event of the school, open ones first, with where it came from."""
    return [
        {
            "状态": i.state_text,
            "逾期天数": i.days if i.open else None,
            "班级": i.class_name,
            **dict(i.values),
            "学生编号": i.child_key or None,
            "来源文件": i.file,
            "来源工作表": i.sheet,
            "来源行": i.row,
        }
        for i in open_first(incidents)
    ]


def overdue_lines(incidents: Sequence[Incident]) -> list[dict[str, Any]]:
    """逾期清单's first rows: one per open event. Its 状态 is not the bare 已逾期 that the
    hidden COUNTIF of 概览 counts (that check is of the support rules' items)."""
    return [
        {
            "状态": OPEN,
            "班级": i.class_name,
            "学生": i.child,
            "帮扶教师": i.teacher,
            "帮扶事项": RULE,
            "周期": i.when,
            "开始日期": i.found,
            "截止日期": i.found,
            "逾期天数": i.days,
            "来源文件": i.file,
            "来源工作表": i.sheet,
            "来源行": i.row,
        }
        for i in unreported(incidents)
    ]


def incident_figures(incidents: Sequence[Incident]) -> dict[str, Any]:
    """概览's figures of the events: all, late, open, and the open ones by class (no names:
    概览 leaves the school with the sync)."""
    states = Counter(i.state for i in incidents)
    open_by_class: dict[str, list[str]] = {}
    for i in unreported(incidents):
        open_by_class.setdefault(i.class_name, []).append(i.when)
    return {
        "incidents": len(incidents),
        "incidents_late": states[LATE],
        "incidents_open": states[OPEN],
        "incidents_open_by_class": {
            name: f"{len(days)} 件（{'、'.join(days)}）" for name, days in open_by_class.items()
        },
    }


ALARM_LABEL = "【紧急】安全事件未报告（件）"
ALARM_WHERE = "　须立即报告公安、民政等部门（详见 " + INCIDENT_SUMMARY + " 表）"


def alarm_rows(figures: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """The red lines at the top of 概览 while any event is unreported; none otherwise."""
    count = figures.get("incidents_open") or 0
    if not count:
        return []
    where = "、".join(f"{k} {v}" for k, v in figures["incidents_open_by_class"].items())
    return [(ALARM_LABEL, count, ""), (ALARM_WHERE, where, "")]


def count_rows(figures: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """The plain lines of 概览 that count the events."""
    return [
        ("安全事件（件）", figures.get("incidents", 0), ""),
        ("　其中迟报（没有在发现当天报告）", figures.get("incidents_late", 0), ""),
        ("　其中还没有报告", figures.get("incidents_open", 0), ""),
    ]


def alarm_labels(figures: dict[str, Any]) -> set[str]:
    """The 概览 labels every writer paints red."""
    return {label for label, _, _ in alarm_rows(figures)}
