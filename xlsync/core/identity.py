"""Who a row is about: the key of a child, and which child each 帮扶记录 row names.

A child is identified by 身份证号, else 学籍号, else (班级, 姓名, 出生日期) (DESIGN §2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from xlsync.core.idcard import ID_FORM
from xlsync.core.tables import rows


def _present(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def child_key(row: Mapping[str, Any], class_name: str) -> str:
    """A stable key for a child row of 学生档案."""
    if _present(row.get("身份证号")) and ID_FORM.match(row["身份证号"]):
        return f"身份证:{row['身份证号']}"
    if _present(row.get("学籍号")):
        return f"学籍号:{row['学籍号']}"
    birth = row.get("出生日期")
    return f"{class_name}|{row.get('姓名') or ''}|{birth.isoformat() if birth else ''}"


def link_records(students: pd.DataFrame, records: pd.DataFrame) -> pd.Series:
    """For each 帮扶记录 row, the 学生档案 row number it names, or None (unknown/ambiguous)."""
    by_name: dict[str, list[int]] = {}
    for row, name in students["姓名"].items():
        if _present(name):
            by_name.setdefault(name, []).append(row)
    ids = dict(students["身份证号"].items())
    linked = [_match(by_name, ids, rec) for _, rec in rows(records)]
    return pd.Series(linked, index=records.index, dtype=object)


def _match(
    by_name: dict[str, list[int]], ids: Mapping[int, Any], rec: Mapping[str, Any]
) -> int | None:
    rows = by_name.get(str(rec.get("学生姓名")), [])
    if _present(rec.get("身份证号")):
        rows = [r for r in rows if ids.get(r) == rec["身份证号"]]
    return rows[0] if len(rows) == 1 else None


def name_count(students: pd.DataFrame, name: Any) -> int:
    """How many 学生档案 rows carry `name`."""
    return int((students["姓名"] == name).sum()) if _present(name) else 0
