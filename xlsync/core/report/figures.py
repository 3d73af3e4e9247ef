"""The figures of one 学期/学年 工作报告 (issue 21), frozen: the workbook, `--format json` and
the Word draft all draw the same `TermReport`.

Rates are fractions (0.973 is 97.3 %) cut to 0.1 % like every rate of xlsync (core/duties.py
`rate`), None where there is nothing to divide by. Dates are `datetime.date`; `to_json` turns
them into YYYY-MM-DD. Fields are only ever added, never renamed: the Word draft and the
JSON's readers rely on them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

TERM, YEAR = "学期", "学年"
ON_TIME, LATE, NEVER, OPEN = "按时完成", "补做", "未完成", "未到期"


@dataclass(frozen=True)
class ReportPeriod:
    """The period reported on: a 学期 of the 学期 sheet, or the whole 学年 they make."""

    name: str  # 2026秋季学期 / 2026-2027学年
    kind: str  # TERM or YEAR
    start: dt.date
    end: dt.date
    cutoff: dt.date  # the last day counted: the period's end, or as-of while it runs
    terms: tuple[str, ...] = ()  # the 学期 it covers (itself for a term)

    @property
    def finished(self) -> bool:
        """The period has ended: its report no longer changes."""
        return self.cutoff >= self.end


@dataclass(frozen=True)
class Count:
    """A label and a number (support actions by type, 篇六's groups, …)."""

    label: str
    count: int


@dataclass(frozen=True)
class MonthActions:
    """Support actions recorded in one month of the period, by type (the chart's data)."""

    month: str  # YYYY-MM
    label: str  # 2026年9月
    by_type: tuple[Count, ...]  # in the order of `TermReport.action_types`
    total: int


@dataclass(frozen=True)
class Coverage:
    """One rule over the period: child-periods due, and how each ended (issue 21 总体情况).

    A child-period is one period of the rule for one child it binds, overlapping the report
    period. 按时完成: done inside it; 补做: done later within the report period by a record
    its own period did not need; 未完成: neither; 未到期: still running at the cutoff and not
    yet done (not counted in `due`)."""

    rule: str  # 谈心·每月
    action: str
    period: str  # 每月
    due: int
    on_time: int
    late: int
    never: int
    open: int
    on_time_rate: float | None  # on_time ÷ due
    late_rate: float | None = None  # late ÷ due
    never_rate: float | None = None  # never ÷ due


@dataclass(frozen=True)
class Share:
    """One of 篇六's shares: part of the 在读 children on file at the cutoff."""

    label: str
    part: int
    whole: int
    rate: float | None


@dataclass(frozen=True)
class Overview:
    """总体情况."""

    classes: int
    children_start: int  # 在读 on file before the period began
    children_end: int  # 在读 (not 流失) on file at the cutoff
    new_files: int  # 建档日期 inside the period
    transferred: int  # 在校状态 转出 (the ledger keeps no date: as it stands now)
    dropped_out: int  # 流失 at the cutoff (辍学, or 未返校 in 缺勤与劝返)
    enrolled: int  # 在籍 at the cutoff (在读 + 辍学), 巩固率's whole
    retention_rate: float | None  # 巩固率 = (在籍 − 流失) ÷ 在籍
    complete: int  # children on file whose required fields are all valid
    complete_rate: float | None  # 建档率
    shares: tuple[Share, ...]  # 篇六: 父母均外出, 祖辈监护, 监护人小学及以下
    records: int  # 帮扶记录 rows dated in the period (a group record once)
    actions: int  # child-actions: a group record counts once per child it names
    actions_by_type: tuple[Count, ...]
    overdue_at_end: int  # 已逾期 items on the cutoff day, as 逾期清单 showed them
    children_overdue_at_end: int


@dataclass(frozen=True)
class ItemScore:
    """One 考核 item of one teacher: the figure, 达标 or not, and its weighted part."""

    item: str  # a name of ASSESSMENT_ITEMS
    value: str  # what the cell shows: 「12/14」, 「3」
    met: bool | None  # 达标; None: nothing due, not assessed
    score: float | None  # 0 … 1 (the share done); None: not assessed
    weight: float


@dataclass(frozen=True)
class TeacherAssessment:
    """教师考核 (篇一 四个一) of one teacher over the period."""

    teacher: str
    class_name: str
    role: str  # 职务, or （不在教师表）
    paired: int  # 在读 children on file in the period with this 帮扶教师
    talks_done: int  # 谈心 child-months done (on time or 补做)
    talks_due: int
    visits_done: int  # 家访 child-terms done
    visits_due: int
    warmth_done: int  # 送温暖 child-years done
    warmth_due: int
    overdue_at_end: int
    records: int  # 帮扶记录 rows dated in the period with this 帮扶教师
    items: tuple[ItemScore, ...]
    total: float | None  # weighted score 0 … 100 over the assessed items
    met_all: bool  # every assessed item 达标
    rank: int  # 1 = first in the 通报


@dataclass(frozen=True)
class ClassComparison:
    """班级对比: one class over the period."""

    class_name: str
    head_teacher: str
    children_start: int
    children_end: int
    new_files: int
    records: int
    records_per_child: float | None
    talks_rate: float | None  # 谈心 child-periods done ÷ due
    visits_rate: float | None
    warmth_rate: float | None
    on_time_rate: float | None  # all rules: on time ÷ due
    overdue_at_end: int
    complete_rate: float | None
    retention_rate: float | None


@dataclass(frozen=True)
class StrugglingChild:
    """学困生 progress: a child whose 学业情况 is 差, or who has a 学业帮扶计划 row."""

    class_name: str
    child: str
    teacher: str
    grade_now: str  # 学业情况 as the ledger shows it now ("" when not filled)
    has_plan: bool
    subjects: str  # the plans' 科目, 、-joined
    effect_filled: bool  # some plan row has 阶段性效果 written
    effect: str  # the 阶段性效果 text, 、-joined
    tutoring: int  # 学业辅导 records in the period


@dataclass(frozen=True)
class WatchEntry:
    """关注名单: a child the lead should look at first, and why."""

    class_name: str
    child: str
    teacher: str
    reasons: tuple[
        str, ...
    ]  # 本期没有任何记录 / 连续三期逾期：谈心·每月 / 监护人年满70岁 / 监护人健康较差
    guardian: str  # 监护人姓名 and 关系
    guardian_age: int | None
    guardian_health: str


@dataclass(frozen=True)
class Candidate:
    """表彰候选 (篇四): a 留守儿童 in the period with what a decision needs; the program decides
    nothing, the lead writes the decision into the blank column."""

    class_name: str
    child: str
    teacher: str
    grade_now: str
    struggling_plan: bool
    effect: str
    records: int  # support actions for this child in the period
    absence_days: int  # 缺勤与劝返 days begun in the period
    incidents: int  # 安全事件 dated in the period
    on_watch: bool


@dataclass(frozen=True)
class Weight:
    """A 考核标准 row: an item and its weight."""

    item: str
    weight: float


@dataclass(frozen=True)
class TermReport:
    """The whole 工作报告 of one period."""

    school: str
    period: ReportPeriod
    overview: Overview
    action_types: tuple[str, ...]  # the types in the chart's order
    months: tuple[MonthActions, ...]
    coverage: tuple[Coverage, ...]
    teachers: tuple[TeacherAssessment, ...]  # sorted for the 通报
    weights: tuple[Weight, ...]
    weights_from_sheet: bool  # False: the defaults (equal)
    classes: tuple[ClassComparison, ...]
    struggling: tuple[StrugglingChild, ...]
    watch: tuple[WatchEntry, ...]
    candidates: tuple[Candidate, ...]
    notes: tuple[str, ...] = ()  # what the lead should know (unreadable files, …)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def to_json(report: TermReport) -> dict[str, Any]:
    """The report as a JSON-ready dict: the same fields, dates as YYYY-MM-DD."""
    data = _plain(dataclasses.asdict(report))
    data["period"]["finished"] = report.period.finished
    return data
