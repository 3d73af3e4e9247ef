"""The county level (issue 23): what one school file tells the county, and the schools of a
folder combined into the tables of the county workbook (县汇总).

Pure: the edge (files/county_reader.py) hands in the grids of the few sheets the county needs;
this module turns them into `SchoolFile`s, picks one file per school and compares the
figures with the previous rollup. Nothing here reads or writes a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from xlsync.core.normalize import fold
from xlsync.core.tables import Grid

EXPORT = "导出"  # SchoolFile.kind: a file `xlsync export` wrote
MASTER = "全校汇总"  # SchoolFile.kind: a school's master itself


@dataclass(frozen=True)
class SchoolFigures:
    """One school's row of 学校统计, as its 概览 and 控辍保学月报 show them (None: not shown)."""

    classes: int | None = None
    children: int | None = None
    studying: int | None = None
    civil_left_behind: int | None = None  # 民政口径 (在读)
    code_left_behind: int | None = None  # 学籍口径 (在读, 代码 1 或 2)
    complete_rate: float | None = None  # 建档率
    retention_rate: float | None = None  # 巩固率
    dropout_month: str | None = None  # the latest month of 控辍保学月报
    enrolled: int | None = None  # 在籍, that month
    dropped_out: int | None = None  # 辍学
    persuading: int | None = None  # 劝返中
    returned: int | None = None  # 本月返校
    incidents: int | None = None  # 安全事件 (counts only)
    incidents_open: int | None = None  # 还没有报告
    incidents_late: int | None = None  # 迟报
    overdue: int | None = None  # 已逾期项数
    children_overdue: int | None = None  # 有逾期帮扶的学生
    due_soon: int | None = None
    on_time_rate: float | None = None  # 本学年按时完成率
    both_parents_away: float | None = None  # 篇六
    raised_by_grandparents: float | None = None
    guardian_primary_or_less: float | None = None
    teachers_without_child: int | None = None
    errors: int | None = None
    warnings: int | None = None
    notices: int | None = None
    on_time_by_rule: Mapping[str, float | None] = field(default_factory=dict)
    overdue_by_rule: Mapping[str, int] = field(default_factory=dict)  # from 逾期清单

    def scalars(self) -> dict[str, Any]:
        """The single-valued figures by field name (what 变更 compares)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("on_time_by_rule", "overdue_by_rule")
        }


@dataclass(frozen=True)
class SchoolFile:
    """What one file of the folder says about its school (fields are stable: add, don't rename).

    `tables` holds the extra sheets a caller asked the reader for (e.g. 全校档案 for the list of
    children on file in two schools, or the Parquet tables), as grids; empty otherwise."""

    source: str  # the file's name as the clerk sees it in the folder
    name: str  # 学校名称 as the school wrote it
    code: str  # 学校代码, '' when the school has not filled it
    school_year: str
    as_of: dt.date | None  # the date the school's 汇总 was computed for (截至)
    kind: str  # EXPORT or MASTER
    masked: bool
    format_version: int  # EXPORT_FORMAT of the export; 0 for a master
    modified: float  # the file's mtime (seconds): breaks a tie between two files
    figures: SchoolFigures
    tables: Mapping[str, Grid] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Who the school is: its 学校代码, else its name with spaces and width folded."""
        return self.code.strip() or name_key(self.name)


@dataclass(frozen=True)
class BadFile:
    """A file of the folder that was not rolled up, and why (Chinese, for the clerk)."""

    source: str
    reason: str


@dataclass(frozen=True)
class Notice:
    """One line of 数据时效: what (a kind below), which school, which file, the detail."""

    kind: str
    school: str
    source: str
    as_of: dt.date | None
    detail: str


STALE, MISSING, DUPLICATE, UNMASKED, BAD, NAME_VARIANT = (
    "汇总过旧",
    "本次未报送",
    "重复报送（未采用）",
    "此文件未脱敏",
    "无法使用",
    "学校名称写法不一",
)


@dataclass(frozen=True)
class Change:
    """One line of 变更: a figure of a school that differs from the previous rollup."""

    school: str
    item: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Snapshot:
    """What the previous rollup of the folder remembered: each school's figures by key."""

    as_of: dt.date | None
    schools: Mapping[str, tuple[str, SchoolFigures]]  # key → (name, figures)


@dataclass(frozen=True)
class County:
    """The combined county: one file per school (the one used) and everything 数据时效 and
    变更 list. The county sheets, the JSON and the Parquet tables are all made from this."""

    as_of: dt.date
    stale_days: int
    schools: tuple[SchoolFile, ...]  # sorted by name
    notices: tuple[Notice, ...]
    bad: tuple[BadFile, ...]
    changes: tuple[Change, ...]
    first_rollup: bool  # no previous rollup in this folder

    @property
    def exit_code(self) -> int:
        """1 when a file could not be used or a school wrote its name two ways, else 0."""
        return 1 if self.bad or any(n.kind == NAME_VARIANT for n in self.notices) else 0


def name_key(name: str) -> str:
    """A school name as compared: NFKC (full-width → half-width) without any whitespace."""
    return fold(name)


def combine(
    files: Sequence[SchoolFile],
    bad: Sequence[BadFile],
    previous: Snapshot | None,
    as_of: dt.date,
    stale_days: int = 14,
) -> County:
    """One school per key (the newest file), with the notices of 数据时效 and the changes."""
    raise NotImplementedError
