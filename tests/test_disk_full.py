"""Full disks and damaged backups (issue 14.5): a write that runs out of space ends in a Chinese
message with exit 2, leaves the file and no truncated backup; `restore` refuses a backup that
does not open. The full disk is RLIMIT_FSIZE in a child process (SIGXFSZ ignored, so the write
fails with EFBIG exactly where a full disk fails with ENOSPC)."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import record, student, write_class_book

from xlsync.files.backup import backups_of, folder_of
from xlsync.files.disk import is_whole_workbook


def _run_with_file_limit(limit: int, *args: object, cwd: Path) -> subprocess.CompletedProcess:
    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "xlsync.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_files,
    )


def _book(tmp_path: Path) -> Path:
    students = [student(姓名=f"学生{i}", 身份证号="") for i in range(40)]
    return write_class_book(tmp_path / "三年级2班.xlsx", students=students, records=[record()])


@pytest.mark.parametrize("step", ["backup", "write"])
def test_a_full_disk_is_a_chinese_message_and_the_file_is_kept(tmp_path, step):
    path = _book(tmp_path)
    before = path.read_bytes()
    # "backup": the copy of the file itself does not fit; "write": the backup fits, the
    # rewritten (larger) workbook does not.
    limit = len(before) // 2 if step == "backup" else len(before) + 1
    result = _run_with_file_limit(
        limit, "overdue", path.name, "--as-of", "2026-11-30", "--write", cwd=tmp_path
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "磁盘空间不足" in output, output
    assert result.returncode == 2, output
    assert path.read_bytes() == before
    backups = backups_of(path)
    if step == "backup":
        assert backups == []
    else:
        assert [b.path.read_bytes() for b in backups] == [before]
    leftovers = [p for p in tmp_path.rglob(".*") if p.is_file() and "tmp" in p.name]
    assert leftovers == []


def test_restore_refuses_a_backup_that_does_not_open(tmp_path, run):
    path = _book(tmp_path)
    before = path.read_bytes()
    folder_of(path).mkdir(parents=True)
    cut = folder_of(path) / "三年级2班.20261129-010000-000000.xlsx"
    cut.write_bytes(before[: len(before) * 5 // 6])  # what a full disk used to leave
    result = run("restore", path, "--pick", "1")
    assert result.exit_code == 2 and "已损坏" in result.stderr, result.stderr
    assert path.read_bytes() == before


def test_consolidate_on_a_full_disk_keeps_the_master_and_the_lock_is_gone(school):
    master = school / "全校汇总.xlsx"
    before = master.read_bytes()
    result = _run_with_file_limit(len(before) // 2, "consolidate", master.name, cwd=school)
    output = result.stdout + result.stderr
    assert result.returncode == 2 and "Traceback" not in output and "磁盘空间不足" in output, output
    assert master.read_bytes() == before
    assert all(is_whole_workbook(b.path) for b in backups_of(master))  # none cut short
    assert not (school / ".xlsync" / "consolidate.lock").exists()
