"""The master's 控辍保学月报 and the 巩固率 of 概览 and 班级统计 (issue 19.5), from the children
the engine sees (在校状态 and their 缺勤与劝返 rows); see core/dropout.py for the definitions.

One block per month of the school year up to the as-of month, one row per grade and a 合计
row: 在籍 and 辍学 at the month's end (or as-of), 劝返中 then, 本月返校 during the month.
Only counts leave this module: nothing in the sheet names or identifies a child.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from xlsync.core.dropout import (
    MONTHLY_COLUMNS,
    PERSUADING,
    TOTAL,
    HasAbsences,
    grade_key,
    grade_of,
    lost_on,
    month_ends,
    on_roll,
    retention,
    returned_in,
    state_on,
)
from xlsync.core.duties import rate


def retention_rate(children: Sequence[HasAbsences], day: dt.date) -> float | None:
    """巩固率 on `day`: (在籍 − 流失) ÷ 在籍; None without a child on the roll."""
    enrolled, lost = retention(children, day)
    return rate(enrolled - lost, enrolled)


def _counts(month: str, grade: str, kids: Sequence[HasAbsences], lo: dt.date, hi: dt.date) -> dict:
    rolled = [c for c in kids if on_roll(c, hi)]
    lost = sum(1 for c in rolled if lost_on(c, hi))
    return {
        "月份": month,
        "年级": grade,
        "在籍": len(rolled),
        "辍学": lost,
        "劝返中": sum(1 for c in rolled if state_on(c.absences, hi) == PERSUADING),
        "本月返校": sum(1 for c in rolled if returned_in(c, lo, hi)),
        "巩固率": rate(len(rolled) - lost, len(rolled)),
    }


def _total(month: str, block: Sequence[dict[str, Any]]) -> dict[str, Any]:
    sums = {h: sum(r[h] for r in block) for h in ("在籍", "辍学", "劝返中", "本月返校")}
    return {
        "月份": month,
        "年级": TOTAL,
        **sums,
        "巩固率": rate(sums["在籍"] - sums["辍学"], sums["在籍"]),
    }


def monthly_report(children: Sequence[HasAbsences], first: dt.date, as_of: dt.date) -> pd.DataFrame:
    """控辍保学月报: the months from `first` (the school year's start) to the as-of month."""
    grades: dict[str, list[HasAbsences]] = {}
    for child in children:
        grades.setdefault(grade_of(child.class_name), []).append(child)
    order = sorted(grades, key=grade_key)
    found: list[dict[str, Any]] = []
    for month, lo, hi in month_ends(first, as_of):
        block = [_counts(month, g, grades[g], lo, hi) for g in order]
        found += [*block, _total(month, block)]
    return pd.DataFrame(found, columns=list(MONTHLY_COLUMNS))
