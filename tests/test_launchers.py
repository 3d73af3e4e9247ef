"""The double-click 汇总 scripts `xlsync init` places beside the master (the path for WPS and
LibreOffice users). 汇总.command is a POSIX shell script, so it is run here for real."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_cmd import Cmd
from openpyxl import load_workbook

from xlsync.demo import DemoSize, generate_school
from xlsync.files.launchers import BAT, CHECK_BAT, CHECK_COMMAND, COMMAND
from xlsync.files.reader import load_grids
from xlsync.files.school import create_class
from xlsync.schema import MASTER_FILE, STATUS_SHEET


def _run_command(school: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run 汇总.command as a double-click would, with `open` recorded instead of opening."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "open").write_text(f'#!/bin/sh\necho "$@" > "{tmp_path / "opened"}"\n')
    (bin_dir / "open").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["sh", str(school / COMMAND)],
        input="\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_init_places_both_scripts_and_they_name_this_python(school):
    bat, command = school / BAT, school / COMMAND
    text = bat.read_bytes().decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # cmd.exe wants CRLF
    assert (
        "chcp 65001" in text
        and f'set "PY={sys.executable}"' in text
        and "-m xlsync consolidate" in text
    )
    assert f'start "" "{MASTER_FILE}"' in text
    assert os.access(command, os.X_OK) and f"PY='{sys.executable}'" in command.read_text(
        encoding="utf-8"
    )


def test_double_clicking_the_command_consolidates_and_opens_the_master(school, tmp_path):
    done = _run_command(school, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "汇总完成" in done.stdout
    assert (tmp_path / "opened").read_text().strip() == MASTER_FILE
    assert "概览" in load_workbook(school / MASTER_FILE, read_only=True).sheetnames


def test_a_refused_run_says_why_and_opens_nothing(school, tmp_path):
    (school / f"~${MASTER_FILE}").write_bytes(b"")  # the master is open in Excel
    done = _run_command(school, tmp_path)
    assert done.returncode == 2 and "汇总没有完成" in done.stdout and "Excel" in done.stderr
    assert not (tmp_path / "opened").exists()


# ------------------------------------------------------------------ 检查台账 (issue 16.2)

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture
def classes(tmp_path: Path) -> Path:
    """The class folder of a generated school of two classes, as init and new-class leave it."""
    master = generate_school(tmp_path / "学校", AS_OF, DemoSize(2, 5), seed=3)
    return master.parent / "班级台账"


def _refreshed(path: Path) -> bool:
    return STATUS_SHEET in load_workbook(path, read_only=True).sheetnames


def _books(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.xlsx"))


def test_init_and_new_class_place_the_check_scripts_in_the_class_folder(school):
    folder = school / "班级台账"
    text = (folder / CHECK_BAT).read_bytes().decode("utf-8")
    assert "\r\n" in text and '-m xlsync check "%WHAT%"' in text and "pause >nul" in text
    assert os.access(folder / CHECK_COMMAND, os.X_OK)
    (folder / CHECK_BAT).unlink()
    create_class(school, "四年级1班", "李老师")  # a school from an older version gets them too
    assert (folder / CHECK_BAT).exists()


def test_double_clicking_the_check_command_refreshes_every_class_workbook(classes, tmp_path):
    done = subprocess.run(
        ["sh", str(classes / CHECK_COMMAND)],
        input="\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert "个错误" in done.stdout and "按回车键关闭本窗口" in done.stdout, done.stderr
    assert done.returncode in (0, 1)
    assert all(_refreshed(p) for p in _books(classes))


def test_double_clicking_the_check_bat_refreshes_every_class_workbook(classes):
    cmd = Cmd(classes / CHECK_BAT, [])
    code = cmd.run(["(a key)"])
    assert code in (0, 1) and any("已更新台账" in line for line in cmd.out), cmd.out
    assert cmd.out[-1] == "按任意键关闭本窗口。"
    assert all(_refreshed(p) for p in _books(classes))


def test_a_workbook_dropped_on_the_bat_is_the_only_one_checked(classes):
    """Windows passes the dropped file as %1; a name from WeChat with spaces and brackets."""
    first, second = _books(classes)
    dropped = first.with_name(f"{first.stem} (1).xlsx")
    first.rename(dropped)
    untouched = second.read_bytes()
    cmd = Cmd(classes / CHECK_BAT, [f'"{dropped}"'])
    cmd.run(["(a key)"])
    assert _refreshed(dropped) and second.read_bytes() == untouched, cmd.out


def test_a_dropped_file_that_is_not_a_class_workbook_gets_a_chinese_message(classes):
    letter = classes / "通知.docx"
    letter.write_bytes(b"PK\x03\x04 not a workbook")
    cmd = Cmd(classes / CHECK_BAT, [str(letter)])
    assert cmd.run(["(a key)"]) == 2
    window = "\n".join(cmd.out)
    assert "Traceback" not in window and "通知.docx" in window and "按任意键关闭本窗口" in window


def test_the_consolidate_bat_runs_under_the_stand_in_for_cmd(school):
    cmd = Cmd(school / BAT, [])
    assert cmd.run([]) == 0, cmd.out
    assert cmd.started == [MASTER_FILE] and "汇总完成，已打开全校汇总。" in cmd.out


def test_the_class_workbook_guide_tells_the_teacher_about_the_double_click(classes):
    guide = " ".join(
        str(c) for row in load_grids(_books(classes)[0])["说明"] for c in row if c is not None
    )
    assert "双击" in guide and "检查台账" in guide
    assert not any(word in guide for word in ("xlsync check", "--", "命令行", "终端"))
