"""Read-only and unreadable places (issue 14.5): a read-only master folder, class folder, file
or backups folder, and a class file that cannot be read, each end in a Chinese message (exit 2,
or for 汇总 the class listed and the run going on), no traceback, nothing half-written and no
lock left behind.

Permission bits do not stop root. When the suite runs as root, the command runs under
`setpriv` without CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER, so the owner's mode bits
apply to it as to any user; as a normal user plain chmod does it.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import record, student, write_class_book

DROP = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--inh-caps=-all"]
AS_OF = "2026-11-30"


@functools.cache
def _prefix() -> tuple[str, ...] | None:
    """How to run a command on which mode bits bite; None when that is impossible here."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        return None
    probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"xlsync-ro-probe-{os.getpid()}"
    probe.mkdir(exist_ok=True)
    probe.chmod(0o555)
    try:
        touch = [*DROP, sys.executable, "-c", f"open({str(probe / 'x')!r}, 'w')"]
        done = subprocess.run(touch, capture_output=True, timeout=60)
    finally:
        probe.chmod(0o755)
        shutil.rmtree(probe)
    return tuple(DROP) if done.returncode != 0 else None


pytestmark = pytest.mark.skipif(
    _prefix() is None,
    reason="running as root where setpriv cannot drop CAP_DAC_OVERRIDE (no setpriv, or the "
    "container does not allow it): mode bits cannot stop this process, so nothing to test",
)


def _xlsync(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    command = [*(_prefix() or ()), sys.executable, "-m", "xlsync", *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180)


@contextmanager
def _mode(path: Path, mode: int) -> Iterator[None]:
    """`path` with `mode` for the block; its old mode afterwards (so tmp_path can be removed)."""
    old = path.stat().st_mode & 0o7777
    path.chmod(mode)
    try:
        yield
    finally:
        path.chmod(old)


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` and its bytes (xlsync's parse cache aside)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "cache" not in p.relative_to(folder).parts
    }


def _refused(result: subprocess.CompletedProcess, *words: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and "Error:" not in output, output
    for word in words:
        assert word in output, output


def _class_with_a_finding(school: Path, name: str = "三年级2班") -> Path:
    students = [student(姓名="王小明"), student(姓名="李小红", 监护人电话="123", 身份证号="")]
    path = school / "班级台账" / f"{name}.xlsx"
    return write_class_book(path, students=students, records=[record()])


@pytest.mark.parametrize("with_state_folder", [True, False], ids=["xlsync-folder", "first-run"])
def test_consolidate_in_a_read_only_master_folder(school, with_state_folder):
    if not with_state_folder:
        shutil.rmtree(school / ".xlsync")  # the lock's folder cannot even be made
    before = _tree(school)
    with _mode(school, 0o555):
        result = _xlsync("consolidate", "全校汇总.xlsx", "--as-of", AS_OF, cwd=school)
    _refused(result, "只读" if with_state_folder else "没有写入权限", "没有被改动")
    assert _tree(school) == before  # no backup, no temp file, no lock
    assert not (school / ".xlsync" / "consolidate.lock").exists()


def test_consolidate_on_a_read_only_master_file(school):
    master = school / "全校汇总.xlsx"
    before = _tree(school)
    with _mode(master, 0o444):
        result = _xlsync("consolidate", master.name, "--as-of", AS_OF, cwd=school)
    _refused(result, "全校汇总.xlsx」是只读文件", "取消“只读”")
    assert _tree(school) == before
    assert not (school / ".xlsync" / "consolidate.lock").exists()


def test_consolidate_when_the_backups_folder_is_not_writable(school):
    backups = school / ".xlsync" / "备份"
    backups.mkdir(parents=True, exist_ok=True)
    before = _tree(school)
    with _mode(backups, 0o555):
        result = _xlsync("consolidate", "全校汇总.xlsx", "--as-of", AS_OF, cwd=school)
    _refused(result, "备份", "没有写入权限", "原来的文件没有被改动")
    assert _tree(school) == before  # refused before any class was written back
    assert not (school / ".xlsync" / "consolidate.lock").exists()


@pytest.mark.parametrize("command", ["overdue --write", "validate --annotate"])
@pytest.mark.parametrize("place", ["class-folder", "class-file"])
def test_a_read_only_class_folder_or_file_is_not_written(school, command, place):
    path = _class_with_a_finding(school)
    before = _tree(school)
    locked = path.parent if place == "class-folder" else path
    verb, flag = command.split()
    with _mode(locked, 0o555 if place == "class-folder" else 0o444):
        result = _xlsync(verb, path.relative_to(school), "--as-of", AS_OF, flag, cwd=school)
    _refused(result, "只读", "三年级2班.xlsx")
    assert _tree(school) == before  # the file as it was, and no backup of a refused write


@pytest.mark.parametrize("place", ["class-folder", "class-file"])
def test_consolidate_reads_read_only_classes_and_lists_them_not_refreshed(school, place):
    path = _class_with_a_finding(school)
    locked = path.parent if place == "class-folder" else path
    before = (school / "全校汇总.xlsx").stat().st_mtime_ns
    with _mode(locked, 0o555 if place == "class-folder" else 0o444):
        result = _xlsync(
            "consolidate", "全校汇总.xlsx", "--as-of", AS_OF, "--format", "json", cwd=school
        )
    report = json.loads(result.stdout)
    assert result.returncode == 1 and "Traceback" not in result.stderr  # 1: the finding
    assert report["children"] == 2 and report["failed_files"] == report["stale_files"] == []
    [missed] = report["write_back"]["not_refreshed"]  # the class listed, the run went on
    assert missed["class"] == "三年级2班" and "只读" in missed["message"], missed
    assert (school / "全校汇总.xlsx").stat().st_mtime_ns > before


def _second_class(school: Path) -> Path:
    return write_class_book(
        school / "班级台账" / "三年级3班.xlsx", students=[student(姓名="赵小刚")]
    )


def test_validate_names_an_unreadable_class_file_and_checks_the_others(school):
    unreadable = _class_with_a_finding(school)
    _second_class(school)
    with _mode(unreadable, 0o000):
        result = _xlsync("validate", "班级台账", "--as-of", AS_OF, "--format", "json", cwd=school)
    report = json.loads(result.stdout)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    [failed] = report["failed_files"]
    assert failed["file"].endswith("三年级2班.xlsx") and "没有读取权限" in failed["message"]
    assert [Path(f["file"]).name for f in report["files"]] == ["三年级3班.xlsx"]


def test_consolidate_names_an_unreadable_class_and_goes_on(school):
    unreadable = _class_with_a_finding(school)
    _second_class(school)
    with _mode(unreadable, 0o000):
        result = _xlsync(
            "consolidate", "全校汇总.xlsx", "--as-of", AS_OF, "--format", "json", cwd=school
        )
    report = json.loads(result.stdout)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    [failed] = report["failed_files"]
    assert failed["file"].endswith("三年级2班.xlsx") and "没有读取权限" in failed["message"]
    assert report["children"] == 1  # 三年级3班's child, in the master written
    assert not (school / ".xlsync" / "consolidate.lock").exists()


def test_consolidate_uses_the_last_good_data_of_a_class_that_became_unreadable(school):
    unreadable = _class_with_a_finding(school)
    _second_class(school)
    first = _xlsync("consolidate", "全校汇总.xlsx", "--as-of", AS_OF, cwd=school)
    assert first.returncode == 1, first.stderr
    with _mode(unreadable, 0o000):
        result = _xlsync(
            "consolidate", "全校汇总.xlsx", "--as-of", AS_OF, "--format", "json", cwd=school
        )
    report = json.loads(result.stdout)
    assert report["children"] == 3 and report["failed_files"] == []
    assert [Path(p).name for p in report["stale_files"]] == ["三年级2班.xlsx"]


def test_an_unreadable_class_folder_stops_consolidate_before_it_drops_classes(school):
    _class_with_a_finding(school)
    _second_class(school)  # found only by listing the folder
    before = _tree(school)
    with _mode(school / "班级台账", 0o000):
        result = _xlsync("consolidate", "全校汇总.xlsx", "--as-of", AS_OF, cwd=school)
    _refused(result, "无法读取「", "班级台账」：没有读取权限")
    assert _tree(school) == before
    assert not (school / ".xlsync" / "consolidate.lock").exists()
