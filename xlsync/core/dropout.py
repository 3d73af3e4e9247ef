"""控辍保学 (issue 19.5): the 缺勤与劝返 rows of a child, the periods its event rules open,
the 巩固率 over both 在校状态 and those rows, and the master's 控辍保学月报.

- An absence is one row of 缺勤与劝返. Its outcome (返校 / 未返校) dates from 劝返日期, the
  day the last 劝返 was made and the result known; without it, from 缺勤开始日期 + 缺勤天数
  (the first day after the absence). An empty 结果 counts as 劝返中.
- 缺勤后 (a rule's 周期): each absence of at least 触发缺勤天数 days opens a period from its
  first day to the day the threshold is reached (start + 触发缺勤天数 − 1) + 完成期限天数.
- 未返校后: each absence whose 结果 is 未返校 opens a period from its first day to its outcome
  date + 完成期限天数. Its action 书面报告 is done by the row's own 书面报告日期.
- A child is lost to school (流失) when 在校状态 is 辍学, or the latest absence begun by then
  ended 未返校. 巩固率 = (在籍 − 流失) ÷ 在籍, 在籍 being the children on file who are 在读 or
  辍学 (DESIGN §4's 在读 + 辍学; 休学, 转出 and 毕业 are left out). With no 缺勤与劝返 row it is
  DESIGN's 在读 ÷ (在读 + 辍学); a 在读 child whose latest absence ended 未返校 now counts lost.
"""

from __future__ import annotations

import calendar as gregorian
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from xlsync.core.periods import Period
from xlsync.schema import REPORT_DAYS, TRIGGER_DAYS, VISIT_DAYS

PERSUADING, RETURNED, NOT_RETURNED = "劝返中", "返校", "未返校"
ON_ROLL = ("在读", "辍学")  # 在籍 as DESIGN §4's 巩固率 counts it (休学, 转出, 毕业 left out)
MONTHLY_COLUMNS = ("月份", "年级", "在籍", "辍学", "劝返中", "本月返校", "巩固率")
TOTAL = "合计"


@dataclass(frozen=True)
class Absence:
    """One 缺勤与劝返 row, as the rules and counts need it."""

    start: dt.date
    days: int
    outcome: str = PERSUADING
    persuaded: dt.date | None = None  # 劝返日期
    reported: dt.date | None = None  # 书面报告日期

    @property
    def settled(self) -> dt.date:
        """The day the 结果 dates from: 劝返日期, else the first day after the absence."""
        return self.persuaded or self.start + dt.timedelta(days=self.days)


class HasAbsences(Protocol):
    class_name: str
    status: str | None
    filed: dt.date | None
    absences: tuple[Absence, ...]


def event_periods(
    period: str, trigger: int | None, deadline: int | None, absences: Iterable[Absence]
) -> Iterator[Period]:
    """The periods a 缺勤后 or 未返校后 rule opens, one per absence that triggers it."""
    for a in sorted(absences, key=lambda a: a.start):
        if period == "缺勤后" and a.days >= (trigger or TRIGGER_DAYS):
            reached = a.start + dt.timedelta(days=(trigger or TRIGGER_DAYS) - 1)
            end = reached + dt.timedelta(days=VISIT_DAYS if deadline is None else deadline)
            yield Period(a.start, end, f"缺勤（{a.start:%m-%d}起{a.days}天）")
        elif period == "未返校后" and a.outcome == NOT_RETURNED:
            end = a.settled + dt.timedelta(days=REPORT_DAYS if deadline is None else deadline)
            yield Period(a.start, end, f"未返校（{a.start:%m-%d}起）")


def report_dates(absences: Iterable[Absence]) -> list[dt.date]:
    """The 书面报告日期 of the rows, sorted: the records a 书面报告 rule counts."""
    return sorted(a.reported for a in absences if a.reported is not None)


def state_on(absences: Iterable[Absence], day: dt.date) -> str | None:
    """The child's 控辍保学 state on `day` by its latest absence begun by then (None: none)."""
    begun = [a for a in absences if a.start <= day]
    if not begun:
        return None
    latest = max(begun, key=lambda a: a.start)
    return latest.outcome if latest.settled <= day else PERSUADING


def lost_on(child: HasAbsences, day: dt.date) -> bool:
    """流失 on `day`: 在校状态 辍学 with no dated 未返校 row, else the dated state."""
    if child.status == "辍学" and not any(a.outcome == NOT_RETURNED for a in child.absences):
        return True
    return state_on(child.absences, day) == NOT_RETURNED


LATEST = dt.date.max  # "as things stand": each child's latest state (概览's 巩固率)


def on_roll(child: HasAbsences, day: dt.date) -> bool:
    """在籍 on `day`: on file by then and not 转出 or 毕业."""
    return child.status in ON_ROLL and (child.filed is None or child.filed <= day)


def retention(children: Sequence[HasAbsences], day: dt.date) -> tuple[int, int]:
    """(在籍, 流失) on `day`: 巩固率 is (在籍 − 流失) ÷ 在籍."""
    rolled = [c for c in children if on_roll(c, day)]
    return len(rolled), sum(1 for c in rolled if lost_on(c, day))


_GRADE = re.compile(r"^(.*?(?:年级|初[一二三]|高[一二三]))")
_GRADE_ORDER = "一二三四五六七八九"


def grade_of(class_name: str) -> str:
    """三年级1班 → 三年级; a name without a grade is its own grade (minus a trailing 班 number)."""
    found = _GRADE.match(class_name.strip())
    return found.group(1) if found else re.sub(r"\d*班$", "", class_name.strip()) or class_name


def grade_key(grade: str) -> tuple[int, str]:
    first = _GRADE_ORDER.find(grade[:1])
    return (first if first >= 0 else len(_GRADE_ORDER), grade)


def month_ends(first: dt.date, as_of: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """(label, first day, last day counted) of each month from `first` to the as-of month."""
    found, year, month = [], first.year, first.month
    while dt.date(year, month, 1) <= as_of:
        last = dt.date(year, month, gregorian.monthrange(year, month)[1])
        found.append((f"{year}年{month}月", dt.date(year, month, 1), min(last, as_of)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def returned_in(child: HasAbsences, lo: dt.date, hi: dt.date) -> bool:
    """An absence of the child ended 返校 between `lo` and `hi`."""
    return any(a.outcome == RETURNED and lo <= a.settled <= hi for a in child.absences)
