"""Did the file change while xlsync was working on it?

A cloud-drive sync, a copy from WeChat or a USB stick can move a new version over a class
workbook while xlsync is rewriting it, and they leave no `~$` lock file. A writer therefore
remembers the size, modification time and content hash of the file it read, and just before
its temp file replaces the file checks that they still hold; if not, it keeps the new
version untouched and writes nothing (`ensure_unchanged`).
"""

from __future__ import annotations

import hashlib
import os
import weakref
from dataclasses import dataclass
from pathlib import Path

from xlsync.errors import XlsyncError


@dataclass(frozen=True)
class FileStamp:
    """What identifies one version of a file: size, modification time, content hash."""

    size: int
    mtime_ns: int
    sha256: str


def stamp_of(path: Path, data: bytes | None = None) -> FileStamp:
    """The stamp of `path` now (`data`: its bytes, when the caller has just read them)."""
    info = os.stat(path)
    body = path.read_bytes() if data is None else data
    return FileStamp(info.st_size, info.st_mtime_ns, hashlib.sha256(body).hexdigest())


# workbook object → (path, stamp of the file it was loaded from); weak, so nothing leaks.
_READ: weakref.WeakKeyDictionary[object, tuple[Path, FileStamp]] = weakref.WeakKeyDictionary()


def remember_read(workbook: object, path: Path, stamp: FileStamp) -> None:
    """Record that `workbook` was loaded from `path` as it was at `stamp`."""
    _READ[workbook] = (Path(path), stamp)


def read_stamp(workbook: object, path: Path) -> FileStamp | None:
    """The stamp `workbook` was loaded from, if it was loaded from `path`."""
    found = _READ.get(workbook)
    return found[1] if found and found[0] == Path(path) else None


def ensure_unchanged(path: Path, expected: FileStamp) -> None:
    """Refuse (writing nothing) when `path` is no longer the version that was read."""
    try:
        now = stamp_of(path)
    except FileNotFoundError:
        now = None
    if now != expected:
        raise XlsyncError(
            f"「{path.name}」在 xlsync 写入期间被别的程序更新了（例如网盘同步、微信或 U 盘拷贝）。"
            "为了不覆盖这个新版本，xlsync 没有写入，文件保持对方保存的样子。"
            "请确认这份文件是最新的，再重新运行一次。"
        )
