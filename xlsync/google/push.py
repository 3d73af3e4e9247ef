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
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import gspread
import requests
from gspread.exceptions import APIError

from xlsync.core.tables import column_letter
from xlsync.errors import XlsyncError
from xlsync.google.transport import SchoolHTTPClient

INFO_TAB = "同步信息"
MAX_BODY = 1_900_000  # bytes: Google advises request bodies under 2 MB
MAX_RANGE = 400_000  # about this many bytes (12 a cell, estimated) make one rectangle at most
STATUS_HEADER = "状态"
COLOURS = {"已逾期": (1.0, 0.78, 0.81), "即将到期": (1.0, 0.92, 0.61), "已完成": (0.78, 0.94, 0.81)}
UNFINISHED, FINISHED = "同步未完成", "同步完成"
FORMAT_ROW = "数值格式"
STAMP_ROW = "同步标记"  # changes with every sync that writes: see google/known.py
OWNER_KEYS = ("学校", "汇总文件", "电脑")  # 同步信息 rows naming the master that owns the sheet

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
    bytes_received: int = 0
    full_read: bool = True  # False: the sync read only 同步信息 and diffed against its record
    grid: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # sheetId, rows, cols


class Serial(float):
    """A date or time sent as Google's serial number (days since 1899-12-30); `kind` names the
    number format the column gets (see number_formats), so filters and sorting see dates."""

    kind = "DATE"


class TimeSerial(Serial):
    kind = "DATE_TIME"


EPOCH = dt.datetime(1899, 12, 30)
PATTERNS = {"DATE": "yyyy-mm-dd", "DATE_TIME": "yyyy-mm-dd hh:mm", "PERCENT": "0.0%"}


def api_value(value: Any) -> Any:
    """A cell as sent RAW: dates as serial numbers, whole floats as integers, None as ''.
    Text stays text (RAW), so 学号 like 0012 keep their leading zeros."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        days = (value - EPOCH).total_seconds() / 86400
        return Serial(days) if value.time() == dt.time() else TimeSerial(round(days, 8))
    if isinstance(value, dt.date):
        return Serial((value - EPOCH.date()).days)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def number_formats(tables: dict[str, Table]) -> dict[str, dict[int, str]]:
    """Per tab, the columns that need a number format: rates (header ending in 率) and dates."""
    found: dict[str, dict[int, str]] = {}
    for title, rows in tables.items():
        header = rows[0] if rows else []
        kinds = {c: "PERCENT" for c, h in enumerate(header) if str(h).endswith("率")}
        for row in rows[1:]:
            for col, value in enumerate(row):
                if isinstance(value, Serial) and kinds.get(col) != "DATE_TIME":
                    kinds[col] = value.kind
        if kinds:
            found[title] = kinds
    return found


def _number_format_requests(
    formats: dict[str, dict[int, str]], tabs: dict[str, dict]
) -> list[dict]:
    """repeatCell over each formatted column below the header (idempotent)."""
    return [
        {
            "repeatCell": {
                "range": {
                    "sheetId": tabs[title]["sheetId"],
                    "startRowIndex": 1,
                    "startColumnIndex": col,
                    "endColumnIndex": col + 1,
                },
                "cell": {
                    "userEnteredFormat": {"numberFormat": {"type": kind, "pattern": PATTERNS[kind]}}
                },
                "fields": "userEnteredFormat.numberFormat",
            }
        }
        for title, columns in formats.items()
        for col, kind in sorted(columns.items())
    ]


def format_mark(formats: dict[str, dict[int, str]]) -> str:
    """A short digest of the number formats, kept in 同步信息 so they are sent only on change."""
    text = json.dumps({t: sorted(c.items()) for t, c in formats.items()}, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


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
            grid["rowCount"] = max(grid["rowCount"], height + 100)  # what the sheet will hold
            grid["columnCount"] = max(grid["columnCount"], width)
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
    force: bool = False,
    stamp: str = "",
) -> PushReport:
    """Make the tabs of the spreadsheet equal `tables` (and 同步信息 equal `info`, with
    `stamp`); refuse, unless forced, a spreadsheet that another master synced to."""
    http: SchoolHTTPClient = client.http_client  # type: ignore[assignment]
    start = http.traffic.snapshot()
    formats = number_formats(tables)
    tables = {**tables, INFO_TAB: info_table(info, formats, stamp)}
    tabs, added, grown = apply_shape(http, spreadsheet_id, tables, dry_run)
    report = PushReport(tabs_added=added, tabs_grown=grown, dry_run=dry_run)
    existing = [t for t in tables if t in tabs and t not in added]
    current = _current_values(http, spreadsheet_id, existing)
    if not force:
        check_owner(current.get(INFO_TAB, []), info)
    formatted = {str(r[0]): r[1] for r in current.get(INFO_TAB, []) if len(r) > 1}.get(FORMAT_ROW)
    pending = {t: c for t, c in formats.items() if t not in added}  # added: formatted already
    if pending and formatted != format_mark(formats) and not dry_run:
        http.batch_update(spreadsheet_id, {"requests": _number_format_requests(pending, tabs)})
    changes: dict[str, list[dict[str, Any]]] = {}
    for title, rows in tables.items():
        changes[title], cells = diff(title, rows, current.get(title, []))
        report.changed_cells += cells
    parts = _parts([r for title, found in changes.items() if title != INFO_TAB for r in found])
    if len(parts) > 1:  # the first part says the sync is under way; the last one that it ended
        parts[0][:0] = unfinished_ranges(current.get(INFO_TAB, []))
    parts = parts or [[]]
    parts[-1] += changes[INFO_TAB]
    if len(parts) > 1:
        parts[-1].append({"range": f"{quote(INFO_TAB)}!B2", "values": [[FINISHED]]})
    parts = [p for p in parts if p]
    report.parts = len(parts)
    for part in [] if dry_run else parts:
        http.values_batch_update(spreadsheet_id, {"valueInputOption": "RAW", "data": part})
    report.grid = {
        t: (p["sheetId"], p["gridProperties"]["rowCount"], p["gridProperties"]["columnCount"])
        for t, p in tabs.items()
        if t in tables
    }
    return http.traffic.count_since(start, report)


def info_table(info: Table, formats: dict[str, dict[int, str]], stamp: str) -> Table:
    """同步信息 as sent: the job's rows, the number formats' mark and this sync's stamp."""
    return [*info, [FORMAT_ROW, format_mark(formats)], *([[STAMP_ROW, stamp]] if stamp else [])]


def unfinished_ranges(current_info: Table) -> list[dict[str, Any]]:
    """Ranges marking 同步信息 同步未完成 and blanking its stamp, so that no later sync trusts
    its record of a sheet this one has begun to change."""
    ranges = [{"range": f"{quote(INFO_TAB)}!B2", "values": [[UNFINISHED]]}]
    for row, cells in enumerate(current_info):
        if cells and cells[0] == STAMP_ROW:
            ranges.append({"range": f"{quote(INFO_TAB)}!B{row + 1}", "values": [[""]]})
    return ranges


def _owner(rows: Table) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in rows if len(r) > 1 and r[0] in OWNER_KEYS}


def check_owner(current: Table, info: Table) -> None:
    """Refuse when 同步信息 names a different master (older syncs named none: accepted)."""
    theirs, ours = _owner(current), _owner(info)
    if not theirs or all(ours.get(key) == value for key, value in theirs.items()):
        return
    said = "，".join(f"{key}「{value}」" for key, value in theirs.items())
    raise XlsyncError(
        f"这个 Google 表格已由另一份全校汇总同步（{said}），为免互相覆盖，本次没有同步。"
        "请核对 Google 表格 ID；如果确是本校汇总换了位置或电脑，请加 --force 再同步一次。"
    )


def _read_tabs(http: Any, spreadsheet_id: str) -> dict[str, dict]:
    meta = http.fetch_sheet_metadata(spreadsheet_id, params={"fields": "sheets.properties"})
    return {s["properties"]["title"]: s["properties"] for s in meta.get("sheets", [])}


def apply_shape(
    http: Any, spreadsheet_id: str, tables: dict[str, Table], dry_run: bool
) -> tuple[dict[str, dict], list[str], list[str]]:
    """Add and grow tabs; (tabs, added, grown). A tab-adding batchUpdate is not idempotent, so
    after a failure that Google may have applied (5xx, timeout, lost answer) the spreadsheet is
    re-read and only what is still missing is sent again."""
    policy = http.policy
    sent: tuple[list[str], list[str]] = ([], [])
    for attempt in range(policy.tries):
        tabs = _read_tabs(http, spreadsheet_id)
        shape, added, grown = _shape_requests(tables, tabs)
        if not shape or dry_run:
            return tabs, added or sent[0], grown or sent[1]
        try:
            fresh = {t: c for t, c in number_formats(tables).items() if t in added}
            body = {
                "requests": shape
                + _format_requests(tables, tabs, added)
                + _number_format_requests(fresh, tabs)
            }
            http.batch_update(spreadsheet_id, body)
            return tabs, added, grown
        except (requests.RequestException, APIError) as error:
            final = attempt + 1 == policy.tries
            if final or (isinstance(error, APIError) and error.response.status_code < 500):
                raise
            sent = (added, grown)
        policy.sleep(policy.delay(attempt))
    raise AssertionError("unreachable")


def _current_values(http: Any, spreadsheet_id: str, titles: list[str]) -> dict[str, Table]:
    if not titles:
        return {}
    answer = http.values_batch_get(
        spreadsheet_id,
        [quote(t) for t in titles],
        params={
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
        },
    )
    return {
        title: vr.get("values", [])
        for title, vr in zip(titles, answer.get("valueRanges", []), strict=False)
    }
