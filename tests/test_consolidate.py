"""汇总 end to end: generated class files → master, checked cell by cell against figures the
test recomputes itself (openpyxl on the source files, not xlsync's reader)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import needs_soffice, student
from openpyxl import load_workbook
from openpyxl.styles import PatternFill

from xlsync.demo import DemoSize, generate_school
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.overdue import overdue

AS_OF = dt.date(2026, 11, 30)


def sheet_rows(wb, name) -> list[dict]:
    ws = wb[name]
    header = [c.value for c in ws[1]]
    return [
        dict(zip(header, (c.value for c in row), strict=False)) for row in ws.iter_rows(min_row=2)
    ]


def source_rows(path: Path, sheet: str) -> list[tuple[int, dict]]:
    ws = load_workbook(path)[sheet]
    header = [c.value for c in ws[1]]
    return [
        (row[0].row, dict(zip(header, (c.value for c in row), strict=False)))
        for row in ws.iter_rows(min_row=2)
        if any(c.value not in (None, "") for c in row)
    ]


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "学校"
    master = generate_school(folder, AS_OF, DemoSize(classes=4, children_per_class=10), seed=7)
    result = consolidate(master, as_of=AS_OF)
    return folder, master, result, load_workbook(master)


def class_files(folder: Path) -> list[Path]:
    return sorted((folder / "班级台账").glob("*.xlsx"))


def test_children_and_records_with_provenance(school):
    folder, _, result, wb = school
    children, records = sheet_rows(wb, "全校档案"), sheet_rows(wb, "帮扶记录汇总")
    expected_children = sum(len(source_rows(p, "学生档案")) for p in class_files(folder))
    expected_records = sum(len(source_rows(p, "帮扶记录")) for p in class_files(folder))
    assert (len(children), len(records)) == (expected_children, expected_records)
    assert (result.figures["children"], result.figures["records"]) == (
        expected_children,
        expected_records,
    )
    sources = {
        p.relative_to(folder).as_posix(): {
            s: dict(source_rows(p, s)) for s in ("学生档案", "帮扶记录")
        }
        for p in class_files(folder)
    }
    for row in children:
        origin = sources[row["来源文件"]][row["来源工作表"]][row["来源行"]]
        assert origin["姓名"] == row["姓名"] and Path(row["来源文件"]).stem == row["班级"]
    for row in records:
        origin = sources[row["来源文件"]][row["来源工作表"]][row["来源行"]]
        assert (origin["学生姓名"], origin["帮扶类型"]) == (row["学生姓名"], row["帮扶类型"])


def test_overdue_list_equals_the_engine(school):
    folder, master, _, wb = school
    engine = overdue([folder / "班级台账"], master, AS_OF).items
    expected = Counter(
        (i.class_name, i.child, i.rule, i.period, i.status, i.due)
        for i in engine
        if i.status in ("已逾期", "即将到期")
    )
    rows = sheet_rows(wb, "逾期清单")
    events = [r for r in rows if r["帮扶事项"] == "安全事件·强制报告"]  # issue 19.4: on top
    assert rows[: len(events)] == events and len(events) == 1  # the demo's unreported one
    listed = Counter(
        (r["班级"], r["学生"], r["帮扶事项"], r["周期"], r["状态"], r["截止日期"].date())
        for r in rows[len(events) :]
    )
    assert listed == expected and sum(expected.values()) > 0
    statuses = [r["状态"] for r in rows[len(events) :]]
    assert statuses == sorted(statuses, key=["已逾期", "即将到期"].index)  # most urgent first


def test_class_and_overview_figures_recomputed(school):
    folder, _, result, wb = school
    stats = {r["班级"]: r for r in sheet_rows(wb, "班级统计") if r["班级"] != "合计"}
    month_start = AS_OF.replace(day=1)
    for path in class_files(folder):
        kids = [r for _, r in source_rows(path, "学生档案")]
        recs = [r for _, r in source_rows(path, "帮扶记录")]
        row = stats[path.stem]
        assert row["学生数"] == len(kids)
        assert row["在读"] == sum(1 for k in kids if k["在校状态"] == "在读")
        assert row["本月记录"] == sum(1 for r in recs if month_start <= r["日期"].date() <= AS_OF)
    children = sheet_rows(wb, "全校档案")
    studying = sum(1 for c in children if c["在校状态"] == "在读")
    dropped = sum(1 for c in children if c["在校状态"] == "辍学")
    figures = {r[0]: r[1] for r in wb["概览"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert figures["学生数"] == len(children) and figures["在读学生"] == studying
    assert figures["巩固率"] == studying * 1000 // (studying + dropped) / 1000  # cut, not rounded
    assert figures["已逾期项数（每名学生每个没做的周期算一项）"] == sum(
        1 for r in sheet_rows(wb, "逾期清单") if r["状态"] == "已逾期"
    )
    assert figures["已逾期项数（按逾期清单重算）"] == '=COUNTIF(逾期清单!A:A,"已逾期")'
    both_away = sum(
        1 for c in children if c["在校状态"] == "在读" and c["留守类型"] == "父母均外出"
    )
    assert figures["父母均外出的学生占比"] == both_away * 1000 // studying / 1000
    assert len(wb["概览"]._charts) == 2
    for name in ("班级统计", "教师统计"):  # completion by class and by teacher in colour
        scales = [
            r for cf in wb[name].conditional_formatting for r in cf.rules if r.type == "colorScale"
        ]
        rates = [h for h in sheet_rows(wb, name)[0] if h.endswith("率")]
        assert len(scales) == len(rates) > 0


def test_every_finding_is_listed_with_a_link(school):
    folder, master, _, wb = school
    from xlsync.jobs.validate import validate

    expected = validate([folder / "班级台账"], master, AS_OF).report.findings
    issues = sheet_rows(wb, "校验问题")
    assert len(issues) == len(expected) > 0
    ws = wb["校验问题"]
    links = [c.hyperlink.target for c in ws["E"][1:] if c.hyperlink]
    assert links and all(t.startswith("班级台账/") and "#'" in t for t in links)


def test_finding_codes_are_only_in_the_hidden_last_column(school):
    """The lead reads 问题与改法; the code (phone-invalid…) stays for JSON and support, in the
    last column of 校验问题, hidden (not shown, not printed) — issue 17.4."""
    _, _, _, wb = school
    ws = wb["校验问题"]
    header = [c.value for c in ws[1]]
    assert header[-1] == "代码" and header[-2] == "问题与改法"
    hidden = {k for k, d in ws.column_dimensions.items() if d.hidden}
    assert hidden == {ws.cell(1, len(header)).column_letter}
    codes = {row[-1] for row in ws.iter_rows(min_row=2, values_only=True)}
    shown = {v for row in ws.iter_rows(min_row=2, values_only=True) for v in row[:-1]}
    assert codes and not codes & shown


def test_rebuilt_from_scratch_gives_the_same_master(school, tmp_path):
    folder, master, _, wb = school
    copy = tmp_path / "again"
    shutil.copytree(folder, copy)
    shutil.rmtree(copy / ".xlsync")
    consolidate(copy / "全校汇总.xlsx", as_of=AS_OF)
    again = load_workbook(copy / "全校汇总.xlsx")
    assert again.sheetnames == wb.sheetnames
    for name in wb.sheetnames:
        first = [[c.value for c in row] for row in wb[name].iter_rows()]
        second = [[c.value for c in row] for row in again[name].iter_rows()]
        if name == "概览":
            first[1], second[1] = first[1][:0], second[1][:0]  # the line with the run time
        assert first == second, name


def test_incremental_runs(tmp_path):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(3, 6), seed=3)
    first = consolidate(master, as_of=AS_OF)
    assert len(first.parsed) == 3
    data = master.read_bytes()
    second = consolidate(master, as_of=AS_OF)
    assert second.unchanged and second.parsed == [] and master.read_bytes() == data
    changed = sorted((master.parent / "班级台账").glob("*.xlsx"))[1]
    wb = load_workbook(changed)
    wb["帮扶记录"].append(
        [AS_OF, wb["学生档案"]["A2"].value, None, "谈心", wb["学生档案"]["W2"].value, "谈心"]
    )
    wb.save(changed)
    third = consolidate(master, as_of=AS_OF)
    assert third.parsed == [f"班级台账/{changed.name}"] and not third.unchanged
    assert consolidate(master, as_of=AS_OF + dt.timedelta(days=1)).parsed == []
    log = sheet_rows(load_workbook(master), "变更记录")
    assert {r["变化"] for r in log} <= {"新增逾期", "逾期解除"}


def test_a_change_of_xlsync_code_is_never_served_from_the_cache(tmp_path, monkeypatch):
    """A stricter normaliser (any change of the reading code or schema) must re-read every
    class: the cache is keyed by the code's fingerprint too, checked on load."""
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(3, 6), seed=3)
    before = consolidate(master, as_of=AS_OF)
    assert consolidate(master, as_of=AS_OF).parsed == []  # same code: all from the cache
    import xlsync.core.normalize as normalize
    import xlsync.files.cache as cache
    import xlsync.jobs.consolidate as consolidate_job

    strict = normalize.parse_phone

    def stricter(raw):  # a much stricter rule: no phone number passes
        strict(raw)
        raise normalize.CellProblem("phone-invalid")

    monkeypatch.setattr(normalize, "parse_phone", stricter)
    for module in (cache, consolidate_job):
        monkeypatch.setattr(module, "code_fingerprint", lambda: "the next version")
    after = consolidate(master, as_of=AS_OF)
    assert len(after.parsed) == 3 and not after.unchanged
    assert after.figures["errors"] > before.figures["errors"] + 10  # the new findings, not the old


def test_change_log_lists_added_removed_and_changed_children(tmp_path):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(2, 6), seed=5)
    consolidate(master, as_of=AS_OF)
    path = sorted((master.parent / "班级台账").glob("*.xlsx"))[0]
    wb = load_workbook(path)
    ws = wb["学生档案"]
    removed, changed = ws["A3"].value, ws["A4"].value
    ws.delete_rows(3)
    ws["T3"] = "某某县青山镇新地址5组"
    ws.append([student(姓名="新来的", 身份证号="")[h.value] for h in ws[1] if h.value in student()])
    wb.save(path)
    consolidate(master, as_of=AS_OF)
    log = sheet_rows(load_workbook(master), "变更记录")
    kinds = {(r["变化"], r["学生"]) for r in log}
    assert ("新增学生", "新来的") in kinds and ("移除学生", removed) in kinds
    assert any(
        r["变化"] == "信息变更" and r["学生"] == changed and "家庭住址" in r["详情"] for r in log
    )


def test_lead_sheet_survives_ten_consolidations(tmp_path):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(2, 5), seed=1)
    wb = load_workbook(master)
    mine = wb.create_sheet("德育处备忘")
    mine["A1"], mine["B1"], mine["B2"] = "本月重点", 3, "=B1*2"
    mine["A1"].fill = PatternFill("solid", fgColor="FFFF00")
    mine.column_dimensions["A"].width = 30
    wb.save(master)
    for day in range(10):
        consolidate(master, as_of=AS_OF + dt.timedelta(days=day))
    wb = load_workbook(master)
    mine = wb["德育处备忘"]
    assert (mine["A1"].value, mine["B1"].value, mine["B2"].value) == ("本月重点", 3, "=B1*2")
    assert (
        mine["A1"].fill.fgColor.rgb.endswith("FFFF00") and mine.column_dimensions["A"].width == 30
    )
    assert wb.sheetnames.count("概览") == 1 and wb.sheetnames[-1] == "德育处备忘"


def test_missing_unreadable_and_open_class_files(tmp_path):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(4, 5), seed=2)
    consolidate(master, as_of=AS_OF)
    files = sorted((master.parent / "班级台账").glob("*.xlsx"))
    files[0].unlink()
    files[1].write_text("坏了")
    (files[2].parent / f"~${files[2].name}").write_text("owner")
    extra = master.parent / "班级台账" / "新班.xlsx"
    extra.write_text("也坏了")
    result = consolidate(master, as_of=AS_OF)
    stale = set(result.figures["stale_files"])
    assert {f"班级台账/{p.name}" for p in files[:3]} == stale
    assert [f["file"] for f in result.failed] == ["班级台账/新班.xlsx"]
    assert result.figures["classes"] == 4 and result.exit_code == 1
    wb = load_workbook(master)
    codes = Counter(r["代码"] for r in sheet_rows(wb, "校验问题"))
    assert codes["file-stale"] == 3 and codes["file-unreadable"] == 1
    states = {r["班级"]: r["数据状态"] for r in sheet_rows(wb, "班级统计") if r["班级"] != "合计"}
    assert states[files[0].stem].startswith("旧数据：找不到班级台账")
    assert states[files[2].stem].startswith("旧数据：文件正在 Excel 中打开")
    overview = {r[0]: r[1] for r in wb["概览"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert overview["无法读取的台账"] == "班级台账/新班.xlsx"


def test_same_child_in_two_classes_is_a_conflict_not_a_duplicate(tmp_path):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(2, 5), seed=4)
    first, second = sorted((master.parent / "班级台账").glob("*.xlsx"))
    moved = load_workbook(first)["学生档案"]["D2"].value
    wb = load_workbook(second)
    wb["学生档案"]["D2"] = moved
    wb.save(second)
    consolidate(master, as_of=AS_OF)
    rows = sheet_rows(load_workbook(master), "校验问题")
    assert sum(1 for r in rows if r["代码"] == "child-conflict") == 2


def test_master_that_cannot_be_carried_over_is_left_alone(tmp_path, run):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(1, 5), seed=1)
    import zipfile

    with zipfile.ZipFile(master, "a") as archive:
        archive.writestr("xl/media/image1.png", b"\x89PNG")
    data = master.read_bytes()
    result = run("consolidate", master, "--as-of", "2026-11-30")
    assert result.exit_code == 2 and "图片" in result.stderr and master.read_bytes() == data
    (master.parent / "~$全校汇总.xlsx").write_text("x")
    assert run("consolidate", master).exit_code == 2


def test_cli_json_and_summary(tmp_path, run):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(2, 5), seed=9)
    result = run("consolidate", master, "--as-of", "2026-11-30", "--format", "json")
    doc = json.loads(result.stdout)
    assert {"master", "classes", "children", "records", "issues", "overdue", "failed_files"} <= set(
        doc
    )
    assert doc["classes"] == 2 and doc["children"] == 10
    result = run("consolidate", master, "--as-of", "2026-11-30")
    assert "班级台账和日期都没有变化" in result.stdout


def test_demo_command(tmp_path, run):
    result = run(
        "demo", tmp_path / "演示", "--classes", "3", "--children", "6", "--as-of", "2026-11-30"
    )
    assert result.exit_code == 0, result.stderr
    assert "汇总完成" in result.stdout and (tmp_path / "演示" / "全校汇总.xlsx").is_file()
    assert len(list((tmp_path / "演示" / "班级台账").glob("*.xlsx"))) == 3


@needs_soffice
def test_libreoffice_opens_the_master_and_recalculates_to_our_figures(school, tmp_path):
    _, master, result, wb = school
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    for target in ("pdf", "xlsx:Calc MS Excel 2007 XML"):
        subprocess.run(
            [
                "soffice",
                profile,
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(tmp_path / "out"),
                str(master),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    assert (tmp_path / "out" / "全校汇总.pdf").stat().st_size > 10_000
    again = load_workbook(tmp_path / "out" / "全校汇总.xlsx", data_only=True)
    figures = {r[0]: r[1] for r in again["概览"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert figures["已逾期项数（按逾期清单重算）"] == result.figures["overdue"]
    stats = sheet_rows(again, "班级统计")
    total = stats[-1]
    assert total["班级"] == "合计"
    for column in ("学生数", "在读", "本月记录", "本学期记录", "有逾期的学生", "逾期项数"):
        assert total[column] == sum(r[column] for r in stats[:-1]), column
    assert total["学生数"] == result.figures["children"]


HOSTILE_SCHOOL = '=HYPERLINK("http://example.invalid","点此")'


def _text_school(master):
    """A 学校名称 and an (unpaired) teacher's name that start with =, typed as text."""
    wb = load_workbook(master)
    for row in wb["学校信息"].iter_rows():
        if row[0].value == "学校名称":
            row[1].value, row[1].data_type = HOSTILE_SCHOOL, "s"
    wb["教师"].append(["=1+2", "一年级1班", "任课教师", "是"])
    wb["教师"].cell(wb["教师"].max_row, 1).data_type = "s"
    wb.save(master)


def test_text_from_the_school_never_becomes_a_formula_only_xlsyncs_own_do(tmp_path):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(2, 4), seed=3)
    _text_school(master)
    consolidate(master, as_of=AS_OF)
    wb = load_workbook(master)
    overview = wb["概览"]
    assert overview["A1"].value.startswith(HOSTILE_SCHOOL) and overview["A1"].data_type == "s"
    teacher_cells = [c for row in wb["教师统计"].iter_rows() for c in row if c.value == "=1+2"]
    assert teacher_cells and all(c.data_type == "s" for c in teacher_cells)
    unpaired = [c for c in overview["B"] if isinstance(c.value, str) and "=1+2" in c.value]
    assert unpaired and all(c.data_type == "s" for c in unpaired)
    formulas = [c.value for row in overview.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == ['=COUNTIF(逾期清单!A:A,"已逾期")']
    sums = [c.value for c in wb["班级统计"][wb["班级统计"].max_row] if c.data_type == "f"]
    assert sums and all(v.startswith("=SUM(") for v in sums)


def test_the_cache_sentence_only_when_something_came_from_the_cache(tmp_path, run):
    """The summary says how many workbooks were read again only when others came from the
    cache; a first run (everything read) says nothing about a cache (issue 17.4)."""
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(3, 6), seed=3)
    first = run("consolidate", master, "--as-of", AS_OF.isoformat())
    assert "缓存" not in first.stdout and "汇总完成" in first.stdout
    changed = sorted((master.parent / "班级台账").glob("*.xlsx"))[1]
    wb = load_workbook(changed)
    wb["帮扶记录"].append(
        [AS_OF, wb["学生档案"]["A2"].value, None, "谈心", wb["学生档案"]["W2"].value, "谈心"]
    )
    wb.save(changed)
    second = run("consolidate", master, "--as-of", AS_OF.isoformat())
    assert "本次重新读取 1 个台账，其余 2 个没有变化的台账直接用了上次读取的结果（缓存）。" in (
        second.stdout
    )
    third = run("consolidate", master, "--as-of", (AS_OF + dt.timedelta(days=1)).isoformat())
    assert "台账都没有变化，3 个台账直接用了上次读取的结果（缓存）。" in third.stdout
    assert "重新读取" not in third.stdout
