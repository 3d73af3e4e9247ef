"""Kill the process at named steps while it writes, then check that every file is either
exactly the old version or a whole new one, and that the next run completes.

The kills are deterministic (xlsync/faults.py): an uninterrupted run lists the steps it reaches
(XLSYNC_FAULT_TRACE); then, for each chosen step, XLSYNC_FAULT makes the run exit hard there
(os._exit, no cleanup, like SIGKILL), and the test asserts that it did: exit code FAULT_EXIT and
the step's name in the marker file the hook writes before dying.

Commands: validate --annotate, overdue --write, consolidate (on a small generated school) and
sync (against the loopback fake). The new version cannot be compared byte for byte (the
master records its run time), so "new" means: a whole workbook whose cell values equal those
of an uninterrupted run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xlsync.demo import DemoSize, generate_school
from xlsync.errors import XlsyncError
from xlsync.faults import FAULT_ENV, FAULT_EXIT, MARK_ENV, TRACE_ENV
from xlsync.files.reader import load_grids

pytestmark = pytest.mark.slow
AS_OF = "2026-11-30"


def _user_files(folder: Path) -> dict[str, Path]:
    return {
        p.relative_to(folder).as_posix(): p
        for p in folder.rglob("*")
        if p.is_file() and ".xlsync" not in p.parts and not p.name.endswith(".xlsync-tmp")
    }


def _values(path: Path) -> object:
    """Cell values of every sheet, without the line that records when 汇总 ran."""
    try:
        grids = load_grids(path)
    except XlsyncError:
        return None
    if "概览" in grids:
        grids["概览"] = [row for i, row in enumerate(grids["概览"]) if i != 1]
    return {name: [list(row) for row in grid] for name, grid in grids.items()}


def _command(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "xlsync.cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "学校"
    generate_school(folder, dt.date(2026, 11, 30), DemoSize(4, 15), seed=5)
    return folder


COMMANDS = {
    "validate --annotate": ["validate", "班级台账", "--annotate", "--as-of", AS_OF],
    "overdue --write": ["overdue", "班级台账", "--write", "--as-of", AS_OF],
    "consolidate": ["consolidate", "全校汇总.xlsx", "--as-of", AS_OF],
}


def _steps(args: list[str], cwd: Path, trace: Path, env: dict | None = None) -> list[str]:
    """Run once, uninterrupted, and return the steps it reached (`name#N`)."""
    done = _command(args, cwd, {**(env or {}), TRACE_ENV: str(trace)})
    assert done.wait(timeout=300) in (0, 1), done.stderr.read().decode()  # type: ignore[union-attr]
    return trace.read_text(encoding="utf-8").split()


def _kill_points(steps: list[str]) -> list[str]:
    """The first steps (the run's early writes) and the last ones (the final file, the cache)."""
    return list(dict.fromkeys(steps[:3] + steps[-6:]))


def _killed_at(step: str, args: list[str], cwd: Path, env: dict | None = None) -> None:
    """Run `args`, make it exit hard at `step`, and check that the kill landed there."""
    mark = cwd.parent / f"{cwd.name}.reached"
    mark.unlink(missing_ok=True)
    faulty = {**(env or {}), FAULT_ENV: step, MARK_ENV: str(mark)}
    process = _command(args, cwd, faulty)
    assert process.wait(timeout=300) == FAULT_EXIT, process.stderr.read().decode()  # type: ignore[union-attr]
    assert mark.read_text(encoding="utf-8").split() == [step]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_killed_at_each_named_step(name, pristine, tmp_path):
    args = COMMANDS[name]
    reference = tmp_path / "reference"
    shutil.copytree(pristine, reference)
    steps = _steps(args, reference, tmp_path / "trace")
    assert any(s.startswith("write-replaced") for s in steps), steps
    new = {rel: _values(p) for rel, p in _user_files(reference).items()}
    old_bytes = {rel: p.read_bytes() for rel, p in _user_files(pristine).items()}
    for point, step in enumerate(_kill_points(steps)):
        work = tmp_path / f"kill-{point}"
        shutil.copytree(pristine, work)
        _killed_at(step, args, work)
        for rel, path in _user_files(work).items():
            assert path.read_bytes() == old_bytes.get(rel) or _values(path) == new[rel], (
                name,
                step,
                rel,
            )
        again = _command(args, work)
        assert again.wait(timeout=300) in (0, 1), again.stderr.read().decode()
        assert {rel: _values(p) for rel, p in _user_files(work).items()} == new, (name, step)
        assert not list(work.rglob("*.xlsync-tmp")), "a killed run's temp file is cleaned up"


def test_sync_killed_at_each_named_step(pristine, tmp_path, server, fake):
    from conftest import SID
    from test_sync import _service_account

    from xlsync.jobs.consolidate import consolidate
    from xlsync.jobs.sync import master_tables

    work = tmp_path / "学校"
    shutil.copytree(pristine, work)
    master = work / "全校汇总.xlsx"
    consolidate(master, as_of=dt.date(2026, 11, 30))
    key = _service_account(tmp_path / "key.json", server[1] + "/token")
    args = ["sync", "全校汇总.xlsx", "--spreadsheet", SID, "--credentials", str(key)]
    env = {"XLSYNC_SHEETS_API": server[1]}
    fake.faults.clear()
    steps = _steps(args, work, tmp_path / "trace", env)
    pushes = [s for s in steps if s.startswith(("push-", "lock-"))]
    assert {"lock-acquired#1", "push-tabs#1", "push-part#1", "push-part-done#1"} <= set(pushes)
    desired, _ = master_tables(master, masked=True)
    for step in pushes:
        fake.books.clear()
        fake.create(SID)
        _killed_at(step, args, work, env)
        info = fake.values(SID, "同步信息") if "同步信息" in fake.books[SID] else []
        unfinished = len(info) > 1 and info[1][1] == "同步未完成"
        for title, rows in desired.items():
            state = fake.values(SID, title) if title in fake.books[SID] else None
            assert unfinished or state in (None, [], rows), (step, title)
        # the killed sync's lock names a dead process: the next sync takes it over by itself
        assert _command(args, work, env).wait(timeout=120) == 0
        assert all(fake.values(SID, t) == rows for t, rows in desired.items())
        assert fake.values(SID, "同步信息")[1][1] == "同步完成"
