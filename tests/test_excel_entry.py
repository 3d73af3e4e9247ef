"""The ribbon's Python entry points, run through the real xlwings API on an in-memory engine
(tests/excel_engine.py, an engine behind the real xlwings API): each gives what the matching CLI command gives, touches nothing
else in the open book, shows progress in the status bar and ends in one Chinese message box."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import excel_engine as xe
import pytest
import requests
import xlwings as xw
from conftest import SID, record, student, write_class_book
from openpyxl import load_workbook

import xlsync.ribbon as entry
from xlsync.demo import DemoSize, generate_school
from xlsync.files.backup import backups_of
from xlsync.files.school import read_as_of
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.sync import sync
from xlsync.schema import CHECK_SHEET, CLASS_DIR, MASTER_FILE, RESULT_SHEETS, STATUS_SHEET, STUDENTS

TODAY = dt.date.today()


def clicked(monkeypatch, path: Path) -> xw.Book:
    """The workbook at `path` open in the test engine, as the caller of the next button."""
    book = xe.load(path)
    monkeypatch.setattr(entry, "caller", lambda: book)
    return book


def alert(book: xw.Book) -> dict:
    """The last message box shown in the book's Excel."""
    return xe.state(book.app).alerts[-1]


def values(book: xw.Book, sheet: str) -> list[list]:
    return book.sheets[sheet].used_range.options(ndim=2).value


def cells(path: Path, sheets) -> dict[str, dict]:
    """Every non-empty cell (formulas as their text) of `sheets`, normalised as Excel shows them."""

    def norm(v):
        if isinstance(v, bool) or v is None or v == "":
            return v or None
        if isinstance(v, (int, float)):
            return round(float(v), 9)
        return v.date() if isinstance(v, dt.datetime) else v

    wb = load_workbook(path)
    return {
        name: {
            (c.row, c.column): norm(c.value)
            for row in wb[name].iter_rows()
            for c in row
            if norm(c.value) is not None
        }
        for name in sheets
    }


def formats(path: Path, sheet: str) -> list[tuple[str, int]]:
    """(cells, number of rules) of each conditional format of `sheet`."""
    return sorted(
        (str(cf.sqref), len(cf.rules)) for cf in load_workbook(path)[sheet].conditional_formatting
    )


def test_the_engine_converts_values_as_xlwings_and_excel_do(tmp_path):
    book = xe.new_book(tmp_path / "b.xlsx")
    sheet = book.sheets.add("表")
    assert isinstance(book, xw.Book) and isinstance(sheet, xw.Sheet)  # the real API
    sheet.range("A1").value = [
        ["王", 3, dt.date(2026, 9, 1), "0123", "'0123", "=1+1"],
        [None, 2.5, None, None, None, None],
    ]
    assert sheet.range("A1").value == "王"
    assert sheet.range((1, 1), (1, 4)).value == [
        "王",
        3.0,
        dt.datetime(2026, 9, 1),
        123.0,
    ]  # one row: 1-D
    assert sheet.range((1, 2), (2, 2)).value == [3.0, 2.5]  # one column: 1-D
    assert sheet.range((2, 1), (2, 2)).options(ndim=2).value == [[None, 2.5]]
    assert (
        sheet.range("E1").value == "0123" and sheet.range("F1").value is None
    )  # a formula: Excel computes it


def test_what_xlwings_rejects_fails_in_the_tests_too(tmp_path):
    """The checks live in xlwings itself, so the engine cannot accept what xlwings refuses:
    the operator the first version of the add-in passed is one of them."""
    cells = xe.new_book(tmp_path / "b.xlsx").sheets.add("表").range("A1:A9")
    with pytest.raises(ValueError, match="operator"):
        cells.conditional_formats.add_cell_value("equal", '="已逾期"', fill_color=(255, 0, 0))
    cells.conditional_formats.add_cell_value("equal_to", '="已逾期"', fill_color=(255, 0, 0))
    with pytest.raises(ValueError, match="already has a note"):
        cells[0].add_note("一")
        cells[0].add_note("二")


@pytest.fixture(scope="module")
def demo_school(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("excel") / "学校"
    generate_school(folder, TODAY, DemoSize(3, 8), seed=7)
    return folder


def test_consolidate_in_excel_gives_the_master_the_cli_gives(demo_school, tmp_path, monkeypatch):
    by_cli, in_excel = tmp_path / "cli", tmp_path / "excel"
    shutil.copytree(demo_school, by_cli)
    shutil.copytree(demo_school, in_excel)
    consolidate(by_cli / MASTER_FILE, as_of=TODAY)
    book = clicked(monkeypatch, in_excel / MASTER_FILE)
    mine = book.sheets.add("我的统计", after=book.sheets["学校信息"])
    mine.range("A1").value = [["自己的表", 1], ["=概览!B5", None]]
    config_before = {
        s.name: values(book, s.name) for s in book.sheets if s.name not in RESULT_SHEETS
    }
    backups = len(backups_of(in_excel / MASTER_FILE))

    entry.consolidate_school()

    # saved at the click (the state an undo goes back to) and with the result
    assert xe.state(book).saves == 2 and len(backups_of(in_excel / MASTER_FILE)) == backups + 1
    expected, got = (
        cells(by_cli / MASTER_FILE, RESULT_SHEETS),
        cells(in_excel / MASTER_FILE, RESULT_SHEETS),
    )
    for name in RESULT_SHEETS:
        if name == "概览":  # line 2 says when it ran (to the minute)
            expected[name].pop((2, 1)), got[name].pop((2, 1))
        assert got[name] == expected[name], name
    for name in (
        "逾期清单",
        "安全事件汇总",
        "班级统计",
        "教师统计",
    ):  # status colours and rate scales: the same rules
        assert formats(in_excel / MASTER_FILE, name) == formats(by_cli / MASTER_FILE, name), name
    assert formats(in_excel / MASTER_FILE, "逾期清单")[0][1] == 3
    hidden = [  # the finding codes: kept in the last column of 校验问题, hidden by both writers
        {k for k, d in load_workbook(path)["校验问题"].column_dimensions.items() if d.hidden}
        for path in (in_excel / MASTER_FILE, by_cli / MASTER_FILE)
    ]
    assert hidden[0] == hidden[1] == {"I"}
    assert {
        s.name: values(book, s.name) for s in book.sheets if s.name not in RESULT_SHEETS
    } == config_before
    assert xe.state(mine).grid[(2, 1)].formula == "=概览!B5"
    assert len(book.sheets["概览"].charts) == 2
    assert read_as_of(in_excel / MASTER_FILE) == read_as_of(by_cli / MASTER_FILE) == str(TODAY)
    assert [s.name for s in book.sheets][: len(RESULT_SHEETS)] == list(RESULT_SHEETS)
    app = book.app
    assert any(
        str(s).startswith("xlsync 汇总：读取班级台账 3/3") for s in xe.state(app).status_history
    )
    assert app.status_bar is False  # handed back to Excel
    assert alert(book)["mode"] == "info" and "已汇总 3 个班" in alert(book)["prompt"]
    assert "个班级台账" in alert(book)["prompt"]  # the button refreshes them too (16.1)
    assert any("更新班级台账 3/3" in str(s) for s in xe.state(app).status_history)


def test_a_second_click_rebuilds_in_place(demo_school, tmp_path, monkeypatch):
    shutil.copytree(demo_school, tmp_path / "s")
    book = clicked(monkeypatch, tmp_path / "s" / MASTER_FILE)
    entry.consolidate_school()
    first = {n: values(book, n) for n in RESULT_SHEETS}
    entry.consolidate_school()
    same = [
        n for n in RESULT_SHEETS if n not in ("概览", "变更记录")
    ]  # when it ran; what changed since
    assert {n: values(book, n) for n in same} == {n: first[n] for n in same}
    assert values(book, "变更记录")[1:] == []
    assert len(book.sheets["概览"].charts) == 2 and alert(book)["mode"] == "info"


def _class_in(school: Path) -> Path:
    return write_class_book(
        school / CLASS_DIR / "三年级2班.xlsx",
        students=[student(), student(姓名="李四", 身份证号="", 监护人电话="12345")],
        records=[record()],
    )


def test_overdue_in_excel_writes_what_overdue_write_writes(school, tmp_path, monkeypatch, run):
    path = _class_in(school)
    shutil.copytree(school, tmp_path / "copy")
    copy = tmp_path / "copy" / CLASS_DIR / "三年级2班.xlsx"
    assert run("overdue", copy, "--write", "--as-of", TODAY.isoformat()).exit_code == 0
    book = clicked(monkeypatch, path)
    typed = values(book, STUDENTS.name)

    entry.overdue_book()

    expected = cells(copy, [STUDENTS.name, STATUS_SHEET])
    book.save(str(tmp_path / "excel.xlsx"))
    got = cells(tmp_path / "excel.xlsx", [STUDENTS.name, STATUS_SHEET])
    assert got == expected
    assert formats(tmp_path / "excel.xlsx", STATUS_SHEET) == formats(copy, STATUS_SHEET)
    after = values(book, STUDENTS.name)
    assert [row[: len(typed[0])] for row in after] == typed  # the teacher's cells as they were
    assert alert(book)["mode"] == "info" and "逾期提醒" in alert(book)["prompt"]


def test_validate_in_excel_marks_then_unmarks_and_keeps_the_teachers_note(school, monkeypatch):
    path = _class_in(school)
    book = clicked(monkeypatch, path)
    sheet = book.sheets[STUDENTS.name]
    typed = values(book, STUDENTS.name)
    own = sheet.range("A2").add_note("记得家访")  # the teacher's own note
    headers = typed[0]
    phone = sheet.range((3, headers.index("监护人电话") + 1))

    entry.validate_book()
    assert alert(book)["mode"] == "info" and "错误" in alert(book)["prompt"]
    assert phone.color == (0xFF, 0xC7, 0xCE) and phone.note.text.startswith("xlsync 校验：")
    assert CHECK_SHEET in [s.name for s in book.sheets]
    assert book.sheets["xlsync标记"].visible is False
    entry.validate_book()  # again: the same marks, not doubled
    assert phone.note.text.count("·") == 1

    phone.value = "13800138000"  # the teacher fixes it
    entry.validate_book()
    assert phone.color is None and phone.note is None
    assert sheet.range("A2").note.text == own.text == "记得家访"
    assert values(book, STUDENTS.name)[1:] == [
        typed[1],
        [
            *typed[2][: headers.index("监护人电话")],
            13800138000.0,
            *typed[2][headers.index("监护人电话") + 1 :],
        ],
    ]


def test_marks_of_the_cli_are_undone_by_the_button(school, monkeypatch, run):
    path = _class_in(school)
    assert run("validate", path, "--annotate", "--as-of", TODAY.isoformat()).exit_code == 1
    book = clicked(monkeypatch, path)
    phone = book.sheets[STUDENTS.name].range(
        (3, values(book, STUDENTS.name)[0].index("监护人电话") + 1)
    )
    assert phone.note is not None
    phone.value = "13800138000"
    entry.validate_book()
    assert phone.note is None and phone.color is None


def test_every_problem_is_a_chinese_message_box_never_a_traceback(school, tmp_path, monkeypatch):
    book = clicked(monkeypatch, school / MASTER_FILE)
    entry.validate_book()
    shown = alert(book)
    assert shown["mode"] == "critical" and "这是全校汇总，不是班级台账" in shown["prompt"]

    book = clicked(monkeypatch, _class_in(school))
    entry.consolidate_school()
    assert "这是班级台账，不是全校汇总" in alert(book)["prompt"]
    assert "请先打开全校汇总" in alert(book)["prompt"]

    unsaved = xe.new_book(tmp_path / "工作簿1")
    unsaved.sheets.add(STUDENTS.name)
    monkeypatch.setattr(entry, "caller", lambda: unsaved)
    entry.overdue_book()
    assert "还没有保存过" in alert(unsaved)["prompt"]

    monkeypatch.setattr(entry, "LOG_FILE", tmp_path / "excel.log")
    monkeypatch.setattr(entry.jobs, "validate_open_book", lambda *a: 1 / 0)
    monkeypatch.setattr(entry, "caller", lambda: book)
    entry.validate_book()
    assert str(tmp_path / "excel.log") in alert(book)["prompt"]
    assert "ZeroDivisionError" in (tmp_path / "excel.log").read_text(encoding="utf-8")
    assert book.app.status_bar is False


def test_new_class_from_the_open_master(school, monkeypatch):
    book = clicked(monkeypatch, school / MASTER_FILE)
    entry.new_class("四年级1班", "刘老师")
    made = school / CLASS_DIR / "四年级1班.xlsx"
    assert made.is_file() and xe.state(book.app).books.opened == [str(made)]
    classes = values(book, "班级")
    assert ["四年级1班", "刘老师", "四年级1班.xlsx"] == [v for v in classes[-1] if v][:3]
    assert any(row and row[0] == "刘老师" for row in values(book, "教师"))
    assert xe.state(book).saves == 1 and alert(book)["mode"] == "info"
    entry.new_class("四年级1班", "刘老师")
    assert "已在" in alert(book)["prompt"] and alert(book)["mode"] == "critical"


def test_sync_from_the_open_master(demo_school, tmp_path, monkeypatch, fake):
    shutil.copytree(demo_school, tmp_path / "s")
    master = tmp_path / "s" / MASTER_FILE
    consolidate(master, as_of=TODAY)
    book = clicked(monkeypatch, master)
    entry.sync_school()  # no credentials on this machine: said in Chinese
    assert alert(book)["mode"] == "critical" and "Google" in alert(book)["prompt"]
    monkeypatch.setattr(entry, "sync", lambda path: sync(path, SID, session=requests.Session()))
    entry.sync_school()
    assert alert(book)["mode"] == "info" and "已脱敏" in alert(book)["prompt"]
    assert set(RESULT_SHEETS) <= set(fake.books[SID])


def test_help_is_a_message_box(school, monkeypatch):
    book = clicked(monkeypatch, school / MASTER_FILE)
    entry.show_help()
    assert "汇总全校" in alert(book)["prompt"] and alert(book)["mode"] == "info"


def test_a_button_that_fails_half_way_leaves_the_book_as_it_was(school, monkeypatch):
    """计算逾期 breaks after it has rewritten the status columns: the message does not claim the
    book is fine, and the book open in Excel is the one saved when the button was pressed."""
    path = _class_in(school)
    book = clicked(monkeypatch, path)
    book.sheets[STUDENTS.name].range("A2").value = "王小明"  # typed, not saved yet
    before = values(book, STUDENTS.name)
    # breaks after the status block is drawn, before 逾期提醒
    monkeypatch.setattr(entry.jobs.class_book.spec, "todo_spec", lambda *a: 1 / 0)

    entry.overdue_book()

    shown = alert(book)
    assert shown["mode"] == "critical" and "没有被改坏" not in shown["prompt"]
    assert "已经撤销" in shown["prompt"]
    reopened = book.app.books[path.name]  # closed unsaved, opened again as saved at the click
    assert xe.state(reopened) is not xe.state(book) and len(book.app.books) == 1
    assert values(reopened, STUDENTS.name) == before
    assert STATUS_SHEET not in [s.name for s in reopened.sheets]


def test_consolidate_that_fails_half_way_is_undone(demo_school, tmp_path, monkeypatch):
    shutil.copytree(demo_school, tmp_path / "s")
    master = tmp_path / "s" / MASTER_FILE
    book = clicked(monkeypatch, master)
    entry.consolidate_school()
    built = {n: values(book, n) for n in RESULT_SHEETS if n != "概览"}
    reopened_before = len(xe.state(book.app).books.opened)
    monkeypatch.setattr(entry.jobs.master, "chart_blocks", lambda *a: 1 / 0)  # after 概览 emptied

    entry.consolidate_school()

    shown = alert(book)
    assert "已经撤销" in shown["prompt"] and "没有被改坏" not in shown["prompt"]
    assert len(xe.state(book.app).books.opened) == reopened_before + 1
    again = book.app.books[MASTER_FILE]
    assert {n: values(again, n) for n in built} == built


def test_when_the_undo_itself_fails_the_user_is_told_to_close_unsaved(school, monkeypatch):
    path = _class_in(school)
    book = clicked(monkeypatch, path)
    # breaks after the status block is drawn, before 逾期提醒
    monkeypatch.setattr(entry.jobs.class_book.spec, "todo_spec", lambda *a: 1 / 0)
    monkeypatch.setattr(xe.Book, "close", lambda self: 1 / 0)
    entry.overdue_book()
    assert "选择「不保存」" in alert(book)["prompt"]


def test_text_from_the_school_stays_text_in_the_excel_built_master(
    demo_school, tmp_path, monkeypatch
):
    from test_consolidate import HOSTILE_SCHOOL, _text_school

    shutil.copytree(demo_school, tmp_path / "s")
    master = tmp_path / "s" / MASTER_FILE
    _text_school(master)
    book = clicked(monkeypatch, master)
    entry.consolidate_school()
    assert alert(book)["mode"] == "info", alert(book)["prompt"]
    grid = xe.state(book.sheets["概览"]).grid
    assert grid[(1, 1)].formula is None and grid[(1, 1)].value.startswith(HOSTILE_SCHOOL)
    formulas = [c.formula for c in grid.values() if c.formula]
    assert formulas == ['=COUNTIF(逾期清单!A:A,"已逾期")']
    teachers = xe.state(book.sheets["教师统计"]).grid.values()
    assert [c for c in teachers if c.value == "=1+2" and c.formula is None]
    assert not [c for c in teachers if c.formula]
