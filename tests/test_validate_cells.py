"""Whatever a cell holds, validation reports it and goes on; it never crashes on a cell."""

from __future__ import annotations

import datetime as dt

from conftest import record, student, write_class_book
from openpyxl import load_workbook

from xlsync.core.config import default_config
from xlsync.core.validate import ClassInput, validate_classes
from xlsync.files.reader import read_class_workbook

AS_OF = dt.date(2026, 11, 30)


def _validate(path):
    book = read_class_workbook(path)
    return validate_classes([ClassInput(book, "三年级2班")], default_config(AS_OF), AS_OF)


def test_hostile_cells(tmp_path):
    path = write_class_book(
        tmp_path / "坏.xlsx",
        students=[
            student(姓名="#REF!"),
            student(姓名="王小红", 性别=True, 身份证号="", 出生日期=10**12, 监护人年龄=1e308),
            student(姓名="李😀明", 身份证号="", 家庭住址="村" * 5000, 监护人电话="=A1&B1"),
            student(姓名="赵小刚", 身份证号="", 出生日期="=DATE(2015,1,1)", 监护人姓名="   "),
        ],
        records=[record(日期=False, 学生姓名=3.5)],
    )
    wb = load_workbook(path)
    ws = wb["学生档案"]
    ws["A2"].data_type = "e"  # a real error cell, as Excel writes #REF!
    ws.merge_cells("T4:U4")
    wb.save(path)
    found = {(f.sheet, f.cell, f.code) for f in _validate(path).findings}
    assert ("学生档案", "A2", "cell-error") in found
    assert ("学生档案", "B3", "choice-invalid") in found
    assert ("学生档案", "C3", "date-invalid") in found
    assert ("学生档案", "Q3", "int-invalid") in found
    assert ("学生档案", "T4", "text-too-long") in found
    assert ("学生档案", "P4", "required-missing") in found  # formula with no cached value
    assert ("学生档案", "C5", "required-missing") in found
    assert ("学生档案", "N5", "required-missing") in found
    assert ("帮扶记录", "A2", "date-invalid") in found
    assert ("帮扶记录", "B2", "record-child-unknown") in found


def test_long_value_is_cut_in_the_finding(tmp_path):
    path = write_class_book(tmp_path / "长.xlsx", students=[student(备注="字" * 5000)])
    finding = _validate(path).findings[0]
    assert finding.code == "text-too-long" and len(finding.value) <= 61
