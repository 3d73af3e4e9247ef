"""Issue 19.6: rules of the seed the schema missed. A teacher pairs with at most N children
(篇四: 每一名教职工结对帮扶 4——6 名; N is 学校信息's 每名教师最多结对人数), and a 学困生 with a
study plan has a 学习帮手 (篇一: 每个帮扶学生由老师牵头确立一名学习帮手)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from xlsync.core.checks.context import Context, filled
from xlsync.core.config import SchoolConfig, pairing_limit
from xlsync.core.findings import Finding, make_finding
from xlsync.core.normalize import is_blank
from xlsync.core.tables import Table

STUDYING = "在读"


def paired_rows(table: Table) -> dict[str, list[int]]:
    """帮扶教师 → the Excel rows of the 在读 children paired with them, in sheet order."""
    status = table.data["在校状态"]
    found: dict[str, list[int]] = {}
    for row, teacher in filled(table, "帮扶教师"):
        if status.get(row) == STUDYING:
            found.setdefault(teacher, []).append(row)
    return found


def teachers_not_overloaded(ctx: Context) -> Iterator[Finding]:
    """One 警告 per teacher with more than N 在读 children in this class, at the first too many."""
    table, limit = ctx.book.students, pairing_limit(ctx.config)
    for teacher, rows in paired_rows(table).items():
        if len(rows) > limit:
            place = table.place(rows[limit], "帮扶教师")
            yield make_finding("teacher-overloaded", place, teacher, count=len(rows), limit=limit)


def overloaded_across(
    classes: Sequence[tuple[str, Table]], config: SchoolConfig
) -> Iterator[Finding]:
    """A teacher over N only when the classes read are added up (each class within N: a class
    over it is told by `teachers_not_overloaded`), at the first child too many, in file order."""
    limit = pairing_limit(config)
    places: dict[str, list[tuple[str, Table, int]]] = {}
    for class_name, table in classes:
        for teacher, rows in paired_rows(table).items():
            places.setdefault(teacher, []).extend((class_name, table, row) for row in rows)
    for teacher, found in places.items():
        counts = {name: sum(1 for c, _, _ in found if c == name) for name, _, _ in found}
        if len(found) > limit and max(counts.values()) <= limit:
            _, table, row = found[limit]
            classes_text = "、".join(f"{name} {n} 名" for name, n in counts.items())
            yield make_finding(
                "teacher-overloaded-school",
                table.place(row, "帮扶教师"),
                teacher,
                count=len(found),
                limit=limit,
                classes=classes_text,
            )


def _helped(ctx: Context) -> set[str]:
    """Names whose 学业帮扶计划 rows name a 学习帮手."""
    plans = ctx.book.plans.data
    return {
        name for name, helper in zip(plans["学生姓名"], plans["学习帮手"], strict=True) if helper
    }


def study_helpers_named(ctx: Context) -> Iterator[Finding]:
    """A 学困生 with a study plan has a 学习帮手 in 学生档案 or in the plan (a 警告: the column
    is as old as the template, and a new rule must not give an old workbook a new 错误)."""
    students = ctx.book.students
    planned, helped = set(ctx.book.plans.data["学生姓名"].dropna()), _helped(ctx)
    helpers = students.raw.get("学习帮手")
    for row, grade in filled(students, "学业情况"):
        name = students.data.at[row, "姓名"]
        has_helper = helpers is not None and not is_blank(helpers.get(row))
        if grade == "差" and name in planned and not has_helper and name not in helped:
            yield make_finding("study-helper-missing", students.place(row, "学习帮手"), name=name)
