"""`xlsync validate`: the JSON contract of DESIGN §6, exit codes, folders and master discovery."""

from __future__ import annotations

import json

from conftest import record, student, write_class_book

ISSUE_FIELDS = {"severity", "code", "file", "sheet", "row", "column", "cell", "value", "message"}


def test_json_contract_and_exit_1_on_errors(class_book, run):
    path = class_book(students=[student(), student(姓名="李", 身份证号="")], records=[record()])
    result = run("validate", path, "--as-of", "2026-11-30", "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["files"] == [
        {"file": str(path), "class": "三年级2班", "children": 2, "records": 1, "complete_rate": 0.5}
    ]
    assert [set(i) for i in doc["issues"]] == [ISSUE_FIELDS]
    assert doc["issues"][0] | {"message": ""} == {
        "severity": "错误",
        "code": "name-length",
        "file": str(path),
        "sheet": "学生档案",
        "row": 3,
        "column": "姓名",
        "cell": "A3",
        "value": "李",
        "message": "",
    }
    assert doc["failed_files"] == [] and doc["as_of"] == "2026-11-30"


def test_clean_file_exits_0_and_text_shows_the_rate(class_book, run):
    path = class_book(students=[student()], records=[record()])
    result = run("validate", path, "--as-of", "2026-11-30")
    assert result.exit_code == 0
    assert "建档率 100%" in result.stdout and "没有发现问题" in result.stdout


def test_folder_with_one_unreadable_file_reports_the_rest_and_exits_2(tmp_path, run):
    folder = tmp_path / "班级台账"
    write_class_book(folder / "一班.xlsx", students=[student(姓名="李", 身份证号="")])
    (folder / "二班.xlsx").write_text("坏文件")
    (folder / "~$一班.xlsx").write_text("lock")
    result = run("validate", folder, "--as-of", "2026-11-30", "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert [f["file"] for f in doc["files"]] == [str(folder / "一班.xlsx")]
    assert doc["failed_files"][0]["file"] == str(folder / "二班.xlsx")
    assert "不是有效的 Excel 工作簿" in doc["failed_files"][0]["message"]
    assert "Traceback" not in result.stderr


def test_master_is_found_above_the_class_files(school, run, tmp_path, monkeypatch):
    path = school / "班级台账" / "三年级2班.xlsx"
    write_class_book(path, students=[student(帮扶教师="钱老师")])
    monkeypatch.chdir(tmp_path)
    doc = json.loads(run("validate", path, "--as-of", "2026-11-30", "--format", "json").stdout)
    assert doc["master"] == str(school / "全校汇总.xlsx")
    assert [i["code"] for i in doc["issues"]] == ["teacher-unknown"]


def test_without_master_defaults_are_used_and_said(class_book, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = class_book(students=[student()])
    result = run("validate", path, "--as-of", "2026-11-30", "--format", "json")
    assert json.loads(result.stdout)["master"] is None
    assert "没有找到 全校汇总.xlsx" in result.stderr


def test_bad_inputs_exit_2_in_chinese(run, tmp_path):
    cases = [
        (("validate", tmp_path / "无.xlsx"), "找不到文件"),
        (("validate", tmp_path, "--as-of", "2026-13-01"), "不是日期"),
        (("validate", tmp_path), "没有找到班级台账文件"),
        (("validate", tmp_path, "--master", tmp_path / "无.xlsx"), "找不到全校汇总工作簿"),
    ]
    for args, phrase in cases:
        result = run(*args)
        assert result.exit_code == 2, args
        assert phrase in result.stdout + result.stderr, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr
