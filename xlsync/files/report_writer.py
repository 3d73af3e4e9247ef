"""Write a `TermReport` as the 工作报告 workbook (issue 21): one sheet per section, a native
Excel chart of support actions by month, colour scales on 班级对比, set up to print.

Deterministic: the same report gives the same bytes — fixed document dates and zip entry
times, the generation time in one cell only (`generated`), so last term's report can be
compared with itself byte for byte after this term's records come in.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.report import layout
from xlsync.core.report.figures import TermReport
from xlsync.files.chart_cache import cache_values
from xlsync.files.safe_write import atomic_write
from xlsync.files.xlsx_styles import font_over

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
CORE = "docProps/core.xml"
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE = font_over(None, bold=True, sz=16)  # a new workbook's: Calibri 11 (font_over)
BOLD = font_over(None, bold=True)
GOOD = (PatternFill("solid", fgColor="C6EFCE"), font_over(None, color="006100"))
BAD = (PatternFill("solid", fgColor="FFC7CE"), font_over(None, color="9C0006"))
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)


def now_text() -> str:
    """The generation time shown in 总体情况 (to the minute)."""
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def write_report(report: TermReport, path: Path, generated: str | None = None) -> None:
    """Write the workbook atomically (refused while it is open in Excel)."""
    data = report_bytes(report, generated or now_text())
    atomic_write(path, lambda temp: temp.write_bytes(data))


def report_bytes(report: TermReport, generated: str) -> bytes:
    """The workbook's bytes: built, saved, and its zip made reproducible."""
    book = build_workbook(report, generated)
    raw = io.BytesIO()
    book.save(raw)
    return _reproducible(raw.getvalue(), f"{report.period.cutoff:%Y-%m-%d}T00:00:00Z")


def _reproducible(data: bytes, stamp: str) -> bytes:
    """The same zip with fixed entry times and document dates (openpyxl stamps each entry,
    and the document's 修改时间, with the clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            part = source.read(info.filename)
            if info.filename == CORE:
                part = MODIFIED.sub(rf"\g<1>{stamp}\g<2>".encode(), part)
            target.writestr(fixed, part)
    return out.getvalue()


def build_workbook(report: TermReport, generated: str) -> Workbook:
    """总体情况 and one sheet per table, document dates fixed to the cutoff."""
    book = Workbook()
    stamp = dt.datetime.combine(report.period.cutoff, dt.time())
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = book.properties.lastModifiedBy = "xlsync"
    book.properties.title = layout.title(report)
    first = book.active
    assert first is not None
    _overview(first, report, generated)
    for sheet in layout.table_sheets(report):
        _table_sheet(book.create_sheet(sheet.name), report, sheet)
    return book


# ---------------------------------------------------------------- 总体情况


def _overview(ws: Worksheet, report: TermReport, generated: str) -> None:
    ws.title = layout.OVERVIEW
    ws["A1"] = layout.title(report)
    ws["A1"].font = TITLE
    ws.merge_cells("A1:H1")
    ws["A2"] = layout.span_line(report)
    ws["A3"] = f"生成时间：{generated}"  # the one cell that differs between two runs
    ws["A3"].font = font_over(None, color="808080", sz=9)
    row, months = 5, None
    for block in layout.overview_blocks(report):
        head = row + 1
        row = _block(ws, row, block) + 1
        if block.title == layout.MONTHS_TITLE and block.rows:
            months = (head, head + len(block.rows) - 1)  # not the 合计 row
    if months:
        _month_chart(ws, report, months, row)
    _print_setup(ws, report, landscape=False)
    widths = (26, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12)
    for number, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(number)].width = width


def _block(ws: Worksheet, row: int, block: layout.Block) -> int:
    """A titled table at `row`; returns the row after it."""
    ws.cell(row, 1, block.title).font = font_over(None, bold=True, sz=12)
    row += 1
    _header(ws, row, block.headers)
    for values in block.rows:
        row += 1
        _values(ws, row, values, block.formats)
    return row + 1


def _header(ws: Worksheet, row: int, headers: Sequence[str]) -> None:
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row, col, text)
        cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEAD_FILL, CENTER, BOX


def _values(ws: Worksheet, row: int, values: Sequence[Any], formats: Sequence[str]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row, col, value)
        cell.border = BOX
        kind = formats[col - 1] if col - 1 < len(formats) else ""
        if kind == "%":
            cell.number_format = "0.0%"
        elif kind == "0.0":
            cell.number_format = "0.0"
        if kind in ("%", "n", "0.0"):
            cell.alignment = Alignment(horizontal="right")
        elif kind == "wrap":
            cell.alignment = WRAP
        _mark(cell, value)


def _mark(cell: Any, value: Any) -> None:
    """达标 green; 未达标 and a missing plan or entry red (the colours of 已完成 / 已逾期 in the
    class workbooks)."""
    tone = {layout.MET: GOOD, **dict.fromkeys(layout.RED, BAD)}.get(value)
    if tone:
        cell.fill, cell.font = tone


def _month_chart(ws: Worksheet, report: TermReport, rows: tuple[int, int], row: int) -> None:
    """A stacked column chart of support actions by month, drawn from the 按月 block's cells
    (header row, last month row) below them at `row`."""
    head, last = rows
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title = "各月帮扶记录（按类型）"
    chart.y_axis.title = "记录条数"
    chart.y_axis.majorGridlines = None
    types = len(report.action_types)
    data = Reference(ws, min_col=2, max_col=1 + types, min_row=head, max_row=last)
    cats = Reference(ws, min_col=1, min_row=head + 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.height, chart.width = 9, 18
    cache_values(chart, ws)
    ws.add_chart(chart, f"A{row + 1}")


# ---------------------------------------------------------------- the table sheets


def _table_sheet(ws: Worksheet, report: TermReport, sheet: layout.TableSheet) -> None:
    ws["A1"] = f"{layout.title(report)}·{sheet.name}"
    ws["A1"].font = font_over(None, bold=True, sz=14)
    ws["A2"] = sheet.note
    ws["A2"].alignment = WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(sheet.headers))
    ws.row_dimensions[2].height = 32
    head = 4
    _header(ws, head, sheet.headers)
    ws.row_dimensions[head].height = 32
    for number, values in enumerate(sheet.rows, start=head + 1):
        _values(ws, number, values, sheet.formats)
    last = head + max(1, len(sheet.rows))
    if not sheet.rows:
        ws.cell(head + 1, 1, sheet.empty)
    for col, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(head + 1, 1)
    if sheet.rows:
        _scales(ws, sheet, head + 1, last)
        _choices(ws, sheet, head + 1, last)
    _print_setup(ws, report, landscape=True, title_rows=f"{head}:{head}")


def _scales(ws: Worksheet, sheet: layout.TableSheet, first: int, last: int) -> None:
    """Colour scales: red (low) to green (high), reversed for the columns where less is better."""
    for col, kind in enumerate(sheet.formats, start=1):
        if kind not in ("%", "n", "0.0") or col not in sheet.scaled:
            continue
        low, high = ("63BE7B", "F8696B") if col in sheet.reversed else ("F8696B", "63BE7B")
        letter = get_column_letter(col)
        ws.conditional_formatting.add(
            f"{letter}{first}:{letter}{last}",
            ColorScaleRule(
                start_type="min",
                start_color=low,
                mid_type="percentile",
                mid_value=50,
                mid_color="FFEB84",
                end_type="max",
                end_color=high,
            ),
        )


def _choices(ws: Worksheet, sheet: layout.TableSheet, first: int, last: int) -> None:
    """A 是/否 drop-down in the columns left blank for the lead (表彰候选's decision)."""
    for col in sheet.choices:
        letter = get_column_letter(col)
        check = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
        check.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(check)


def _print_setup(ws: Worksheet, report: TermReport, landscape: bool, title_rows: str = "") -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = f"{layout.title(report)}　第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
