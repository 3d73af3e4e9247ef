"""The writers' post-condition: the workbook about to replace a file holds everything the
teacher had in it.

Before a writer moves its new package over a workbook, both are read back with
python-calamine (the same reader validate uses) and compared: every sheet of the old one must
still be there, and every non-empty cell must hold the same value, except the sheets and
cells the writer owns (its status columns, 校验结果, the master's rebuilt sheets). This is a
check of the result, not a list of formats openpyxl is known to mishandle, so a package it
loads wrongly (e.g. Strict Open XML, which it reads as an empty workbook) cannot wipe a file.

Also here: the cached results of the teacher's formulas, which openpyxl saves empty
(`<v></v>`), are copied back from the original sheet XML, so readers that do not calculate
(python-calamine, the sync) keep seeing the dates and figures the teacher sees.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import python_calamine

from xlsync.core.tables import Grid, column_letter
from xlsync.errors import XlsyncError
from xlsync.files.ooxml import edit_sheets, sheet_parts

# (sheet, row, column), 1-based → True when the writer may change or clear that cell.
Owned = Callable[[str, int, int], bool]
MAX_SHOWN = 3


Grids = dict[str, Grid]


@dataclass
class Readback:
    """python-calamine's grids of a package before and after a write, each read once. The
    writer may give the original's (it read them already); the post-write check then reads
    every sheet of the bytes it is about to write, and leaves them here with those bytes, so
    that whoever reads the written file next (汇总's cache) takes them instead of reading the
    file again."""

    before: Grids | None = None
    after: Grids | None = None
    same_rows: frozenset[str] = frozenset()  # sheets whose <sheetData> the written bytes keep
    original: bytes = b""  # the package `before` was read from (decrypted), when given
    original_digest: str = ""  # the content hash of the file `original` was read from
    written: bytes = b""  # the package `after` was read from (decrypted)
    raw: bytes = b""  # the bytes that went to disk (encrypted when the file was)


def owning(sheets: set[str] | frozenset[str], columns: dict[str, set[int]] | None = None) -> Owned:
    """Ownership of whole `sheets` plus, per sheet, whole `columns` (1-based)."""
    columns = columns or {}
    return lambda sheet, row, column: sheet in sheets or column in columns.get(sheet, ())


def _grids(data: bytes, skip: Callable[[str], bool]) -> Grids:
    """Every sheet's cells as calamine reads them (grid[0][0] is A1); skipped sheets are []."""
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {
        name: [] if skip(name) else book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for name in book.sheet_names
    }


def _same(old: Any, new: Any) -> bool:
    """Equal values; numbers by value (1 and 1.0), date-times to the millisecond."""
    if isinstance(old, dt.datetime) and isinstance(new, dt.datetime):
        return abs((old - new).total_seconds()) < 0.001
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return old == new or abs(old - new) <= 1e-9 * max(abs(old), 1)
    return bool(old == new)


def _cell(grid: Grid, row: int, column: int) -> Any:
    if row < len(grid) and column < len(grid[row]):
        return grid[row][column]
    return ""


def lost(
    before: bytes,
    after: bytes,
    owned: Owned,
    compared: Callable[[str], bool] | None = None,
    readback: Readback | None = None,
) -> list[str]:
    """What of `before` is missing or changed in `after`, in Chinese (at most a few places);
    `compared` limits the cell comparison to some sheets (the others' rows are the same bytes).
    With a `readback`, its grids of `before` are used, and every sheet of `after` is read and
    left in it — but a sheet whose `<sheetData>` the writer keeps byte for byte
    (`readback.same_rows`, checked by `ensure_same_rows`), which reads as it did in `before`."""
    whole = lambda name: owned(name, 0, 0) or (compared is not None and not compared(name))  # noqa: E731
    given = readback.before if readback is not None else None
    old = given if given is not None else _grids(before, whole)
    kept = readback.same_rows if given is not None and readback is not None else frozenset()
    try:
        new = _grids(after, whole if readback is None else kept.__contains__)
    except (python_calamine.CalamineError, zipfile.BadZipFile, ValueError):
        return ["整个工作簿（写出的文件读不回来）"]  # refused like any loss, never a traceback
    if readback is not None:  # a sheet whose rows are the original's bytes reads as it did
        new.update({name: old[name] for name in kept if name in new and name in old})
        readback.after, readback.written = new, after
    found = [f"工作表「{name}」" for name in old if name not in new and not owned(name, 0, 0)]
    for name, grid in old.items():
        if name not in new or whole(name):
            continue
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if value != "" and not owned(name, r + 1, c + 1):
                    if not _same(value, _cell(new[name], r, c)):
                        found.append(f"「{name}」的 {column_letter(c + 1)}{r + 1}")
    return found


def ensure_kept(
    path: Path,
    before: bytes,
    after: bytes,
    owned: Owned,
    compared: Callable[[str], bool] | None = None,
    readback: Readback | None = None,
) -> None:
    """Refuse (Chinese message) to replace `path` with a package that lost the teacher's content
    (`readback` as for `lost`)."""
    try:
        missing = lost(before, after, owned, compared, readback)
    except Exception:  # calamine raises several types on a package it cannot read
        missing = ["整个工作簿（xlsync 写出的文件无法读回）"]
    if missing:
        shown = "、".join(missing[:MAX_SHOWN]) + (
            f" 等 {len(missing)} 处" if len(missing) > 1 else ""
        )
        raise XlsyncError(
            f"xlsync 没有改写「{path.name}」：写出的新文件会丢失或改变 {shown} 的内容，"
            "原文件保持不变。请在 Excel 或 WPS 中把它另存为普通的「Excel 工作簿 (.xlsx)」后再试；"
            "若仍出现，请把这个文件交给学校的 xlsync 负责人。"
        )


def ensure_same_rows(path: Path, before: bytes, after: bytes, compared: set[str]) -> frozenset[str]:
    """Refuse a patched package in which a sheet outside `compared` lost a part or does not
    keep its <sheetData> byte for byte (the package-level writer only adds around it); the
    sheets that read as in `before` — all those, when the parts their cells' values depend on
    are as before too (`_reads_alike`), else none."""
    with zipfile.ZipFile(io.BytesIO(before)) as old, zipfile.ZipFile(io.BytesIO(after)) as new:
        old_parts, new_parts = sheet_parts(old), sheet_parts(new)
        same: set[str] = set()
        for sheet, part in old_parts.items():
            if sheet in compared or part not in old.namelist():
                continue
            same.add(sheet)
            target = new_parts.get(sheet)
            if (
                target is None
                or target not in new.namelist()
                or (_rows(old.read(part)) != _rows(new.read(target)))
            ):
                raise XlsyncError(
                    f"xlsync 没有改写「{path.name}」：写出的新文件中工作表「{sheet}」与原来不一致，"
                    "原文件保持不变。请把这个文件交给学校的 xlsync 负责人。"
                )
        return frozenset(same) if _reads_alike(old, new) else frozenset()


_STYLE_LISTS = (b"numFmts", b"cellXfs")
_BOOK_PROPERTIES = re.compile(rb"<workbookPr\b[^>]*>")


def _reads_alike(old: zipfile.ZipFile, new: zipfile.ZipFile) -> bool:
    """Whether a cell kept byte for byte reads the same in both packages: the same shared
    strings, the same date system, and every number format and cell format of the old kept
    (the new ones only appended: a date stays a date)."""
    if _part(old, "xl/sharedStrings.xml") != _part(new, "xl/sharedStrings.xml"):
        return False
    books = _part(old, "xl/workbook.xml"), _part(new, "xl/workbook.xml")
    if _BOOK_PROPERTIES.findall(books[0]) != _BOOK_PROPERTIES.findall(books[1]):
        return False
    styles = _part(old, "xl/styles.xml"), _part(new, "xl/styles.xml")
    return all(_inner(styles[1], tag).startswith(_inner(styles[0], tag)) for tag in _STYLE_LISTS)


def _part(archive: zipfile.ZipFile, name: str) -> bytes:
    return archive.read(name) if name in archive.namelist() else b""


def _inner(xml: bytes, tag: bytes) -> bytes:
    found = re.search(rb"<" + tag + rb"\b[^>]*>(.*?)</" + tag + rb">", xml, re.S)
    return found.group(1) if found else b""


def _rows(xml: bytes) -> bytes:
    start, end = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
    return xml[start:end] if start >= 0 else b""


STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/spreadsheetml/main"


def is_strict(data: bytes) -> bool:
    """True for a package saved as "Strict Open XML" (openpyxl reads it as an empty workbook)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return STRICT_NAMESPACE in archive.read("xl/workbook.xml")[:4096]
    except (KeyError, zipfile.BadZipFile):
        return False


def refuse_strict(path: Path, data: bytes) -> None:
    """Refuse, with the way out, a Strict Open XML workbook that xlsync would have to rewrite."""
    if is_strict(data):
        raise XlsyncError(
            f"「{path.name}」保存成了「Strict Open XML 电子表格」格式，xlsync 不能原样改写它，"
            "所以没有动它。请在 Excel 中打开它，点“文件 → 另存为”，保存类型选"
            "「Excel 工作簿 (*.xlsx)」后再运行。"
        )


_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_TYPE = re.compile(rb'\bt="(\w+)"')
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
_EMPTY_VALUE = re.compile(rb"<v\s*/>|<v></v>")


def _formula_results(xml: bytes) -> dict[bytes, tuple[bytes | None, bytes]]:
    """Cell reference → (t attribute, cached value) of each formula cell that has a result."""
    found = {}
    for attrs, body in _CELL.findall(xml):
        if body and b"<f" in body:
            ref, value, kind = _REF.search(attrs), _VALUE.search(body), _TYPE.search(attrs)
            if ref and value and value.group(1):
                found[ref.group(1) + ref.group(2)] = (kind and kind.group(1), value.group(1))
    return found


def _restore(xml: bytes, results: dict[bytes, tuple[bytes | None, bytes]]) -> bytes:
    """`xml` with the empty results of the formula cells in `results` filled in."""

    def fill(match: re.Match[bytes]) -> bytes:
        attrs, body = match.group(1), match.group(2)
        ref = _REF.search(attrs)
        key = ref and ref.group(1) + ref.group(2)
        cached = _VALUE.search(body) if body else None
        if (
            not key
            or key not in results
            or not body
            or b"<f" not in body
            or (
                cached and cached.group(1)  # openpyxl with lxml writes an empty result as <v></v>
            )
        ):
            return match.group(0)
        kind, value = results[key]
        attrs = _TYPE.sub(b"", attrs) + (b' t="' + kind + b'"' if kind else b"")
        body = _EMPTY_VALUE.sub(b"", body) + b"<v>" + value + b"</v>"
        return b"<c" + attrs + b">" + body + b"</c>"

    return _CELL.sub(fill, xml)


def keep_formula_results(before: bytes, after: bytes, owned: Owned) -> bytes:
    """`after` with the cached results of the formulas the writer did not touch copied from
    `before` (openpyxl saves every formula without its result)."""
    with zipfile.ZipFile(io.BytesIO(before)) as archive:
        parts = sheet_parts(archive)
        results = {
            sheet: {
                ref: result
                for ref, result in _formula_results(archive.read(part)).items()
                if not owned(sheet, *_position(ref))
            }
            for sheet, part in parts.items()
            if part in archive.namelist() and not owned(sheet, 0, 0)
        }
    with zipfile.ZipFile(io.BytesIO(after)) as archive:
        present = set(sheet_parts(archive))
    edits: dict[str, Callable[[bytes], bytes]] = {
        sheet: partial(_restore, results=found)
        for sheet, found in results.items()
        if found and sheet in present
    }
    return edit_sheets(after, edits) if edits else after


def _position(ref: bytes) -> tuple[int, int]:
    """(row, column) of a cell reference such as b"AB12"."""
    letters = re.match(rb"[A-Z]+", ref).group(0)  # type: ignore[union-attr]
    column = 0
    for letter in letters:
        column = column * 26 + letter - 64
    return int(ref[len(letters) :]), column
