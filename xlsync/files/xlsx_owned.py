"""The sheets xlsync owns whole (逾期提醒, 校验结果, the hidden xlsync标记) and the notes on
marked cells, written as SpreadsheetML by the package-level writer (files/patch_book.py).

Each part says what files/render.py's `draw` (through openpyxl) makes of the same SheetSpec:
the same values, formats (a box's look applied over the earlier ones, as `draw` does cell by
cell), widths, row heights, frozen header, filter, links, conditional formats and A4 print
setup; tests/test_patch_book.py compares the two cell by cell.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from openpyxl.styles import Alignment, Font, PatternFill

from xlsync.core.master_view import DATE_FORMAT
from xlsync.core.render.layout import MARGINS
from xlsync.core.render.spec import Look, SheetSpec
from xlsync.core.tables import column_letter
from xlsync.files.render import _rule
from xlsync.files.xlsx_sheet import cell_xml
from xlsync.files.xlsx_styles import StyleBook, xml_of

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass
class _Format:
    """One cell's format parts as `draw` leaves them, as XML (None: the default)."""

    font: bytes | None = None
    fill: bytes | None = None
    alignment: bytes | None = None
    number_format: str | None = None
    colour: str | None = None  # the font's colour (a link keeps it)


@dataclass
class OwnedSheet:
    """A written sheet part and the workbook names it needs (print titles, area, filter)."""

    xml: bytes
    names: list[tuple[str, str, bool]] = field(default_factory=list)  # name, refers to, hidden


def quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


@functools.lru_cache(maxsize=256)
def _look_parts(look: Look) -> tuple[bytes | None, bytes | None, bytes | None]:
    """The fill, font and alignment a look sets, each as openpyxl writes it (made once)."""
    fill = xml_of(PatternFill("solid", fgColor=look.fill)) if look.fill else None
    font = xml_of(Font(bold=look.bold, color=look.font)) if look.font or look.bold else None
    alignment = (
        xml_of(
            Alignment(
                horizontal="center" if look.centred else None,
                vertical="top" if look.wrap else None,
                wrap_text=look.wrap or None,
            )
        )
        if look.centred or look.wrap
        else None
    )
    return fill, font, alignment


@functools.lru_cache(maxsize=64)
def _link_font(colour: str | None) -> bytes:
    return xml_of(Font(color=colour, underline="single"))


def _apply(fmt: _Format, look: Look) -> None:
    """What files/render.py's `_look` does to one cell."""
    fill, font, alignment = _look_parts(look)
    if fill is not None:
        fmt.fill = fill
    if font is not None:
        fmt.font, fmt.colour = font, look.font
    if alignment is not None:
        fmt.alignment = alignment
    if look.number_format:
        fmt.number_format = look.number_format


class _Styles:
    """Cell formats by their parts, each made once in the book."""

    def __init__(self, book: StyleBook) -> None:
        self.book = book
        self.made: dict[tuple, int] = {}

    def index(self, fmt: _Format) -> int:
        key = (fmt.font, fmt.fill, fmt.alignment, fmt.number_format)
        if key not in self.made:
            self.made[key] = self.book.derive(
                0, fmt.font, fmt.fill, fmt.number_format, fmt.alignment
            )
        return self.made[key]


def formats(spec: SheetSpec) -> dict[tuple[int, int], _Format]:
    """Every written or formatted cell's format, as `draw` would leave it."""
    found: dict[tuple[int, int], _Format] = {}
    top, left = spec.origin
    for r, row in enumerate(spec.rows):
        for c, value in enumerate(row):
            fmt = found.setdefault((top + r, left + c), _Format())
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                fmt.number_format = DATE_FORMAT
    for box, look in spec.looks:
        for number in range(box.row, box.last_row + 1):
            for column in range(box.column, box.last_column + 1):
                _apply(found.setdefault((number, column), _Format()), look)
    for link in spec.links:
        fmt = found.setdefault((link.row, link.column), _Format())
        fmt.font = _link_font(fmt.colour)
    return found


def table_sheet(spec: SheetSpec, book: StyleBook) -> OwnedSheet:
    """A whole sheet of xlsync's (逾期提醒, 校验结果) from its spec."""
    styles, cells = _Styles(book), formats(spec)
    values = {
        (spec.origin[0] + r, spec.origin[1] + c): v
        for r, row in enumerate(spec.rows)
        for c, v in enumerate(row)
    }
    rows: dict[int, list[bytes]] = {}
    for (row, column), fmt in sorted(cells.items()):
        rows.setdefault(row, []).append(
            cell_xml(row, column, values.get((row, column)), styles.index(fmt))
        )
    data = b"".join(_row(n, cells_, spec.heights.get(n)) for n, cells_ in sorted(rows.items()))
    last = f"{column_letter(spec.last_column)}{spec.last_row}"
    parts = [
        _sheet_pr(spec),
        f'<dimension ref="A1:{last}"/>'.encode(),
        _views(spec.frozen_rows),
        b'<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>',
        _cols(spec),
        b"<sheetData>" + data + b"</sheetData>",
        f'<autoFilter ref="A1:{last}"/>'.encode() if spec.filtered else b"",
        _conditional(spec, book),
        _links(spec),
        *_printing(spec),
    ]
    xml = f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'.encode() + b"".join(parts) + b"</worksheet>"
    return OwnedSheet(xml, _names(spec, last))


def _row(number: int, cells: list[bytes], height: float | None) -> bytes:
    size = f' ht="{height}" customHeight="1"' if height else ""
    return f'<row r="{number}"{size}>'.encode() + b"".join(cells) + b"</row>"


def _sheet_pr(spec: SheetSpec) -> bytes:
    fit = spec.printing is not None and spec.printing.fit_width
    return b"<sheetPr><pageSetUpPr" + (b' fitToPage="1"' if fit else b"") + b"/></sheetPr>"


def _views(frozen: int) -> bytes:
    if not frozen:
        return b'<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
    return (
        f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{frozen}" '
        f'topLeftCell="A{frozen + 1}" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
    ).encode()


def _cols(spec: SheetSpec) -> bytes:
    numbers = sorted(set(spec.widths) | set(spec.hidden_columns))
    if not numbers:
        return b""
    cols = []
    for n in numbers:
        width = f' width="{spec.widths[n]}" customWidth="1"' if n in spec.widths else ""
        hidden = ' hidden="1"' if n in spec.hidden_columns else ""
        cols.append(f'<col min="{n}" max="{n}"{width}{hidden}/>')
    return ("<cols>" + "".join(cols) + "</cols>").encode()


def _conditional(spec: SheetSpec, book: StyleBook, first_priority: int = 1) -> bytes:
    return conditional_xml(spec, book, first_priority)


def conditional_xml(spec: SheetSpec, book: StyleBook, first_priority: int) -> bytes:
    """The spec's conditional formats, one element per range as openpyxl groups them."""
    by_range: dict[str, list[bytes]] = {}
    priority = first_priority
    for rule in spec.rules:
        made = _rule(rule)
        made.dxfId, made.priority = book.dxf(made.dxf), priority
        made.dxf = None
        priority += 1
        box = rule.box
        ref = f"{column_letter(box.column)}{box.row}:{column_letter(box.last_column)}{box.last_row}"
        by_range.setdefault(ref, []).append(xml_of(made))
    return b"".join(
        f"<conditionalFormatting sqref={quoteattr(ref)}>".encode()
        + b"".join(rules)
        + b"</conditionalFormatting>"
        for ref, rules in by_range.items()
    )


def _links(spec: SheetSpec) -> bytes:
    if not spec.links:
        return b""
    links = "".join(
        f'<hyperlink ref="{column_letter(k.column)}{k.row}" '
        f"location={quoteattr(f'{quoted(k.sheet)}!{k.cell}')}/>"
        for k in spec.links
    )
    return f"<hyperlinks>{links}</hyperlinks>".encode()


def _printing(spec: SheetSpec) -> list[bytes]:
    margins = "".join(f' {k}="{v}"' for k, v in MARGINS.items())
    setup = spec.printing
    if setup is None:
        return [
            b'<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        ]
    orientation = "landscape" if setup.landscape else "portrait"
    left, centre, right = setup.caption.footer()
    footer = f"&L{left}&C{centre}" + (f"&R{right}" if right else "")
    breaks = "".join(f'<brk id="{c}" man="1" max="1048575"/>' for c in setup.column_breaks)
    return [
        f"<pageMargins{margins}/>".encode(),
        f'<pageSetup orientation="{orientation}" paperSize="9" scale="{setup.scale}" '
        'fitToHeight="0" fitToWidth="1"/>'.encode(),
        f"<headerFooter><oddFooter>{escape(footer)}</oddFooter></headerFooter>".encode(),
        (
            f'<colBreaks count="{len(setup.column_breaks)}" manualBreakCount='
            f'"{len(setup.column_breaks)}">{breaks}</colBreaks>'
        ).encode()
        if breaks
        else b"",
    ]


def _names(spec: SheetSpec, last: str) -> list[tuple[str, str, bool]]:
    sheet = quoted(spec.name)
    names = []
    if spec.filtered:
        names.append(
            (
                "_xlnm._FilterDatabase",
                f"{sheet}!$A$1:${last.rstrip('0123456789')}${spec.last_row}",
                True,
            )
        )
    setup = spec.printing
    if setup is not None:
        titles = []
        if setup.title_columns:
            titles.append(f"{sheet}!$A:${column_letter(setup.title_columns)}")
        if setup.title_rows:
            titles.append(f"{sheet}!$1:${setup.title_rows}")
        if titles:
            names.append(("_xlnm.Print_Titles", ",".join(titles), False))
        names.append(
            (
                "_xlnm.Print_Area",
                f"{sheet}!$A$1:${column_letter(spec.last_column)}${spec.last_row}",
                False,
            )
        )
    return names


def marks_sheet(rows: Sequence[Sequence[str]]) -> OwnedSheet:
    """xlsync标记: the cells marked and the fills they had (a plain, very hidden sheet)."""
    data = b"".join(
        _row(n, [cell_xml(n, c, v, 0) for c, v in enumerate(row, start=1)], None)
        for n, row in enumerate(rows, start=1)
    )
    width = max((len(r) for r in rows), default=1)
    parts = [
        b"<sheetPr><pageSetUpPr/></sheetPr>",
        f'<dimension ref="A1:{column_letter(width)}{max(len(rows), 1)}"/>'.encode(),
        _views(0),
        b'<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>',
        b"<sheetData>" + data + b"</sheetData>",
        *_printing(SheetSpec("", [])),
    ]
    return OwnedSheet(f'<worksheet xmlns="{MAIN}">'.encode() + b"".join(parts) + b"</worksheet>")


def comments_xml(notes: Sequence[tuple[str, str]], author: str) -> bytes:
    """A comments part: (cell, text) in order, all by `author`."""
    items = "".join(
        f'<comment ref="{cell}" authorId="0" shapeId="0"><text><t xml:space="preserve">'
        f"{escape(text)}</t></text></comment>"
        for cell, text in notes
    )
    return (
        f'<comments xmlns="{MAIN}"><authors><author>{escape(author)}</author></authors>'
        f"<commentList>{items}</commentList></comments>"
    ).encode()


_VML_HEAD = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
    ' xmlns:x="urn:schemas-microsoft-com:office:excel">'
    '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202"'
    ' path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


def comments_vml(notes: Sequence[tuple[int, int, int, int]]) -> bytes:
    """The legacy drawing that shows the notes: (row, column, width px, height px), 1-based."""
    shapes = "".join(
        f'<v:shape id="_x0000_s{1026 + n}" type="#_x0000_t202" style="position:absolute;'
        f" margin-left:59.25pt;margin-top:1.5pt;width:{w}px;height:{h}px;z-index:1;"
        'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        '<v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:AutoFill>False</x:AutoFill><x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column>"
        "</x:ClientData></v:shape>"
        for n, (r, c, w, h) in enumerate(notes)
    )
    return (_VML_HEAD + shapes + "</xml>").encode()
