"""Sheets a class-workbook refresh does not touch, carried over byte for byte.

Refreshing a class workbook (汇总's write-back, 检查台账) changes 学生档案's status columns,
xlsync's own sheets and the cells it marks; a large 帮扶记录 without marks only has its
checks (data validations) widened. Loading and saving such a sheet's thousands of cells with
openpyxl was most of the refresh's time. So before openpyxl loads the package, each such
sheet's <sheetData> keeps only the rows the refresh reads (the header rows, and the last rows
holding a value, which set how far the checks reach); after openpyxl saves, the original
<sheetData> is put back, with the shared-string table its cells refer to. Everything
openpyxl writes around it (columns, checks, filters, page setup) stays as today.

openpyxl keeps the order of the cell formats it loaded (new ones are appended), so the
format numbers in the original rows still mean the same formats. A sheet is frozen only when
this splice is plain (unprefixed sheetData, numbered rows, no in-cell rich data); the writer's
post-check (files/kept.py) still compares every value of the result with the original.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import python_calamine

from xlsync.core.status_view import MARKS_SHEET
from xlsync.core.tables import HEADER_SCAN_ROWS
from xlsync.files.ooxml import sheet_parts

MIN_FROZEN = 32 << 10  # smaller sheets cost openpyxl little: not worth a splice
MAX_FROZEN = 32 << 20  # larger ones are refused before loading (safe_write.MAX_REWRITE)
_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>.*</sheetData>", re.S)
_ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_TYPE = re.compile(rb'\bt="(\w+)"')
_TEXT = re.compile(rb"<(?:v|t)(?:\s[^>]*)?>([^<]*)</(?:v|t)>")
_VALUE = re.compile(rb"<v>|<v\s|<is>|<f>|<f\s")
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_ROOT = re.compile(rb"<worksheet\b[^>]*>")
_XMLNS = re.compile(rb'\sxmlns:(\w+)="[^"]*"')
_IGNORABLE = re.compile(rb'\smc:Ignorable="[^"]*"')
_RICH_DATA = re.compile(rb'<c\b[^>]*\s(?:cm|vm)="')
_STRINGS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_STRINGS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


class SpliceError(Exception):
    """openpyxl's package is not as `thaw` expects; the caller refreshes without freezing."""


@dataclass
class Frozen:
    """What `freeze` took out of a package, for `thaw` to put back."""

    data: dict[str, bytes] = field(default_factory=dict)  # sheet → original <sheetData>…
    dimension: dict[str, bytes] = field(default_factory=dict)  # sheet → <dimension/> or b""
    root: dict[str, bytes] = field(default_factory=dict)  # sheet → original <worksheet …>
    strings: tuple[str, bytes] | None = None  # (part, bytes) of the shared-string table
    cells: dict[str, dict[str, tuple[Any, tuple[int, ...]]]] = field(default_factory=dict)


def freeze(content: bytes, busy: Iterable[str]) -> tuple[bytes, Frozen]:
    """The package with every large sheet not in `busy` cut down to the rows a refresh
    reads, and what was cut out; the package unchanged when nothing can be frozen."""
    frozen = Frozen()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
        marked = _marked_before(content)
        if marked is None:
            return content, Frozen()
        busy = set(busy) | marked
        strings = _strings_part(archive)
        edits: dict[str, bytes] = {}
        for sheet, part in sheet_parts(archive).items():
            if sheet in busy or part not in names or not part.startswith("xl/worksheets/"):
                continue
            size = archive.getinfo(part).file_size
            if MIN_FROZEN <= size <= MAX_FROZEN:
                cut = _cut(sheet, archive.read(part), frozen, strings, archive)
                if cut is not None:
                    edits[part] = cut
        if not edits:
            return content, Frozen()
        if strings and strings in names:
            frozen.strings = (strings, archive.read(strings))
        return _rezip(archive, edits), frozen


def _marked_before(content: bytes) -> set[str] | None:
    """Sheets holding a mark of an earlier run (xlsync标记 lists them): their cells change."""
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        if MARKS_SHEET not in book.sheet_names:
            return set()
        rows = book.get_sheet_by_name(MARKS_SHEET).to_python()
    except Exception:  # noqa: BLE001 — unreadable here: the caller freezes nothing
        return None
    return {str(row[0]) for row in rows[1:] if row}


def _strings_part(archive: zipfile.ZipFile) -> str | None:
    """The shared-string table's part, from the workbook's relationships."""
    rels = "xl/_rels/workbook.xml.rels"
    if rels not in archive.namelist():
        return None
    for attrs in re.findall(rb"<Relationship\b([^>]*)>", archive.read(rels)):
        if _STRINGS_TYPE.encode() in attrs:
            target = re.search(rb'Target="([^"]*)"', attrs)
            if target:
                path = target.group(1).decode()
                return path.lstrip("/") if path.startswith("/") else "xl/" + path
    return None


def _cut(
    sheet: str, xml: bytes, frozen: Frozen, strings: str | None, archive: zipfile.ZipFile
) -> bytes | None:
    """The sheet's XML with only the rows a refresh reads; None when it cannot be spliced."""
    found, root = _DATA.search(xml), _ROOT.search(xml)
    if found is None or root is None or xml.count(b"<sheetData") != 1 or _unsplicable(xml):
        return None
    data = found.group(0)
    if data.count(b"<row") != data.count(_NUMBERED):  # every row says which it is
        return None
    shared = b't="s"' in data
    if shared and (strings is None or strings not in archive.namelist()):
        return None
    table = _Strings(archive, strings)
    kept = _head_rows(data) + _tail_rows(data, table)
    frozen.data[sheet] = data
    frozen.root[sheet] = root.group(0)
    dimension = _DIMENSION.search(xml)
    frozen.dimension[sheet] = dimension.group(0) if dimension else b""
    body = b"<sheetData>" + b"".join(kept) + b"</sheetData>"
    return xml[: found.start()] + body + xml[found.end() :]


_NUMBERED = b'<row r="'


def _unsplicable(xml: bytes) -> bool:
    """In-cell rich data (cm/vm point into parts openpyxl drops) or tables (openpyxl names
    their columns from header cells, which may lie in rows it did not load)."""
    return bool(_RICH_DATA.search(xml)) or b"<tableParts" in xml


def _head_rows(data: bytes) -> list[bytes]:
    """The rows where headers are looked for."""
    head = []
    for row in _ROW.finditer(data):
        if _number(row) > HEADER_SCAN_ROWS:
            break
        head.append(row.group(0))
    return head


def _tail_rows(data: bytes, table: _Strings) -> list[bytes]:
    """From the end back to the last row surely holding a value, every row that may hold
    one (so the last filled row is among them), walked from the end without parsing the rest."""
    tail: list[bytes] = []
    end = len(data)
    while (start := data.rfind(_NUMBERED, 0, end)) >= 0:
        row = _ROW.match(data, start)
        if row is None or _number(row) <= HEADER_SCAN_ROWS:
            break
        end = start
        if row.group(2) and _VALUE.search(row.group(2)):
            tail.append(row.group(0))
            if _surely_filled(row.group(2), table):
                break
    return tail[::-1]


class _Strings:
    """The shared strings as plain text (runs joined), read when a row first needs them."""

    def __init__(self, archive: zipfile.ZipFile, part: str | None) -> None:
        self.archive, self.part = archive, part
        self.texts: list[str] | None = None

    def get(self, index: int) -> str:
        if self.texts is None:
            self.texts = _string_table(self.archive, self.part) or []
        return self.texts[index] if 0 <= index < len(self.texts) else ""


def _number(row: re.Match[bytes]) -> int:
    found = _ROW_NUMBER.search(row.group(1))
    return int(found.group(1)) if found else 0


def _surely_filled(row: bytes, table: _Strings) -> bool:
    """Whether a row holds a cell every reader sees as filled (not empty, not just spaces)."""
    for attrs, body in _CELL.findall(row):
        if not body:
            continue
        if b"<f>" in body or b"<f " in body:
            return True
        kind = _TYPE.search(attrs)
        texts = [html.unescape(t.decode()) for t in _TEXT.findall(body)]
        if kind and kind.group(1) == b"s":
            texts = [table.get(int(t)) for t in texts if t.strip().isdigit()]
        if any(t.strip() for t in texts):
            return True
    return False


def _string_table(archive: zipfile.ZipFile, strings: str | None) -> list[str] | None:
    """The shared strings as plain text (runs joined); None when the table is missing."""
    if strings is None or strings not in archive.namelist():
        return None
    xml = archive.read(strings)
    items = re.findall(rb"<si>(.*?)</si>|<si/>", xml, re.S)
    return [
        "".join(html.unescape(t.decode()) for t in re.findall(rb"<t(?:\s[^>]*)?>([^<]*)</t>", item))
        for item in items
    ]


def _rezip(archive: zipfile.ZipFile, edits: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in archive.infolist():
            target.writestr(info.filename, edits.get(info.filename, archive.read(info.filename)))
    return out.getvalue()


def remember_cells(workbook: Any, frozen: Frozen) -> None:
    """Note each frozen sheet's cells as loaded, for `untouched` to compare."""
    for sheet in frozen.data:
        cells = workbook[sheet]._cells.values()
        frozen.cells[sheet] = {c.coordinate: _state(c) for c in cells}


def untouched(workbook: Any, frozen: Frozen) -> bool:
    """Whether the refresh left every cell of the frozen sheets as loaded (a cell it merely
    created by reading, or to hang a note on, holds nothing and has no format of its own):
    only then may the original rows return."""
    for sheet, before in frozen.cells.items():
        if sheet not in workbook.sheetnames:
            return False
        for cell in workbook[sheet]._cells.values():
            if before.get(cell.coordinate, _EMPTY) != _state(cell):
                return False
    return True


_EMPTY = (None, (0,) * 9)


def _state(cell: Any) -> tuple[Any, tuple[int, ...]]:
    """A cell's value and format (the format's parts, not its number: openpyxl numbers a new
    cell's plain format by the last equal entry of the workbook's list)."""
    return cell.value, tuple(cell._style) if cell._style is not None else _EMPTY[1]


def thaw(saved: bytes, frozen: Frozen) -> bytes:
    """openpyxl's saved package with each frozen sheet's original rows put back."""
    if not frozen.data:
        return saved
    with zipfile.ZipFile(io.BytesIO(saved)) as archive:
        parts = sheet_parts(archive)
        if any(s not in parts for s in frozen.data):
            raise SpliceError("a frozen sheet is gone")
        edits = {parts[s]: _splice(archive.read(parts[s]), s, frozen) for s in frozen.data}
        if frozen.strings is not None and any(b't="s"' in d for d in frozen.data.values()):
            edits.update(_with_strings(archive, *frozen.strings))
        return _rezip_full(archive, edits)


def _splice(xml: bytes, sheet: str, frozen: Frozen) -> bytes:
    found = _DATA.search(xml)
    if found is None:
        raise SpliceError(f"no sheetData in {sheet}")
    xml = xml[: found.start()] + frozen.data[sheet] + xml[found.end() :]
    xml = _DIMENSION.sub(lambda _: frozen.dimension[sheet], xml, count=1)
    return _ROOT.sub(lambda m: _merged_root(m.group(0), frozen.root[sheet]), xml, count=1)


def _merged_root(new: bytes, old: bytes) -> bytes:
    """openpyxl's <worksheet> tag plus the namespaces the original rows may use
    (e.g. x14ac on Excel's rows) and, with them, mc:Ignorable."""
    declared = set(_XMLNS.findall(new))
    extra = b"".join(m.group(0) for m in _XMLNS.finditer(old) if m.group(1) not in declared)
    ignorable = _IGNORABLE.search(old)
    if ignorable and not _IGNORABLE.search(new):
        extra += ignorable.group(0)
    return new[:-1] + extra + b">"


def _with_strings(archive: zipfile.ZipFile, part: str, body: bytes) -> dict[str, bytes]:
    """The original shared-string table added back: its part, content type and relationship."""
    names = archive.namelist()
    if part in names:
        raise SpliceError(f"{part} already written")
    types = archive.read("[Content_Types].xml")
    override = f'<Override PartName="/{part}" ContentType="{_STRINGS_CONTENT}"/>'.encode()
    rels = archive.read("xl/_rels/workbook.xml.rels")
    relation = (
        f'<Relationship Id="rIdXlsyncStrings" Type="{_STRINGS_TYPE}" Target="/{part}"/>'.encode()
    )
    return {
        part: body,
        "[Content_Types].xml": types.replace(b"</Types>", override + b"</Types>"),
        "xl/_rels/workbook.xml.rels": rels.replace(
            b"</Relationships>", relation + b"</Relationships>"
        ),
    }


def _rezip_full(archive: zipfile.ZipFile, edits: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in archive.infolist():
            body = edits.pop(info.filename) if info.filename in edits else None
            target.writestr(info, body if body is not None else archive.read(info.filename))
        for name, body in edits.items():  # parts added back (the shared strings)
            target.writestr(name, body)
    return out.getvalue()
