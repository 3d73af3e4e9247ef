"""The rollup job (issue 23): every school file of a folder → one county workbook (县汇总).

`collect` reads and combines (no writes); `rollup` also writes the workbook and remembers the
figures for the next run's 变更 (FOLDER/.xlsync/rollup.json). Hooks for more output (the
list of children on file in two schools, Parquet): `extra_sheets` names school sheets the
reader should also load (into SchoolFile.tables), `extra` turns the combined county into more
sheets of the county workbook, and the result carries the `County` for anything else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlsync.core.county import BadFile, County, SchoolFile, combine
from xlsync.core.tables import Grid
from xlsync.errors import XlsyncError
from xlsync.files.county_reader import CountyWorkbook, read_school_file
from xlsync.files.county_state import read_snapshot, write_snapshot
from xlsync.files.county_writer import write_county
from xlsync.schema import COUNTY_FILE

Progress = Callable[[str, int, int, str], None]  # (stage, done, total, current item)
ExtraSheets = Callable[[County], Mapping[str, Grid]]


@dataclass(frozen=True)
class RollupResult:
    """What `rollup` did: the county it combined and the workbook it wrote."""

    county: County
    output: Path

    @property
    def exit_code(self) -> int:
        return self.county.exit_code

    def to_dict(self) -> dict[str, Any]:
        from xlsync.core.county_sheets import county_json

        return {"output": str(self.output), **county_json(self.county)}


def rollup(
    folder: Path,
    out: Path | None = None,
    as_of: dt.date | None = None,
    stale_days: int = 14,
    progress: Progress | None = None,
    extra_sheets: Collection[str] = (),
    extra: ExtraSheets | None = None,
) -> RollupResult:
    """Roll the school files of `folder` up into `out` (default FOLDER/县汇总.xlsx)."""
    out = out or folder / COUNTY_FILE
    if out.suffix.lower() != ".xlsx":
        raise XlsyncError(f"县汇总文件「{out}」应以 .xlsx 结尾。")
    county = collect(folder, as_of, stale_days, progress, extra_sheets, skip=out)
    write_county(out, county, extra(county) if extra else {})
    write_snapshot(folder, county)
    return RollupResult(county, out)


def collect(
    folder: Path,
    as_of: dt.date | None = None,
    stale_days: int = 14,
    progress: Progress | None = None,
    extra_sheets: Collection[str] = (),
    skip: Path | None = None,
) -> County:
    """Read every school file of `folder` and combine them (nothing is written)."""
    paths = school_paths(folder, skip)
    files: list[SchoolFile] = []
    bad: list[BadFile] = []
    for number, path in enumerate(paths, start=1):
        if progress:
            progress("读取学校文件", number, len(paths), path.name)
        try:
            files.append(read_school_file(path, extra_sheets))
        except CountyWorkbook:
            continue  # an earlier 县汇总 kept in the folder
        except XlsyncError as error:
            # the row already names the file: the reason need not repeat its path
            bad.append(BadFile(path.name, _without_name(str(error), path)))
    if not files:
        raise XlsyncError(_nothing_usable(folder, bad))
    return combine(files, bad, read_snapshot(folder), as_of or dt.date.today(), stale_days)


def _without_name(message: str, path: Path) -> str:
    """The reason as a row of its file shows it: 「…/x.xlsx」 is 这个文件 there."""
    return message.replace(f"「{path}」", "这个文件").replace(f"「{path.name}」", "这个文件")


def _nothing_usable(folder: Path, bad: list[BadFile]) -> str:
    """Exit 2: no file of the folder could be rolled up; each says why."""
    if not bad:
        return f"文件夹「{folder}」里没有学校报送的文件（只有以前的县汇总）。"
    reasons = "\n".join(f"  {b.source}：{b.reason}" for b in bad)
    return f"文件夹「{folder}」里的 {len(bad)} 个文件都不能汇总：\n{reasons}"


def school_paths(folder: Path, skip: Path | None = None) -> list[Path]:
    """The files of `folder` (not its sub-folders) a school may have sent; none: exit 2."""
    if not folder.is_dir():
        raise XlsyncError(f"找不到文件夹「{folder}」，请检查路径是否写对。")
    found = sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(("~$", ".", "~"))
        and not (skip is not None and p.resolve() == skip.resolve())
    )
    if not found:
        raise XlsyncError(
            f"文件夹「{folder}」里没有学校报送的文件。请把各校用 xlsync export 导出的 .xlsx 文件"
            "（或全校汇总）放进这个文件夹后再运行。"
        )
    return found
