"""A loopback fake of the part of the Google Sheets API v4 that xlsync (through gspread) uses.

It answers with Google's JSON shapes and error bodies ({"error": {"code", "message",
"status"}}), keeps spreadsheets in memory, applies spreadsheets.batchUpdate all-or-nothing,
enforces grid limits, logs every request (method, path, body) and injects faults by request
number: an error status, a dropped connection before or after applying, or a slow answer.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class ApiFailure(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Tab:
    sheet_id: int
    title: str
    index: int
    rows: int = 1000
    cols: int = 26
    frozen: int = 0
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    formats: dict[tuple[int, int], dict] = field(default_factory=dict)
    validations: dict[tuple[int, int], dict] = field(default_factory=dict)
    rules: list[dict] = field(default_factory=list)
    widths: dict[int, int] = field(default_factory=dict)  # column index → pixels
    heights: dict[int, int] = field(default_factory=dict)  # row index → pixels
    hidden_columns: dict[int, bool] = field(default_factory=dict)  # column index → hiddenByUser
    hidden: bool = False

    def properties(self) -> dict:
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            **({"hidden": True} if self.hidden else {}),
            "gridProperties": {
                "rowCount": self.rows,
                "columnCount": self.cols,
                **({"frozenRowCount": self.frozen} if self.frozen else {}),
            },
        }

    def grid(self) -> list[list[Any]]:
        """Values as values.get returns them: trailing empty cells and rows left out."""
        filled = [(r, c) for (r, c), v in self.cells.items() if v not in ("", None)]
        if not filled:
            return []
        height = max(r for r, _ in filled) + 1
        out = []
        for r in range(height):
            row = [self.cells.get((r, c), "") for c in range(self.cols)]
            while row and row[-1] in ("", None):
                row.pop()
            out.append(row)
        return out


@dataclass
class Fault:
    at: int  # 1-based request number
    status: int = 0  # answer with this error
    drop: str = ""  # "before" (not applied) or "after" (applied, answer lost)
    delay: float = 0.0
    retry_after: str = ""  # sent as the Retry-After header with `status`


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


_CELL = re.compile(r"^([A-Z]*)(\d*)$")


def parse_range(text: str) -> tuple[str, tuple[int, int, int | None, int | None]]:
    """'Tab'!A1:C3 → (title, (row0, col0, row_end or None, col_end or None)), ends exclusive."""
    if "!" in text:
        title, cells = text.rsplit("!", 1)
    else:
        title, cells = text, ""
    if title.startswith("'"):
        title = title[1:-1].replace("''", "'")
    if not cells:
        return title, (0, 0, None, None)
    first, _, last = cells.partition(":")
    last = last or first
    (c1, r1), (c2, r2) = _CELL.match(first).groups(), _CELL.match(last).groups()
    return title, (
        int(r1 or 1) - 1,
        column_number(c1 or "A") - 1,
        int(r2) if r2 else None,
        column_number(c2) if c2 else None,
    )


class FakeSheets:
    def __init__(self) -> None:
        self.books: dict[str, dict[str, Tab]] = {}
        self.log: list[tuple[str, str, bytes]] = []
        self.faults: list[Fault] = []
        self.token_error = ""  # e.g. "invalid_grant": the token endpoint refuses the key
        self.lock = threading.Lock()
        self.next_id = 100

    # ------------------------------------------------------------------ helpers for tests
    def create(self, spreadsheet_id: str, tabs: tuple[str, ...] = ("Sheet1",)) -> None:
        self.books[spreadsheet_id] = {}
        for title in tabs:
            self._add(spreadsheet_id, {"title": title})

    def values(self, spreadsheet_id: str, title: str) -> list[list[Any]]:
        return self.books[spreadsheet_id][title].grid()

    def tab(self, spreadsheet_id: str, title: str) -> Tab:
        return self.books[spreadsheet_id][title]

    @property
    def count(self) -> int:
        return len(self.log)

    # ------------------------------------------------------------------ the API
    def _book(self, spreadsheet_id: str) -> dict[str, Tab]:
        if spreadsheet_id not in self.books:
            raise ApiFailure(404, "Requested entity was not found.")
        return self.books[spreadsheet_id]

    def _tab(self, book: dict[str, Tab], title: str) -> Tab:
        if title not in book:
            raise ApiFailure(400, f"Unable to parse range: {title}")
        return book[title]

    def _by_id(self, book: dict[str, Tab], sheet_id: int) -> Tab:
        for tab in book.values():
            if tab.sheet_id == sheet_id:
                return tab
        raise ApiFailure(400, f"No grid with id: {sheet_id}")

    def _add(self, spreadsheet_id: str, props: dict) -> Tab:
        book = self.books[spreadsheet_id]
        if props["title"] in book:
            raise ApiFailure(
                400,
                f'A sheet with the name "{props["title"]}" already exists. '
                "Please enter another name.",
            )
        grid = props.get("gridProperties", {})
        self.next_id += 1
        sheet_id = props.get("sheetId", self.next_id)
        if any(t.sheet_id == sheet_id for t in book.values()):
            raise ApiFailure(
                400, f"Invalid requests[0].addSheet: Sheet with id {sheet_id} already exists."
            )
        tab = Tab(
            sheet_id,
            props["title"],
            len(book),
            grid.get("rowCount", 1000),
            grid.get("columnCount", 26),
            grid.get("frozenRowCount", 0),
            hidden=props.get("hidden", False),
        )
        book[tab.title] = tab
        return tab

    def metadata(self, spreadsheet_id: str, query: dict | None = None) -> dict:
        book = self._book(spreadsheet_id)
        query = query or {}
        grid = query.get("includeGridData", ["false"])[0] == "true"
        wanted = {parse_range(r)[0] for r in query.get("ranges", [])} or set(book)
        sheets = []
        for tab in sorted(book.values(), key=lambda t: t.index):
            if grid and tab.title not in wanted:
                continue
            entry = {"properties": tab.properties(), "conditionalFormats": tab.rules}
            if grid:
                entry["data"] = [{"startRow": 0, "startColumn": 0, "rowData": self._row_data(tab)}]
            sheets.append(entry)
        return {"spreadsheetId": spreadsheet_id, "properties": {"title": "fake"}, "sheets": sheets}

    @staticmethod
    def _row_data(tab: Tab) -> list[dict]:
        keys = set(tab.cells) | set(tab.notes) | set(tab.formats)
        height = max((r for r, _ in keys), default=-1) + 1
        width = max((c for _, c in keys), default=-1) + 1
        rows = []
        for r in range(height):
            values = []
            for c in range(width):
                cell = {}
                value = tab.cells.get((r, c), "")
                if value not in ("", None):
                    kind = (
                        "boolValue"
                        if isinstance(value, bool)
                        else "numberValue"
                        if isinstance(value, (int, float))
                        else "stringValue"
                    )
                    cell["userEnteredValue"] = {kind: value}
                if (r, c) in tab.notes:
                    cell["note"] = tab.notes[(r, c)]
                if tab.formats.get((r, c)):
                    cell["userEnteredFormat"] = tab.formats[(r, c)]
                values.append(cell)
            rows.append({"values": values})
        return rows

    def batch_get(self, spreadsheet_id: str, ranges: list[str]) -> dict:
        book = self._book(spreadsheet_id)
        out = []
        for text in ranges:
            title, (r0, c0, r1, c1) = parse_range(text)
            grid = self._tab(book, title).grid()
            rows = [row[c0:c1] for row in grid[r0:r1]]
            entry = {"range": text, "majorDimension": "ROWS"}
            if rows:
                entry["values"] = rows
            out.append(entry)
        return {"spreadsheetId": spreadsheet_id, "valueRanges": out}

    def _check(self, book: dict[str, Tab], text: str, values: list[list[Any]]) -> None:
        title, (r0, c0, _, _) = parse_range(text)
        tab = self._tab(book, title)
        height, width = len(values), max((len(r) for r in values), default=0)
        if r0 + height > tab.rows or c0 + width > tab.cols:
            raise ApiFailure(
                400,
                f"Range ({text}) exceeds grid limits. Max rows: {tab.rows}, "
                f"max columns: {tab.cols}",
            )

    def _write(self, book: dict[str, Tab], text: str, values: list[list[Any]]) -> int:
        title, (r0, c0, _, _) = parse_range(text)
        tab = book[title]
        height, width = len(values), max((len(r) for r in values), default=0)
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                tab.cells[(r0 + i, c0 + j)] = value
        return height * width

    def values_batch_update(self, spreadsheet_id: str, body: dict) -> dict:
        book = self._book(spreadsheet_id)
        if body.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
            raise ApiFailure(400, "Invalid valueInputOption")
        for entry in body.get("data", []):  # all ranges checked before any is written
            self._check(book, entry["range"], entry["values"])
        total = sum(self._write(book, d["range"], d["values"]) for d in body.get("data", []))
        return {"spreadsheetId": spreadsheet_id, "totalUpdatedCells": total}

    def values_batch_clear(self, spreadsheet_id: str, body: dict) -> dict:
        book = self._book(spreadsheet_id)
        for text in body.get("ranges", []):
            title, (r0, c0, r1, c1) = parse_range(text)
            tab = self._tab(book, title)
            for key in [
                k for k in tab.cells if r0 <= k[0] < (r1 or 10**9) and c0 <= k[1] < (c1 or 10**9)
            ]:
                del tab.cells[key]
        return {"spreadsheetId": spreadsheet_id, "clearedRanges": body.get("ranges", [])}

    def batch_update(self, spreadsheet_id: str, body: dict) -> dict:
        book = self._book(spreadsheet_id)
        saved = copy.deepcopy(book)
        try:
            replies = [self._apply(spreadsheet_id, request) for request in body.get("requests", [])]
        except ApiFailure:
            self.books[spreadsheet_id] = saved
            raise
        return {"spreadsheetId": spreadsheet_id, "replies": replies}

    def _apply(self, spreadsheet_id: str, request: dict) -> dict:
        ((kind, spec),) = request.items()
        book = self.books[spreadsheet_id]
        if kind == "addSheet":
            return {
                "addSheet": {
                    "properties": self._add(spreadsheet_id, spec["properties"]).properties()
                }
            }
        if kind == "deleteSheet":
            del book[self._by_id(book, spec["sheetId"]).title]
            return {}
        if kind == "updateSheetProperties" and "hidden" in spec["properties"]:
            self._by_id(book, spec["properties"]["sheetId"]).hidden = spec["properties"]["hidden"]
        if kind == "updateSheetProperties":
            tab = self._by_id(book, spec["properties"]["sheetId"])
            grid = spec["properties"].get("gridProperties", {})
            tab.rows, tab.cols = grid.get("rowCount", tab.rows), grid.get("columnCount", tab.cols)
            tab.frozen = grid.get("frozenRowCount", tab.frozen)
            return {}
        if kind == "repeatCell":
            tab, cells = self._cells(book, spec["range"])
            for cell in cells:
                tab.formats[cell] = {
                    **tab.formats.get(cell, {}),
                    **spec["cell"].get("userEnteredFormat", {}),
                }
            return {}
        if kind == "setDataValidation":
            tab, cells = self._cells(book, spec["range"])
            for cell in cells:
                tab.validations[cell] = spec.get("rule")
            return {}
        if kind == "updateCells":
            return self._update_cells(book, spec)
        if kind == "addConditionalFormatRule":
            tab = self._by_id(book, spec["rule"]["ranges"][0]["sheetId"])
            tab.rules.insert(spec.get("index", len(tab.rules)), spec["rule"])
            return {}
        if kind == "updateDimensionProperties":
            tab = self._by_id(book, spec["range"]["sheetId"])
            dimension = spec["range"]["dimension"]
            for index in range(spec["range"]["startIndex"], spec["range"]["endIndex"]):
                if "pixelSize" in spec["properties"]:
                    sizes = tab.widths if dimension == "COLUMNS" else tab.heights
                    sizes[index] = spec["properties"]["pixelSize"]
                if "hiddenByUser" in spec["properties"] and dimension == "COLUMNS":
                    tab.hidden_columns[index] = spec["properties"]["hiddenByUser"]
            return {}
        if kind in ("insertDimension", "deleteDimension"):
            return self._dimension(book, kind, spec)
        if kind == "deleteConditionalFormatRule":
            self._by_id(book, spec["sheetId"]).rules.pop(spec["index"])
            return {}
        raise ApiFailure(400, f"Invalid requests[0]: unknown request {kind}")

    def _dimension(self, book: dict[str, Tab], kind: str, spec: dict) -> dict:
        """insertDimension / deleteDimension as the API checks them: a bounded range inside the
        grid, inheritFromBefore not at index 0, never every row or column of a sheet."""
        span = spec["range"]
        tab, dimension = self._by_id(book, span["sheetId"]), span.get("dimension")
        if (
            dimension not in ("ROWS", "COLUMNS")
            or "startIndex" not in span
            or "endIndex" not in span
        ):
            raise ApiFailure(400, f"Invalid requests[0].{kind}: range must be bounded")
        start, end = span["startIndex"], span["endIndex"]
        size = tab.rows if dimension == "ROWS" else tab.cols
        if not 0 <= start < end:
            raise ApiFailure(
                400, f"Invalid requests[0].{kind}: startIndex must be less than endIndex"
            )
        if kind == "insertDimension":
            if start > size:
                raise ApiFailure(400, f"Invalid requests[0].{kind}: range exceeds grid limits")
            before = spec.get("inheritFromBefore", False)
            if before and start == 0:
                raise ApiFailure(
                    400, f"Invalid requests[0].{kind}: cannot inherit from before index 0"
                )
            self._shift(tab, dimension == "ROWS", start, end - start, start - 1 if before else end)
        else:
            if end > size:
                raise ApiFailure(400, f"Invalid requests[0].{kind}: range exceeds grid limits")
            if end - start >= size:
                name = "rows" if dimension == "ROWS" else "columns"
                raise ApiFailure(
                    400,
                    f"Invalid requests[0].{kind}: You can't delete all the {name} on the sheet.",
                )
            self._shift(tab, dimension == "ROWS", end, start - end, -1)
        return {}

    @staticmethod
    def _shift(tab: Tab, rows: bool, at: int, by: int, inherit: int) -> None:
        """Move every cell (and row/column size) at index ≥ at by `by` (negative: the cells in
        at+by … at-1 go); inserted rows or columns take their formats from index `inherit`."""
        axis = 0 if rows else 1

        def moved(key: tuple[int, int]) -> tuple[int, int] | None:
            index = key[axis]
            if by < 0 and at + by <= index < at:
                return None
            if index < at:
                return key
            return (index + by, key[1]) if rows else (key[0], index + by)

        for store in (tab.cells, tab.notes, tab.formats, tab.validations):
            old = dict(store)
            store.clear()
            store.update({new: v for k, v in old.items() if (new := moved(k)) is not None})
        if by > 0 and inherit >= 0:  # inherit was read before the shift: look it up moved
            source = inherit if inherit < at else inherit + by
            for (r, c), style in list(tab.formats.items()):
                if (r if rows else c) == source:
                    for offset in range(at, at + by):
                        tab.formats[(offset, c) if rows else (r, offset)] = dict(style)
        sizes = tab.heights if rows else tab.widths
        old_sizes = dict(sizes)
        sizes.clear()
        for index, pixels in old_sizes.items():
            key = moved((index, index))
            if key is not None:
                sizes[key[axis]] = pixels
        if rows:
            tab.rows += by
        else:
            tab.cols += by

    def _cells(self, book: dict[str, Tab], grid_range: dict) -> tuple[Tab, list[tuple[int, int]]]:
        tab = self._by_id(book, grid_range["sheetId"])
        r0, r1 = grid_range.get("startRowIndex", 0), grid_range.get("endRowIndex", tab.rows)
        c0, c1 = grid_range.get("startColumnIndex", 0), grid_range.get("endColumnIndex", tab.cols)
        if r1 > tab.rows or c1 > tab.cols:
            raise ApiFailure(400, "Range exceeds grid limits.")
        return tab, [(r, c) for r in range(r0, r1) for c in range(c0, c1)]

    def _update_cells(self, book: dict[str, Tab], spec: dict) -> dict:
        if "rows" not in spec:  # a range and fields without rows: clear those fields in the range
            tab, cells = self._cells(book, spec["range"])
            for cell in cells:
                if "userEnteredValue" in spec["fields"]:
                    tab.cells.pop(cell, None)
                if "note" in spec["fields"]:
                    tab.notes.pop(cell, None)
                if "userEnteredFormat" in spec["fields"]:
                    tab.formats.pop(cell, None)
            return {}
        if "start" in spec:  # a GridCoordinate
            sheet_id, row0, col0 = (
                spec["start"]["sheetId"],
                spec["start"].get("rowIndex", 0),
                spec["start"].get("columnIndex", 0),
            )
        else:  # a GridRange
            grid = spec["range"]
            sheet_id, row0, col0 = (
                grid["sheetId"],
                grid.get("startRowIndex", 0),
                grid.get("startColumnIndex", 0),
            )
        tab = self._by_id(book, sheet_id)
        fields = spec["fields"]
        for i, row in enumerate(spec["rows"]):
            for j, data in enumerate(row.get("values", [])):
                cell = (row0 + i, col0 + j)
                if cell[0] >= tab.rows or cell[1] >= tab.cols:
                    raise ApiFailure(400, "Range exceeds grid limits.")
                if "note" in fields:
                    if data.get("note"):
                        tab.notes[cell] = data["note"]
                    else:
                        tab.notes.pop(cell, None)
                if "userEnteredFormat" in fields:  # only the parts named in fields change
                    given = data.get("userEnteredFormat", {})
                    names = (
                        ["backgroundColor"]
                        if "userEnteredFormat.backgroundColor" in fields
                        else list(given) or ["backgroundColor", "textFormat"]
                    )
                    merged = {k: v for k, v in tab.formats.get(cell, {}).items() if k not in names}
                    tab.formats[cell] = {**merged, **{k: given[k] for k in names if k in given}}
                if "userEnteredValue" in fields:
                    value = data.get("userEnteredValue", {})
                    tab.cells[cell] = next(iter(value.values()), "")
        return {}


class Handler(BaseHTTPRequestHandler):
    fake: FakeSheets
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def _answer(self, code: int, body: dict, retry_after: str = "") -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(code)
        if retry_after:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.shutdown(2)

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlparse(self.path)
        with self.fake.lock:
            self.fake.log.append(
                (method, unquote(url.path) + ("?" + url.query if url.query else ""), body)
            )
            number = self.fake.count
            fault = next((f for f in self.fake.faults if f.at == number), None)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.drop == "before":
            return self._drop()
        if url.path == "/token" and self.fake.token_error:  # OAuth error shape, not the API's
            return self._answer(
                400, {"error": self.fake.token_error, "error_description": "Invalid JWT Signature."}
            )
        if fault and fault.status:
            return self._answer(
                fault.status,
                {
                    "error": {
                        "code": fault.status,
                        "message": "Injected fault",
                        "status": STATUS_NAMES.get(fault.status, "UNKNOWN"),
                    }
                },
                fault.retry_after,
            )
        try:
            with self.fake.lock:
                parsed = {} if not body or url.path == "/token" else json.loads(body)
                result = self._route(method, unquote(url.path), parse_qs(url.query), parsed)
        except ApiFailure as failure:
            return self._answer(
                failure.code,
                {
                    "error": {
                        "code": failure.code,
                        "message": failure.message,
                        "status": STATUS_NAMES.get(failure.code, "UNKNOWN"),
                    }
                },
            )
        except Exception as bug:  # a request the fake does not understand: say so, loudly
            return self._answer(
                500, {"error": {"code": 500, "message": f"fake: {bug!r}", "status": "INTERNAL"}}
            )
        if fault and fault.drop == "after":
            return self._drop()
        self._answer(200, result)

    def _route(self, method: str, path: str, query: dict, body: dict) -> dict:
        if method == "POST" and path == "/token":  # OAuth token endpoint for service accounts
            return {"access_token": "fake-token", "expires_in": 3600, "token_type": "Bearer"}
        match = re.match(r"^/v4/spreadsheets/([^/:]+)(.*)$", path)
        if not match:
            raise ApiFailure(404, "Not found")
        sid, rest = match.groups()
        fake = self.fake
        if method == "GET" and rest == "":
            return fake.metadata(sid, query)
        if method == "GET" and rest == "/values:batchGet":
            return fake.batch_get(sid, query.get("ranges", []))
        if method == "POST" and rest == "/values:batchUpdate":
            return fake.values_batch_update(sid, body)
        if method == "POST" and rest == "/values:batchClear":
            return fake.values_batch_clear(sid, body)
        if method == "POST" and rest == ":batchUpdate":
            return fake.batch_update(sid, body)
        if method == "POST" and rest.startswith("/values/") and rest.endswith(":clear"):
            return fake.values_batch_clear(
                sid, {"ranges": [rest[len("/values/") : -len(":clear")]]}
            )
        if method == "GET" and rest.startswith("/values/"):
            return fake.batch_get(sid, [rest[len("/values/") :]])["valueRanges"][0]
        if method == "PUT" and rest.startswith("/values/"):
            return fake.values_batch_update(
                sid,
                {
                    "valueInputOption": query.get("valueInputOption", ["RAW"])[0],
                    "data": [{"range": rest[len("/values/") :], "values": body["values"]}],
                },
            )
        raise ApiFailure(404, f"Method not found: {method} {rest}")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")


def serve() -> tuple[FakeSheets, ThreadingHTTPServer, str]:
    """Start the fake on a free loopback port; returns (state, server, root URL)."""
    fake = FakeSheets()
    handler = type("BoundHandler", (Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server, f"http://127.0.0.1:{server.server_address[1]}"
