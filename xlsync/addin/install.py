"""Put xlsync.xlam where Excel loads it at start (XLSTART) and write xlwings' settings for it.

A custom xlwings add-in reads its settings from a file named after the project: on Windows
%USERPROFILE%\\.xlsync\\xlsync.conf, on macOS ~/Library/Containers/com.microsoft.Excel/Data/
xlsync.conf (Excel's sandbox). The only setting written is the interpreter: the Python that
runs `xlsync addin install`, so the buttons run the same xlsync the command line does. On
macOS, RunPython also needs xlwings' AppleScript in Excel's script folder; it is copied too.
"""

from __future__ import annotations

import locale
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xlsync.addin.build import PROJECT_NAME, addin_bytes, xlwings_folder
from xlsync.errors import XlsyncError
from xlsync.files.safe_write import atomic_write

ADDIN_FILE = "xlsync.xlam"
MAC_OFFICE = Path("Library/Group Containers/UBF8T346G9.Office")
MAC_SCRIPTS = Path("Library/Application Scripts/com.microsoft.Excel")
MAC_SANDBOX = Path("Library/Containers/com.microsoft.Excel/Data")


@dataclass(frozen=True)
class Machine:
    """What install needs to know of the machine (all of it can be given, for tests)."""

    platform: str = sys.platform
    home: Path = field(default_factory=Path.home)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    python: Path = Path(sys.executable)
    encoding: str = field(default_factory=lambda: ansi_code_page())
    short_path: Callable[[Path], Path | None] = field(default_factory=lambda: short_path)

    @property
    def windows(self) -> bool:
        return self.platform.startswith("win")

    @property
    def mac(self) -> bool:
        return self.platform == "darwin"


def ansi_code_page() -> str:
    """The code page VBA's `Open … For Input` reads text in: Windows' ANSI code page (cp936 on
    Chinese Windows, even in Python's UTF-8 mode), the locale's encoding elsewhere."""
    if sys.platform.startswith("win"):
        import ctypes

        return f"cp{ctypes.windll.kernel32.GetACP()}"  # type: ignore[attr-defined]
    return locale.getpreferredencoding(False)


def short_path(path: Path) -> Path | None:
    """Windows' 8.3 short form of `path` (ASCII on most volumes), or None where there is none."""
    if not sys.platform.startswith("win"):
        return None
    import ctypes

    buffer = ctypes.create_unicode_buffer(32768)
    size = ctypes.windll.kernel32.GetShortPathNameW(str(path), buffer, len(buffer))
    return Path(buffer.value) if 0 < size < len(buffer) else None


@dataclass
class Installed:
    addin: Path
    config: Path
    interpreter: Path
    extra: list[Path] = field(default_factory=list)


def _unsupported() -> XlsyncError:
    return XlsyncError(
        "Excel 加载项只能装在 Windows 或 macOS 上。这台电脑没有 Excel：请用 xlsync consolidate，"
        "或双击全校汇总旁的「汇总」脚本。如确要放到别的文件夹，请加 --dir 指定。"
    )


def xlstart_dir(machine: Machine) -> Path:
    """The user's XLSTART folder: Excel opens every workbook in it at start."""
    if machine.windows:
        appdata = machine.env.get("APPDATA") or str(machine.home / "AppData" / "Roaming")
        return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"
    if machine.mac:
        content = machine.home / MAC_OFFICE / "User Content.localized"
        if not content.exists():
            content = machine.home / MAC_OFFICE / "User Content"
        startup = "Startup.localized" if (content / "Startup.localized").exists() else "Startup"
        return content / startup / "Excel"
    raise _unsupported()


def config_file(machine: Machine) -> Path:
    """Where the add-in's xlwings module looks for its settings (GetConfigFilePath in its VBA)."""
    if machine.mac:
        return machine.home / MAC_SANDBOX / f"{PROJECT_NAME}.conf"
    profile = machine.env.get("USERPROFILE") or str(machine.home)
    return Path(profile) / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


def interpreter(machine: Machine) -> Path:
    """pythonw.exe beside python.exe on Windows (no console window flashes up), else python."""
    windowless = machine.python.with_name("pythonw.exe")
    return windowless if machine.windows and windowless.exists() else machine.python


def _encodable(path: Path, encoding: str) -> bool:
    try:
        str(path).encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def readable_path(python: Path, machine: Machine) -> Path:
    """`python` as the add-in's VBA can read it from the settings file: the path itself when the
    code page can spell it, else its 8.3 short path; else a Chinese reason to move Python."""
    if _encodable(python, machine.encoding):
        return python
    short = machine.short_path(python)
    if short is not None and _encodable(short, machine.encoding):
        return short
    raise XlsyncError(
        f"Python 的路径「{python}」里有这台电脑的 Excel 读不了的字符（{machine.encoding}），"
        "加载项会找不到 Python。请把 Python 装到只有英文字母和数字的文件夹（例如 C:\\Python），"
        "再用那里的 Python 运行一次 xlsync addin install。"
    )


def _write_config(path: Path, line: str, machine: Machine) -> None:
    """The settings file as xlwings' own `config create` writes it: in the locale's code page
    (text mode: CRLF on Windows), which is what VBA's `Open … For Input` reads."""
    encoding = "utf-8" if machine.mac else machine.encoding  # Excel for Mac reads UTF-8
    data = line.replace("\n", "\r\n" if machine.windows else "\n").encode(encoding)
    atomic_write(path, lambda temp: temp.write_bytes(data))


def _check_path(path: Path) -> None:
    # The VBA reads the file with Input #, which cannot take a quote inside a value.
    if '"' in str(path):
        raise XlsyncError(
            f"Python 的路径「{path}」里有英文引号，Excel 读不了这样的设置。请把 Python 装到别的文件夹。"
        )


def install_addin(machine: Machine | None = None, folder: Path | None = None) -> Installed:
    """Build the add-in into XLSTART (or `folder`) and write the settings it reads."""
    machine = machine or Machine()
    target = (folder or xlstart_dir(machine)) / ADDIN_FILE
    python = interpreter(machine)
    _check_path(python)
    if not machine.mac:
        python = readable_path(python, machine)
    data = addin_bytes()
    try:
        atomic_write(target, lambda temp: temp.write_bytes(data))
    except PermissionError:
        raise XlsyncError(
            f"无法写入「{target}」：Excel 可能正在使用这个加载项。请先完全退出 Excel，再运行一次。"
        ) from None
    key = (
        "INTERPRETER_MAC"
        if machine.mac
        else "INTERPRETER_WIN"
        if machine.windows
        else "INTERPRETER"
    )
    config = config_file(machine)
    _write_config(config, f'"{key}","{python}"\n', machine)
    done = Installed(target, config, python)
    if machine.mac:
        script = next(xlwings_folder().glob("xlwings-*.applescript"), None)
        if script is not None:
            copied = machine.home / MAC_SCRIPTS / script.name
            atomic_write(copied, lambda temp: temp.write_bytes(script.read_bytes()))
            done.extra.append(copied)
    return done


def uninstall_addin(machine: Machine | None = None, folder: Path | None = None) -> list[Path]:
    """Remove the add-in and its settings; returns what was removed."""
    machine = machine or Machine()
    removed = []
    for path in ((folder or xlstart_dir(machine)) / ADDIN_FILE, config_file(machine)):
        if path.exists():
            try:
                path.unlink()
            except PermissionError:
                raise XlsyncError(
                    f"无法删除「{path}」：Excel 可能正在使用它。请先完全退出 Excel，再运行一次。"
                ) from None
            removed.append(path)
    return removed
