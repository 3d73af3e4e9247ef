"""The children of a class workbook as the obligation engine sees them, with their records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xlsync.core.dropout import Absence, report_dates
from xlsync.core.identity import child_key
from xlsync.core.obligations import Child
from xlsync.core.tables import rows
from xlsync.core.validate import ClassInput
from xlsync.schema import REPORT_ACTION


def _records_by_child(item: ClassInput) -> dict[int, dict[str, list[dt.date]]]:
    records = item.book.records.data
    links = item.book.record_links
    found: dict[int, dict[str, list[dt.date]]] = {}
    days, actions = records["日期"].tolist(), records["帮扶类型"].tolist()  # not pandas' boxing
    for children, day, action in zip(links, days, actions, strict=False):
        if day is None or action is None:
            continue
        for child in children:  # a group record counts once for each child it names
            found.setdefault(child, {}).setdefault(action, []).append(day)
    for actions in found.values():
        for dates in actions.values():
            dates.sort()
    return found


def _absences_by_child(item: ClassInput) -> dict[int, tuple[Absence, ...]]:
    """缺勤与劝返 rows by the 学生档案 row of the child they name (a name that is unknown or
    shared is reported by validation and counted for nobody)."""
    students = item.book.students.data["姓名"]
    rows_of: dict[Any, list[int]] = {}
    for row, name in students.items():
        rows_of.setdefault(name, []).append(row)
    found: dict[int, tuple[Absence, ...]] = {}
    for _, a in rows(item.book.absences.data):
        where = rows_of.get(a["学生姓名"], [])
        if len(where) == 1 and a["缺勤开始日期"] and a["缺勤天数"]:
            absence = Absence(
                a["缺勤开始日期"],
                a["缺勤天数"],
                a["结果"] or "劝返中",
                a["劝返日期"],
                a["书面报告日期"],
            )
            found[where[0]] = (*found.get(where[0], ()), absence)
    return found


def _with_reports(records: dict[str, list[dt.date]], absences: tuple) -> dict:
    """The child's records plus the 书面报告 of its 缺勤与劝返 rows (a 书面报告 rule's records)."""
    reports = report_dates(absences)
    return {**records, REPORT_ACTION: reports} if reports else records


def _child(
    item: ClassInput, row: int, data: dict[str, Any], records: dict, absences: tuple
) -> Child:
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
        records=_with_reports(records.get(row, {}), absences),
        verified=data.get("最近核实日期"),
        tracks_verification="最近核实日期" in item.book.students.positions,
        absences=absences,
    )


def children_of(item: ClassInput) -> list[Child]:
    """One `Child` per 学生档案 row, in sheet order."""
    records, absences = _records_by_child(item), _absences_by_child(item)
    return [
        _child(item, row, data, records, absences.get(row, ()))
        for row, data in rows(item.book.students.data)
    ]
