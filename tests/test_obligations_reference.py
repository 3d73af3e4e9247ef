"""The obligation engine against a brute-force reference that walks the calendar day by day.

The reference knows nothing of the engine's period arithmetic: it labels every day with the
period it belongs to (ISO week, month, term, school year), groups the days, and applies
DESIGN §4 literally. Hypothesis draws random calendars, rules, logs and as-of dates.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from xlsync.core.calendar import Calendar, Rule, Term
from xlsync.core.dropout import Absence
from xlsync.core.obligations import DONE, OPEN, OVERDUE, SOON, Child, evaluate, evaluate_rule
from xlsync.core.periods import birthday_in
from xlsync.core.verification import VERIFY_RULE, verification_items
from xlsync.schema import SEASONS

DAY = dt.timedelta(days=1)


def day_key(kind: str, day: dt.date, cal: Calendar):
    if kind == "每周":
        return day.isocalendar()[:2]
    if kind == "每月":
        return (day.year, day.month)
    if kind == "每学期":
        return next((i for i, t in enumerate(cal.terms) if t.start <= day <= t.end), None)
    return "year" if cal.terms[0].start <= day <= cal.terms[-1].end else None


def judge(
    child: Child, rule: Rule, cal: Calendar, start: dt.date, end: dt.date, as_of: dt.date
) -> tuple | None:
    """The item of the period [start, end] by DESIGN §4, read day by day, or None."""
    current = start <= as_of <= end
    if not (current or cal.terms[0].start <= end < as_of):
        return None
    if not (child.filed <= as_of and start <= as_of and child.filed <= end):
        return None  # the window 建档日期 … as-of is empty, or misses the period
    days = [start + i * DAY for i in range((end - start).days + 1)]
    in_term = [any(t.start <= d <= t.end for t in cal.terms) for d in days]
    if rule.season == "学期中" and not any(in_term):
        return None  # wholly in vacation
    if rule.season == "仅假期" and all(in_term):
        return None  # wholly in term
    count = sum(1 for r in child.records.get(rule.action, []) if start <= r <= end and r <= as_of)
    done = count >= rule.minimum
    if current:
        status = DONE if done else SOON if (end - as_of).days <= rule.remind_days else OPEN
        return (start, end, status, 0)
    return None if done else (start, end, OVERDUE, (as_of - end).days)


def spans(rule: Rule, cal: Calendar, as_of: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(first, last day) of every period begun by as-of, found by labelling day after day."""
    year_start = cal.terms[0].start
    first, last = min(year_start, as_of) - 40 * DAY, max(as_of, cal.terms[-1].end) + 40 * DAY
    found: dict = {}
    day = first
    while day <= last:
        key = day_key(rule.period, day, cal)
        if key is not None:
            found.setdefault(key, [day, day])[1] = day
        day += DAY
    # not begun, or cut by the scan (only periods wholly before the year)
    return [(a, b) for a, b in found.values() if a <= as_of and a >= first + 7 * DAY]


def reference(child: Child, rule: Rule, cal: Calendar, as_of: dt.date) -> list[tuple]:
    found = []
    for start, end in spans(rule, cal, as_of):
        item = judge(child, rule, cal, start, end, as_of)
        if item is not None:
            found.append(item)
    return sorted(found)


@st.composite
def calendars(draw) -> Calendar:
    year = draw(st.integers(2020, 2030))
    start = dt.date(year, 8, 15) + draw(st.integers(0, 30)) * DAY
    terms = []
    for index in range(draw(st.integers(1, 3))):
        end = start + draw(st.integers(20, 150)) * DAY
        terms.append(Term(f"第{index + 1}学期", start, end))
        start = end + draw(st.integers(1, 40)) * DAY
    return Calendar(tuple(terms), ())


@st.composite
def cases(draw):
    cal = draw(calendars())
    lo, hi = cal.terms[0].start - 60 * DAY, cal.terms[-1].end + 60 * DAY
    dates = st.dates(lo, hi)
    rule = Rule(
        "谈心",
        draw(st.sampled_from(["每周", "每月", "每学期", "每学年"])),
        draw(st.integers(1, 3)),
        "全部",
        draw(st.integers(0, 30)),
        draw(st.sampled_from(SEASONS)),
        2,
    )
    records = sorted(draw(st.lists(dates, max_size=40)))
    child = Child(
        "班", "王小明", "k", "张老师", "f", 2, draw(dates), None, records={"谈心": records}
    )
    return cal, rule, child, draw(dates)


@settings(max_examples=400, deadline=None)
@given(cases())
def test_engine_equals_day_by_day_reference(case):
    cal, rule, child, as_of = case
    engine = sorted(
        (i.period_start, i.period_end, i.status, i.days_overdue)
        for i in evaluate_rule(child, rule, cal, as_of)
    )
    assert engine == reference(child, rule, cal, as_of)


def festival_spans(child: Child, cal: Calendar, as_of: dt.date) -> list[tuple[dt.date, dt.date]]:
    """节日 windows: 7 days either side of each holiday and birthday whose day is on or after
    建档日期 and inside the school year (DESIGN §4)."""
    year_start, year_end = cal.terms[0].start, cal.terms[-1].end
    days = [d for _, d in cal.holidays]
    if child.born is not None:
        days += [
            d
            for y in range(as_of.year - 3, as_of.year + 3)
            if (d := birthday_in(y, child.born)) >= child.born
        ]
    return sorted(  # a holiday on the birthday is two occasions: two windows
        (day - 7 * DAY, day + 7 * DAY)
        for day in days
        if child.filed <= day and year_start <= day <= year_end
    )


def festival_reference(child: Child, rule: Rule, cal: Calendar, as_of: dt.date) -> list[tuple]:
    """节日 day by day, each window judged as DESIGN §4 says."""
    found = set()
    for start, end in festival_spans(child, cal, as_of):
        item = judge(child, rule, cal, start, end, as_of)
        if item is not None:
            found.add(item)
    return sorted(found)


@st.composite
def festival_cases(draw):
    cal = draw(calendars())
    lo, hi = cal.terms[0].start - 60 * DAY, cal.terms[-1].end + 60 * DAY
    dates = st.dates(lo, hi)
    holidays = tuple(
        (f"节{n}", d) for n, d in enumerate(sorted(set(draw(st.lists(dates, max_size=4)))))
    )
    cal = Calendar(cal.terms, holidays)
    season = draw(st.sampled_from(SEASONS))
    rule = Rule("节日慰问", "节日", 1, "全部", draw(st.integers(0, 10)), season, 2)
    born = draw(st.dates(dt.date(2012, 1, 1), dt.date(2020, 12, 31)))
    records = sorted(draw(st.lists(dates, max_size=20)))
    filed = draw(dates)
    child = Child("班", "王小明", "k", "张老师", "f", 2, filed, born, records={"节日慰问": records})
    return cal, rule, child, draw(dates)


@settings(max_examples=300, deadline=None)
@given(festival_cases())
def test_festival_windows_equal_the_day_by_day_reference(case):
    cal, rule, child, as_of = case
    engine = sorted(
        {
            (i.period_start, i.period_end, i.status, i.days_overdue)
            for i in evaluate_rule(child, rule, cal, as_of)
        }
    )
    assert engine == festival_reference(child, rule, cal, as_of)


def verification_reference(child: Child, cal: Calendar, as_of: dt.date) -> list[tuple]:
    """篇三's term-start check read literally: walk back from as-of to the day the latest term
    began; done when 最近核实日期 or 建档日期 lies between that day and as-of; due on the
    term's 14th day (or its last, for a shorter term), overdue from the day after."""
    day = as_of
    while not any(t.start == day for t in cal.terms):
        day -= DAY
        if day < cal.terms[0].start:
            return []
    term = next(t for t in cal.terms if t.start == day)
    due = min(term.start + 13 * DAY, term.end)
    done = any(d is not None and term.start <= d <= as_of for d in (child.verified, child.filed))
    if done:
        status = DONE
    elif as_of > due:
        status = OVERDUE
    else:
        status = SOON if (due - as_of).days <= 7 else OPEN
    return [(term.start, due, status, (as_of - due).days if status == OVERDUE else 0)]


@st.composite
def verification_cases(draw):
    cal = draw(calendars())
    dates = st.dates(cal.terms[0].start - 60 * DAY, cal.terms[-1].end + 60 * DAY)
    filed, as_of = draw(dates), draw(dates)
    child = Child("班", "王小明", "k", "张老师", "f", 2, filed, None)
    child.verified, child.tracks_verification = draw(st.none() | dates), True
    return cal, child, max(filed, as_of) if draw(st.booleans()) else as_of


@settings(max_examples=300, deadline=None)
@given(verification_cases())
def test_term_start_check_equals_the_day_by_day_reference(case):
    cal, child, as_of = case
    engine = [
        (i.period_start, i.period_end, i.status, i.days_overdue)
        for i in verification_items([child], cal, as_of)
    ]
    assert all(i.rule == VERIFY_RULE for i in verification_items([child], cal, as_of))
    expected = verification_reference(child, cal, as_of) if child.filed <= as_of else []
    assert engine == expected


# ---- issue 19.5: the 缺勤后 / 未返校后 rules, one period per triggering 缺勤与劝返 row


def event_spans(rule: Rule, child: Child) -> list[tuple[dt.date, dt.date]]:
    """Each absence's period counted day by day: from its first day, through the day the
    threshold is reached (or the result is known), then the allowed days."""
    spans = []
    for a in child.absences:
        if rule.period == "缺勤后" and a.days >= rule.trigger_days:
            day, allowed = a.start, rule.trigger_days - 1 + rule.deadline_days
        elif rule.period == "未返校后" and a.outcome == "未返校":
            day = a.persuaded or a.start
            allowed = rule.deadline_days if a.persuaded else a.days + rule.deadline_days
        else:
            continue
        end = day
        for _ in range(allowed):
            end += DAY
        spans.append((a.start, end))
    return spans


@st.composite
def event_cases(draw):
    cal = draw(calendars())
    lo, hi = cal.terms[0].start - 60 * DAY, cal.terms[-1].end + 60 * DAY
    dates = st.dates(lo, hi)
    period = draw(st.sampled_from(["缺勤后", "未返校后"]))
    action = "家访" if period == "缺勤后" else "书面报告"
    rule = Rule(action, period, draw(st.integers(1, 2)), "全部", draw(st.integers(0, 5)), "全年", 2,
                draw(st.integers(1, 6)), draw(st.integers(0, 40)))  # fmt: skip
    absences = tuple(
        Absence(
            draw(dates),
            draw(st.integers(1, 30)),
            draw(st.sampled_from(["劝返中", "返校", "未返校"])),
            draw(st.none() | dates),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    records = sorted(draw(st.lists(dates, max_size=12)))
    status = draw(st.sampled_from(["在读", "辍学"]))
    child = Child("班", "王小明", "k", "张老师", "f", 2, draw(dates), None, status=status,
                  records={action: records}, absences=absences)  # fmt: skip
    return cal, rule, child, draw(dates)


@settings(max_examples=300, deadline=None)
@given(event_cases())
def test_absence_rules_equal_the_day_by_day_reference(case):
    cal, rule, child, as_of = case
    engine = sorted(
        (i.period_start, i.period_end, i.status, i.days_overdue)
        for i in evaluate([child], [rule], cal, as_of)
    )
    found = [judge(child, rule, cal, s, e, as_of) for s, e in event_spans(rule, child)]
    assert engine == sorted(f for f in found if f is not None)
