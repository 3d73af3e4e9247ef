"""Backups: before xlsync rewrites a workbook in place, the previous file is copied to
.xlsync/备份/ beside it, named with a timestamp; the newest KEEP copies of each file are kept.
`xlsync restore` lists them and puts one back (backing up the current file first)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

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
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target)
    for old in backups_of(path)[KEEP:]:
        old.path.unlink(missing_ok=True)
    return target
