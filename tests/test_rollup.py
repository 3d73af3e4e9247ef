"""`xlsync rollup` (issue 23): a folder of school exports → the county workbook.

A small county is generated with the demo generator and `xlsync export`; every figure of
学校统计 is checked against an independent recount from the exports with openpyxl. Then the
bad inputs the issue names, one by one, each in a copy of that folder.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xlsync.demo import DemoSize, generate_school
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.export import export

AS_OF = dt.date(2026, 11, 30)
SCHOOLS = {  # file → (school, 学校代码, seed, 汇总 as of)
    "城关镇第2小学.xlsx": ("城关镇第2小学", "4310000002", 11, AS_OF),
    "青山镇中心小学.xlsx": ("青山镇中心小学", "", 12, AS_OF),
    "石门乡小学.xlsx": ("石门乡小学", "4310000003", 13, dt.date(2026, 10, 31)),  # stale
}


def _set_info(master: Path, item: str, value: str) -> None:
    """Type `value` into the master's 学校信息 row `item` (as the 德育主任 would)."""
    wb = load_workbook(master)
    ws = wb["学校信息"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == item)
    row[1].value = value
    wb.save(master)


def make_school(root: Path, name: str, code: str, seed: int, as_of: dt.date) -> Path:
    """A generated school, consolidated as of `as_of`; returns its master."""
    master = generate_school(root / name, as_of, DemoSize(3, 8), seed=seed, school=name)
    if code:
        _set_info(master, "学校代码", code)
    consolidate(master, as_of=as_of, no_write_back=True)
    return master


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    """The county folder: one masked export per school (the pristine copy; tests copy it)."""
    root = tmp_path_factory.mktemp("rollup")
    folder = root / "各校报送"
    for file, (name, code, seed, as_of) in SCHOOLS.items():
        export(make_school(root / "schools", name, code, seed, as_of), folder / file)
    return folder


@pytest.fixture
def folder(county, tmp_path) -> Path:
    target = tmp_path / "各校报送"
    shutil.copytree(county, target)
    return target


def sheet(path: Path, name: str) -> list[dict[str, Any]]:
    """The rows of a sheet as {header: value}, read with openpyxl."""
    rows = list(load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def recount(export_file: Path) -> dict[str, Any]:
    """The figures of one school, counted from its export's detail sheets (not its 概览)."""
    kids = sheet(export_file, "全校档案")
    studying = [k for k in kids if k["在校状态"] == "在读"]
    overdue = [r for r in sheet(export_file, "逾期清单") if r["状态"] == "已逾期"]
    incidents = sheet(export_file, "安全事件汇总")
    levels = Counter(r["级别"] for r in sheet(export_file, "校验问题"))
    classes = [r for r in sheet(export_file, "班级统计") if r["班级"] != "合计"]
    return {
        "班级数": len(classes),
        "学生数": len(kids),
        "在读": len(studying),
        "民政留守": sum(k["民政留守"] == "是" for k in studying),
        "学籍留守": sum(str(k["学籍留守代码"] or "")[:1] in ("1", "2") for k in studying),
        "已逾期项数": len(overdue),
        "有逾期的学生": len({(r["班级"], r["学生"]) for r in overdue}),
        "安全事件": len(incidents),
        "安全事件未报告": sum(r["状态"].startswith("已逾期") for r in incidents),
        "校验错误": levels["错误"],
        "校验警告": levels["警告"],
        "by_rule": Counter(r["帮扶事项"] for r in overdue),
    }


def rollup(run, folder: Path, *more: str) -> Any:
    return run("rollup", folder, "--as-of", AS_OF.isoformat(), *more)


def test_school_figures_equal_an_independent_recount_of_the_exports(county, folder, run, tmp_path):
    out = tmp_path / "县汇总.xlsx"
    result = rollup(run, folder, "-o", out)
    assert "3 所学校" in result.stdout
    rows = sheet(out, "学校统计")
    by_school = {r["学校"]: r for r in rows[:-1]}
    assert set(by_school) == {name for name, *_ in SCHOOLS.values()}
    for file, (name, code, *_) in SCHOOLS.items():
        expected = recount(county / file)
        row = by_school[name]
        assert (row["学校代码"] or "") == code
        for label, value in expected.items():
            if label != "by_rule":
                assert row[label] == value, (name, label)
    total = rows[-1]
    assert total["学校"] == "合计（3 所学校）"
    for label in ("学生数", "在读", "已逾期项数", "民政留守", "学籍留守", "安全事件未报告"):
        assert total[label] == sum(r[label] for r in by_school.values())
    overdue = {r["学校"]: r for r in sheet(out, "逾期")}
    for file, (name, *_) in SCHOOLS.items():
        for rule, count in recount(county / file)["by_rule"].items():
            assert overdue[name][rule] == count


def test_the_county_workbook_has_scales_a_chart_and_the_schools_most_behind_first(folder, run):
    out = folder / "县汇总.xlsx"
    rollup(run, folder)
    wb = load_workbook(out)
    assert wb.sheetnames[:4] == ["学校统计", "逾期", "数据时效", "变更"]
    scaled = {str(r.sqref) for r in wb["学校统计"].conditional_formatting}
    assert len(scaled) >= 10  # every rate and alarming count, the 合计 row left out
    assert all(not ref.endswith("5") for ref in scaled)  # 3 schools: rows 2–4
    assert len(wb["逾期"]._charts) == 1
    counts = [r["已逾期项数"] for r in sheet(out, "逾期")[:-1]]
    assert counts == sorted(counts, reverse=True)


def test_a_stale_school_is_listed_in_data_freshness_and_the_run_succeeds(folder, run, tmp_path):
    out = tmp_path / "县汇总.xlsx"
    result = rollup(run, folder, "-o", out)
    assert result.exit_code == 0, result.output
    stale = [r for r in sheet(out, "数据时效") if r["情况"] == "汇总过旧"]
    assert [r["学校"] for r in stale] == ["石门乡小学"]
    assert "30 天" in stale[0]["说明"]
    assert "汇总过旧" in result.stdout
    wider = rollup(run, folder, "-o", out, "--stale-days", "31")
    assert "汇总过旧" not in wider.stdout


def test_a_school_sending_two_files_counts_once_with_the_newer(folder, run, tmp_path):
    master = make_school(tmp_path / "again", "城关镇第2小学", "4310000002", 11, AS_OF)
    consolidate(master, as_of=dt.date(2026, 11, 20), no_write_back=True)
    export(master, folder / "城关镇第2小学（旧）.xlsx")
    result = rollup(run, folder)
    assert result.exit_code == 0, result.output
    rows = sheet(folder / "县汇总.xlsx", "学校统计")[:-1]
    assert [r["学校"] for r in rows].count("城关镇第2小学") == 1
    used = next(r for r in rows if r["学校"] == "城关镇第2小学")
    assert used["文件"] == "城关镇第2小学.xlsx" and used["汇总截至"].date() == AS_OF
    second = [
        r for r in sheet(folder / "县汇总.xlsx", "数据时效") if r["情况"] == "重复报送（未采用）"
    ]
    assert [r["文件"] for r in second] == ["城关镇第2小学（旧）.xlsx"]


def test_a_damaged_file_is_listed_and_the_rest_rolled_up_with_exit_1(folder, run):
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    whole = (folder / "青山镇中心小学.xlsx").read_bytes()
    (folder / "传了一半.xlsx").write_bytes(whole[: len(whole) // 2])
    result = rollup(run, folder)
    assert result.exit_code == 1
    assert "坏文件.xlsx" in result.stdout and "传了一半.xlsx" in result.stdout
    assert "Traceback" not in result.output
    bad = {
        r["文件"]: r["说明"]
        for r in sheet(folder / "县汇总.xlsx", "数据时效")
        if r["情况"] == "无法使用"
    }
    assert set(bad) == {"坏文件.xlsx", "传了一半.xlsx"}
    assert all("损坏" in reason for reason in bad.values())
    assert len(sheet(folder / "县汇总.xlsx", "学校统计")) == 4  # three schools and 合计


def test_an_export_of_an_older_version_is_listed_with_what_to_do(folder, run):
    old = folder / "旧版导出.xlsx"
    shutil.copy(folder / "青山镇中心小学.xlsx", old)
    wb = load_workbook(old)
    del wb["导出信息"]  # what `xlsync export` wrote before issue 23
    wb.save(old)
    result = rollup(run, folder)
    assert result.exit_code == 1
    reason = next(
        b["reason"] for b in json.loads(rollup(run, folder, "--format", "json").stdout)["bad_files"]
    )
    assert "旧版" in reason and "重新导出" in reason


def test_names_differing_only_in_spaces_or_width_are_one_school_and_listed(folder, run):
    variant = folder / "城关镇第２小学（补报）.xlsx"
    shutil.copy(folder / "城关镇第2小学.xlsx", variant)
    wb = load_workbook(variant)
    info = wb["导出信息"]
    next(r for r in info.iter_rows() if r[0].value == "学校名称")[1].value = "城关镇 第２小学"
    next(r for r in info.iter_rows() if r[0].value == "学校代码")[1].value = None
    wb.save(variant)
    result = rollup(run, folder)
    assert result.exit_code == 1
    rows = sheet(folder / "县汇总.xlsx", "学校统计")[:-1]
    assert len(rows) == 3
    listed = [
        r for r in sheet(folder / "县汇总.xlsx", "数据时效") if r["情况"] == "学校名称写法不一"
    ]
    assert len(listed) == 1 and "只差空格或全角" in listed[0]["说明"]


def test_an_empty_folder_is_exit_2_with_a_message(run, tmp_path):
    (tmp_path / "空").mkdir()
    result = run("rollup", tmp_path / "空")
    assert result.exit_code == 2
    assert "没有学校报送的文件" in result.stderr
    assert not (tmp_path / "空" / "县汇总.xlsx").exists()


def test_a_folder_of_only_unusable_files_is_exit_2_with_each_reason(run, tmp_path):
    folder = tmp_path / "报送"
    folder.mkdir()
    (folder / "说明.docx").write_bytes(b"not a workbook")
    result = run("rollup", folder)
    assert result.exit_code == 2 and "说明.docx" in result.stderr


def test_an_unmasked_export_is_used_but_flagged(folder, run, tmp_path):
    master = make_school(tmp_path / "full", "白云村小学", "", 14, AS_OF)
    export(master, folder / "白云村小学.xlsx", masked=False)
    result = rollup(run, folder)
    assert result.exit_code == 0
    assert "白云村小学" in {r["学校"] for r in sheet(folder / "县汇总.xlsx", "学校统计")}
    flagged = [r for r in sheet(folder / "县汇总.xlsx", "数据时效") if r["情况"] == "此文件未脱敏"]
    assert [r["文件"] for r in flagged] == ["白云村小学.xlsx"]


def test_the_next_rollup_lists_changes_and_schools_that_sent_nothing(folder, run, tmp_path):
    first = rollup(run, folder)
    assert first.exit_code == 0
    assert sheet(folder / "县汇总.xlsx", "变更")[0]["项目"] == "首次汇总"
    (folder / "青山镇中心小学.xlsx").unlink()
    master = make_school(tmp_path / "later", "石门乡小学", "4310000003", 13, AS_OF)
    export(master, folder / "石门乡小学.xlsx")  # the stale school sends a fresh export
    second = rollup(run, folder)
    assert second.exit_code == 0, second.output
    missing = [r for r in sheet(folder / "县汇总.xlsx", "数据时效") if r["情况"] == "本次未报送"]
    assert [r["学校"] for r in missing] == ["青山镇中心小学"]
    changes = sheet(folder / "县汇总.xlsx", "变更")
    assert {c["学校"] for c in changes} == {"石门乡小学"}
    records = {c["项目"]: c for c in changes}
    assert "已逾期项数" in records and records["已逾期项数"]["变化"].startswith(("+", "-"))


def test_the_previous_county_workbook_in_the_folder_is_not_read_as_a_school(folder, run):
    rollup(run, folder)
    result = rollup(run, folder, "--format", "json")
    document = json.loads(result.stdout)
    assert result.exit_code == 0 and document["bad_files"] == []
    assert len(document["schools"]) == 3


def test_an_encrypted_export_is_read_with_the_export_password(folder, run, tmp_path, monkeypatch):
    master = make_school(tmp_path / "locked", "白云村小学", "", 14, AS_OF)
    export(master, folder / "白云村小学.xlsx", password="县里约定的密码")
    monkeypatch.delenv("XLSYNC_EXPORT_PASSWORD", raising=False)
    without = rollup(run, folder)
    assert without.exit_code == 1 and "XLSYNC_EXPORT_PASSWORD" in without.stdout
    monkeypatch.setenv("XLSYNC_EXPORT_PASSWORD", "县里约定的密码")
    with_it = rollup(run, folder)
    assert with_it.exit_code == 0, with_it.output
    assert "白云村小学" in {r["学校"] for r in sheet(folder / "县汇总.xlsx", "学校统计")}


def test_a_sheet_the_clerk_added_to_the_county_workbook_is_never_lost(folder, run):
    rollup(run, folder)
    wb = load_workbook(folder / "县汇总.xlsx")
    wb.create_sheet("我的批注")["A1"] = "给局长的说明"
    wb.save(folder / "县汇总.xlsx")
    result = rollup(run, folder)
    assert result.exit_code == 2
    assert "我的批注" in load_workbook(folder / "县汇总.xlsx").sheetnames


def test_a_class_workbook_sent_by_mistake_is_named_as_such(folder, run, county):
    source = next((county.parent / "schools").rglob("班级台账/*.xlsx"))
    shutil.copy(source, folder / "一年级1班.xlsx")
    result = rollup(run, folder)
    assert result.exit_code == 1 and "一年级1班.xlsx：这个文件是班级台账" in result.stdout


def test_the_county_button_runs_the_same_rollup_and_opens_the_result(folder, monkeypatch, run):
    """Issue 23.5: 「县级汇总」 is a thin entry point over the same job (no second writer)."""
    import excel_engine as xe

    import xlsync.ribbon as entry

    by_cli = folder.parent / "命令行"
    shutil.copytree(folder, by_cli)
    rollup(run, by_cli)
    monkeypatch.setattr(entry, "today", lambda: AS_OF)
    book = xe.load(folder / "青山镇中心小学.xlsx")
    monkeypatch.setattr(entry, "caller", lambda: book)
    entry.rollup_county()
    out = folder / "县汇总.xlsx"
    assert xe.state(book.app).books.opened == [str(out)]
    message = xe.state(book.app).alerts[-1]
    assert message["mode"] == "info" and "3 所学校" in message["prompt"]
    for name in ("学校统计", "逾期", "数据时效", "变更"):
        assert sheet(out, name) == sheet(by_cli / "县汇总.xlsx", name), name
    county = xe.load(out)  # clicked again, in the 县汇总 itself: saved, replaced, reopened
    monkeypatch.setattr(entry, "caller", lambda: county)
    entry.rollup_county()
    assert xe.state(county).saves == 1 and len(county.app.books) == 1  # closed, reopened
    assert xe.state(county.app).books.opened[-1] == str(out)
    assert sheet(out, "变更")[0]["项目"] == "没有变化"
