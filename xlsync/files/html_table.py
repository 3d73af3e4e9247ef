"""Web pages saved with an .xls name: many Chinese web systems (学籍, 资助 platforms) export an
HTML table and call it .xls, which Excel opens after a warning and python-calamine cannot read.

`sniff` tells such a file (and the XML Spreadsheet 2003 form, also named .xls) from a real
workbook by its first bytes; `html_grids` reads every <table> into a grid with the standard
library's html.parser, so the tolerant reader's header rules apply to it as to any sheet.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from typing import Any

HTML, SPREADSHEET_XML = "html", "xml-2003"
_SNIFF_BYTES = 4096
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
_HTML_START = re.compile(
    r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|table|style)\b", re.I | re.S
)
_XML_2003 = "urn:schemas-microsoft-com:office:spreadsheet"
_GBK_NAMES = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936"}


def _encoding(data: bytes) -> str | None:
    """The encoding a BOM or a <meta charset> declares; None when nothing is declared."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    match = _CHARSET.search(data[:_SNIFF_BYTES])
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace").lower()
    return "gb18030" if name in _GBK_NAMES else name  # GB18030 is a superset of GBK/GB2312


def decode(data: bytes) -> str:
    """The page's text: its declared encoding, else UTF-8, else GB18030 (what Chinese systems
    write without saying so)."""
    declared = _encoding(data)
    for name in (declared, "utf-8", "gb18030") if declared else ("utf-8", "gb18030"):
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", errors="replace")


def sniff(data: bytes) -> str | None:
    """HTML or SPREADSHEET_XML when the bytes are such a text file, None for anything else."""
    if data[:2] == b"PK" or data[:4] == b"\xd0\xcf\x11\xe0":
        return None  # a zip (.xlsx/.ods) or an OLE file (a real .xls)
    head = decode(data[:_SNIFF_BYTES]).lstrip("\ufeff")
    if _XML_2003 in head:
        return SPREADSHEET_XML
    return HTML if _HTML_START.match(head) else None


class _Tables(HTMLParser):
    """Collects each <table> as rows of cell texts; colspan and rowspan leave empty cells
    beside and below the text, as a merged cell reads in Excel."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[list[Any]]]] = []
        self._stack: list[dict[str, Any]] = []  # open tables (a table may sit in a cell)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._stack.append(
                {"rows": [], "cell": None, "caption": None, "spans": {}, "open": False}
            )
        elif self._stack:
            self._open(tag, dict(attrs))

    def _open(self, tag: str, attrs: dict[str, str | None]) -> None:
        table = self._stack[-1]
        if tag == "tr":
            self._finish_row(table)  # a <tr> without its </tr>, as exporters often write
            table["rows"].append([])
            table["open"] = True
            self._skip_spans(table)
        elif tag in ("td", "th"):
            self._close_cell(table)
            table["cell"] = ([], _span(attrs.get("colspan")), _span(attrs.get("rowspan")))
        elif tag == "caption":
            table["caption"] = []
        elif tag == "br" and table["cell"] is not None:
            table["cell"][0].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            return
        table = self._stack[-1]
        if tag in ("td", "th"):
            self._close_cell(table)
        elif tag == "tr":
            self._finish_row(table)
        elif tag == "caption" and table["caption"] is not None:
            table["caption"] = "".join(table["caption"]).strip()
        elif tag == "table":
            self._finish_row(table)
            self._close_cell(table)
            self._stack.pop()
            caption = table["caption"] if isinstance(table["caption"], str) else ""
            self.tables.append((caption, table["rows"]))

    def handle_data(self, data: str) -> None:
        if not self._stack:
            return
        table = self._stack[-1]
        if table["cell"] is not None:
            table["cell"][0].append(data)
        elif isinstance(table["caption"], list):
            table["caption"].append(data)

    def _close_cell(self, table: dict[str, Any]) -> None:
        if table["cell"] is None:
            return
        parts, colspan, rowspan = table["cell"]
        table["cell"] = None
        if not table["rows"]:
            table["rows"].append([])
        row = table["rows"][-1]
        text = " ".join("".join(parts).replace("\xa0", " ").split())
        column = len(row)
        row.extend([text or None] + [None] * (colspan - 1))
        for offset in range(colspan):
            if rowspan > 1:
                table["spans"][column + offset] = rowspan - 1
        self._skip_spans(table)

    def _finish_row(self, table: dict[str, Any]) -> None:
        """Close the open row once: its last cell, and the rowspans that reach past it."""
        if table["open"]:
            self._close_cell(table)
            self._end_row(table)
            table["open"] = False

    @staticmethod
    def _end_row(table: dict[str, Any]) -> None:
        """Cells a rowspan covers after the row's last cell are empty cells of this row too."""
        row, spans = table["rows"][-1] if table["rows"] else [], table["spans"]
        for column in sorted(c for c, left in spans.items() if left and c >= len(row)):
            row.extend([None] * (column - len(row) + 1))
            spans[column] -= 1

    @staticmethod
    def _skip_spans(table: dict[str, Any]) -> None:
        """Leave empty the cells that a rowspan from the rows above covers."""
        row, spans = table["rows"][-1], table["spans"]
        while spans.get(len(row)):
            spans[len(row)] -= 1
            row.append(None)


def _span(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), 1000)
    except ValueError:
        return 1


def html_grids(data: bytes) -> dict[str, list[list[Any]]]:
    """Every non-empty <table> of the page as a grid, named by its caption or 表1, 表2…"""
    parser = _Tables()
    parser.feed(decode(data))
    parser.close()
    grids: dict[str, list[list[Any]]] = {}
    for number, (caption, rows) in enumerate(parser.tables, start=1):
        if any(cell is not None for row in rows for cell in row):
            name = caption if caption and caption not in grids else f"表{number}"
            grids[name] = rows
    return grids
