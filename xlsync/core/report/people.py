"""The report's lists of children: 学困生 progress, 关注名单 and 表彰候选 (篇四)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from xlsync.core.report.figures import LATE, NEVER, Candidate, StrugglingChild, WatchEntry
from xlsync.core.tables import rows

if TYPE_CHECKING:
    from xlsync.core.report.build import Ledger, Pupil

STRUGGLING = "差"  # 学业情况 of a 学困生 (DESIGN §2)
OLD_GUARDIAN = 70  # 监护人年龄 from which a child is on the 关注名单 (年满70岁)
POOR_HEALTH = ("较差", "患病或残疾")
RUN = 3  # periods running not done on time on one rule
NO_RECORD = "本期没有任何帮扶记录"


def _key(pupil: Pupil) -> tuple[str, int]:
    return (pupil.child.file, pupil.child.row)


def _plans(pupil: Pupil) -> list[dict]:
    """The 学业帮扶计划 rows naming this child (by name within the class)."""
    plans = pupil.item.book.plans.data
    return [r for _, r in rows(plans) if r.get("学生姓名") == pupil.child.name]


def _tutoring(ledger: Ledger, pupil: Pupil) -> int:
    return sum(
        1
        for r in ledger.records
        if r.action == "学业辅导" and r.file == pupil.child.file and pupil.child.row in r.children
    )


def struggling(ledger: Ledger) -> tuple[StrugglingChild, ...]:
    """Every child on file whose 学业情况 is 差 or who has a 学业帮扶计划 row."""
    found = []
    for pupil in ledger.pupils:
        plans = _plans(pupil)
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
    by_pair: dict[tuple[tuple[str, int], str], list] = {}
    for cp in ledger.periods:
        by_pair.setdefault(((cp.child.file, cp.child.row), cp.rule.label), []).append(cp)
    found: dict[tuple[str, int], list[str]] = {}
    for (key, rule), periods in by_pair.items():
        if _longest(sorted(periods, key=lambda cp: cp.period.start)) >= RUN:
            found.setdefault(key, []).append(rule)
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


def _incidents(pupil: Pupil, lo: dt.date, hi: dt.date) -> int:
    data = pupil.item.book.incidents.data
    return sum(
        1
        for _, r in rows(data)
        if r.get("学生姓名") == pupil.child.name and r.get("发现日期") and lo <= r["发现日期"] <= hi
    )


def candidates(ledger: Ledger, watch: Sequence[WatchEntry]) -> tuple[Candidate, ...]:
    """表彰候选: every 在读 留守儿童 of the period, with what a decision needs."""
    from xlsync.core.report.build import studying_on

    lo, hi = ledger.period.start, ledger.period.cutoff
    watched = {(w.class_name, w.child) for w in watch}
    found = []
    for pupil in ledger.pupils:
        if "留守儿童" not in pupil.child.categories or not studying_on(pupil.child, hi):
            continue
        plans = _plans(pupil)
        found.append(
            Candidate(
                class_name=pupil.item.class_name,
                child=pupil.child.name,
                teacher=pupil.child.teacher,
                grade_now=pupil.data.get("学业情况") or "",
                struggling_plan=bool(plans),
                effect="；".join(str(r["阶段性效果"]) for r in plans if r.get("阶段性效果")),
                records=sum(
                    1
                    for r in ledger.records
                    if r.file == pupil.child.file and pupil.child.row in r.children
                ),
                absence_days=_absence_days(pupil, lo, hi),
                incidents=_incidents(pupil, lo, hi),
                on_watch=(pupil.item.class_name, pupil.child.name) in watched,
            )
        )
    return tuple(found)
