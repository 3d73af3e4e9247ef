"""`xlsync rollup --parquet DIR` (issue 23.3): the county's combined masked tables as Parquet,
partitioned by school, the hand-off to DuckDB, Spark or a province's warehouse.

DIR/schools (学校统计), DIR/children (全校档案), DIR/records (帮扶记录汇总) and DIR/overdue
(逾期清单), each hive-partitioned: DIR/children/学校=<name>/part-<n>-0.parquet. The schools'
sheets are read again one school at a time (memory stays that of one school), masked again
(core/county_tables.py) and written; the four folders replace the previous run's only when
all are written.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xlsync.core.county import County
from xlsync.core.county_match import PSEUDONYM_HEADER, with_pseudonyms
from xlsync.core.county_sheets import school_table
from xlsync.core.county_tables import (
    DATE,
    NUMBER,
    PARTITION,
    SCHOOLS_TABLE,
    TABLES,
    masked_again,
    school_columns,
    typed_columns,
)
from xlsync.core.normalize import fold
from xlsync.errors import XlsyncError
from xlsync.files.protect import reading_exports
from xlsync.files.reader import MAX_UNPACKED, load_grids
from xlsync.jobs.rollup import Progress

CHILDREN = fold(TABLES["children"])
Columns = Mapping[str, tuple[str, list[Any]]]


def write_county_parquet(
    folder: Path, county: County, target: Path, key: bytes | None, progress: Progress | None
) -> None:
    """Write the Parquet tables of `county` (the files of `folder` it used) into `target`.
    IDs that arrive unmasked become pseudonyms with the county's key, else a key of this run."""
    county_key, key = key, key or secrets.token_bytes(32)
    partial = target.parent / f".{target.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    _write(partial / SCHOOLS_TABLE, school_columns(school_table(county)), "part-0")
    for number, school in enumerate(county.schools):
        if progress:
            progress("写出 Parquet", number + 1, len(county.schools), school.source)
        grids = _read(folder / school.source)
        if county_key and not school.masked:  # IDs sent unmasked: hashed as the export would
            grids[CHILDREN] = with_pseudonyms(grids[CHILDREN], grids[CHILDREN], county_key)
        for table, sheet in TABLES.items():
            grid = masked_again(grids.get(fold(sheet)) or [[]], key)
            columns = dict(typed_columns(grid, school.name, school.code))
            if table == "children":  # every school's file has it, filled or not (one schema)
                columns.setdefault(PSEUDONYM_HEADER, ("text", [None] * (len(grid) - 1)))
            _write(partial / table, columns, f"part-{number}")
    _replace(partial, target)


def _read(path: Path) -> dict[str, Any]:
    """The three sheets of a school file, by folded name; 全校档案 always there (maybe empty)."""
    wanted = {fold(sheet) for sheet in TABLES.values()}
    with reading_exports():
        grids = load_grids(path, lambda name: fold(name) in wanted, MAX_UNPACKED)
    found = {fold(name): grid for name, grid in grids.items()}
    found.setdefault(CHILDREN, [])
    return found


def _write(folder: Path, columns: Columns, basename: str) -> None:
    """Rows into `folder`/学校=<name>/<basename>-0.parquet, one file per school (the schools
    table: all rows in one file per school too). The name stays as it is in the path (UTF-8),
    as Hive and Spark write it: their readers decode %XX byte by byte, so the percent-encoding
    pyarrow's dataset writer always applies would bring a Chinese name back garbled."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {DATE: pa.date32(), NUMBER: pa.float64()}
    schools = columns[PARTITION][1]
    for school in dict.fromkeys(schools):
        rows = [at for at, name in enumerate(schools) if name == school]
        table = pa.table(
            {
                name: pa.array([values[at] for at in rows], type=types.get(kind, pa.string()))
                for name, (kind, values) in columns.items()
                if name != PARTITION
            }
        )
        part = folder / f"{PARTITION}={_path_safe(school)}"
        part.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, part / f"{basename}-0.parquet")


def _path_safe(name: Any) -> str:
    """A school name usable as one folder name (a slash would make two)."""
    return str(name).replace("/", "／").replace("\\", "＼")


def _replace(partial: Path, target: Path) -> None:
    """The new tables in place of the previous run's (other files in `target` are kept)."""
    try:
        target.mkdir(parents=True, exist_ok=True)
        for table in (SCHOOLS_TABLE, *TABLES):
            shutil.rmtree(target / table, ignore_errors=True)
            (partial / table).rename(target / table)
    except OSError as error:
        raise XlsyncError(
            f"无法写入 Parquet 文件夹「{target}」：{error.strerror or error}"
        ) from None
    finally:
        shutil.rmtree(partial, ignore_errors=True)
