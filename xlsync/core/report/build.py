"""Build a `TermReport` from the class workbooks and the school's configuration (pure).

What counts for a period is what the ledger shows for it: children on file by the cutoff
(建档日期), records dated from the period's start to the cutoff, obligations judged as of
the cutoff. Nothing dated after the cutoff is looked at, so last term's report stays what it
was when this term's records come in. 在校状态 carries no date in the ledger: it is taken as
it stands (DESIGN §2).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from xlsync.core.calendar import Calendar, Rule
from xlsync.core.dropout import lost_on, on_roll
from xlsync.core.findings import ERROR, Finding
from xlsync.core.obligations import OVERDUE, Child, binds, evaluate_rule
from xlsync.core.periods import months
from xlsync.core.report import people, sections
from xlsync.core.report.coverage import ChildPeriod, child_periods
from xlsync.core.report.figures import Count, MonthActions, ReportPeriod, TermReport, Weight
from xlsync.core.roster import children_of
from xlsync.core.tables import rows
from xlsync.core.validate import ClassInput
from xlsync.schema import ACTION_TYPES


@dataclass(frozen=True)
class ReportInputs:
    """What a report is built from: the school's configuration and its class workbooks."""

    school: str
    calendar: Calendar
    rules: tuple[Rule, ...]
    classes: tuple[ClassInput, ...]
    teachers: tuple[dict[str, Any], ...] = ()  # 教师 rows: 姓名, 班级, 职务, 党员
    heads: dict[str, str] = field(default_factory=dict)  # 班级 → 班主任
    weights: tuple[Weight, ...] = ()
    weights_from_sheet: bool = False
    findings: tuple[Finding, ...] = ()  # validation as of the cutoff (建档率)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pupil:
    """One 学生档案 row: the engine's child and the row as typed."""

    child: Child
    data: dict[str, Any]
    item: ClassInput


@dataclass(frozen=True)
class Record:
    """One 帮扶记录 row dated in the period."""

    class_name: str
    file: str
    day: dt.date
    action: str
    teacher: str
    children: tuple[int, ...]  # 学生档案 rows it names


@dataclass
class Ledger:
    """The report's inputs cut to the period, with the lookups every section shares."""

    inputs: ReportInputs
    period: ReportPeriod

    @cached_property
    def pupils(self) -> list[Pupil]:
        """Every child on file by the cutoff, in class then sheet order."""
        found = []
        for item in self.inputs.classes:
            data = dict(rows(item.book.students.data))
            for child in children_of(item):
                if on_file(child, self.period.cutoff):
                    found.append(Pupil(child, data[child.row], item))
        return found

    @cached_property
    def records(self) -> list[Record]:
        """Every 帮扶记录 row with a date in [start, cutoff] and a type."""
        found = []
        for item in self.inputs.classes:
            records = item.book.records.data
            for (_, r), links in zip(rows(records), item.book.record_links, strict=False):
                day, action = r["日期"], r["帮扶类型"]
                if day and action and self.period.start <= day <= self.period.cutoff:
                    found.append(
                        Record(
                            item.class_name,
                            item.book.file,
                            day,
                            action,
                            r["帮扶教师"] or "",
                            tuple(links or ()),
                        )
                    )
        return found

    @cached_property
    def touched(self) -> set[tuple[str, int]]:
        """Children (file, row) named by a record of the period."""
        return set(self.records_of)

    @cached_property
    def records_of(self) -> dict[tuple[str, int], list[Record]]:
        """The period's records by the child (file, row) they name (a group record under each)."""
        found: dict[tuple[str, int], list[Record]] = {}
        for r in self.records:
            for row in dict.fromkeys(r.children):
                found.setdefault((r.file, row), []).append(r)
        return found

    @cached_property
    def written(self) -> Counter[str]:
        """Records of the period by 帮扶教师."""
        return Counter(r.teacher for r in self.records)

    @cached_property
    def periods_of(self) -> dict[tuple[str, int], list[ChildPeriod]]:
        """The child-periods by child (file, row)."""
        found: dict[tuple[str, int], list[ChildPeriod]] = {}
        for cp in self.periods:
            found.setdefault((cp.child.file, cp.child.row), []).append(cp)
        return found

    @cached_property
    def by_name(self) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
        """学业帮扶计划 and 安全事件 rows by (sheet, file, 学生姓名)."""
        found: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for item in self.inputs.classes:
            for sheet, table in (("plans", item.book.plans), ("incidents", item.book.incidents)):
                for _, r in rows(table.data):
                    name = str(r.get("学生姓名") or "")
                    found.setdefault((sheet, item.book.file, name), []).append(r)
        return found

    @cached_property
    def periods(self) -> list[ChildPeriod]:
        """Every child-period of the period (coverage.py)."""
        cal, rules = self.inputs.calendar, self.inputs.rules
        return list(child_periods([p.child for p in self.pupils], rules, cal, self.period))

    @cached_property
    def overdue(self) -> dict[tuple[str, int], int]:
        """已逾期 items on the cutoff day by child (file, row), as 逾期清单 showed them then."""
        found: dict[tuple[str, int], int] = {}
        cal, cutoff = self.inputs.calendar, self.period.cutoff
        if cutoff < self.period.start:  # a period not begun has no end state yet
            return found
        for pupil in self.pupils:
            child = pupil.child
            for rule in (r for r in self.inputs.rules if binds(r, child)):
                late = sum(
                    1 for i in evaluate_rule(child, rule, cal, cutoff) if i.status == OVERDUE
                )
                if late:
                    found[(child.file, child.row)] = found.get((child.file, child.row), 0) + late
        return found

    @cached_property
    def broken(self) -> set[tuple[str, int]]:
        """学生档案 rows with an error in a required field (建档率's incomplete children)."""
        found: set[tuple[str, int]] = set()
        for item in self.inputs.classes:
            students = item.book.students
            required = {c.header for c in students.spec.columns if c.required or c.required_if}
            found |= {
                (f.file, f.row)
                for f in self.inputs.findings
                if f.row is not None
                and f.severity == ERROR
                and f.file == item.book.file
                and f.sheet == students.source_sheet
                and f.column in required
            }
        return found


def on_file(child: Child, day: dt.date) -> bool:
    """Filed by `day` (a row without 建档日期 counts as always on file)."""
    return child.filed is None or child.filed <= day


def studying_on(child: Child, day: dt.date) -> bool:
    """在读 on `day`: on the roll (在读 or 辍学, on file) and not lost to school then."""
    return on_roll(child, day) and not lost_on(child, day)


def month_actions(ledger: Ledger) -> tuple[tuple[str, ...], tuple[MonthActions, ...]]:
    """The action types met in the period (schema order) and the records of each month."""
    met = {r.action for r in ledger.records}
    types = tuple(a for a in ACTION_TYPES if a in met) + tuple(sorted(met - set(ACTION_TYPES)))
    found = []
    if ledger.period.cutoff >= ledger.period.start:
        for month in months(ledger.period.start, ledger.period.cutoff):
            mine = [r.action for r in ledger.records if month.contains(r.day)]
            counts = tuple(Count(a, mine.count(a)) for a in types)
            found.append(MonthActions(f"{month.start:%Y-%m}", month.label, counts, len(mine)))
    return types, tuple(found)


def build_report(inputs: ReportInputs, period: ReportPeriod) -> TermReport:
    """The whole report of one period (see the module docstring for what counts)."""
    ledger = Ledger(inputs, period)
    types, by_month = month_actions(ledger)
    watch = people.watch_list(ledger)
    return TermReport(
        school=inputs.school,
        period=period,
        overview=sections.overview(ledger, types),
        action_types=types,
        months=by_month,
        coverage=sections.coverage(ledger),
        teachers=sections.teachers(ledger),
        weights=inputs.weights,
        weights_from_sheet=inputs.weights_from_sheet,
        classes=sections.classes(ledger),
        struggling=people.struggling(ledger),
        watch=watch,
        candidates=people.candidates(ledger, watch),
        notes=inputs.notes,
    )
