"""One test per validation rule of DESIGN §2, each on a minimal class workbook."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import plan, record, student
from test_dropout import DROPOUT_CODES
from test_links import LINK_CODES
from test_seed_rules import SEED_RULE_CODES

from xlsync.core.config import default_config
from xlsync.core.findings import CATALOG
from xlsync.core.idcard import make_id
from xlsync.core.validate import ClassInput, validate_classes
from xlsync.files.reader import read_class_workbook
from xlsync.files.school import read_master

AS_OF = dt.date(2026, 11, 30)
CONFIG = default_config(AS_OF)


def findings_of(*paths, config=CONFIG):
    items = [ClassInput(read_class_workbook(p), p.stem) for p in paths]
    return validate_classes(items, config, AS_OF).findings


def flat(findings):
    return [(f.sheet, f.cell, f.code) for f in findings]


def test_valid_workbook_has_no_finding(class_book):
    path = class_book(
        students=[student(), student(姓名="李小红", 性别="女", 身份证号="", 学业情况="差")],
        records=[record(), record(帮扶类型="家长通话", 内容摘要="")],
        plans=[plan(学生姓名="李小红")],
    )
    assert flat(findings_of(path)) == []


STUDENT_CASES = [
    # (changes to a valid student row, expected cell, expected code)
    ({"姓名": "王"}, "A2", "name-length"),
    ({"姓名": "王" * 21}, "A2", "name-length"),
    ({"姓名": ""}, "A2", "required-missing"),
    ({"性别": "未知"}, "B2", "choice-invalid"),
    ({"性别": "女生", "身份证号": ""}, "B2", "choice-synonym"),
    ({"出生日期": "2015-02-30"}, "C2", "date-invalid"),
    ({"出生日期": dt.date(2027, 1, 1), "身份证号": ""}, "C2", "date-future"),
    ({"身份证号": "43010220150301015"}, "D2", "id-format"),
    ({"身份证号": "430102201513010155"}, "D2", "id-format"),
    ({"身份证号": "430102201503010156"}, "D2", "id-checksum"),
    ({"身份证号": make_id("430102", dt.date(2015, 3, 2), 7, "男")}, "D2", "id-birth-mismatch"),
    ({"身份证号": make_id("430102", dt.date(2015, 3, 1), 7, "女")}, "D2", "id-sex-mismatch"),
    ({"学籍号": "X430102201503010155"}, "E2", "student-no-format"),
    ({"学籍号": "G4301022015"}, "E2", "student-no-format"),
    ({"儿童类别": ""}, "F2", "required-missing"),
    ({"儿童类别": "留守儿童、流浪儿童"}, "F2", "choice-invalid"),
    (
        {"留守类型": "", "父亲外出起始年月": "", "母亲外出起始年月": ""},
        "G2",
        "required-conditional",
    ),
    ({"父亲电话": "12812345678"}, "I2", "phone-invalid"),
    ({"母亲电话": "1381234567"}, "L2", "phone-invalid"),
    ({"监护人电话": "731-84561234"}, "P2", "phone-invalid"),
    ({"监护人电话": ""}, "P2", "required-missing"),
    ({"监护人年龄": 15}, "Q2", "int-invalid"),
    ({"监护人年龄": "六十"}, "Q2", "int-invalid"),
    ({"监护人关系": "邻居"}, "O2", "choice-invalid"),
    ({"监护人文化程度": "高中"}, "R2", "choice-synonym"),
    ({"家庭住址": ""}, "T2", "required-missing"),
    ({"学业情况": "差"}, "U2", "study-plan-missing"),
    ({"帮扶教师": ""}, "W2", "required-missing"),
    ({"建档日期": dt.date(2026, 12, 1)}, "Y2", "date-future"),
    ({"建档日期": ""}, "Y2", "required-missing"),
    ({"在校状态": "退学"}, "Z2", "choice-invalid"),
    ({"备注": "很" * 501}, "AA2", "text-too-long"),
]


@pytest.mark.parametrize(
    "changes,cell,code", STUDENT_CASES, ids=[f"{c[2]}-{c[1]}" for c in STUDENT_CASES]
)
def test_each_student_rule(class_book, changes, cell, code):
    path = class_book(students=[student(**changes)], records=[])
    assert flat(findings_of(path)) == [("学生档案", cell, code)]


def test_optional_cells_left_empty_are_fine_and_defaults_apply(class_book):
    path = class_book(
        students=[
            student(
                在校状态="",
                重点帮扶="",
                身份证号="",
                学籍号="",
                父亲电话="",
                儿童类别="孤儿",
                留守类型="",
            )
        ]
    )
    assert flat(findings_of(path)) == []
    assert read_class_workbook(path).students.data.loc[2, "在校状态"] == "在读"


RECORD_CASES = [
    ({"日期": ""}, "A2", "required-missing"),
    ({"日期": "九月十五日"}, "A2", "date-invalid"),  # 9月15日 reads (tests/test_dates.py)
    ({"日期": dt.date(2026, 12, 1)}, "A2", "date-future"),
    ({"日期": dt.date(2026, 8, 31)}, "A2", "date-before-filing"),
    ({"学生姓名": "赵六"}, "B2", "record-child-unknown"),
    # a record whose 身份证号 differs from its only namesake's: tests/test_links.py
    ({"帮扶类型": "聊天"}, "D2", "choice-invalid"),
    ({"帮扶类型": "谈话"}, "D2", "choice-synonym"),
    ({"帮扶教师": ""}, "E2", "required-missing"),
    ({"帮扶类型": "家访", "内容摘要": ""}, "F2", "required-conditional"),
]


@pytest.mark.parametrize(
    "changes,cell,code", RECORD_CASES, ids=[f"{c[2]}-{c[1]}" for c in RECORD_CASES]
)
def test_each_record_rule(class_book, changes, cell, code):
    path = class_book(students=[student()], records=[record(**changes)])
    assert flat(findings_of(path)) == [("帮扶记录", cell, code)]


def test_namesakes_need_the_id_number(class_book):
    twin = student(
        身份证号=make_id("430102", dt.date(2016, 5, 5), 3, "男"), 出生日期=dt.date(2016, 5, 5)
    )
    path = class_book(
        students=[student(), twin], records=[record(), record(身份证号=twin["身份证号"])]
    )
    assert flat(findings_of(path)) == [("帮扶记录", "B2", "record-child-ambiguous")]


def test_plan_for_unknown_child(class_book):
    path = class_book(students=[student()], plans=[plan(学生姓名="赵六")])
    assert flat(findings_of(path)) == [("学业帮扶计划", "A2", "plan-child-unknown")]


@pytest.mark.parametrize(
    "second,cell",
    [
        ({"姓名": "王小明"}, "D3"),  # same ID number
        ({"身份证号": "", "学籍号": ""}, "A3"),  # same name and birth date
    ],
)
def test_child_twice_in_one_class(class_book, second, cell):
    path = class_book(students=[student(), student(**second)])
    found = findings_of(path)
    assert flat(found) == [("学生档案", cell, "child-duplicate")]
    assert "第 2 行" in found[0].message


def test_same_child_in_two_class_files_is_reported_in_both(class_book):
    first = class_book("三年级1班.xlsx", students=[student()])
    second = class_book("三年级2班.xlsx", students=[student(姓名="王晓明")])
    found = findings_of(first, second)
    assert [(f.file, f.cell, f.code) for f in found] == [
        (str(first), "D2", "child-conflict"),
        (str(second), "D2", "child-conflict"),
    ]
    assert "三年级2班.xlsx" in found[0].message and "转出" in found[0].message


def test_teacher_must_be_in_the_master(school, class_book):
    config = read_master(school / "全校汇总.xlsx")
    path = class_book(
        students=[student(), student(姓名="李小红", 身份证号="", 帮扶教师="钱老师")],
        records=[record(帮扶教师="孙老师")],
    )
    assert flat(findings_of(path, config=config)) == [
        ("学生档案", "W3", "teacher-unknown"),
        ("帮扶记录", "E2", "teacher-unknown"),
    ]


def test_missing_required_column_is_reported_once_at_the_header(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "学生档案"
    ws.append(["姓名", "性别", "出生日期"])
    ws.append(["王小明", "男", "2015-03-01"])
    wb.save(tmp_path / "b.xlsx")
    found = [f for f in findings_of(tmp_path / "b.xlsx") if f.severity != "提示"]  # 19.7's 提示
    codes = [(f.row, f.column, f.code) for f in found]
    assert (1, "监护人姓名", "column-missing") in codes
    # besides the missing columns, only the 提示 that `xlsync upgrade` would add issue 19's
    assert all(code in ("column-missing", "template-outdated") for _, _, code in codes)


def test_id_check_digit_message_names_the_right_digit(class_book):
    path = class_book(students=[student(身份证号="430102201503010156")])
    assert findings_of(path)[0].message == "身份证号第18位校验码应为 5，请核对。"


def test_every_code_in_the_catalog_is_produced_by_some_test():
    from test_guardianship import GUARDIANSHIP_CODES  # it imports this module

    produced = {case[2] for case in STUDENT_CASES + RECORD_CASES} | {
        "record-child-ambiguous",
        "plan-child-unknown",
        "child-duplicate",
        "child-conflict",
        "teacher-unknown",
        "column-missing",
        "id-damaged",
        "cell-error",
        "file-unreadable",
        "file-stale",  # these two: tests/test_consolidate.py
        "date-year-inferred",  # tests/test_dates.py
        "template-outdated",  # tests/test_upgrade.py (issue 19.7)
        *LINK_CODES,  # tests/test_links.py
        *SEED_RULE_CODES,  # tests/test_seed_rules.py
        *GUARDIANSHIP_CODES,  # tests/test_guardianship.py, tests/test_left_behind.py
        *DROPOUT_CODES,  # tests/test_dropout.py (issue 19.5)
    }
    assert set(CATALOG) == produced
