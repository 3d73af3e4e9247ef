"""DESIGN §4 pinned at every boundary: each case is one rule, one child, one as-of date."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from xlsync.core.calendar import Calendar, Rule, Term
from xlsync.core.obligations import (
    DONE,
    OPEN,
    OVERDUE,
    SOON,
    Child,
    evaluate,
    evaluate_rule,
)

D = dt.date.fromisoformat
CAL = Calendar(
    terms=(
        Term("2026秋季学期", D("2026-09-01"), D("2027-01-22")),
        Term("2027春季学期", D("2027-02-22"), D("2027-07-02")),
    ),
    holidays=(("国庆节", D("2026-10-01")), ("春节", D("2027-02-06"))),
)


def rule(action="谈心", period="每月", minimum=1, target="全部", remind=7, season="全年") -> Rule:
    return Rule(action, period, minimum, target, remind, season, row=2)


def child(records=(), action="谈心", filed="2026-09-01", **changes) -> Child:
    base = Child(
        "三年级2班",
        "王小明",
        "身份证:1",
        "张老师",
        "班.xlsx",
        2,
        D(filed),
        D("2015-03-01"),
        categories=("留守儿童",),
        records={action: sorted(D(r) for r in records)},
    )
    return replace(base, **changes)


def statuses(the_rule: Rule, the_child: Child, as_of: str) -> list[tuple[str, str, str, int]]:
    return [
        (i.period_start.isoformat(), i.period_end.isoformat(), i.status, i.days_overdue)
        for i in evaluate_rule(the_child, the_rule, CAL, D(as_of))
    ]


def test_last_day_of_month_counts_and_the_next_day_does_not():
    assert statuses(rule(), child(["2026-09-30"], filed="2026-09-20"), "2026-10-05") == [
        ("2026-10-01", "2026-10-31", OPEN, 0)
    ]
    assert statuses(rule(), child(["2026-10-01"], filed="2026-09-20"), "2026-10-05") == [
        ("2026-09-01", "2026-09-30", OVERDUE, 5),
        ("2026-10-01", "2026-10-31", DONE, 0),
    ]


def test_late_record_never_fills_an_earlier_period():
    result = statuses(
        rule(minimum=2), child(["2026-09-10", "2026-10-02", "2026-10-03"]), "2026-10-10"
    )
    assert result == [
        ("2026-09-01", "2026-09-30", OVERDUE, 10),
        ("2026-10-01", "2026-10-31", DONE, 0),
    ]


def test_iso_week_that_crosses_the_year():
    weekly = rule(period="每周", remind=2)
    result = statuses(weekly, child(["2027-01-02"], filed="2026-12-28"), "2027-01-03")
    assert result == [("2026-12-28", "2027-01-03", DONE, 0)]
    result = statuses(weekly, child([], filed="2026-12-28"), "2027-01-04")
    assert result == [
        ("2026-12-28", "2027-01-03", OVERDUE, 1),
        ("2027-01-04", "2027-01-10", OPEN, 0),
    ]


def test_term_first_and_last_day_count_and_the_day_after_does_not():
    visits = rule(period="每学期", remind=14)
    assert statuses(visits, child(["2026-09-01"]), "2026-10-01")[0][2] == DONE
    assert statuses(visits, child(["2027-01-22"]), "2027-01-22")[0][2] == DONE
    after = statuses(visits, child(["2027-01-23"]), "2027-02-01")
    assert after == [("2026-09-01", "2027-01-22", OVERDUE, 10)]  # vacation: no current term


def test_period_wholly_in_vacation_is_exempt_and_partly_in_a_term_counts():
    weekly = rule(period="每周", season="学期中", remind=2)
    # 2027-01-18..24 holds the last term days (to the 22nd); 01-25..31 is wholly vacation.
    result = statuses(weekly, child([], filed="2027-01-18"), "2027-02-02")
    assert result == [("2027-01-18", "2027-01-24", OVERDUE, 9)]
    assert statuses(weekly, child([], filed="2027-01-25"), "2027-02-02") == []


def test_vacation_pause_off_keeps_vacation_months():
    calls = rule(action="家长通话", period="每月")
    result = statuses(calls, child([], action="家长通话", filed="2027-01-25"), "2027-02-10")
    assert [r[:3] for r in result] == [
        ("2027-01-01", "2027-01-31", OVERDUE),
        ("2027-02-01", "2027-02-28", OPEN),
    ]


def test_29_february():
    leap = statuses(rule(), child([], filed="2028-02-01"), "2028-02-29")
    assert leap == [("2028-02-01", "2028-02-29", SOON, 0)]
    born = child([], action="节日慰问", filed="2026-09-01", born=D("2016-02-29"))
    greetings = statuses(rule(action="节日慰问", period="节日", remind=3), born, "2027-03-01")
    assert ("2027-02-21", "2027-03-07", OPEN, 0) in greetings  # birthday on 02-28 in 2027


def test_filing_date_in_the_middle_of_a_period():
    assert statuses(rule(), child([], filed="2026-10-15"), "2026-11-02") == [
        ("2026-10-01", "2026-10-31", OVERDUE, 2),
        ("2026-11-01", "2026-11-30", OPEN, 0),
    ]
    assert statuses(rule(), child([], filed="2026-11-01"), "2026-11-02") == [
        ("2026-11-01", "2026-11-30", OPEN, 0)
    ]
    assert statuses(rule(), child([], filed="2026-11-03"), "2026-11-02") == []


def test_as_of_on_a_period_last_day_is_current_not_overdue():
    assert statuses(rule(remind=0), child([], filed="2026-11-01"), "2026-11-30") == [
        ("2026-11-01", "2026-11-30", SOON, 0)
    ]


@pytest.mark.parametrize("as_of,status", [("2026-11-23", SOON), ("2026-11-22", OPEN)])
def test_due_soon_boundary(as_of, status):
    assert statuses(rule(remind=7), child([], filed="2026-11-01"), as_of)[0][2] == status


def test_record_on_the_first_day_after_a_period_does_not_fill_it():
    result = statuses(
        rule(period="每周", remind=0), child(["2026-11-09"], filed="2026-11-02"), "2026-11-09"
    )
    assert result == [
        ("2026-11-02", "2026-11-08", OVERDUE, 1),
        ("2026-11-09", "2026-11-15", DONE, 0),
    ]


def test_record_after_as_of_is_not_counted():
    assert statuses(rule(), child(["2026-11-20"], filed="2026-11-01"), "2026-11-10")[0][2] == OPEN


def test_only_periods_since_the_start_of_the_school_year_are_overdue():
    calls = rule(action="家长通话")
    result = statuses(calls, child([], action="家长通话", filed="2026-06-01"), "2026-09-10")
    assert result == [("2026-09-01", "2026-09-30", OPEN, 0)]


def test_school_year_rule_and_holidays():
    gifts = rule(action="送温暖", period="每学年", remind=30)
    assert statuses(gifts, child([], action="送温暖"), "2027-06-05") == [
        ("2026-09-01", "2027-07-02", SOON, 0)
    ]
    greetings = rule(action="节日慰问", period="节日", remind=3)
    result = statuses(greetings, child(["2026-09-28"], action="节日慰问"), "2026-10-20")
    assert result == []  # both the 中秋 and 国庆 windows hold 09-28: satisfied, past, no item
    result = statuses(greetings, child(["2026-09-23"], action="节日慰问"), "2026-10-09")
    assert result == [("2026-09-24", "2026-10-08", OVERDUE, 1)]


@pytest.mark.parametrize(
    "target,changes,applies",
    [
        ("重点帮扶", {"key_support": True}, True),
        ("重点帮扶", {}, False),
        ("学困生", {"struggling": True}, True),
        ("学困生", {}, False),
        ("留守儿童", {}, True),
        ("孤儿", {}, False),
        ("全部", {}, True),
    ],
)
def test_target_of_a_rule(target, changes, applies):
    items = evaluate([child(**changes)], [rule(target=target)], CAL, D("2026-11-10"))
    assert bool(items) is applies


@pytest.mark.parametrize("status", ["转出", "休学", "辍学", "毕业", None])
def test_children_not_in_school_have_no_obligation(status):
    assert evaluate([child(status=status)], [rule()], CAL, D("2026-11-10")) == []


def test_overdue_is_counted_from_the_day_after_the_last_day():
    result = statuses(rule(), child([]), "2026-10-01")
    assert result[0] == ("2026-09-01", "2026-09-30", OVERDUE, 1)


def test_most_urgent_first():
    items = evaluate(
        [child([], filed="2026-09-01")], [rule(period="每学期"), rule()], CAL, D("2026-11-25")
    )
    assert [i.status for i in items] == [OVERDUE, OVERDUE, SOON, OPEN]
    assert items[0].days_overdue > items[1].days_overdue


@pytest.mark.parametrize(
    "filed,counted",
    [("2026-09-04", True), ("2026-09-05", True), ("2026-09-06", False)],
)
def test_a_birthday_counts_only_from_the_day_the_child_is_on_file(filed, counted):
    """蔡秀英 (born 08-25, filed 09-01) was first on 逾期清单 for a birthday before she was on
    file. The window (7 days either side) counts when the birthday itself is on or after
    建档日期: filed the day before, on, and the day after a birthday of 09-05."""
    born = child([], action="节日慰问", filed=filed, born=D("2018-09-05"))
    found = statuses(rule(action="节日慰问", period="节日", remind=3), born, "2026-11-30")
    birthday = ("2026-08-29", "2026-09-12", OVERDUE, 79)
    assert (birthday in found) is counted


def test_holidays_outside_the_school_year_do_not_count():
    early = replace(CAL, holidays=(("暑期活动", D("2026-08-28")),))  # window reaches 09-04
    items = list(
        evaluate_rule(
            child([], action="节日慰问", filed="2026-08-01", born=None),
            rule(action="节日慰问", period="节日"),
            early,
            D("2026-11-30"),
        )
    )
    assert items == []
