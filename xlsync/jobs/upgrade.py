"""The upgrade job (`xlsync upgrade`, the 升级台账 double-click): bring each class workbook and
master named by the paths up to the current template (xlsync/files/upgrade.py). A file that
cannot be upgraded (open in Excel, an .xls, content the writer cannot keep) is listed with its
Chinese reason and the others go on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsync.errors import XlsyncError
from xlsync.files.discover import folder_class_files
from xlsync.files.launchers import CHECK_BAT, UPGRADE_BAT, write_check_launchers
from xlsync.files.upgrade import Upgrade, upgrade_workbook
from xlsync.schema import CLASS_DIR, MASTER_FILE

INPUT_EXIT = 2


@dataclass
class UpgradeResult:
    dry_run: bool
    files: list[Upgrade] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    launchers: list[str] = field(default_factory=list)  # class folders given 升级台账

    @property
    def exit_code(self) -> int:
        return INPUT_EXIT if self.failed else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "files": [
                {
                    "file": str(u.path),
                    "kind": "全校汇总" if u.master else "班级台账",
                    "adds": u.gaps.parts(),
                    "upgraded": u.written,
                }
                for u in self.files
            ],
            "failed": self.failed,
            "launchers": self.launchers,
        }


def workbooks(paths: Sequence[Path]) -> list[Path]:
    """The workbooks named by `paths`: files as given; a folder gives its 全校汇总.xlsx (if
    any) and every class workbook in it and its subfolders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            master = path / MASTER_FILE
            found += [master] if master.is_file() else []
            found += folder_class_files(path)
        else:
            found.append(path)
    if not found:
        raise XlsyncError("没有找到要升级的台账。请写出台账文件，或放有台账的文件夹。")
    return list(dict.fromkeys(found))


def upgrade(paths: Sequence[Path], dry_run: bool = False) -> UpgradeResult:
    """Upgrade (or, with `dry_run`, only inspect) every workbook named by `paths`."""
    result = UpgradeResult(dry_run)
    for path in workbooks(paths):
        try:
            if not path.is_file():
                raise XlsyncError(f"找不到文件「{path}」，请核对路径。")
            result.files.append(upgrade_workbook(path, dry_run))
        except XlsyncError as error:
            result.failed.append({"file": str(path), "message": str(error)})
    if not dry_run:
        result.launchers = [str(d) for d in _class_folders(paths) if _give_launchers(d)]
    return result


def _class_folders(paths: Sequence[Path]) -> list[Path]:
    """The class folders among `paths` (or under a school folder): where 检查台账 lives."""
    folders = [f for p in paths if p.is_dir() for f in (p, p / CLASS_DIR)]
    return [f for f in dict.fromkeys(folders) if (f / CHECK_BAT).is_file()]


def _give_launchers(folder: Path) -> bool:
    """A school set up by an earlier version gets 升级台账 beside 检查台账 (True when added)."""
    if (folder / UPGRADE_BAT).is_file():
        return False
    try:
        write_check_launchers(folder)
    except XlsyncError:
        return False  # a read-only folder: the upgrade itself is what matters
    return True
