"""`xlsync report` (issue 21): every figure of the 工作报告, in the JSON and in the workbook,
against an independent recount from the class workbooks (tests/report_recount.py) on a
school whose records are known by construction (tests/report_school.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
import report_recount as rc
from conftest import needs_uno, open_in_libreoffice
from openpyxl import load_workbook
from report_school import CLASS_A, CLASS_B, add_spring, autumn_school

from xlsync.jobs.consolidate import consolidate

AUTUMN, SPRING = "2026秋季学期", "2027春季学期"
TERM_START, TERM_END = dt.date(2026, 9, 1), dt.date(2027, 1, 22)
AFTER_AUTUMN, IN_SPRING = dt.date(2027, 1, 25), dt.date(2027, 3, 20)
CLASSES = [CLASS_A, CLASS_B]
EQUAL = dict.fromkeys(rc.ITEMS, 1.0)


def _report(run: Any, master: Path, *args: str, code: int = 0) -> dict[str, Any]:
    result = run("report", master, "--format", "json", *args)
    assert result.exit_code == code, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def autumn(tmp_path_factory) -> Path:
    """The school after the autumn term, consolidated; returns its folder."""
    folder = tmp_path_factory.mktemp("autumn") / "学校"
    consolidate(autumn_school(folder), as_of=AFTER_AUTUMN)
    return folder


@pytest.fixture(scope="module")
def spring(autumn, tmp_path_factory) -> Path:
    """The same school in March: spring records and a new child added, consolidated again."""
    folder = tmp_path_factory.mktemp("spring") / "学校"
    shutil.copytree(autumn, folder)
    add_spring(folder)
    consolidate(folder / "全校汇总.xlsx", as_of=IN_SPRING)
    return folder


def _expected(folder: Path, start: dt.date, end: dt.date, cutoff: dt.date, weights=EQUAL) -> dict:
    r = rc.Recount(rc.load(folder, CLASSES), start, end, cutoff)
    watched = rc.watch(r)
    return {
        "overview": r.overview(),
        "months": r.months(),
        "action_types": r.types(),
        "coverage": r.coverage(),
        "teachers": rc.Teachers(r, weights).all(),
        "classes": rc.classes(r, CLASSES),
        "struggling": rc.struggling(r),
        "watch": watched,
        "candidates": rc.candidates(r, watched),
    }


def _same_figures(found: dict[str, Any], expected: dict[str, Any]) -> None:
    for section, value in expected.items():
        assert found[section] == value, section


def test_autumn_term_figures_match_an_independent_recount(autumn, run):
    found = _report(run, autumn / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25")
    assert found["period"] == {
        "name": AUTUMN,
        "kind": "学期",
        "start": "2026-09-01",
        "end": "2027-01-22",
        "cutoff": "2027-01-22",
        "terms": [AUTUMN],
        "finished": True,
    }
    _same_figures(found, _expected(autumn, TERM_START, TERM_END, TERM_END))


def test_autumn_term_figures_known_by_construction(autumn, run):
    found = _report(run, autumn / "全校汇总.xlsx", "--as-of", "2027-01-25")  # vacation: autumn
    o = found["overview"]
    assert (o["children_start"], o["children_end"], o["new_files"]) == (3, 5, 2)
    assert (o["transferred"], o["dropped_out"], o["retention_rate"]) == (1, 1, 0.833)
    assert (o["complete"], o["complete_rate"], o["records"], o["actions"]) == (6, 0.857, 28, 29)
    assert [m["total"] for m in found["months"]] == [8, 5, 7, 5, 3]
    talks = found["coverage"][0]
    assert (talks["due"], talks["on_time"], talks["late"], talks["never"], talks["open"]) == (
        20,
        13,
        1,
        6,
        3,
    )
    ranks = [(t["teacher"], t["rank"], t["total"]) for t in found["teachers"]]
    assert ranks == [
        ("王老师", 1, 77.8),
        ("张老师", 2, 73.1),
        ("李老师", 3, 20.0),
        ("孙老师", 4, 0.0),
        ("赵校长", 5, None),
    ]
    watched = {w["child"]: w["reasons"] for w in found["watch"]}
    assert watched["赵小刚"] == ["本期没有任何帮扶记录"]
    assert watched["刘小花"][0] == "连续3期未按时完成：谈心·每月"
    assert "周小兵" not in watched  # 转出: guardian 70, but not 在读


def test_school_year_figures_match_an_independent_recount(spring, run):
    found = _report(run, spring / "全校汇总.xlsx", "--year", "--as-of", "2027-03-20")
    assert (found["period"]["name"], found["period"]["finished"]) == ("2026-2027学年", False)
    _same_figures(found, _expected(spring, TERM_START, dt.date(2027, 7, 2), IN_SPRING))
    warmth = found["coverage"][3]  # 李小红's 送温暖 in the winter vacation counts for the year
    assert (warmth["on_time"], warmth["open"]) == (3, 3)


def test_spring_term_figures_match_an_independent_recount(spring, run):
    found = _report(run, spring / "全校汇总.xlsx", "--as-of", "2027-03-20")
    assert found["period"]["name"] == SPRING
    _same_figures(found, _expected(spring, dt.date(2027, 2, 22), dt.date(2027, 7, 2), IN_SPRING))


def _masked_parts(path: Path) -> dict[str, bytes]:
    """The workbook's zip entries, the generation time blanked out."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    return {
        name: re.sub(rb"\d{4}-\d\d-\d\d \d\d:\d\d", b"TIME", data) for name, data in parts.items()
    }


def test_last_terms_report_is_unchanged_by_this_terms_records(autumn, spring, run, tmp_path):
    before = tmp_path / "before.xlsx"
    first = _report(run, autumn / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25")
    shutil.copy(first["workbook"], before)
    later = _report(run, spring / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-03-20")
    assert {k: v for k, v in later.items() if k not in ("workbook", "outputs")} == {
        k: v for k, v in first.items() if k not in ("workbook", "outputs")
    }
    again = Path(later["workbook"])
    assert _masked_parts(again) == _masked_parts(before)


def test_the_writer_is_deterministic(autumn):
    from xlsync.files.report_writer import report_bytes
    from xlsync.jobs.report import make_report

    result = make_report(autumn / "全校汇总.xlsx", AUTUMN, as_of=AFTER_AUTUMN, write=False)
    one = report_bytes(result.report, "2027-01-25 10:00")
    assert report_bytes(result.report, "2027-01-25 10:00") == one
    with zipfile.ZipFile(io.BytesIO(one)) as archive:  # openpyxl stamps entries with the clock
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2027-01-22T00:00:00Z" in core and f"{dt.date.today():%Y-%m-%d}T" not in core


def _table(ws, head: int = 4) -> list[tuple]:
    """The rows under the header row of a table sheet."""
    return [tuple(r) for r in ws.iter_rows(min_row=head + 1, values_only=True) if r[0] is not None]


def _blocks(ws) -> dict[str, list[tuple]]:
    """总体情况's blocks: title → rows under its header row (up to the blank row)."""
    found: dict[str, list[tuple]] = {}
    rows = [tuple(r) for r in ws.iter_rows(min_row=5, values_only=True)]
    title = None
    for number, row in enumerate(rows):
        if title is None and row[0] and all(v is None for v in row[1:]):
            title, body = row[0], []
            found[title] = body
            header = number + 1
        elif title is not None and number > header:
            if row[0] is None:
                title = None
            else:
                body.append(tuple(v for v in row if v is not None))
    return found


def _pct(value):
    return "—" if value is None else value


def test_the_workbook_shows_every_figure_of_the_json(autumn, run):
    found = _report(run, autumn / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25")
    book = load_workbook(found["workbook"])
    assert book.sheetnames == ["总体情况", "教师考核", "班级对比", "学困生", "关注名单", "表彰候选"]
    o, blocks = found["overview"], _blocks(book["总体情况"])
    assert [v for _, v in blocks["基本情况"]] == [
        o["classes"], o["children_start"], o["children_end"], o["new_files"], o["transferred"],
        o["dropped_out"], "83.3%", "85.7%", o["records"], o["actions"], o["overdue_at_end"],
        o["children_overdue_at_end"],
    ]  # fmt: skip
    assert blocks["留守儿童家庭情况（篇六，期末在读学生）"] == [
        (s["label"], s["part"], s["whole"], s["rate"]) for s in o["shares"]
    ]
    months = blocks["各月帮扶记录"]
    assert months[:-1] == [
        (m["label"], *(c["count"] for c in m["by_type"]), m["total"]) for m in found["months"]
    ]
    assert months[-1] == ("合计", *(c["count"] for c in o["actions_by_type"]), o["records"])
    assert blocks["帮扶规则落实情况（学生·周期）"] == [
        (
            c["rule"],
            c["due"],
            c["on_time"],
            c["late"],
            c["never"],
            c["open"],
            c["on_time_rate"],
            c["late_rate"],
            c["never_rate"],
        )
        for c in found["coverage"]
    ]
    teachers = _table(book["教师考核"])
    assert teachers == [
        (
            t["rank"], t["teacher"], t["class_name"] or None, t["role"], t["records"],
            *(x for i in t["items"] for x in (i["value"], {True: "达标", False: "未达标"}.get(i["met"], "—"))),
            _pct(t["total"]), "是" if t["met_all"] else "否",
        )
        for t in found["teachers"]
    ]  # fmt: skip
    assert _table(book["班级对比"]) == [
        (
            c["class_name"], c["head_teacher"], c["children_start"], c["children_end"],
            c["new_files"], c["records"], c["records_per_child"], c["talks_rate"],
            c["visits_rate"], c["warmth_rate"], c["on_time_rate"], c["overdue_at_end"],
            c["complete_rate"], c["retention_rate"],
        )
        for c in found["classes"]
    ]  # fmt: skip
    assert _table(book["学困生"]) == [
        (
            s["class_name"], s["child"], s["teacher"], s["grade_now"], "有" if s["has_plan"] else "无",
            s["subjects"] or None, "已填" if s["effect_filled"] else "未填", s["effect"] or None,
            s["tutoring"],
        )
        for s in found["struggling"]
    ]  # fmt: skip
    assert _table(book["关注名单"]) == [
        (
            w["class_name"], w["child"], w["teacher"], "；".join(w["reasons"]), w["guardian"],
            w["guardian_age"], w["guardian_health"],
        )
        for w in found["watch"]
    ]  # fmt: skip
    assert _table(book["表彰候选"]) == [
        (
            c["class_name"], c["child"], c["teacher"], c["grade_now"],
            "有" if c["struggling_plan"] else None, c["effect"] or None, c["records"],
            c["absence_days"], c["incidents"], "是" if c["on_watch"] else None, None, None,
        )
        for c in found["candidates"]
    ]  # fmt: skip


def test_the_workbook_has_a_month_chart_colour_scales_and_a_decision_column(autumn, run):
    found = _report(run, autumn / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25")
    with zipfile.ZipFile(found["workbook"]) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert re.search(r'<barDir val="col"\s*/>', chart)  # with lxml or without
    assert re.search(r'<grouping val="stacked"\s*/>', chart)
    refs = re.findall(r"<f>([^<]+)</f>", chart)
    book = load_workbook(found["workbook"])
    overview = book["总体情况"]
    first = next(r for r in range(1, 80) if overview.cell(r, 1).value == "2026年9月")
    types = len(found["action_types"])
    assert f"'总体情况'!$A${first}:$A${first + 4}" in refs  # five months, not the 合计 row
    assert (
        f"'总体情况'!$B${first}:$B${first + 4}" in refs
        and len([r for r in refs if "$" in r and ":" in r and not r.startswith("'总体情况'!$A")])
        == types
    )
    scales = book["班级对比"].conditional_formatting
    assert {str(rng.sqref) for rng in scales} >= {"H5:H6", "L5:L6", "N5:N6"}
    checks = book["表彰候选"].data_validations.dataValidation
    assert [(c.formula1, str(c.sqref)) for c in checks] == [('"是,否"', "K5:K8")]


def test_an_unknown_term_lists_the_terms_the_master_knows(autumn, run):
    result = run("report", autumn / "全校汇总.xlsx", "--term", "2025秋季学期")
    assert result.exit_code == 2
    assert "「学期」表里没有「2025秋季学期」" in result.stderr
    assert f"已有的学期：{AUTUMN}、{SPRING}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_term_and_year_together_are_refused(autumn, run):
    result = run("report", autumn / "全校汇总.xlsx", "--term", AUTUMN, "--year")
    assert result.exit_code == 2 and "--term 和 --year 只能选一个" in result.stderr


def test_a_master_never_consolidated_says_to_run_it_first(tmp_path, run):
    master = autumn_school(tmp_path / "学校")
    result = run("report", master, "--as-of", "2027-01-25")
    assert result.exit_code == 2
    assert "还没有汇总过。请先运行 xlsync consolidate" in result.stderr
    assert not list(master.parent.glob("工作报告_*"))


def test_a_missing_master_is_a_message(tmp_path, run):
    result = run("report", tmp_path / "全校汇总.xlsx")
    assert result.exit_code == 2 and "找不到全校汇总工作簿" in result.stderr


def test_a_period_without_records_is_a_report_of_zeros(autumn, run):
    found = _report(run, autumn / "全校汇总.xlsx", "--term", SPRING, "--as-of", "2027-01-25")
    o = found["overview"]
    assert (o["records"], o["actions"], o["new_files"], o["overdue_at_end"]) == (0, 0, 0, 0)
    assert found["months"] == [] and found["action_types"] == []
    assert all(c["due"] == c["on_time"] == c["open"] == 0 for c in found["coverage"])
    assert found["period"]["cutoff"] == "2027-01-25" and not found["period"]["finished"]
    book = load_workbook(found["workbook"])
    assert book["总体情况"]["A2"].value.endswith("（尚未开始）")


def test_a_school_without_children_is_a_report_of_zeros(school, run):
    master = school / "全校汇总.xlsx"
    consolidate(master, as_of=dt.date(2026, 11, 30))
    found = _report(run, master, "--as-of", "2026-11-30")
    o = found["overview"]
    assert (o["children_end"], o["records"], o["retention_rate"], o["complete_rate"]) == (
        0,
        0,
        None,
        None,
    )
    assert [t["teacher"] for t in found["teachers"]] == ["张老师"]
    assert found["watch"] == found["candidates"] == found["struggling"] == []


def _weights_sheet(master: Path, rows: list[tuple]) -> None:
    book = load_workbook(master)
    ws = book.create_sheet("考核标准")
    ws.append(["考核项目", "权重", "说明"])
    for row in rows:
        ws.append(list(row))
    book.save(master)


def test_the_weights_of_the_assessment_sheet_make_the_total(autumn, run, tmp_path):
    folder = tmp_path / "学校"
    shutil.copytree(autumn, folder)
    _weights_sheet(folder / "全校汇总.xlsx", [("谈心", 3), ("无逾期", 0), ("家访", 2)])
    found = _report(run, folder / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25")
    weights = dict.fromkeys(rc.ITEMS, 1.0) | {"谈心": 3.0, "无逾期": 0.0, "家访": 2.0}
    expected = _expected(folder, TERM_START, TERM_END, TERM_END, weights)["teachers"]
    assert found["teachers"] == expected
    assert found["weights_from_sheet"] is True
    assert found["weights"] == [{"item": k, "weight": v} for k, v in weights.items()]
    totals = {t["teacher"]: t["total"] for t in found["teachers"]}
    assert totals["张老师"] != 73.1 and totals["王老师"] != 77.8  # the equal-weight totals
    note = load_workbook(found["workbook"])["教师考核"]["A2"].value
    assert "权重来自全校汇总「考核标准」表：结对帮扶 1、谈心 3、家访 2" in note


def test_a_wrong_weight_row_is_named(autumn, run, tmp_path):
    folder = tmp_path / "学校"
    shutil.copytree(autumn, folder)
    _weights_sheet(folder / "全校汇总.xlsx", [("谈心", 3), ("考勤", 1), ("家访", "很重")])
    result = run("report", folder / "全校汇总.xlsx", "--as-of", "2027-01-25")
    assert result.exit_code == 2
    assert "「考核标准」表第 3 行、第 4 行的考核项目或权重空着或填错了" in result.stderr


def test_progress_goes_to_stderr_and_a_chinese_summary_to_stdout(autumn, run):
    result = run("report", autumn / "全校汇总.xlsx", "--as-of", "2027-01-25")
    assert result.exit_code == 0
    assert "读取班级台账" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "测试小学2026秋季学期工作报告（2026-09-01 至 2027-01-22，已结束）"
    assert "在读学生：期初 3 名，期末 5 名，本期新建档 2 名；巩固率 83.3%，建档率 85.7%。" in lines
    assert lines[-1] == f"已写出：{autumn / '工作报告_2026秋季学期.xlsx'}"


@needs_uno
def test_the_workbook_opens_in_libreoffice(autumn, run):
    found = _report(run, autumn / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25")
    assert open_in_libreoffice(Path(found["workbook"])) == (
        "OPENED 测试小学2026秋季学期留守儿童关爱帮扶工作报告"
    )


def test_an_unreadable_class_is_counted_from_its_last_good_data_and_said_so(autumn, run, tmp_path):
    folder = tmp_path / "学校"
    shutil.copytree(autumn, folder)
    consolidate(folder / "全校汇总.xlsx", as_of=dt.date(2027, 1, 26))  # a cache of these paths
    before = _report(run, folder / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25")
    (folder / "班级台账" / f"{CLASS_B}.xlsx").write_bytes(b"not a workbook")
    result = run("report", folder / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25")
    assert result.exit_code == 1  # written, but not from what the class file holds now
    assert f"注意：{CLASS_B}用的是上次读到的台账内容" in result.stdout
    after = _report(
        run, folder / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25", code=1
    )
    assert after["overview"] == before["overview"] and after["notes"][0].startswith(CLASS_B)


def test_an_unreadable_class_never_read_is_left_out_and_said_so(autumn, run, tmp_path):
    folder = tmp_path / "学校"
    shutil.copytree(autumn, folder)
    shutil.rmtree(folder / ".xlsync")  # no older data of it anywhere
    (folder / "班级台账" / f"{CLASS_B}.xlsx").write_bytes(b"not a workbook")
    found = _report(
        run, folder / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25", code=1
    )
    assert found["overview"]["classes"] == 1 and [c["class_name"] for c in found["classes"]] == [
        CLASS_A
    ]
    assert found["notes"][0].startswith(
        f"班级台账「班级台账/{CLASS_B}.xlsx」没有读到，报告里不含这个班"
    )
    assert found["failed_files"] == [f"班级台账/{CLASS_B}.xlsx"]


def _digests(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*.xlsx") if "工作报告" not in p.name}


def test_the_report_changes_no_class_workbook_and_not_the_master(autumn, run):
    before = _digests(autumn)
    _report(run, autumn / "全校汇总.xlsx", "--year", "--as-of", "2027-01-25")
    assert _digests(autumn) == before


def test_a_report_open_in_excel_is_not_overwritten(autumn, run, tmp_path):
    folder = tmp_path / "学校"
    shutil.copytree(autumn, folder)
    target = folder / "工作报告_2026秋季学期.xlsx"
    target.write_bytes(b"the lead's copy")
    (folder / "~$工作报告_2026秋季学期.xlsx").write_bytes(b"lock")
    result = run("report", folder / "全校汇总.xlsx", "--as-of", "2027-01-25")
    assert result.exit_code == 2 and "Excel" in result.stderr and "Traceback" not in result.stderr
    assert target.read_bytes() == b"the lead's copy"


def test_a_class_outside_the_class_folder_is_read_with_allow_outside(autumn, run, tmp_path):
    folder = tmp_path / "学校"
    shutil.copytree(autumn, folder)
    outside = tmp_path / "外面"
    outside.mkdir()
    shutil.move(folder / "班级台账" / f"{CLASS_B}.xlsx", outside / f"{CLASS_B}.xlsx")
    book = load_workbook(folder / "全校汇总.xlsx")
    ws = book["班级"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == CLASS_B)
    ws.cell(row, 3).value = f"../../外面/{CLASS_B}.xlsx"
    book.save(folder / "全校汇总.xlsx")
    args = ("--term", AUTUMN, "--as-of", "2027-01-25")
    refused = _report(run, folder / "全校汇总.xlsx", *args, code=1)
    assert "--allow-outside" in refused["notes"][0] and len(refused["classes"]) == 1
    found = _report(run, folder / "全校汇总.xlsx", *args, "--allow-outside")
    assert found["overview"] == _expected(autumn, TERM_START, TERM_END, TERM_END)["overview"]
