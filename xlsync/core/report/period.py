"""Which period a report covers: a named 学期, the whole 学年, or the term holding as-of."""

from __future__ import annotations

import datetime as dt

from xlsync.core.calendar import Calendar, Term
from xlsync.core.normalize import fold
from xlsync.core.report.figures import TERM, YEAR, ReportPeriod
from xlsync.errors import XlsyncError


def known_terms(cal: Calendar) -> str:
    """The 学期 sheet's term names, 、-joined (for the unknown-term message)."""
    return "、".join(t.name for t in cal.terms)


def _term_named(cal: Calendar, name: str) -> Term:
    wanted = fold(name).replace(" ", "")
    for term in cal.terms:
        if fold(term.name).replace(" ", "") == wanted:
            return term
    raise XlsyncError(
        f"全校汇总的「学期」表里没有「{name}」。已有的学期：{known_terms(cal)}。"
        "请照其中一个的写法填写 --term，或先在「学期」表中加上这个学期。"
    )


def _holding(cal: Calendar, as_of: dt.date) -> Term:
    """The term holding as-of; in a vacation the last term begun before it, else the first."""
    begun = [t for t in cal.terms if t.start <= as_of]
    return begun[-1] if begun else cal.terms[0]


def term_period(term: Term, as_of: dt.date) -> ReportPeriod:
    """One 学期, counted up to as-of while it runs."""
    return ReportPeriod(term.name, TERM, term.start, term.end, min(term.end, as_of), (term.name,))


def year_period(cal: Calendar, as_of: dt.date) -> ReportPeriod:
    """The 学年: every term of the 学期 sheet, counted up to as-of while it runs."""
    name = f"{cal.first_year}-{cal.first_year + 1}学年"
    end = cal.year_end
    names = tuple(t.name for t in cal.terms)
    return ReportPeriod(name, YEAR, cal.year_start, end, min(end, as_of), names)


def choose_period(cal: Calendar, term: str | None, year: bool, as_of: dt.date) -> ReportPeriod:
    """--term NAME, --year, or (neither) the term holding as-of."""
    if term and year:
        raise XlsyncError("--term 和 --year 只能选一个：要学期报告写 --term，要学年报告写 --year。")
    if year:
        return year_period(cal, as_of)
    return term_period(_term_named(cal, term) if term else _holding(cal, as_of), as_of)
