"""The Excel add-in, checked from outside: what olevba and LibreOffice find in the built
xlsync.xlam, the ribbon against the VBA, every RunPython against the Python package, and
install/uninstall on a Windows and a macOS home made in a temporary folder."""

from __future__ import annotations

import importlib
import inspect
import re
import shutil
import zipfile
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest
from conftest import needs_uno, open_in_libreoffice
from oletools.olevba import VBA_Parser

from xlsync.addin.build import (
    _MAC_INTERPRETER,
    MAC_QUOTED,
    MACROS,
    PROJECT_NAME,
    RIBBON_PART,
    addin_bytes,
    xlwings_folder,
)
from xlsync.addin.install import Machine, install_addin, uninstall_addin

UI = "{http://schemas.microsoft.com/office/2006/01/customui}"
BUTTONS = [
    "校验本表",
    "计算逾期",
    "打印档案",
    "新建班级表",
    "汇总全校",
    "学期报告",
    "同步云端",
    "使用说明",
    "县级汇总",
]
RUNPYTHON = re.compile(r'^\s*RunEntry "(\w+)\(', re.M)
ENTRY = re.compile(r'Private Const ENTRY As String = "import ([\w.]+) as (\w+); \2\."')


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("addin") / "xlsync.xlam"
    path.write_bytes(addin_bytes())
    return path


@pytest.fixture(scope="module")
def vba(xlam) -> dict[str, str]:
    """Module name → code, as olevba extracts it from the built file."""
    parser = VBA_Parser(str(xlam))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _code(text: str) -> list[str]:
    """Source lines without VBA's Attribute lines (olevba drops them) and trailing blanks."""
    lines = [
        line for line in text.replace("\r\n", "\n").split("\n") if not line.startswith("Attribute ")
    ]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def test_the_same_sources_give_the_same_bytes(xlam):
    assert addin_bytes() == xlam.read_bytes()


def test_olevba_extracts_exactly_the_vba_of_macros_and_xlwings(vba):
    for source in MACROS.glob("*.bas"):
        assert _code(vba[source.stem]) == _code(source.read_text(encoding="ascii")), source.name
    runpython = (xlwings_folder() / "xlwings_custom_addin.bas").read_text(encoding="utf-8")
    runpython = runpython.replace(
        'PROJECT_NAME As String = "myaddin"', f'PROJECT_NAME As String = "{PROJECT_NAME}"'
    )
    runpython = _MAC_INTERPRETER.sub(MAC_QUOTED, runpython)  # the path quoted (issue 18.8 f)
    assert _code(vba["xlwings"]) == _code(runpython)
    assert "Dictionary" in vba  # the Scripting.Dictionary stand-in xlwings needs on macOS


def test_the_ribbon_is_well_formed_and_every_button_calls_a_sub_that_exists(xlam, vba):
    with zipfile.ZipFile(xlam) as package:
        ribbon = ET.fromstring(package.read(RIBBON_PART))
        assert "customUI/customUI.xml" in package.read("_rels/.rels").decode()
    tab = ribbon.find(f"{UI}ribbon/{UI}tabs/{UI}tab")
    assert tab.get("label") == "留守儿童帮扶"
    buttons = tab.findall(f".//{UI}button")
    assert [b.get("label") for b in buttons] == BUTTONS
    for button in buttons:
        module, sub = button.get("onAction").split(".")
        assert re.search(
            rf"^Public Sub {sub}\(control As IRibbonControl\)\r?$", vba[module], re.M
        ), sub


def test_every_runpython_names_an_xlsync_function_that_imports(vba):
    ribbon = vba["XlsyncRibbon"]
    module_name, _ = ENTRY.search(ribbon).groups()
    module = importlib.import_module(module_name)
    called = RUNPYTHON.findall(ribbon)
    assert len(called) == len(BUTTONS)
    for name in called:
        assert callable(getattr(module, name)), name
    parameters = inspect.signature(module.new_class).parameters
    assert list(parameters) == ["class_name", "teacher"]  # the two answers NewClass asks for
    assert list(inspect.signature(module.print_book).parameters) == ["class_name"]  # PrintBook


def test_the_vba_is_ascii_and_its_chinese_is_spelled_as_code_points():
    source = (MACROS / "XlsyncRibbon.bas").read_bytes()
    assert source.isascii()  # survives the VBA project's code page on any machine
    texts = [
        "".join(chr(int(code, 16)) for code in found.split())
        for line in source.decode().splitlines()
        if not line.lstrip().startswith("'")
        for found in re.findall(r'Zh\("([0-9A-F ]+)"\)', line)
    ]
    assert texts == [
        "请先打开班级台账或全校汇总，再点这个按钮。",  # no workbook open (RunEntry)
        "xlsync 留守儿童帮扶",
        "请输入新班级的名称（例如：三年级2班）：",
        "新建班级表",
        "请输入这个班班主任的姓名：",
        "新建班级表",
        "学生档案",  # PrintBook: is this the master (no 学生档案)?
        "请输入要打印档案的班级（例如：三年级1班；不填则打印全校）：",
        "打印档案",
    ]


@needs_uno
@pytest.mark.soffice
def test_libreoffice_opens_the_addin_and_reads_its_vba_project(xlam):
    opened = open_in_libreoffice(xlam, "--filter=Calc MS Excel 2007 VBA XML", "--basic")
    assert opened.startswith("OPENED")
    for module in ("XlsyncRibbon", "xlwings", "Dictionary"):
        assert f"VBAProject.{module}" in opened.split()


def _python(folder: Path, windowless: bool) -> Path:
    folder.mkdir(parents=True)
    (folder / "python.exe").write_bytes(b"")
    if windowless:
        (folder / "pythonw.exe").write_bytes(b"")
    return folder / "python.exe"


def test_install_on_windows_puts_the_addin_in_xlstart_and_points_it_at_this_python(tmp_path):
    home = tmp_path / "Users" / "lead"
    machine = Machine(
        "win32",
        home,
        {"APPDATA": str(home / "AppData" / "Roaming"), "USERPROFILE": str(home)},
        _python(tmp_path / "py", windowless=True),
    )
    done = install_addin(machine)
    assert done.addin == home / "AppData/Roaming/Microsoft/Excel/XLSTART/xlsync.xlam"
    assert done.addin.read_bytes() == addin_bytes()
    assert done.config == home / ".xlsync" / "xlsync.conf"
    assert (
        done.config.read_text(encoding="utf-8")
        == f'"INTERPRETER_WIN","{tmp_path / "py" / "pythonw.exe"}"\n'
    )
    assert uninstall_addin(machine) == [done.addin, done.config]
    assert not done.addin.exists() and not done.config.exists()


def test_install_on_macos_uses_excels_sandbox_and_copies_the_runpython_script(tmp_path):
    home = tmp_path / "lead"
    python = _python(tmp_path / "py", windowless=False)
    done = install_addin(Machine("darwin", home, {}, python))
    assert (
        done.addin
        == home
        / "Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel/xlsync.xlam"
    )
    assert done.config == home / "Library/Containers/com.microsoft.Excel/Data/xlsync.conf"
    assert done.config.read_text(encoding="utf-8") == f'"INTERPRETER_MAC","{python}"\n'
    assert [p.parent for p in done.extra] == [
        home / "Library/Application Scripts/com.microsoft.Excel"
    ]
    assert done.extra[0].name.startswith("xlwings-") and done.extra[0].suffix == ".applescript"


def test_the_cli_builds_and_says_plainly_where_excel_cannot_be(run, tmp_path, monkeypatch):
    result = run("addin", "build", "--out", tmp_path)
    assert result.exit_code == 0 and (tmp_path / "xlsync.xlam").read_bytes() == addin_bytes()
    linux = Machine("linux", tmp_path, {}, Path("/usr/bin/python3"))
    monkeypatch.setattr(
        "xlsync.cli.install_addin", lambda folder=None: install_addin(linux, folder)
    )
    result = run("addin", "install")
    assert (
        result.exit_code == 2
        and "Windows 或 macOS" in result.stderr
        and "Traceback" not in result.output
    )
    result = run("addin", "install", "--dir", tmp_path / "elsewhere")
    assert result.exit_code == 0 and (tmp_path / "elsewhere" / "xlsync.xlam").exists()


def test_the_vba_project_stream_is_the_seven_byte_form_xlwings_ships(xlam):
    """Issue 18.8 (b): MS-OVBA 2.3.4.1, Version 0xFFFF and no performance cache, byte for byte
    what xlwings' own xlwings.xlam carries (the template had version 0x00B5 and a cache)."""
    import io

    import olefile

    def stream(package: Path) -> bytes:
        with zipfile.ZipFile(package) as archive:
            ole = olefile.OleFileIO(io.BytesIO(archive.read("xl/vbaProject.bin")))
            return ole.openstream("VBA/_VBA_PROJECT").read()

    shipped = stream(xlwings_folder() / "addin" / "xlwings.xlam")
    assert stream(xlam) == shipped == b"\xcc\x61\xff\xff\x00\x01\x00"


# ---------------------------------------------- the VBA read by a VBA implementation (18.7)


def _extracted(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _as_in_the_editor(code: str) -> str:
    """A module's code as the VBA editor holds it: no exported-class header (VERSION … END),
    and no comment after a #directive (pyOpenVBA's preprocessor does not take one)."""
    lines = code.replace("\r\n", "\n").split("\n")
    if lines and lines[0].startswith("VERSION ") and "END" in lines:
        lines = lines[lines.index("END") + 1 :]
    return "\n".join(
        re.sub(r"\s+'[^\"]*$", "", line) if line.lstrip().startswith("#") else line
        for line in lines
    )


def test_every_module_of_the_built_addin_compiles_in_a_vba_implementation(vba):
    """pyOpenVBA's VBA interpreter (an implementation independent of olevba, which only
    extracts) compiles every module as extracted from the built xlsync.xlam."""
    from pyopenvba.interpreter import parse_module

    assert {"XlsyncRibbon", "xlwings", "Dictionary"} <= set(vba)
    for name, code in vba.items():
        assert parse_module(_as_in_the_editor(code)) is not None, name


def test_the_ribbon_helpers_run_in_it(vba):
    from pyopenvba.interpreter import Interpreter

    interpreter = Interpreter()
    interpreter.add_module(_as_in_the_editor(vba["XlsyncRibbon"]), name="XlsyncRibbon")
    assert str(interpreter.run("Zh", ["0041 0042"])) == "AB"
    assert str(interpreter.run("PyText", ["a中"])) == "'\\u0061\\u4E2D'"


def test_a_syntax_error_in_a_copy_of_the_macros_fails_to_compile(tmp_path):
    from pyopenvba.exceptions import VBACompileError
    from pyopenvba.interpreter import parse_module

    macros = tmp_path / "macros"
    shutil.copytree(MACROS, macros)
    module = macros / "XlsyncRibbon.bas"
    text = module.read_text(encoding="ascii")
    module.write_text(text.replace("End Function", "End Functio", 1), encoding="ascii")
    broken = tmp_path / "xlsync.xlam"
    broken.write_bytes(addin_bytes(macros))
    with pytest.raises(VBACompileError):
        parse_module(_as_in_the_editor(_extracted(broken)["XlsyncRibbon"]))
