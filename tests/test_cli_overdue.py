"""`xlsync overdue`: the JSON contract, per-teacher text, --write, determinism, bad rules."""

from __future__ import annotations

import datetime as dt
import json
import re

from conftest import record, student, write_class_book
from openpyxl import load_workbook

from xlsync.core.status_view import OWNED_HEADER
from xlsync.files.school import create_class
from xlsync.schema import STATUS_SHEET, STUDENTS

ITEM_FIELDS = {
    "class",
    "child",
    "child_key",
    "teacher",
    "rule",
    "period_start",
    "period_end",
    "status",
    "due",
    "days_overdue",
}


def _book(class_book):
    return class_book(
        students=[
            student(),
            student(
                姓名="李小红", 性别="女", 身份证号="", 儿童类别="孤儿", 留守类型="", 在校状态="转出"
            ),
        ],
        records=[
            record(日期=dt.date(2026, 11, 20)),
            record(日期=dt.date(2026, 10, 8), 帮扶类型="家访"),
        ],
    )


def test_json_contract(school, class_book, run):
    path = _book(class_book)
    result = run(
        "overdue",
        path,
        "--master",
        school / "全校汇总.xlsx",
        "--as-of",
        "2026-11-30",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["as_of"] == "2026-11-30"
    assert all(ITEM_FIELDS <= set(item) for item in doc["items"])
    by_rule = {(i["rule"], i["period_start"]): i for i in doc["items"]}
    assert by_rule[("谈心·每月", "2026-11-01")]["status"] == "已完成"
    assert by_rule[("谈心·每月", "2026-10-01")] | {"child_key": ""} == {
        "class": "三年级2班",
        "child": "王小明",
        "child_key": "",
        "teacher": "张老师",
        "rule": "谈心·每月",
        "period": "2026年10月",
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "status": "已逾期",
        "due": "2026-10-31",
        "days_overdue": 30,
        "file": str(path),
        "row": 2,
        "section": "earlier",  # ended more than four weeks ago (16.3)
    }
    assert by_rule[("家访·每学期", "2026-09-01")]["status"] == "已完成"
    assert {i["child"] for i in doc["items"]} == {"王小明"}  # 李小红 is 转出
    children = {c["child"]: c for c in doc["children"]}
    overdue = sum(1 for i in doc["items"] if i["status"] == "已逾期")
    assert (
        children["王小明"]["overdue_count"] == overdue and children["李小红"]["overdue_count"] == 0
    )
    assert re.fullmatch(r"P[0-9a-f]{12}", children["王小明"]["child_key"])  # no ID in the JSON
    assert doc["school"]["retention_rate"] == 1.0 and doc["school"]["teachers_without_child"] == []


def test_same_inputs_same_output(class_book, run):
    path = _book(class_book)
    runs = [
        run("overdue", path, "--as-of", "2026-11-30", "--format", "json").stdout for _ in range(3)
    ]
    assert runs[0] == runs[1] == runs[2]


def test_text_is_one_block_per_teacher_most_urgent_first(class_book, run):
    path = class_book(
        students=[student(), student(姓名="赵小刚", 身份证号="", 帮扶教师="李老师")],
        records=[record(帮扶类型="亲情电话", 日期=dt.date(2026, 11, 25))],
    )
    out = run("overdue", path, "--as-of", "2026-11-30").stdout
    blocks = [line for line in out.splitlines() if "：已逾期" in line and "项" in line]
    assert [b.split("（")[0] for b in blocks] == ["李老师", "张老师"]
    assert "✗ 赵小刚  亲情电话·每周：11-23 那周漏做（截止 2026-11-29，已过 1 天）" in out
    assert "本学年漏 13 周" not in out  # earlier misses are only counted by default
    everything = run("overdue", path, "--as-of", "2026-11-30", "--all").stdout
    assert "✗ 赵小刚  亲情电话·每周：本学年漏 13 周，最近一次漏在 11-23 那周" in everything


def test_unpaired_head_teacher_is_reported(school, class_book, run):
    path = class_book(students=[student(帮扶教师="李老师")])
    out = run("overdue", path, "--master", school / "全校汇总.xlsx", "--as-of", "2026-11-30").stdout
    assert "还没有结对帮扶学生的班主任或党员教师：张老师（班主任）" in out


def _cells(path, sheets=("说明", "学生档案", "帮扶记录", "学业帮扶计划")):
    wb = load_workbook(path)
    return {
        (s, c.coordinate): (c.value, c.fill.fgColor.rgb, c.number_format)
        for s in sheets
        for row in wb[s].iter_rows()
        for c in row
        if not (
            s == "学生档案"
            and isinstance(wb[s].cell(1, c.column).value, str)
            and OWNED_HEADER.match(wb[s].cell(1, c.column).value)
        )
    }


TEACHERS_COLUMNS = len(STUDENTS.headers)  # the template's columns; the status block follows
BLOCK = (
    2 + 10 + 3
)  # 民政留守, 学籍留守代码; one column per seed rule (8 + 19.5's 2); 最近截止, 漏做次数, 漏做明细


def test_write_adds_coloured_status_columns_and_a_todo_sheet(class_book, run):
    path = _book(class_book)
    before = _cells(path)
    assert run("overdue", path, "--as-of", "2026-11-30", "--write").exit_code == 0
    wb = load_workbook(path)
    ws = wb["学生档案"]
    headers = [c.value for c in ws[1]]
    assert headers[TEACHERS_COLUMNS:] == [
        "民政留守",  # issue 19.2: the two definitions lead the block
        "学籍留守代码",
        "谈心·本月",
        "家长通话·本月",
        "亲情电话·本周",
        "学业辅导·本月",
        "家访·本学期",
        "代理家长·本学期",
        "送温暖·本学年",
        "节日慰问·节日",
        "家访·缺勤后",  # issue 19.5: "—" unless a 缺勤与劝返 row triggers it
        "书面报告·未返校后",
        "最近截止",
        "漏做次数",
        "漏做明细",
    ]
    row = {h: c.value for h, c in zip(headers, ws[2], strict=False)}
    # this period's state, whatever was missed before (谈心 and 家长通话 missed Sept and Oct)
    assert row["谈心·本月"] == "已完成" and row["家访·本学期"] == "已完成"
    assert row["学业辅导·本月"] == "—" and row["送温暖·本学年"] == "待完成(07-02)"
    assert row["家长通话·本月"] == "即将到期(11-30)" and row["漏做次数"] > 0
    assert row["漏做明细"].startswith("谈心2个月、家长通话2个月、亲情电话")
    assert row["民政留守"] == "是" and row["学籍留守代码"] == "2 双亲留守"
    rule_columns = slice(TEACHERS_COLUMNS + 2, TEACHERS_COLUMNS + 10)
    assert [c.value for c in ws[3]][rule_columns] == ["—"] * 8  # 转出
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert {r.text for r in rules if r.type == "containsText"} == {"即将到期", "已完成"}
    assert {r.dxf.fill.bgColor.rgb[-6:] for r in rules if r.type == "containsText"} == {
        "FFEB9C",
        "C6EFCE",
    }
    todo = [[c.value for c in r] for r in wb[STATUS_SHEET].iter_rows(min_row=2)]
    assert todo[0][0] == "一、本期待办：3 项（先做快到期的）"
    assert todo[1][:3] == ["即将到期", "王小明", "家长通话·每月"]
    assert all(r[0] != "已完成" for r in todo)
    assert _cells(path) == before  # nothing of the teacher's changed


def test_rerun_replaces_only_its_own_columns(class_book, run):
    path = _book(class_book)
    run("overdue", path, "--as-of", "2026-11-30", "--write")
    wb = load_workbook(path)
    wb["学生档案"]["A5"] = "教师后加的一行备注"
    wb.save(path)
    before = _cells(path)
    run("overdue", path, "--as-of", "2026-12-10", "--write")
    wb = load_workbook(path)
    headers = [c.value for c in wb["学生档案"][1]]
    assert headers.count("谈心·本月") == 1 and len(headers) == TEACHERS_COLUMNS + BLOCK
    assert wb.sheetnames.count(STATUS_SHEET) == 1
    assert _cells(path) == before
    formats = [cf for cf in wb["学生档案"].conditional_formatting]
    assert len(formats) == 2  # the status block and the count column, not twice that


def test_teacher_column_after_the_block_is_never_moved(class_book, run):
    path = _book(class_book)
    run("overdue", path, "--as-of", "2026-11-30", "--write")
    wb = load_workbook(path)
    ws = wb["学生档案"]
    last = TEACHERS_COLUMNS + BLOCK  # the teacher writes over the block's last column
    ws.cell(1, last, "家长微信")
    ws.cell(2, last, "wx123")
    wb.save(path)
    run("overdue", path, "--as-of", "2026-11-30", "--write")
    ws = load_workbook(path)["学生档案"]
    assert (ws.cell(1, last).value, ws.cell(2, last).value) == ("家长微信", "wx123")
    headers = [c.value for c in ws[1]]
    assert headers[TEACHERS_COLUMNS : last - 1] == [None] * (BLOCK - 1)
    assert headers[last] == "民政留守"


def test_bad_rule_row_stops_with_its_row_named(school, class_book, run):
    master = school / "全校汇总.xlsx"
    wb = load_workbook(master)
    wb["帮扶规则"]["B4"] = "每两周"
    wb.save(master)
    path = write_class_book(school / "班级台账" / "三年级2班.xlsx", students=[student()])
    result = run("overdue", path, "--as-of", "2026-11-30")
    assert result.exit_code == 2
    assert "全校汇总「帮扶规则」表第 4 行有空着或填错的格子" in result.stderr


def test_school_duties_of_one_class_judge_only_its_teachers(school, run):
    """Issue 18.2: one class read does not list every other class's teacher as unpaired."""
    create_class(school, "三年级3班", "李老师")  # a class with no child paired yet
    one = write_class_book(school / "班级台账" / "三年级2班.xlsx", [student()], [record()])
    master = school / "全校汇总.xlsx"
    args = ("--master", master, "--as-of", "2026-11-30")
    alone = json.loads(run("overdue", one, *args, "--format", "json").stdout)["school"]
    assert alone["teachers_without_child"] == [] and alone["classes"] == ["三年级2班"]
    text = run("overdue", one, *args).stdout
    assert "李老师" not in text and "全校汇总时才能核对" in text
    folder = json.loads(run("overdue", school / "班级台账", *args, "--format", "json").stdout)
    assert folder["school"]["classes"] is None  # every class of 班级: the whole school
    assert [t["teacher"] for t in folder["school"]["teachers_without_child"]] == ["李老师"]
