"""`xlsync rollup` with what issue 23.2 and 23.3 add to the county workbook of jobs/rollup.py:
the 重复在籍 sheet (children on file in more than one school, by 县级比对码) and, with
`--parquet DIR`, the combined masked tables as Parquet for DuckDB, Spark or a warehouse."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlsync.core.county import County
from xlsync.core.county_match import (
    DUPLICATE_HEADER,
    DUPLICATES_SHEET,
    KEY_VARIABLE,
    MATCH_SHEET,
    OnFile,
    children_on_file,
    duplicate_count,
    duplicates,
    match_sheet,
    read_key,
    with_pseudonyms,
)
from xlsync.core.normalize import fold
from xlsync.core.tables import Grid
from xlsync.files.protect import reading_exports
from xlsync.files.reader import MAX_UNPACKED, load_grids
from xlsync.jobs.rollup import Progress, RollupResult, rollup
from xlsync.schema import RESULT_SHEETS

CHILDREN = RESULT_SHEETS[RESULT_SHEETS.index("全校档案")]
NO_CODES: Grid = [
    [DUPLICATE_HEADER[0]],
    [
        f"各校文件里都没有县级比对码。请县里给各校同一个密钥（环境变量 {KEY_VARIABLE}），"
        "各校设置后重新运行 xlsync export 再报送，这里就会列出在两所及以上学校在籍的学生。"
    ],
]


@dataclass(frozen=True)
class CountyResult(RollupResult):
    """The rollup's result with the children on file in two schools and the Parquet folder."""

    duplicates: int = 0  # children listed in 重复在籍
    without_codes: tuple[str, ...] = ()  # schools whose file has no 县级比对码
    parquet: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        extra = {
            "duplicates": self.duplicates,
            "schools_without_pseudonyms": list(self.without_codes),
            "parquet": str(self.parquet) if self.parquet else None,
        }
        return {**super().to_dict(), **extra}


def county_rollup(
    folder: Path,
    out: Path | None = None,
    as_of: dt.date | None = None,
    stale_days: int = 14,
    progress: Progress | None = None,
    parquet: Path | None = None,
) -> CountyResult:
    """The rollup of `folder` with 重复在籍 and, when `parquet` is given, the Parquet tables."""
    key = read_key(os.environ)  # only for schools that sent their IDs unmasked
    found: dict[str, Grid] = {}
    without: list[str] = []

    def extra(county: County) -> Mapping[str, Grid]:
        children = list(_on_file(folder, county, key))
        with_codes = {c.school for c in children}
        without.extend(s.name for s in county.schools if s.name not in with_codes)
        found[DUPLICATES_SHEET] = duplicates(children) if children else NO_CODES
        return found

    result = rollup(folder, out, as_of, stale_days, progress, (MATCH_SHEET,), extra)
    if parquet is not None:
        from xlsync.jobs.county_parquet import write_county_parquet

        write_county_parquet(folder, result.county, parquet, key, progress)
    count = duplicate_count(found[DUPLICATES_SHEET])
    return CountyResult(result.county, result.output, count, tuple(without), parquet)


def _on_file(folder: Path, county: County, key: bytes | None) -> Iterator[OnFile]:
    """Every child row with a 县级比对码 in the schools used, from each export's small
    县级比对 sheet; a school that sent its IDs (a master, or a full export made without the
    key) is matched from its 全校档案 when the county's key is set."""
    for school in county.schools:
        grid = school.tables.get(MATCH_SHEET) or []
        if not grid and key is not None and not school.masked:
            typed = _children(folder / school.source)
            grid = match_sheet(with_pseudonyms(typed, typed, key))
        yield from children_on_file(grid, school.name, school.code, school.as_of)


def _children(path: Path) -> Grid:
    """全校档案 of a school file (read only for the few sent unmasked)."""
    with reading_exports():
        grids = load_grids(path, lambda name: fold(name) == fold(CHILDREN), MAX_UNPACKED)
    return next(iter(grids.values()), [])
