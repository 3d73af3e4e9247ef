"""Helpers for the sheets xlsync owns and rebuilds: replace in place, style as a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import ColorScaleRule, Rule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.formula import Formula
from xlsync.core.master_view import HEADER_FILL, RATE_SCALE, STATUS_STYLES
from xlsync.core.render.layout import MARGINS
from xlsync.core.render.spec import DEFAULT_PRINT, PrintSetup
from xlsync.core.tables import column_letter
from xlsync.files.xlsx_styles import font_over

OWNED_HEADER_FILL = PatternFill("solid", fgColor=HEADER_FILL)


def status_colours(ws: Worksheet, cells: str) -> None:
    """Colour `cells` (a range like A2:A90) by the status text they contain, as Excel would."""
    first = cells.split(":")[0]
    for status, (fill, font) in STATUS_STYLES.items():
        style = DifferentialStyle(
            fill=PatternFill(bgColor=fill, fgColor=fill, fill_type="solid"), font=Font(color=font)
        )
        rule = Rule(type="containsText", operator="containsText", text=status, dxf=style)
        rule.formula = [f'NOT(ISERROR(SEARCH("{status}",{first})))']
        ws.conditional_formatting.add(cells, rule)


def rate_scale() -> ColorScaleRule:
    """The red → yellow → green scale of a rate column (RATE_SCALE's fixed thresholds)."""
    (low, low_colour), (mid, mid_colour), (high, high_colour) = RATE_SCALE
    return ColorScaleRule(
        start_type="num",
        start_value=low,
        start_color=low_colour,
        mid_type="num",
        mid_value=mid,
        mid_color=mid_colour,
        end_type="num",
        end_value=high,
        end_color=high_colour,
    )


def append_values(ws: Worksheet, values: Sequence[Any]) -> None:
    """Append one row: a `Formula` as a formula, any text as text (a teacher's =… too; +, -
    and @ are text to openpyxl already)."""
    ws.append([v.text if isinstance(v, Formula) else v for v in values])
    for number, value in enumerate(values, start=1):
        if isinstance(value, str) and value.startswith("="):
            ws.cell(ws.max_row, number).data_type = "s"


def put(ws: Worksheet, row: int, column: int, value: Any) -> None:
    """One cell, by the same rule as `append_values`."""
    cell = ws.cell(row, column, value.text if isinstance(value, Formula) else value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def replace_sheet(workbook: Workbook, name: str) -> Worksheet:
    """An empty sheet called `name`, at the position of the old one if there was one."""
    index = None
    if name in workbook.sheetnames:
        index = workbook.sheetnames.index(name)
        del workbook[name]
    return workbook.create_sheet(name, index)


def style_table(ws: Worksheet, widths: Sequence[float], setup: PrintSetup = DEFAULT_PRINT) -> None:
    """Bold grey header, frozen, filterable, fitted widths; printable on A4 landscape."""
    for cell in ws[1]:
        cell.font = font_over(cell.font, bold=True)
        cell.fill = OWNED_HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for number, width in enumerate(widths, start=1):
        ws.column_dimensions[column_letter(number)].width = width
    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = f"A1:{column_letter(ws.max_column)}{ws.max_row}"
    print_setup(ws, setup)


def print_setup(ws: Worksheet, setup: PrintSetup = DEFAULT_PRINT) -> None:
    """A4 as `setup` says (core/render/layout.py): orientation, fitted to the width or split
    into column groups, titles repeated, and the caption and page number in the footer."""
    ws.page_setup.orientation = "landscape" if setup.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_margins = PageMargins(**MARGINS)
    ws.sheet_properties.pageSetUpPr.fitToPage = setup.fit_width
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, setup.fit_height
    ws.page_setup.scale = setup.scale
    if setup.title_rows:
        ws.print_title_rows = f"1:{setup.title_rows}"
    if setup.title_columns:
        ws.print_title_cols = f"A:{column_letter(setup.title_columns)}"
    for column in setup.column_breaks:
        ws.col_breaks.append(Break(id=column))
    left, centre, right = setup.caption.footer()
    ws.oddFooter.left.text, ws.oddFooter.center.text = left, centre
    ws.oddFooter.right.text = right or None
