"""How each child-period of a rule ended within a report period: on time, made up, never, or
still running (issue 21's coverage, and the 考核 items built on it).

The periods and whether each was done on time are the engine's own (`obligations.judged`,
evaluated as of the report's cutoff), kept when they overlap the report period. A period not
done on time is 补做 (made up) when a later record of the same type, dated after its end and
not needed by its own period, fills it — records are used once, the oldest gap first.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from xlsync.core.calendar import Calendar, Rule
from xlsync.core.obligations import Child, binds, judged
from xlsync.core.periods import Period
from xlsync.core.report.figures import LATE, NEVER, ON_TIME, OPEN, ReportPeriod


@dataclass(frozen=True)
class ChildPeriod:
    """One period of one rule for one child, and how it ended by the cutoff."""

    child: Child
    rule: Rule
    period: Period
    outcome: str  # ON_TIME / LATE / NEVER / OPEN


def _needs(
    periods: Sequence[Period], dates: Sequence[dt.date], rule: Rule, cutoff: dt.date
) -> dict:
    """Records each period still lacks after counting those dated inside it."""
    return {p: max(0, rule.minimum - _inside(dates, p.start, min(p.end, cutoff))) for p in periods}


def _inside(dates: Sequence[dt.date], lo: dt.date, hi: dt.date) -> int:
    return bisect.bisect_right(dates, hi) - bisect.bisect_left(dates, lo)


def _spare(dates: Sequence[dt.date], periods: Sequence[Period], rule: Rule) -> list[dt.date]:
    """The records no period needed for itself (beyond its 最少次数, or between periods)."""
    spare, used = [], dict.fromkeys(periods, 0)
    for day in dates:
        holder = next((p for p in periods if p.contains(day) and used[p] < rule.minimum), None)
        if holder is None:
            spare.append(day)
        else:
            used[holder] += 1
    return spare


def _made_up(missed: dict[Period, int], spare: Sequence[dt.date]) -> set[Period]:
    """The missed periods that spare records dated after their end fill, oldest gap first."""
    filled: set[Period] = set()
    for day in spare:
        gap = next(
            (p for p in sorted(missed, key=lambda p: p.start) if p.end < day and missed[p]), None
        )
        if gap is not None:
            missed[gap] -= 1
            if not missed[gap]:
                filled.add(gap)
    return filled


def rule_periods(
    child: Child, rule: Rule, cal: Calendar, report: ReportPeriod
) -> list[ChildPeriod]:
    """Every child-period of one rule for one child that overlaps the report period."""
    cutoff = report.cutoff
    if cutoff < report.start:
        return []
    kept = [
        (p, done)
        for p, done in judged(child, rule, cal, cutoff)
        if p.overlaps(report.start, cutoff)
    ]
    periods = [p for p, _ in kept]
    dates = [d for d in child.records.get(rule.action, []) if d <= cutoff]
    needs = _needs(periods, dates, rule, cutoff)
    missed = {p: needs[p] for p, done in kept if not done and p.end < cutoff}
    filled = _made_up(missed, [d for d in _spare(dates, periods, rule) if d >= report.start])
    return [ChildPeriod(child, rule, p, _outcome(p, done, p in filled, report)) for p, done in kept]


def _outcome(period: Period, done: bool, filled: bool, report: ReportPeriod) -> str:
    """A period still running at the cutoff is 未到期 unless done; on a finished report's
    last day a period ending then has ended."""
    if done:
        return ON_TIME
    if filled:
        return LATE
    running = period.end > report.cutoff or (period.end == report.cutoff and not report.finished)
    return OPEN if running else NEVER


def child_periods(
    children: Sequence[Child], rules: Sequence[Rule], cal: Calendar, report: ReportPeriod
) -> Iterator[ChildPeriod]:
    """Every child-period of every rule binding every child, in child then rule order."""
    for child in children:
        for rule in rules:
            if binds(rule, child):
                yield from rule_periods(child, rule, cal, report)
