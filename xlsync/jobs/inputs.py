"""Load what every reading job needs: the school configuration and the class workbooks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from xlsync.core.config import SchoolConfig, default_config
from xlsync.core.school_year import school_year_of
from xlsync.core.validate import ClassInput
from xlsync.errors import XlsyncError
from xlsync.files.discover import class_files, class_name_for, find_master
from xlsync.files.reader import read_class_workbook
from xlsync.files.school import read_master
from xlsync.schema import MASTER_FILE


@dataclass
class Inputs:
    """The configuration, the class workbooks read, and those that could not be read."""

    master: Path | None
    config: SchoolConfig
    items: list[ClassInput] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load_config(master: Path | None, paths: Sequence[Path], as_of: dt.date,
                cwd: Path) -> tuple[Path | None, SchoolConfig, list[str]]:
    """The master found for these paths and its configuration, or the seed defaults."""
    found = find_master(master, paths, cwd)
    if found is None:
        note = (f"没有找到 {MASTER_FILE}，按默认帮扶规则和 {school_year_of(as_of)} 学年的默认学期计算，"
                "也不核对帮扶教师是否为本校教师。可用 --master 指定全校汇总工作簿。")
        return None, default_config(as_of), [note]
    return found, read_master(found), []


def load_inputs(paths: Sequence[Path], master: Path | None, as_of: dt.date,
                cwd: Path | None = None) -> Inputs:
    """Read every class workbook named by `paths`; an unreadable one is listed, not fatal."""
    found, config, notes = load_config(master, paths, as_of, cwd or Path.cwd())
    inputs = Inputs(found, config, notes=notes)
    for path in class_files(paths):
        try:
            book = read_class_workbook(path)
        except XlsyncError as error:
            inputs.failed.append({"file": str(path), "message": str(error)})
            continue
        inputs.items.append(ClassInput(book, class_name_for(path, config, found)))
    return inputs


def write_each(inputs: Inputs, write: Callable[[ClassInput], None]) -> list[str]:
    """Call `write` for each class workbook; a refused write is listed, not fatal."""
    written = []
    for item in inputs.items:
        try:
            write(item)
        except XlsyncError as error:
            inputs.failed.append({"file": item.book.file, "message": str(error)})
        else:
            written.append(item.book.file)
    return written
