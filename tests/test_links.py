"""One root cause, one message (issue 18.1): a 帮扶记录 row links to its child although the
child's 身份证号 or 姓名 is written differently in one sheet, and the difference is reported
once — at the 学生档案 cell when no record agrees with it, else at each record that differs."""

from __future__ import annotations

import datetime as dt

from conftest import record, student

from xlsync.core.config import default_config
from xlsync.core.idcard import make_id
from xlsync.core.tables import column_letter
from xlsync.core.validate import ClassInput, validate_classes
from xlsync.files.reader import read_class_workbook
from xlsync.schema import RECORDS, STUDENTS

LINK_CODES = {
    "roster-id-mismatch",
    "roster-id-missing",
    "record-id-mismatch",
    "roster-name-mismatch",
    "record-name-mismatch",
}
BORN = dt.date(2015, 3, 1)
RIGHT = make_id("430102", BORN, 7, "男")
MISTYPED = RIGHT[:17] + ("0" if RIGHT[17] != "0" else "1")  # the check digit is wrong
OTHER = make_id("430102", BORN, 9, "男")  # a valid ID of nobody in the class


def findings_of(path):
    as_of = dt.date(2026, 11, 30)
    items = [ClassInput(read_class_workbook(path), path.stem)]
    return validate_classes(items, default_config(as_of), as_of).findings


def cell(sheet, header: str, row: int) -> str:
    return f"{column_letter(sheet.headers.index(header) + 1)}{row}"


def flat(found):
    return [(f.sheet, f.cell, f.code) for f in found]


def test_a_mistyped_roster_id_is_one_message_not_one_per_record(class_book):
    """The review's case: 汤宇子's ID mistyped in 学生档案, seven records with the right one."""
    records = [record(学生姓名="汤宇子", 身份证号=RIGHT) for _ in range(7)]
    path = class_book(students=[student(姓名="汤宇子", 身份证号=MISTYPED)], records=records)
    found = findings_of(path)
    assert flat(found) == [("学生档案", cell(STUDENTS, "身份证号", 2), "roster-id-mismatch")]
    message = found[0].message
    assert "第 2、3、4、5、6 行等 7 行" in message and "校验码不对" in message
    assert "多半是这里输错了" in message and "（第 18 位不同）" in message
    assert f"「{RIGHT}」" in message  # as typed; masked by destination like every value (15.3)
    assert read_class_workbook(path).record_links.tolist() == [(2,)] * 7


def test_two_valid_ids_that_differ_are_reported_at_the_roster_when_no_record_agrees(class_book):
    path = class_book(students=[student()], records=[record(身份证号=OTHER)])
    found = findings_of(path)
    assert flat(found) == [("学生档案", cell(STUDENTS, "身份证号", 2), "roster-id-mismatch")]
    assert "请照户口本核对" in found[0].message and "第 2 行" in found[0].message


def test_one_record_against_the_roster_and_the_other_records_is_reported_at_that_record(
    class_book,
):
    records = [record(身份证号=RIGHT), record(身份证号=OTHER), record(身份证号=RIGHT)]
    path = class_book(students=[student()], records=records)
    found = findings_of(path)
    assert flat(found) == [("帮扶记录", cell(RECORDS, "身份证号", 3), "record-id-mismatch")]
    assert "学生档案中「王小明」的身份证号" in found[0].message


def test_a_mistyped_record_id_is_its_own_check_digit_finding_and_still_links(class_book):
    path = class_book(students=[student()], records=[record(身份证号=MISTYPED)])
    assert flat(findings_of(path)) == [("帮扶记录", cell(RECORDS, "身份证号", 2), "id-checksum")]
    assert read_class_workbook(path).record_links.tolist() == [(2,)]


def test_an_id_only_the_records_carry_is_a_warning_to_file_it(class_book):
    records = [record(), record(身份证号=RIGHT)]  # a record without an ID does not "agree"
    path = class_book(students=[student(身份证号="")], records=records)
    found = findings_of(path)
    assert flat(found) == [("学生档案", cell(STUDENTS, "身份证号", 2), "roster-id-missing")]
    assert found[0].severity == "警告" and "帮扶记录第 3 行" in found[0].message


def test_a_mistyped_roster_name_links_every_record_by_the_id_and_is_one_message(class_book):
    records = [record(学生姓名="汤宇子", 身份证号=RIGHT), record(学生姓名="汤宇子")]
    path = class_book(students=[student(姓名="汤雨子")], records=records)
    found = findings_of(path)
    assert flat(found) == [("学生档案", cell(STUDENTS, "姓名", 2), "roster-name-mismatch")]
    assert "「汤宇子」" in found[0].message and "第 2、3 行" in found[0].message
    assert read_class_workbook(path).record_links.tolist() == [(2,), (2,)]


def test_a_mistyped_record_name_with_the_id_is_reported_at_that_record(class_book):
    records = [record(), record(学生姓名="王晓明", 身份证号=RIGHT)]
    path = class_book(students=[student()], records=records)
    assert flat(findings_of(path)) == [
        ("帮扶记录", cell(RECORDS, "学生姓名", 3), "record-name-mismatch")
    ]


def test_namesakes_without_a_matching_id_stay_unknown(class_book):
    twin = student(
        身份证号=make_id("430102", dt.date(2016, 5, 5), 3, "男"), 出生日期=dt.date(2016, 5, 5)
    )
    path = class_book(students=[student(), twin], records=[record(身份证号=OTHER)])
    assert flat(findings_of(path)) == [("帮扶记录", "B2", "record-child-unknown")]
