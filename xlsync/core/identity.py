"""Who a row is about: the key of a child, and which child each 帮扶记录 row names.

A child is identified by 身份证号, else 学籍号, else (班级, 姓名, 出生日期) (DESIGN §2).
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xlsync.core.idcard import ID_FORM
from xlsync.core.normalize import NAME_SEPARATORS


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


@dataclass(frozen=True)
class Mismatch:
    """A 帮扶记录 row linked to a child although its 身份证号 or its 姓名 differs from the
    child's in 学生档案 (`field`); `value` is what the record wrote there."""

    record: int
    child: int
    field: str
    value: str


class Linker:
    """Which 学生档案 rows a name (with the record's 身份证号, if any) can mean.

    A name that means one child links even when the record's ID differs (a mistyped ID in one
    sheet must not hide the child); an unknown name links by an ID that is exactly one child's,
    and so do the rows that write the same unknown name without an ID. Each such link is a
    `Mismatch`, reported once where it most likely lies (checks/links.py), never per row.
    """

    def __init__(self, students: pd.DataFrame, records: pd.DataFrame) -> None:
        self.by_name = names_index(students)
        self.ids = {row: v for row, v in students["身份证号"].items() if _present(v)}
        self.by_id: dict[str, list[int]] = {}
        for row, number in self.ids.items():
            self.by_id.setdefault(number, []).append(row)
        self.aliases = self._aliases(records)
        self._named: dict[tuple, list[tuple[str, list[int]]]] = {}
        self._resolved: dict[tuple, tuple[list[int], str | None]] = {}

    def _aliases(self, records: pd.DataFrame) -> dict[str, int]:
        """Unknown names whose rows with an ID all name one child by that ID."""
        seen: dict[str, set[int]] = {}
        for name, given in zip(*_columns(records, "学生姓名", "身份证号"), strict=True):
            if _present(name) and _present(given) and name not in self.by_name:
                seen.setdefault(name, set()).update(self.by_id.get(given, [-1])[:2])
        return {name: next(iter(c)) for name, c in seen.items() if len(c) == 1 and -1 not in c}

    def named(self, text: Any, given_id: Any) -> list[tuple[str, list[int]]]:
        """Each name a 帮扶记录 row's 学生姓名 gives (`record_names`) with the 学生档案 rows it
        can mean. Remembered per (text, ID): a class's records repeat a few dozen names."""
        key = _key(text, given_id)
        if key not in self._named:
            names = record_names(text, self.by_name, given_id)
            self._named[key] = [(name, matches(self, name, given_id)) for name in names]
        return self._named[key]

    def resolve(self, name: str, given_id: Any) -> tuple[list[int], str | None]:
        """The rows `name` can mean, and the field that disagrees for a single one (or None)."""
        key = _key(name, given_id)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(name, given_id)
        return self._resolved[key]

    def _resolve(self, name: str, given_id: Any) -> tuple[list[int], str | None]:
        found = self.by_name.get(name, [])
        if not _present(given_id):
            if not found and name in self.aliases:
                return [self.aliases[name]], "姓名"
            return found, None
        exact = [r for r in found if self.ids.get(r) == given_id]
        if exact or len(found) > 1:
            return exact, None
        if found:
            return found, "身份证号"
        by_id = self.by_id.get(given_id, [])
        return (by_id, "姓名") if len(by_id) == 1 else ([], None)


def _key(text: Any, given_id: Any) -> tuple:
    """A memo key that tells 1, 1.0 and True apart (equal in Python, not in a cell)."""
    return (type(text), text, type(given_id), given_id)


def _columns(frame: pd.DataFrame, *headers: str) -> list[list[Any]]:
    """Whole columns as plain lists (None for a column the frame lacks): no per-cell pandas."""
    return [frame[h].tolist() if h in frame else [None] * len(frame) for h in headers]


def matches(linker: Linker, name: str, given_id: Any) -> list[int]:
    """The 学生档案 rows that `name` (with the record's 身份证号, if any) can mean."""
    return linker.resolve(name, given_id)[0]


def names_index(students: pd.DataFrame) -> dict[str, list[int]]:
    by_name: dict[str, list[int]] = {}
    for row, name in students["姓名"].items():
        if _present(name):
            by_name.setdefault(name, []).append(row)
    return by_name


def link_records(
    students: pd.DataFrame, records: pd.DataFrame, linker: Linker | None = None
) -> pd.Series:
    """For each 帮扶记录 row, the 学生档案 rows it names (each name that means exactly one
    child; a group record names several, an unknown or ambiguous name none)."""
    linker = linker or Linker(students, records)
    texts, given = _columns(records, "学生姓名", "身份证号")
    linked = [_links(linker, t, g) for t, g in zip(texts, given, strict=True)]
    return pd.Series(linked, index=records.index, dtype=object)


def _links(linker: Linker, text: Any, given: Any) -> tuple[int, ...]:
    found = linker.named(text, given)
    return tuple(dict.fromkeys(meant[0] for _, meant in found if len(meant) == 1))


def link_mismatches(
    students: pd.DataFrame, records: pd.DataFrame, linker: Linker | None = None
) -> list[Mismatch]:
    """Every 帮扶记录 row linked to a child whose 身份证号 or 姓名 it writes differently."""
    linker, found = linker or Linker(students, records), []
    texts, ids = _columns(records, "学生姓名", "身份证号")
    for row, name, given in zip(records.index.tolist(), texts, ids, strict=True):
        if not _present(name):
            continue
        children, field = linker.resolve(str(name), given)
        if field is not None:
            written = given if field == "身份证号" else name
            found.append(Mismatch(row, children[0], field, str(written or "")))
    return found


def name_count(students: pd.DataFrame, name: Any) -> int:
    """How many 学生档案 rows carry `name`."""
    return int((students["姓名"] == name).sum()) if _present(name) else 0
