"""The report's lists of children: 学困生 progress, 关注名单 and 表彰候选 (篇四)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from xlsync.core.report.coverage import ChildPeriod
from xlsync.core.report.figures import LATE, NEVER, Candidate, StrugglingChild, WatchEntry

if TYPE_CHECKING:
    from xlsync.core.report.build import Ledger, Pupil

STRUGGLING = "差"  # 学业情况 of a 学困生 (DESIGN §2)
OLD_GUARDIAN = 70  # 监护人年龄 from which a child is on the 关注名单 (年满70岁)
POOR_HEALTH = ("较差", "患病或残疾")
RUN = 3  # periods running not done on time on one rule
NO_RECORD = "本期没有任何帮扶记录"


def _key(pupil: Pupil) -> tuple[str, int]:
    return (pupil.child.file, pupil.child.row)


def _plans(ledger: Ledger, pupil: Pupil) -> list[dict]:
    """The 学业帮扶计划 rows naming this child (by name within the class)."""
    return ledger.by_name.get(("plans", pupil.child.file, pupil.child.name), [])


def _tutoring(ledger: Ledger, pupil: Pupil) -> int:
    return sum(1 for r in ledger.records_of.get(_key(pupil), []) if r.action == "学业辅导")


def struggling(ledger: Ledger) -> tuple[StrugglingChild, ...]:
    """Every child on file whose 学业情况 is 差 or who has a 学业帮扶计划 row."""
    found = []
    for pupil in ledger.pupils:
        plans = _plans(ledger, pupil)
        grade = pupil.data.get("学业情况") or ""
        if grade != STRUGGLING and not plans:
            continue
        effects = [str(r["阶段性效果"]).strip() for r in plans if r.get("阶段性效果")]
        found.append(
            StrugglingChild(
                class_name=pupil.item.class_name,
                child=pupil.child.name,
                teacher=pupil.child.teacher,
                grade_now=grade,
                has_plan=bool(plans),
                subjects="、".join(dict.fromkeys(str(r["科目"]) for r in plans if r.get("科目"))),
                effect_filled=bool(effects),
                effect="；".join(effects),
                tutoring=_tutoring(ledger, pupil),
            )
        )
    return tuple(found)


def _runs(ledger: Ledger) -> dict[tuple[str, int], list[str]]:
    """Rules on which a child went RUN periods running without doing it on time."""
    found: dict[tuple[str, int], list[str]] = {}
    for key, periods in ledger.periods_of.items():
        by_rule: dict[int, list[ChildPeriod]] = {}
        for cp in periods:  # a child's periods come rule by rule, each in date order
            by_rule.setdefault(id(cp.rule), []).append(cp)
        for mine in by_rule.values():
            if _longest(mine) >= RUN:
                found.setdefault(key, []).append(mine[0].rule.label)
    return found


def _longest(periods: Sequence) -> int:
    best = run = 0
    for cp in periods:
        run = run + 1 if cp.outcome in (LATE, NEVER) else 0
        best = max(best, run)
    return best


def _reasons(ledger: Ledger, pupil: Pupil, runs: dict) -> Iterator[str]:
    if _key(pupil) not in ledger.touched and ledger.period.cutoff >= ledger.period.start:
        yield NO_RECORD
    for rule in runs.get(_key(pupil), []):
        yield f"连续{RUN}期未按时完成：{rule}"
    age = pupil.data.get("监护人年龄")
    if isinstance(age, int) and age >= OLD_GUARDIAN:
        yield f"监护人年满{OLD_GUARDIAN}岁（{age}岁）"
    if pupil.data.get("监护人健康状况") in POOR_HEALTH:
        yield f"监护人健康状况：{pupil.data['监护人健康状况']}"


def watch_list(ledger: Ledger) -> tuple[WatchEntry, ...]:
    """关注名单: 在读 children with at least one reason, most reasons first."""
    from xlsync.core.report.build import studying_on

    runs = _runs(ledger)
    found = []
    for pupil in ledger.pupils:
        if not studying_on(pupil.child, ledger.period.cutoff):
            continue
        reasons = tuple(_reasons(ledger, pupil, runs))
        if reasons:
            found.append(_entry(pupil, reasons))
    return tuple(sorted(found, key=lambda w: -len(w.reasons)))


def _entry(pupil: Pupil, reasons: tuple[str, ...]) -> WatchEntry:
    d = pupil.data
    guardian = f"{d.get('监护人姓名') or ''}（{d.get('监护人关系') or '关系未填'}）"
    age = d.get("监护人年龄")
    return WatchEntry(
        pupil.item.class_name,
        pupil.child.name,
        pupil.child.teacher,
        reasons,
        guardian,
        age if isinstance(age, int) else None,
        d.get("监护人健康状况") or "",
    )


def _absence_days(pupil: Pupil, lo: dt.date, hi: dt.date) -> int:
    return sum(a.days for a in pupil.child.absences if lo <= a.start <= hi)


def _incidents(ledger: Ledger, pupil: Pupil) -> int:
    """安全事件 rows naming the child found in the period."""
    lo, hi = ledger.period.start, ledger.period.cutoff
    found = ledger.by_name.get(("incidents", pupil.child.file, pupil.child.name), [])
    return sum(1 for r in found if r.get("发现日期") and lo <= r["发现日期"] <= hi)


def candidates(ledger: Ledger, watch: Sequence[WatchEntry]) -> tuple[Candidate, ...]:
    """表彰候选: every 在读 留守儿童 of the period, with what a decision needs."""
    from xlsync.core.report.build import studying_on

    lo, hi = ledger.period.start, ledger.period.cutoff
    watched = {(w.class_name, w.child) for w in watch}
    found = []
    for pupil in ledger.pupils:
        if "留守儿童" not in pupil.child.categories or not studying_on(pupil.child, hi):
            continue
        plans = _plans(ledger, pupil)
        found.append(
            Candidate(
                class_name=pupil.item.class_name,
                child=pupil.child.name,
                teacher=pupil.child.teacher,
                grade_now=pupil.data.get("学业情况") or "",
                struggling_plan=bool(plans),
                effect="；".join(str(r["阶段性效果"]) for r in plans if r.get("阶段性效果")),
                records=len(ledger.records_of.get(_key(pupil), [])),
                absence_days=_absence_days(pupil, lo, hi),
                incidents=_incidents(ledger, pupil),
                on_watch=(pupil.item.class_name, pupil.child.name) in watched,
            )
        )
    return tuple(found)
