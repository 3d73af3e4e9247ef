"""安全事件 / 强制报告 (issue 19.4): the same-day rule at the day boundary, an unreported event
first in the class's 逾期提醒, the master's 逾期清单 and 概览 (in red), the master's 安全事件汇总
and its masking, the findings on bad rows, and the Google class path."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SID, fill_sheet, student
from openpyxl import load_workbook
from test_google_classes import STUDENTS_ROWS, fill, google

from xlsync.core.incidents import (
    ALARM_LABEL,
    LATE,
    ON_TIME,
    OPEN,
    RULE,
    days_late,
    report_state,
)
from xlsync.core.masking import WITHHELD
from xlsync.core.master_view import CHECK_LABEL
from xlsync.files.templates import build_class_workbook
from xlsync.jobs.classes import new_class
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.export import export
from xlsync.jobs.overdue import overdue
from xlsync.jobs.sync import master_tables
from xlsync.jobs.validate import validate
from xlsync.schema import CLASS_DIR, INCIDENT_SUMMARY, INCIDENTS, RECORDS, STATUS_SHEET, STUDENTS

AS_OF = dt.date(2026, 11, 30)
DAY = dt.timedelta(days=1)
RED = "FFC7CE"


def event(**changes: Any) -> dict[str, Any]:
    """A 安全事件 row reported the day it was found; keyword arguments override fields."""
    row = {c.header: c.example for c in INCIDENTS.columns}
    row.update(发现日期=dt.date(2026, 10, 12), 报告时间=dt.date(2026, 10, 12), 记录教师="张老师")
    row.update(changes)
    return row


def class_file(path: Path, events=(), students=None, records=()) -> Path:
    """A class workbook from the template with 王小明 (and `students`) and the given events."""
    wb = build_class_workbook(["张老师"])
    fill_sheet(wb, STUDENTS.name, students or [student()])
    fill_sheet(wb, RECORDS.name, records)
    fill_sheet(wb, INCIDENTS.name, events)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def rows_of(ws) -> list[dict[str, Any]]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in r), strict=False)) for r in ws.iter_rows(min_row=2)]


# ------------------------------------------------------------------ the same-day rule


@pytest.mark.parametrize(
    ("found", "reported", "state", "days"),
    [
        (AS_OF, AS_OF, ON_TIME, 0),  # found and reported the same day
        (AS_OF - DAY, AS_OF - DAY, ON_TIME, 0),
        (AS_OF - DAY, AS_OF, LATE, 1),  # found yesterday, reported today: 迟报
        (AS_OF - 3 * DAY, AS_OF, LATE, 3),
        (AS_OF, None, OPEN, 0),  # found today, not reported: 已逾期 at once
        (AS_OF - DAY, None, OPEN, 1),  # found yesterday, not reported
        (None, None, OPEN, 0),  # no 发现日期 either: still open, never lost
        (AS_OF, AS_OF - DAY, ON_TIME, 0),  # a report dated before: a typing mistake (finding)
    ],
)
def test_the_same_day_rule_at_the_day_boundary(found, reported, state, days):
    assert report_state(found, reported) == state
    assert days_late(found, reported, AS_OF) == days


def test_the_rule_read_from_a_class_workbook(tmp_path):
    path = class_file(
        tmp_path / "三年级2班.xlsx",
        [
            event(发现日期=AS_OF, 报告时间=None, 报告对象=None),
            event(发现日期=AS_OF - DAY, 报告时间=None, 报告对象=None),
            event(发现日期=AS_OF - DAY, 报告时间=AS_OF),
            event(发现日期=AS_OF, 报告时间=AS_OF),
            event(发现日期="2026年11月29日", 报告时间="2026/11/29 16:20"),  # the tolerant reader
        ],
    )
    found = overdue([path], None, AS_OF).incidents
    assert [(i.row, i.state, i.days) for i in found] == [
        (2, OPEN, 0),
        (3, OPEN, 1),
        (4, LATE, 1),
        (5, ON_TIME, 0),
        (6, ON_TIME, 0),
    ]
    # the day after, the one found "today" without a report is a day late
    assert [i.days for i in overdue([path], None, AS_OF + DAY).incidents][:2] == [1, 2]


# ------------------------------------------------------------------ the class's 逾期提醒


def test_an_unreported_event_heads_the_class_todo_whatever_else_is_there(tmp_path):
    path = class_file(
        tmp_path / "三年级2班.xlsx",
        [
            event(发现日期=AS_OF - 2 * DAY, 报告时间=AS_OF),  # 迟报: done, not listed
            event(发现日期=AS_OF - DAY, 报告时间=None, 报告对象=None),
            event(发现日期=AS_OF - 5 * DAY, 报告时间=None, 报告对象=None),
        ],
    )
    result = overdue([path], None, AS_OF, write=True)
    assert any(i.status == "已逾期" for i in result.items)  # there is plenty else to do
    ws = load_workbook(path)[STATUS_SHEET]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[1][0].startswith("紧急：2 件安全事件还没有报告")
    assert ws["A2"].fill.fgColor.rgb[-6:] == RED and ws["A2"].font.b
    assert [r[:4] for r in cells[2:4]] == [
        [OPEN, "王小明", RULE, f"{AS_OF - 5 * DAY:%m-%d} 发现"],  # the longest unreported first
        [OPEN, "王小明", RULE, f"{AS_OF - DAY:%m-%d} 发现"],
    ]
    assert [r[5] for r in cells[2:4]] == [5, 1]
    assert ws["H3"].value == "安全事件第4行" and ws["H3"].hyperlink.location == "'安全事件'!A4"
    assert cells[4][0].startswith("一、本期待办")  # then the support rules, as before
    # once both are reported (one late), the list begins with this period's work again
    wb = load_workbook(path)
    for row in (3, 4):
        wb[INCIDENTS.name][f"E{row}"] = AS_OF
        wb[INCIDENTS.name][f"D{row}"] = "民政"
    wb.save(path)
    overdue([path], None, AS_OF, write=True)
    ws = load_workbook(path)[STATUS_SHEET]
    assert ws["A2"].value.startswith("一、本期待办") and ws["A2"].fill.fgColor.rgb[-6:] != RED


def test_the_cli_lists_unreported_events_first_without_the_childs_name(tmp_path, run):
    path = class_file(
        tmp_path / "三年级2班.xlsx",
        [event(学生姓名="王小明", 发现日期=AS_OF - DAY, 报告时间=None, 报告对象=None)],
        students=[student(), student(姓名="李小红", 身份证号="")],
    )
    text = run("overdue", path, "--as-of", AS_OF).output.splitlines()
    first = next(n for n, line in enumerate(text) if "紧急" in line)
    teacher = next(n for n, line in enumerate(text) if line.startswith("张老师"))
    assert first < teacher and "安全事件第2行" in text[first + 1]
    assert not any("王小明" in line for line in text[first:teacher])
    checked = run("check", path, "--as-of", AS_OF).stdout  # the double-click 检查台账
    assert "三年级2班（三年级2班.xlsx）：紧急：1 件安全事件还没有报告！" in checked
    assert load_workbook(path)[STATUS_SHEET]["A2"].value.startswith("紧急")  # and written
    document = json.loads(run("overdue", path, "--as-of", AS_OF, "--format", "json").stdout)
    assert document["incidents"] == [
        {
            "class": "三年级2班",
            "file": str(path),
            "sheet": "安全事件",
            "row": 2,
            "found": (AS_OF - DAY).isoformat(),
            "reported": None,
            "status": OPEN,
            "days_late": 1,
        }
    ]


# ------------------------------------------------------------------ the master


@pytest.fixture
def events_school(school):
    """The conftest school whose class holds two unreported events, one late and one in time,
    and a child with overdue support (no records at all)."""
    class_file(
        school / CLASS_DIR / "三年级2班.xlsx",
        [
            event(发现日期=dt.date(2026, 10, 12)),
            event(发现日期=AS_OF - DAY, 报告时间=None, 报告对象=None),
            event(发现日期=dt.date(2026, 11, 2), 报告时间=dt.date(2026, 11, 4)),
            event(发现日期=AS_OF - 4 * DAY, 报告时间=None, 报告对象=None, 发现情况="村3组河边"),
        ],
    )
    return school / "全校汇总.xlsx"


def test_master_incident_sheet_lists_every_event_open_first(events_school):
    result = consolidate(events_school, as_of=AS_OF)
    wb = load_workbook(events_school)
    assert wb.sheetnames[:3] == ["概览", INCIDENT_SUMMARY, "逾期清单"]
    listed = rows_of(wb[INCIDENT_SUMMARY])
    assert [(r["状态"], r["逾期天数"], r["来源行"]) for r in listed] == [
        (OPEN, 4, 5),
        (OPEN, 1, 3),
        ("迟报（晚 2 天）", None, 4),
        ("已报告", None, 2),
    ]
    assert {r["班级"] for r in listed} == {"三年级2班"} and listed[0]["学生姓名"] == "王小明"
    assert listed[0]["学生编号"].startswith("身份证:") and listed[0]["来源工作表"] == "安全事件"
    rules = [r.formula[0] for cf in wb[INCIDENT_SUMMARY].conditional_formatting for r in cf.rules]
    assert any("已逾期" in f for f in rules)  # 状态 coloured as in 逾期清单
    document = result.to_dict()  # the JSON of consolidate
    assert (document["incidents"], document["incidents_late"], document["incidents_open"]) == (
        4,
        1,
        2,
    )


def test_unreported_events_head_the_overdue_list_and_overview_in_red(events_school):
    result = consolidate(events_school, as_of=AS_OF)
    wb = load_workbook(events_school)
    rows = rows_of(wb["逾期清单"])
    assert [(r["状态"], r["帮扶事项"], r["来源行"]) for r in rows[:2]] == [
        (OPEN, RULE, 5),
        (OPEN, RULE, 3),
    ]
    assert rows[2]["状态"] == "已逾期" and len(rows) > 3  # the support rules' items follow
    overview = wb["概览"]
    assert overview["A4"].value == ALARM_LABEL and overview["B4"].value == 2
    assert overview["B5"].value == f"三年级2班 2 件（{AS_OF - 4 * DAY:%m-%d} 发现、11-29 发现）"
    for cell in ("A4", "B4", "A5", "B5"):
        assert overview[cell].fill.fgColor.rgb[-6:] == RED, cell
    assert overview["A6"].value == "班级数" and overview["A6"].fill.fgColor.rgb[-6:] != RED
    # the hidden COUNTIF check still counts the support rules' items only
    labels = {overview.cell(r, 1).value: r for r in range(1, overview.max_row + 1)}
    exact = sum(1 for r in rows if r["状态"] == "已逾期")
    assert overview.cell(labels[CHECK_LABEL], 2).value.startswith("=COUNTIF")
    assert exact == result.figures["overdue"]


def test_no_banner_once_every_event_is_reported(school):
    class_file(school / CLASS_DIR / "三年级2班.xlsx", [event(), event(报告时间=AS_OF)])
    consolidate(school / "全校汇总.xlsx", as_of=AS_OF)
    wb = load_workbook(school / "全校汇总.xlsx")
    assert wb["概览"]["A4"].value == "班级数"
    assert all(r["帮扶事项"] != RULE for r in rows_of(wb["逾期清单"]))
    figures = {r[0]: r[1] for r in wb["概览"].iter_rows(values_only=True) if r and r[0]}
    assert figures["安全事件（件）"] == 2 and figures["　其中迟报（没有在发现当天报告）"] == 1


def test_an_older_class_workbook_without_the_sheet_adds_nothing(school):
    path = class_file(school / CLASS_DIR / "三年级2班.xlsx")
    wb = load_workbook(path)
    del wb[INCIDENTS.name]
    wb.save(path)
    result = consolidate(school / "全校汇总.xlsx", as_of=AS_OF)
    master = load_workbook(school / "全校汇总.xlsx")
    assert rows_of(master[INCIDENT_SUMMARY]) == [] and master["概览"]["A4"].value == "班级数"
    assert result.figures["incidents"] == 0
    assert not [f for f in validate([path], None, AS_OF).report.findings if "安全" in f.sheet]


# ------------------------------------------------------------------ what leaves the school


def _masked_checks(tables: dict[str, list[list[Any]]]) -> None:
    """安全事件汇总 and 逾期清单 as they leave: no name, no story, one pseudonym for both."""
    head, *rows = tables[INCIDENT_SUMMARY]
    events = [dict(zip(head, r, strict=False)) for r in rows]
    assert len(events) == 4
    for e in events:
        assert e["学生姓名"].startswith("P") and e["学生姓名"] != "王小明"
        assert e["发现情况"] == WITHHELD and not e.get("学生编号")
    head, *rows = tables["逾期清单"]
    lines = [dict(zip(head, r, strict=False)) for r in rows]
    theirs = {line["学生"] for line in lines if line["帮扶事项"] == RULE}
    assert theirs == {events[0]["学生姓名"]}
    assert "王小明" in {line["学生"] for line in lines if line["帮扶事项"] != RULE}  # as before
    text = json.dumps(tables, ensure_ascii=False, default=str)
    assert "河边" not in text and "周末独自" not in text and "李四" not in text


def test_export_and_sync_mask_the_events(events_school, tmp_path):
    wb = load_workbook(events_school.parent / CLASS_DIR / "三年级2班.xlsx")
    wb[INCIDENTS.name]["B2"] = "李四"  # an unknown child: a finding that quotes the name
    wb.save(events_school.parent / CLASS_DIR / "三年级2班.xlsx")
    consolidate(events_school, as_of=AS_OF)
    issues = rows_of(load_workbook(events_school)["校验问题"])
    assert any(r["内容"] == "李四" for r in issues)  # inside the school: as typed
    out = export(events_school, tmp_path / "县.xlsx")
    exported = {
        ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
        for ws in load_workbook(out.path).worksheets
    }
    _masked_checks(exported)
    synced, _ = master_tables(events_school, masked=True)
    _masked_checks(synced)
    plain, _ = master_tables(events_school, masked=False)  # 同步脱敏 = 否: as the master
    assert "周末独自在家两天" in json.dumps(plain, ensure_ascii=False)
    banner = [r for r in synced["概览"] if r and r[0] == ALARM_LABEL]
    assert banner and banner[0][1] == 2


def test_findings_on_the_event_sheet_name_no_child_outside(school, run):
    path = class_file(school / CLASS_DIR / "三年级2班.xlsx", [event(学生姓名="李四")])
    found = validate([path], school / "全校汇总.xlsx", AS_OF).report.findings
    unknown = next(f for f in found if f.code == "incident-child-unknown")
    assert "李四" in unknown.message and "李四" not in unknown.masked().message
    output = run("validate", path, "--master", school / "全校汇总.xlsx", "--as-of", AS_OF)
    assert "incident" not in output.output and "李四" not in output.output
    assert "学生档案中没有" in output.output


# ------------------------------------------------------------------ findings on bad rows


def test_findings_for_bad_event_rows(school):
    path = class_file(
        school / CLASS_DIR / "三年级2班.xlsx",
        [
            event(学生姓名="李四"),  # 2: unknown child
            event(发现日期=AS_OF + 5 * DAY, 报告时间=None, 报告对象=None),  # 3: in the future
            event(发现日期=AS_OF - DAY, 报告时间=AS_OF - 3 * DAY),  # 4: reported before found
            event(报告对象=None),  # 5: reported, but to whom?
            event(报告时间=None),  # 6: to whom, but no date: still unreported
            event(记录教师="赵老师"),  # 7: not a teacher of the school
            event(发现情况=None),  # 8: what was found is required
            event(),  # 9: all good
            event(报告时间=None, 报告对象=None),  # 10: unreported: red, but not a bad row
        ],
    )
    found = validate([path], school / "全校汇总.xlsx", AS_OF).report.findings
    mine = sorted((f.cell, f.code, f.severity) for f in found if f.sheet == INCIDENTS.name)
    assert mine == [
        ("A3", "date-future", "错误"),
        ("B2", "incident-child-unknown", "错误"),
        ("C8", "required-missing", "错误"),
        ("D5", "incident-target-missing", "错误"),
        ("E4", "incident-report-before-found", "错误"),
        ("E6", "incident-report-date-missing", "警告"),
        ("I7", "teacher-unknown", "错误"),
    ]
    by_cell = {f.cell: f.message for f in found if f.sheet == INCIDENTS.name}
    assert "公安、民政、教育局 或 村委会" in by_cell["D5"]
    assert (
        by_cell["E4"]
        == f"报告时间 {AS_OF - 3 * DAY} 早于发现日期 {AS_OF - DAY}，请核对这两个日期。"
    )
    assert "仍算没有报告" in by_cell["E6"] and "立即报告" in by_cell["E6"]


# ------------------------------------------------------------------ Google Sheets classes


def test_a_google_class_reads_its_event_tab(fake, school):
    new_class(school, "四年级1班", "张老师", SID, google())
    fill(fake, STUDENTS.name, STUDENTS, [student()])
    fill(fake, INCIDENTS.name, INCIDENTS, [event(发现日期=AS_OF - DAY, 报告时间=None)])
    master = school / "全校汇总.xlsx"
    result = overdue(["gsheet:" + SID], master, AS_OF, write=True, google=google())
    assert [(i.state, i.days, i.row) for i in result.incidents] == [(OPEN, 1, 2)]
    todo = fake.values(SID, STATUS_SHEET)
    assert todo[1][0].startswith("紧急：1 件安全事件") and todo[2][:3] == [OPEN, "王小明", RULE]
    consolidate(master, as_of=AS_OF, google=google())
    listed = rows_of(load_workbook(master)[INCIDENT_SUMMARY])
    assert [(r["状态"], r["来源文件"]) for r in listed] == [(OPEN, "gsheet:" + SID)]
    assert fake.values(SID, STATUS_SHEET)[1][0].startswith("紧急")  # written back by 汇总


# ------------------------------------------------------------------ the three writers


@pytest.fixture
def three_with_an_event(school, tmp_path, monkeypatch, fake):
    """逾期提醒 with an unreported event, written by the file writer, the Excel button
    (xlwings on the test engine) and the Google writer."""
    import shutil

    import excel_engine as xe
    from test_render_engines import read_google, read_xlsx

    import xlsync.ribbon as entry

    events = [event(发现日期=AS_OF - DAY, 报告时间=None, 报告对象=None)]
    new_class(school, "四年级1班", "张老师", SID, google())
    fill(fake, STUDENTS.name, STUDENTS, STUDENTS_ROWS)  # one with a finding: 校验结果 too
    fill(fake, INCIDENTS.name, INCIDENTS, events)
    master = school / "全校汇总.xlsx"
    path = class_file(school / CLASS_DIR / "四年级1班.xlsx", events, STUDENTS_ROWS)
    excel_path = class_file(
        tmp_path / "excel" / CLASS_DIR / "四年级1班.xlsx", events, STUDENTS_ROWS
    )
    overdue([path], master, AS_OF, write=True)
    overdue(["gsheet:" + SID], master, AS_OF, write=True, google=google())
    validate([path], master, AS_OF, annotate=True)
    validate(["gsheet:" + SID], master, AS_OF, annotate=True, google=google())
    shutil.copy(master, excel_path.parent.parent / "全校汇总.xlsx")
    book = xe.load(excel_path)
    monkeypatch.setattr(entry, "caller", lambda: book)
    monkeypatch.setattr(entry, "today", lambda: AS_OF)
    entry.overdue_book()
    entry.validate_book()
    book.save(str(tmp_path / "excel.xlsx"))
    return [
        engine[STATUS_SHEET]
        for engine in (read_xlsx(path), read_xlsx(tmp_path / "excel.xlsx"), read_google(fake))
    ]


def test_the_three_writers_put_the_event_first_alike(three_with_an_event):
    file, excel, sheets = three_with_an_event
    title, line = file["cells"][(2, 1)], file["cells"][(3, 1)]
    assert title["value"].startswith("紧急") and title["fill"] == RED and title["bold"]
    assert line["value"] == OPEN and file["cells"][(3, 8)]["link"] == "'安全事件'!A2"
    for key in ("cells", "rules", "widths"):
        assert excel[key] == file[key], key
        assert sheets[key] == file[key], key
