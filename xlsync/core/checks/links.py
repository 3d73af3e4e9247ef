"""Rules across sheets: records and plans name a child; teachers belong to the school;
every 学困生 has a study plan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from xlsync.core.checks.context import Context, filled
from xlsync.core.findings import Finding, display_value, make_finding
from xlsync.core.idcard import problem
from xlsync.core.identity import Mismatch, name_count
from xlsync.core.tables import items


def record_children_exist(ctx: Context) -> Iterator[Finding]:
    """Each name of a 帮扶记录 row (one, or several for a group record) means exactly one
    child of 学生档案; a finding names the name that does not."""
    records, linker = ctx.book.records, ctx.book.linker
    ids = dict(items(records.data["身份证号"]))
    for row, text in filled(records, "学生姓名"):
        given_id = ids[row]
        for name, found in linker.named(text, given_id):
            count = len(found)
            if count == 1:
                continue
            place = records.place(row, "学生姓名")
            if count > 1:
                yield make_finding("record-child-ambiguous", place, name, count=count)
            else:
                detail = f"（身份证号 {given_id}）" if given_id else ""
                yield make_finding("record-child-unknown", place, name, detail=detail)


def links_agree(ctx: Context) -> Iterator[Finding]:
    """A record linked to a child whose 身份证号 or 姓名 it writes differently is reported once:
    at the 学生档案 cell when no record agrees with it (the roster is what differs), else at
    each record that differs. A record ID that is itself invalid is left to its own finding."""
    for (child, field), group in _mismatch_groups(ctx).items():
        if _agreeing(ctx, child, field):
            yield from (_on_record(ctx, m) for m in group)
        else:
            yield from _on_roster(ctx, child, field, group)


def roster_ids_reported(ctx: Context) -> set[int]:
    """学生档案 rows whose invalid 身份证号 `links_agree` reports together with the records'."""
    students = ctx.book.students.data
    return {
        child
        for (child, field), _ in _mismatch_groups(ctx).items()
        if field == "身份证号"
        and _present(number := students.at[child, "身份证号"])
        and problem(number)
        and not _agreeing(ctx, child, field)
    }


def _mismatch_groups(ctx: Context) -> dict[tuple[int, str], list[Mismatch]]:
    groups: dict[tuple[int, str], list[Mismatch]] = {}
    for m in ctx.book.link_mismatches:
        own_id_bad = m.field == "身份证号" and problem(m.value) is not None
        roster_blank = ctx.book.students.data.at[m.child, m.field] is None
        if not own_id_bad and not (roster_blank and m.field == "姓名"):
            groups.setdefault((m.child, m.field), []).append(m)
    return groups


def _agreeing(ctx: Context, child: int, field: str) -> bool:
    """True when some record linked to `child` writes its `field` as 学生档案 does."""
    header = "学生姓名" if field == "姓名" else field
    roster = ctx.book.students.data.at[child, field]
    written = ctx.book.records.data[header]
    return roster is not None and any(
        child in (links or ()) and written.get(row) == roster
        for row, links in ctx.record_links.items()
    )


def _on_record(ctx: Context, m: Mismatch) -> Finding:
    students, records = ctx.book.students.data, ctx.book.records
    header = "学生姓名" if m.field == "姓名" else m.field
    code = "record-name-mismatch" if m.field == "姓名" else "record-id-mismatch"
    name, number = students.at[m.child, "姓名"], students.at[m.child, "身份证号"]
    place = records.place(m.record, header)
    return make_finding(code, place, m.value, name=name, id=display_value(number))


def _on_roster(ctx: Context, child: int, field: str, group: list[Mismatch]) -> Iterator[Finding]:
    students = ctx.book.students
    value = students.data.at[child, field]
    written = Counter(m.value for m in group).most_common(1)[0][0]  # the records' form
    where = _rows_text([m.record for m in group])
    place = students.place(child, field)
    if field == "姓名":
        yield make_finding("roster-name-mismatch", place, value, rows=where, written=written)
    elif value is None:
        shown = display_value(written)
        yield make_finding("roster-id-missing", place, "", rows=where, written=shown)
    else:
        wrong = problem(value)
        advice = (
            f"这里的号码{wrong}，多半是这里输错了：请照户口本改正这里。"
            if wrong
            else "请照户口本核对，改正写错的一处。"
        )
        yield make_finding(
            "roster-id-mismatch",
            place,
            value,
            rows=where,
            written=display_value(written),
            differ=differing_digits(value, written),
            advice=advice,
        )


def differing_digits(ours: str, theirs: str) -> str:
    """Where two ID numbers differ, so the message can say it without quoting them: 第 18 位不同."""
    if len(ours) != len(theirs):
        return f"位数不同：{len(theirs)} 位对 {len(ours)} 位"
    places = [str(i) for i, (a, b) in enumerate(zip(ours, theirs, strict=True), 1) if a != b]
    return f"第 {'、'.join(places[:4])}{' 等' if len(places) > 4 else ''} 位不同"


def _rows_text(rows: list[int], shown: int = 5) -> str:
    """第 3、5、8 行, or 第 3、5、8、9、12 行等 7 行 for many."""
    head = "、".join(str(r) for r in rows[:shown])
    return f"第 {head} 行" + (f"等 {len(rows)} 行" if len(rows) > shown else "")


def _present(value: object) -> bool:
    return isinstance(value, str) and bool(value)


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
