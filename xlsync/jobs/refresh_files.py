"""The write-back's file refreshes, shared between this process and one helper process.

Each class file's refresh (files/refresh.py) and the re-read of the refreshed file are
independent of every other class's, and a school PC has at least two cores; so when 汇总 has
several class files to refresh, a helper process takes every other one while this process
does the rest. The helper is a plain `python -c` child, as in files/isolate.py (not
multiprocessing, which re-runs the parent's main script), its work and results pickled over
its stdin and stdout. Every guarantee lives in the refresh itself (lock refusal, backup,
kept-content check, atomic replace), so it holds in either process. Should the helper fail
to start or die, this process refreshes its files afterwards; while a fault-injection run
(xlsync/faults.py) is on, everything runs here, in order, so a kill lands where the test says.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xlsync import faults
from xlsync.core.calendar import Rule
from xlsync.core.classbook import ClassBook
from xlsync.core.findings import Finding
from xlsync.core.obligations import Item
from xlsync.core.status_view import StatusContext
from xlsync.core.tables import Table
from xlsync.errors import XlsyncError
from xlsync.files.cache import content_digest
from xlsync.files.disk import disk_error
from xlsync.files.isolate import child_env
from xlsync.files.kept import Readback
from xlsync.files.readback import written
from xlsync.files.reader import read_class_workbook
from xlsync.files.refresh import refresh_class_workbook

HELPER_FROM = 4  # fewer files than this are refreshed here: a helper takes about 1 s to start
SEQUENTIAL_ENV = "XLSYNC_SEQUENTIAL"  # set (to anything): no helper process
_START = "from xlsync.jobs.refresh_files import helper_main; helper_main()"


@dataclass
class FileJob:
    """Everything one class file's refresh needs (pickled to the helper as it is)."""

    path: Path
    name: str
    table: Table
    rules: Sequence[Rule]
    items: Sequence[Item]
    findings: Sequence[Finding]
    context: StatusContext  # caption, 留守 facts, 安全事件 (unreported ones head 逾期提醒)
    school_year: int | None
    digest: str = ""  # the content hash of the file as 汇总 read it


@dataclass
class FileOutcome:
    """What became of one file: refreshed (new digest and the file as now read: its whole
    book, or its 学生档案 when nothing else reads differently, files/readback.py), already
    current, or not written (`error`, in Chinese)."""

    changed: bool = False
    digest: str = ""
    book: ClassBook | None = None
    error: str = ""
    students: Table | None = None


def refresh_file(job: FileJob) -> FileOutcome:
    """Refresh one class file and read it back; a refusal or disk error is an outcome. The
    book and its content hash come from the bytes written, as the post-write check read them
    (one read of the written package serves both)."""
    readback = Readback()
    try:
        if not refresh_class_workbook(
            job.path, job.table, job.rules, job.items, job.findings, job.context, readback
        ):
            return FileOutcome()
        if readback.after is None:  # not reached: every refresh that writes checks what it wrote
            book = read_class_workbook(job.path, job.name, job.school_year)
            return FileOutcome(True, content_digest(job.path), book)
        found = written(job.path, readback, job.name, job.school_year, job.digest)
        return FileOutcome(True, found.digest, found.book, students=found.students)
    except XlsyncError as error:
        return FileOutcome(error=str(error))
    except OSError as error:
        return FileOutcome(error=str(disk_error(job.path, error)))


def refresh_files(jobs: Sequence[FileJob], done: Callable[[int, FileOutcome], None]) -> None:
    """Refresh every job's file, calling `done(index, outcome)` for each (in any order)."""
    if len(jobs) < HELPER_FROM or not _helper_allowed():
        for index, job in enumerate(jobs):
            done(index, refresh_file(job))
        return
    theirs = list(range(1, len(jobs), 2))
    helper = _Helper([jobs[i] for i in theirs])
    try:
        for index in range(0, len(jobs), 2):
            done(index, refresh_file(jobs[index]))
        outcomes = helper.result()
    finally:
        helper.stop()
    for position, index in enumerate(theirs):
        found = outcomes[position] if outcomes is not None else None
        done(index, found if found is not None else refresh_file(jobs[index]))


def _helper_allowed() -> bool:
    """Two cores or more, a Python interpreter to start (not a program embedding one), and no
    fault injection or explicit request to stay in one process."""
    quiet = not any(os.environ.get(k) for k in (faults.STEP_ENV, faults.LOG_ENV, SEQUENTIAL_ENV))
    python = Path(sys.executable or "").name.lower().startswith("python")
    return quiet and python and (os.cpu_count() or 1) >= 2


class _Helper:
    """One helper process working through its jobs while this process works on the rest."""

    def __init__(self, jobs: list[FileJob]) -> None:
        self.output: bytes | None = None
        try:
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-c", _START],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=child_env(),
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        except OSError:  # cannot start a process here: this process does its files
            self.process = None
            return
        # A thread feeds and drains the pipes, so neither process waits on the other.
        self.thread = threading.Thread(target=self._talk, args=(pickle.dumps(jobs),), daemon=True)
        self.thread.start()

    def _talk(self, work: bytes) -> None:
        assert self.process is not None
        try:
            self.output, _ = self.process.communicate(work)
        except (OSError, ValueError):
            self.output = None

    def result(self) -> list[FileOutcome | None] | None:
        """The helper's outcomes in job order; None when it failed (its files are then done
        here)."""
        if self.process is None:
            return None
        self.thread.join()
        if self.process.returncode != 0 or not self.output:
            return None
        try:
            outcomes = pickle.loads(self.output)
        except Exception:  # noqa: BLE001 — a truncated answer: do its files here
            return None
        return outcomes if isinstance(outcomes, list) else None

    def stop(self) -> None:
        """End the helper if it still runs (this process was interrupted)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def helper_main() -> None:
    """The helper: refresh the files read from stdin; their outcomes to stdout. A job that
    fails unexpectedly is answered None, so the parent does it (and shows the error)."""
    jobs: list[FileJob] = pickle.load(sys.stdin.buffer)
    outcomes: list[FileOutcome | None] = []
    for job in jobs:
        try:
            outcomes.append(refresh_file(job))
        except Exception:  # noqa: BLE001 — the parent redoes it, where a bug shows
            traceback.print_exc()
            outcomes.append(None)
    sys.stdout.buffer.write(pickle.dumps(outcomes))
