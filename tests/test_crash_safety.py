"""Kill the process (SIGKILL) at named steps while it writes, then check that every file is
either exactly the old version or a whole new one, and that the next run completes.

The kills are deterministic: a run with XLSYNC_FAULT_LOG set lists the fault steps it reaches
(xlsync/faults.py: temp-written, before-replace, replaced, lock-taken, sheets-request,
sheets-answered, each with its count), and each killed run names one of them in XLSYNC_FAULT;
the test asserts that the process died by SIGKILL and that its marker names that very step.

Commands: validate --annotate, overdue --write, consolidate (on a small generated school) and
sync (against the loopback fake). The new version cannot be compared byte for byte (the
master records its run time), so "new" means: a whole workbook whose cell values equal those
of an uninterrupted run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from xlsync.demo import DemoSize, generate_school
from xlsync.errors import XlsyncError
from xlsync.faults import LOG_ENV, MARK_ENV, STEP_ENV
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


def _steps(args: list[str], folder: Path, env: dict | None = None) -> list[str]:
    """The fault steps a whole run reaches, in order, each as "step#count"."""
    log = folder.parent / f"{folder.name}-steps.log"
    assert _command(args, folder, {**(env or {}), LOG_ENV: str(log)}).wait(timeout=300) in (0, 1)
    seen: Counter = Counter()
    steps = []
    for step in log.read_text(encoding="utf-8").split():
        seen[step] += 1
        steps.append(f"{step}#{seen[step]}")
    return steps


def _kill_points(steps: list[str]) -> list[str]:
    """The first and the last time each kind of step is reached, and the middle of the run."""
    kinds = {s.split("#")[0] for s in steps}
    chosen = {steps[len(steps) // 2]}
    for kind in kinds:
        mine = [s for s in steps if s.startswith(kind + "#")]
        chosen |= {mine[0], mine[-1]}
    return sorted(chosen, key=steps.index)


def _killed_at(step: str, args: list[str], folder: Path, env: dict | None = None) -> None:
    """Run until `step`, where the process kills itself; prove that is where it died."""
    mark = folder.parent / f"{folder.name}-killed"
    process = _command(args, folder, {**(env or {}), STEP_ENV: step, MARK_ENV: str(mark)})
    assert process.wait(timeout=300) == -signal.SIGKILL, (step, process.stderr.read().decode())
    assert mark.read_text(encoding="utf-8") == step


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


@pytest.mark.parametrize("name", list(COMMANDS))
def test_killed_at_each_kind_of_step(name, pristine, tmp_path):
    args = COMMANDS[name]
    reference = tmp_path / "reference"
    shutil.copytree(pristine, reference)
    steps = _steps(args, reference)
    new = {rel: _values(p) for rel, p in _user_files(reference).items()}
    old_bytes = {rel: p.read_bytes() for rel, p in _user_files(pristine).items()}
    points = _kill_points(steps)
    assert {p.split("#")[0] for p in points} >= {"temp-written", "before-replace", "replaced"}
    for point in points:
        work = tmp_path / f"kill-{point.replace('#', '-')}"
        shutil.copytree(pristine, work)
        _killed_at(point, args, work)
        for rel, path in _user_files(work).items():
            assert path.read_bytes() == old_bytes.get(rel) or _values(path) == new[rel], (
                name,
                point,
                rel,
            )
        again = _command(args, work)
        assert again.wait(timeout=300) in (0, 1), again.stderr.read().decode()
        assert {rel: _values(p) for rel, p in _user_files(work).items()} == new, (name, point)
        assert not list(work.rglob("*.xlsync-tmp")), "a killed run's temp file is cleaned up"


def test_sync_killed_at_each_kind_of_step(pristine, tmp_path, server, fake):
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
    points = _kill_points(_steps(args, work, env))
    assert {p.split("#")[0] for p in points} >= {"sheets-request", "sheets-answered", "lock-taken"}
    desired, _ = master_tables(master, masked=True)
    for point in points:
        fake.books.clear()
        fake.create(SID)
        _killed_at(point, args, work, env)
        time.sleep(0.2)  # let the fake finish a request that was in flight
        info = fake.values(SID, "同步信息") if "同步信息" in fake.books[SID] else []
        unfinished = len(info) > 1 and info[1][1] == "同步未完成"
        for title, rows in desired.items():
            state = fake.values(SID, title) if title in fake.books[SID] else None
            assert unfinished or state in (None, [], rows), (point, title)
        # the killed sync's lock names a dead process: the next sync takes it over by itself
        assert _command(args, work, env).wait(timeout=120) == 0
        assert all(fake.values(SID, t) == rows for t, rows in desired.items())
        assert fake.values(SID, "同步信息")[1][1] == "同步完成"


def test_known_rows_sync_killed_at_every_step(pristine, tmp_path, server, fake):
    """Issue 22.3: the sync that reads only 同步信息 and sends the keyed row diff (one record
    added mid-school: read, the diff's batchUpdate, the values with the new stamp, the record
    beside the master), SIGKILLed at every step. Each tab then holds the old or the new rows or
    同步信息 says 同步未完成; the next sync reads the sheet in full whenever the kill came after
    the diff's batchUpdate was applied (the sheet no longer matches the record), and ends equal
    to the master."""
    import json

    import requests
    from conftest import SID
    from test_known_sync import add_record
    from test_sync import _service_account

    from xlsync.google.record import load_record, record_path
    from xlsync.jobs.consolidate import consolidate
    from xlsync.jobs.sync import master_tables, sync

    work = tmp_path / "学校"
    shutil.copytree(pristine, work)
    master = work / "全校汇总.xlsx"
    consolidate(master, as_of=dt.date(2026, 11, 30))
    key = _service_account(tmp_path / "key.json", server[1] + "/token")
    args = ["sync", "全校汇总.xlsx", "--spreadsheet", SID, "--credentials", str(key)]
    env = {"XLSYNC_SHEETS_API": server[1]}
    fake.faults.clear()
    sync(master, SID, session=requests.Session())
    add_record(master)
    before_sheet = {t: (dict(tab.cells), tab.rows, tab.cols) for t, tab in fake.books[SID].items()}
    before_record = record_path(master).read_bytes()
    old = {t: fake.values(SID, t) for t in fake.books[SID]}

    def restore() -> None:
        for title, (cells, rows, cols) in before_sheet.items():
            tab = fake.tab(SID, title)
            tab.cells, tab.rows, tab.cols = dict(cells), rows, cols
        record_path(master).write_bytes(before_record)

    steps = _steps(args, work, env)
    requests_sent = [s for s in steps if s.startswith("sheets-request")]
    assert len(requests_sent) == 3  # read 同步信息, the diff's batchUpdate, the values
    assert {"sync-record-written#1", "sync-record-saved#1"} <= set(steps)
    desired, _ = master_tables(master, masked=True)
    between = 0
    for point in steps:
        restore()
        _killed_at(point, args, work, env)
        time.sleep(0.2)  # let the fake finish a request that was in flight
        info = dict(tuple(r[:2]) for r in fake.values(SID, "同步信息") if len(r) > 1)
        unfinished = info["状态"] == "同步未完成"
        between += unfinished
        for title, rows in desired.items():
            assert unfinished or fake.values(SID, title) in (old[title], rows), (point, title)
        record = load_record(record_path(master), SID)
        expect_full = record is None or info.get("同步标记") != record.stamp or unfinished
        done = subprocess.run(
            [sys.executable, "-m", "xlsync.cli", *args, "--format", "json"],
            cwd=work,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["full_read"] == expect_full, point
        assert all(fake.values(SID, t) == rows for t, rows in desired.items()), point
        assert fake.values(SID, "同步信息")[1][1] == "同步完成"
    assert between >= 2  # killed after the diff's batchUpdate, before the stamp was written
