"""The second layer behind the far-cell guard (issue 14.6): a class file that would make
python-calamine abort the process is read in a child process, so the run names the file and
goes on (汇总 with its last good data), no lock left behind; normal files are read in the
process itself (no cost).

The crashing file is real: a class workbook whose shared-strings part claims 4 trillion strings
(`uniqueCount`). Its cells are spelled normally, so the far-cell guard lets it through, and
python-calamine reserves room for the count and aborts ("memory allocation of … bytes failed",
exit 134) — the whole `validate` or `consolidate` used to die with it."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from conftest import record, student, write_class_book

from xlsync.files.reader import load_grids

AS_OF = "2026-11-30"
STEP = "isolated-read"  # the fault step the child reaches before it reads (xlsync/faults.py)


def _edit(path: Path, edits: dict[str, Callable[[bytes], bytes]]) -> Path:
    """`path` with each named part passed through its edit (a part not there starts empty)."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    bodies = {info.filename: source.read(info) for info in source.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in {**bodies, **edits}:
            body = bodies.get(name, b"")
            target.writestr(name, edits[name](body) if name in edits else body)
    path.write_bytes(out.getvalue())
    return path


SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _crashing(path: Path) -> Path:
    """A valid class workbook with a shared-strings part (as Excel writes one) that claims an
    absurd count of strings."""
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" count="1" uniqueCount="4000000000000"><si><t>x</t></si></sst>'
    )
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}"/></Types>'
    relation = f'<Relationship Id="rIdSst" Type="{SST_REL}" Target="sharedStrings.xml"/>'
    return _edit(
        path,
        {
            "xl/sharedStrings.xml": lambda _: strings,
            "[Content_Types].xml": lambda xml: xml.replace(b"</Types>", override.encode()),
            "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(
                b"</Relationships>", relation.encode() + b"</Relationships>"
            ),
        },
    )


def _class(path: Path, name: str = "王小明") -> Path:
    return write_class_book(path, students=[student(姓名=name)], records=[record(学生姓名=name)])


def _xlsync(*args: object, cwd: Path, log: Path | None = None) -> subprocess.CompletedProcess:
    env = {**__import__("os").environ, **({"XLSYNC_FAULT_LOG": str(log)} if log else {})}
    command = [sys.executable, "-m", "xlsync", *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180, env=env)


def _steps(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").split() if log.exists() else []


def test_a_file_that_aborts_the_reader_is_named_and_the_others_are_checked(tmp_path):
    _crashing(_class(tmp_path / "班级" / "三年级2班.xlsx"))
    _class(tmp_path / "班级" / "三年级3班.xlsx", "李小红")
    log = tmp_path / "steps.log"
    result = _xlsync(
        "validate", "班级", "--as-of", AS_OF, "--format", "json", cwd=tmp_path, log=log
    )
    report = json.loads(result.stdout)
    assert result.returncode == 2, result.stderr
    assert "memory allocation" not in result.stderr and "Traceback" not in result.stderr
    [failed] = report["failed_files"]
    assert failed["file"].endswith("三年级2班.xlsx") and "读取程序异常退出" in failed["message"]
    assert [Path(f["file"]).name for f in report["files"]] == ["三年级3班.xlsx"]
    assert _steps(log) == [STEP]  # the odd file went to a child, the normal one did not


def test_consolidate_goes_on_with_the_last_good_data_and_leaves_no_lock(school):
    path = _class(school / "班级台账" / "三年级2班.xlsx")
    _class(school / "班级台账" / "三年级3班.xlsx", "李小红")
    first = _xlsync("consolidate", "全校汇总.xlsx", "--as-of", AS_OF, cwd=school)
    assert first.returncode in (0, 1), first.stderr
    _crashing(path)
    result = _xlsync(
        "consolidate", "全校汇总.xlsx", "--as-of", AS_OF, "--format", "json", cwd=school
    )
    report = json.loads(result.stdout)
    assert result.returncode == 1 and "memory allocation" not in result.stderr, result.stderr
    assert report["children"] == 2 and report["failed_files"] == []
    assert [Path(p).name for p in report["stale_files"]] == ["三年级2班.xlsx"]
    assert not (school / ".xlsync" / "consolidate.lock").exists()


def test_an_odd_but_sound_file_reads_the_same_in_the_child(tmp_path, monkeypatch):
    plain = _class(tmp_path / "plain.xlsx")
    odd = tmp_path / "odd.xlsx"
    odd.write_bytes(plain.read_bytes())
    # the same cells with `t=` before `r=` (valid XML, not how spreadsheet programs write it)
    swap = rb'<c t="\2" r="\1"'
    _edit(odd, {"xl/worksheets/sheet2.xml": lambda x: re.sub(rb'<c r="(\w+)" t="(\w+)"', swap, x)})
    log = tmp_path / "steps.log"
    monkeypatch.setenv("XLSYNC_FAULT_LOG", str(log))
    assert load_grids(plain) == load_grids(odd)
    assert _steps(log) == [STEP]


def test_a_child_killed_at_the_read_is_one_chinese_line(tmp_path, monkeypatch):
    """The child dies by SIGKILL exactly at `isolated-read` (its marker says so); the parent
    lives on, names the file and exits 2."""
    odd = _class(tmp_path / "三年级2班.xlsx")
    swap = rb'<c t="\2" r="\1"'
    _edit(odd, {"xl/worksheets/sheet2.xml": lambda x: re.sub(rb'<c r="(\w+)" t="(\w+)"', swap, x)})
    mark = tmp_path / "mark"
    monkeypatch.setenv("XLSYNC_FAULT", STEP)
    monkeypatch.setenv("XLSYNC_FAULT_MARK", str(mark))
    result = _xlsync("validate", odd.name, "--as-of", AS_OF, "--format", "json", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    [failed] = json.loads(result.stdout)["failed_files"]
    assert "读取程序异常退出" in failed["message"]
    assert mark.read_text(encoding="utf-8") == f"{STEP}#1"
