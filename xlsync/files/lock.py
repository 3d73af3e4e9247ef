"""A lock file beside the master, so that two syncs (or two consolidations) never run at once.

The lock holds the owner's process id, host and start time. A lock whose process is gone (on
this host) or that is older than `stale_after` is taken over; otherwise the second run waits
up to `wait` seconds, then refuses with a clear message.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from xlsync.errors import XlsyncError


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class FileLock:
    def __init__(
        self, path: Path, what: str, stale_after: float = 6 * 3600, wait: float = 0.0
    ) -> None:
        self.path, self.what, self.stale_after, self.wait = path, what, stale_after, wait

    def _owner(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _stale(self, owner: dict) -> bool:
        if not owner:
            return True  # unreadable: a crash while writing it
        too_old = time.time() - owner.get("started", 0) > self.stale_after
        gone = owner.get("host") == socket.gethostname() and not process_alive(
            int(owner.get("pid", 0))
        )
        return too_old or gone

    def _try(self) -> bool:
        try:
            handle = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(
                {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}, stream
            )
        return True

    def __enter__(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.wait
        while not self._try():
            owner = self._owner()
            if self._stale(owner):
                self.path.unlink(missing_ok=True)
                continue
            if time.monotonic() >= deadline:
                started = time.strftime("%Y-%m-%d %H:%M", time.localtime(owner.get("started", 0)))
                raise XlsyncError(
                    f"另一个{self.what}正在进行（进程 {owner.get('pid')}，开始于 {started}），"
                    f"这次没有运行。请等它结束后再试；如果确定没有{self.what}在运行，"
                    f"可以删除「{self.path}」。"
                )
            time.sleep(0.2)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.path.unlink(missing_ok=True)
