"""Small facts about .xlsx/.xlsm packages that openpyxl does not give cheaply.

- which XML part holds which sheet, and which parts a sheet pulls in (drawings, charts);
- a copy of a workbook with some sheets emptied, so that openpyxl loads a master in
  milliseconds instead of parsing the large sheets xlsync is about to rebuild anyway.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping

from defusedxml import ElementTree

_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(rb"<Relationship\b([^>]*)/?>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
EMPTY_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData/></worksheet>"
)


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def relationships(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id → target part (resolved) of `part`; empty when it has none."""
    path = rels_path(part)
    if path not in archive.namelist():
        return {}
    found = {}
    for attrs in _REL.findall(archive.read(path)):
        values = dict(_ATTR.findall(attrs))
        if values.get(b"TargetMode") == b"External" or b"Target" not in values:
            continue
        target = values[b"Target"].decode()
        resolved = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
        )
        found[values[b"Id"].decode()] = resolved
    return found


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML part inside the archive."""
    targets = relationships(archive, "xl/workbook.xml")
    return {
        _unescape(name.decode()): targets.get(rid.decode(), "")
        for name, rid in _SHEET.findall(archive.read("xl/workbook.xml"))
    }


def defined_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Workbook-level defined name → what it refers to (as text). Parsed as XML, whatever
    namespace prefix the writing program used."""
    root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    return {
        element.get("name", ""): element.text or ""
        for element in root.iter()
        if element.tag.rsplit("}", 1)[-1] == "definedName" and element.get("localSheetId") is None
    }


def parts_of_sheets(archive: zipfile.ZipFile, names: Iterable[str]) -> set[str]:
    """The named sheets' own parts and every part they pull in (drawings and what those hold)."""
    parts = sheet_parts(archive)
    todo = [parts[n] for n in names if n in parts]
    found: set[str] = set(todo)
    while todo:
        part = todo.pop()
        for target in relationships(archive, part).values():
            if target not in found:
                found.add(target)
                todo.append(target)
    return found


def with_sheets_emptied(data: bytes, names: Iterable[str]) -> io.BytesIO:
    """A copy of the package in which the named sheets are empty and pull nothing in."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = sheet_parts(source)
    emptied = {parts[n] for n in names if n in parts}
    dropped = {rels_path(p) for p in emptied}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in dropped:
                continue
            body = EMPTY_SHEET if info.filename in emptied else source.read(info.filename)
            target.writestr(info, body)
    out.seek(0)
    return out


Edit = Callable[[bytes], bytes | Iterable[bytes]]


def edit_sheets(data: bytes, edits: Mapping[str, Edit]) -> bytes:
    """The package with the XML of each named sheet passed through its edit function; an edit
    may return the new XML in pieces, which are compressed as they come (a large sheet is
    never held whole)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = sheet_parts(source)
    edited = {parts[sheet]: edit for sheet, edit in edits.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            edit = edited.get(info.filename)
            new = body if edit is None else edit(body)
            if isinstance(new, bytes):
                target.writestr(info, new, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
                continue
            with target.open(info.filename, "w") as stream:
                for piece in new:
                    stream.write(piece)
    return out.getvalue()


def cached_values(values: dict[str, float]) -> Callable[[bytes], bytes]:
    """An edit storing `values` ({cell: number}) as the cached results of those formula cells,
    which openpyxl writes empty; readers that do not calculate (python-calamine, the sync) then
    see the same figure Excel and LibreOffice compute."""

    def edit(xml: bytes) -> bytes:
        for cell, value in values.items():
            pattern = re.compile(
                rb'(<c r="' + cell.encode() + rb'"[^>]*>\s*<f>.*?</f>)\s*<v\s*/>', re.S
            )
            stored = b"<v>" + repr(value).encode() + b"</v>"
            xml = pattern.sub(lambda m: m.group(1) + stored, xml, count=1)  # noqa: B023
        return xml

    return edit
