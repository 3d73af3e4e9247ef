"""The children of a class workbook as the obligation engine sees them, with their records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xlsync.core.identity import child_key
from xlsync.core.obligations import Child
from xlsync.core.tables import rows
from xlsync.core.validate import ClassInput


def _records_by_child(item: ClassInput) -> dict[int, dict[str, list[dt.date]]]:
    records = item.book.records.data
    links = item.book.record_links
    found: dict[int, dict[str, list[dt.date]]] = {}
    for children, day, action in zip(links, records["日期"], records["帮扶类型"], strict=False):
        if day is None or action is None:
            continue
        for child in children:  # a group record counts once for each child it names
            found.setdefault(child, {}).setdefault(action, []).append(day)
    for actions in found.values():
        for dates in actions.values():
            dates.sort()
    return found


def _child(item: ClassInput, row: int, data: dict[str, Any], records: dict) -> Child:
    return Child(
        class_name=item.class_name,
        name=data["姓名"] or f"第{row}行",
        row=row,
        key=child_key(data, item.class_name),
        teacher=data["帮扶教师"] or "（未填帮扶教师）",
        file=item.book.file,
        filed=data["建档日期"],
        born=data["出生日期"],
        categories=data["儿童类别"] or (),
        key_support=data["重点帮扶"] == "是",
        struggling=data["学业情况"] == "差",
        status=data["在校状态"],
        records=records.get(row, {}),
        verified=data.get("最近核实日期"),
        tracks_verification="最近核实日期" in item.book.students.positions,
    )


def children_of(item: ClassInput) -> list[Child]:
    """One `Child` per 学生档案 row, in sheet order."""
    records = _records_by_child(item)
    return [_child(item, row, data, records) for row, data in rows(item.book.students.data)]
