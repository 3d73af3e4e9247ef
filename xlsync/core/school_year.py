"""School years, default terms and default holidays (DESIGN §3), used when a master has none.

The defaults follow the dates DESIGN §3 gives for 2026-2027 (autumn 09-01 … 01-22, spring
02-22 … 07-02) on every year; the lead corrects them in the 学期 sheet. Lunar holidays are
listed for the years below; outside them only the fixed-date holidays are given.
"""

from __future__ import annotations

import datetime as dt
import re

from xlsync.errors import XlsyncError

_YEAR = re.compile(r"^\s*(\d{4})\s*[-－—~至]\s*(\d{4})\s*$")
_LUNAR = {  # 春节, 端午节, 中秋节 by Gregorian year
    2025: ("01-29", "05-31", "10-06"),
    2026: ("02-17", "06-19", "09-25"),
    2027: ("02-06", "06-09", "09-15"),
    2028: ("01-26", "05-28", "10-03"),
    2029: ("02-13", "06-16", "09-22"),
    2030: ("02-03", "06-05", "09-12"),
    2031: ("01-23", "06-24", "10-01"),
}


def school_year_of(day: dt.date) -> str:
    """The school year a day belongs to: from August on, the year starting that autumn."""
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{start + 1}"


def parse_school_year(text: str) -> int:
    """The first calendar year of a school year written like 2026-2027."""
    match = _YEAR.match(text or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise XlsyncError(f"学年「{text}」格式不对，请写成 2026-2027 这样的两个相连年份。")
    return int(match.group(1))


def default_terms(year: str) -> list[tuple[str, dt.date, dt.date]]:
    """(学期名称, 开始日期, 结束日期) for the autumn and spring terms of `year`."""
    start = parse_school_year(year)
    return [
        (f"{start}秋季学期", dt.date(start, 9, 1), dt.date(start + 1, 1, 22)),
        (f"{start + 1}春季学期", dt.date(start + 1, 2, 22), dt.date(start + 1, 7, 2)),
    ]


def default_holidays(year: str) -> list[tuple[str, dt.date]]:
    """(节日, 日期) from September of `year` to August after, in date order."""
    start = parse_school_year(year)
    days = [
        ("国庆节", dt.date(start, 10, 1)),
        ("元旦", dt.date(start + 1, 1, 1)),
        ("劳动节", dt.date(start + 1, 5, 1)),
        ("儿童节", dt.date(start + 1, 6, 1)),
    ]
    for calendar_year in (start, start + 1):
        for name, month_day in zip(
            ("春节", "端午节", "中秋节"), _LUNAR.get(calendar_year, ()), strict=False
        ):
            day = dt.date.fromisoformat(f"{calendar_year}-{month_day}")
            if dt.date(start, 9, 1) <= day < dt.date(start + 1, 9, 1):
                days.append((name, day))
    return sorted(days, key=lambda pair: pair[1])
