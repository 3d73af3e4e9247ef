"""A lock file beside the master, so that two syncs (or two consolidations) never run at once.

The lock holds the owner's token, process id, host and start time. It comes into being whole
(written to a private file, then hard-linked to the lock's name, which fails when the lock
exists), so no one ever reads half of one. A lock whose process is gone (on this host) or that
is older than `stale_after` is taken over; the takeover and the release both happen under a
short second lock (`<lock>.takeover`, created with O_EXCL) and re-check the owner's token
there, so that no run removes a lock that another run has meanwhile taken. A run only ever
removes its own lock. Otherwise the second run waits up to `wait` seconds, then refuses.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType

from xlsync.errors import XlsyncError
from xlsync.faults import reached

UNREADABLE_GRACE = 30.0  # seconds an unreadable lock (a file system without hard links) is busy
TAKEOVER_STALE = 60.0  # seconds after which a takeover lock is a crash's leftover


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # Windows: an invalid pid
        return False
    return True


class FileLock:
    def __init__(
        self, path: Path, what: str, stale_after: float = 6 * 3600, wait: float = 0.0
    ) -> None:
        self.path, self.what, self.stale_after, self.wait = path, what, stale_after, wait
        self.token = uuid.uuid4().hex
        self.takeover = path.with_name(path.name + ".takeover")

    def _owner(self) -> dict:
        try:
            owner = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return owner if isinstance(owner, dict) else {}

    def _stale(self, owner: dict) -> bool:
        if not owner:  # unreadable: a lock written in place on a file system without links
            return _age(self.path) > UNREADABLE_GRACE
        too_old = time.time() - float(owner.get("started", 0)) > self.stale_after
        gone = owner.get("host") == socket.gethostname() and not process_alive(
            int(owner.get("pid", 0))
        )
        return too_old or gone

    def _content(self) -> str:
        me = {"token": self.token, "pid": os.getpid(), "host": socket.gethostname()}
        return json.dumps({**me, "started": time.time()})

    def _try(self) -> bool:
        """Create the lock, whole, in one step; False when it exists."""
        candidate = self.path.with_name(f"{self.path.name}.{self.token}")
        candidate.write_text(self._content(), encoding="utf-8")
        try:
            os.link(candidate, self.path)
        except FileExistsError:
            return False
        except OSError:  # no hard links here (some shares): create exclusively, then write
            return _create_exclusive(self.path, self._content())
        finally:
            candidate.unlink(missing_ok=True)
        return True

    def _take_over_if_stale(self) -> dict:
        """Remove the lock when it is (still) stale; the owner it found, {} when it is gone."""
        with _exclusive(self.takeover) as held:
            owner = self._owner()
            if not held or not self.path.exists() or not self._stale(owner):
                return owner or {"pid": "?", "started": time.time()}
            reached("lock-takeover")
            self.path.unlink(missing_ok=True)
            return {}

    def __enter__(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.wait
        while not self._try():
            owner = self._take_over_if_stale()
            if not owner:
                continue
            if time.monotonic() >= deadline:
                raise XlsyncError(self._busy_message(owner))
            time.sleep(0.2)
        reached("lock-acquired")
        return self

    def _busy_message(self, owner: dict) -> str:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(owner.get("started", 0))))
        return (
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
        """Remove the lock only while it is still ours (a takeover may have replaced it)."""
        for _ in range(50):
            with _exclusive(self.takeover) as held:
                if held:
                    if self._owner().get("token") == self.token:
                        self.path.unlink(missing_ok=True)
                    return
            time.sleep(0.05)


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _create_exclusive(path: Path, text: str) -> bool:
    try:
        handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    return True


@contextmanager
def _exclusive(path: Path) -> Iterator[bool]:
    """A short-lived lock file: yields True when this process holds it (a crash's leftover
    older than TAKEOVER_STALE is cleared first)."""
    if path.exists() and _age(path) > TAKEOVER_STALE:
        path.unlink(missing_ok=True)
    held = _create_exclusive(path, str(os.getpid()))
    try:
        yield held
    finally:
        if held:
            with suppress(OSError):
                path.unlink()
