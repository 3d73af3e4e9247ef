"""Push tables to a Google spreadsheet with as few requests as the API allows.

A sync whose tab shapes did not change costs three requests: spreadsheets.get (which tabs,
how big), one values:batchGet (current values of every tab), one values:batchUpdate (only the
cells that differ, sent RAW, plus the 同步信息 tab). A new or too small tab adds one atomic
spreadsheets.batchUpdate (add with its formats — frozen, bold header, status colours — or grow). Updates larger
than MAX_BODY are split; the first part then marks 同步信息 as 同步未完成 and only the last
part marks it 同步完成, so a sync that dies midway is visible, and the next one repairs it
(its diff sends exactly what is still different).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import gspread

from xlsync.core.tables import column_letter
from xlsync.google.transport import SchoolHTTPClient

INFO_TAB = "同步信息"
MAX_BODY = 1_900_000  # bytes: Google advises request bodies under 2 MB
MAX_RANGE = 400_000  # about this many bytes (12 a cell, estimated) make one rectangle at most
STATUS_HEADER = "状态"
COLOURS = {"已逾期": (1.0, 0.78, 0.81), "即将到期": (1.0, 0.92, 0.61), "已完成": (0.78, 0.94, 0.81)}
UNFINISHED, FINISHED = "同步未完成", "同步完成"

Table = list[list[Any]]


@dataclass
class PushReport:
    requests: int = 0
    bytes_sent: int = 0
    changed_cells: int = 0
    tabs_added: list[str] = field(default_factory=list)
    tabs_grown: list[str] = field(default_factory=list)
    parts: int = 0
    dry_run: bool = False


def api_value(value: Any) -> Any:
    """A cell as sent RAW: dates as readable text, whole floats as integers, None as ''."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return (
            value.date().isoformat()
            if value.time() == dt.time()
            else value.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def quote(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def a1(title: str, row: int, first: int, last_row: int, last: int) -> str:
    """A1 range of rows row…last_row and columns first…last (0-based, inclusive)."""
    return f"{quote(title)}!{column_letter(first + 1)}{row + 1}:{column_letter(last + 1)}{last_row + 1}"


def _changed_span(desired: Sequence[Any], current: Sequence[Any]) -> tuple[int, int, int] | None:
    """(first, last, count) of the columns where the two rows differ, or None."""
    width = max(len(desired), len(current))
    differing = [
        col
        for col in range(width)
        if not _same(
            desired[col] if col < len(desired) else "", current[col] if col < len(current) else ""
        )
    ]
    return (differing[0], differing[-1], len(differing)) if differing else None


def diff(title: str, desired: Table, current: Table) -> tuple[list[dict[str, Any]], int]:
    """ValueRanges that turn `current` into `desired`, and the number of cells that differ.

    Each changed row is sent from its first to its last differing cell; consecutive changed
    rows whose spans line up within ALIGN columns go out as one rectangle (the few equal
    cells inside are re-sent with their true value, cheaper than another range)."""
    ranges: list[dict[str, Any]] = []
    block: list[tuple[int, int, int]] = []  # (row, first, last)
    differing = 0
    for row in range(max(len(desired), len(current)) + 1):
        want = desired[row] if row < len(desired) else []
        have = current[row] if row < len(current) else []
        span = _changed_span(want, have) if row < max(len(desired), len(current)) else None
        if block and (
            span is None
            or not _aligned(block, span)
            or len(block) * (block_last(block) - block_first(block) + 1) * 12 > MAX_RANGE
        ):
            ranges.append(_rectangle(title, desired, block))
            block = []
        if span is not None:
            differing += span[2]
            block.append((row, span[0], span[1]))
    return ranges, differing


ALIGN = 3


def block_first(block: list[tuple[int, int, int]]) -> int:
    return min(first for _, first, _ in block)


def block_last(block: list[tuple[int, int, int]]) -> int:
    return max(last for _, _, last in block)


def _aligned(block: list[tuple[int, int, int]], span: tuple[int, int, int]) -> bool:
    return abs(span[0] - block_first(block)) <= ALIGN and abs(span[1] - block_last(block)) <= ALIGN


def _rectangle(title: str, desired: Table, block: list[tuple[int, int, int]]) -> dict[str, Any]:
    first, last = block_first(block), block_last(block)
    values = []
    for row, _, _ in block:
        source = desired[row] if row < len(desired) else []
        values.append([source[c] if c < len(source) else "" for c in range(first, last + 1)])
    return {"range": a1(title, block[0][0], first, block[-1][0], last), "values": values}


def _shape_requests(
    tables: dict[str, Table], tabs: dict[str, dict]
) -> tuple[list[dict], list[str], list[str]]:
    """Add missing tabs (with ids chosen here, so that formatting them can go in the same
    atomic request) and grow tabs that are too small."""
    requests: list[dict[str, Any]] = []
    added: list[str] = []
    grown: list[str] = []
    next_id = max([p["sheetId"] for p in tabs.values()] + [0]) + 1
    for title, rows in tables.items():
        height, width = max(len(rows), 1), max((len(r) for r in rows), default=1)
        props = tabs.get(title)
        if props is None:
            props = {
                "sheetId": next_id,
                "title": title,
                "gridProperties": {
                    "rowCount": max(height + 100, 1000),
                    "columnCount": max(width, 26),
                    "frozenRowCount": 1,
                },
            }
            requests.append({"addSheet": {"properties": props}})
            tabs[title] = props
            added.append(title)
            next_id += 1
        elif (
            props["gridProperties"]["rowCount"] < height
            or props["gridProperties"]["columnCount"] < width
        ):
            grid = props["gridProperties"]
            requests.append(
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": props["sheetId"],
                            "gridProperties": {
                                "rowCount": max(grid["rowCount"], height + 100),
                                "columnCount": max(grid["columnCount"], width),
                            },
                        },
                        "fields": "gridProperties.rowCount,gridProperties.columnCount",
                    }
                }
            )
            grown.append(title)
    return requests, added, grown


def _format_requests(
    tables: dict[str, Table], props: dict[str, dict], titles: list[str]
) -> list[dict]:
    """Bold header and status colours for the tabs being added."""
    requests: list[dict[str, Any]] = []
    for title in titles:
        sheet_id, header = props[title]["sheetId"], tables[title][0] if tables[title] else []
        requests.append(
            {
                "repeatCell": {
                    "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1},
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.bold",
                }
            }
        )
        if STATUS_HEADER in header:
            column = header.index(STATUS_HEADER)
            for index, (text, (red, green, blue)) in enumerate(COLOURS.items()):
                requests.append(
                    {
                        "addConditionalFormatRule": {
                            "index": index,
                            "rule": {
                                "ranges": [
                                    {
                                        "sheetId": sheet_id,
                                        "startRowIndex": 1,
                                        "startColumnIndex": column,
                                        "endColumnIndex": column + 1,
                                    }
                                ],
                                "booleanRule": {
                                    "condition": {
                                        "type": "TEXT_CONTAINS",
                                        "values": [{"userEnteredValue": text}],
                                    },
                                    "format": {
                                        "backgroundColor": {
                                            "red": red,
                                            "green": green,
                                            "blue": blue,
                                        }
                                    },
                                },
                            },
                        }
                    }
                )
    return requests


def _parts(ranges: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    parts: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for value_range in ranges:
        weight = len(json.dumps(value_range, ensure_ascii=False).encode())
        if current and size + weight > MAX_BODY:
            parts.append(current)
            current, size = [], 0
        current.append(value_range)
        size += weight
    return parts + [current] if current else parts


def push_tables(
    client: gspread.Client,
    spreadsheet_id: str,
    tables: dict[str, Table],
    info: Table,
    dry_run: bool = False,
) -> PushReport:
    """Make the tabs of the spreadsheet equal `tables` (and 同步信息 equal `info`)."""
    http: SchoolHTTPClient = client.http_client  # type: ignore[assignment]
    traffic = http.traffic
    start_requests, start_bytes = traffic.requests, traffic.bytes_sent
    tables = {**tables, INFO_TAB: info}
    meta = http.fetch_sheet_metadata(spreadsheet_id, params={"fields": "sheets.properties"})
    tabs = {s["properties"]["title"]: s["properties"] for s in meta.get("sheets", [])}
    shape, added, grown = _shape_requests(tables, tabs)
    report = PushReport(tabs_added=added, tabs_grown=grown, dry_run=dry_run)
    if shape and not dry_run:
        http.batch_update(
            spreadsheet_id, {"requests": shape + _format_requests(tables, tabs, added)}
        )
    existing = [t for t in tables if t in tabs and t not in added]
    current = _current_values(http, spreadsheet_id, existing)
    changes: dict[str, list[dict[str, Any]]] = {}
    for title, rows in tables.items():
        changes[title], cells = diff(title, rows, current.get(title, []))
        report.changed_cells += cells
    parts = _parts([r for title, found in changes.items() if title != INFO_TAB for r in found])
    if len(parts) > 1:  # the first part says the sync is under way; the last one that it ended
        parts[0].insert(0, {"range": f"{quote(INFO_TAB)}!B2", "values": [[UNFINISHED]]})
    parts = parts or [[]]
    parts[-1] += changes[INFO_TAB]
    if len(parts) > 1:
        parts[-1].append({"range": f"{quote(INFO_TAB)}!B2", "values": [[FINISHED]]})
    parts = [p for p in parts if p]
    report.parts = len(parts)
    for part in [] if dry_run else parts:
        http.values_batch_update(spreadsheet_id, {"valueInputOption": "RAW", "data": part})
    report.requests = traffic.requests - start_requests
    report.bytes_sent = traffic.bytes_sent - start_bytes
    return report


def _current_values(http: Any, spreadsheet_id: str, titles: list[str]) -> dict[str, Table]:
    if not titles:
        return {}
    answer = http.values_batch_get(
        spreadsheet_id,
        [quote(t) for t in titles],
        params={
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "FORMATTED_STRING",
        },
    )
    return {
        title: vr.get("values", [])
        for title, vr in zip(titles, answer.get("valueRanges", []), strict=False)
    }
