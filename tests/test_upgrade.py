"""`xlsync upgrade` (issue 19.7): a workbook made by an earlier template is brought up to the
current one — every later (`since` > 1) column and sheet of the schema added as the template
makes it, nothing a teacher typed moved, retyped or restyled, idempotent, through the safe
writer — and until then it reads with one 提示, never a new 错误.

The expected additions are derived from the schema, so these tests hold as other points add
their columns; `schema` also runs them with a since=2 column in 学生档案 and 帮扶规则 patched in.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    fill_sheet,
    needs_uno,
    open_in_libreoffice,
    record,
    student,
)
from fake_cmd import Cmd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

import xlsync.core.checks.template as template_check
import xlsync.core.upgrade as core_upgrade
import xlsync.files.upgrade as files_upgrade
from xlsync.core.config import default_grids
from xlsync.core.findings import ERROR, NOTICE
from xlsync.core.status_view import owned_columns
from xlsync.errors import XlsyncError
from xlsync.files import templates
from xlsync.files.launchers import UPGRADE_BAT, UPGRADE_COMMAND
from xlsync.files.validations import check_for
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.validate import validate
from xlsync.schema import (
    CLASS_SHEETS,
    MASTER_CONFIG_SHEETS,
    RECORDS,
    RULES,
    SCHOOL,
    SCHOOL_FIELDS,
    STUDENTS,
    Column,
    Kind,
    Sheet,
)

AS_OF = dt.date(2026, 11, 30)
TEST_STUDENT_COLUMN = Column(
    "测试新列", Kind.ENUM, choices=("较好", "一般", "差"), width=15, hint="测试用的新列", since=2
)
TEST_RULE_COLUMN = Column("测试规则列", Kind.INT, min_value=1, max_value=9, width=11, since=2)


def earlier(sheet: Sheet) -> Sheet:
    """`sheet` as the first template made it."""
    return replace(sheet, columns=tuple(c for c in sheet.columns if c.since == 1))


def later_headers(sheet: Sheet) -> list[str]:
    return [c.header for c in sheet.columns if c.since > 1]


def _with(sheets: tuple[Sheet, ...], spec: Sheet, column: Column) -> tuple[Sheet, ...]:
    return tuple(replace(s, columns=(*s.columns, column)) if s is spec else s for s in sheets)


@pytest.fixture(params=["schema", "schema+test-columns"])
def schema(request, monkeypatch) -> dict[str, Any]:
    """The class and master sheets upgrade works from: the real schema, and the real schema with
    one more since=2 column in 学生档案 and in 帮扶规则 (patched where upgrade and the 提示 read it)."""
    classes, masters = CLASS_SHEETS, MASTER_CONFIG_SHEETS
    if request.param != "schema":
        classes = _with(CLASS_SHEETS, STUDENTS, TEST_STUDENT_COLUMN)
        masters = _with(MASTER_CONFIG_SHEETS, RULES, TEST_RULE_COLUMN)
        monkeypatch.setattr(files_upgrade, "CLASS_SHEETS", classes)
        monkeypatch.setattr(files_upgrade, "STUDENTS", classes[0])
        monkeypatch.setattr(files_upgrade, "MASTER_CONFIG_SHEETS", masters)
        monkeypatch.setattr(template_check, "CLASS_SHEETS", classes)
    return {"class": classes, "master": masters}


def old_class_book(path: Path, monkeypatch: pytest.MonkeyPatch, extra: bool = False) -> Path:
    """A class workbook as the first template made it, with a teacher's rows, a fill she chose,
    a comment of hers and a width she set (and, with `extra`, a column of her own)."""
    old = tuple(earlier(s) for s in CLASS_SHEETS if s.since == 1)
    with monkeypatch.context() as patched:
        patched.setattr(templates, "CLASS_SHEETS", old)
        wb = templates.build_class_workbook(["张老师"])
    fill_sheet(wb, STUDENTS.name, [student(), student(姓名="李小红", 身份证号="", 性别="女")])
    fill_sheet(wb, RECORDS.name, [record(学生姓名="王小明")])
    ws = wb[STUDENTS.name]
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    ws["A2"].fill = PatternFill("solid", fgColor="FFFF00")
    ws["B3"].comment = Comment("老师自己的批注", "张老师")
    ws.column_dimensions["C"].width = 30
    if extra:
        last = len(earlier(STUDENTS).columns)
        ws.cell(1, last + 1, "老师自己的列")
        ws.cell(2, last + 1, "自己的内容")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def look(path: Path) -> dict[str, Any]:
    """Every cell (value and style), check, width and comment of every sheet."""
    wb = load_workbook(path, rich_text=True)
    found: dict[str, Any] = {}
    for ws in wb.worksheets:
        cells = {
            c.coordinate: (
                c.value,
                *(_style(getattr(c, part)) for part in ("font", "fill", "border", "alignment")),
                c.number_format,
                c.comment.text if c.comment else None,
            )
            for row in ws.iter_rows()
            for c in row
            if c.value is not None or c.comment or c.has_style
        }
        checks = sorted(
            (str(v.sqref), v.type or "", v.formula1 or "")
            for v in ws.data_validations.dataValidation
        )
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth}
        found[ws.title] = {"cells": cells, "checks": checks, "widths": widths}
    return found


def _style(part: Any) -> str:
    """A style as it shows: an explicit false (LibreOffice writes them) is the default."""
    return repr(part).replace("=False", "=None")


def headers(path: Path, sheet: str) -> list[str]:
    ws = load_workbook(path, read_only=True)[sheet]
    return [v for v in next(ws.iter_rows(max_row=1, values_only=True)) if v is not None]


def _kept(before: dict[str, Any], after: dict[str, Any]) -> None:
    for name, old in before.items():
        new = after[name]
        for coordinate, value in old["cells"].items():
            assert new["cells"].get(coordinate) == value, (name, coordinate)
        assert set(old["checks"]) <= set(new["checks"]), name
        for letter, width in old["widths"].items():
            assert new["widths"].get(letter) == width, (name, letter)


def test_upgrade_adds_the_later_parts_and_keeps_every_earlier_cell(tmp_path, monkeypatch, schema):
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    before = look(path)
    done = files_upgrade.upgrade_workbook(path)
    assert done.written and not done.master
    after = look(path)
    _kept(before, after)
    for spec in schema["class"]:
        if spec.since > 1:
            assert headers(path, spec.name) == list(spec.headers), spec.name
            continue
        assert headers(path, spec.name) == list(earlier(spec).headers) + later_headers(spec)
        _new_columns_as_the_template_makes_them(path, spec)
    names = load_workbook(path, read_only=True).sheetnames
    order = [s.name for s in schema["class"]]
    assert [n for n in names if n in order] == order  # new sheets in template order


def _new_columns_as_the_template_makes_them(path: Path, spec: Sheet) -> None:
    ws = load_workbook(path)[spec.name]
    for number, col in enumerate(spec.columns, start=1):
        if col.since == 1:
            continue
        cell = ws.cell(1, number)
        assert cell.font.b and cell.fill.fgColor.rgb.endswith(templates.OPTIONAL_FILL.fgColor.rgb)
        assert ws.column_dimensions[cell.column_letter].width == col.width
        made = check_for(col)
        covering = [
            v
            for v in ws.data_validations.dataValidation
            if any(r.min_col == number and r.max_row >= 1 + spec.rows for r in v.sqref.ranges)
        ]
        if made is not None:
            assert covering and covering[0].formula1 == made.formula1, col.header
            assert covering[0].prompt == (col.hint or "请从下拉中选择")


def test_explicit_names_of_issue_19s_parts_are_added(tmp_path, monkeypatch):
    """By name, so a part dropped from the schema by mistake is noticed (update at merge)."""
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    parts = files_upgrade.upgrade_workbook(path).gaps.parts()
    assert "工作表「安全事件」" in parts and "工作表「缺勤与劝返」" in parts
    students = next(p for p in parts if p.startswith("「学生档案」表的"))
    for header in ("寄宿", "残疾类别", "残疾等级", "重病", "最近核实日期"):  # 19.3, 19.6
        assert header in students, header
    names = load_workbook(path, read_only=True).sheetnames
    assert {"安全事件", "缺勤与劝返"} <= set(names)


def test_a_second_run_changes_nothing_and_does_not_rewrite(tmp_path, monkeypatch, schema):
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    files_upgrade.upgrade_workbook(path)
    data, stamp = path.read_bytes(), path.stat().st_mtime_ns
    backups = sorted((tmp_path / ".xlsync").rglob("*.xlsx"))
    again = files_upgrade.upgrade_workbook(path)
    assert not again.gaps and not again.written
    assert path.read_bytes() == data and path.stat().st_mtime_ns == stamp
    assert sorted((tmp_path / ".xlsync").rglob("*.xlsx")) == backups


def test_a_current_workbook_is_left_alone(tmp_path):
    path = tmp_path / "新班.xlsx"
    templates.build_class_workbook().save(path)
    data = path.read_bytes()
    assert not files_upgrade.upgrade_workbook(path).written
    assert path.read_bytes() == data and not (tmp_path / ".xlsync").exists()


def test_dry_run_lists_what_it_would_add_and_writes_nothing(tmp_path, monkeypatch, run):
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    data = path.read_bytes()
    result = run("upgrade", path, "--dry-run")
    assert result.exit_code == 0
    assert "将加上" in result.output and "工作表「安全事件」" in result.output
    assert "没有改动任何文件" in result.output
    assert path.read_bytes() == data and not (tmp_path / ".xlsync").exists()


def test_an_open_workbook_is_refused_and_left_as_it_is(tmp_path, monkeypatch, run):
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    (tmp_path / f"~${path.name}").write_bytes(b"lock")
    data = path.read_bytes()
    with pytest.raises(XlsyncError, match="正在 Excel"):
        files_upgrade.upgrade_workbook(path)
    result = run("upgrade", path)
    assert (
        result.exit_code == 2 and "正在 Excel" in result.output and "Traceback" not in result.output
    )
    assert path.read_bytes() == data


def test_an_xls_or_a_damaged_file_is_listed_in_chinese_and_the_others_go_on(
    tmp_path, monkeypatch, run
):
    good = old_class_book(tmp_path / "一班.xlsx", monkeypatch)
    (tmp_path / "二班.xls").write_bytes(b"not really")
    (tmp_path / "三班.xlsx").write_bytes(b"PK\x03\x04 broken")
    result = run("upgrade", tmp_path, "--format", "json")
    import json

    shown = json.loads(result.stdout)
    assert result.exit_code == 2
    assert [Path(f["file"]).name for f in shown["files"]] == [good.name]
    assert shown["files"][0]["upgraded"] and "工作表「安全事件」" in shown["files"][0]["adds"]
    reasons = {Path(f["file"]).name: f["message"] for f in shown["failed"]}
    assert ".xlsx" in reasons["二班.xls"] and "打不开" in reasons["三班.xlsx"]


def test_new_columns_go_after_a_teachers_own_column_never_over_it(tmp_path, monkeypatch):
    monkeypatch.setattr(
        files_upgrade, "CLASS_SHEETS", _with(CLASS_SHEETS, STUDENTS, TEST_STUDENT_COLUMN)
    )
    monkeypatch.setattr(files_upgrade, "STUDENTS", files_upgrade.CLASS_SHEETS[0])
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch, extra=True)
    before = look(path)
    files_upgrade.upgrade_workbook(path)
    _kept(before, look(path))
    row = headers(path, STUDENTS.name)
    added = later_headers(files_upgrade.STUDENTS)  # the real later columns, then the test one
    assert row[len(earlier(STUDENTS).columns) :] == ["老师自己的列", *added]
    assert added[-1] == "测试新列"


def test_a_renamed_column_under_its_old_name_is_left_as_it_is(tmp_path, monkeypatch):
    """A later column whose old name (an alias) the sheet already has is present: nothing is
    added beside it and the old header is not rewritten (the reader maps it)."""
    renamed = replace(TEST_STUDENT_COLUMN, aliases=("老师自己的列",))
    monkeypatch.setattr(files_upgrade, "CLASS_SHEETS", _with(CLASS_SHEETS, STUDENTS, renamed))
    monkeypatch.setattr(files_upgrade, "STUDENTS", files_upgrade.CLASS_SHEETS[0])
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch, extra=True)
    files_upgrade.upgrade_workbook(path)
    row = headers(path, STUDENTS.name)
    assert "老师自己的列" in row and "测试新列" not in row


def test_status_columns_in_the_way_give_their_place_and_are_redrawn_after(
    tmp_path, monkeypatch, run
):
    """xlsync's own status block at the right end is emptied for the new columns; the next
    检查台账 draws it again after them, and the teacher's cells stay as they were."""
    monkeypatch.setattr(
        files_upgrade, "CLASS_SHEETS", _with(CLASS_SHEETS, STUDENTS, TEST_STUDENT_COLUMN)
    )
    monkeypatch.setattr(files_upgrade, "STUDENTS", files_upgrade.CLASS_SHEETS[0])
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    assert run("check", path, "--as-of", AS_OF.isoformat()).exit_code in (0, 1)
    width = len(earlier(STUDENTS).columns)
    assert owned_columns(headers(path, STUDENTS.name))[0] == width + 1  # the status block
    teacher = {k: v for k, v in look(path)[STUDENTS.name]["cells"].items() if _column(k) <= width}
    files_upgrade.upgrade_workbook(path)
    added = later_headers(files_upgrade.STUDENTS)
    assert headers(path, STUDENTS.name)[width:] == added
    assert run("check", path, "--as-of", AS_OF.isoformat()).exit_code in (0, 1)
    after = headers(path, STUDENTS.name)
    assert after[width : width + len(added)] == added
    assert owned_columns(after)[0] == width + len(added) + 1  # the status block after them
    cells = look(path)[STUDENTS.name]["cells"]
    assert all(cells.get(k) == v for k, v in teacher.items())


def _column(coordinate: str) -> int:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    return column_index_from_string(coordinate_from_string(coordinate)[0])


# ---------------------------------------------------------------- the master


def old_master(path: Path, monkeypatch: pytest.MonkeyPatch, drop: str) -> Path:
    """A master as the first template made it, lacking the 学校信息 row `drop`."""
    old = tuple(earlier(s) for s in MASTER_CONFIG_SHEETS if s.since == 1)
    with monkeypatch.context() as patched:
        patched.setattr(templates, "MASTER_CONFIG_SHEETS", old)
        wb = templates.build_master_workbook("测试小学", "2026-2027")
    ws = wb[SCHOOL.name]
    for row in list(ws.iter_rows(min_row=2)):
        if row[0].value == drop:
            ws.delete_rows(row[0].row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def test_a_master_gets_its_later_columns_sheets_and_school_settings(tmp_path, monkeypatch, schema):
    """The last 学校信息 setting is treated as a later one here, so the test needs no real
    one; every real later setting is added the same way, with its default."""
    last = SCHOOL_FIELDS[-1]
    monkeypatch.setattr(core_upgrade, "FIRST_SCHOOL_FIELDS", SCHOOL_FIELDS[:-1])
    path = old_master(tmp_path / "全校汇总.xlsx", monkeypatch, last)
    before = look(path)
    done = files_upgrade.upgrade_workbook(path)
    assert done.master and done.written and f"「学校信息」表的 {last} 项" in done.gaps.parts()
    _kept(before, look(path))
    wb = load_workbook(path)
    info = {r[0]: r[1] for r in wb[SCHOOL.name].iter_rows(min_row=2, values_only=True)}
    defaults = {r[0]: r[1] for r in default_grids("", "2026-2027")[SCHOOL.name][1:]}
    assert str(info[last] or "") == str(defaults[last] or "")  # its default (学校代码: blank)
    for spec in schema["master"]:
        expected = (
            list(spec.headers) if spec.since > 1 else [*earlier(spec).headers, *later_headers(spec)]
        )
        assert headers(path, spec.name) == expected, spec.name
    assert not files_upgrade.upgrade_workbook(path).written


def test_an_old_master_gets_one_notice_in_the_issues_and_no_error(tmp_path, monkeypatch, school):
    last = SCHOOL_FIELDS[-1]
    monkeypatch.setattr(core_upgrade, "FIRST_SCHOOL_FIELDS", SCHOOL_FIELDS[:-1])
    master = school / "全校汇总.xlsx"
    wb = load_workbook(master)
    ws = wb[SCHOOL.name]
    ws.delete_rows(next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == last))
    wb.save(master)
    result = consolidate(master, as_of=AS_OF)
    issues = load_workbook(master, read_only=True)["校验问题"]
    rows = [r for r in issues.iter_rows(values_only=True) if "template-outdated" in r]
    assert len(rows) == 1 and rows[0][0] == NOTICE and last in rows[0][7]
    assert result.figures["errors"] == 0 and result.figures["notices"] >= 1


# ---------------------------------------------------------------- the 提示 before upgrading


def test_an_old_class_workbook_reads_with_one_notice_and_no_new_error(tmp_path, monkeypatch):
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    report = validate([path], None, AS_OF).report
    notices = [f for f in report.findings if f.code == "template-outdated"]
    assert len(notices) == 1 and notices[0].severity == NOTICE
    assert "安全事件" in notices[0].message and "升级台账" in notices[0].message
    assert not [f for f in report.findings if f.severity == ERROR]
    assert report.exit_code == 0
    files_upgrade.upgrade_workbook(path)
    after = validate([path], None, AS_OF).report
    assert not [f for f in after.findings if f.code == "template-outdated"]


def test_the_notice_names_a_missing_column_too(tmp_path, monkeypatch):
    monkeypatch.setattr(
        template_check, "CLASS_SHEETS", _with(CLASS_SHEETS, STUDENTS, TEST_STUDENT_COLUMN)
    )
    path = tmp_path / "新班.xlsx"
    templates.build_class_workbook().save(path)
    found = [
        f for f in validate([path], None, AS_OF).report.findings if f.code == "template-outdated"
    ]
    assert len(found) == 1 and "「学生档案」表的 测试新列 列" in found[0].message


def test_the_write_back_of_consolidation_adds_no_column_and_no_sheet(school, monkeypatch):
    """汇总 refreshes an old class workbook (status, marks) but never upgrades it: its 校验结果
    carries the 提示 instead."""
    path = school / "班级台账" / "三年级2班.xlsx"
    old_class_book(path, monkeypatch)
    before = {n: headers(path, n) for n in ("学生档案", "帮扶记录", "学业帮扶计划")}
    consolidate(school / "全校汇总.xlsx", as_of=AS_OF)
    wb = load_workbook(path, read_only=True)
    assert "安全事件" not in wb.sheetnames and "缺勤与劝返" not in wb.sheetnames
    assert "逾期提醒" in wb.sheetnames  # it was written back
    width = len(earlier(STUDENTS).columns)
    assert headers(path, "学生档案")[:width] == before["学生档案"]
    row = headers(path, "学生档案")
    assert owned_columns(row) == list(range(width + 1, len(row) + 1))  # only xlsync's status
    for name in ("帮扶记录", "学业帮扶计划"):
        assert headers(path, name) == before[name]
    checks = [r for r in wb["校验结果"].iter_rows(values_only=True) if "template-outdated" in r]
    assert len(checks) == 1 and checks[0][0] == NOTICE


# ---------------------------------------------------------------- folders, launchers, LibreOffice


def test_upgrading_the_school_folder_takes_the_master_and_every_class(school, monkeypatch, run):
    old_class_book(school / "班级台账" / "三年级2班.xlsx", monkeypatch)
    old_class_book(school / "班级台账" / "四年级1班.xlsx", monkeypatch)
    result = run("upgrade", school)
    assert result.exit_code == 0, result.output
    assert "全校汇总.xlsx（全校汇总）：已是最新模板" in result.output
    assert result.output.count("已加上") == 2 and "升级完成：2 个文件已升级" in result.output


def test_init_places_the_upgrade_scripts_beside_the_check_scripts(school):
    folder = school / "班级台账"
    text = (folder / UPGRADE_BAT).read_bytes().decode("utf-8")
    assert "\r\n" in text and '-m xlsync upgrade "%WHAT%"' in text
    assert (folder / UPGRADE_COMMAND).stat().st_mode & 0o111


def test_double_clicking_the_upgrade_bat_upgrades_the_folder(school, monkeypatch):
    folder = school / "班级台账"
    path = old_class_book(folder / "三年级2班.xlsx", monkeypatch)
    cmd = Cmd(folder / UPGRADE_BAT, [])
    cmd.run(["(a key)"])
    assert any("已加上" in line for line in cmd.out), cmd.out
    assert "安全事件" in load_workbook(path, read_only=True).sheetnames


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_double_clicking_the_upgrade_command_upgrades_the_folder(school, monkeypatch, tmp_path):
    folder = school / "班级台账"
    path = old_class_book(folder / "三年级2班.xlsx", monkeypatch)
    done = subprocess.run(
        ["sh", str(folder / UPGRADE_COMMAND)],
        input="\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0 and "升级完了" in done.stdout, done.stderr
    assert "安全事件" in load_workbook(path, read_only=True).sheetnames


@needs_uno
def test_libreoffice_opens_an_upgraded_workbook(tmp_path, monkeypatch):
    monkeypatch.setattr(
        files_upgrade, "CLASS_SHEETS", _with(CLASS_SHEETS, STUDENTS, TEST_STUDENT_COLUMN)
    )
    monkeypatch.setattr(files_upgrade, "STUDENTS", files_upgrade.CLASS_SHEETS[0])
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    files_upgrade.upgrade_workbook(path)
    assert open_in_libreoffice(path).startswith("OPENED")


@needs_uno
def test_a_workbook_last_saved_by_libreoffice_upgrades_and_opens_again(tmp_path, monkeypatch):
    """LibreOffice saves one width entry for all the empty columns on the right; the new
    column gets its own width out of it, the teacher's cells stay, and the file opens again."""
    from test_libreoffice import convert

    monkeypatch.setattr(
        files_upgrade, "CLASS_SHEETS", _with(CLASS_SHEETS, STUDENTS, TEST_STUDENT_COLUMN)
    )
    monkeypatch.setattr(files_upgrade, "STUDENTS", files_upgrade.CLASS_SHEETS[0])
    source = old_class_book(tmp_path / "old" / "三年级2班.xlsx", monkeypatch)
    convert([source], "xlsx", tmp_path / "lo", tmp_path / "lo-profile")
    path = tmp_path / "lo" / source.name
    before = look(path)
    files_upgrade.upgrade_workbook(path)
    _kept(before, look(path))
    ws = load_workbook(path)[STUDENTS.name]
    number = len(earlier(STUDENTS).columns) + 1
    number = headers(path, STUDENTS.name).index("测试新列") + 1
    assert ws.column_dimensions[ws.cell(1, number).column_letter].width == 15
    assert open_in_libreoffice(path).startswith("OPENED")


def test_a_width_set_for_many_columns_is_split_around_the_new_one(tmp_path, monkeypatch):
    """One width entry spanning the empty columns on the right (as LibreOffice and Excel write
    for a range of columns): the new column gets its own width, the others keep theirs."""
    monkeypatch.setattr(
        files_upgrade, "CLASS_SHEETS", _with(CLASS_SHEETS, STUDENTS, TEST_STUDENT_COLUMN)
    )
    monkeypatch.setattr(files_upgrade, "STUDENTS", files_upgrade.CLASS_SHEETS[0])
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    wb = load_workbook(path)
    number = len(earlier(STUDENTS).columns) + 1
    span = wb[STUDENTS.name].column_dimensions[get_column_letter(number)]
    span.min, span.max, span.width = number, number + 30, 9
    wb.save(path)
    files_upgrade.upgrade_workbook(path)
    ws = load_workbook(path)[STUDENTS.name]
    spans = sorted(
        (d.min, d.max, d.width) for d in ws.column_dimensions.values() if d.min >= number
    )
    added = [c for c in files_upgrade.STUDENTS.columns if c.since > 1]
    own = [(n, n, c.width) for n, c in enumerate(added, start=number)]
    assert spans[: len(own)] == own  # each new column its own width
    rest = spans[len(own) :]  # the teacher's width over the columns after them, in pieces
    assert rest[0][0] == number + len(own) and rest[-1][1] == number + 30
    assert all(width == 9 for _, _, width in rest)
    assert all(a[1] + 1 == b[0] for a, b in zip(rest, rest[1:], strict=False))
    assert open_in_libreoffice(path).startswith("OPENED") if _has_uno() else True


def _has_uno() -> bool:
    return (
        shutil.which("soffice") is not None
        and Path("/usr/lib/python3/dist-packages/uno.py").exists()
    )


def test_a_school_from_an_earlier_version_gets_the_upgrade_scripts(school, run):
    folder = school / "班级台账"
    (folder / UPGRADE_BAT).unlink()
    (folder / UPGRADE_COMMAND).unlink()
    assert run("upgrade", school, "--dry-run").exit_code == 0
    assert not (folder / UPGRADE_BAT).exists()  # a dry run writes nothing at all
    result = run("upgrade", school)
    assert (folder / UPGRADE_BAT).is_file() and (folder / UPGRADE_COMMAND).is_file()
    assert "放上「升级台账」" in result.output


def test_an_older_google_class_gets_the_notice_with_what_to_add_by_hand(fake, school):
    """A class kept in Google Sheets made before 安全事件 and 缺勤与劝返: one 提示, no error from
    their absence, and the way forward for a Google Sheet (upgrade works on files only)."""
    import requests
    from conftest import SID

    from xlsync.jobs.classes import new_class
    from xlsync.jobs.inputs import Google

    session = requests.Session()
    new_class(school, "四年级1班", "张老师", SID, Google(session=session))
    for spec in CLASS_SHEETS:
        if spec.since > 1:
            del fake.books[SID][spec.name]
    found = validate(
        [f"gsheet:{SID}"], school / "全校汇总.xlsx", AS_OF, google=Google(session=session)
    )
    notices = [f for f in found.report.findings if f.code == "template-outdated"]
    assert len(notices) == 1 and "安全事件" in notices[0].message
    assert (
        "Google 表格" in notices[0].message
        and "xlsync upgrade 只升级 Excel 文件" in notices[0].message
    )
    assert not found.report.errors


def test_the_check_window_tells_the_teacher_how_to_upgrade(tmp_path, monkeypatch, run):
    """What 检查台账 shows: the 提示 counted apart from the warnings, and its text."""
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    result = run("check", path, "--as-of", AS_OF.isoformat())
    assert "0 个错误，0 个警告，" in result.output and "个提示；" in result.output, result.output
    assert "提示：「三年级2班.xlsx」是旧版模板做的" in result.output and "升级台账" in result.output


def test_the_notice_is_light_blue_in_the_check_sheet(tmp_path, monkeypatch, run):
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    run("validate", path, "--annotate", "--as-of", AS_OF.isoformat())
    ws = load_workbook(path)["校验结果"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == NOTICE)
    assert row[0].fill.fgColor.rgb.endswith("DDEBF7")


def test_a_consolidated_master_keeps_its_chart_and_consolidates_after_upgrading(
    tmp_path, monkeypatch, run
):
    import zipfile

    last = SCHOOL_FIELDS[-1]
    monkeypatch.setattr(core_upgrade, "FIRST_SCHOOL_FIELDS", SCHOOL_FIELDS[:-1])
    folder = tmp_path / "演示学校"
    assert run("demo", folder, "--classes", "1", "--children", "5").exit_code == 0
    master = folder / "全校汇总.xlsx"
    wb = load_workbook(master)
    ws = wb[SCHOOL.name]
    ws.delete_rows(next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == last))
    wb.save(master)
    result = run("upgrade", master)
    assert result.exit_code == 0 and f"「学校信息」表的 {last} 项" in result.output, result.output
    with zipfile.ZipFile(master) as archive:
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())
    assert run("consolidate", master, "--as-of", AS_OF.isoformat()).exit_code in (0, 1)


def test_a_workbook_that_is_neither_kind_is_refused_and_left_alone(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "购物清单.xlsx"
    wb = Workbook()
    wb.active.append(["苹果", "3"])
    wb.save(path)
    data = path.read_bytes()
    with pytest.raises(XlsyncError, match="既不像班级台账"):
        files_upgrade.upgrade_workbook(path)
    assert path.read_bytes() == data


def test_an_old_drop_down_under_a_renamed_column_offers_the_new_values(tmp_path):
    """假期暂停 (是/否, as the first template's 帮扶规则 had it) keeps its name and every value as
    typed; only xlsync's old drop-down is replaced by the current one, so 仅假期 can be picked."""
    from openpyxl.worksheet.datavalidation import DataValidation

    path = tmp_path / "全校汇总.xlsx"
    wb = templates.build_master_workbook("测试小学", "2026-2027")
    ws = wb[RULES.name]
    number = RULES.headers.index("适用时段") + 1
    letter = get_column_letter(number)
    ws.cell(1, number).value = "假期暂停"
    for row in range(2, ws.max_row + 1):
        ws.cell(row, number).value = "是" if row % 2 else "否"
    ws.data_validations.dataValidation = [
        v for v in ws.data_validations.dataValidation if letter not in str(v.sqref)
    ]
    old = DataValidation(type="list", formula1='"是,否"', allow_blank=True, errorStyle="stop")
    old.add(f"{letter}2:{letter}1001")
    ws.add_data_validation(old)
    wb.save(path)
    before = look(path)[RULES.name]["cells"]
    done = files_upgrade.upgrade_workbook(path)
    assert done.written and any("假期暂停 列的下拉" in p for p in done.gaps.parts())
    after = load_workbook(path)[RULES.name]
    assert look(path)[RULES.name]["cells"] == before  # header and values as typed
    lists = [v.formula1 for v in after.data_validations.dataValidation if letter in str(v.sqref)]
    assert lists == ['"学期中,仅假期,全年"']
    assert not files_upgrade.upgrade_workbook(path).written


def test_a_dry_run_may_look_into_a_workbook_that_is_open(tmp_path, monkeypatch, run):
    path = old_class_book(tmp_path / "三年级2班.xlsx", monkeypatch)
    (tmp_path / f"~${path.name}").write_bytes(b"lock")
    result = run("upgrade", path, "--dry-run")
    assert result.exit_code == 0 and "工作表「安全事件」" in result.output
