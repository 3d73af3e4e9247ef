"""Issue 19.1: the guardianship block of 学生档案 and its rules (未成年人保护法 第十一、二十二、
二十三条), one positive and one negative case per rule."""

from __future__ import annotations

import datetime as dt

from conftest import student
from test_left_behind import _config, _old_workbook, at
from test_validate_rules import AS_OF, findings_of

from xlsync.core.findings import NOTICE, WARNING, Finding
from xlsync.core.idcard import make_id
from xlsync.core.masking import mask_cell
from xlsync.files.reader import read_class_workbook
from xlsync.files.validations import validation_for
from xlsync.schema import NO_GUARDIAN, STUDENTS

GUARDIANSHIP_CODES = {
    "guardian-none",
    "guardian-carer-missing",
    "guardian-carer-minor",
    "guardian-notice-missing",
    "month-invalid",  # tests/test_left_behind.py, like the four below
    "left-behind-turns-16",
    "left-behind-type-mapped",
    "left-behind-type-legacy",
    "left-behind-type-differs",
}
NO_CARER = {"委托照护人": "", "委托照护人关系": "", "委托照护人身份证号": "", "委托照护人电话": ""}


def codes(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.cell, f.code) for f in found]


# ------------------------------------------------------------------ 无人监护


def test_no_guardian_is_an_error_that_says_report_at_once(class_book):
    path = class_book(students=[student(监护人关系=NO_GUARDIAN)])
    found = findings_of(path)
    assert codes(found) == [("O2", "guardian-none")]
    assert "强制报告" in found[0].message and "公安" in found[0].message
    assert "安全事件" in found[0].message
    gone = class_book("b.xlsx", students=[student(监护人关系=NO_GUARDIAN, 在校状态="转出")])
    assert findings_of(gone) == []  # no longer the school's child


def test_no_guardian_is_read_as_typed_but_no_longer_offered():
    column = STUDENTS.column("监护人关系")
    assert NO_GUARDIAN not in column.choices
    assert NO_GUARDIAN not in validation_for(column).formula1


def test_no_guardian_is_reported_in_an_old_workbook_too(tmp_path):
    path = _old_workbook(tmp_path / "三年级2班.xlsx", [student(监护人关系=NO_GUARDIAN)])
    assert "guardian-none" in [f.code for f in findings_of(path)]
    assert read_class_workbook(path).students.data.loc[2, "监护人关系"] == NO_GUARDIAN


# ------------------------------------------------------------------ 委托照护人 (第二十二条)


def test_both_parents_away_with_the_away_mother_as_guardian_and_no_carer_is_an_error(class_book):
    path = class_book(students=[student(监护人关系="母亲", **NO_CARER)])
    found = findings_of(path)
    assert codes(found) == [(at("委托照护人"), "guardian-carer-missing")]
    assert found[0].message.startswith("父母都在外务工")


def test_a_grandparent_guardian_is_the_carer_the_parents_entrusted(class_book):
    path = class_book(students=[student(监护人关系="祖父母", **NO_CARER)])
    assert findings_of(path) == []


def test_one_away_and_the_other_without_capacity_needs_a_carer_too(class_book):
    row = student(
        母亲外出起始年月="",
        留守类型="父亲外出",
        监护人关系="母亲",
        另一方无监护能力="是",
        **NO_CARER,
    )
    found = findings_of(class_book(students=[row]))
    assert codes(found) == [(at("委托照护人"), "guardian-carer-missing")]
    assert found[0].message.startswith("父亲在外务工、母亲无监护能力")
    capable = {**row, "另一方无监护能力": "否"}
    assert findings_of(class_book("b.xlsx", students=[capable])) == []  # the mother cares


def test_a_parent_not_yet_gone_as_of_the_date_needs_no_carer(class_book):
    row = student(母亲外出起始年月="2027-01", 监护人关系="母亲", **NO_CARER)
    assert findings_of(class_book(students=[row])) == []


def test_no_carer_rule_waits_for_the_new_columns_in_an_old_workbook(tmp_path):
    path = _old_workbook(tmp_path / "三年级2班.xlsx", [student(监护人关系="母亲")])
    assert "guardian-carer-missing" not in [f.code for f in findings_of(path)]


# ------------------------------------------------------------------ carer under 18


def test_a_carer_under_18_by_id_is_a_warning(class_book):
    born = AS_OF.replace(year=AS_OF.year - 18) + dt.timedelta(days=1)  # 18 tomorrow
    row = student(委托照护人身份证号=make_id("431122", born, 3, "男"), 委托照护人关系="兄姐")
    found = findings_of(class_book(students=[row]))
    assert codes(found) == [(at("委托照护人身份证号"), "guardian-carer-minor")]
    assert found[0].severity == WARNING and "17 岁" in found[0].message
    adult = {**row, "委托照护人身份证号": make_id("431122", born - dt.timedelta(days=1), 3, "男")}
    assert findings_of(class_book("b.xlsx", students=[adult])) == []  # 18 today


def test_a_guardian_aged_17_who_is_the_carer_is_a_warning(class_book):
    row = student(监护人年龄=17, **NO_CARER)
    assert codes(findings_of(class_book(students=[row]))) == [("Q2", "guardian-carer-minor")]
    assert findings_of(class_book("b.xlsx", students=[{**row, "监护人年龄": 18}])) == []


def test_the_carer_s_id_is_checked_but_not_against_the_child(class_book):
    row = student(委托照护人身份证号="431122196205080431")
    assert codes(findings_of(class_book(students=[row]))) == [
        (at("委托照护人身份证号"), "id-checksum")
    ]
    # a valid adult's ID (birth date and sex unlike the child's) raises nothing
    assert findings_of(class_book("b.xlsx", students=[student()])) == []


# ------------------------------------------------------------------ 书面告知 (第二十三条)


def test_missing_written_notice_is_a_warning_with_its_due_date(class_book):
    path = class_book(students=[student(委托书面告知学校日期="")])
    found = findings_of(path)
    assert codes(found) == [(at("委托书面告知学校日期"), "guardian-notice-missing")]
    assert "应在 2026-10-01 前收到，已超过 60 天" in found[0].message  # 建档 09-01 + 30 days
    assert findings_of(class_book("b.xlsx", students=[student()])) == []


def test_the_notice_clock_starts_when_the_last_parent_left(class_book):
    row = student(委托书面告知学校日期="", 母亲外出起始年月="2026-11")
    found = findings_of(class_book(students=[row]))
    assert "应在 2026-12-01 前收到。" in found[0].message  # not late yet on 11-30


def test_the_notice_period_is_a_school_setting(class_book):
    path = class_book(students=[student(委托书面告知学校日期="")])
    items = findings_of(path, config=_config(委托书面告知期限天数="100"))
    assert "应在 2026-12-10 前收到。" in items[0].message


def test_no_notice_is_asked_while_a_parent_is_at_home(class_book):
    row = student(委托书面告知学校日期="", 母亲外出起始年月="", 留守类型="父亲外出")
    assert findings_of(class_book(students=[row])) == []


# ------------------------------------------------------------------ leaving the school


def test_the_carer_s_id_and_address_are_masked_when_they_leave_the_school():
    assert mask_cell("431122196205080430", "委托照护人身份证号") == "********"
    assert mask_cell("某某县青山镇石桥村3组", "委托照护人住址") == "某某县青山镇"


def test_notices_never_count_as_errors(class_book):
    found = findings_of(class_book(students=[student(父亲外出起始年月="", 母亲外出起始年月="")]))
    assert [f.severity for f in found] == [NOTICE]
