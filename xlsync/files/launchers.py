"""The double-click 汇总 scripts placed beside the master by `xlsync init`, for people without
Excel (WPS and LibreOffice cannot run the add-in): 汇总.bat on Windows, 汇总.command on
macOS. Each runs `xlsync consolidate` in the master's folder with the Python that created
the school (falling back to `xlsync` on PATH when the school was moved to another machine)
and opens the result with the default spreadsheet program; on a refusal it stays open so
the Chinese message can be read."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

from xlsync.files.safe_write import atomic_write
from xlsync.schema import MASTER_FILE

BAT, COMMAND = "汇总.bat", "汇总.command"


def bat_text(python: str) -> str:
    python = python.replace("%", "%%")
    return "\r\n".join(
        [
            "@echo off",
            "rem xlsync: double-click to consolidate the school (same as the 汇总全校 button)",
            "chcp 65001 >nul",
            'cd /d "%~dp0"',
            f'set "PY={python}"',
            'if exist "%PY%" ("%PY%" -m xlsync consolidate) else (xlsync consolidate)',
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
    )


def command_text(python: str) -> str:
    python = python.replace("'", "'\\''")
    return "\n".join(
        [
            "#!/bin/sh",
            "# xlsync: double-click to consolidate the school (same as the 汇总全校 button)",
            'cd "$(dirname "$0")" || exit 2',
            f"PY='{python}'",
            'if [ -x "$PY" ]; then "$PY" -m xlsync consolidate; else xlsync consolidate; fi',
            "code=$?",
            'if [ "$code" -ge 2 ]; then',
            '  echo "汇总没有完成，请按上面的说明处理后再双击一次。按回车键关闭。"',
            "  read -r _",
            '  exit "$code"',
            "fi",
            f'open "{MASTER_FILE}"',
            'echo "汇总完成，已打开全校汇总。"',
            "",
        ]
    )


def write_launchers(folder: Path, python: str = sys.executable) -> list[Path]:
    """Write both scripts into `folder` (the master's)."""
    written = []
    for name, text, mode in (
        (BAT, bat_text(python), 0o644),
        (COMMAND, command_text(python), 0o755),
    ):
        path = folder / name
        atomic_write(path, partial(Path.write_bytes, data=text.encode("utf-8")))
        path.chmod(mode)
        written.append(path)
    return written
