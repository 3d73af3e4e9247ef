"""Class workbooks kept in Google Sheets: the same product as the Excel template.

A class spreadsheet holds the tabs 学生档案, 帮扶记录 and 学业帮扶计划. xlsync creates them
(`new-class --google`), reads them with one values:batchGet into the same grids the file
reader gives, and writes its own parts — status columns and 逾期提醒 (`overdue --write`),
cell colours, notes and 校验结果 (`validate --annotate`) — each in one atomic
spreadsheets.batchUpdate. Cells the teacher typed are never written.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

import gspread
import pandas as pd

from xlsync.core.calendar import Rule
from xlsync.core.classbook import ClassBook, assemble_class_book
from xlsync.core.findings import Finding
from xlsync.core.obligations import Item
from xlsync.core.render import class_book as spec
from xlsync.core.render.spec import Mark, SheetSpec
from xlsync.core.status_view import MARKS_SHEET, NO_CONTEXT, NOTE_MARK, StatusContext
from xlsync.core.tables import Table, column_letter
from xlsync.errors import XlsyncError
from xlsync.google import render
from xlsync.google.client import google_errors
from xlsync.google.push import quote
from xlsync.google.sources import PREFIX
from xlsync.schema import (
    CLASS_SHEETS,
    STUDENTS,
    Column,
    Kind,
    Sheet,
)

MARKS_TAB = MARKS_SHEET
REQUIRED_RGB, OPTIONAL_RGB = (0.99, 0.89, 0.84), (0.87, 0.92, 0.97)
ERROR_RGB = tuple(render.rgb(spec.ERROR_FILL).values())  # the colour of an error mark
_NAME = column_letter(STUDENTS.headers.index("姓名") + 1)
ROSTER = f"='{STUDENTS.name}'!{_NAME}2:{_NAME}{STUDENTS.rows + 1}"  # 学生档案's 姓名 cells


def on_sheet(func: Callable[..., Any]) -> Callable[..., Any]:
    """Every API or network failure of `func(client, sid, …)` becomes one Chinese XlsyncError."""

    @functools.wraps(func)
    def guarded(client: gspread.Client, sid: str, *args: Any) -> Any:
        with google_errors(sid):
            return func(client, sid, *args)

    return guarded


def _rgb(colour: tuple[float, float, float]) -> dict[str, float]:
    return dict(zip(("red", "green", "blue"), colour, strict=False))


def _validation(col: Column, teachers: Sequence[str]) -> dict | None:
    if col.roster_list:  # not strict: a group record names several children (16.6)
        return {
            "condition": {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": ROSTER}]},
            "strict": False,
            "showCustomUi": True,
            "inputMessage": (col.hint or "请从下拉中选择学生档案里的姓名")[:255],
        }
    choices = list(col.choices) or (list(teachers) if col.header == "帮扶教师" else [])
    if choices:
        return {
            "condition": {
                "type": "ONE_OF_LIST",
                "values": [{"userEnteredValue": c} for c in choices],
            },
            "strict": col.kind == Kind.ENUM,
            "showCustomUi": True,
            "inputMessage": (col.hint or "请从下拉中选择")[:255],
        }
    if col.kind == Kind.DATE:
        return {
            "condition": {"type": "DATE_IS_VALID"},
            "strict": True,
            "inputMessage": "请按 2026-09-01 的格式填写日期",
        }
    return None


def _number_format(col: Column) -> dict | None:
    if col.kind == Kind.DATE:
        return {"type": "DATE", "pattern": "yyyy-mm-dd"}
    return {"type": "TEXT"} if col.is_text_stored else None


def _tab_requests(sheet_id: int, spec, teachers: Sequence[str]) -> list[dict]:
    width = len(spec.columns)
    requests: list[dict] = [
        {
            "addSheet": {
                "properties": {
                    "sheetId": sheet_id,
                    "title": spec.name,
                    "gridProperties": {
                        "rowCount": spec.rows + 1,
                        "columnCount": width + 12,
                        "frozenRowCount": 1,
                    },
                }
            }
        },
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": [
                    {
                        "values": [
                            {
                                **render.cell(c.header),
                                "userEnteredFormat": {
                                    "textFormat": {"bold": True},
                                    "backgroundColor": _rgb(
                                        REQUIRED_RGB
                                        if c.required or c.required_if
                                        else OPTIONAL_RGB
                                    ),
                                },
                            }
                            for c in spec.columns
                        ]
                    }
                ],
                "fields": "userEnteredValue,userEnteredFormat(textFormat,backgroundColor)",
            }
        },
    ]
    for index, col in enumerate(spec.columns):
        body = {
            "sheetId": sheet_id,
            "startRowIndex": 1,
            "endRowIndex": spec.rows + 1,
            "startColumnIndex": index,
            "endColumnIndex": index + 1,
        }
        rule = _validation(col, teachers)
        if rule:
            requests.append({"setDataValidation": {"range": body, "rule": rule}})
        number = _number_format(col)
        if number:
            requests.append(
                {
                    "repeatCell": {
                        "range": body,
                        "cell": {"userEnteredFormat": {"numberFormat": number}},
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
    return requests


def _tabs(client: gspread.Client, sid: str) -> dict[str, dict]:
    meta = client.http_client.fetch_sheet_metadata(
        sid, params={"fields": "sheets(properties,conditionalFormats)"}
    )
    return {s["properties"]["title"]: s for s in meta.get("sheets", [])}


@on_sheet
def create_class_tabs(client: gspread.Client, sid: str, teachers: Sequence[str]) -> None:
    """Add the three class tabs, formatted like the Excel template, in one atomic request."""
    tabs = _tabs(client, sid)
    clash = [s.name for s in CLASS_SHEETS if s.name in tabs]
    if clash:
        raise XlsyncError(
            f"Google 表格「{sid}」里已经有 {'、'.join(clash)}，xlsync 不会覆盖它们。"
            "请换一个新建的空表格。"
        )
    first = max([t["properties"]["sheetId"] for t in tabs.values()] + [0]) + 1
    requests = [
        r for i, spec in enumerate(CLASS_SHEETS) for r in _tab_requests(first + i, spec, teachers)
    ]
    client.http_client.batch_update(sid, {"requests": requests})


def read_class(client: gspread.Client, sid: str, school_year: int | None = None) -> ClassBook:
    """The class workbook in spreadsheet `sid`, read with one values:batchGet."""
    return assemble_class_book(fetch_class_grids(client, sid), PREFIX + sid, school_year)


@on_sheet
def fetch_class_grids(client: gspread.Client, sid: str) -> dict[str, list[list[Any]]]:
    """The class tabs of spreadsheet `sid` as grids, with one values:batchGet (two for a
    sheet made before template version 2, which lacks its optional tabs)."""
    from gspread.exceptions import APIError

    try:
        return _batch_get(client, sid, CLASS_SHEETS)
    except APIError as error:
        if error.response.status_code != 400:  # 400: a range names a tab that is not there
            raise
    try:
        return _batch_get(client, sid, tuple(s for s in CLASS_SHEETS if s.since == 1))
    except APIError as error:
        if error.response.status_code == 400:
            raise XlsyncError(
                f"Google 表格「{sid}」里缺少 学生档案、帮扶记录 或 学业帮扶计划 工作表。"
                "请用 xlsync new-class --google 创建班级台账。"
            ) from None
        raise


def _batch_get(
    client: gspread.Client, sid: str, sheets: Sequence[Sheet]
) -> dict[str, list[list[Any]]]:
    answer = client.http_client.values_batch_get(
        sid,
        [quote(s.name) for s in sheets],
        params={
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "FORMATTED_STRING",
        },
    )
    return {
        s.name: vr.get("values", [])
        for s, vr in zip(sheets, answer.get("valueRanges", []), strict=False)
    }


# ------------------------------------------------------------------ overdue --write


def table_grid(table: Table) -> list[list[Any]]:
    """The tab's cells as far as `table` knows them (header and raw values), as a grid."""
    width = max(table.positions.values(), default=0)
    header: list[Any] = [None] * width
    for name, number in table.positions.items():
        header[number - 1] = name
    grid: list[list[Any]] = [[] for _ in range(table.header_row - 1)] + [header]
    for row in range(table.header_row + 1, max(table.raw.index, default=0) + 1):
        values: list[Any] = [None] * width
        if row in table.raw.index:
            for name, number in table.positions.items():
                raw = table.raw.at[row, name] if name in table.raw else None
                values[number - 1] = None if raw is None or pd.isna(raw) else raw
        grid.append(values)
    return grid


def _replace_tab(tabs: dict[str, dict], spec: SheetSpec, sheet_id: int) -> list[dict]:
    """Requests that drop the tab of a whole-sheet spec (if any) and add it anew."""
    old = tabs.get(spec.name)
    drop = [{"deleteSheet": {"sheetId": old["properties"]["sheetId"]}}] if old else []
    return [*drop, render.add_tab(sheet_id, spec)]


def _grow(sheet_id: int, grid: dict, spec: SheetSpec) -> list[dict]:
    """Make the tab wide and long enough for `spec`, if it is not."""
    size = {
        "rowCount": max(grid["rowCount"], spec.last_row),
        "columnCount": max(grid["columnCount"], spec.last_column),
    }
    if size == {k: grid[k] for k in size}:
        return []
    props = {"sheetId": sheet_id, "gridProperties": size}
    fields = "gridProperties.rowCount,gridProperties.columnCount"
    return [{"updateSheetProperties": {"properties": props, "fields": fields}}]


@on_sheet
def write_status(
    client: gspread.Client,
    sid: str,
    table: Table,
    rules: Sequence[Rule],
    items: Sequence[Item],
    context: StatusContext = NO_CONTEXT,
) -> None:
    """Status columns of 学生档案 and the 逾期提醒 tab (unreported 安全事件 first), in one
    atomic request."""
    tabs = _tabs(client, sid)
    students = tabs[STUDENTS.name]
    ids = {t: tabs[t]["properties"]["sheetId"] for t in tabs}
    sheet_id = ids[STUDENTS.name]
    block = spec.status_spec(
        table.source_sheet,
        table_grid(table),
        table.header_row,
        table.data.index,
        rules,
        items,
        context.facts,
    )
    requests = _grow(sheet_id, students["properties"]["gridProperties"], block)
    requests += render.clear(block, sheet_id, students.get("conditionalFormats", []))
    requests += render.draw(block, sheet_id, ids)
    todo = spec.todo_spec(items, table.source_sheet, incidents=context.incidents)
    todo_id = max(ids.values()) + 1
    requests += _replace_tab(tabs, todo, todo_id) + render.draw(todo, todo_id, ids)
    client.http_client.batch_update(sid, {"requests": requests})


# ------------------------------------------------------------------ validate --annotate


def _grid_cells(
    client: gspread.Client, sid: str, titles: Sequence[str]
) -> dict[tuple[str, int, int], dict]:
    """(tab, row, column) → {userEnteredValue, note, userEnteredFormat} of every non-empty cell."""
    meta = client.http_client.fetch_sheet_metadata(
        sid,
        params={
            "ranges": [quote(t) for t in titles],
            "includeGridData": "true",
            "fields": "sheets(properties.title,data(startRow,startColumn,"
            "rowData.values(userEnteredValue,note,userEnteredFormat.backgroundColor)))",
        },
    )
    found = {}
    for sheet in meta.get("sheets", []):
        title = sheet["properties"]["title"]
        for data in sheet.get("data", []):
            for r, row in enumerate(data.get("rowData", []), start=data.get("startRow", 0)):
                for c, cell in enumerate(row.get("values", []), start=data.get("startColumn", 0)):
                    if cell:
                        found[(title, r, c)] = cell
    return found


def _ours(cell: dict) -> tuple[bool, bool]:
    """(note written by xlsync, background in xlsync's colours)."""
    note = cell.get("note") or ""
    colour = cell.get("userEnteredFormat", {}).get("backgroundColor")
    return note.startswith(NOTE_MARK), bool(colour) and any(
        all(abs(colour.get(k, 0.0) - v) < 0.01 for k, v in render.rgb(fill).items())
        for fill in (spec.ERROR_FILL, spec.WARNING_FILL)
    )


def _kept(cell: dict) -> dict:
    """The note and background worth restoring later."""
    return {k: cell[k] for k in ("note", "userEnteredFormat") if cell.get(k)}


def _set(sheet_id: int, row: int, column: int, cell: dict) -> dict:
    return {
        "updateCells": {
            "range": {
                "sheetId": sheet_id,
                "startRowIndex": row,
                "endRowIndex": row + 1,
                "startColumnIndex": column,
                "endColumnIndex": column + 1,
            },
            "rows": [{"values": [cell]}],
            "fields": "note,userEnteredFormat.backgroundColor",
        }
    }


def _undo_marks(current: dict, ids: dict[str, int]) -> dict[tuple[str, int, int], dict]:
    """Each cell the last run marked, as it should be now: xlsync's note and colour replaced by
    what was there before, unless the teacher has changed them since."""
    undone = {}
    for (title, row, col), cell in current.items():
        if title != MARKS_TAB or row == 0 or col != 0:
            continue
        tab, r, c, before = json.loads(
            cell.get("userEnteredValue", {}).get("stringValue", "[]") or "[]"
        )
        if tab not in ids:
            continue
        now = current.get((tab, r, c), {})
        our_note, our_colour = _ours(now)
        note = before.get("note") if our_note or not now.get("note") else now["note"]
        fmt = (
            before.get("userEnteredFormat")
            if our_colour or not now.get("userEnteredFormat")
            else now["userEnteredFormat"]
        )
        undone[(tab, r, c)] = {k: v for k, v in (("note", note), ("userEnteredFormat", fmt)) if v}
    return undone


def _marked(before: dict, mark: Mark) -> dict:
    note = before.get("note") or mark.note  # a teacher's own note is never replaced
    return {"note": note, "userEnteredFormat": {"backgroundColor": render.rgb(mark.fill)}}


def _at(address: str) -> tuple[int, int]:
    """0-based (row, column) of an A1 address."""
    letters = address.rstrip("0123456789")
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return int(address[len(letters) :]) - 1, column - 1


@on_sheet
def annotate(
    client: gspread.Client, sid: str, book: ClassBook, findings: Sequence[Finding]
) -> None:
    """Colour and note the offending cells and list the findings in 校验结果, after undoing the
    last run's marks; one atomic request."""
    tabs = _tabs(client, sid)
    ids = {t: tabs[t]["properties"]["sheetId"] for t in tabs}
    current = _grid_cells(
        client, sid, [t for t in (*[s.name for s in CLASS_SHEETS], MARKS_TAB) if t in tabs]
    )
    undone = _undo_marks(current, ids)
    requests = [_set(ids[t], r, c, cell) for (t, r, c), cell in undone.items()]
    state = {**{k: _kept(v) for k, v in current.items()}, **undone}
    remembered = [["xlsync 标记（请勿修改）"]]
    for mark in spec.marks(
        findings, [t.source_sheet for t in book.tables if t.source_sheet in ids]
    ):
        r, c = _at(mark.cell)
        before = state.get((mark.sheet, r, c), {})
        requests.append(_set(ids[mark.sheet], r, c, _marked(before, mark)))
        remembered.append([json.dumps([mark.sheet, r, c, before], ensure_ascii=False)])
    checks = spec.check_spec(findings, list(ids))
    hidden = SheetSpec(MARKS_TAB, remembered, hidden=True)
    next_id = max(ids.values()) + 1
    requests += _replace_tab(tabs, checks, next_id) + render.draw(checks, next_id, ids)
    requests += _replace_tab(tabs, hidden, next_id + 1) + render.draw(hidden, next_id + 1, ids)
    client.http_client.batch_update(sid, {"requests": requests})


def refresh_class(
    client: gspread.Client,
    sid: str,
    book: ClassBook,
    rules: Sequence[Rule],
    items: Sequence[Item],
    findings: Sequence[Finding],
    context: StatusContext = NO_CONTEXT,
) -> None:
    """Everything xlsync writes into a class sheet: status, 逾期提醒 and marks (汇总, 检查台账)."""
    write_status(client, sid, book.students, rules, items, context)
    annotate(client, sid, book, findings)
