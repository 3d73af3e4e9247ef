"""Draw the 一生一档 forms (core/render/dossier.py) into one print-ready workbook: merged cells,
ruled borders, CJK fonts, A4 portrait fitted to the width, a page break after each child, the
band row repeated on every page and the confidentiality footer. Saved atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.render.forms import BAND, CUT, HEAD, LABEL, NOTE, SECTION, TITLE, VALUE, Cell, Form
from xlsync.core.render.layout import MARGINS
from xlsync.core.tables import column_letter
from xlsync.files.safe_write import atomic_write

BODY_FONT = "宋体"  # SimSun in Excel and WPS; LibreOffice maps it to an installed CJK font
HEAD_FONT = "黑体"
THIN = Side(style="thin", color="000000")
RULED = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
DASHED = Border(top=Side(style="dashed", color="808080"))
FILLS = {LABEL: "F2F2F2", HEAD: "D9E1F2", SECTION: "DDEBF7"}
FONTS = {
    TITLE: Font(name=HEAD_FONT, size=14, bold=True),
    BAND: Font(name=BODY_FONT, size=9, color="595959"),
    SECTION: Font(name=HEAD_FONT, size=10.5, bold=True),
    LABEL: Font(name=BODY_FONT, size=10, bold=True),
    HEAD: Font(name=BODY_FONT, size=10, bold=True),
    NOTE: Font(name=BODY_FONT, size=10),
    CUT: Font(name=BODY_FONT, size=8, color="808080"),
}
PLAIN = Font(name=BODY_FONT, size=10)


def _style(ws: Worksheet, row: int, first: int, span: int, style: str, shrink: bool) -> None:
    """Font, fill, border and alignment over the cells one form cell covers."""
    centred = style in (TITLE, HEAD, CUT) or (style == LABEL)
    align = Alignment(
        horizontal="center" if centred else "left",
        vertical="center",
        wrap_text=not shrink and style not in (TITLE, BAND, CUT),
        shrink_to_fit=shrink and style not in (TITLE, CUT),
    )
    for column in range(first, first + span):
        cell = ws.cell(row, column)
        cell.font, cell.alignment = FONTS.get(style, PLAIN), align
        if style in FILLS:
            cell.fill = PatternFill("solid", fgColor=FILLS[style])
        if style not in (TITLE, BAND, NOTE, CUT):
            cell.border = RULED
        elif style == CUT:
            cell.border = DASHED


def _word(cell: Cell) -> bool:
    """A value that must not break across lines (a phone number, an ID, a date): it shrinks
    to fit instead, should a font standing in for 宋体 draw its digits wider than measured."""
    text = cell.value
    plain = isinstance(text, str) and text.isascii() and text.isprintable()
    return cell.style == VALUE and plain and bool(text) and " " not in text


def draw_form(ws: Worksheet, form: Form) -> None:
    """Every line of `form` into `ws`, text-typed (an ID never turns into 4.3E+17)."""
    for row, line in enumerate(form.lines, start=1):
        column = 1
        for cell in line.cells:
            target = ws.cell(row, column, cell.value if cell.value != "" else None)
            target.number_format = "@"
            _style(ws, row, column, cell.span, cell.style, form.shrink or _word(cell))
            if cell.span > 1:
                ws.merge_cells(
                    start_row=row,
                    start_column=column,
                    end_row=row,
                    end_column=column + cell.span - 1,
                )
            column += cell.span
        ws.row_dimensions[row].height = line.height
    _setup(ws, form)


def _setup(ws: Worksheet, form: Form) -> None:
    for number, width in enumerate(form.widths, start=1):
        ws.column_dimensions[column_letter(number)].width = width
    ws.page_setup.orientation, ws.page_setup.paperSize = "portrait", ws.PAPERSIZE_A4
    ws.page_margins = PageMargins(**MARGINS)
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:{column_letter(len(form.widths))}{len(form.lines)}"
    for row in form.breaks:
        ws.row_breaks.append(Break(id=row))
    left, centre, right = (part.replace("&", "&&") for part in form.footer)
    ws.oddFooter.left.text = left
    ws.oddFooter.center.text = centre.replace("&&", "&")  # keeps &P and &N
    ws.oddFooter.right.text = right
    ws.sheet_view.showGridLines = False
    ws.sheet_view.view = "pageBreakPreview"


def write_forms(forms: Sequence[Form], path: Path) -> Path:
    """One workbook with a sheet per form, written atomically (never over an open file)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for form in forms:
        draw_form(workbook.create_sheet(form.name), form)
    atomic_write(path, workbook.save)  # the printout is all xlsync's: no teacher's cell in it
    return path
