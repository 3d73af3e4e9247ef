"""docProps/app.xml after the package-level writer (files/patch_book.py) adds sheets.

Excel and WPS list a workbook's sheets and print names there (HeadingPairs: 工作表 3, 命名范围
1; TitlesOfParts: the names). Excel ignores the lists when it opens a file, but Windows
Explorer's details pane, file managers and document-management tools show them, so after the
patch they would name the old sheets only. The lists are brought up to date: the new sheets
after the old ones, their print names with the workbook's; a part whose lists do not add up
(or are not laid out as Excel writes them) loses both lists, which are optional, rather than
keep stale ones. A part without lists (openpyxl's, LibreOffice's) is left as it is.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from xml.sax.saxutils import escape

EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
APP_PART = "docProps/app.xml"  # where Excel, WPS and openpyxl keep it
SHEETS_HEADINGS = {"Worksheets": "Named Ranges", "工作表": "命名范围"}  # heading: its names'
_LIST = re.compile(rb"<(?P<p>\w+:|)(?P<tag>HeadingPairs|TitlesOfParts)\b.*?</(?P=p)(?P=tag)>", re.S)

Headings = list[tuple[str, int]]


def with_new_sheets(xml: bytes, sheets: Sequence[str], names: Sequence[str]) -> bytes:
    """app.xml listing `sheets` after the workbook's own and `names` (print names such as
    逾期提醒!Print_Titles) with its named ranges; unchanged when it lists nothing."""
    if not _LIST.search(xml):
        return xml
    found = _lists(xml)
    if found is None:
        return _LIST.sub(b"", xml)
    headings, titles = _added(*found, list(sheets), list(names))
    made = {b"HeadingPairs": _headings_xml(headings), b"TitlesOfParts": _titles_xml(titles)}
    return _LIST.sub(lambda m: made[m.group("tag")], xml)


def _lists(xml: bytes) -> tuple[Headings, list[str]] | None:
    """(heading, count) pairs and the titles, when they add up and sheets come first."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    values = [v.text or "" for v in root.iterfind(f"{{{EXTENDED}}}HeadingPairs//{{{VT}}}variant/*")]
    titles = [t.text or "" for t in root.iterfind(f"{{{EXTENDED}}}TitlesOfParts//{{{VT}}}lpstr")]
    if len(values) % 2 or not all(v.isdigit() for v in values[1::2]):
        return None
    headings = [(name, int(count)) for name, count in zip(values[::2], values[1::2], strict=True)]
    if not headings or headings[0][0] not in SHEETS_HEADINGS:
        return None
    return (headings, titles) if sum(c for _, c in headings) == len(titles) else None


def _added(
    headings: Headings, titles: list[str], sheets: list[str], names: list[str]
) -> tuple[Headings, list[str]]:
    """The lists with `sheets` ending the sheets' group and `names` ending its names' group
    (a new group after the sheets when the workbook had no print names)."""
    first, count = headings[0]
    titles = titles[:count] + sheets + titles[count:]
    headings = [(first, count + len(sheets)), *headings[1:]]
    label = SHEETS_HEADINGS[first]
    at = next((n for n, (h, _) in enumerate(headings) if h == label), None)
    if names and at is None:
        headings.insert(1, (label, 0))
        at = 1
    if names and at is not None:
        end = sum(c for _, c in headings[: at + 1])
        titles = titles[:end] + names + titles[end:]
        headings[at] = (label, headings[at][1] + len(names))
    return headings, titles


def _headings_xml(headings: Headings) -> bytes:
    pairs = "".join(
        f"<vt:variant><vt:lpstr>{escape(name)}</vt:lpstr></vt:variant>"
        f"<vt:variant><vt:i4>{count}</vt:i4></vt:variant>"
        for name, count in headings
    )
    size = 2 * len(headings)
    return (
        f'<HeadingPairs><vt:vector xmlns:vt="{VT}" size="{size}" baseType="variant">'
        f"{pairs}</vt:vector></HeadingPairs>"
    ).encode()


def _titles_xml(titles: list[str]) -> bytes:
    items = "".join(f"<vt:lpstr>{escape(t)}</vt:lpstr>" for t in titles)
    return (
        f'<TitlesOfParts><vt:vector xmlns:vt="{VT}" size="{len(titles)}" baseType="lpstr">'
        f"{items}</vt:vector></TitlesOfParts>"
    ).encode()


def print_name(sheet: str, label: str) -> str:
    """A print name as the lists show it: 逾期提醒!Print_Titles, 'a b'!Print_Area."""
    plain = re.fullmatch(r"[^\s!'\-+(),;]+", sheet) is not None
    shown = sheet if plain else "'" + sheet.replace("'", "''") + "'"
    return f"{shown}!{label.removeprefix('_xlnm.')}"
