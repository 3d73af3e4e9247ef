"""`xlsync init` and `xlsync new-class`: a school and a class from nothing, refusals in Chinese."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import load_workbook

from xlsync.files.reader import read_class_workbook
from xlsync.files.school import read_master
from xlsync.schema import RULES


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_init_creates_master_and_class_folder(run, tmp_path):
    result = run("init", tmp_path / "学校", "--school", "某某镇中心小学", "--year", "2026-2027")
    assert result.exit_code == 0, result.stderr
    assert "已创建学校「某某镇中心小学」" in result.stdout
    config = read_master(tmp_path / "学校" / "全校汇总.xlsx")
    assert config.info["学校名称"] == "某某镇中心小学" and config.info["学年"] == "2026-2027"
    assert config.info["同步脱敏"] == "是"
    assert (tmp_path / "学校" / "班级台账").is_dir()
    terms = config.tables["学期"].data
    assert [str(d) for d in terms["开始日期"]] == ["2026-09-01", "2027-02-22"]
    assert (
        len(config.tables["帮扶规则"].data) == len(RULES.defaults) == 10 and config.findings == []
    )


def test_new_class_creates_workbook_and_registers_it(run, tmp_path):
    folder = tmp_path / "学校"
    run("init", folder, "--school", "测试小学", "--year", "2026-2027")
    result = run("new-class", folder, "--class", "三年级2班", "--teacher", "张老师")
    assert result.exit_code == 0, result.stderr
    book = read_class_workbook(folder / "班级台账" / "三年级2班.xlsx")
    assert len(book.students.data) == 0
    config = read_master(folder / "全校汇总.xlsx")
    classes = config.tables["班级"].data
    assert classes.to_dict("records") == [
        {"班级": "三年级2班", "班主任": "张老师", "台账来源": "三年级2班.xlsx"}
    ]
    teachers = config.tables["教师"].data
    assert teachers.to_dict("records") == [
        {"姓名": "张老师", "班级": "三年级2班", "职务": "班主任", "党员": "否"}
    ]


def test_second_class_of_the_same_teacher_adds_no_teacher_row(school, run):
    result = run("new-class", school, "--class", "三年级3班", "--teacher", "张老师")
    assert result.exit_code == 0 and "加入了 教师 表" not in result.stdout
    config = read_master(school / "全校汇总.xlsx")
    assert len(config.tables["教师"].data) == 1 and len(config.tables["班级"].data) == 2
    ws = load_workbook(school / "班级台账" / "三年级3班.xlsx")["学生档案"]
    teacher_list = [v for v in ws.data_validations.dataValidation if v.formula1 == '"张老师"']
    assert teacher_list, "帮扶教师 drop-down lists the school's teachers"


def test_init_refuses_an_existing_school_and_writes_nothing(school, run):
    before = _snapshot(school)
    result = run("init", school, "--school", "别的学校")
    assert result.exit_code == 2
    assert "已经存在" in result.stderr and "Traceback" not in result.stderr
    assert _snapshot(school) == before


def test_new_class_refusals(school, run, tmp_path):
    before = _snapshot(school)
    cases = [
        (("new-class", school, "--class", "三年级2班", "--teacher", "李老师"), "登记过"),
        (("new-class", school, "--class", "三/2班", "--teacher", "李老师"), "不能用作文件名"),
        (("new-class", tmp_path / "空", "--class", "一班", "--teacher", "李老师"), "xlsync init"),
    ]
    for args, phrase in cases:
        result = run(*args)
        assert result.exit_code == 2 and phrase in result.stderr, result.stderr
    assert _snapshot(school) == before


def test_new_class_leaves_an_open_master_alone(school, run):
    (school / "~$全校汇总.xlsx").write_text("owner")
    before = _snapshot(school)
    result = run("new-class", school, "--class", "四年级1班", "--teacher", "李老师")
    assert result.exit_code == 2 and "正在 Excel" in result.stderr
    assert _snapshot(school) == before


def test_usage_errors_are_chinese_with_exit_2(run):
    result = run("init")
    assert result.exit_code == 2 and "缺少参数「学校文件夹」" in result.stderr
    result = run("init", "x", "--school", "a", "--bogus")
    assert result.exit_code == 2 and "没有这个选项：--bogus" in result.stderr
    result = run("init", "x", "--school", "a", "--year", "2026")
    assert result.exit_code == 2 and "学年「2026」格式不对" in result.stderr


def test_new_class_refuses_names_that_break_files(school, run):
    """Windows device names, Excel's ~$ owner-file prefix and over-long names (issue 14.10)."""
    before = _snapshot(school)
    cases = {
        "CON": "Windows 保留",
        "NUL": "Windows 保留",
        "com1": "Windows 保留",
        "PRN.txt": "Windows 保留",
        "~$三年级2班": "~$ 开头",
        "三" * 90: "太长",
        "五年级1班.": "末尾的点",
    }
    for name, phrase in cases.items():
        result = run("new-class", school, "--class", name, "--teacher", "李老师")
        assert result.exit_code == 2, (name, result.stderr)
        assert phrase in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert _snapshot(school) == before
    assert run("new-class", school, "--class", "CONSOLE班", "--teacher", "李老师").exit_code == 0


def test_new_class_after_the_first_consolidate_keeps_the_overview_chart(run, tmp_path):
    """The chart on 概览 is xlsync's own: registering a class must not refuse it (issue 14.8)."""
    folder = tmp_path / "演示学校"
    assert run("demo", folder, "--classes", "1", "--children", "5").exit_code == 0
    result = run("new-class", folder, "--class", "七年级1班", "--teacher", "马老师")
    assert result.exit_code == 0, result.stderr
    config = read_master(folder / "全校汇总.xlsx")
    assert "七年级1班" in set(config.tables["班级"].data["班级"])
    with zipfile.ZipFile(folder / "全校汇总.xlsx") as archive:
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())
    assert run("consolidate", folder / "全校汇总.xlsx").exit_code in (0, 1)  # 1: demo findings
