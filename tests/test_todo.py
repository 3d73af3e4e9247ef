"""逾期提醒 as a to-do list (issue 16.3): on a hand-built class whose items are known, the sheet
and the text of `xlsync overdue` list (a) this period's work, soonest first, (b) the misses of
the last four weeks, most recent first, (c) the earlier misses folded per child and rule; the
status columns keep this period's state apart from the count of misses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess

import pytest
from conftest import needs_soffice, record, student, write_class_book
from openpyxl import load_workbook

from xlsync.core.obligations import DONE, OVERDUE, Item
from xlsync.core.render.class_book import SECTION_LOOK
from xlsync.core.status_view import NOTHING_TO_DO, TodoRow, todo_rows
from xlsync.core.todo import EARLIER, RECENT, section_of
from xlsync.demo import generate_school
from xlsync.jobs.overdue import overdue
from xlsync.schema import CLASS_DIR, EVENT_PERIODS, STATUS_SHEET, STUDENTS

AS_OF = "2026-11-30"  # a Monday: week 49 runs to 12-06
KEPT_RULES = ("谈心", "亲情电话", "家访")  # 每月 remind 7, 每周 remind 2, 每学期 remind 14
D = dt.date
TALK, CALL, VISIT = "谈心·每月", "亲情电话·每周", "家访·每学期"

# 王小明 (row 2, 留守, filed 10-12): calls in weeks 42 and 47 only, a visit, no talk.
# 李小红 (row 3, 孤儿, filed 09-01): talks in September and November, no visit.
# 赵小刚 (row 4, 留守, filed 11-16): this week's call done, weeks 47 and 48 missed; a talk.
STUDENTS_ROWS = [
    student(建档日期=D(2026, 10, 12)),
    student(姓名="李小红", 性别="女", 身份证号="", 儿童类别="孤儿", 留守类型=""),
    student(姓名="赵小刚", 身份证号="", 建档日期=D(2026, 11, 16)),
]
RECORD_ROWS = [
    record(学生姓名="王小明", 帮扶类型="亲情电话", 日期=D(2026, 10, 14)),
    record(学生姓名="王小明", 帮扶类型="亲情电话", 日期=D(2026, 11, 18)),
    record(学生姓名="王小明", 帮扶类型="家访", 日期=D(2026, 11, 2)),
    record(学生姓名="李小红", 帮扶类型="谈心", 日期=D(2026, 9, 10)),
    record(学生姓名="李小红", 帮扶类型="谈心", 日期=D(2026, 11, 5)),
    record(学生姓名="赵小刚", 帮扶类型="亲情电话", 日期=D(2026, 11, 30)),
    record(学生姓名="赵小刚", 帮扶类型="谈心", 日期=D(2026, 11, 20)),
]
FOLD_NOTE = "（每名学生每项帮扶合并为一行，次数为本学年合计）"
EXPECTED_SHEET = [
    ("一、本期待办：4 项（先做快到期的）",),
    ("即将到期", "王小明", TALK, "2026年11月", D(2026, 11, 30), None, "张老师", "第2行"),
    ("待完成", "王小明", CALL, "2026年第49周", D(2026, 12, 6), None, "张老师", "第2行"),
    ("待完成", "李小红", VISIT, "2026秋季学期", D(2027, 1, 22), None, "张老师", "第3行"),
    ("待完成", "赵小刚", VISIT, "2026秋季学期", D(2027, 1, 22), None, "张老师", "第4行"),
    ("二、近四周漏做：5 项（最近的在前）",),
    ("已逾期", "王小明", CALL, "2026年第48周", D(2026, 11, 29), 1, "张老师", "第2行"),
    ("已逾期", "赵小刚", CALL, "2026年第48周", D(2026, 11, 29), 1, "张老师", "第4行"),
    ("已逾期", "赵小刚", CALL, "2026年第47周", D(2026, 11, 22), 8, "张老师", "第4行"),
    ("已逾期", "王小明", CALL, "2026年第46周", D(2026, 11, 15), 15, "张老师", "第2行"),
    ("已逾期", "王小明", CALL, "2026年第45周", D(2026, 11, 8), 22, "张老师", "第2行"),
    ("三、本学年更早的漏做：3 行" + FOLD_NOTE,),
    (
        "已逾期",
        "王小明",
        CALL,
        "本学年漏 5 周，最近一次漏在 11-23 那周",
        None,
        None,
        "张老师",
        "第2行",
    ),
    ("已逾期", "王小明", TALK, "本学年漏 1 个月，最近一次漏在 10月", None, None, "张老师", "第2行"),
    ("已逾期", "李小红", TALK, "本学年漏 1 个月，最近一次漏在 10月", None, None, "张老师", "第3行"),
]


@pytest.fixture
def todo_class(school):
    """The class above in the school's folder, under a master keeping only three rules."""
    master = school / "全校汇总.xlsx"
    wb = load_workbook(master)
    rules = wb["帮扶规则"]
    for row in reversed(range(2, rules.max_row + 1)):
        if rules.cell(row, 1).value not in KEPT_RULES or rules.cell(row, 2).value in EVENT_PERIODS:
            rules.delete_rows(row)
    wb.save(master)
    return write_class_book(
        school / CLASS_DIR / "三年级2班.xlsx", students=STUDENTS_ROWS, records=RECORD_ROWS
    )


def _plain(value):
    return value.date() if isinstance(value, dt.datetime) else value


def _todo_sheet(path):
    ws = load_workbook(path)[STATUS_SHEET]
    rows = [tuple(_plain(v) for v in row) for row in ws.iter_rows(min_row=2, values_only=True)]
    return [r if any(v is not None for v in r[1:]) else r[:1] for r in rows], ws


def test_the_todo_sheet_lists_the_three_sections_in_order(todo_class, run):
    assert run("overdue", todo_class, "--as-of", AS_OF, "--write").exit_code == 0
    rows, ws = _todo_sheet(todo_class)
    assert rows == EXPECTED_SHEET
    for n, row in enumerate(rows, start=2):
        cell = ws.cell(n, 8)
        if len(row) == 1:  # a section title: light blue and bold across the table
            fills = {ws.cell(n, c).fill.fgColor.rgb[-6:] for c in range(1, 9)}
            assert fills == {SECTION_LOOK.fill} and ws.cell(n, 1).font.b
            assert cell.hyperlink is None
        else:
            assert cell.hyperlink.location == f"'{STUDENTS.name}'!A{row[7][1:-1]}"


def test_status_columns_keep_this_period_apart_from_the_misses(todo_class, run):
    run("overdue", todo_class, "--as-of", AS_OF, "--write")
    ws = load_workbook(todo_class)[STUDENTS.name]
    header = [c.value for c in ws[1]]
    start = header.index("谈心·本月")
    assert header[start:] == [
        "谈心·本月",
        "亲情电话·本周",
        "家访·本学期",
        "最近截止",
        "漏做次数",
        "漏做明细",
    ]
    rows = [[_plain(v) for v in r[start:]] for r in ws.iter_rows(2, 4, values_only=True)]
    assert rows == [
        [
            "即将到期(11-30)",
            "待完成(12-06)",
            "已完成",
            D(2026, 11, 30),
            6,
            "谈心1个月、亲情电话5周",
        ],
        ["已完成", "—", "待完成(01-22)", D(2027, 1, 22), 1, "谈心1个月"],
        # two calls missed, yet this week's is done: the state says so
        ["已完成", "已完成", "待完成(01-22)", D(2027, 1, 22), 2, "亲情电话2周"],
    ]
    rules = {
        (str(cf.sqref), r.type, r.text or r.formula[0])
        for cf in ws.conditional_formatting
        for r in cf.rules
    }
    first, last = ws.cell(2, start + 1).column_letter, ws.cell(2, start + 3).column_letter
    count = ws.cell(2, start + 5).column_letter
    states = f"{first}2:{last}{ws.max_row}"
    assert rules == {
        (states, "containsText", "即将到期"),
        (states, "containsText", "已完成"),
        (f"{count}2:{count}{ws.max_row}", "cellIs", "0"),
    }


TEXT_HEAD = [
    "张老师（三年级2班）：已逾期 9 项（近四周 5 项），即将到期 1 项，待完成 3 项，本期已完成 7 项",
    "  一、本期待办：4 项（先做快到期的）",
    "    ! 王小明  谈心·每月：即将到期（截止 2026-11-30）",
    "    · 王小明  亲情电话·每周：待完成（截止 2026-12-06）",
    "    · 李小红  家访·每学期：待完成（截止 2027-01-22）",
    "    · 赵小刚  家访·每学期：待完成（截止 2027-01-22）",
    "  二、近四周漏做：5 项（最近的在前）",
    "    ✗ 王小明  亲情电话·每周：11-23 那周漏做（截止 2026-11-29，已过 1 天）",
    "    ✗ 赵小刚  亲情电话·每周：11-23 那周漏做（截止 2026-11-29，已过 1 天）",
    "    ✗ 赵小刚  亲情电话·每周：11-16 那周漏做（截止 2026-11-22，已过 8 天）",
    "    ✗ 王小明  亲情电话·每周：11-09 那周漏做（截止 2026-11-15，已过 15 天）",
    "    ✗ 王小明  亲情电话·每周：11-02 那周漏做（截止 2026-11-08，已过 22 天）",
    "  三、本学年更早的漏做：3 行" + FOLD_NOTE,
]
FOLDED_TEXT = [
    "    ✗ 王小明  亲情电话·每周：本学年漏 5 周，最近一次漏在 11-23 那周",
    "    ✗ 王小明  谈心·每月：本学年漏 1 个月，最近一次漏在 10月",
    "    ✗ 李小红  谈心·每月：本学年漏 1 个月，最近一次漏在 10月",
]


def _block(out: str) -> list[str]:
    lines = out.splitlines()
    return lines[
        lines.index(TEXT_HEAD[0]) : next(i for i, x in enumerate(lines) if x[:3] == "全校：")
    ]


def test_the_text_report_is_short_by_default_and_whole_with_all(todo_class, run):
    short = run("overdue", todo_class, "--as-of", AS_OF)
    assert short.exit_code == 0
    assert _block(short.stdout) == TEXT_HEAD + ["    （加 --all 列出这 3 行）"]
    whole = run("overdue", todo_class, "--as-of", AS_OF, "--all")
    assert _block(whole.stdout) == TEXT_HEAD + FOLDED_TEXT


def test_json_names_the_section_of_each_item(todo_class, run):
    doc = json.loads(run("overdue", todo_class, "--as-of", AS_OF, "--format", "json").stdout)
    sections = {(i["child"], i["rule"], i["period_start"]): i["section"] for i in doc["items"]}
    assert sections[("王小明", TALK, "2026-11-01")] == "current"
    assert sections[("王小明", CALL, "2026-11-02")] == "recent"
    assert sections[("王小明", CALL, "2026-10-26")] == "earlier"  # ended 11-01: 29 days ago
    assert sections[("王小明", VISIT, "2026-09-01")] is None  # done
    assert len(doc["items"]) == 20 and {i["status"] for i in doc["items"]} >= {OVERDUE}


def _miss(days: int) -> Item:
    end = D(2026, 11, 30) - dt.timedelta(days=days)
    start = end - dt.timedelta(days=6)
    return Item(
        "三年级2班", "王小明", "k", "张老师", CALL, "", start, end, OVERDUE, end, days, "f", 2
    )


@pytest.mark.parametrize(("days", "section"), [(1, RECENT), (28, RECENT), (29, EARLIER)])
def test_a_miss_is_recent_for_four_weeks_after_its_period(days, section):
    assert section_of(_miss(days)) == section


@needs_soffice
@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
def test_the_demo_class_prints_this_weeks_work_on_page_one(tmp_path):
    """The issue's case: 二年级2班 of the demo school, 逾期提醒 printed by LibreOffice."""
    as_of = D(2026, 11, 30)
    master = generate_school(tmp_path / "演示学校", as_of)
    path = master.parent / CLASS_DIR / "二年级2班.xlsx"
    assert overdue([path], master, as_of, write=True).written == [str(path)]
    wb = load_workbook(path)
    for name in wb.sheetnames:
        if name != STATUS_SHEET:
            del wb[name]
    wb.save(tmp_path / "逾期提醒.xlsx")
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    pdf = ["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path)]
    subprocess.run([*pdf, str(tmp_path / "逾期提醒.xlsx")], check=True, timeout=180)
    page = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(tmp_path / "逾期提醒.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    first_words = [line.split()[0] for line in page.splitlines() if line.strip()]
    assert first_words[0] == "状态" and first_words[1].startswith("一、本期待办")
    statuses = first_words[2:-1]  # the last line is the page's footer (school, page number)
    assert first_words[-1] == "青山镇中心小学"
    assert len(statuses) > 20 and set(statuses) == {"即将到期", "待完成"}
    assert statuses == sorted(statuses, key=["即将到期", "待完成"].index)


def test_a_block_written_before_16_3_is_replaced_in_place(todo_class, run):
    """Old blocks ended with 逾期项数 and 最近截止; the new one takes their place, one column
    wider, and nothing of the old is left behind."""
    wb = load_workbook(todo_class)
    ws = wb[STUDENTS.name]
    start = len(STUDENTS.headers) + 1
    for offset, header in enumerate(
        ["谈心·本月", "亲情电话·本周", "家访·本学期", "逾期项数", "最近截止"]
    ):
        ws.cell(1, start + offset, header)
        ws.cell(2, start + offset, "已逾期6次" if offset < 3 else 6)
    wb.save(todo_class)
    run("overdue", todo_class, "--as-of", AS_OF, "--write")
    ws = load_workbook(todo_class)[STUDENTS.name]
    header = [c.value for c in ws[1]]
    assert header[start - 1 :] == [
        "民政留守",  # issue 19.2
        "学籍留守代码",
        "谈心·本月",
        "亲情电话·本周",
        "家访·本学期",
        "最近截止",
        "漏做次数",
        "漏做明细",
    ]
    assert "已逾期6次" not in [c.value for c in ws[2]]


def test_the_first_section_says_so_when_this_period_is_all_done():
    done = dataclasses.replace(_miss(1), status=DONE, days_overdue=0, period_end=D(2026, 12, 6))
    rows = todo_rows([done, _miss(3), _miss(40)])
    assert [r.values[0] for r in rows if r.title] == [
        "一、本期待办：没有（本期的帮扶都做完了）",
        "二、近四周漏做：1 项（最近的在前）",
        "三、本学年更早的漏做：1 行" + FOLD_NOTE,
    ]
    assert todo_rows([done]) == [TodoRow(["", NOTHING_TO_DO])]
