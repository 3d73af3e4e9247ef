"""The lock beside the master: created whole and atomically, taken over from a dead run by one
process only, released only by its owner; raced by several processes many times."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import time
from pathlib import Path

import pytest

from xlsync.errors import XlsyncError
from xlsync.files import lock as lock_module
from xlsync.files.lock import FileLock

DEAD = {"pid": 999_999_999, "host": socket.gethostname(), "started": time.time(), "token": "x"}


def _hold_many(folder: str, rounds: int, stale_every: int, seed: int) -> int:
    """Take the lock `rounds` times; inside, claim a marker no one else may hold at once.
    Now and then plant a dead run's lock, so takeovers race too. Returns the overlaps seen."""
    overlaps = 0
    lock_path, inside = Path(folder) / "x.lock", Path(folder) / "inside"
    for n in range(rounds):
        if stale_every and (n + seed) % stale_every == 0:
            try:  # a run that died holding the lock (only when free: never over a live one)
                handle = os.open(lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                os.write(handle, json.dumps(DEAD).encode())
                os.close(handle)
            except FileExistsError:
                pass
        with FileLock(lock_path, "测试", wait=30):
            try:
                os.close(os.open(inside, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                overlaps += 1
                continue
            time.sleep(0.001)
            inside.unlink()
    return overlaps


@pytest.mark.slow
def test_four_processes_never_hold_the_lock_at_once(tmp_path):
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as pool:
        jobs = [pool.apply_async(_hold_many, (str(tmp_path), 150, 7, s)) for s in range(4)]
        overlaps = [job.get(timeout=240) for job in jobs]
    assert overlaps == [0, 0, 0, 0]
    assert not (tmp_path / "x.lock").exists()  # every run released its own lock
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob("*.takeover"))


def test_a_lock_being_written_is_not_taken_for_stale(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text("")  # created, its content not written yet
    with pytest.raises(XlsyncError, match="正在进行"):
        FileLock(path, "汇总").__enter__()
    old = time.time() - lock_module.WRITING_GRACE - 1
    os.utime(path, (old, old))  # ... or left empty by a crash long ago: taken over
    with FileLock(path, "汇总"):
        assert json.loads(path.read_text())["pid"] == os.getpid()


def test_a_run_removes_only_its_own_lock(tmp_path):
    path = tmp_path / "x.lock"
    with FileLock(path, "同步"):
        other = dict(DEAD, pid=os.getpid(), token="another run")
        path.write_text(json.dumps(other))  # taken over meanwhile (it ran for hours)
    assert json.loads(path.read_text())["token"] == "another run"


def test_a_dead_runs_lock_is_taken_over_and_a_live_one_refused(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text(json.dumps(DEAD))
    with FileLock(path, "同步"):
        pass
    assert not path.exists()
    with FileLock(path, "同步"):
        with pytest.raises(XlsyncError, match="另一个同步正在进行"):
            FileLock(path, "同步").__enter__()
