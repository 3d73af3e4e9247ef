"""A sync that knows what it sent (issue 22.3): read 同步信息 only, diff against the record of
the last successful sync (google/record.py), send only the rows that changed.

When the record is usable (this spreadsheet, every tab known, a full read within
FULL_CHECK_HOURS):
1. values:batchGet of 同步信息 alone (a few hundred bytes). Unless its 同步标记 equals the
   record's stamp and its 状态 is 同步完成, the full sync runs (push.push_tables: read every tab,
   diff by position), and so it does when 同步信息 is gone.
2. Per tab, the rows' keys are aligned with the recorded ones (one greedy pass, see
   _edits): a row inserted mid-tab becomes one insertDimension and one row of values, a
   removed one a deleteDimension, a changed one its row of values.
3. Rows to move, a grid to grow or number formats to change: one atomic
   spreadsheets.batchUpdate with those requests and 同步信息 set to 同步未完成, stamp blanked.
4. values:batchUpdate (parts under MAX_BODY; several parts mark 同步未完成 first), the last
   part carrying 同步信息 with 同步完成 and a new stamp.
5. The record is replaced, atomically.
Nothing changed: step 1 only. A crash or a lost answer anywhere leaves the sheet's stamp
blank or different from the record's, so the next sync reads the sheet in full.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gspread
from gspread.exceptions import APIError

from xlsync.google.push import (
    FINISHED,
    FORMAT_ROW,
    INFO_TAB,
    STAMP_ROW,
    UNFINISHED,
    PushReport,
    Table,
    _number_format_requests,
    _parts,
    a1,
    check_owner,
    diff,
    format_mark,
    info_table,
    number_formats,
    push_tables,
    quote,
    unfinished_ranges,
)
from xlsync.google.record import (
    DIGEST,
    GROUP,
    SyncRecord,
    TabRecord,
    forget_record,
    group_count,
    load_record,
    new_salt,
    new_stamp,
    row_keys,
    save_record,
)

FULL_CHECK_HOURS = 24.0  # a hand edit of a data tab is not seen by the stamp: read all daily
TIME_ROW = "同步时间"  # alone, not a change worth a write: it stays the time of the last write
Edit = tuple[str, int, int, int, int]  # tag, old rows i1…i2, new rows j1…j2
Span = tuple[int, int]  # first and last column of a row to send


@dataclass
class TabPlan:
    requests: list[dict[str, Any]] = field(default_factory=list)  # insert/delete/grow
    ranges: list[dict[str, Any]] = field(default_factory=list)  # rows of values
    cells: int = 0
    grown: bool = False


def push_remembered(
    client: gspread.Client,
    spreadsheet_id: str,
    tables: dict[str, Table],
    info: Table,
    record_file: Path,
    dry_run: bool = False,
    force: bool = False,
) -> PushReport:
    """Push `tables` with the fewest bytes the record allows; fall back to the full sync."""
    http = client.http_client
    start = http.traffic.snapshot()  # type: ignore[attr-defined]
    record = load_record(record_file, spreadsheet_id)
    report = None
    if (
        record is not None
        and not record.checked_before(FULL_CHECK_HOURS)
        and set(record.tabs) == {*tables, INFO_TAB}
    ):
        report = _push_known(
            http, spreadsheet_id, tables, info, record, record_file, dry_run, force
        )
    if report is None:
        report = _push_full(client, spreadsheet_id, tables, info, record_file, dry_run, force)
    return http.traffic.count_since(start, report)  # type: ignore[attr-defined]


def _push_full(
    client: gspread.Client,
    spreadsheet_id: str,
    tables: dict[str, Table],
    info: Table,
    record_file: Path,
    dry_run: bool,
    force: bool,
) -> PushReport:
    """The full sync (every tab read), then a fresh record of what the sheet now holds."""
    if not dry_run:
        forget_record(record_file)  # from the first write on it no longer describes the sheet
    stamp = new_stamp()
    report = push_tables(client, spreadsheet_id, tables, info, dry_run, force, stamp)
    if not dry_run:
        sent = {**tables, INFO_TAB: info_table(info, number_formats(tables), stamp)}
        salt = new_salt()
        tabs = {t: _tab_record(t, rows, report.grid[t], salt) for t, rows in sent.items()}
        checked = dt.datetime.now().isoformat(timespec="seconds")
        save_record(record_file, SyncRecord(spreadsheet_id, stamp, salt, checked, tabs))
    return report


def _tab_record(title: str, rows: Table, grid: tuple[int, int, int], salt: str) -> TabRecord:
    groups = group_count(rows)
    keys = [] if title == INFO_TAB else row_keys(rows, salt, groups)  # 同步信息: read each time
    return TabRecord(*grid, max((len(r) for r in rows), default=0), keys, groups)


def _read_info(http: Any, spreadsheet_id: str) -> Table | None:
    """同步信息's values (one small request), or None when the tab is gone."""
    try:
        answer = http.values_batch_get(spreadsheet_id, [quote(INFO_TAB)])
    except APIError as error:
        if error.response.status_code == 400:  # "Unable to parse range": no such tab
            return None
        raise
    ranges = answer.get("valueRanges") or [{}]
    return ranges[0].get("values", [])


def _push_known(
    http: Any,
    spreadsheet_id: str,
    tables: dict[str, Table],
    info: Table,
    record: SyncRecord,
    record_file: Path,
    dry_run: bool,
    force: bool,
) -> PushReport | None:
    """Steps 1–5 above; None when the sheet is not as recorded (then the full sync runs)."""
    current = _read_info(http, spreadsheet_id)
    if current is None:
        return None
    if not force:
        check_owner(current, info)
    fields = {str(r[0]): r[1] for r in current if len(r) > 1}
    if fields.get(STAMP_ROW) != record.stamp or fields.get("状态") != FINISHED:
        return None
    formats = number_formats(tables)
    keys = {t: row_keys(rows, record.salt, group_count(rows)) for t, rows in tables.items()}
    plans = {t: plan_tab(t, rows, record.tabs[t], keys[t]) for t, rows in tables.items()}
    if any(p is None for p in plans.values()):
        return None
    structure = [r for p in plans.values() if p for r in p.requests]
    if fields.get(FORMAT_ROW) != format_mark(formats):
        ids = {t: {"sheetId": r.sheet_id} for t, r in record.tabs.items()}
        structure += _number_format_requests(formats, ids)
    ranges = [r for p in plans.values() if p for r in p.ranges]
    report = PushReport(dry_run=dry_run, full_read=False)
    report.changed_cells = sum(p.cells for p in plans.values() if p)
    report.tabs_grown = [t for t, p in plans.items() if p and p.grown]
    if (
        not structure
        and not ranges
        and _same_info(info_table(info, formats, record.stamp), current)
    ):
        return report  # nothing to send: the one read was all
    stamp = new_stamp()
    parts, marked = _value_parts(ranges, structure, current, record.tabs[INFO_TAB].sheet_id)
    parts[-1] += diff(INFO_TAB, info_table(info, formats, stamp), marked)[0]
    report.parts = len(parts)
    if dry_run:
        return report
    try:
        if structure:
            http.batch_update(spreadsheet_id, {"requests": structure})
        for part in parts:
            http.values_batch_update(spreadsheet_id, {"valueInputOption": "RAW", "data": part})
    except APIError as error:
        if error.response.status_code != 400:
            raise
        return None  # a tab deleted or shrunk by hand: nothing was applied, or 同步未完成 says so
    tabs = _new_records(tables, keys, record, plans)
    save_record(record_file, SyncRecord(spreadsheet_id, stamp, record.salt, record.checked, tabs))
    report.grid = {t: (r.sheet_id, r.rows, r.cols) for t, r in tabs.items()}
    return report


def _same_info(desired: Table, current: Table) -> bool:
    """同步信息 needs no write: it differs at most in 同步时间."""

    def kept(rows: Table) -> Table:
        return [list(r) for r in rows if not r or r[0] != TIME_ROW]

    return diff(INFO_TAB, kept(desired), kept(current))[1] == 0


def _value_parts(
    ranges: list[dict[str, Any]], structure: list[dict], current: Table, info_id: int
) -> tuple[list[list[dict[str, Any]]], Table]:
    """The values:batchUpdate bodies, and 同步信息 as it will stand before the last of them:
    marked 同步未完成 (stamp blank) by the first write when the sync takes several."""
    parts = _parts(ranges) or [[]]
    if not structure and len(parts) == 1:
        return parts, current  # one atomic write: the values and the new stamp together
    if structure:
        structure += _unfinished_cells(info_id, current)
    else:
        parts[0][:0] = unfinished_ranges(current)
    marked = [list(r) for r in current]
    for row in marked:
        if row and row[0] == STAMP_ROW and len(row) > 1:
            row[1] = ""
    if len(marked) > 1 and len(marked[1]) > 1:
        marked[1][1] = UNFINISHED
    return parts, marked


def _unfinished_cells(sheet_id: int, current: Table) -> list[dict[str, Any]]:
    """updateCells for the atomic batchUpdate: B2 (状态) 同步未完成, the stamp blank."""
    cells = [(1, {"userEnteredValue": {"stringValue": UNFINISHED}})]
    cells += [(row, {}) for row, r in enumerate(current) if r and r[0] == STAMP_ROW]
    return [
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": 1},
                "rows": [{"values": [value]}],
                "fields": "userEnteredValue",
            }
        }
        for row, value in cells
    ]


def _new_records(
    tables: dict[str, Table],
    keys: dict[str, list[bytes]],
    record: SyncRecord,
    plans: dict[str, TabPlan | None],
) -> dict[str, TabRecord]:
    """The tabs as this sync leaves them (grid sizes from the requests it sent)."""
    tabs = {INFO_TAB: record.tabs[INFO_TAB]}
    for title, rows in tables.items():
        old, plan = record.tabs[title], plans[title]
        height, cols = _grid_after(old, plan.requests if plan else [])
        width = max((len(r) for r in rows), default=0)
        tabs[title] = TabRecord(old.sheet_id, height, cols, width, keys[title], group_count(rows))
    return tabs


def _grid_after(old: TabRecord, requests: list[dict]) -> tuple[int, int]:
    rows, cols = old.rows, old.cols
    for request in requests:
        kind, spec = next(iter(request.items()))
        if kind == "updateSheetProperties":
            grid = spec["properties"]["gridProperties"]
            rows, cols = grid["rowCount"], grid["columnCount"]
        elif kind in ("insertDimension", "deleteDimension"):
            count = spec["range"]["endIndex"] - spec["range"]["startIndex"]
            rows += count if kind == "insertDimension" else -count
    return rows, cols


def plan_tab(title: str, rows: Table, old: TabRecord, keys: list[bytes]) -> TabPlan | None:
    """The requests and rows of values that turn the recorded tab into `rows` (None: only a
    full sync can, e.g. every row of the grid would go)."""
    if keys == old.keys:
        return TabPlan()
    width = max([old.width, 1] + [len(r) for r in rows])
    regroup = group_count(rows) != old.groups  # a column more or less: rows sent whole
    plan, spans, net = TabPlan(), dict[int, Span](), 0
    for _tag, i1, i2, j1, j2 in reversed(_edits(old.keys, keys)):  # bottom-up: indexes above stay
        kept = min(i2 - i1, j2 - j1)
        for k in range(kept):  # written over: the groups that differ, cleared up to `width`
            old_key, new_key = old.keys[i1 + k], keys[j1 + k]
            spans[j1 + k] = (0, width - 1) if regroup else _changed(old_key, new_key, width)
        for j in range(j1 + kept, j2):  # into an empty row: the row as it is
            spans[j] = (0, max(len(rows[j]), 1) - 1)
        if j2 - j1 > kept and i2 < len(old.keys):  # new rows before an old one: make room
            plan.requests.append(_rows("insert", old.sheet_id, i2, i2 + j2 - j1 - kept))
            net += j2 - j1 - kept
        elif i2 - i1 > kept:
            plan.requests.append(_rows("delete", old.sheet_id, i1 + kept, i2))
            net -= i2 - i1 - kept
    if old.rows + net < 1:
        return None
    plan.grown = _grow(plan, old, old.rows + net, len(rows), width)
    plan.ranges = _row_ranges(title, rows, spans)
    plan.cells = sum(last - first + 1 for first, last in spans.values())
    return plan


def _changed(old: bytes, new: bytes, width: int) -> Span:
    """The columns from the first to the last column group whose digests differ."""
    groups = [(g, g + DIGEST) for g in range(0, len(new), DIGEST)]
    differing = [g // DIGEST for g, end in groups if old[g:end] != new[g:end]]
    first, last = (differing[0], differing[-1]) if differing else (0, len(groups) - 1)
    return first * GROUP, min((last + 1) * GROUP, width) - 1


def _edits(old: list[bytes], new: list[bytes]) -> list[Edit]:
    """Blocks of rows that differ between the recorded and the new keys, as (tag, i1, i2, j1,
    j2), found in one greedy pass (difflib's matcher is quadratic on scattered changes: 36 s
    for every 7th of 20,000 rows). Where the rows part, the nearer of "the new row stands
    further down in the old" (delete up to it) and "the old row stands further down in the
    new" (insert up to it) wins; neither: the row changed in place."""
    where_old, where_new = _positions(old), _positions(new)
    edits: list[Edit] = []
    i = j = 0
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new) and old[i] == new[j]:
            i, j = i + 1, j + 1
            continue
        p = _next(where_old, new[j], i) if j < len(new) else len(old)
        q = _next(where_new, old[i], j) if i < len(old) else len(new)
        if p is not None and (q is None or p - i <= q - j):
            _add(edits, i, p, j, j)
            i = p
        elif q is not None:
            _add(edits, i, i, j, q)
            j = q
        else:
            _add(edits, i, i + 1, j, j + 1)
            i, j = i + 1, j + 1
    return edits


def _positions(keys: list[bytes]) -> dict[bytes, list[int]]:
    found: dict[bytes, list[int]] = {}
    for index, key in enumerate(keys):
        found.setdefault(key, []).append(index)
    return found


def _next(where: dict[bytes, list[int]], key: bytes, start: int) -> int | None:
    """The first place at or after `start` where `key` stands, or None."""
    places = where.get(key, [])
    found = bisect_left(places, start)
    return places[found] if found < len(places) else None


def _add(edits: list[Edit], i1: int, i2: int, j1: int, j2: int) -> None:
    """Append a block, merged with the previous one when they touch (plan_tab needs no tag)."""
    if edits and edits[-1][2] == i1 and edits[-1][4] == j1:
        _, a1_, _, b1, _ = edits[-1]
        edits[-1] = ("replace", a1_, i2, b1, j2)
    else:
        edits.append(("replace", i1, i2, j1, j2))


def _rows(kind: str, sheet_id: int, start: int, end: int) -> dict:
    """insertDimension (empty rows start…end-1 before the old row `start`) or deleteDimension."""
    span = {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": start, "endIndex": end}
    if kind == "delete":
        return {"deleteDimension": {"range": span}}
    # formats (dates, colours) come from the data row above; never from the bold header
    return {"insertDimension": {"range": span, "inheritFromBefore": start > 1}}


def _grow(plan: TabPlan, old: TabRecord, rows_after: int, height: int, width: int) -> bool:
    """Grow the grid (in the same atomic request) when the rows or columns no longer fit."""
    if height <= rows_after and width <= old.cols:
        return False
    grid = {"rowCount": max(rows_after, height + 100), "columnCount": max(old.cols, width)}
    plan.requests.append(
        {
            "updateSheetProperties": {
                "properties": {"sheetId": old.sheet_id, "gridProperties": grid},
                "fields": "gridProperties.rowCount,gridProperties.columnCount",
            }
        }
    )
    return True


def _row_ranges(title: str, rows: Table, spans: dict[int, Span]) -> list[dict[str, Any]]:
    """Consecutive rows with the same column span as one rectangle, cells past a row's end
    sent as "" (they clear what an old, wider row had there)."""
    ranges: list[dict[str, Any]] = []
    run: list[int] = []
    for index in [*sorted(spans), -2]:  # -2: a sentinel that closes the last run
        if run and (index != run[-1] + 1 or spans.get(index) != spans[run[0]]):
            first, last = spans[run[0]]
            values = [_padded(rows[i], last + 1)[first:] for i in run]
            ranges.append({"range": a1(title, run[0], first, run[-1], last), "values": values})
            run = []
        run.append(index)
    return ranges


def _padded(row: list[Any], width: int) -> list[Any]:
    return list(row) + [""] * (width - len(row))
