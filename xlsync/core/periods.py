"""The periods of each 周期 (DESIGN §4): ISO weeks, calendar months, terms, the school year,
and a window around each 节日 and birthday."""

from __future__ import annotations

import calendar as gregorian
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from xlsync.core.calendar import Calendar

FESTIVAL_MARGIN = 7  # a greeting counts from 7 days before to 7 days after the day
_WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str
    day: dt.date | None = None  # a 节日 window's own day (the holiday or the birthday)

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return self.start <= end and start <= self.end

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def weeks(lo: dt.date, hi: dt.date) -> Iterator[Period]:
    monday = lo - dt.timedelta(days=lo.weekday())
    while monday <= hi:
        year, week, _ = monday.isocalendar()
        yield Period(monday, monday + dt.timedelta(days=6), f"{year}年第{week}周")
        monday += _WEEK


def months(lo: dt.date, hi: dt.date) -> Iterator[Period]:
    year, month = lo.year, lo.month
    while dt.date(year, month, 1) <= hi:
        last = gregorian.monthrange(year, month)[1]
        yield Period(dt.date(year, month, 1), dt.date(year, month, last), f"{year}年{month}月")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def birthday_in(year: int, born: dt.date) -> dt.date:
    """The birthday in `year`; 29 February falls on the 28th in other years."""
    if born.month == 2 and born.day == 29 and not gregorian.isleap(year):
        return dt.date(year, 2, 28)
    return born.replace(year=year)


def festivals(cal: Calendar, lo: dt.date, hi: dt.date, born: dt.date | None) -> Iterator[Period]:
    days = list(cal.holidays)
    if born is not None:
        days += [
            ("生日", birthday_in(y, born))
            for y in range(lo.year - 1, hi.year + 2)
            if birthday_in(y, born) >= born
        ]
    margin = dt.timedelta(days=FESTIVAL_MARGIN)
    for name, day in sorted(days, key=lambda pair: pair[1]):
        period = Period(day - margin, day + margin, f"{name}（{day:%m-%d}）", day)
        if period.overlaps(lo, hi):
            yield period


def periods(
    kind: str, cal: Calendar, lo: dt.date, hi: dt.date, born: dt.date | None = None
) -> Iterator[Period]:
    """Every period of `kind` that overlaps [lo, hi], in date order."""
    if kind == "每周":
        yield from weeks(lo, hi)
    elif kind == "每月":
        yield from months(lo, hi)
    elif kind == "每学期":
        yield from (
            Period(t.start, t.end, t.name) for t in cal.terms if t.start <= hi and lo <= t.end
        )
    elif kind == "每学年":
        year = Period(
            cal.year_start, cal.year_end, f"{cal.year_start.year}-{cal.year_end.year}学年"
        )
        if year.overlaps(lo, hi):
            yield year
    elif kind == "节日":
        yield from festivals(cal, lo, hi, born)
    else:
        raise ValueError(kind)
