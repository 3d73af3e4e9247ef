"""Draw a SheetSpec (xlsync/core/render) as Google Sheets batchUpdate requests, to be sent with
the writer's other requests in one atomic spreadsheets.batchUpdate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from xlsync.core.render.spec import CONTAINS, Box, CondRule, Look, SheetSpec, height_runs

PIXELS_PER_CHAR = 7  # a column of width w (Excel characters) is about 7w + 5 pixels


def rgb(hex_colour: str) -> dict[str, float]:
    """RRGGBB as the API's Color."""
    return {
        k: int(hex_colour[i : i + 2], 16) / 255
        for k, i in zip(("red", "green", "blue"), (0, 2, 4), strict=True)
    }


def cell(value: Any) -> dict[str, Any]:
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


def rows(values: Sequence[Sequence[Any]]) -> list[dict]:
    return [{"values": [cell(v) for v in row]} for row in values]


def grid_range(sheet_id: int, box: Box) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": box.row - 1,
        "endRowIndex": box.last_row,
        "startColumnIndex": box.column - 1,
        "endColumnIndex": box.last_column,
    }


def add_tab(sheet_id: int, spec: SheetSpec) -> dict:
    """addSheet for a tab xlsync owns whole, sized to hold `spec`."""
    grid = {"rowCount": max(spec.last_row + 10, 100), "columnCount": max(spec.last_column, 12)}
    if spec.frozen_rows:
        grid["frozenRowCount"] = spec.frozen_rows
    props = {"sheetId": sheet_id, "title": spec.name, "hidden": spec.hidden, "gridProperties": grid}
    return {"addSheet": {"properties": props}}


def draw(spec: SheetSpec, sheet_id: int, ids: dict[str, int]) -> list[dict]:
    """Requests writing `spec` into tab `sheet_id` (added or grown by the caller); `ids` gives
    the sheetId of each tab a link may point to."""
    top, left = spec.origin
    requests: list[dict] = [
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": top - 1, "columnIndex": left - 1},
                "rows": rows(spec.rows),
                "fields": "userEnteredValue",
            }
        }
    ]
    requests += [_look(sheet_id, box, look) for box, look in spec.looks]
    requests += [_rule(sheet_id, rule, i) for i, rule in enumerate(spec.rules)]
    requests += [_link(sheet_id, spec, link, ids) for link in spec.links]
    requests += [_width(sheet_id, c, w) for c, w in spec.widths.items()]
    requests += [_height(sheet_id, a, b, h) for a, b, h in height_runs(spec.heights)]
    # Print setup (spec.printing) has no Sheets API: a Google Sheet is printed with the print
    # dialog's own settings (README).
    requests += [_hide(sheet_id, c) for c in spec.hidden_columns]
    return requests


def clear(spec: SheetSpec, sheet_id: int, rules: Sequence[dict]) -> list[dict]:
    """Requests emptying the boxes of `spec.clear`, and dropping the conditional rules (`rules`,
    the tab's current ones) that lie over their columns."""
    columns = {c for b in spec.clear for c in range(b.column, b.last_column + 1)}
    requests = [
        {"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": index}}
        for index in reversed(range(len(rules)))
        if any(_over(r, columns) for r in rules[index].get("ranges", []))
    ]
    for box in spec.clear:
        body: dict[str, Any] = {
            "range": grid_range(sheet_id, box),
            "fields": "userEnteredValue,userEnteredFormat",
        }
        requests.append({"updateCells": body})
    return requests


def _over(grid: dict, columns: set[int]) -> bool:
    first = grid.get("startColumnIndex", 0) + 1
    last = grid.get("endColumnIndex", first)
    return any(first <= c <= last for c in columns)


def _format(look: Look) -> tuple[dict, list[str]]:
    """(userEnteredFormat, field paths) of a look."""
    fmt: dict[str, Any] = {}
    text: dict[str, Any] = {}
    if look.fill:
        fmt["backgroundColor"] = rgb(look.fill)
    if look.bold:
        text["bold"] = True
    if look.font:
        text["foregroundColor"] = rgb(look.font)
    if text:
        fmt["textFormat"] = text
    if look.centred:
        fmt["horizontalAlignment"] = "CENTER"
    if look.number_format:
        fmt["numberFormat"] = {"type": "DATE", "pattern": look.number_format}
    if look.wrap:
        fmt["wrapStrategy"] = "WRAP"
    names = [f"userEnteredFormat.{k}" for k in fmt if k != "textFormat"]
    names += [f"userEnteredFormat.textFormat.{k}" for k in text]
    return fmt, names


def _look(sheet_id: int, box: Box, look: Look) -> dict:
    fmt, names = _format(look)
    return {
        "repeatCell": {
            "range": grid_range(sheet_id, box),
            "cell": {"userEnteredFormat": fmt},
            "fields": ",".join(names),
        }
    }


def _rule(sheet_id: int, rule: CondRule, index: int) -> dict:
    kind = "TEXT_CONTAINS" if rule.kind == CONTAINS else "NUMBER_GREATER"
    condition = {"type": kind, "values": [{"userEnteredValue": rule.value}]}
    style = {"backgroundColor": rgb(rule.fill), "textFormat": {"foregroundColor": rgb(rule.font)}}
    boolean = {"condition": condition, "format": style}
    body = {"ranges": [grid_range(sheet_id, rule.box)], "booleanRule": boolean}
    return {"addConditionalFormatRule": {"index": index, "rule": body}}


def _link(sheet_id: int, spec: SheetSpec, link: Any, ids: dict[str, int]) -> dict:
    """The link goes into the cell's text format, with the colour its look gave it."""
    fonts = [
        look.font
        for box, look in spec.looks
        if look.font
        and box.row <= link.row <= box.last_row
        and box.column <= link.column <= box.last_column
    ]
    text: dict[str, Any] = {
        "link": {"uri": f"#gid={ids[link.sheet]}&range={link.cell}"},
        "underline": True,
    }
    if fonts:
        text["foregroundColor"] = rgb(fonts[-1])
    box = Box(link.row, link.column, link.row, link.column)
    return {
        "repeatCell": {
            "range": grid_range(sheet_id, box),
            "cell": {"userEnteredFormat": {"textFormat": text}},
            "fields": ",".join(f"userEnteredFormat.textFormat.{k}" for k in text),
        }
    }


def _dimension(
    sheet_id: int, kind: str, number: int, properties: dict, last: int | None = None
) -> dict:
    """Set `properties` of one row or column, or of those up to `last` (`kind` ROWS or COLUMNS;
    `number` 1-based)."""
    return {
        "updateDimensionProperties": {
            "range": {
                "sheetId": sheet_id,
                "dimension": kind,
                "startIndex": number - 1,
                "endIndex": last or number,
            },
            "properties": properties,
            "fields": ",".join(properties),
        }
    }


def _height(sheet_id: int, first: int, last: int, height: float) -> dict:
    """Rows as tall as their lines (points to pixels: 4/3)."""
    return _dimension(sheet_id, "ROWS", first, {"pixelSize": round(height * 4 / 3)}, last)


def _hide(sheet_id: int, column: int) -> dict:
    return _dimension(sheet_id, "COLUMNS", column, {"hiddenByUser": True})


def _width(sheet_id: int, column: int, width: float) -> dict:
    return _dimension(
        sheet_id, "COLUMNS", column, {"pixelSize": round(width * PIXELS_PER_CHAR + 5)}
    )
