"""files/lock.py: two processes never both hold the lock, a stale lock is taken over by one
run only, and a run removes only its own lock."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xlsync.errors import XlsyncError
from xlsync.files.lock import FileLock

WORKER = r"""
import json, os, socket, sys, time
from pathlib import Path
from xlsync.files.lock import FileLock

lock, inside, log = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
rounds = int(sys.argv[4])
for n in range(rounds):
    if n % 2 == 0:  # a run that crashed while holding the lock: its process is gone
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            os.write(fd, json.dumps({"pid": 999999, "host": socket.gethostname(),
                                     "started": time.time()}).encode())
            os.close(fd)
        except FileExistsError:
            pass
    with FileLock(lock, "汇总", wait=60):
        try:
            fd = os.open(inside, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            with log.open("a") as out:
                out.write(f"{os.getpid()} entered while another held the lock\n")
            continue
        os.close(fd)
        time.sleep(0.002)
        os.unlink(inside)
"""


def test_racing_processes_never_hold_the_lock_together(tmp_path):
    """Six processes take the lock 100 times each, while stale locks of dead processes keep
    appearing; a second holder inside the lock would find the first one's marker."""
    lock, inside, log = tmp_path / "consolidate.lock", tmp_path / "inside", tmp_path / "log"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, lock, inside, log, "100"], env=env)
        for _ in range(6)
    ]
    assert [w.wait(timeout=300) for w in workers] == [0] * 6
    assert not log.exists(), log.read_text()
    assert not lock.exists(), "every run removed its own lock"


def test_a_run_removes_only_its_own_lock(tmp_path):
    lock = tmp_path / "sync.lock"
    with FileLock(lock, "同步"):
        theirs = {"token": "other", "pid": os.getpid(), "host": "x", "started": time.time()}
        lock.write_text(json.dumps(theirs))  # taken over by another run meanwhile
    assert json.loads(lock.read_text())["token"] == "other"


def test_a_lock_being_written_is_not_taken_for_stale(tmp_path):
    lock = tmp_path / "sync.lock"
    lock.write_text("")  # another run created it and has not written it yet
    with pytest.raises(XlsyncError, match="另一个同步正在进行"):
        with FileLock(lock, "同步"):
            pass
    assert lock.exists()


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    lock = tmp_path / "sync.lock"
    dead = {"pid": 999999, "host": socket.gethostname(), "started": time.time()}
    lock.write_text(json.dumps(dead))
    with FileLock(lock, "同步"):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert not lock.exists()


def test_the_lock_is_whole_from_the_start(tmp_path, monkeypatch):
    """The lock's name appears only with its content in it (a hard link of a written file)."""
    lock = tmp_path / "sync.lock"
    seen: list[str] = []
    real_link = os.link

    def link(source: Path, target: Path) -> None:
        real_link(source, target)
        seen.append(Path(target).read_text())

    monkeypatch.setattr(os, "link", link)
    with FileLock(lock, "同步"):
        pass
    assert json.loads(seen[0])["pid"] == os.getpid()
