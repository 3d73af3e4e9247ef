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
        return fold(self.code) or name_key(self.name)


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
    used: list[SchoolFile] = []
    notices: list[Notice] = []
    for group in _groups(files).values():
        newest, *older = sorted(group, key=_recency, reverse=True)
        used.append(newest)
        notices += _duplicates(newest, older) + _name_variants(newest, group)
    used.sort(key=lambda f: (name_key(f.name), f.code))
    notices += [n for f in used if (n := _stale(f, as_of, stale_days))]
    notices += [_unmasked(f) for f in files if not f.masked]
    notices += _missing(used, previous)
    changes = _changes(used, previous)
    return County(as_of, stale_days, tuple(used), tuple(notices), tuple(bad), changes, not previous)


def _groups(files: Sequence[SchoolFile]) -> dict[str, list[SchoolFile]]:
    """Files by school: by 学校代码; a file without one joins the coded school of its name."""
    coded = {name_key(f.name): fold(f.code) for f in files if fold(f.code)}
    groups: dict[str, list[SchoolFile]] = {}
    for f in files:
        key = fold(f.code) or coded.get(name_key(f.name)) or name_key(f.name)
        groups.setdefault(key, []).append(f)
    return groups


def _recency(f: SchoolFile) -> tuple[dt.date, float]:
    """Newer: the later 汇总 date, then the later file."""
    return f.as_of or dt.date.min, f.modified


def _duplicates(used: SchoolFile, older: Sequence[SchoolFile]) -> list[Notice]:
    return [
        Notice(
            DUPLICATE,
            used.name,
            f.source,
            f.as_of,
            f"同一所学校有两个文件，采用了较新的「{used.source}」"
            f"（汇总截至 {_day(used.as_of)}），这个文件没有使用。",
        )
        for f in older
    ]


def _name_variants(used: SchoolFile, group: Sequence[SchoolFile]) -> list[Notice]:
    """Files of one school whose 学校名称 is written differently from the file used."""
    return [
        Notice(
            NAME_VARIANT,
            used.name,
            f.source,
            f.as_of,
            f"这个文件写的学校名称是「{f.name}」，与「{used.source}」的「{used.name}」"
            + (
                "只差空格或全角、半角字符，已按同一所学校汇总。"
                if name_key(f.name) == name_key(used.name)
                else "不同，但学校代码相同，已按同一所学校汇总。"
            )
            + "请学校在 全校汇总 的 学校信息 表里统一学校名称的写法。",
        )
        for f in group
        if f.name != used.name
    ]


def _stale(f: SchoolFile, as_of: dt.date, stale_days: int) -> Notice | None:
    if f.as_of is None:
        return Notice(STALE, f.name, f.source, None, "文件里看不出汇总日期，请学校重新汇总并导出。")
    age = (as_of - f.as_of).days
    if age <= stale_days:
        return None
    return Notice(
        STALE,
        f.name,
        f.source,
        f.as_of,
        f"汇总截至 {f.as_of}，已过 {age} 天（超过 {stale_days} 天）。请学校重新汇总并导出后再报送。",
    )


def _unmasked(f: SchoolFile) -> Notice:
    what = "完整导出（--full）" if f.kind == EXPORT else "全校汇总原件"
    return Notice(
        UNMASKED,
        f.name,
        f.source,
        f.as_of,
        f"这是{what}，含学生的完整个人信息（身份证号、电话、住址）。已用于汇总；"
        "请学校改用默认的脱敏导出（xlsync export）重新报送，并妥善删除这个文件。",
    )


def _missing(used: Sequence[SchoolFile], previous: Snapshot | None) -> list[Notice]:
    if previous is None:
        return []
    present = {f.key for f in used} | {name_key(f.name) for f in used}
    return [
        Notice(
            MISSING,
            name,
            "",
            None,
            f"上次汇总（截至 {_day(previous.as_of)}）有这所学校，这次没有收到它的文件。",
        )
        for key, (name, _) in previous.schools.items()
        if key not in present
    ]


def _changes(used: Sequence[SchoolFile], previous: Snapshot | None) -> tuple[Change, ...]:
    """Each figure that differs from the previous rollup; a school new this time, once."""
    if previous is None:
        return ()
    found: list[Change] = []
    for f in used:
        before = previous.schools.get(f.key) or previous.schools.get(name_key(f.name))
        if before is None:
            found.append(Change(f.name, NEW_SCHOOL, None, f.source))
            continue
        old, new = before[1].scalars(), f.figures.scalars()
        found += [
            Change(f.name, label, old.get(name), new[name])
            for name, label in FIGURE_LABELS.items()
            if name in COMPARED and old.get(name) != new[name]
        ]
    return tuple(found)


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else "不明"


NEW_SCHOOL = "新报送的学校"
# Chinese column headers of the figures (学校统计, 变更, JSON keys stay the field names)
FIGURE_LABELS: dict[str, str] = {
    "classes": "班级数",
    "children": "学生数",
    "studying": "在读",
    "civil_left_behind": "民政留守",
    "code_left_behind": "学籍留守",
    "complete_rate": "建档率",
    "retention_rate": "巩固率",
    "dropout_month": "控辍保学月份",
    "enrolled": "在籍",
    "dropped_out": "辍学",
    "persuading": "劝返中",
    "returned": "本月返校",
    "incidents": "安全事件",
    "incidents_open": "安全事件未报告",
    "incidents_late": "安全事件迟报",
    "overdue": "已逾期项数",
    "children_overdue": "有逾期的学生",
    "due_soon": "即将到期项数",
    "on_time_rate": "按时完成率",
    "both_parents_away": "父母均外出占比",
    "raised_by_grandparents": "祖辈监护占比",
    "guardian_primary_or_less": "监护人小学及以下占比",
    "teachers_without_child": "未结对教师",
    "errors": "校验错误",
    "warnings": "校验警告",
    "notices": "校验提示",
}
RATE_FIELDS = frozenset(
    {"complete_rate", "retention_rate", "on_time_rate", "both_parents_away"}
    | {"raised_by_grandparents", "guardian_primary_or_less"}
)
COMPARED = frozenset(FIGURE_LABELS) - {"dropout_month"}  # a new month is no change
