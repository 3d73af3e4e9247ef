"""Rules across sheets: records and plans name a child; teachers belong to the school;
every 学困生 has a study plan."""

from __future__ import annotations

from collections.abc import Iterator

from xlsync.core.checks.context import Context, filled
from xlsync.core.findings import Finding, make_finding
from xlsync.core.identity import matches, name_count, names_index, record_names


def record_children_exist(ctx: Context) -> Iterator[Finding]:
    """Each name of a 帮扶记录 row (one, or several for a group record) means exactly one
    child of 学生档案; a finding names the name that does not."""
    records, students = ctx.book.records, ctx.book.students.data
    by_name, ids = names_index(students), dict(students["身份证号"].items())
    for row, text in filled(records, "学生姓名"):
        given_id = records.data.at[row, "身份证号"]
        for name in record_names(text, by_name, given_id):
            count = len(matches(by_name, ids, name, given_id))
            if count == 1:
                continue
            place = records.place(row, "学生姓名")
            if count > 1:
                yield make_finding("record-child-ambiguous", place, name, count=count)
            else:
                detail = f"（身份证号 {given_id}）" if given_id else ""
                yield make_finding("record-child-unknown", place, name, detail=detail)


def plan_children_exist(ctx: Context) -> Iterator[Finding]:
    """Each 学业帮扶计划 row names a child of 学生档案."""
    plans, students = ctx.book.plans, ctx.book.students.data
    for row, name in filled(plans, "学生姓名"):
        if name_count(students, name) == 0:
            yield make_finding("plan-child-unknown", plans.place(row, "学生姓名"), name)


def study_plans_present(ctx: Context) -> Iterator[Finding]:
    """A child whose 学业情况 is 差 has at least one 学业帮扶计划 row."""
    students = ctx.book.students
    planned = set(ctx.book.plans.data["学生姓名"].dropna())
    for row, grade in filled(students, "学业情况"):
        name = students.data.at[row, "姓名"]
        if grade == "差" and name not in planned:
            yield make_finding(
                "study-plan-missing",
                students.place(row, "学业情况"),
                grade,
                name=name or f"第 {row} 行的学生",
            )


def teachers_known(ctx: Context) -> Iterator[Finding]:
    """帮扶教师 is in the master's 教师 sheet (checked only when a master lists teachers)."""
    teachers = set(ctx.config.teacher_names)
    if not teachers:
        return
    for table in (ctx.book.students, ctx.book.records):
        for row, name in filled(table, "帮扶教师"):
            if name not in teachers:
                yield make_finding("teacher-unknown", table.place(row, "帮扶教师"), name)
