"""The report's counting sections: 总体情况, rule coverage, 教师考核 and 班级对比."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from xlsync.core.dropout import retention
from xlsync.core.duties import rate
from xlsync.core.left_behind import away_on, situation_of
from xlsync.core.report import assessment
from xlsync.core.report.coverage import ChildPeriod
from xlsync.core.report.figures import (
    LATE,
    NEVER,
    ON_TIME,
    OPEN,
    ClassComparison,
    Count,
    Coverage,
    Overview,
    Share,
    TeacherAssessment,
    Weight,
)
from xlsync.schema import EVENT_PERIODS

if TYPE_CHECKING:
    from xlsync.core.report.build import Ledger, Pupil

GRANDPARENTS = ("祖父母", "外祖父母")
PRIMARY_OR_LESS = ("文盲", "小学")


def _studying(ledger: Ledger, day: dt.date) -> list[Pupil]:
    from xlsync.core.report.build import studying_on

    return [p for p in ledger.pupils if studying_on(p.child, day)]


def _share(label: str, pupils: Sequence[Pupil], test: Callable[[Pupil], bool]) -> Share:
    part = sum(1 for p in pupils if test(p))
    return Share(label, part, len(pupils), rate(part, len(pupils)))


def _both_away(pupil: Pupil, day: dt.date) -> bool:
    s = situation_of(pupil.data)
    return away_on(s.father, day) and away_on(s.mother, day)


def shares(pupils: Sequence[Pupil], day: dt.date) -> tuple[Share, ...]:
    """篇六's shares of the 在读 children."""
    return (
        _share("父母均外出", pupils, lambda p: _both_away(p, day)),
        _share("祖辈监护", pupils, lambda p: p.data.get("监护人关系") in GRANDPARENTS),
        _share(
            "监护人小学及以下文化",
            pupils,
            lambda p: p.data.get("监护人文化程度") in PRIMARY_OR_LESS,
        ),
    )


def _counts(ledger: Ledger, pupils: Sequence[Pupil]) -> dict[str, int]:
    """Start, end, new files of `pupils` over the period."""
    p = ledger.period
    before = p.start - dt.timedelta(days=1)
    started = {id(x) for x in _studying(ledger, before)}
    ended = {id(x) for x in _studying(ledger, p.cutoff)}
    return {
        "start": sum(1 for x in pupils if id(x) in started),
        "end": sum(1 for x in pupils if id(x) in ended),
        "new": sum(1 for x in pupils if x.child.filed and p.start <= x.child.filed <= p.cutoff),
    }


def overview(ledger: Ledger, types: Sequence[str]) -> Overview:
    """总体情况."""
    kids = [p.child for p in ledger.pupils]
    cutoff = ledger.period.cutoff
    counts = _counts(ledger, ledger.pupils)
    enrolled, lost = retention(kids, cutoff)
    complete = sum(1 for c in kids if (c.file, c.row) not in ledger.broken)
    actions = [r.action for r in ledger.records]
    return Overview(
        classes=len(ledger.inputs.classes),
        children_start=counts["start"],
        children_end=counts["end"],
        new_files=counts["new"],
        transferred=sum(1 for c in kids if c.status == "转出"),
        dropped_out=lost,
        enrolled=enrolled,
        retention_rate=rate(enrolled - lost, enrolled),
        complete=complete,
        complete_rate=rate(complete, len(kids)),
        shares=shares(_studying(ledger, cutoff), cutoff),
        records=len(ledger.records),
        actions=sum(max(1, len(r.children)) for r in ledger.records),
        actions_by_type=tuple(Count(a, actions.count(a)) for a in types),
        overdue_at_end=sum(ledger.overdue.values()),
        children_overdue_at_end=len(ledger.overdue),
    )


def _outcomes(found: Sequence[ChildPeriod]) -> dict[str, int]:
    return {o: sum(1 for cp in found if cp.outcome == o) for o in (ON_TIME, LATE, NEVER, OPEN)}


def coverage(ledger: Ledger) -> tuple[Coverage, ...]:
    """Each rule of 帮扶规则 (in its order): child-periods on time, made up, never, running."""
    out = []
    for rule in {r.label: r for r in ledger.inputs.rules}.values():
        o = _outcomes([cp for cp in ledger.periods if cp.rule.label == rule.label])
        due = o[ON_TIME] + o[LATE] + o[NEVER]
        out.append(
            Coverage(
                rule.label,
                rule.action,
                rule.period,
                due,
                o[ON_TIME],
                o[LATE],
                o[NEVER],
                o[OPEN],
                rate(o[ON_TIME], due),
                rate(o[LATE], due),
                rate(o[NEVER], due),
            )
        )
    return tuple(out)


def done_due(found: Sequence[ChildPeriod], action: str) -> tuple[int, int]:
    """(done on time or made up, due) of the calendar rules of one action (四个一's items)."""
    o = _outcomes(
        [cp for cp in found if cp.rule.action == action and cp.rule.period not in EVENT_PERIODS]
    )
    return o[ON_TIME] + o[LATE], o[ON_TIME] + o[LATE] + o[NEVER]


def _teacher_names(ledger: Ledger) -> list[str]:
    listed = [t["姓名"] for t in ledger.inputs.teachers if t.get("姓名")]
    return list(dict.fromkeys(listed + [p.child.teacher for p in ledger.pupils]))


def teachers(ledger: Ledger) -> tuple[TeacherAssessment, ...]:
    """教师考核 of every teacher of 教师 and every 帮扶教师 met, sorted for the 通报."""
    info = {t["姓名"]: t for t in ledger.inputs.teachers if t.get("姓名")}
    weights = ledger.inputs.weights or assessment.default_weights()
    found = [_teacher(ledger, name, info.get(name), weights) for name in _teacher_names(ledger)]
    return assessment.ranked(found)


def _teacher(
    ledger: Ledger, name: str, row: dict[str, Any] | None, weights: Sequence[Weight]
) -> TeacherAssessment:
    """One teacher's 考核: the raw tally of her 在读 children, judged and weighted."""
    mine = [p for p in _studying(ledger, ledger.period.cutoff) if p.child.teacher == name]
    keys = {(p.child.file, p.child.row) for p in mine}
    periods = [cp for key in keys for cp in ledger.periods_of.get(key, [])]
    tally = assessment.Tally(
        paired=len(mine),
        bound=row is not None and (row.get("职务") == "班主任" or row.get("党员") == "是"),
        talks=done_due(periods, "谈心"),
        visits=done_due(periods, "家访"),
        warmth=done_due(periods, "送温暖"),
        overdue=sum(ledger.overdue.get(k, 0) for k in keys),
        records=ledger.written.get(name, 0),
        with_record=len(keys & ledger.touched),
    )
    scored = assessment.items(tally, weights)
    assessed = [s for s in scored if s.met is not None]
    return TeacherAssessment(
        teacher=name,
        class_name=(row or {}).get("班级") or "",
        role=(row or {}).get("职务") or "（不在教师表）",
        paired=tally.paired,
        talks_done=tally.talks[0],
        talks_due=tally.talks[1],
        visits_done=tally.visits[0],
        visits_due=tally.visits[1],
        warmth_done=tally.warmth[0],
        warmth_due=tally.warmth[1],
        overdue_at_end=tally.overdue,
        records=tally.records,
        items=scored,
        total=assessment.total(scored),
        met_all=bool(assessed) and all(s.met for s in assessed),
        rank=0,
    )


def _ratio(pair: tuple[int, int]) -> float | None:
    return rate(*pair)


def classes(ledger: Ledger) -> tuple[ClassComparison, ...]:
    """班级对比: the same figures per class, in the order the classes were read."""
    return tuple(_class(ledger, item.class_name) for item in ledger.inputs.classes)


def _class(ledger: Ledger, name: str) -> ClassComparison:
    pupils = [p for p in ledger.pupils if p.item.class_name == name]
    kids = [p.child for p in pupils]
    periods = [cp for p in pupils for cp in ledger.periods_of.get((p.child.file, p.child.row), [])]
    o = _outcomes(periods)
    counts = _counts(ledger, pupils)
    records = sum(1 for r in ledger.records if r.class_name == name)
    enrolled, lost = retention(kids, ledger.period.cutoff)
    complete = sum(1 for c in kids if (c.file, c.row) not in ledger.broken)
    return ClassComparison(
        class_name=name,
        head_teacher=ledger.inputs.heads.get(name, ""),
        children_start=counts["start"],
        children_end=counts["end"],
        new_files=counts["new"],
        records=records,
        records_per_child=round(records / counts["end"], 1) if counts["end"] else None,
        talks_rate=_ratio(done_due(periods, "谈心")),
        visits_rate=_ratio(done_due(periods, "家访")),
        warmth_rate=_ratio(done_due(periods, "送温暖")),
        on_time_rate=rate(o[ON_TIME], o[ON_TIME] + o[LATE] + o[NEVER]),
        overdue_at_end=sum(ledger.overdue.get((c.file, c.row), 0) for c in kids),
        complete_rate=rate(complete, len(kids)),
        retention_rate=rate(enrolled - lost, enrolled),
    )
