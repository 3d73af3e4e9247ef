"""篇三's 留守儿童基本信息摸底更新 as an obligation (issue 19.6): each term, a child's information
is checked with the family within two weeks of the term's start, and 最近核实日期 says when.

The check of the latest term begun by as-of is an item like a rule's (it goes to 逾期清单 and
逾期提醒): 已完成 when 最近核实日期 (or the 建档日期, as filing a child collects the same
information) is on or after that term's start; else due on the 14th day of the term, and
已逾期 after it. Earlier terms are not judged: 最近核实日期 holds one date, so a check made
this term cannot show the one of the term before. A class workbook made before the column
existed (template version 1) gets no item: nothing there could ever be marked done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from sys import intern

from xlsync.core.calendar import Calendar, Term
from xlsync.core.obligations import DONE, OPEN, OVERDUE, SOON, Child, Item

VERIFY_RULE = "信息核实·每学期"
VERIFY_DAYS = 14  # 开学两周内
VERIFY_REMIND = 7  # 即将到期 in the second week


def latest_term(cal: Calendar, as_of: dt.date) -> Term | None:
    """The last term that began on or before as-of (the current one, or the one just ended)."""
    begun = [t for t in cal.terms if t.start <= as_of]
    return max(begun, key=lambda t: t.start, default=None)


def verified_in(child: Child, term: Term, as_of: dt.date) -> bool:
    """Whether the child's information was checked (or first filed) since the term began."""
    days = (d for d in (child.verified, child.filed) if d is not None)
    return any(term.start <= day <= as_of for day in days)


def _status(done: bool, due: dt.date, as_of: dt.date) -> str:
    if done:
        return DONE
    if as_of > due:
        return OVERDUE
    return SOON if (due - as_of).days <= VERIFY_REMIND else OPEN


def verification_item(child: Child, term: Term, as_of: dt.date) -> Item:
    """The check of `term` for one child."""
    due = min(term.start + dt.timedelta(days=VERIFY_DAYS - 1), term.end)
    status = _status(verified_in(child, term, as_of), due, as_of)
    late = (as_of - due).days if status == OVERDUE else 0
    return Item(
        child.class_name,
        child.name,
        child.key,
        child.teacher,
        VERIFY_RULE,
        intern(f"{term.name}开学两周内"),  # one text per term, not per child
        term.start,
        due,
        status,
        due,
        late,
        child.file,
        child.row,
    )


def verification_items(children: Sequence[Child], cal: Calendar, as_of: dt.date) -> list[Item]:
    """One item per 在读 child whose workbook has 最近核实日期 and who was filed by as-of."""
    term = latest_term(cal, as_of)
    if term is None:
        return []
    return [
        verification_item(child, term, as_of)
        for child in children
        if child.studying and child.tracks_verification and (child.filed or as_of) <= as_of
    ]
