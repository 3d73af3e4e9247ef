"""Build `xlsync.xlam` from the text sources in macros/, on any OS and without Excel.

pyOpenVBA writes the VBA project (our ribbon module plus xlwings' RunPython module and its
Dictionary class, taken from the installed xlwings so the VBA always matches the Python
side); the ribbon (customUI XML) is added to the package here. The package is then written
with fixed timestamps and a fixed part order, so the same sources give the same bytes.
"""

from __future__ import annotations

import importlib.util
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from xlsync.errors import XlsyncError
from xlsync.files.safe_write import atomic_write

MACROS = Path(__file__).parent / "macros"
RIBBON_PART = "customUI/customUI.xml"
RIBBON_REL = (
    '<Relationship Id="rIdXlsyncRibbon" Type="http://schemas.microsoft.com/office/2006/'
    'relationships/ui/extensibility" Target="customUI/customUI.xml"/>'
)
PROJECT_NAME = "xlsync"  # xlwings reads its settings from ~/.xlsync/xlsync.conf (see install.py)
_PROJECT_LINE = re.compile(r'^(Public Const PROJECT_NAME As String = )"\w+"', re.M)
# xlwings' ExecuteMac hands the interpreter path to its AppleScript, which splices it unquoted
# into `do shell script`: a path with a space (/Users/张老师/My Python/bin/python3) fails. The
# built module quotes it for the shell (issue 18.8 f); ' inside becomes '\''.
_MAC_INTERPRETER = re.compile(r"^(\s*PythonInterpreter = )ToPosixPath\(PYTHON_MAC\)$", re.M)
MAC_QUOTED = '\\1"\'" & Replace(ToPosixPath(PYTHON_MAC), "\'", "\'\\\'\'") & "\'"'
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>xlsync 留守儿童帮扶'
    "</dc:title><dc:creator>xlsync</dc:creator></cp:coreProperties>"
)


@dataclass(frozen=True)
class Module:
    name: str
    source: str  # CRLF line ends, as VBA stores them
    is_class: bool = False


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def xlwings_folder() -> Path:
    """The installed xlwings package (found, not imported: it needs no Excel to be found)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise XlsyncError(
            '没有安装 xlwings，无法生成 Excel 加载项。请先运行：pip install "xlsync[excel]"'
        )
    return Path(next(iter(spec.submodule_search_locations)))


def xlwings_modules(folder: Path | None = None) -> list[Module]:
    """xlwings' RunPython module for custom add-ins (named for xlsync) and its Dictionary class."""
    folder = folder or xlwings_folder()
    try:
        runpython = (folder / "xlwings_custom_addin.bas").read_text(encoding="utf-8")
        dictionary = (folder / "addin" / "Dictionary.cls").read_text(encoding="utf-8")
    except OSError:
        raise XlsyncError(
            f"xlwings（{folder}）里找不到自定义加载项所需的 VBA 模块，"
            '请升级：pip install -U "xlsync[excel]"'
        ) from None
    runpython, count = _PROJECT_LINE.subn(rf'\1"{PROJECT_NAME}"', runpython)
    runpython, quoted = _MAC_INTERPRETER.subn(MAC_QUOTED, runpython)
    if count != 1 or quoted != 1:
        raise XlsyncError(
            "这个版本的 xlwings 的 VBA 模块与 xlsync 不兼容，请安装 pyproject 中写明的 xlwings 版本。"
        )
    return [
        Module("xlwings", _crlf(runpython)),
        Module("Dictionary", _crlf(dictionary), is_class=True),
    ]


def macro_modules(folder: Path = MACROS) -> list[Module]:
    """The add-in's own VBA modules: every macros/*.bas, named by its file."""
    return [
        Module(path.stem, _crlf(path.read_text(encoding="ascii")))
        for path in sorted(folder.glob("*.bas"))
    ]


def ribbon_xml(folder: Path = MACROS) -> bytes:
    return (folder / "customUI.xml").read_bytes()


def _vba_package(modules: list[Module]) -> bytes:
    """A blank add-in package (Office's own template, via pyOpenVBA) holding `modules`."""
    from pyopenvba import ExcelFile, VBAModuleKind

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "xlsync.xlam"
        with ExcelFile.create_new(path) as book:
            project = book.vba_project()
            project.delete_module("Module1")
            for module in modules:
                project.add_module(
                    module.name,
                    module.source,
                    **({"kind": VBAModuleKind.other} if module.is_class else {}),
                )
            book.save()
        return path.read_bytes()


VBA_PART = "xl/vbaProject.bin"
# MS-OVBA 2.3.4.1: a writer writes _VBA_PROJECT as Reserved1 0x61CC, Version 0xFFFF, Reserved2
# 0x00 and two undefined bytes, with no performance cache, so Office compiles the modules from
# source on first open. These are the bytes of the .xlam files xlwings ships (cc61ffff000100),
# instead of the template's version-0x00B5 stream with a blanked cache.
VBA_PROJECT_STREAM = b"\xcc\x61\xff\xff\x00\x01\x00"


def _fresh_vba_project(project: bytes) -> bytes:
    """vbaProject.bin with its _VBA_PROJECT stream in the 7-byte form writers use."""
    from pyopenvba.cfb import CFB

    cfb = CFB.from_bytes(project)
    cfb.write_stream_in_storage("VBA", "_VBA_PROJECT", VBA_PROJECT_STREAM)
    return cfb.to_bytes()


def _with_ribbon(package: bytes, ribbon: bytes) -> bytes:
    """The package with the ribbon part and its relationship, stored reproducibly."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        parts = {name: source.read(name) for name in source.namelist()}
        rels = parts["_rels/.rels"].decode("utf-8")
        parts["_rels/.rels"] = rels.replace(
            "</Relationships>", RIBBON_REL + "</Relationships>"
        ).encode()
        parts["docProps/core.xml"] = CORE_XML.encode("utf-8")
        parts[RIBBON_PART] = ribbon
        parts[VBA_PART] = _fresh_vba_project(parts[VBA_PART])
        first = "[Content_Types].xml"
        for name in [first] + sorted(n for n in parts if n != first):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, parts[name])
    return out.getvalue()


def addin_bytes(macros: Path = MACROS, xlwings: Path | None = None) -> bytes:
    """The bytes of xlsync.xlam built from `macros` and xlwings' VBA."""
    modules = xlwings_modules(xlwings) + macro_modules(macros)
    return _with_ribbon(_vba_package(modules), ribbon_xml(macros))


def build_addin(out: Path, macros: Path = MACROS) -> Path:
    """Write xlsync.xlam to `out` (a file, or a folder to put it in) atomically."""
    out = out / "xlsync.xlam" if out.is_dir() else out
    if out.suffix.lower() != ".xlam":
        raise XlsyncError(f"「{out}」不是 .xlam 文件名。加载项请保存为 xlsync.xlam。")
    data = addin_bytes(macros)
    atomic_write(out, lambda temp: temp.write_bytes(data))
    return out
