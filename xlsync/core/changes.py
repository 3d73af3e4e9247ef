"""变更记录: what changed since the previous 汇总 — children added or removed, fields changed,
overdue items that appeared or cleared. Works on small JSON-able snapshots."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import pandas as pd

from xlsync.core.obligations import OVERDUE, Item
from xlsync.schema import STUDENTS

CHANGE_COLUMNS = ("变化", "班级", "学生", "学生编号", "详情")
Snapshot = dict[str, Any]


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


FIELDS = ["班级", *STUDENTS.headers]  # what a snapshot keeps of each child


def child_text(values: Iterable[Any]) -> str:
    """A child's FIELDS as the snapshot keeps them: one JSON text (a twentieth of the memory
    of a dict per child)."""
    return json.dumps([_text(v) for v in values], ensure_ascii=False)


def snapshot(
    children: pd.DataFrame | dict[str, str],
    items: Iterable[Item],
    names: dict[str, tuple[str, str]] | None = None,
) -> Snapshot:
    """What the next run compares with: each child's fields (child_text, in the order of
    "fields"; 全校档案, or its texts made class by class), the overdue item keys, and the
    class and name of every child with an item (`names`, else taken from `items`)."""
    kids = children if isinstance(children, dict) else _texts(children)
    items = list(items)
    overdue = sorted(
        f"{i.child_key}|{i.rule}|{i.period_start}" for i in items if i.status == OVERDUE
    )
    if names is None:
        names = {i.child_key: (i.class_name, i.child) for i in items}
    names_of = {k: list(v) for k, v in names.items()}
    return {"fields": list(FIELDS), "children": kids, "overdue": overdue, "names": names_of}


def _texts(children: pd.DataFrame) -> dict[str, str]:
    columns = zip(children["学生编号"], *(children[f] for f in FIELDS), strict=False)
    return {key: child_text(values) for key, *values in columns}


def _fields(snap: Snapshot, key: str) -> dict[str, str]:
    """One child's fields; a snapshot of an older xlsync keeps them as a dict."""
    child = snap["children"].get(key)
    if child is None or isinstance(child, dict):
        return child or {}
    return dict(zip(snap["fields"], json.loads(child), strict=False))


def _who(snap: Snapshot, key: str) -> tuple[str, str]:
    child = _fields(snap, key)
    if child:
        return child["班级"], child["姓名"]
    return tuple(snap.get("names", {}).get(key, ("", "")))


def changes(before: Snapshot | None, after: Snapshot) -> pd.DataFrame:
    """One row per change; empty (with a note row) on the first run."""
    if before is None:
        return pd.DataFrame(
            [{"变化": "首次汇总", "详情": "以后每次汇总都会在这里列出与上一次相比的变化。"}],
            columns=list(CHANGE_COLUMNS),
        )
    found = []
    old, new = before["children"], after["children"]
    for key in sorted(new.keys() - old.keys()):
        found.append(("新增学生", *_who(after, key), key, ""))
    for key in sorted(old.keys() - new.keys()):
        found.append(("移除学生", *_who(before, key), key, ""))
    for key in sorted(old.keys() & new.keys()):
        if old[key] == new[key]:
            continue
        was, now = _fields(before, key), _fields(after, key)
        diffs = [f"{f}：{was.get(f, '')} → {v}" for f, v in now.items() if was.get(f, "") != v]
        if diffs:
            found.append(("信息变更", *_who(after, key), key, "；".join(diffs)))
    for label, keys, snap in (
        ("新增逾期", set(after["overdue"]) - set(before["overdue"]), after),
        ("逾期解除", set(before["overdue"]) - set(after["overdue"]), before),
    ):
        for entry in sorted(keys):
            key, rule, start = entry.rsplit("|", 2)
            found.append((label, *_who(snap, key), key, f"{rule}（{start} 起的周期）"))
    return pd.DataFrame(found, columns=list(CHANGE_COLUMNS))
