"""一生一档 (issue 20): the 联系卡 columns of 学生档案, and `xlsync print` — 档案卡 (one A4 page
per child), 联系卡 (four to a page) and 谈心记录卡, as a workbook and, through LibreOffice, a PDF."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import needs_soffice, record, student, write_class_book
from openpyxl import load_workbook

from xlsync.core.calendar import Calendar, Term
from xlsync.core.dossier import mask_id, pick_term
from xlsync.core.render.cards import contact_pages
from xlsync.core.tables import column_letter
from xlsync.errors import XlsyncError
from xlsync.files.discover import folder_class_files
from xlsync.files.reader import read_class_workbook
from xlsync.jobs.validate import validate
from xlsync.schema import CONTACT_COLUMNS, STUDENTS, TEMPLATE_VERSION

AS_OF = dt.date(2026, 11, 30)
AUTUMN = Term("2026秋季学期", dt.date(2026, 9, 1), dt.date(2027, 1, 22))
SPRING = Term("2027春季学期", dt.date(2027, 2, 22), dt.date(2027, 7, 2))
CAL = Calendar((AUTUMN, SPRING), ())
# issue 19.1's guardianship block (H1), as named in its schema: looked up by header name
CARER = {
    "委托照护人": "周桂英",
    "委托照护人关系": "其他亲属",
    "委托照护人电话": "13911112222",
    "委托书面告知学校日期": dt.date(2026, 9, 6),
}


def _cells(path: Path, sheet: str) -> list[str]:
    ws = load_workbook(path)[sheet]
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def _with_columns(path: Path, values: dict[int, dict[str, object]]) -> Path:
    """Give 学生档案 rows values in columns found by header, adding a header that is missing
    (the workbook of a template that does not have it yet)."""
    wb = load_workbook(path)
    ws = wb[STUDENTS.name]
    headers = {c.value: c.column for c in ws[1] if c.value}
    for row, fields in values.items():
        for header, value in fields.items():
            if header not in headers:
                headers[header] = ws.max_column + 1
                ws.cell(1, headers[header], header)
            ws.cell(row, headers[header], value)
    wb.save(path)
    return path


# ---------------------------------------------------------------- point 1: the columns


def test_contact_columns_are_optional_version_2_columns_after_the_earlier_ones():
    headers = STUDENTS.headers
    names = [c.header for c in CONTACT_COLUMNS]
    assert names == ["父亲务工单位及地址", "母亲务工单位及地址", "监护人职业", "学生健康状况"]
    assert all(c.since == 2 <= TEMPLATE_VERSION and not c.required for c in CONTACT_COLUMNS)
    assert headers.index("备注") < min(headers.index(n) for n in names)
    assert STUDENTS.column("学生健康状况").choices == ("健康", "一般", "较差", "患病或残疾")


def test_a_workbook_without_the_contact_columns_reads_as_before(tmp_path: Path):
    path = write_class_book(tmp_path / "三年级2班.xlsx", [student()])
    wb = load_workbook(path)
    ws = wb[STUDENTS.name]
    for header in reversed([c.header for c in CONTACT_COLUMNS]):
        column = next(c.column for c in ws[1] if c.value == header)
        ws.delete_cols(column)
    wb.save(path)
    result = validate([path], None, AS_OF)
    assert [
        i for i in result.to_dict()["issues"] if i["column"] in {c.header for c in CONTACT_COLUMNS}
    ] == []
    assert read_class_workbook(path).students.data.loc[2, "学生健康状况"] is None


def test_student_health_is_checked_against_its_choices(tmp_path: Path):
    path = write_class_book(tmp_path / "三年级2班.xlsx", [student(学生健康状况="很好")])
    issues = validate([path], None, AS_OF).to_dict()["issues"]
    assert [(i["column"], i["value"]) for i in issues if i["column"] == "学生健康状况"] == [
        ("学生健康状况", "很好")
    ]


# ---------------------------------------------------------------- the pure parts


def test_the_term_printed_is_the_one_holding_as_of_else_the_latest_begun():
    assert pick_term(CAL, None, AS_OF) == AUTUMN
    assert pick_term(CAL, None, dt.date(2027, 2, 1)) == AUTUMN  # winter vacation
    assert pick_term(CAL, None, dt.date(2027, 3, 1)) == SPRING
    assert pick_term(CAL, "2027春季学期", AS_OF) == SPRING
    with pytest.raises(XlsyncError, match="2026秋季学期、2027春季学期"):
        pick_term(CAL, "2027秋季学期", AS_OF)


def test_ids_show_only_their_last_four_characters():
    assert mask_id("430102201503010075") == "**************0075"
    assert mask_id("") == ""


def test_contact_cards_take_a_page_per_four_children():
    assert [contact_pages(n) for n in (1, 4, 5, 8, 9)] == [1, 1, 2, 2, 3]


# ---------------------------------------------------------------- the command


@pytest.fixture
def klass(school: Path) -> Path:
    """三年级2班 with three children: one complete, one with gaps and a wrong phone, one in
    the care of an entrusted carer (issue 19.1's columns)."""
    path = school / "班级台账" / "三年级2班.xlsx"
    children = [
        student(姓名="王小明", 监护人电话="13800001111"),
        student(
            姓名="李小红",
            性别="女",
            身份证号="",
            监护人电话="1380000",
            家庭住址=None,
            监护人职业=None,
            学生健康状况=None,
        ),
        student(姓名="赵小刚", 身份证号="", 监护人电话="13800003333"),
    ]
    records = [
        record(
            学生姓名="王小明", 日期=dt.date(2026, 9, 15), 帮扶类型="谈心", 内容摘要="谈学习习惯"
        ),
        record(
            学生姓名="王小明", 日期=dt.date(2026, 11, 3), 帮扶类型="家访", 内容摘要="与奶奶交流"
        ),
        record(
            学生姓名="王小明",
            日期=dt.date(2026, 10, 8),
            帮扶类型="亲情电话",
            内容摘要=None,
            效果与跟进=None,
        ),
    ]
    write_class_book(path, children, records)
    return _with_columns(
        path, {4: {**CARER, "寄宿": "住校", "残疾类别": "肢体", "残疾等级": "四级"}}
    )


def test_a_class_prints_three_sheets_in_one_workbook(run, school: Path, klass: Path):
    result = run("print", klass, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    out = school / "打印档案" / "档案卡_三年级2班_2026秋季学期.xlsx"
    assert str(out) in result.stdout
    wb = load_workbook(out)
    assert wb.sheetnames == ["留守儿童档案卡", "联系卡", "谈心记录卡"]
    cards = wb["留守儿童档案卡"]
    assert len(cards.row_breaks.brk) == 2  # three children, a page each
    assert cards.print_title_rows == "$1:$1" and cards.page_setup.paperSize == 9
    assert "内部资料 注意保密" in cards.oddFooter.right.text
    assert "测试小学" in cards.oddFooter.left.text
    assert len(wb["联系卡"].row_breaks.brk) == 0  # three cards: one page
    talks = _cells(out, "谈心记录卡")
    assert "谈学习习惯" in talks and "与奶奶交流" in talks


def test_phone_numbers_and_ids_shrink_to_fit_rather_than_break(run, klass: Path, school: Path):
    """A font standing in for 宋体 (LibreOffice on Linux) drew 11 digits wider than their
    column and broke a phone number over two lines; such values shrink to fit instead."""
    run("print", klass, "--as-of", AS_OF)
    ws = load_workbook(school / "打印档案" / "档案卡_三年级2班_2026秋季学期.xlsx")["留守儿童档案卡"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    words = [c for c in cells if c.value.isascii() and c.value.isdigit() and len(c.value) >= 11]
    assert words
    assert all(c.alignment.shrink_to_fit and not c.alignment.wrap_text for c in words)
    texts = [c for c in cells if c.row > 2 and not c.value.isascii() and c.font.b is not True]
    assert texts and all(c.alignment.wrap_text for c in texts)  # text still wraps


def test_the_term_table_is_the_obligation_engines_judgement(run, klass: Path, school: Path):
    """王小明: 谈心 in September only → 10月 missed, November (due 11-30) 即将到期."""
    run("print", klass, "--as-of", AS_OF, "--child", "王小明")
    ws = load_workbook(school / "打印档案" / "档案卡_三年级2班_2026秋季学期.xlsx")["留守儿童档案卡"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    talk = next(r for r in rows if r[0] == "谈心·每月")
    assert [v for v in talk if v is not None] == ["谈心·每月", "2 期", "1 期", "即将到期", "10月"]
    visit = next(r for r in rows if r[0] == "家访·每学期")
    assert [v for v in visit if v is not None][3] == "已完成"
    folded = next(r for r in rows if r[1] == "亲情电话")
    assert folded[0] == "共 1 次"  # a call without a summary is folded to one line per type


def test_a_card_with_gaps_prints_and_says_what_is_missing(run, klass: Path, school: Path):
    result = run("print", klass, "--as-of", AS_OF)
    assert result.exit_code == 0
    line = next(x for x in result.stderr.splitlines() if "李小红" in x)
    assert "家庭住址" in line and "监护人职业" in line and "学生健康状况" in line
    assert "有错 监护人电话" in line
    assert "王小明" not in result.stderr  # complete: nothing to say
    values = _cells(school / "打印档案" / "档案卡_三年级2班_2026秋季学期.xlsx", "联系卡")
    assert "1380000" in values  # as typed: the teacher sees what to correct


def test_ids_are_masked_unless_full(run, klass: Path, tmp_path: Path):
    full_id = student()["身份证号"]
    run("print", klass, "--as-of", AS_OF, "-o", tmp_path / "masked.xlsx")
    masked = _cells(tmp_path / "masked.xlsx", "留守儿童档案卡")
    assert full_id not in masked and mask_id(full_id) in masked
    run("print", klass, "--as-of", AS_OF, "--full", "-o", tmp_path / "full.xlsx")
    assert full_id in _cells(tmp_path / "full.xlsx", "留守儿童档案卡")


def test_a_card_shows_the_entrusted_carer_and_the_written_notice(run, klass: Path, tmp_path: Path):
    run("print", klass, "--as-of", AS_OF, "--child", "赵小刚", "-o", tmp_path / "c.xlsx")
    for sheet in ("留守儿童档案卡", "联系卡"):
        values = _cells(tmp_path / "c.xlsx", sheet)
        assert any("周桂英" in v for v in values), sheet
        assert "2026-09-06" in values and "13911112222" in values
    profile = _cells(tmp_path / "c.xlsx", "留守儿童档案卡")
    assert "住校" in profile and "肢体；四级" in profile  # issue 19.3's fields, by header name


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--child", "张三", "没有找到学生「张三」"),
        ("--class", "九年级9班", "没有找到班级「九年级9班」"),
    ],
)
def test_an_unknown_child_or_class_is_a_chinese_message_and_exit_2(
    run, klass: Path, option: str, value: str, words: str
):
    result = run("print", klass, "--as-of", AS_OF, option, value)
    assert result.exit_code == 2
    assert words in result.stderr and "Traceback" not in result.output


def test_the_master_prints_a_chosen_class_and_the_printout_is_never_read_as_one(
    run, school: Path, klass: Path
):
    write_class_book(school / "班级台账" / "四年级1班.xlsx", [student(姓名="孙小丽")])
    result = run("print", school / "全校汇总.xlsx", "--class", "三年级2班", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    names = _cells(school / "打印档案" / "档案卡_三年级2班_2026秋季学期.xlsx", "联系卡")
    assert "王小明" in names and "孙小丽" not in names
    run("print", school / "全校汇总.xlsx", "--as-of", AS_OF)
    assert "孙小丽" in _cells(school / "打印档案" / "档案卡_全校_2026秋季学期.xlsx", "联系卡")
    with_printout = (
        school / "班级台账" / "打印档案"
    )  # even when someone puts it in the class folder
    shutil.copytree(school / "打印档案", with_printout)
    assert all("打印档案" not in p.parts for p in folder_class_files(school / "班级台账"))


def test_pdf_without_libreoffice_is_a_chinese_message_and_the_workbook_is_kept(
    run, klass: Path, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    result = run("print", klass, "--as-of", AS_OF, "--pdf", "-o", tmp_path / "p.xlsx")
    assert result.exit_code == 2 and "没有安装 LibreOffice" in result.stderr
    assert (tmp_path / "p.xlsx").is_file()


# ---------------------------------------------------------------- printed by LibreOffice


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def _footer(page: str) -> str:
    return [line for line in page.splitlines() if line.strip()][-1]


@needs_soffice
@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_pdf_has_a_page_per_child_and_a_contact_page_per_four(tmp_path: Path):
    """The demo school's 三年级1班 printed from the master, plus one child given a carer: one
    档案卡 page per child holding its name, class and guardian phone; ceil(n/4) 联系卡 pages;
    no #### anywhere; the carer's card shows the carer and the written-notice date."""
    from xlsync.demo import DemoSize, generate_school
    from xlsync.jobs.print import Selection, print_dossiers

    master = generate_school(tmp_path / "演示学校", AS_OF, DemoSize(2, 9))
    klass = master.parent / "班级台账" / "一年级1班.xlsx"
    _with_columns(klass, {3: CARER})
    done = print_dossiers([master], Selection(classes=["一年级1班"]), as_of=AS_OF, pdf=True)
    assert done.pdf is not None
    cards = [c for c in done.cards]
    pages = _pages(done.pdf)
    assert [p for p in pages if "####" in p] == []
    profiles = [p for p in pages if "留守儿童档案卡" in _footer(p)]
    assert len(profiles) == len(cards) == 9
    for page, card in zip(profiles, cards, strict=True):
        assert card.name in page and "一年级1班" in page
        assert card.get("监护人电话") in page
    contacts = [p for p in pages if "联系卡" in _footer(p)]
    assert len(contacts) == math.ceil(len(cards) / 4) == 3
    carer = profiles[1]  # row 3 is the second child
    assert "周桂英" in carer and "2026-09-06" in carer


# ---------------------------------------------------------------- point 3: the Excel button


def _click(monkeypatch, path: Path):
    import excel_engine as xe

    import xlsync.ribbon as entry

    book = xe.load(path)
    monkeypatch.setattr(entry, "caller", lambda: book)
    monkeypatch.setattr(entry, "today", lambda: AS_OF)
    return book, entry, xe


def test_the_button_in_a_class_workbook_prints_what_the_command_prints(
    run, klass: Path, monkeypatch, tmp_path: Path
):
    """打印档案 on the open class workbook: the same workbook `xlsync print` gives, in 打印档案
    next to the book, opened in Excel; what the teacher typed and did not save is printed."""
    book, entry, xe = _click(monkeypatch, klass)
    entry.print_book()
    made = klass.parent / "打印档案" / "档案卡_三年级2班_2026秋季学期.xlsx"
    assert xe.state(book.app).books.opened == [str(made)]
    assert "已生成 3 名学生" in xe.state(book.app).alerts[-1]["prompt"]
    run("print", klass, "--as-of", AS_OF, "-o", tmp_path / "cli.xlsx")
    for sheet in ("留守儿童档案卡", "联系卡", "谈心记录卡"):
        assert _cells(made, sheet) == _cells(tmp_path / "cli.xlsx", sheet), sheet
    phone = column_letter(STUDENTS.headers.index("监护人电话") + 1)
    book.sheets[STUDENTS.name].range(f"{phone}2").value = "'13899998888"  # typed, not saved
    entry.print_book()
    assert "13899998888" in _cells(made, "联系卡")


def test_the_button_in_the_master_prints_the_class_asked_for(
    school: Path, klass: Path, monkeypatch
):
    book, entry, xe = _click(monkeypatch, school / "全校汇总.xlsx")
    entry.print_book("三年级2班")
    made = school / "打印档案" / "档案卡_三年级2班_2026秋季学期.xlsx"
    assert xe.state(book.app).books.opened == [str(made)]
    entry.print_book("九年级9班")
    box = xe.state(book.app).alerts[-1]
    assert "没有找到班级「九年级9班」" in box["prompt"] and box["mode"] == "critical"


def test_a_class_kept_in_google_sheets_prints_as_the_same_rows_in_excel(fake, school, tmp_path):
    """The same core serves the Google class path: `gsheet:ID` prints the cards a workbook
    with the same rows gives."""
    from test_google_classes import SID, fill, google

    from xlsync.jobs.classes import new_class
    from xlsync.jobs.print import Selection, print_dossiers
    from xlsync.schema import RECORDS

    rows = [student(姓名="王小明"), student(姓名="李小红", 身份证号="")]
    records = [record(学生姓名="王小明", 帮扶类型="谈心", 内容摘要="谈学习习惯")]
    new_class(school, "四年级1班", "张老师", SID, google())
    fill(fake, "学生档案", STUDENTS, rows)
    fill(fake, "帮扶记录", RECORDS, records)
    excel = write_class_book(tmp_path / "四年级1班.xlsx", rows, records)
    master = school / "全校汇总.xlsx"
    select = Selection(classes=["四年级1班"])
    sheet = print_dossiers(
        ["gsheet:" + SID], select, master, AS_OF, tmp_path / "g.xlsx", google=google()
    )
    book = print_dossiers([excel], select, master, AS_OF, tmp_path / "x.xlsx")
    assert [c.name for c in sheet.cards] == ["王小明", "李小红"]
    for name in ("留守儿童档案卡", "联系卡", "谈心记录卡"):
        assert _cells(sheet.workbook, name) == _cells(book.workbook, name), name


def test_a_class_that_cannot_be_read_is_named_and_the_rest_still_print(run, school, klass):
    (school / "班级台账" / "五年级1班.xlsx").write_text("不是工作簿")
    result = run("print", school / "全校汇总.xlsx", "--as-of", AS_OF)
    assert result.exit_code == 2 and "没有读到" in result.stderr and "五年级1班" in result.stderr
    (printed,) = (school / "打印档案").glob("*.xlsx")
    assert "王小明" in _cells(printed, "联系卡")


def test_the_master_prints_its_classes_kept_in_google_sheets_too(fake, school, klass):
    from test_google_classes import SID, fill, google

    from xlsync.jobs.classes import new_class
    from xlsync.jobs.print import print_dossiers

    new_class(school, "四年级1班", "张老师", SID, google())
    fill(fake, "学生档案", STUDENTS, [student(姓名="钱小多")])
    done = print_dossiers([school / "全校汇总.xlsx"], as_of=AS_OF, google=google())
    assert {(c.class_name, c.name) for c in done.cards} >= {
        ("三年级2班", "王小明"),
        ("四年级1班", "钱小多"),
    }
