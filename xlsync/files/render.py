"""Draw a SheetSpec (xlsync/core/render) into an openpyxl workbook."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import CellIsRule, Rule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.render.spec import CONTAINS, Box, CondRule, Look, SheetSpec
from xlsync.core.tables import column_letter
from xlsync.files.sheets import print_setup, put, replace_sheet
from xlsync.files.xlsx_styles import font_over


def ref(box: Box) -> str:
    return f"{column_letter(box.column)}{box.row}:{column_letter(box.last_column)}{box.last_row}"


def draw(workbook: Workbook, spec: SheetSpec) -> Worksheet:
    """Write `spec` into `workbook`: its sheet rebuilt when xlsync owns it whole."""
    ws = replace_sheet(workbook, spec.name) if spec.whole else workbook[spec.name]
    for box in spec.clear:
        _clear(ws, box)
    _values(ws, spec)
    for box, look in spec.looks:
        _look(ws, box, look)
    for rule in spec.rules:
        ws.conditional_formatting.add(ref(rule.box), _rule(rule))
    for link in spec.links:
        cell = ws.cell(row=link.row, column=link.column)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{link.sheet}'!{link.cell}")
        cell.font = font_over(cell.font, color=cell.font.color, underline="single")
    _sheet_setup(ws, spec)
    return ws


def _values(ws: Worksheet, spec: SheetSpec) -> None:
    top, left = spec.origin
    for r, row in enumerate(spec.rows):
        for c, value in enumerate(row):
            put(ws, top + r, left + c, value)  # a Formula as a formula, text as text
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                ws.cell(top + r, left + c).number_format = "yyyy-mm-dd"


def _look(ws: Worksheet, box: Box, look: Look) -> None:
    for row in ws.iter_rows(box.row, box.last_row, box.column, box.last_column):
        for cell in row:
            if look.fill:
                cell.fill = PatternFill("solid", fgColor=look.fill)
            if look.font or look.bold:
                cell.font = font_over(cell.font, bold=look.bold, color=look.font)
            if look.centred or look.wrap:
                cell.alignment = Alignment(  # a wrap look keeps a centred figure centred
                    horizontal="center" if look.centred else cell.alignment.horizontal,
                    vertical="top" if look.wrap else None,
                    wrap_text=look.wrap or None,
                )
            if look.number_format:
                cell.number_format = look.number_format


def _rule(rule: CondRule) -> Any:
    fill = PatternFill("solid", bgColor=rule.fill, fgColor=rule.fill)
    if rule.kind == CONTAINS:
        style = DifferentialStyle(fill=fill, font=Font(color=rule.font))
        made = Rule(type="containsText", operator="containsText", text=rule.value, dxf=style)
        first = f"{column_letter(rule.box.column)}{rule.box.row}"
        made.formula = [f'NOT(ISERROR(SEARCH("{rule.value}",{first})))']
        return made
    return CellIsRule(
        operator="greaterThan", formula=[rule.value], fill=fill, font=Font(color=rule.font)
    )


def _clear(ws: Worksheet, box: Box) -> None:
    """Empty `box` of values and formats, and drop the conditional formats over its columns."""
    for row in ws.iter_rows(box.row, box.last_row, box.column, box.last_column):
        for cell in row:
            cell.value, cell.fill, cell.font = None, PatternFill(), Font()
            cell.number_format = "General"
    letters = {column_letter(c) for c in range(box.column, box.last_column + 1)}
    keep = ConditionalFormattingList()
    for formatting in ws.conditional_formatting:
        columns = {
            "".join(ch for ch in str(r).split(":")[0] if ch.isalpha())
            for r in formatting.sqref.ranges
        }
        if not columns & letters:
            for rule in formatting.rules:
                keep.add(str(formatting.sqref), rule)
    ws.conditional_formatting = keep


def _sheet_setup(ws: Worksheet, spec: SheetSpec) -> None:
    for column, width in spec.widths.items():
        ws.column_dimensions[column_letter(column)].width = width
    for row, height in spec.heights.items():
        ws.row_dimensions[row].height = height
    for column in spec.hidden_columns:
        ws.column_dimensions[column_letter(column)].hidden = True
    if spec.frozen_rows:
        ws.freeze_panes = f"A{spec.frozen_rows + 1}"
    if spec.filtered:
        ws.auto_filter.ref = f"A1:{column_letter(spec.last_column)}{spec.last_row}"
    if spec.printing:
        print_setup(ws, spec.printing)
        ws.print_area = f"A1:{column_letter(spec.last_column)}{spec.last_row}"
    if spec.hidden:
        ws.sheet_state = "veryHidden"
