"""The tolerant reader: header rows under titles, aliases, reordering, dates, damaged IDs, CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import record, student
from openpyxl import Workbook, load_workbook

from xlsync.errors import XlsyncError
from xlsync.files.reader import read_class_workbook


def _findings(book):
    return [(f.sheet, f.row, f.column, f.code) for f in book.findings]


def _plain_book(path: Path, rows: list[list], title_rows: int = 0, sheet: str = "学生档案") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for _ in range(title_rows):
        ws.append(["三年级2班 留守儿童档案（2026年秋）"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_template_rows_come_back_typed_with_their_excel_row(class_book):
    path = class_book(students=[student(), student(姓名="李小红", 性别="女")], records=[record()])
    book = read_class_workbook(path)
    assert list(book.students.data.index) == [2, 3]
    first = book.students.data.loc[2]
    assert first["姓名"] == "王小明" and first["出生日期"] == dt.date(2015, 3, 1)
    assert first["儿童类别"] == ("留守儿童",)
    assert book.records.data.loc[2, "日期"] == dt.date(2026, 9, 15)
    assert book.findings == []


def test_title_block_alias_reordered_and_extra_columns(tmp_path):
    rows = [["性别", "学生姓名", "出生日期", "家长微信"], ["女", "李小红", "2015/9/1", "wx123"]]
    book = read_class_workbook(_plain_book(tmp_path / "b.xlsx", rows, title_rows=2))
    table = book.students
    assert table.header_row == 3
    assert table.positions["姓名"] == 2 and table.positions["性别"] == 1
    assert table.extra_columns == ["家长微信"]
    assert table.raw.loc[4, "家长微信"] == "wx123"
    assert table.data.loc[4, "出生日期"] == dt.date(2015, 9, 1)
    assert table.place(4, "姓名").cell == "B4"


def test_wholly_empty_rows_are_skipped_and_numbers_stay_true(tmp_path):
    rows = [["姓名", "性别"], ["甲乙", "男"], [None, None], ["  ", ""], ["丙丁", "女"]]
    book = read_class_workbook(_plain_book(tmp_path / "b.xlsx", rows))
    assert list(book.students.data.index) == [2, 5]


@pytest.mark.parametrize(
    "raw",
    [
        "2026-09-01",
        "2026/9/1",
        "2026.9.1",
        "2026年9月1日",
        "20260901",
        "２０２６－０９－０１",
        " 2026-9-1 ",
        46266,
        46266.0,
        dt.datetime(2026, 9, 1),
        dt.date(2026, 9, 1),
    ],
)
def test_dates_in_every_common_form(tmp_path, raw):
    rows = [["姓名", "性别", "建档日期"], ["甲乙", "男", raw]]
    book = read_class_workbook(_plain_book(tmp_path / "b.xlsx", rows))
    assert book.students.data.loc[2, "建档日期"] == dt.date(2026, 9, 1)
    assert book.findings == []


@pytest.mark.parametrize("raw", ["2026-13-01", "明天", "2026-02-30", "1/2"])
def test_unreadable_date_is_a_finding_at_its_cell(tmp_path, raw):
    rows = [["姓名", "性别", "建档日期"], ["甲乙", "男", raw]]
    book = read_class_workbook(_plain_book(tmp_path / "b.xlsx", rows))
    assert _findings(book) == [("学生档案", 2, "建档日期", "date-invalid")]
    assert book.findings[0].cell == "C2"
    assert f"「{raw}」无法识别" in book.findings[0].message


@pytest.mark.parametrize("raw", [430102201503010155, 4.30102201503010e17, "4.30102E+17"])
def test_id_number_excel_turned_into_a_number_is_reported_damaged(tmp_path, raw):
    rows = [["姓名", "性别", "身份证号"], ["甲乙", "男", raw]]
    book = read_class_workbook(_plain_book(tmp_path / "b.xlsx", rows))
    assert _findings(book) == [("学生档案", 2, "身份证号", "id-damaged")]
    assert book.students.data.loc[2, "身份证号"] is None


def test_full_width_digits_and_spaces_are_normalized(tmp_path):
    rows = [
        ["姓名", "性别", "身份证号", "监护人电话", "监护人年龄"],
        [" 王 小明 ", "男 ", "４３０１０２２０１５０３０１０１５５", "１３８ 1234 5678", "６６"],
    ]
    data = read_class_workbook(_plain_book(tmp_path / "b.xlsx", rows)).students.data.loc[2]
    assert (data["姓名"], data["性别"], data["身份证号"]) == ("王小明", "男", "430102201503010155")
    assert (data["监护人电话"], data["监护人年龄"]) == ("13812345678", 66)


def test_synonym_is_accepted_and_warned(tmp_path):
    rows = [["姓名", "性别"], ["甲乙", "男生"]]
    book = read_class_workbook(_plain_book(tmp_path / "b.xlsx", rows))
    assert book.students.data.loc[2, "性别"] == "男"
    assert [(f.code, f.severity) for f in book.findings] == [("choice-synonym", "警告")]


def test_sheet_found_by_content_when_renamed(tmp_path):
    rows = [["姓名", "性别", "出生日期"], ["甲乙", "男", "2015-01-01"]]
    book = read_class_workbook(_plain_book(tmp_path / "b.xlsx", rows, sheet="Sheet1"))
    assert book.students.source_sheet == "Sheet1" and len(book.students.data) == 1


CSV_TEXT = "姓名,性别,出生日期,身份证号\n王小明,男,2015/3/1,430102201503010155\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_the_encodings_chinese_excel_and_wps_save(tmp_path, encoding):
    path = tmp_path / "学生档案.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    data = read_class_workbook(path).students.data
    assert data.loc[2, "姓名"] == "王小明" and data.loc[2, "身份证号"] == "430102201503010155"


def _expect_refusal(path: Path, *phrases: str) -> None:
    with pytest.raises(XlsyncError) as caught:
        read_class_workbook(path)
    for phrase in phrases:
        assert phrase in str(caught.value)


def test_missing_path(tmp_path):
    _expect_refusal(tmp_path / "没有.xlsx", "找不到文件", "没有.xlsx")


def test_not_a_workbook(tmp_path):
    path = tmp_path / "假的.xlsx"
    path.write_text("这不是工作簿")
    _expect_refusal(path, "不是有效的 Excel 工作簿", "假的.xlsx")


def test_wrong_suffix(tmp_path):
    path = tmp_path / "名单.docx"
    path.write_bytes(b"PK\x03\x04")
    _expect_refusal(path, "不是能读取的表格文件")


def test_password_protected_workbook(tmp_path, class_book):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = class_book(students=[student()])
    locked = tmp_path / "加密.xlsx"
    with plain.open("rb") as source, locked.open("wb") as target:
        office = ooxml.OOXMLFile(source)
        office.encrypt("secret", target)
    _expect_refusal(locked, "密码", "加密.xlsx")


def test_workbook_without_student_header(tmp_path):
    path = _plain_book(tmp_path / "别的表.xlsx", [["商品", "价格"], ["苹果", 3]])
    _expect_refusal(path, "找不到“学生档案”表的表头", "别的表.xlsx")


def test_empty_workbook(tmp_path):
    path = _plain_book(tmp_path / "空.xlsx", [])
    _expect_refusal(path, "找不到“学生档案”表的表头")


def test_damaged_zip(tmp_path, class_book):
    path = class_book(students=[student()])
    path.write_bytes(path.read_bytes()[:400])
    _expect_refusal(path, "已损坏")


@pytest.mark.parametrize("where", ["error_cells", "_put_errors"])
def test_a_bug_of_ours_surfaces_as_a_bug_not_as_a_damaged_file(class_book, monkeypatch, where):
    """Only the calls into the libraries are guarded: a bug in xlsync's own reading code is
    not turned into 「文件可能已损坏」 (after which 汇总 would quietly use a stale copy)."""
    import xlsync.files.reader as reader

    path = class_book(students=[student(姓名="#REF!")])  # an error cell: error_cells reads it
    workbook = load_workbook(path)
    workbook["学生档案"]["A2"].data_type = "e"
    workbook.save(path)

    def bug(*args):
        raise TypeError("a bug in xlsync")

    monkeypatch.setattr(reader, where, bug)
    with pytest.raises(TypeError, match="a bug in xlsync"):
        reader.read_class_workbook(path)
