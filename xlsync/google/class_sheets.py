"""Class workbooks kept in Google Sheets: the same product as the Excel template.

A class spreadsheet holds the tabs 学生档案, 帮扶记录 and 学业帮扶计划. xlsync creates them
(`new-class --google`), reads them with one values:batchGet into the same grids the file
reader gives, and writes its own parts — status columns and 逾期提醒 (`overdue --write`),
cell colours, notes and 校验结果 (`validate --annotate`) — each in one atomic
spreadsheets.batchUpdate. Cells the teacher typed are never written.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

import gspread

from xlsync.core.calendar import Rule
from xlsync.core.classbook import ClassBook, assemble_class_book
from xlsync.core.findings import ERROR, Finding
from xlsync.core.obligations import Item
from xlsync.core.status_view import (
    NOTE_MARK,
    OWNED_HEADER,
    check_rows,
    status_block,
    todo_rows,
)
from xlsync.core.tables import Table
from xlsync.errors import XlsyncError
from xlsync.google.client import google_errors
from xlsync.google.push import COLOURS, quote
from xlsync.google.sources import PREFIX
from xlsync.schema import (
    CHECK_SHEET,
    CLASS_SHEETS,
    STATUS_SHEET,
    STUDENTS,
    Column,
    Kind,
)

MARKS_TAB = "xlsync标记"
REQUIRED_RGB, OPTIONAL_RGB = (0.99, 0.89, 0.84), (0.87, 0.92, 0.97)
ERROR_RGB, WARNING_RGB = COLOURS["已逾期"], COLOURS["即将到期"]
DATA_ROWS = 1000


def on_sheet(func: Callable[..., Any]) -> Callable[..., Any]:
    """Every API or network failure of `func(client, sid, …)` becomes one Chinese XlsyncError."""

    @functools.wraps(func)
    def guarded(client: gspread.Client, sid: str, *args: Any) -> Any:
        with google_errors(sid):
            return func(client, sid, *args)

    return guarded


def _rgb(colour: tuple[float, float, float]) -> dict[str, float]:
    return dict(zip(("red", "green", "blue"), colour, strict=False))


def _cell(value: Any) -> dict[str, Any]:
    """CellData with a typed value: text stays text (no formula is ever entered)."""
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    if isinstance(value, dt.date):
        value = value.isoformat()
    return {"userEnteredValue": {"stringValue": str(value)}}


def _rows(rows: Sequence[Sequence[Any]], **extra: Any) -> list[dict]:
    return [{"values": [{**_cell(v), **extra} for v in row]} for row in rows]


def _validation(col: Column, teachers: Sequence[str]) -> dict | None:
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
                        "rowCount": DATA_ROWS + 1,
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
                                **_cell(c.header),
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
            "endRowIndex": DATA_ROWS + 1,
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


def read_class(client: gspread.Client, sid: str) -> ClassBook:
    """The class workbook in spreadsheet `sid`, read with one values:batchGet."""
    return assemble_class_book(fetch_class_grids(client, sid), PREFIX + sid)


@on_sheet
def fetch_class_grids(client: gspread.Client, sid: str) -> dict[str, list[list[Any]]]:
    """The three class tabs of spreadsheet `sid` as grids, with one values:batchGet."""
    from gspread.exceptions import APIError

    try:
        answer = client.http_client.values_batch_get(
            sid,
            [quote(s.name) for s in CLASS_SHEETS],
            params={
                "valueRenderOption": "UNFORMATTED_VALUE",
                "dateTimeRenderOption": "FORMATTED_STRING",
            },
        )
    except APIError as error:
        if error.response.status_code == 400:  # a range names a tab that is not there
            raise XlsyncError(
                f"Google 表格「{sid}」里缺少 学生档案、帮扶记录 或 学业帮扶计划 工作表。"
                "请用 xlsync new-class --google 创建班级台账。"
            ) from None
        raise
    return {
        s.name: vr.get("values", [])
        for s, vr in zip(CLASS_SHEETS, answer.get("valueRanges", []), strict=False)
    }


# ------------------------------------------------------------------ overdue --write


def _block_start(table: Table) -> tuple[int, list[int]]:
    """(first column of the new block, owned columns now), 1-based, as in the Excel writer."""
    owned = sorted(n for h, n in table.positions.items() if OWNED_HEADER.match(h))
    others = [n for h, n in table.positions.items() if not OWNED_HEADER.match(h)]
    if owned and not [n for n in others if n > owned[0]]:
        return owned[0], owned
    return max(others, default=0) + 1, owned


def _replace_tab(
    tabs: dict[str, dict], title: str, sheet_id: int, rows: list[list], hidden: bool = False
) -> list[dict]:
    """Requests that drop tab `title` (if any) and add it anew holding `rows`."""
    requests = (
        [{"deleteSheet": {"sheetId": tabs[title]["properties"]["sheetId"]}}]
        if title in tabs
        else []
    )
    requests.append(
        {
            "addSheet": {
                "properties": {
                    "sheetId": sheet_id,
                    "title": title,
                    "hidden": hidden,
                    "gridProperties": {
                        "rowCount": max(len(rows) + 10, 100),
                        "columnCount": 12,
                        "frozenRowCount": 1,
                    },
                }
            }
        }
    )
    requests.append(
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": _rows(rows),
                "fields": "userEnteredValue",
            }
        }
    )
    return requests


def _status_rules(sheet_id: int, first: int, last: int, index: int = 0) -> list[dict]:
    return [
        {
            "addConditionalFormatRule": {
                "index": index + i,
                "rule": {
                    "ranges": [
                        {
                            "sheetId": sheet_id,
                            "startRowIndex": 1,
                            "startColumnIndex": first,
                            "endColumnIndex": last,
                        }
                    ],
                    "booleanRule": {
                        "condition": {
                            "type": "TEXT_CONTAINS",
                            "values": [{"userEnteredValue": text}],
                        },
                        "format": {"backgroundColor": _rgb(colour)},
                    },
                },
            }
        }
        for i, (text, colour) in enumerate(COLOURS.items())
    ]


@on_sheet
def write_status(
    client: gspread.Client, sid: str, table: Table, rules: Sequence[Rule], items: Sequence[Item]
) -> None:
    """Status columns of 学生档案 and the 逾期提醒 tab, in one atomic request."""
    tabs = _tabs(client, sid)
    students = tabs[STUDENTS.name]
    sheet_id, grid = students["properties"]["sheetId"], students["properties"]["gridProperties"]
    start, owned = _block_start(table)
    headers, values = status_block(table.data.index, rules, items)
    requests: list[dict] = []
    if start - 1 + len(headers) > grid["columnCount"]:
        requests.append(
            {
                "updateSheetProperties": {
                    "properties": {
                        "sheetId": sheet_id,
                        "gridProperties": {"columnCount": start - 1 + len(headers)},
                    },
                    "fields": "gridProperties.columnCount",
                }
            }
        )
    for index in reversed(range(len(students.get("conditionalFormats", [])))):
        ranges = students["conditionalFormats"][index]["ranges"]
        if ranges and ranges[0].get("startColumnIndex", 0) + 1 in owned:
            requests.append({"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": index}})
    last_row = max([table.header_row, *values.keys()])
    for column in owned:  # emptied in place (a teacher column may lie after them)
        requests.append(
            {
                "updateCells": {
                    "range": {
                        "sheetId": sheet_id,
                        "startRowIndex": table.header_row - 1,
                        "endRowIndex": last_row,
                        "startColumnIndex": column - 1,
                        "endColumnIndex": column,
                    },
                    "fields": "userEnteredValue",
                }
            }
        )
    rows = [headers] + [
        values.get(r, [""] * len(headers)) for r in range(table.header_row + 1, last_row + 1)
    ]
    requests.append(
        {
            "updateCells": {
                "start": {
                    "sheetId": sheet_id,
                    "rowIndex": table.header_row - 1,
                    "columnIndex": start - 1,
                },
                "rows": _rows(rows),
                "fields": "userEnteredValue",
            }
        }
    )
    requests += _status_rules(sheet_id, start - 1, start - 1 + len(headers) - 2)
    todo_id = max(t["properties"]["sheetId"] for t in tabs.values()) + 1
    requests += _replace_tab(tabs, STATUS_SHEET, todo_id, todo_rows(items))
    requests += _status_rules(todo_id, 0, 1)
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
        all(abs(colour.get(k, 0.0) - v) < 0.01 for k, v in _rgb(rgb).items())
        for rgb in (ERROR_RGB, WARNING_RGB)
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


def _marked(before: dict, found: Sequence[Finding]) -> dict:
    colour = ERROR_RGB if any(f.severity == ERROR for f in found) else WARNING_RGB
    teacher_note = before.get("note")  # a teacher's own note is never replaced
    note = teacher_note or NOTE_MARK + "\n" + "\n".join(f"· {f.message}" for f in found)
    return {"note": note, "userEnteredFormat": {"backgroundColor": _rgb(colour)}}


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
    by_cell: dict[tuple[str, int, int], list[Finding]] = {}
    for f in findings:
        number = (
            book_table(book, f.sheet).positions.get(f.column) if f.cell and f.sheet in ids else None
        )
        if number and f.row:
            by_cell.setdefault((f.sheet, f.row - 1, number - 1), []).append(f)
    marks = [["xlsync 标记（请勿修改）"]]
    for (tab, r, c), found in by_cell.items():
        before = state.get((tab, r, c), {})
        requests.append(_set(ids[tab], r, c, _marked(before, found)))
        marks.append([json.dumps([tab, r, c, before], ensure_ascii=False)])
    next_id = max(ids.values()) + 1
    requests += _replace_tab(tabs, CHECK_SHEET, next_id, check_rows(findings))
    requests += _replace_tab(tabs, MARKS_TAB, next_id + 1, marks, hidden=True)
    client.http_client.batch_update(sid, {"requests": requests})


def book_table(book: ClassBook, sheet: str) -> Table:
    return next(t for t in book.tables if t.source_sheet == sheet)
