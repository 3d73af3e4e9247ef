"""Guardianship rules of 学生档案 (issue 19.1; 未成年人保护法 2020 第十一、二十二、二十三条).

A child needs an entrusted carer when no parent can care for her at home: both away, or one
away and the other without capacity (the 民政 definition's situation, as of the as-of date).
The carer is the 委托照护人 when named, else the 监护人 when that is not a parent (a grandparent
named as 监护人 is the adult the parents entrusted). Rules that ask for a column of the new
template (委托照护人, 委托书面告知学校日期) run only where the workbook has it: an earlier
workbook reads with no new 错误 (`xlsync upgrade` adds the columns). 「无人监护」 is reported
everywhere: it is a 强制报告 situation whatever the template.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from xlsync.core.checks.context import Context
from xlsync.core.findings import Finding, make_finding
from xlsync.core.idcard import ID_FORM, birth_date
from xlsync.core.left_behind import (
    UNKNOWN,
    Situation,
    away_on,
    month_index,
    no_parent_home,
    settings_of,
    situation_of,
)
from xlsync.schema import NO_GUARDIAN

GONE = ("转出", "毕业")  # children no longer in the school's care
PARENTS = ("父亲", "母亲")
CARER, NOTICE = "委托照护人", "委托书面告知学校日期"
ADULT = 18


def in_care(ctx: Context) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    """(Excel row, typed, raw) of each child of 学生档案 still in the school's care."""
    typed_rows, raw_rows = ctx.student_rows
    for row, typed in typed_rows.items():
        if typed.get("在校状态") not in GONE:
            yield row, typed, raw_rows.get(row, {})


def _why(s: Situation, as_of: dt.date) -> str:
    """Why the child needs an entrusted carer, in the teacher's words."""
    if away_on(s.father, as_of) and away_on(s.mother, as_of):
        return "父母都在外务工"
    away, home = ("父亲", "母亲") if away_on(s.father, as_of) else ("母亲", "父亲")
    return f"{away}在外务工、{home}无监护能力"


def _has_carer(typed: dict[str, Any]) -> bool:
    guardian = typed.get("监护人关系")
    named = typed.get("监护人姓名") and guardian not in (*PARENTS, NO_GUARDIAN)
    return bool(typed.get(CARER) or named)


def no_guardian(ctx: Context) -> Iterator[Finding]:
    """「无人监护」 is never an arrangement: it is a 强制报告 case (第十一条)."""
    table = ctx.book.students
    for row, typed, _ in in_care(ctx):
        if typed.get("监护人关系") == NO_GUARDIAN:
            yield make_finding("guardian-none", table.place(row, "监护人关系"), NO_GUARDIAN)


def carer_named(ctx: Context) -> Iterator[Finding]:
    """No parent at home and no adult carer named anywhere (第二十二条)."""
    table = ctx.book.students
    if CARER not in table.positions:
        return
    for row, typed, raw in in_care(ctx):
        s = situation_of(typed, raw)
        if typed.get("监护人关系") == NO_GUARDIAN or not no_parent_home(s, ctx.as_of):
            continue
        if not _has_carer(typed):
            yield make_finding(
                "guardian-carer-missing", table.place(row, CARER), why=_why(s, ctx.as_of)
            )


def carer_adult(ctx: Context) -> Iterator[Finding]:
    """The carer is 18 or over: from the 委托照护人's ID, else the 监护人年龄 (第二十二条)."""
    table = ctx.book.students
    for row, typed, _ in in_care(ctx):
        found = _carer_age(typed, ctx.as_of)
        if found is not None and found[1] < ADULT:
            header, age, who = found
            yield make_finding(
                "guardian-carer-minor",
                table.place(row, header),
                typed.get(header),
                who=who,
                age=age,
                as_of=ctx.as_of.isoformat(),
            )


def _carer_age(typed: dict[str, Any], as_of: dt.date) -> tuple[str, int, str] | None:
    """(column, age, who) of the child's carer, when an age can be told."""
    number = typed.get("委托照护人身份证号")
    if typed.get(CARER):
        born = birth_date(number) if number and ID_FORM.match(number) else None
        name = typed[CARER]
        return (
            None if born is None else ("委托照护人身份证号", _age(born, as_of), f"委托照护人{name}")
        )
    age = typed.get("监护人年龄")
    return None if age is None else ("监护人年龄", int(age), "监护人")


def _age(born: dt.date, as_of: dt.date) -> int:
    """Whole years on `as_of`."""
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


def notice_given(ctx: Context) -> Iterator[Finding]:
    """The parents told the school in writing whom they entrusted (第二十三条), by a due date:
    `委托书面告知期限天数` after the later of 建档日期 and the month care had to be entrusted."""
    table = ctx.book.students
    if NOTICE not in table.positions:
        return
    days = settings_of(ctx.config).notice_days
    for row, typed, raw in in_care(ctx):
        s = situation_of(typed, raw)
        if typed.get(NOTICE) is not None or raw.get(NOTICE) not in (None, ""):
            continue
        if typed.get("监护人关系") == NO_GUARDIAN or not no_parent_home(s, ctx.as_of):
            continue
        due = _due(typed.get("建档日期"), s, ctx.as_of) + dt.timedelta(days=days)
        late = f"，已超过 {(ctx.as_of - due).days} 天" if ctx.as_of > due else ""
        yield make_finding(
            "guardian-notice-missing",
            table.place(row, NOTICE),
            why=_why(s, ctx.as_of),
            due=due.isoformat(),
            late=late,
        )


def _due(filed: dt.date | None, s: Situation, as_of: dt.date) -> dt.date:
    """The day the clock starts: the later of 建档日期 and the first day of the month the
    last parent left (a start month unknown does not count); as-of when neither is known."""
    known = [
        month_index(p)
        for p in (s.father, s.mother)
        if p not in (None, UNKNOWN) and away_on(p, as_of)
    ]
    since = dt.date(max(known) // 12, max(known) % 12 + 1, 1) if known else None
    return max((d for d in (filed, since) if d is not None), default=as_of)
