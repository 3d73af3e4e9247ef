"""Load what every reading job needs: the school configuration and the class workbooks, from
files or from Google Sheets (`gsheet:ID` or a Sheets URL, wherever a file may be named)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlsync.core.calendar import read_calendar
from xlsync.core.config import SchoolConfig, default_config
from xlsync.core.school_year import school_year_of
from xlsync.core.upgrade import master_finding
from xlsync.core.validate import ClassInput
from xlsync.errors import XlsyncError
from xlsync.files.discover import class_files, class_name_for, find_master
from xlsync.files.reader import read_class_workbook
from xlsync.files.school import read_master
from xlsync.google.sources import PREFIX, google_id
from xlsync.schema import CLASSES, MASTER_FILE

if TYPE_CHECKING:
    import requests


@dataclass
class Google:
    """How to reach Google Sheets for class workbooks kept there; the client is made on use."""

    credentials: Path | None = None
    session: requests.Session | None = None
    _client: Any = None

    def client(self) -> Any:
        if self._client is None:
            from xlsync.google.client import open_client

            self._client = open_client(self.credentials, self.session)
        return self._client


@dataclass
class Inputs:
    """The configuration, the class workbooks read, and those that could not be read."""

    master: Path | None
    config: SchoolConfig
    items: list[ClassInput] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    google: Google = field(default_factory=Google)


def load_config(
    master: Path | None, paths: Sequence[Path], as_of: dt.date, cwd: Path
) -> tuple[Path | None, SchoolConfig, list[str]]:
    """The master found for these paths and its configuration, or the seed defaults."""
    found = find_master(master, paths, cwd)
    if found is None:
        note = (
            f"没有找到 {MASTER_FILE}，按默认帮扶规则和 {school_year_of(as_of)} 学年的默认学期计算，"
            "也不核对帮扶教师是否为本校教师。可用 --master 指定全校汇总工作簿。"
        )
        return None, default_config(as_of), [note]
    config = read_master(found)
    outdated = master_finding(config)  # issue 19.7: the master's own 提示, as a note
    return found, config, [outdated.message] if outdated else []


def first_year(config: SchoolConfig, as_of: dt.date) -> int:
    """The first calendar year of the school year: from the 学期 sheet, else from as-of (a
    学期 sheet that cannot be read is reported by the commands that need it)."""
    try:
        return read_calendar(config).first_year
    except XlsyncError:
        return int(school_year_of(as_of)[:4])


def google_classes(config: SchoolConfig) -> list[tuple[str, str]]:
    """(spreadsheet id, 班级) of every class whose 台账来源 is a Google Sheet."""
    classes = config.table(CLASSES).data
    return [
        (sid, str(name))
        for name, source in zip(classes["班级"], classes["台账来源"], strict=False)
        if name and source and (sid := google_id(source))
    ]


def _google_class_name(sid: str, config: SchoolConfig) -> str:
    return next((name for found, name in google_classes(config) if found == sid), PREFIX + sid)


def load_inputs(
    paths: Sequence[Path],
    master: Path | None,
    as_of: dt.date,
    cwd: Path | None = None,
    google: Google | None = None,
) -> Inputs:
    """Read every class workbook named by `paths`; an unreadable one is listed, not fatal."""
    sheets = [sid for p in paths if (sid := google_id(str(p)))]
    files = [p for p in paths if not google_id(str(p))]
    found, config, notes = load_config(master, files, as_of, cwd or Path.cwd())
    inputs = Inputs(found, config, notes=notes, google=google or Google())
    year = first_year(config, as_of)
    for path in class_files(files) if files or not sheets else []:
        _add(
            inputs,
            str(path),
            partial(read_class_workbook, path, None, year),
            partial(class_name_for, path, config, found),
        )
    for sid in sheets:
        _add(
            inputs,
            PREFIX + sid,
            partial(_read_sheet, inputs.google, sid, year),
            partial(_google_class_name, sid, config),
        )
    return inputs


def _read_sheet(google: Google, sid: str, year: int) -> Any:
    from xlsync.google.class_sheets import (
        read_class,  # gspread: imported only when used
    )

    return read_class(google.client(), sid, year)


def _add(inputs: Inputs, source: str, read: Callable[[], Any], name: Callable[[], str]) -> None:
    try:
        book = read()
    except XlsyncError as error:
        inputs.failed.append({"file": source, "message": str(error)})
    else:
        inputs.items.append(ClassInput(book, name()))


def write_each(
    inputs: Inputs,
    to_file: Callable[[ClassInput, Path], object],
    to_sheet: Callable[[ClassInput, Any, str], None],
) -> list[str]:
    """Write back into each class workbook — a file, or a Google Sheet through the client;
    a refused write is listed, not fatal."""
    written = []
    for item in inputs.items:
        sid = google_id(item.book.file)
        try:
            if sid:
                to_sheet(item, inputs.google.client(), sid)
            else:
                to_file(item, Path(item.book.file))
        except XlsyncError as error:
            inputs.failed.append({"file": item.book.file, "message": str(error)})
        else:
            written.append(item.book.file)
    return written
