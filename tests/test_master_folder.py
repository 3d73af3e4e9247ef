"""Every command that takes the master (全校汇总) also takes the school folder that holds it:
`xlsync consolidate 演示学校` works like `xlsync consolidate 演示学校/全校汇总.xlsx`; a folder
without one is refused with a Chinese message saying what was looked for."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import built_school
from python_calamine import CalamineWorkbook

from xlsync.schema import MASTER_FILE


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return built_school(tmp_path_factory.mktemp("folder") / "学校", classes=2, children=5, seed=3)


@pytest.fixture
def folder(built, tmp_path) -> Path:
    """A fresh copy of the built school (the commands below write into it)."""
    return Path(shutil.copytree(built, tmp_path / "演示学校"))


def test_consolidate_report_and_export_take_the_school_folder(folder, run, tmp_path):
    result = run("consolidate", folder, "--as-of", "2026-11-30", "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert json.loads(result.stdout)["master"] == str(folder / MASTER_FILE)
    result = run("report", folder, "--as-of", "2026-11-30")
    assert result.exit_code in (0, 1) and list(folder.glob("工作报告_*.xlsx")), result.stderr
    out = tmp_path / "县局.xlsx"
    assert run("export", folder, "--out", out).exit_code == 0
    assert "概览" in CalamineWorkbook.from_path(str(out)).sheet_names


@pytest.mark.parametrize("command", ["validate", "overdue", "check", "print"])
def test_the_master_option_takes_the_school_folder(folder, run, command):
    """--master 演示学校 reads the 全校汇总 inside (before: 找不到全校汇总工作簿, exit 2)."""
    result = run(command, folder / "班级台账" / "一年级1班.xlsx", "--master", folder)
    assert result.exit_code in (0, 1), result.stderr
    assert "没有找到" not in result.stderr and "找不到" not in result.stderr


def test_sync_finds_the_master_in_the_folder(folder, run):
    # no Google 表格 ID yet: the master was found and read, the sync stops at the next step
    result = run("sync", folder)
    assert result.exit_code == 2 and "请用 --spreadsheet 指定" in result.stderr


def test_a_folder_without_the_master_says_what_was_looked_for(folder, run, tmp_path):
    classes = folder / "班级台账"
    result = run("consolidate", classes)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert f"在里面没有找到全校汇总工作簿 {MASTER_FILE}" in result.stderr
    assert str(folder / MASTER_FILE) in result.stderr  # the one above is pointed at
    (tmp_path / "空").mkdir()
    (tmp_path / "空" / "全校汇总(1).xlsx").write_bytes((folder / MASTER_FILE).read_bytes())
    for args in (("export", tmp_path / "空", "--out", tmp_path / "x.xlsx"),
                 ("validate", classes, "--master", tmp_path / "空")):  # fmt: skip
        result = run(*args)
        assert result.exit_code == 2 and "「全校汇总(1).xlsx」" in result.stderr, result.stderr
