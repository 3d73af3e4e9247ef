"""Rules on the 安全事件 sheet (issue 19.4, 强制报告): the event names a child of 学生档案, its
report is dated on or after the day it was found and says to whom it went. Dates in the future
are `values.dates_not_future`'s, missing 发现日期 / 学生姓名 / 发现情况 `required_values`'."""

from __future__ import annotations

from collections.abc import Iterator

from xlsync.core.checks.context import Context, blank, filled
from xlsync.core.findings import Finding, make_finding
from xlsync.core.identity import name_count


def incident_children_exist(ctx: Context) -> Iterator[Finding]:
    """Each event names a child of 学生档案 (the event counts all the same: it stays red)."""
    incidents, students = ctx.book.incidents, ctx.book.students.data
    for row, name in filled(incidents, "学生姓名"):
        if name_count(students, name) == 0:
            yield make_finding("incident-child-unknown", incidents.place(row, "学生姓名"), name)


def incident_reports_after_finding(ctx: Context) -> Iterator[Finding]:
    """A report cannot come before the event was found."""
    incidents = ctx.book.incidents
    found_on = dict(incidents.data["发现日期"].items())
    for row, reported in filled(incidents, "报告时间"):
        found = found_on.get(row)
        if found is not None and reported < found:
            place = incidents.place(row, "报告时间")
            yield make_finding(
                "incident-report-before-found", place, reported.isoformat(), found=found
            )


def incident_reports_complete(ctx: Context) -> Iterator[Finding]:
    """A 报告时间 says to whom (报告对象); 报告对象 without a 报告时间 is still unreported."""
    incidents = ctx.book.incidents
    if not incidents.positions:
        return
    untargeted = set(blank(incidents, "报告对象"))
    undated = set(blank(incidents, "报告时间"))
    for row, _ in filled(incidents, "报告时间"):
        if row in untargeted:
            yield make_finding("incident-target-missing", incidents.place(row, "报告对象"))
    for row, targets in filled(incidents, "报告对象"):
        if row in undated:
            place = incidents.place(row, "报告时间")
            yield make_finding("incident-report-date-missing", place, "、".join(targets))


def incident_teachers_known(ctx: Context) -> Iterator[Finding]:
    """记录教师 is in the master's 教师 sheet (checked only when a master lists teachers)."""
    teachers, incidents = set(ctx.config.teacher_names), ctx.book.incidents
    for row, name in filled(incidents, "记录教师") if teachers else ():
        if name not in teachers:
            yield make_finding("teacher-unknown", incidents.place(row, "记录教师"), name)
