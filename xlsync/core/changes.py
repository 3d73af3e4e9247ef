"""变更记录: what changed since the previous 汇总 — children added or removed, fields changed,
overdue items that appeared or cleared. Works on small JSON-able snapshots."""

from __future__ import annotations

import datetime as dt
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


def snapshot(children: pd.DataFrame, items: list[Item]) -> Snapshot:
    """What the next run compares with: each child's fields, and the overdue item keys."""
    fields = ["班级", *STUDENTS.headers]
    kids = {
        key: {f: _text(v) for f, v in zip(fields, values, strict=False)}
        for key, *values in zip(children["学生编号"], *(children[f] for f in fields), strict=False)
    }
    overdue = sorted(
        f"{i.child_key}|{i.rule}|{i.period_start}" for i in items if i.status == OVERDUE
    )
    names = {i.child_key: (i.class_name, i.child) for i in items}
    return {"children": kids, "overdue": overdue, "names": {k: list(v) for k, v in names.items()}}


def _who(snap: Snapshot, key: str) -> tuple[str, str]:
    child = snap["children"].get(key)
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
        diffs = [
            f"{f}：{old[key].get(f, '')} → {v}"
            for f, v in new[key].items()
            if old[key].get(f, "") != v
        ]
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
