"""The double-click scripts for people without Excel (WPS and LibreOffice cannot run the
add-in), each as a .bat for Windows and a .command for macOS:

- 汇总, beside the master (`xlsync init`): runs `xlsync consolidate` in the master's folder
  and opens the result with the default spreadsheet program.
- 检查台账, in the class folder (`init` and `new-class`): runs `xlsync check` on every class
  workbook of its folder, or on the one workbook dropped on it (Windows passes it as %1;
  macOS passes no file to a .command, so there it always checks the folder). It ends with
  the Chinese summary in the window and waits for a key.
- 升级台账, beside 检查台账: runs `xlsync upgrade` the same way (its folder, or the dropped
  workbook), for a school whose workbooks came from an earlier template (issue 19.7).

Each uses the Python that created the school, falling back to `xlsync` on PATH when the
school was moved to another machine; on a refusal the window stays open so the Chinese
message can be read.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

from xlsync.files.safe_write import atomic_write
from xlsync.schema import MASTER_FILE

BAT, COMMAND = "汇总.bat", "汇总.command"
CHECK_BAT, CHECK_COMMAND = "检查台账.bat", "检查台账.command"
UPGRADE_BAT, UPGRADE_COMMAND = "升级台账.bat", "升级台账.command"  # issue 19.7


def _bat_head(python: str, purpose: str) -> list[str]:
    return [
        "@echo off",
        f"rem xlsync: {purpose}",
        "chcp 65001 >nul",
        'cd /d "%~dp0"',
        f'set "PY={python.replace("%", "%%")}"',
    ]


def _command_head(python: str, purpose: str) -> list[str]:
    python = python.replace("'", "'\\''")
    return ["#!/bin/sh", f"# xlsync: {purpose}", 'cd "$(dirname "$0")" || exit 2', f"PY='{python}'"]


def _bat_run(command: str) -> list[str]:
    """Run `xlsync <command>` with the school's Python, else the one on PATH; jumps rather
    than ( ) blocks, which a path holding ")" would end early."""
    return [
        'if not exist "%PY%" goto on_path',
        f'"%PY%" -m xlsync {command}',
        "goto ran",
        ":on_path",
        f"xlsync {command}",
        ":ran",
    ]


def _command_run(command: str) -> list[str]:
    """Run `xlsync <command>` with the school's Python, else the one on PATH; keep its code."""
    return [
        f'if [ -x "$PY" ]; then "$PY" -m xlsync {command}; else xlsync {command}; fi',
        "code=$?",
    ]


def bat_text(python: str) -> str:
    lines = _bat_head(python, "double-click to consolidate the school (as the 汇总全校 button)")
    lines += [
        *_bat_run("consolidate"),
        "if errorlevel 2 (",
        "  echo.",
        "  echo 汇总没有完成，请按上面的说明处理后再双击一次。",
        "  pause",
        "  exit /b 2",
        ")",
        f'start "" "{MASTER_FILE}"',
        "echo 汇总完成，已打开全校汇总。",
        "timeout /t 5 >nul",
        "",
    ]
    return "\r\n".join(lines)


def command_text(python: str) -> str:
    lines = _command_head(python, "double-click to consolidate the school (as the 汇总全校 button)")
    lines += [
        *_command_run("consolidate"),
        'if [ "$code" -ge 2 ]; then',
        '  echo "汇总没有完成，请按上面的说明处理后再双击一次。按回车键关闭。"',
        "  read -r _",
        '  exit "$code"',
        "fi",
        f'open "{MASTER_FILE}"',
        'echo "汇总完成，已打开全校汇总。"',
        "",
    ]
    return "\n".join(lines)


CHECK_PURPOSE = "double-click to check and refresh the class workbooks of this folder"
CHECK_DONE = (
    "检查完了。请保存并关闭台账后再双击；要看详细情况，打开台账里的“校验结果”和“逾期提醒”。"
)


def check_bat_text(python: str) -> str:
    return _folder_bat(python, CHECK_PURPOSE, "check", CHECK_DONE)


def check_command_text(python: str) -> str:
    return _folder_command(python, CHECK_PURPOSE, "check", CHECK_DONE)


UPGRADE_PURPOSE = (
    "double-click to upgrade the class workbooks of this folder to the current template"
)
UPGRADE_DONE = (
    "升级完了。原有内容没有改动；新加的列和工作表在各表的最右边和最后面，选中单元格会显示填写提示。"
)


def upgrade_bat_text(python: str) -> str:
    return _folder_bat(python, UPGRADE_PURPOSE, "upgrade", UPGRADE_DONE)


def upgrade_command_text(python: str) -> str:
    return _folder_command(python, UPGRADE_PURPOSE, "upgrade", UPGRADE_DONE)


def _folder_bat(python: str, purpose: str, command: str, done: str) -> str:
    """A .bat running `xlsync <command>` on its folder, or on the one workbook dropped on it."""
    lines = _bat_head(python, purpose + " (or drop one workbook on it)")
    lines += [
        'set "WHAT=%~1"',  # quoted: a dropped 二年级2班 (1).xlsx keeps its parentheses
        'if not defined WHAT set "WHAT=."',
        *_bat_run(f'{command} "%WHAT%"'),
        "echo.",
        f"echo {done}",
        "echo 按任意键关闭本窗口。",
        "pause >nul",
        "",
    ]
    return "\r\n".join(lines)


def _folder_command(python: str, purpose: str, command: str, done: str) -> str:
    """A .command running `xlsync <command>` on its folder (macOS passes no dropped file)."""
    lines = _command_head(python, purpose)
    lines += [
        'WHAT="${1:-.}"',
        *_command_run(f'{command} "$WHAT"'),
        "echo",
        f'echo "{done}"',
        'echo "按回车键关闭本窗口。"',
        "read -r _",
        'exit "$code"',
        "",
    ]
    return "\n".join(lines)


def _write(folder: Path, scripts: tuple[tuple[str, str, int], ...]) -> list[Path]:
    written = []
    for name, text, mode in scripts:
        path = folder / name
        atomic_write(path, partial(Path.write_bytes, data=text.encode("utf-8")))
        path.chmod(mode)
        written.append(path)
    return written


def write_launchers(folder: Path, python: str = sys.executable) -> list[Path]:
    """Write both 汇总 scripts into `folder` (the master's)."""
    return _write(folder, ((BAT, bat_text(python), 0o644), (COMMAND, command_text(python), 0o755)))


def write_check_launchers(folder: Path, python: str = sys.executable) -> list[Path]:
    """Write both 检查台账 scripts, and both 升级台账 scripts (issue 19.7), into `folder`
    (the class folder)."""
    return _write(
        folder,
        (
            (CHECK_BAT, check_bat_text(python), 0o644),
            (CHECK_COMMAND, check_command_text(python), 0o755),
            (UPGRADE_BAT, upgrade_bat_text(python), 0o644),
            (UPGRADE_COMMAND, upgrade_command_text(python), 0o755),
        ),
    )
