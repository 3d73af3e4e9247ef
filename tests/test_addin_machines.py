"""The add-in on real machines (issue 18.8): the settings file in the code page VBA reads it in,
a rare character through PyText, no workbook open, Chinese screen tips."""

from __future__ import annotations

import re
from pathlib import Path

import excel_engine as xe
import pytest
from test_addin_build import _python
from test_excel_entry import alert, clicked

import xlsync.ribbon as entry
from xlsync.addin.build import MACROS
from xlsync.addin.install import Machine, install_addin
from xlsync.errors import XlsyncError
from xlsync.schema import CHECK_SHEET, CLASS_DIR, MASTER_FILE


def _windows(tmp_path: Path, user: str, encoding: str, short=lambda p: None) -> Machine:
    home = tmp_path / "Users" / user
    python = _python(home / "AppData" / "Local" / "Programs" / "Python", windowless=True)
    env = {"APPDATA": str(home / "AppData" / "Roaming"), "USERPROFILE": str(home)}
    return Machine("win32", home, env, python, encoding, short)


def test_the_settings_file_is_in_the_code_page_vba_reads_it_in(tmp_path):
    """Chinese Windows (cp936): a user 张老师 gets the path spelled in GBK, as xlwings' own
    `config create` writes it (locale code page, CRLF), not UTF-8 bytes VBA would misread."""
    machine = _windows(tmp_path, "张老师", "cp936")
    done = install_addin(machine)
    line = f'"INTERPRETER_WIN","{done.interpreter}"\r\n'
    assert "张老师" in str(done.interpreter)
    assert done.config.read_bytes() == line.encode("cp936")


def test_a_path_the_code_page_cannot_spell_uses_the_short_path_or_says_why(tmp_path):
    short = Path("C:/Users/5F20~1/AppData/Local/Programs/Python/pythonw.exe")
    done = install_addin(_windows(tmp_path, "张老师", "cp1252", lambda p: short))
    assert done.interpreter == short
    assert done.config.read_bytes() == f'"INTERPRETER_WIN","{short}"\r\n'.encode("cp1252")
    with pytest.raises(XlsyncError, match="只有英文字母和数字的文件夹"):
        install_addin(_windows(tmp_path / "b", "𠮷老师", "cp936"))  # not in GBK, no short name


def test_a_rare_character_sent_by_pytext_names_the_class(school, monkeypatch):
    """PyText sends each UTF-16 unit as its own \\uXXXX: 𠮷 arrives as a surrogate pair."""
    book = clicked(monkeypatch, school / MASTER_FILE)
    units = "四年级𠮷班".encode("utf-16-le")
    literal = "".join(
        f"\\u{int.from_bytes(units[i : i + 2], 'little'):04X}" for i in range(0, len(units), 2)
    )
    exec(f"import xlsync.ribbon as ribbon; ribbon.new_class('{literal}', '\\u5218')")
    assert alert(book)["mode"] == "info", alert(book)["prompt"]
    assert (school / CLASS_DIR / "四年级𠮷班.xlsx").is_file()


def test_every_button_goes_through_the_no_workbook_guard():
    source = (MACROS / "XlsyncRibbon.bas").read_text(encoding="ascii")
    guard = re.search(r"Private Sub RunEntry\(code As String\)(.*?)End Sub", source, re.S)
    assert guard and re.search(
        r"If ActiveWorkbook Is Nothing Then\s+MsgBox Zh\(.*?Exit Sub\s+End If\s+RunPython",
        guard.group(1),
        re.S,
    )
    code = [line for line in source.splitlines() if not line.lstrip().startswith("'")]
    assert sum("RunPython" in line for line in code) == 1  # only the guard calls it
    subs = re.findall(r"Public Sub (\w+)\(control As IRibbonControl\)(.*?)End Sub", source, re.S)
    assert len(subs) == 9 and all("RunEntry " in body for _, body in subs)


def test_links_written_by_the_buttons_have_chinese_screen_tips(school, monkeypatch, tmp_path):
    from test_excel_entry import _class_in

    book = clicked(monkeypatch, _class_in(school))
    entry.validate_book()
    tips = [c.tip for c in xe.state(book.sheets[CHECK_SHEET]).grid.values() if c.link]
    assert tips and all(t.startswith("单击跳到「") for t in tips), tips


def test_the_mac_interpreter_path_is_quoted_for_the_shell(tmp_path):
    """Issue 18.8 (f): xlwings' AppleScript splices the interpreter path unquoted into `do shell
    script`. The built module quotes it; here the quoted path, with a space and a quote in
    it, runs under sh the way the AppleScript's ShellCommand runs it."""
    import os
    import subprocess
    import sys

    from xlsync.addin.build import xlwings_modules

    source = xlwings_modules()[0].source
    expected = (
        'PythonInterpreter = "\'" & Replace(ToPosixPath(PYTHON_MAC), "\'", "\'\\\'\'") & "\'"'
    )
    assert expected in source and "PythonInterpreter = ToPosixPath(PYTHON_MAC)\r" not in source
    folder = tmp_path / "My Python's env"
    folder.mkdir()
    (folder / "python3").symlink_to(sys.executable)
    posix = str(folder / "python3")
    quoted = "'" + posix.replace("'", "'\\''") + "'"  # what the VBA line above computes
    command = " -B -u -W ignore -c \"import sys; print('ran')\""
    done = subprocess.run(["sh", "-c", quoted + command], capture_output=True, text=True)
    assert done.stdout.strip() == "ran", done.stderr
    unquoted = subprocess.run(["sh", "-c", posix + command], capture_output=True, text=True)
    assert unquoted.returncode != 0  # what xlwings' own module did with this path
    assert os.path.exists(posix)
