"""Rules of the 缺勤与劝返 sheet (issue 19.5, 控辍保学): each row names one child, its dates
follow one another, a settled 结果 is dated, and 学生档案's 在校状态 agrees with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from xlsync.core.checks.context import Context, filled
from xlsync.core.dropout import NOT_RETURNED, PERSUADING
from xlsync.core.findings import Finding, make_finding
from xlsync.core.identity import name_count
from xlsync.core.tables import rows

LATER_DATES = ("劝返日期", "书面报告日期")


def absence_children_exist(ctx: Context) -> Iterator[Finding]:
    """Each 缺勤与劝返 row names exactly one child of 学生档案."""
    absences, students = ctx.book.absences, ctx.book.students.data
    for row, name in filled(absences, "学生姓名"):
        count = name_count(students, name)
        if count == 0:
            yield make_finding("absence-child-unknown", absences.place(row, "学生姓名"), name)
        elif count > 1:
            place = absences.place(row, "学生姓名")
            yield make_finding("absence-child-ambiguous", place, name, count=count)


def absence_dates_in_order(ctx: Context) -> Iterator[Finding]:
    """劝返日期 and 书面报告日期 are not before 缺勤开始日期; 缺勤天数 fit before as-of."""
    absences = ctx.book.absences
    for row, a in rows(absences.data):
        start = a["缺勤开始日期"]
        if start is None:
            continue
        for header in LATER_DATES:
            if a[header] is not None and a[header] < start:
                place = absences.place(row, header)
                yield make_finding(
                    "absence-date-order", place, a[header].isoformat(), start=start.isoformat()
                )
        last = start + dt.timedelta(days=(a["缺勤天数"] or 1) - 1)
        if start <= ctx.as_of < last:  # a start after as-of is date-future's finding
            since = (ctx.as_of - start).days + 1
            place = absences.place(row, "缺勤天数")
            yield make_finding("absence-days-beyond", place, a["缺勤天数"], since=since)


def absence_outcomes_dated(ctx: Context) -> Iterator[Finding]:
    """A 返校 or 未返校 result has its 劝返日期: the monthly report and the written report's
    deadline date from it."""
    absences = ctx.book.absences
    for row, a in rows(absences.data):
        if a["结果"] not in (None, PERSUADING) and a["劝返日期"] is None and a["缺勤开始日期"]:
            place = absences.place(row, "劝返日期")
            yield make_finding("absence-outcome-undated", place, "", outcome=a["结果"])


def dropout_status_agrees(ctx: Context) -> Iterator[Finding]:
    """学生档案's 在校状态 agrees with 缺勤与劝返: a 在读 child whose latest absence ended 未返校,
    or a 辍学 child without any 劝返 record (when the workbook has the sheet), is a 警告."""
    absences, students = ctx.book.absences, ctx.book.students
    if not absences.positions:
        return  # a workbook made before the sheet existed: nothing to compare
    latest: dict[str, tuple[dt.date, str, int]] = {}
    for row, a in rows(absences.data):
        start, name = a["缺勤开始日期"], a["学生姓名"]
        if start and name and (name not in latest or start >= latest[name][0]):
            latest[name] = (start, a["结果"] or PERSUADING, row)
    for row, s in rows(students.data):
        found = latest.get(s["姓名"])
        place = students.place(row, "在校状态")
        if s["在校状态"] == "在读" and found and found[1] == NOT_RETURNED:
            yield make_finding("absence-status-mismatch", place, "在读", row=found[2])
        elif s["在校状态"] == "辍学" and s["姓名"] and not found:
            yield make_finding("dropout-unrecorded", place, "辍学")
