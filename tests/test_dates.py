"""Dates as teachers type them (issue 18.4): a date with a time of day, and a day without its
year, which takes the year from the school year and says so as a 警告."""

from __future__ import annotations

import datetime as dt
import json

from conftest import record, student, write_class_book
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from xlsync.core.normalize import normalize_cell
from xlsync.files.reader import read_class_workbook
from xlsync.files.school import create_school
from xlsync.schema import RECORDS


def _book(tmp_path, raw, **read):
    wb = Workbook()
    ws = wb.active
    ws.title = "学生档案"
    ws.append(["姓名", "性别", "建档日期"])
    ws.append(["甲乙", "男", raw])
    wb.save(tmp_path / "b.xlsx")
    return read_class_workbook(tmp_path / "b.xlsx", **read)


def _found(book):
    return [(f.cell, f.code, f.severity) for f in book.findings]


def test_a_date_with_a_time_of_day_is_that_day(tmp_path):
    for raw in ("2026-9-3 14:30", "2026/9/3 14:30:05", "2026年9月3日 8:00", "2026-09-03  14:30"):
        book = _book(tmp_path, raw)
        assert book.students.data.loc[2, "建档日期"] == dt.date(2026, 9, 3), raw
        assert book.findings == [], raw


def test_a_day_without_its_year_takes_the_school_years_calendar_year(tmp_path):
    autumn = _book(tmp_path, "9月3日", school_year=2026)
    assert autumn.students.data.loc[2, "建档日期"] == dt.date(2026, 9, 3)
    assert _found(autumn) == [("C2", "date-year-inferred", "警告")]
    assert "已按 2026-2027 学年算作 2026 年（2026-09-03）" in autumn.findings[0].message
    spring = _book(tmp_path, "３月５日", school_year=2026)  # full-width, as IMEs type it
    assert spring.students.data.loc[2, "建档日期"] == dt.date(2027, 3, 5)
    assert "算作 2027 年" in spring.findings[0].message


def test_a_day_that_does_not_exist_is_still_unreadable(tmp_path):
    assert _found(_book(tmp_path, "2月30日", school_year=2026)) == [("C2", "date-invalid", "错误")]


@settings(max_examples=80, deadline=None)
@given(st.dates(dt.date(2026, 9, 1), dt.date(2027, 8, 31)), st.integers(0, 23), st.integers(0, 59))
def test_every_day_of_the_school_year_reads_back_in_both_new_forms(day, h, m):
    column = next(c for c in RECORDS.columns if c.header == "日期")
    timed = normalize_cell(column, f"{day.year}-{day.month}-{day.day} {h}:{m:02d}", 2026)
    assert (timed.value, timed.year_inferred) == (day, None)
    yearless = normalize_cell(column, f"{day.month}月{day.day}日", 2026)
    assert (yearless.value, yearless.year_inferred) == (day, day.year)


def test_validate_takes_the_year_from_the_masters_school_year(tmp_path, run):
    """Last school year's master (2025-2026): 9月15日 is 2025-09-15, not this autumn's."""
    folder = tmp_path / "学校"
    create_school(folder, "测试小学", "2025-2026")
    path = write_class_book(
        folder / "班级台账" / "三年级2班.xlsx",
        [student(建档日期=dt.date(2025, 9, 1))],
        [record(日期="9月15日")],
    )
    master = folder / "全校汇总.xlsx"
    result = run("validate", path, "--master", master, "--as-of", "2026-06-30", "--format", "json")
    issues = json.loads(result.stdout)["issues"]
    assert [(i["sheet"], i["cell"], i["code"]) for i in issues] == [
        ("帮扶记录", "A2", "date-year-inferred")
    ]
    assert "2025-09-15" in issues[0]["message"]
    assert result.exit_code == 0
