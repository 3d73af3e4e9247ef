"""Draw a SheetSpec (xlsync/core/render) into a workbook open in Excel, through xlwings' public
API. Excel's hyperlink style colours links itself; alignment, frozen panes and filters have no
public xlwings API and are left to the file writer (documented in README); print setup goes
through Excel's PageSetup object (excel/printing.py)."""

from __future__ import annotations

from typing import Any

from xlsync.core.render.spec import (
    CONTAINS,
    Box,
    CondRule,
    Look,
    SheetSpec,
    height_runs,
    link_tip,
)
from xlsync.excel.book import Book, XlSheet, fresh_sheet, rgb, write_rows
from xlsync.excel.printing import page_setup


def cells(sheet: XlSheet, box: Box) -> Any:
    return sheet.range((box.row, box.column), (box.last_row, box.last_column))


def draw(book: Book, spec: SheetSpec) -> XlSheet:
    """Write `spec` into the open `book`: its sheet emptied in place when xlsync owns it."""
    sheet = (
        fresh_sheet(book, spec.name, hidden=spec.hidden) if spec.whole else book.sheets[spec.name]
    )
    for box in spec.clear:
        cells(sheet, box).clear_contents()
        cells(sheet, box).clear_formats()  # fills, fonts, number formats, conditional formats
    write_rows(sheet, *spec.origin, spec.rows)
    for box, look in spec.looks:
        _look(cells(sheet, box), look)
    for rule in spec.rules:
        _rule(cells(sheet, rule.box), rule)
    top, left = spec.origin
    for link in spec.links:
        text = spec.rows[link.row - top][link.column - left]
        sheet.range((link.row, link.column)).add_hyperlink(
            f"#'{link.sheet}'!{link.cell}", str(text), link_tip(link.sheet, link.cell)
        )
    for column, width in spec.widths.items():
        sheet.range((1, column)).column_width = width
    for first, last, height in height_runs(spec.heights):
        sheet.range((first, 1), (last, 1)).row_height = height
    for column in spec.hidden_columns:
        sheet.range((1, column)).column_width = 0  # Excel hides a column of width 0
    if spec.printing:
        page_setup(sheet, spec.printing, spec.last_row, spec.last_column)
    return sheet


def _look(rng: Any, look: Look) -> None:
    if look.fill:
        rng.color = rgb(look.fill)
    if look.bold:
        rng.font.bold = True
    if look.font:
        rng.font.color = rgb(look.font)
    if look.number_format:
        rng.number_format = look.number_format
    if look.wrap:
        rng.wrap_text = True


def _rule(rng: Any, rule: CondRule) -> None:
    colours = {"fill_color": rgb(rule.fill), "font_color": rgb(rule.font)}
    if rule.kind == CONTAINS:
        # Excel reads relative references in a rule added through COM/AppleScript relative to
        # the active cell, not to the range: INDIRECT("RC",FALSE) is the cell itself anywhere.
        rng.conditional_formats.add_custom(
            f'=ISNUMBER(SEARCH("{rule.value}",INDIRECT("RC",FALSE)))', **colours
        )
    else:
        rng.conditional_formats.add_cell_value("greater_than", rule.value, **colours)
