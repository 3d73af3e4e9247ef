"""Class workbooks kept in Google Sheets get the same product as Excel ones: created from the
schema, read with one batchGet, validated, evaluated and consolidated the same way, and
written back (status columns, colours, notes) without touching what the teacher typed."""

from __future__ import annotations

import datetime as dt
import json

import requests
from conftest import SID, record, student, write_class_book
from openpyxl import load_workbook
from test_sync import _service_account

from xlsync.core.status_view import OWNED_HEADER
from xlsync.google.class_sheets import ERROR_RGB, MARKS_TAB, NOTE_MARK
from xlsync.jobs.classes import new_class
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.inputs import Google
from xlsync.jobs.overdue import overdue
from xlsync.jobs.validate import validate
from xlsync.schema import RECORDS, STUDENTS

AS_OF = dt.date(2026, 11, 30)
SOURCE = "gsheet:" + SID


def google() -> Google:
    return Google(session=requests.Session())


def typed(value):
    """A cell as a teacher types it into Google Sheets (dates shown as yyyy-mm-dd)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def fill(fake, title, spec, rows) -> None:
    tab = fake.tab(SID, title)
    for r, row in enumerate(rows, start=1):
        for c, header in enumerate(spec.headers):
            if row.get(header) not in (None, ""):
                tab.cells[(r, c)] = typed(row[header])


STUDENTS_ROWS = [student(), student(姓名="李", 身份证号="", 监护人电话="12345")]
RECORD_ROWS = [record()]


def test_new_class_in_google_sheets_is_built_from_the_schema(fake, school):
    made = new_class(school, "四年级1班", "李老师", SID, google())
    assert str(made.workbook) == SOURCE and made.teacher_added
    tab = fake.tab(SID, "学生档案")
    assert fake.values(SID, "学生档案") == [list(STUDENTS.headers)]
    assert tab.frozen == 1
    sex = tab.validations[(1, STUDENTS.headers.index("性别"))]
    assert sex["strict"] and [v["userEnteredValue"] for v in sex["condition"]["values"]] == [
        "男",
        "女",
    ]
    teachers = tab.validations[(1, STUDENTS.headers.index("帮扶教师"))]
    assert not teachers["strict"] and {"张老师", "李老师"} <= {
        v["userEnteredValue"] for v in teachers["condition"]["values"]
    }
    assert tab.formats[(5, STUDENTS.headers.index("身份证号"))]["numberFormat"] == {"type": "TEXT"}
    assert (
        tab.formats[(5, STUDENTS.headers.index("出生日期"))]["numberFormat"]["pattern"]
        == "yyyy-mm-dd"
    )
    classes = [
        [c.value for c in row]
        for row in load_workbook(school / "全校汇总.xlsx")["班级"].iter_rows()
    ]
    assert ["四年级1班", "李老师", SOURCE] in classes


def test_google_class_tabs_carry_checks_for_a_school_year_and_a_roster_drop_down(fake, school):
    new_class(school, "四年级1班", "李老师", SID, google())
    records = fake.tab(SID, "帮扶记录")
    last = RECORDS.rows  # 0-based index of the last data row
    assert records.rows == RECORDS.rows + 1
    for header in ("日期", "帮扶类型"):
        assert (last, RECORDS.headers.index(header)) in records.validations, header
    names = records.validations[(last, RECORDS.headers.index("学生姓名"))]
    assert names["condition"] == {
        "type": "ONE_OF_RANGE",
        "values": [{"userEnteredValue": f"='学生档案'!A2:A{STUDENTS.rows + 1}"}],
    }
    assert not names["strict"]  # a group record (「叶欣雨、何天涵」) is only flagged


def test_existing_tabs_are_never_overwritten(fake, school, run):
    new_class(school, "四年级1班", "李老师", SID, google())
    try:
        new_class(school, "四年级2班", "李老师", SID, google())
    except Exception as error:
        assert "不会覆盖" in str(error)
    else:
        raise AssertionError("expected a refusal")


def test_google_class_gives_the_same_findings_as_the_same_rows_in_excel(fake, school, tmp_path):
    new_class(school, "四年级1班", "张老师", SID, google())
    fill(fake, "学生档案", STUDENTS, STUDENTS_ROWS)
    fill(fake, "帮扶记录", RECORDS, RECORD_ROWS)
    excel = write_class_book(
        tmp_path / "四年级1班.xlsx", students=STUDENTS_ROWS, records=RECORD_ROWS
    )
    master = school / "全校汇总.xlsx"
    from_google = validate([SOURCE], master, AS_OF, google=google()).report.findings
    from_excel = validate([excel], master, AS_OF).report.findings
    assert [(f.sheet, f.cell, f.code, f.message) for f in from_google] == [
        (f.sheet, f.cell, f.code, f.message) for f in from_excel
    ]
    assert {f.code for f in from_google} == {"name-length", "phone-invalid"}
    reads = [entry for entry in fake.log if "values:batchGet" in entry[1]]
    assert len(reads) == 1


def test_annotate_marks_cells_and_a_rerun_removes_only_its_own_marks(fake, school):
    new_class(school, "四年级1班", "张老师", SID, google())
    fill(fake, "学生档案", STUDENTS, STUDENTS_ROWS)
    tab = fake.tab(SID, "学生档案")
    tab.notes[(2, 0)] = "老师自己的批注"
    teacher_values = dict(tab.cells)
    master = school / "全校汇总.xlsx"
    validate([SOURCE], master, AS_OF, annotate=True, google=google())
    name, phone = (2, 0), (2, STUDENTS.headers.index("监护人电话"))
    assert tab.cells == teacher_values
    assert tab.notes[name] == "老师自己的批注"  # kept; the finding is in 校验结果
    assert tab.notes[phone].startswith(NOTE_MARK) and "不是有效号码" in tab.notes[phone]
    assert tab.formats[phone]["backgroundColor"] == dict(
        zip(("red", "green", "blue"), ERROR_RGB, strict=False)
    )
    assert fake.tab(SID, MARKS_TAB).hidden
    checks = fake.values(SID, "校验结果")
    assert [row[2] for row in checks[1:]] == ["A3", "P3"]
    tab.cells[phone] = "13812345678"  # the teacher fixes the phone
    tab.formats[(1, 0)] = {
        "backgroundColor": {"red": 0.0, "green": 0.7, "blue": 1.0}
    }  # and colours a cell
    validate([SOURCE], master, AS_OF, annotate=True, google=google())
    assert "backgroundColor" not in tab.formats.get(phone, {}) and phone not in tab.notes
    assert tab.formats[(1, 0)]["backgroundColor"]["green"] == 0.7
    assert tab.formats[name]["backgroundColor"] == dict(
        zip(("red", "green", "blue"), ERROR_RGB, strict=False)
    )
    assert tab.notes[name] == "老师自己的批注"
    assert [row[2] for row in fake.values(SID, "校验结果")[1:]] == ["A3"]
    assert tab.formats[(5, STUDENTS.headers.index("身份证号"))]["numberFormat"] == {"type": "TEXT"}


def _filled_class(fake, school):
    """A Google class with two children and a record; (its 学生档案 tab, the teacher's cells,
    the master)."""
    new_class(school, "四年级1班", "张老师", SID, google())
    fill(fake, "学生档案", STUDENTS, STUDENTS_ROWS)
    fill(fake, "帮扶记录", RECORDS, RECORD_ROWS)
    tab = fake.tab(SID, "学生档案")
    return tab, dict(tab.cells), school / "全校汇总.xlsx"


def test_overdue_write_adds_status_columns_like_the_excel_writer(fake, school):
    tab, teacher_values, master = _filled_class(fake, school)
    for day in (AS_OF, AS_OF + dt.timedelta(days=3)):  # twice: the second run replaces the first
        result = overdue([SOURCE], master, day, write=True, google=google())
    assert result.written == [SOURCE]
    grid = fake.values(SID, "学生档案")
    owned = [i for i, h in enumerate(grid[0]) if isinstance(h, str) and OWNED_HEADER.match(h)]
    assert owned == list(
        range(len(STUDENTS.headers), len(STUDENTS.headers) + 15)
    )  # 2 留守 + 10 rules + 3
    row = dict(zip(grid[0], grid[1], strict=False))
    assert (row["民政留守"], row["学籍留守代码"]) == ("是", "2 双亲留守")  # issue 19.2
    assert (
        row["谈心·本月"] == "待完成(12-31)"
        and row["家访·本学期"] == "待完成(01-22)"
        and row["漏做次数"] > 0
        and row["漏做明细"].startswith("谈心2个月、")
    )
    assert {k: v for k, v in tab.cells.items() if k[1] < len(STUDENTS.headers)} == teacher_values
    rules = [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in tab.rules]
    # replaced, not added again; the last is the count rule 漏做次数 > 0
    assert sorted(rules) == sorted(["已完成", "即将到期", "0"])
    todo = fake.values(SID, "逾期提醒")
    assert todo[0][:3] == ["状态", "学生", "帮扶事项"] and todo[1][0].startswith("一、本期待办")


def test_consolidation_includes_classes_kept_in_google_sheets(fake, school):
    new_class(school, "四年级1班", "张老师", SID, google())
    fill(fake, "学生档案", STUDENTS, [student(姓名="谷歌同学", 身份证号="")])
    master = school / "全校汇总.xlsx"
    result = consolidate(master, as_of=AS_OF, google=google())
    assert result.figures["classes"] == 2 and SOURCE in result.parsed
    rows = [[c.value for c in r] for r in load_workbook(master)["全校档案"].iter_rows()]
    header = rows[0]
    mine = [dict(zip(header, r, strict=False)) for r in rows[1:] if r[1] == "谷歌同学"]
    assert mine and mine[0]["班级"] == "四年级1班" and mine[0]["来源文件"] == SOURCE
    assert consolidate(master, as_of=AS_OF, google=google()).unchanged


def test_consolidate_writes_status_and_marks_back_into_the_teachers_sheet(fake, school):
    """汇总 refreshes a Google class as overdue --write and validate --annotate would (16.1)."""
    tab, teacher_values, master = _filled_class(fake, school)
    result = consolidate(master, as_of=AS_OF, google=google())
    assert result.write_back and SOURCE in result.write_back.refreshed
    grid = fake.values(SID, "学生档案")
    assert "谈心·本月" in grid[0] and "本期待办" in fake.values(SID, "逾期提醒")[1][0]
    assert any("电话" in str(row) for row in fake.values(SID, "校验结果"))
    assert {k: v for k, v in tab.cells.items() if k[1] < len(STUDENTS.headers)} == teacher_values
    again = consolidate(master, as_of=AS_OF, google=google())
    assert again.unchanged, "the sheet xlsync itself just wrote counts as unchanged"


def test_cli_reads_a_google_class_with_a_service_account(fake, school, run, server, tmp_path):
    new_class(school, "四年级1班", "张老师", SID, google())
    fill(fake, "学生档案", STUDENTS, STUDENTS_ROWS)
    key = _service_account(tmp_path / "key.json", server[1] + "/token")
    result = run(
        "validate",
        SOURCE,
        "--master",
        school / "全校汇总.xlsx",
        "--credentials",
        key,
        "--as-of",
        "2026-11-30",
        "--format",
        "json",
    )
    assert result.exit_code == 1, result.stderr
    assert {i["code"] for i in json.loads(result.stdout)["issues"]} == {
        "name-length",
        "phone-invalid",
    }
    result = run(
        "validate", "gsheet:missing", "--master", school / "全校汇总.xlsx", "--credentials", key
    )
    assert result.exit_code == 2 and "找不到 Google 表格" in result.stdout
