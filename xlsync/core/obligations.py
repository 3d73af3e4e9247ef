"""What is due and overdue for each child (DESIGN §4). Exact semantics, pinned by tests:

- Only 在读 children (and 辍学 ones for a 缺勤后 / 未返校后 rule); a rule applies by its
  适用对象 (全部, 重点帮扶, 学困生, or a 儿童类别).
- A 缺勤后 or 未返校后 rule has no calendar periods: each 缺勤与劝返 row that triggers it opens
  one (core/dropout.py), judged like any other period below.
- A period counts when it overlaps the child's window (建档日期 … as-of) and its rule's
  适用时段 (formerly 假期暂停): 学期中, it overlaps a 学期 (a period wholly in vacation is
  exempt); 仅假期, it holds a day outside every 学期 (a period wholly in term is exempt);
  全年, always. A 节日 window (a holiday or the child's birthday, 7 days either side) counts
  only when the day itself falls on or after the child's 建档日期 and inside the school year:
  a birthday before the child was on file is nobody's missed greeting.
- A period is satisfied by at least 最少次数 records of the rule's type dated inside it (and
  not after as-of): a late record never fills an earlier period.
- The period holding as-of is 已完成, 即将到期 (its last day within 提前提醒天数) or 待完成;
  each earlier period that ended on or after the 学年's first day and is not satisfied is
  已逾期, overdue from the day after its last day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from sys import intern
from typing import Any

from xlsync.core.calendar import Calendar, Rule
from xlsync.core.dropout import Absence, event_periods
from xlsync.core.periods import Period, periods
from xlsync.schema import EVENT_PERIODS

DONE, OPEN, SOON, OVERDUE = "已完成", "待完成", "即将到期", "已逾期"
URGENCY = {OVERDUE: 0, SOON: 1, OPEN: 2, DONE: 3}


@dataclass
class Child:
    """What the engine needs of one 学生档案 row."""

    class_name: str
    name: str
    key: str
    teacher: str
    file: str
    row: int
    filed: dt.date | None
    born: dt.date | None
    categories: tuple[str, ...] = ()
    key_support: bool = False
    struggling: bool = False
    status: str | None = "在读"  # 在校状态
    records: dict[str, list[dt.date]] = field(default_factory=dict)  # action → sorted dates
    verified: dt.date | None = None  # 最近核实日期 (issue 19.6)
    tracks_verification: bool = False  # the workbook has the 最近核实日期 column
    absences: tuple[Absence, ...] = ()  # 缺勤与劝返 rows (issue 19.5)

    @property
    def studying(self) -> bool:
        return self.status == "在读"


def binds(rule: Rule, child: Child) -> bool:
    """Whether the rule binds the child: 在读 children, and for a 缺勤后 / 未返校后 rule also a
    辍学 child (the 劝返 and the written report matter most for her)."""
    event = rule.period in EVENT_PERIODS and child.status == "辍学"
    return (child.studying or event) and applies(rule, child)


@dataclass(frozen=True)
class Item:
    """One obligation period of one child under one rule."""

    class_name: str
    child: str
    child_key: str
    teacher: str
    rule: str
    period: str
    period_start: dt.date
    period_end: dt.date
    status: str
    due: dt.date
    days_overdue: int
    file: str
    row: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["class"] = data.pop("class_name")
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}


def applies(rule: Rule, child: Child) -> bool:
    if rule.target == "全部":
        return True
    if rule.target == "重点帮扶":
        return child.key_support
    if rule.target == "学困生":
        return child.struggling
    return rule.target in child.categories


def count_in(dates: Sequence[dt.date], start: dt.date, end: dt.date) -> int:
    """How many of the sorted `dates` fall in [start, end]."""
    return bisect.bisect_right(dates, end) - bisect.bisect_left(dates, start)


def _counted(
    period: Period, season: str, cal: Calendar, window: tuple[dt.date, dt.date], as_of: dt.date
) -> bool:
    current = period.contains(as_of)
    past = period.end < as_of and period.end >= cal.year_start
    in_window = period.overlaps(*window)
    return (
        (current or past)
        and in_window
        and _festival_day_counts(period, cal, window[0])
        and cal.in_season(season, period.start, period.end)
    )


def _festival_day_counts(period: Period, cal: Calendar, filed: dt.date) -> bool:
    """A 节日 window counts when its day is on or after 建档日期 and inside the school year."""
    if period.day is None:
        return True
    return period.day >= filed and cal.year_start <= period.day <= cal.year_end


def _item(child: Child, rule: Rule, period: Period, status: str, as_of: dt.date) -> Item:
    late = (as_of - period.end).days if status == OVERDUE else 0
    return Item(
        child.class_name,
        child.name,
        child.key,
        child.teacher,
        intern(rule.label),  # a school's items repeat a few labels (memory, issue 22.2)
        intern(period.label),
        period.start,
        period.end,
        status,
        period.end,
        late,
        child.file,
        child.row,
    )


def _judged(
    child: Child, rule: Rule, cal: Calendar, as_of: dt.date
) -> Iterator[tuple[Period, bool]]:
    """Each counted period of one rule for one child, and whether it is satisfied."""
    window = (child.filed or cal.year_start, as_of)
    if window[0] > as_of:
        return
    dates = child.records.get(rule.action, [])
    for period in _counted_periods(child, rule, cal, window, as_of):
        yield period, count_in(dates, period.start, min(period.end, as_of)) >= rule.minimum


def _counted_periods(
    child: Child, rule: Rule, cal: Calendar, window: tuple[dt.date, dt.date], as_of: dt.date
) -> Iterable[Period]:
    if rule.period in EVENT_PERIODS:
        found = event_periods(rule.period, rule.trigger_days, rule.deadline_days, child.absences)
        return (p for p in found if _counted(p, rule.season, cal, window, as_of))
    born = child.born if rule.period == "节日" else None  # the only kind a birthday changes
    return _calendar_periods(rule.period, rule.season, cal, window[0], as_of, born)


@functools.lru_cache(maxsize=4096)
def _calendar_periods(
    kind: str, season: str, cal: Calendar, filed: dt.date, as_of: dt.date, born: dt.date | None
) -> tuple[Period, ...]:
    """The counted calendar periods of a rule for a child filed on `filed`: the same for most
    children of a school, and working them out for each child and rule (twice: items and
    tallies) was a tenth of a cold 汇总."""
    found = periods(kind, cal, min(cal.year_start, as_of), as_of, born)
    return tuple(p for p in found if _counted(p, season, cal, (filed, as_of), as_of))


def evaluate_rule(child: Child, rule: Rule, cal: Calendar, as_of: dt.date) -> Iterator[Item]:
    """The current-period item and every overdue item of one rule for one child."""
    for period, done in _judged(child, rule, cal, as_of):
        if period.contains(as_of):
            soon = (period.end - as_of).days <= rule.remind_days
            yield _item(child, rule, period, DONE if done else SOON if soon else OPEN, as_of)
        elif not done:
            yield _item(child, rule, period, OVERDUE, as_of)


def evaluate(
    children: Sequence[Child], rules: Sequence[Rule], cal: Calendar, as_of: dt.date
) -> list[Item]:
    """Every item for every 在读 child and applicable rule, and each child's term-start check
    of 最近核实日期 (core/verification.py), most urgent first."""
    from xlsync.core.verification import verification_items  # it builds on this module

    items = [
        item
        for child in children
        for rule in rules
        if binds(rule, child)
        for item in evaluate_rule(child, rule, cal, as_of)
    ]
    return sorted(items + verification_items(children, cal, as_of), key=urgency_order)


def urgency_order(item: Item) -> tuple:
    return (
        URGENCY[item.status],
        -item.days_overdue,
        item.due,
        item.class_name,
        item.row,
        item.rule,
        item.period_start,
    )


@dataclass(frozen=True)
class Tally:
    """One child under one rule: the periods that ended this 学年 (their deadline passed, so
    they were due) and how many of them were done in time. The basis of 按时完成率."""

    class_name: str
    teacher: str
    file: str
    rule: str
    due: int
    met: int


def tallies(
    children: Sequence[Child], rules: Sequence[Rule], cal: Calendar, as_of: dt.date
) -> list[Tally]:
    """A Tally for every 在读 child and applicable rule (the children `evaluate` judges)."""
    found = []
    for child in children:
        for rule in (r for r in rules if binds(r, child)):
            ended = [done for p, done in _judged(child, rule, cal, as_of) if not p.contains(as_of)]
            found.append(
                Tally(
                    child.class_name,
                    child.teacher,
                    child.file,
                    intern(rule.label),
                    len(ended),
                    sum(ended),
                )
            )
    return found


def judged(child: Child, rule: Rule, cal: Calendar, as_of: dt.date) -> list[tuple[Period, bool]]:
    """Each counted period of one rule for one child and whether it is satisfied: the same
    judgement `evaluate` makes, for the printed 档案卡's term table (issue 20)."""
    return list(_judged(child, rule, cal, as_of))
