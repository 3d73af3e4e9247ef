"""Rules on one cell's value: names, text length, ID numbers, 学籍号, phones, dates."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from xlsync.core.checks.context import Context, filled
from xlsync.core.checks.links import roster_ids_reported
from xlsync.core.findings import Finding, make_finding
from xlsync.core.idcard import ID_FORM, birth_date, check_digit, sex
from xlsync.core.tables import Table, items
from xlsync.schema import Kind

NAME_LENGTH = (2, 20)
TEXT_LIMIT = 500
STUDENT_NO = re.compile(r"^[GLJ][0-9A-Z]{18}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def _columns(ctx: Context, kind: Kind) -> Iterator[tuple[Table, str]]:
    for table in ctx.book.tables:
        for col in table.spec.columns:
            if col.kind == kind:
                yield table, col.header


def names_fit(ctx: Context) -> Iterator[Finding]:
    """A child's name has 2–20 characters."""
    low, high = NAME_LENGTH
    table = ctx.book.students
    for row, name in filled(table, "姓名"):
        if not low <= len(name) <= high:
            yield make_finding("name-length", table.place(row, "姓名"), name)


def texts_fit(ctx: Context) -> Iterator[Finding]:
    """Free text longer than a page is almost always a paste gone wrong."""
    for table, header in _columns(ctx, Kind.TEXT):
        for row, text in filled(table, header):
            if len(text) > TEXT_LIMIT:
                yield make_finding(
                    "text-too-long",
                    table.place(row, header),
                    text,
                    length=len(text),
                    limit=TEXT_LIMIT,
                )


def id_cards_valid(ctx: Context) -> Iterator[Finding]:
    """18 characters, GB 11643 check digit; on 学生档案, agreeing with 出生日期 and 性别.
    A roster ID that the records contradict is reported by `links_agree`, in one message."""
    told = roster_ids_reported(ctx)
    for table, header in _columns(ctx, Kind.ID_CARD):
        for row, number in filled(table, header):
            if not (table is ctx.book.students and row in told):
                yield from _id_findings(table, row, header, number)


def _id_findings(table: Table, row: int, header: str, number: str) -> Iterator[Finding]:
    place = table.place(row, header)
    wrong = _number_problem(number)
    if wrong is not None:
        code, details = wrong
        yield make_finding(code, place, number, **dict(details))
        return
    if table.spec.name != "学生档案" or header != "身份证号":  # not a carer's ID (issue 19.1)
        return
    birth, sex_text = table.data.at[row, "出生日期"], table.data.at[row, "性别"]
    if birth is not None and birth_date(number) != birth:
        yield make_finding(
            "id-birth-mismatch", place, number, id_birth=birth_date(number), birth=birth
        )
    if sex_text is not None and sex(number) != sex_text:
        yield make_finding("id-sex-mismatch", place, number, id_sex=sex(number), sex=sex_text)


@functools.lru_cache(maxsize=4096)
def _number_problem(number: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The form or check-digit finding an ID number needs, with its details: worked out once
    per number, since every record of a child repeats the child's."""
    if not ID_FORM.match(number) or birth_date(number) is None:
        return "id-format", ()
    if number[17] != check_digit(number[:17]):
        return "id-checksum", (("expected", check_digit(number[:17])),)
    return None


def student_numbers_valid(ctx: Context) -> Iterator[Finding]:
    """G, L or J followed by 18 characters."""
    for table, header in _columns(ctx, Kind.STUDENT_NO):
        for row, number in filled(table, header):
            if not STUDENT_NO.match(number):
                yield make_finding("student-no-format", table.place(row, header), number)


def phones_valid(ctx: Context) -> Iterator[Finding]:
    """A mobile 1[3-9] + 9 digits, or a landline 0 + area code (-) + 7–8 digits."""
    for table, header in _columns(ctx, Kind.PHONE):
        for row, phone in filled(table, header):
            if not (MOBILE.match(phone) or LANDLINE.match(phone)):
                yield make_finding("phone-invalid", table.place(row, header), phone)


def dates_not_future(ctx: Context) -> Iterator[Finding]:
    """No date a teacher records can lie after the as-of date."""
    for table, header in _columns(ctx, Kind.DATE):
        for row, day in filled(table, header):
            if day > ctx.as_of:
                yield make_finding(
                    "date-future",
                    table.place(row, header),
                    day.isoformat(),
                    as_of=ctx.as_of.isoformat(),
                )


def records_after_filing(ctx: Context) -> Iterator[Finding]:
    """A support record is not dated before its child's 建档日期."""
    records = ctx.book.records
    filed_on = dict(items(ctx.book.students.data["建档日期"]))
    links = dict(items(ctx.record_links))  # not Series.get per row: pandas per cell is slow
    for row, day in filled(records, "日期"):
        filed_dates = [f for c in links.get(row) or () if (f := filed_on.get(c))]
        filed = max(filed_dates, default=None)  # a group record: the latest-filed child
        if filed is not None and day < filed:
            yield make_finding(
                "date-before-filing",
                records.place(row, "日期"),
                day.isoformat(),
                filed=filed.isoformat(),
            )
