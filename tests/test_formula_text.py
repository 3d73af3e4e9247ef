"""Formulas are a type: only xlsync's own `Formula` values are formulas in what it writes. A
school name, class and teacher names and a teacher's text starting with =, +, - or @ come out
as text in the master file, in the master the Excel button builds and in the Google sync."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import excel_engine as xe
import pytest
import requests
from conftest import SID, record, student, write_class_book
from openpyxl import load_workbook

import xlsync.ribbon as entry
from xlsync.core.formula import Formula
from xlsync.files.school import create_class, create_school
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.sync import sync
from xlsync.schema import CLASS_DIR, MASTER_FILE, RESULT_SHEETS, TEACHERS

AS_OF = dt.date(2026, 11, 30)
SCHOOL = '=HYPERLINK("http://example.com/x","点此")'
CLASS, TEACHER, UNPAIRED = "=三年级2班", "张老师", "=李老师"
CHILD = "=王小明"
TEXTS = {  # a teacher's text in the class workbook, each beginning with a formula-like sign
    "家庭住址": "=某某村3组",
    "备注": "+要多关心",
    "学习帮手": "@李华",
    "父亲务工地": "-广东东莞",
}
SUMMARY = "=谈学习习惯"


def _as_text(path: Path) -> None:
    """Store every cell starting with = as text, as a teacher's quote-prefixed entry is."""
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    wb.save(path)


def _name_school(master: Path) -> None:
    """学校名称 typed by the lead as text (create_school's own writing is tested below)."""
    wb = load_workbook(master)
    cell = next(c for row in wb["学校信息"].iter_rows() for c in row if c.value == "测试小学")
    cell.value, cell.data_type = SCHOOL, "s"
    wb.save(master)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A school whose name, class, an unpaired teacher and the teacher's text look like formulas."""
    folder = tmp_path_factory.mktemp("formula") / "学校"
    create_school(folder, "测试小学", "2026-2027")
    _name_school(folder / MASTER_FILE)
    create_class(folder, CLASS, TEACHER)
    create_class(folder, "四年级1班", UNPAIRED)  # a head teacher with no paired child: in 概览
    book = folder / CLASS_DIR / f"{CLASS}.xlsx"
    write_class_book(
        book,
        students=[student(姓名=CHILD, **TEXTS)],
        records=[record(学生姓名=CHILD, 内容摘要=SUMMARY)],
    )
    _as_text(book)
    return folder


@pytest.fixture
def school(built, tmp_path) -> Path:
    shutil.copytree(built, tmp_path / "学校")
    return tmp_path / "学校"


def formula_cells(path: Path) -> dict[str, list[str]]:
    """Sheet → the formulas it holds (a text cell never counts, whatever it starts with)."""
    wb = load_workbook(path)
    return {
        name: [c.value for row in wb[name].iter_rows() for c in row if c.data_type == "f"]
        for name in RESULT_SHEETS
    }


def texts_of(path: Path) -> set[str]:
    wb = load_workbook(path)
    return {
        c.value
        for name in RESULT_SHEETS
        for row in wb[name].iter_rows()
        for c in row
        if c.data_type in ("s", "inlineStr") and isinstance(c.value, str)
    }


def assert_text_not_formula(master: Path) -> None:
    wb = load_workbook(master)
    title = wb["概览"]["A1"]
    assert title.value == f"{SCHOOL} 留守儿童帮扶汇总" and title.data_type == "s"
    texts = texts_of(master)
    for text in [CHILD, SUMMARY, *TEXTS.values()]:
        assert text in texts, text
    assert any(UNPAIRED in t for t in texts) and CLASS in texts
    formulas = formula_cells(master)
    assert formulas["概览"] == ['=COUNTIF(逾期清单!A:A,"已逾期")']  # xlsync's own: still formulas
    assert formulas["班级统计"] and all(f.startswith("=SUM(") for f in formulas["班级统计"])
    assert not [f for name in RESULT_SHEETS[2:] if name != "班级统计" for f in formulas[name]]


def test_text_that_looks_like_a_formula_is_text_in_the_master_file(school):
    consolidate(school / MASTER_FILE, as_of=AS_OF)
    assert_text_not_formula(school / MASTER_FILE)
    # the cached results of xlsync's formulas are there for readers that do not recalculate
    cached = load_workbook(school / MASTER_FILE, data_only=True)["班级统计"]
    assert [c.value for c in cached[cached.max_row]][:1] == ["合计"]
    assert any(isinstance(c.value, (int, float)) for c in cached[cached.max_row])


def test_text_that_looks_like_a_formula_is_text_in_the_excel_button_master(school, monkeypatch):
    book = xe.load(school / MASTER_FILE)
    monkeypatch.setattr(entry, "caller", lambda: book)
    entry.consolidate_school()
    assert xe.state(book.app).alerts[-1]["mode"] == "info"
    grid = xe.state(book.sheets["概览"]).grid
    assert grid[(1, 1)].formula is None and grid[(1, 1)].value.startswith(SCHOOL)
    assert_text_not_formula(school / MASTER_FILE)


def test_text_that_looks_like_a_formula_is_sent_as_text_to_google(school, fake, monkeypatch):
    consolidate(school / MASTER_FILE, as_of=AS_OF)
    sync(school / MASTER_FILE, SID, session=requests.Session())
    bodies = [json.loads(body) for method, path, body in fake.log if path.endswith("batchUpdate")]
    updates = [b for b in bodies if "data" in b]
    assert updates and {b["valueInputOption"] for b in updates} == {"RAW"}
    assert fake.values(SID, "概览")[0][0] == f"{SCHOOL} 留守儿童帮扶汇总"
    sent = {v for b in updates for r in b["data"] for row in r["values"] for v in row}
    for text in [SUMMARY, TEXTS["备注"], TEXTS["父亲务工地"]]:  # kept by masking
        assert text in sent, text
    assert not any("formulaValue" in json.dumps(b) for b in bodies)


def test_a_formula_is_only_what_xlsync_makes():
    assert Formula("=SUM(A1:A2)", 3.0).cached == 3.0
    with pytest.raises(ValueError):
        Formula("SUM(A1:A2)")


def test_the_streamed_rows_write_formulas_and_text_apart():
    from xlsync.files.sheet_xml import rows_xml

    xml = rows_xml([["=1+1", Formula("=SUM(A1:A2)", 2.0)]], 3, {})
    assert '<c r="A3" t="inlineStr"><is><t>=1+1</t></is></c>' in xml
    assert '<c r="B3"><f>SUM(A1:A2)</f><v>2.0</v></c>' in xml


def test_a_name_starting_with_equals_is_text_in_the_configuration(tmp_path):
    create_school(tmp_path, SCHOOL, "2026-2027")
    create_class(tmp_path, CLASS, UNPAIRED)
    wb = load_workbook(tmp_path / MASTER_FILE)
    found = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == SCHOOL]
    assert found and all(c.data_type == "s" for c in found)
    teacher = [c for row in wb[TEACHERS.name].iter_rows() for c in row if c.value == UNPAIRED]
    assert teacher and teacher[0].data_type == "s"
