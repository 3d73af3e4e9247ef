"""Who a row is about: the key of a child, and which child each 帮扶记录 row names.

A child is identified by 身份证号, else 学籍号, else (班级, 姓名, 出生日期) (DESIGN §2).
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

import pandas as pd

from xlsync.core.idcard import ID_FORM
from xlsync.core.normalize import NAME_SEPARATORS
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


def record_names(text: Any, known: Container[str], given_id: Any = None) -> list[str]:
    """The children a 帮扶记录 row names: one name, or several for a group record (亲情聊天室,
    座谈会, 送温暖 for the class). A text that is a known name is one name, even if a space was
    typed inside it; a row with a 身份证号 names one child."""
    if not _present(text):
        return []
    parts = [part for part in NAME_SEPARATORS.split(text) if part]
    if text in known or _present(given_id) or len(parts) < 2:
        return [text]
    if all(part in known for part in parts) or "".join(parts) not in known:
        return parts
    return ["".join(parts)]


def matches(
    by_name: Mapping[str, list[int]], ids: Mapping[int, Any], name: str, given_id: Any
) -> list[int]:
    """The 学生档案 rows that `name` (with the record's 身份证号, if any) can mean."""
    found = by_name.get(name, [])
    return [r for r in found if ids.get(r) == given_id] if _present(given_id) else found


def names_index(students: pd.DataFrame) -> dict[str, list[int]]:
    by_name: dict[str, list[int]] = {}
    for row, name in students["姓名"].items():
        if _present(name):
            by_name.setdefault(name, []).append(row)
    return by_name


def link_records(students: pd.DataFrame, records: pd.DataFrame) -> pd.Series:
    """For each 帮扶记录 row, the 学生档案 rows it names (each name that means exactly one
    child; a group record names several, an unknown or ambiguous name none)."""
    by_name, ids = names_index(students), dict(students["身份证号"].items())
    linked = [_links(by_name, ids, rec) for _, rec in rows(records)]
    return pd.Series(linked, index=records.index, dtype=object)


def _links(
    by_name: dict[str, list[int]], ids: Mapping[int, Any], rec: Mapping[str, Any]
) -> tuple[int, ...]:
    given = rec.get("身份证号")
    found = [
        matches(by_name, ids, name, given)
        for name in record_names(rec.get("学生姓名"), by_name, given)
    ]
    return tuple(dict.fromkeys(rows[0] for rows in found if len(rows) == 1))


def name_count(students: pd.DataFrame, name: Any) -> int:
    """How many 学生档案 rows carry `name`."""
    return int((students["姓名"] == name).sum()) if _present(name) else 0
