"""Backups: before xlsync rewrites a workbook in place, the previous file is copied to
.xlsync/备份/ beside it, named with a timestamp; the newest KEEP copies of each file are kept.
`xlsync restore` lists them and puts one back (backing up the current file first)."""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from xlsync.files.disk import disk_error, is_whole_workbook

BACKUP_DIR = Path(".xlsync") / "备份"
KEEP = 10
_STAMP = "%Y%m%d-%H%M%S-%f"
_NAME = re.compile(r"^(?P<stem>.+)\.(?P<stamp>\d{8}-\d{6}-\d{6})(?P<suffix>\.\w+)$")


@dataclass(frozen=True)
class Backup:
    path: Path
    original: Path
    taken: dt.datetime


def folder_of(path: Path) -> Path:
    return path.parent / BACKUP_DIR


def backups_of(path: Path) -> list[Backup]:
    """Backups of `path`, newest first."""
    found = []
    for candidate in folder_of(path).glob(f"{path.stem}.*{path.suffix}"):
        match = _NAME.match(candidate.name)
        if match and match["stem"] == path.stem and match["suffix"] == path.suffix:
            found.append(Backup(candidate, path, dt.datetime.strptime(match["stamp"], _STAMP)))
    return sorted(found, key=lambda b: b.taken, reverse=True)


def back_up(path: Path) -> Path | None:
    """Copy `path` into its backup folder (if it exists) and drop copies beyond KEEP."""
    if not path.is_file():
        return None
    target = folder_of(path) / f"{path.stem}.{dt.datetime.now().strftime(_STAMP)}{path.suffix}"
    try:
        _copy_verified(path, target)
    except OSError as error:
        raise disk_error(target, error) from None
    for old in backups_of(path)[KEEP:]:
        old.path.unlink(missing_ok=True)
    return target


def _copy_verified(path: Path, target: Path) -> None:
    """Copy `path` to `target` atomically (temp, fsync, rename) once the copy is verified to be
    the same bytes and to open as a workbook; a full disk leaves no truncated backup."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(path, temp)  # not its mode: a read-only file's copy must be fsynced
        with temp.open("rb+") as stream:
            os.fsync(stream.fileno())
        times = path.stat()
        os.utime(temp, ns=(times.st_atime_ns, times.st_mtime_ns))
        if temp.stat().st_size != path.stat().st_size or (
            is_whole_workbook(path) and not is_whole_workbook(temp)
        ):
            raise OSError(errno.EIO, "备份副本校验失败")
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
