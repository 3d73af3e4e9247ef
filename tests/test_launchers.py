"""The double-click 汇总 scripts `xlsync init` places beside the master (the path for WPS and
LibreOffice users). 汇总.command is a POSIX shell script, so it is run here for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from xlsync.files.launchers import BAT, COMMAND
from xlsync.schema import MASTER_FILE


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
