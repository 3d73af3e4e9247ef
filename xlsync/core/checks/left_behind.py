"""Rules around the two 留守 definitions (issue 19.2): the 16th birthday that ends the 民政
definition, and 留守类型 (the earlier template's field) read as who is away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from xlsync.core.checks.context import Context, filled
from xlsync.core.checks.guardianship import in_care
from xlsync.core.findings import Finding, Place, make_finding
from xlsync.core.left_behind import (
    LEGACY_AWAY,
    MONTH_COLUMNS,
    civil,
    months_given,
    settings_of,
    situation_of,
    sixteenth_birthday,
)
from xlsync.core.school_year import school_year_of
from xlsync.core.tables import Table

WHO = {(True, True): "父母都", (True, False): "父亲", (False, True): "母亲"}


def turns_16(ctx: Context) -> Iterator[Finding]:
    """A child who turns 16 this school year leaves the 民政 definition on that day: a 警告
    from her birthday to the end of the school year, if she counted the day before."""
    table = ctx.book.students
    year_start = dt.date(int(school_year_of(ctx.as_of)[:4]), 8, 1)
    for row, typed, raw in in_care(ctx):
        s = situation_of(typed, raw)
        if s.born is None:
            continue
        birthday = sixteenth_birthday(s.born)
        day_before = birthday - dt.timedelta(days=1)
        if year_start <= birthday <= ctx.as_of and civil(s, day_before):
            place = table.place(row, "出生日期")
            yield make_finding("left-behind-turns-16", place, s.born, birthday=birthday)


def legacy_type_read(ctx: Context) -> Iterator[Finding]:
    """留守类型 stands for the start months: one 提示 per workbook without the month columns,
    else one per child whose months are blank, and one where the two disagree."""
    table = ctx.book.students
    months = settings_of(ctx.config).months
    typed_rows = list(filled(table, "留守类型"))
    if not any(c in table.positions for c in MONTH_COLUMNS):
        if typed_rows:  # about the file, so no cell: the teacher's header is not marked
            place = Place(table.file, table.source_sheet, None, "留守类型", "")
            yield make_finding(
                "left-behind-type-legacy", place, count=len(typed_rows), months=months
            )
        return
    data, raws = ctx.student_rows
    for row, kind in typed_rows:
        yield from _type_against_months(table, row, kind, (data[row], raws[row]), months)


def _type_against_months(
    table: Table, row: int, kind: str, row_values: tuple[dict, dict], months: int
) -> Iterator[Finding]:
    typed, raw = row_values
    if not months_given(typed, raw):
        away = LEGACY_AWAY[kind]
        columns = "和".join(f"「{c}」" for c, a in zip(MONTH_COLUMNS, away, strict=True) if a)
        place = table.place(row, MONTH_COLUMNS[0] if away[0] else MONTH_COLUMNS[1])
        yield make_finding(
            "left-behind-type-mapped", place, kind, who=WHO[away], months=months, columns=columns
        )
        return
    s = situation_of(typed, raw)
    given = (s.father is not None, s.mother is not None)
    if given != LEGACY_AWAY[kind] and given in WHO:
        yield make_finding(
            "left-behind-type-differs", table.place(row, "留守类型"), kind, who=WHO[given]
        )
