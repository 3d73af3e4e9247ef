"""The school configuration (DESIGN §3): the master's 学校信息, 学期, 教师, 班级, 帮扶规则, 节日.

Built from grids like a class workbook, or from the seed defaults when a school has no
master yet (`default_config`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xlsync.core.findings import Finding
from xlsync.core.normalize import clean_text, fold, is_blank
from xlsync.core.render.spec import Caption
from xlsync.core.school_year import default_holidays, default_terms, school_year_of
from xlsync.core.tables import Grid, Table, build_table, empty_table
from xlsync.errors import XlsyncError
from xlsync.schema import (
    CLASS_DIR,
    CLASSES,
    HOLIDAYS,
    MASTER_CONFIG_SHEETS,
    PAIRING_LIMIT_DEFAULT,
    PAIRING_LIMIT_SETTING,
    RULES,
    SCHOOL,
    SCHOOL_FIELDS,
    TEACHERS,
    TERMS,
    Kind,
    Sheet,
)

LEFT_BEHIND_DEFAULTS = ("3", "30")  # issue 19.1/19.2: 学籍留守外出月数, 委托书面告知期限天数


@dataclass
class SchoolConfig:
    """Typed configuration tables, plus where they came from (None: the seed defaults)."""

    source: str | None
    info: dict[str, str]
    tables: dict[str, Table]
    findings: list[Finding] = field(default_factory=list)
    derived: dict[str, Any] = field(
        default_factory=dict, repr=False, compare=False
    )  # lookups built once

    def table(self, sheet: Sheet) -> Table:
        return self.tables[sheet.name]

    @property
    def teacher_names(self) -> list[str]:
        names = self.table(TEACHERS).data["姓名"]
        return [n for n in names if isinstance(n, str) and n]

    def caption(self, class_name: str, as_of: dt.date) -> Caption:
        """What each printed page of a class's sheets says it is (the footer)."""
        return Caption(self.info.get("学校名称") or "", "", class_name, as_of.isoformat())

    @property
    def class_dir(self) -> str:
        return self.info.get("班级台账目录") or CLASS_DIR


def _info(grid: Grid) -> dict[str, str]:
    """学校信息 is a two-column list of (项目, 内容)."""
    info = {}
    for row in grid:
        if len(row) >= 2 and not is_blank(row[0]):
            key = fold(row[0])
            info[key] = "" if is_blank(row[1]) else clean_text(row[1])
    return {name: info.get(fold(name), "") for name in SCHOOL_FIELDS}


_CONFIG_NAMES = frozenset(s.name for s in MASTER_CONFIG_SHEETS)


def is_config_sheet(name: str) -> bool:
    """A master sheet that holds configuration (not one 汇总 rebuilds or the lead added)."""
    return fold(name) in _CONFIG_NAMES


def assemble_config(grids: Mapping[str, Grid], file: str | None) -> SchoolConfig:
    """The configuration held by the sheets of a master workbook."""
    by_name = {fold(name): grid for name, grid in grids.items()}
    tables: dict[str, Table] = {}
    for spec in MASTER_CONFIG_SHEETS:
        grid = by_name.get(spec.name)
        table = build_table(grid, spec, file or "", spec.name) if grid is not None else None
        tables[spec.name] = table or empty_table(spec, file or "")
    info = _info(by_name.get(SCHOOL.name, []))
    findings = [f for t in tables.values() for f in t.findings if t.spec is not SCHOOL]
    return SchoolConfig(file, info, tables, findings)


def default_grids(school: str, year: str) -> dict[str, Grid]:
    """The grids of a fresh master: seed rules, default terms and holidays, no teachers yet."""

    def sheet(spec: Sheet, rows: list) -> list[list[object]]:
        return [list(spec.headers), *[list(r) for r in rows]]

    values = (school, year, CLASS_DIR, "", "", "是", "是", str(PAIRING_LIMIT_DEFAULT))
    values_all = (*values, *LEFT_BEHIND_DEFAULTS, "")  # 19.1/19.2; 23: 学校代码 blank
    info = list(zip(SCHOOL_FIELDS, values_all, strict=True))
    return {
        SCHOOL.name: sheet(SCHOOL, info),
        TERMS.name: sheet(TERMS, default_terms(year)),
        TEACHERS.name: sheet(TEACHERS, []),
        CLASSES.name: sheet(CLASSES, []),
        RULES.name: sheet(RULES, [_typed_rule(row) for row in RULES.defaults]),
        HOLIDAYS.name: sheet(HOLIDAYS, default_holidays(year)),
    }


def _typed_rule(row: tuple[str, ...]) -> list[object]:
    """A default rule row with its whole-number columns as numbers, as Excel would hold them."""
    return [
        int(v) if col.kind == Kind.INT and v else v or None
        for col, v in zip(RULES.columns, row, strict=False)
    ]


def pairing_limit(config: SchoolConfig) -> int:
    """学校信息's 每名教师最多结对人数 (篇四: 4–6); blank or missing (an older master): 6."""
    text = config.info.get(PAIRING_LIMIT_SETTING, "").rstrip("名人个 ")
    if not text:
        return PAIRING_LIMIT_DEFAULT
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise XlsyncError(
            f"全校汇总「{SCHOOL.name}」表的「{PAIRING_LIMIT_SETTING}」填的是"
            f"「{config.info[PAIRING_LIMIT_SETTING]}」，请填 1–99 的整数（如 6），或空着按 6 算。"
        )
    return int(text)


def default_config(as_of: dt.date) -> SchoolConfig:
    """The seed defaults of DESIGN §3 for the school year of `as_of` (no master found)."""
    return assemble_config(default_grids("", school_year_of(as_of)), None)
