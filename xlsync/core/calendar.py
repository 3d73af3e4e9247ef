"""The school calendar and the support rules, read from the configuration (DESIGN §3).

A rule or term row that cannot be used stops the run with a message naming the row: an
obligation computed from a half-read rule would be silently wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xlsync.core.config import SchoolConfig
from xlsync.core.school_year import school_year_of
from xlsync.core.tables import Table, rows
from xlsync.errors import XlsyncError
from xlsync.schema import EVENT_DEFAULTS, HOLIDAYS, IN_TERM, RULES, TERMS, VACATION_ONLY


@dataclass(frozen=True)
class Term:
    name: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Calendar:
    """Terms in date order; the school year runs from the first term start to the last term end."""

    terms: tuple[Term, ...]
    holidays: tuple[tuple[str, dt.date], ...]

    @property
    def year_start(self) -> dt.date:
        return self.terms[0].start

    @property
    def year_end(self) -> dt.date:
        return self.terms[-1].end

    @property
    def first_year(self) -> int:
        """The calendar year the school year starts in (2026 for 2026-2027)."""
        return int(school_year_of(self.year_start)[:4])

    def in_term(self, start: dt.date, end: dt.date) -> bool:
        """True when [start, end] overlaps a term."""
        return any(t.start <= end and start <= t.end for t in self.terms)

    def in_vacation(self, start: dt.date, end: dt.date) -> bool:
        """True when some day of [start, end] lies outside every term."""
        day = start
        overlapping = (t for t in self.terms if t.start <= end and start <= t.end)
        for term in sorted(overlapping, key=lambda t: t.start):
            if term.start > day:
                return True
            day = max(day, term.end + dt.timedelta(days=1))
        return day <= end

    def in_season(self, season: str, start: dt.date, end: dt.date) -> bool:
        """Whether [start, end] counts for a rule of 适用时段 `season` (issue 19.6)."""
        if season == IN_TERM:
            return self.in_term(start, end)
        if season == VACATION_ONLY:
            return self.in_vacation(start, end)
        return True


@dataclass(frozen=True)
class Rule:
    action: str
    period: str
    minimum: int
    target: str
    remind_days: int
    season: str  # 适用时段: 学期中 / 仅假期 / 全年 (SEASONS)
    row: int
    trigger_days: int | None = None  # 缺勤后 (issue 19.5): absent this many days in a row
    deadline_days: int | None = None  # 缺勤后 / 未返校后: days allowed after the trigger

    @property
    def label(self) -> str:
        return f"{self.action}·{self.period}"


def _bad_rows(table: Table, headers: tuple[str, ...]) -> list[int]:
    """Rows of `table` where a required cell is empty or unreadable."""
    data = table.data
    return [row for row in data.index if any(data.at[row, h] is None for h in headers)]


def _refuse(sheet: str, rows: list[int], why: str) -> None:
    if rows:
        where = "、".join(f"第 {r} 行" for r in rows)
        raise XlsyncError(f"全校汇总「{sheet}」表{where}{why}，请在 Excel 中改正后再运行。")


def read_rules(config: SchoolConfig) -> list[Rule]:
    """The support rules; a row with an empty or unreadable cell is refused, naming the row."""
    table = config.table(RULES)
    required = tuple(c.header for c in RULES.columns if c.required)
    _refuse(
        RULES.name,
        _bad_rows(table, required),
        "有空着或填错的格子（帮扶类型、周期、适用对象 等要从下拉中选择，次数和天数填整数）",
    )
    return [
        Rule(
            r["帮扶类型"],
            r["周期"],
            r["最少次数"],
            r["适用对象"],
            r["提前提醒天数"],
            r["适用时段"],
            row,
            *_event_numbers(r),
        )
        for row, r in rows(table.data)
    ]


def _event_numbers(r: dict) -> tuple[int | None, int | None]:
    """(触发缺勤天数, 完成期限天数) of a 缺勤后 / 未返校后 rule (issue 19.5), an empty cell (or a
    master made before the two columns) taking the default; (None, None) for other rules."""
    trigger, deadline = EVENT_DEFAULTS.get(r["周期"], (None, None))
    typed = r.get("完成期限天数")
    return r.get("触发缺勤天数") or trigger, deadline if typed is None else typed


def read_calendar(config: SchoolConfig) -> Calendar:
    """Terms (at least one, each ending after it starts, none overlapping) and holidays."""
    table = config.table(TERMS)
    _refuse(TERMS.name, _bad_rows(table, TERMS.headers), "的学期名称或日期空着或无法识别")
    terms = sorted(
        (Term(r["学期名称"], r["开始日期"], r["结束日期"]) for _, r in rows(table.data)),
        key=lambda t: t.start,
    )
    if not terms:
        raise XlsyncError(
            f"全校汇总「{TERMS.name}」表没有学期，请至少填写一个学期的开始和结束日期。"
        )
    backwards = [row for row, r in rows(table.data) if r["结束日期"] < r["开始日期"]]
    _refuse(TERMS.name, backwards, "的结束日期早于开始日期")
    if any(a.end >= b.start for a, b in zip(terms, terms[1:], strict=False)):
        raise XlsyncError(f"全校汇总「{TERMS.name}」表中有两个学期的日期重叠，请核对。")
    holidays = config.table(HOLIDAYS).data
    days = tuple((r["节日"], r["日期"]) for _, r in rows(holidays) if r["节日"] and r["日期"])
    return Calendar(tuple(terms), days)
