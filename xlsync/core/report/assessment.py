"""教师考核 (篇一 四个一): the items, their 达标 test against the rule table, and the weighted
total the school sets in the optional master sheet 考核标准 (default: equal weights)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from xlsync.core.report.figures import ItemScore, TeacherAssessment, Weight
from xlsync.schema import ASSESSMENT_ITEMS


def default_weights() -> tuple[Weight, ...]:
    """Every item weighing 1 (no 考核标准 sheet)."""
    return tuple(Weight(item, 1.0) for item in ASSESSMENT_ITEMS)


@dataclass(frozen=True)
class Tally:
    """One teacher's raw figures over the period, before they are judged."""

    paired: int
    bound: bool  # 班主任 or 党员: must pair with a child (DESIGN §4)
    talks: tuple[int, int]  # (done, due)
    visits: tuple[int, int]
    warmth: tuple[int, int]
    overdue: int
    records: int
    with_record: int  # paired children with a record in the period


def _done_of(item: str, pair: tuple[int, int], weight: float) -> ItemScore:
    done, due = pair
    if not due:
        return ItemScore(item, f"{done}/0", None, None, weight)
    return ItemScore(item, f"{done}/{due}", done >= due, done / due, weight)


def items(t: Tally, weights: Sequence[Weight]) -> tuple[ItemScore, ...]:
    """The six items in ASSESSMENT_ITEMS order, each with its weight."""
    w = {x.item: x.weight for x in weights}
    paired = (
        ItemScore("结对帮扶", f"{t.paired}名", t.paired >= 1, float(t.paired >= 1), w["结对帮扶"])
        if t.paired or t.bound
        else ItemScore("结对帮扶", "0名", None, None, w["结对帮扶"])
    )
    overdue = ItemScore(
        "无逾期", f"{t.overdue}项", t.overdue == 0, float(t.overdue == 0), w["无逾期"]
    )
    records = (
        ItemScore(
            "帮扶记录",
            f"{t.with_record}/{t.paired}名",
            t.with_record >= t.paired,
            t.with_record / t.paired,
            w["帮扶记录"],
        )
        if t.paired
        else ItemScore("帮扶记录", "0/0名", None, None, w["帮扶记录"])
    )
    return (
        paired,
        _done_of("谈心", t.talks, w["谈心"]),
        _done_of("家访", t.visits, w["家访"]),
        _done_of("送温暖", t.warmth, w["送温暖"]),
        overdue if t.paired else ItemScore("无逾期", "0项", None, None, w["无逾期"]),
        records,
    )


def total(scored: Sequence[ItemScore]) -> float | None:
    """Σ weight × score ÷ Σ weight over the assessed items, as 0 … 100 (one decimal)."""
    assessed = [s for s in scored if s.score is not None and s.weight > 0]
    weight = sum(s.weight for s in assessed)
    if not weight:
        return None
    return round(100 * sum(s.weight * (s.score or 0) for s in assessed) / weight, 1)


def ranked(found: Sequence[TeacherAssessment]) -> tuple[TeacherAssessment, ...]:
    """Sorted for the 通报: highest total first (unassessed last), fewer overdue, then name;
    equal totals share a rank."""
    order = sorted(
        found,
        key=lambda t: (t.total is None, -(t.total or 0), t.overdue_at_end, t.teacher),
    )
    out: list[TeacherAssessment] = []
    rank = 0
    for number, t in enumerate(order, start=1):
        if not out or t.total != out[-1].total:
            rank = number
        out.append(_with_rank(t, rank))
    return tuple(out)


def _with_rank(t: TeacherAssessment, rank: int) -> TeacherAssessment:
    return replace(t, rank=rank)
