"""The county's tables as they go to Parquet (issue 23.3): masked again whatever the school
sent, and typed by column so every school's file has the same schema (DuckDB, Spark and a
warehouse read all schools' files as one table). Pure: grids in, columns of plain values out.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from xlsync.core.county_match import PSEUDONYM_HEADER
from xlsync.core.incidents import RULE as INCIDENT_RULE
from xlsync.core.masking import (
    ADDRESS_COLUMNS,
    BIRTH_COLUMNS,
    ILLNESS_COLUMNS,
    PSEUDONYM_COLUMNS,
    TEXT_CHANGED,
    mask_cell,
    mask_rows,
)
from xlsync.core.tables import Grid
from xlsync.schema import CLASS_SHEETS, Kind

# Parquet folder (English, for SQL) → the school sheet it holds
TABLES = {"children": "全校档案", "records": "帮扶记录汇总", "overdue": "逾期清单"}
SCHOOLS_TABLE = "schools"  # 学校统计, one row per school
PARTITION = "学校"  # the hive partition column (学校=<name>/part-….parquet)
CODE = "学校代码"
DATE, NUMBER, TEXT = "date", "number", "text"
_DATES = {c.header for s in CLASS_SHEETS for c in s.columns if c.kind == Kind.DATE}
_TYPES = {
    **dict.fromkeys(_DATES | {"开始日期", "截止日期", "汇总截至"}, DATE),
    **dict.fromkeys(("逾期项数", "逾期天数", "来源行", "监护人年龄"), NUMBER),
    "出生日期": NUMBER,  # masked to the year of birth
}
# values that are already a masked form: kept as sent (masking them again would lose the
# school's pseudonym, which links 帮扶记录汇总 and 逾期清单 rows to 全校档案)
_BY_HEADER = frozenset(
    (
        *PSEUDONYM_COLUMNS,
        *BIRTH_COLUMNS,
        *ILLNESS_COLUMNS,
        *ADDRESS_COLUMNS,
        "详情",
        PSEUDONYM_HEADER,
    )
)
_MASKED_FORMS = re.compile(r"^(?:P[0-9a-f]{12}|C[0-9a-f]{16}|1[3-9]\d\*{4}\d{4})$")


def masked_again(grid: Grid, key: bytes) -> list[list[Any]]:
    """`grid` with every cell masked by what it is (the export's policy, masking.mask_rows),
    except values already in a masked form; a 县级比对码 that is not one is dropped. Only the
    cells masking would change are masked one by one (see `_to_mask`): a masked export's
    56,000 records take a fraction of a second instead of half a minute."""
    if not grid:
        return []
    header = [str(h) if h is not None else "" for h in grid[0]]
    masked = [list(grid[0]), *([*r, *[None] * (len(header) - len(r))] for r in grid[1:])]
    for i, name in enumerate(header):
        column = [row[i] for row in masked[1:]]
        for at in _to_mask(column, name):
            masked[at + 1][i] = _masked_cell(column[at], name, key)
    _incident_rows(header, grid, masked, key)
    return masked


def _to_mask(column: Sequence[Any], header: str) -> Iterable[int]:
    """The rows of a column whose value masking may change: every filled cell of a column
    masked by its header, else the texts masking.TEXT_CHANGED finds (one scan of the column
    joined by NULs, which no pattern crosses) and the numbers long enough to be an ID."""
    if header in _BY_HEADER:
        return [at for at, v in enumerate(column) if v not in (None, "")]
    texts = [v if isinstance(v, str) else "" for v in column]
    starts = list(itertools.accumulate((len(t) + 1 for t in texts), initial=0))
    found = {
        bisect.bisect_right(starts, m.start()) - 1 for m in TEXT_CHANGED.finditer("\0".join(texts))
    }
    found.update(
        at
        for at, v in enumerate(column)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= 1_000_000
    )
    return sorted(found)


def _masked_cell(value: Any, header: str, key: bytes) -> Any:
    if isinstance(value, str) and _MASKED_FORMS.match(value):
        return value
    if header == PSEUDONYM_HEADER:
        return None
    return mask_cell(value, header, key)


def _incident_rows(header: list[str], grid: Grid, masked: list[list[Any]], key: bytes) -> None:
    """逾期清单's lines about a 安全事件 name the child by the incident pseudonym (mask_rows'
    row-level rule; in a masked export they already do, and the pseudonym is kept)."""
    if "帮扶事项" not in header or "学生" not in header:
        return
    rule, child = header.index("帮扶事项"), header.index("学生")
    for row, out in zip(grid[1:], masked[1:], strict=True):
        if out[rule] == INCIDENT_RULE and not _MASKED_FORMS.match(str(out[child] or "")):
            out[child] = mask_rows([header, list(row)], key)[1][child]


def column_type(header: str) -> str:
    """How a column is stored: dates as dates, the few counts as numbers, the rest as text."""
    return _TYPES.get(header, TEXT)


def typed_columns(grid: Grid, school: str, code: str) -> dict[str, tuple[str, list[Any]]]:
    """{header: (type, values)} of a school's sheet typed by column_type, with 学校 and
    学校代码 on every row (blank and repeated headers are left out; 学校 is the partition)."""
    columns: dict[str, tuple[str, list[Any]]] = {}
    header = [str(h) if h is not None else "" for h in grid[0]] if grid else []
    for i, name in enumerate(header):
        if name and name not in columns and name not in (PARTITION, CODE):
            kind = column_type(name)
            columns[name] = kind, [_typed(r[i] if i < len(r) else None, kind) for r in grid[1:]]
    rows = max(len(grid) - 1, 0)
    columns[CODE] = TEXT, [code or None] * rows
    columns[PARTITION] = TEXT, [school] * rows
    return columns


def school_columns(table: Sequence[Sequence[Any]]) -> dict[str, tuple[str, list[Any]]]:
    """学校统计 (one table, written once) without its 合计 row, each column typed by its
    values: numbers where every value is one, else text; 汇总截至 a date."""
    header, *rows = [list(r) for r in table if not (r and str(r[0]).startswith("合计"))]
    columns: dict[str, tuple[str, list[Any]]] = {}
    for i, name in enumerate(str(h) for h in header):
        values = [r[i] if i < len(r) else None for r in rows]
        kind = column_type(name) if name in _TYPES else _inferred(values)
        columns[name] = kind, [_typed(v, kind) for v in values]
    return columns


def _inferred(values: Sequence[Any]) -> str:
    filled = [v for v in values if v is not None and v != ""]
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in filled)
    return NUMBER if filled and numbers else TEXT


def _typed(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return None
    if kind == DATE:
        return _date(value)
    if kind == NUMBER:
        return _number(value)
    return _text(value)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None  # not a date (the workbook shows what was typed)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
