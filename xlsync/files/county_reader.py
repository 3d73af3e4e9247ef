"""Reading one school file of the county's folder (issue 23): an export (`xlsync export`,
masked or full) or a master, reduced to what the county sheets need.

Only 导出信息 / 学校信息, 概览, 控辍保学月报 and 逾期清单 are read (python-calamine, through the
tolerant reader: passwords, zip bombs and damaged files are handled there), plus any sheet a
caller names in `extra_sheets`. Every reason a file cannot be used is an `XlsyncError` whose
message says, in Chinese, what the clerk can ask the school to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from pathlib import Path

from xlsync.core.county import EXPORT, MASTER, SchoolFile
from xlsync.core.county_input import (
    AS_OF,
    CODE,
    DROPOUT,
    EXPORT_FORMAT,
    EXPORT_INFO,
    FORMAT,
    MASKED,
    NAME,
    OVERDUE,
    OVERVIEW,
    YEAR,
    as_of_in_overview,
    figures_of,
    pairs,
)
from xlsync.core.normalize import fold
from xlsync.core.tables import Grid
from xlsync.core.workbook_kind import looks_like_class_book
from xlsync.errors import XlsyncError
from xlsync.files.protect import reading_exports
from xlsync.files.reader import MAX_UNPACKED, load_grids
from xlsync.schema import COUNTY_SHEETS, RESULT_SHEETS, SCHOOL

NEEDED = (EXPORT_INFO, SCHOOL.name, OVERVIEW, DROPOUT, OVERDUE)
REEXPORT = "请学校用新版 xlsync 运行一次汇总，再用 xlsync export 重新导出后报送。"


class CountyWorkbook(XlsyncError):
    """The file is a county workbook (a previous rollup's output), not a school's: skipped."""


def read_school_file(path: Path, extra_sheets: Collection[str] = ()) -> SchoolFile:
    """What `path` says about its school; a file that cannot be used raises XlsyncError."""
    names: list[str] = []
    wanted = {fold(n) for n in (*NEEDED, *extra_sheets)}
    with reading_exports():
        grids = load_grids(path, _noting(names, lambda n: fold(n) in wanted), MAX_UNPACKED)
    grids = {fold(name): grid for name, grid in grids.items()}
    _check_kind(path, names, grids)
    info = pairs(grids.get(EXPORT_INFO) or grids[SCHOOL.name])
    exported = EXPORT_INFO in grids
    name = info.get(NAME, "")
    if not name:
        raise XlsyncError(
            f"「{path.name}」没有填写学校名称（学校信息 表的 学校名称 一行）。{REEXPORT}"
        )
    overview = grids[OVERVIEW]
    return SchoolFile(
        source=path.name,
        name=name,
        code=info.get(CODE, ""),
        school_year=info.get(YEAR, ""),
        as_of=_as_of(info.get(AS_OF, "")) or as_of_in_overview(overview),
        kind=EXPORT if exported else MASTER,
        masked=exported and info.get(MASKED) == "是",
        format_version=_format(path, info) if exported else 0,
        modified=path.stat().st_mtime,
        figures=figures_of(overview, grids.get(DROPOUT), grids.get(OVERDUE)),
        tables={n: grids[fold(n)] for n in extra_sheets if fold(n) in grids},
    )


def _noting(names: list[str], wanted: Callable[[str], bool]) -> Callable[[str], bool]:
    """`wanted`, noting every sheet name it is asked about (load_grids asks about each)."""

    def ask(name: str) -> bool:
        names.append(fold(name))
        return wanted(name)

    return ask


def _check_kind(path: Path, names: list[str], grids: dict[str, Grid]) -> None:
    """Refuse what is not a school's export or master, naming what it is instead."""
    if any(fold(n) in names for n in COUNTY_SHEETS) and OVERVIEW not in names:
        raise CountyWorkbook(f"「{path.name}」是县汇总工作簿，不是学校报送的文件。")
    if OVERVIEW not in grids and looks_like_class_book(names):
        raise XlsyncError(
            f"「{path.name}」是班级台账，不是学校报送的文件。请学校用 xlsync export 导出后报送。"
        )
    if OVERVIEW not in grids:
        raise XlsyncError(f"「{path.name}」不是 xlsync 导出的文件或全校汇总（没有 概览 表）。")
    if EXPORT_INFO not in grids and SCHOOL.name not in grids:
        raise XlsyncError(
            f"「{path.name}」是旧版 xlsync 导出的文件（没有“{EXPORT_INFO}”表），看不出是哪所学校。"
            + REEXPORT
        )
    missing = [n for n in RESULT_SHEETS if fold(n) not in names]
    if EXPORT_INFO not in grids and missing:
        raise XlsyncError(
            f"「{path.name}」是旧版 xlsync 的全校汇总（缺少 {'、'.join(missing)}）。" + REEXPORT
        )


def _format(path: Path, info: dict[str, str]) -> int:
    """The export's format; one this version cannot read is refused."""
    text = info.get(FORMAT, "")
    version = int(text) if text.isdigit() else 0
    if version > EXPORT_FORMAT:
        raise XlsyncError(
            f"「{path.name}」由更新版本的 xlsync 导出（导出格式 {version}），"
            "请县里把 xlsync 升级到最新版后再汇总。"
        )
    if version < EXPORT_FORMAT:
        raise XlsyncError(
            f"「{path.name}」是旧版 xlsync 导出的文件（导出格式 {version}）。{REEXPORT}"
        )
    return version


def _as_of(text: str) -> dt.date | None:
    """A YYYY-MM-DD date, or None."""
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None
