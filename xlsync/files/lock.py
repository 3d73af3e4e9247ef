"""A lock file beside the master, so that two syncs (or two consolidations) never run at once.

The lock holds the owner's process id, host, start time and a random token. It appears whole
or not at all (written to a temporary file, then hard-linked into place, which fails when a
lock exists). A lock whose process is gone (on this host) or that is older than `stale_after`
is taken over, one process at a time (under a short-lived takeover guard, re-checking that the
lock is still the stale one it judged); otherwise the second run waits up to `wait` seconds,
then refuses with a clear message. A run removes the lock only while it is still its own.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from xlsync import faults
from xlsync.errors import XlsyncError
from xlsync.files.disk import disk_error

# A lock that cannot be read yet is being written (only where hard links are not available)
# for at most this long; a takeover guard older than GUARD_STALE was left by a killed run.
WRITING_GRACE, GUARD_STALE = 5.0, 60.0


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


class FileLock:
    def __init__(
        self, path: Path, what: str, stale_after: float = 6 * 3600, wait: float = 0.0
    ) -> None:
        self.path, self.what, self.stale_after, self.wait = path, what, stale_after, wait
        self.token = secrets.token_hex(8)

    def _owner(self) -> dict[str, Any]:
        try:
            owner = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return owner if isinstance(owner, dict) else {}

    def _stale(self, owner: dict[str, Any]) -> bool:
        if not owner:  # unreadable: being written right now, or a crash while writing it
            return self.path.exists() and _age(self.path) > WRITING_GRACE
        too_old = time.time() - owner.get("started", 0) > self.stale_after
        gone = owner.get("host") == socket.gethostname() and not process_alive(
            int(owner.get("pid", 0))
        )
        return too_old or gone

    def _record(self) -> str:
        return json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "started": time.time(),
                "token": self.token,
            }
        )

    def _try(self) -> bool:
        """Create the lock with its content in one step; False when another run holds it."""
        temp = self.path.with_name(f"{self.path.name}.{self.token}.tmp")
        temp.write_text(self._record(), encoding="utf-8")
        try:
            os.link(temp, self.path)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: create exclusively, then fill
            return self._try_exclusive(temp.read_text(encoding="utf-8"))
        finally:
            temp.unlink(missing_ok=True)
        faults.reached("lock-taken")
        return True

    def _try_exclusive(self, record: str) -> bool:
        try:
            handle = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(record)
        return True

    def _take_over(self, owner: dict[str, Any]) -> None:
        """Remove the stale lock `owner`, unless another run got there first."""
        guard = self.path.with_name(self.path.name + ".takeover")
        try:
            os.close(os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            if _age(guard) > GUARD_STALE:
                guard.unlink(missing_ok=True)
            return
        try:
            if self._owner() == owner and self._stale(owner):
                self.path.unlink(missing_ok=True)
        finally:
            guard.unlink(missing_ok=True)

    def __enter__(self) -> FileLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self._acquire()
        except OSError as error:  # a read-only folder: a Chinese message, never a traceback
            raise disk_error(self.path, error) from None

    def _acquire(self) -> FileLock:
        deadline = time.monotonic() + self.wait
        while not self._try():
            owner = self._owner()
            if self._stale(owner):
                self._take_over(owner)
                continue
            if time.monotonic() >= deadline:
                raise self._refusal(owner)
            time.sleep(0.05 + 0.1 * secrets.randbelow(3))
        return self

    def _refusal(self, owner: dict[str, Any]) -> XlsyncError:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(owner.get("started", 0)))
        return XlsyncError(
            f"另一个{self.what}正在进行（进程 {owner.get('pid')}，开始于 {started}），"
            f"这次没有运行。请等它结束后再试；如果确定没有{self.what}在运行，"
            f"可以删除「{self.path}」。"
        )

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._owner().get("token") == self.token:  # never another run's lock
            self.path.unlink(missing_ok=True)
