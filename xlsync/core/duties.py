"""School-level duties from the seed (DESIGN §4): every 班主任 and 党员 pairs with a child
(篇一 每一名教师至少有一名帮扶学生); 建档率 and 巩固率 are reported, target 100%.

Who must pair is judged over the classes that were read: when they are every class of the
master's 班级 sheet, over the whole 教师 sheet; otherwise (one class file, or a class that could
not be read) only over the teachers whose 班级 is one of them, since a pairing in a class that
was not read cannot be seen (issue 18.2).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from xlsync.core.config import SchoolConfig
from xlsync.core.dropout import LATEST, retention
from xlsync.core.obligations import Child
from xlsync.schema import CLASSES, TEACHERS


@dataclass
class SchoolDuties:
    teachers_without_child: list[dict[str, str]] = field(default_factory=list)
    complete_rate: float | None = None
    retention_rate: float | None = None
    teacher_coverage: float | None = None  # 班主任 and 党员 with a paired child ÷ all of them
    studying: int = 0
    dropped_out: int = 0
    classes: list[str] | None = None  # the classes judged; None: the whole school

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def rate(part: int, whole: int) -> float | None:
    """part ÷ whole cut (never rounded) to 0.1 %: 997 of 1000 is 99.7 %, 9996 of 10000 is
    99.9 %, not a 100 % that hides the one child missing; None when there is no whole."""
    return part * 1000 // whole / 1000 if whole else None


def bound_teachers(config: SchoolConfig) -> list[dict[str, str]]:
    """Teachers of the 教师 sheet who must pair with a child: 班主任 and 党员 (篇一)."""
    rows = config.table(TEACHERS).data.to_dict("records")
    return [
        {
            "teacher": r["姓名"],
            "class": r["班级"] or "",
            "role": r["职务"] or "",
            "party_member": r["党员"] or "否",
        }
        for r in rows
        if r["姓名"] and (r["职务"] == "班主任" or r["党员"] == "是")
    ]


def judged_classes(config: SchoolConfig, read: Collection[str]) -> list[str] | None:
    """None when the classes read are the whole school (every class of 班级), else them."""
    listed = {name for name in config.table(CLASSES).data["班级"] if name}
    return None if listed and listed <= set(read) else sorted(set(read))


def school_duties(
    config: SchoolConfig,
    children: Sequence[Child],
    complete_rate: float | None,
    classes_read: Collection[str],
) -> SchoolDuties:
    """Unpaired teachers, 建档率 (computed by validation) and 巩固率 = (在籍 − 流失) ÷ 在籍, from
    在校状态 and 缺勤与劝返 (core/dropout.py; without absences: 在读 ÷ (在读 + 辍学))."""
    studying = sum(1 for c in children if c.studying)
    enrolled, dropped_out = retention(children, LATEST)
    paired = {c.teacher for c in children if c.studying}
    scope = judged_classes(config, classes_read)
    bound = [t for t in bound_teachers(config) if scope is None or t["class"] in scope]
    unpaired = [t for t in bound if t["teacher"] not in paired]
    return SchoolDuties(
        unpaired,
        complete_rate,
        rate(enrolled - dropped_out, enrolled),
        rate(len(bound) - len(unpaired), len(bound)),
        studying,
        dropped_out,
        scope,
    )
