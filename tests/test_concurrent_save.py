"""A save that lands while xlsync writes (cloud sync, WeChat, USB copy: no `~$` lock) is kept:
the writer checks, just before its replace, that the file is still the version it read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import record, student, write_class_book
from openpyxl import Workbook, load_workbook

from xlsync.files import safe_write


def _race(monkeypatch, target: Path, newer: Path) -> list[str]:
    """While the workbook is being saved to its temp file, move `newer` over `target` (what a
    sync client does); returns a log proving the race happened inside the write. The package-
    level writer (a class workbook's first refresh) saves no openpyxl workbook: its race lands
    in its post-write check, which runs inside the write to the temp file."""
    real_save, real_check = Workbook.save, safe_write.ensure_kept
    log: list[str] = []

    def race() -> None:
        if not log:
            os.replace(newer, target)
            log.append("raced")

    def racing_save(self, filename):
        real_save(self, filename)
        if Path(filename).name.endswith(safe_write.TEMP_MARK):
            race()

    def racing_check(path, *args, **kwargs):
        real_check(path, *args, **kwargs)
        if Path(path) == target:
            race()

    monkeypatch.setattr(Workbook, "save", racing_save)
    monkeypatch.setattr(safe_write, "ensure_kept", racing_check)
    return log


def _newer_version(tmp_path: Path) -> tuple[Path, bytes]:
    newer = write_class_book(tmp_path / "newer.xlsx", students=[student(), student(姓名="新同学")])
    return newer, newer.read_bytes()


@pytest.mark.parametrize(
    "args", [("overdue", "--as-of", "2026-11-30", "--write"), ("validate", "--annotate")]
)
def test_a_version_saved_during_the_write_is_kept_untouched(tmp_path, run, monkeypatch, args):
    target = write_class_book(
        tmp_path / "三年级2班.xlsx",
        students=[student(身份证号="bad")],
        records=[record()],
    )
    newer, newer_bytes = _newer_version(tmp_path)
    log = _race(monkeypatch, target, newer)
    result = run(args[0], target, *args[1:])
    assert log == ["raced"]
    assert result.exit_code == 2, result.stderr
    said = result.stdout + result.stderr  # a per-file failure is listed with the report
    assert "写入期间被别的程序更新了" in said and "Traceback" not in said
    assert target.read_bytes() == newer_bytes
    assert not list(tmp_path.glob(f"*{safe_write.TEMP_MARK}"))


def test_without_a_race_the_write_goes_through(tmp_path, run):
    target = write_class_book(tmp_path / "三年级2班.xlsx", students=[student()], records=[record()])
    assert run("overdue", target, "--as-of", "2026-11-30", "--write").exit_code == 0


def test_the_master_saved_during_consolidate_is_kept(school, run, monkeypatch, tmp_path):
    master = school / "全校汇总.xlsx"
    newer = tmp_path / "newer.xlsx"
    newer.write_bytes(master.read_bytes() + b"")  # a re-save: same content, new mtime below
    os.utime(newer, ns=(1, 1))
    log = _race(monkeypatch, master, newer)
    result = run("consolidate", master, "--no-write-back")
    assert log == ["raced"] and result.exit_code == 2, result.stderr
    assert "写入期间被别的程序更新了" in result.stdout + result.stderr
    assert os.stat(master).st_mtime_ns == 1


def test_a_class_saved_during_the_write_back_is_kept_and_the_master_still_written(
    school, run, monkeypatch, tmp_path
):
    """汇总's write-back into a class workbook meets the same race: the teacher's newer file
    wins, the class is listed as not refreshed, and the master is rebuilt all the same."""
    master = school / "全校汇总.xlsx"
    target = school / "班级台账" / "三年级2班.xlsx"
    newer, newer_bytes = _newer_version(tmp_path)
    log = _race(monkeypatch, target, newer)
    result = run("consolidate", master, "--as-of", "2026-11-30")
    assert log == ["raced"] and result.exit_code in (0, 1), result.stderr
    assert "未更新：三年级2班" in result.stdout and "写入期间被别的程序更新了" in result.stdout
    assert target.read_bytes() == newer_bytes
    assert "概览" in load_workbook(master, read_only=True).sheetnames
