"""Print setup of a sheet open in Excel, from a PrintSetup (core/render/layout.py).

xlwings' public API has `sheet.page_setup.print_area` only; the rest goes through
`sheet.page_setup.api`, Excel's own PageSetup object (Windows COM). macOS Excel hands back
an AppleScript reference without these properties: there the sheet keeps its page setup and
the file writer's (`xlsync consolidate`) is the one to print from (README)."""

from __future__ import annotations

from xlsync.core.render.layout import MARGINS
from xlsync.core.render.spec import PrintSetup
from xlsync.core.tables import column_letter
from xlsync.excel.book import XlSheet

XL_PORTRAIT, XL_LANDSCAPE, XL_PAPER_A4 = 1, 2, 9


def page_setup(sheet: XlSheet, setup: PrintSetup, last_row: int = 0, last_column: int = 0) -> None:
    """A4, orientation, fit or scale, repeated titles, footer, column groups, and the print
    area when given (none: Excel prints what is there, charts included)."""
    api = sheet.page_setup.api
    if not hasattr(api, "Orientation"):  # macOS Excel: see the module's docstring
        return
    api.Orientation = XL_LANDSCAPE if setup.landscape else XL_PORTRAIT
    api.PaperSize = XL_PAPER_A4
    for side, inches in MARGINS.items():  # LeftMargin, …, FooterMargin: in points
        setattr(api, f"{side.capitalize()}Margin", inches * 72)
    if setup.fit_width:
        api.Zoom = False  # Excel: FitToPages* apply only with Zoom off
        api.FitToPagesWide, api.FitToPagesTall = 1, setup.fit_height or False
    else:
        api.Zoom = setup.scale
    api.PrintTitleRows = f"$1:${setup.title_rows}" if setup.title_rows else ""
    keys = column_letter(setup.title_columns) if setup.title_columns else ""
    api.PrintTitleColumns = f"$A:${keys}" if keys else ""
    api.LeftFooter, api.CenterFooter, api.RightFooter = setup.caption.footer()
    for column in setup.column_breaks:
        sheet.api.VPageBreaks.Add(sheet.range((1, column + 1)).api)
    if last_row and last_column:
        sheet.page_setup.print_area = f"$A$1:${column_letter(last_column)}${last_row}"
