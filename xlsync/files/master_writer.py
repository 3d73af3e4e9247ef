"""Rebuild the xlsync-owned sheets of the master workbook (DESIGN §5).

The configuration sheets and every sheet the lead added are loaded and saved untouched; the
owned sheets are emptied before loading (fast, see files/ooxml.py), then written anew at the
same places. Data sheets carry filters, frozen headers and colours; 概览 carries native
charts; 班级统计 ends with a SUM row that Excel and LibreOffice recalculate.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.formula import Formula, sum_formula
from xlsync.core.incidents import alarm_labels
from xlsync.core.master_view import (
    AS_OF_NAME,
    CHECK_LABEL,
    DATE_FORMAT,
    PERCENT,
    STATUS_STYLES,
    SUM_COLUMNS,
    as_of_formula,
    chart_blocks,
    figure_rows,
    hidden_columns,
    issue_links,
    overview_title,
)
from xlsync.core.obligations import OVERDUE
from xlsync.core.render.layout import (
    LINE_POINTS,
    TIGHT_HEADER,
    Column,
    figures,
    fit_columns,
    frame_heights,
    key_columns,
    measure,
    measure_rows,
    page_plan,
    row_heights,
    unbroken,
)
from xlsync.core.render.spec import NO_CAPTION, Caption, PrintSetup
from xlsync.core.tables import column_letter
from xlsync.files.chart_cache import cache_values
from xlsync.files.ooxml import Edit, cached_values, edit_sheets, with_sheets_emptied
from xlsync.files.protect import protected
from xlsync.files.safe_write import load_remembered, save_workbook
from xlsync.files.sheet_xml import (
    ROW_END,
    first_row_styles,
    numbered,
    rows_xml,
    split_rows,
)
from xlsync.files.sheets import (
    append_values,
    print_setup,
    put,
    rate_scale,
    replace_sheet,
    status_colours,
    style_table,
)
from xlsync.files.xlsx_styles import font_over
from xlsync.schema import CHANGES_SHEET as CHANGES
from xlsync.schema import CHILDREN_SHEET as CHILDREN
from xlsync.schema import CLASS_STATS_SHEET as CLASS_STATS
from xlsync.schema import DROPOUT_REPORT_SHEET as DROPOUT_REPORT
from xlsync.schema import INCIDENT_SUMMARY as INCIDENT_LIST
from xlsync.schema import ISSUES_SHEET as ISSUES
from xlsync.schema import OVERDUE_LIST_SHEET as OVERDUE_LIST
from xlsync.schema import OVERVIEW_SHEET as OVERVIEW
from xlsync.schema import RECORDS_SHEET as RECORDS
from xlsync.schema import RESULT_SHEETS
from xlsync.schema import TEACHER_STATS_SHEET as TEACHER_STATS

OWNED_SHEETS = RESULT_SHEETS
LINK_COLOUR = "0563C1"
WRAPPED = Alignment(wrap_text=True, vertical="top")
CHUNK_ROWS = 5000  # rows of a bulk sheet made into XML at a time
BULK_SHEETS = (OVERDUE_LIST, CHILDREN, RECORDS, CHANGES)  # large: rows streamed, see sheet_xml.py


def open_master(path: Path) -> Workbook:
    """The master with its owned sheets emptied (saving it re-checks that it is not open and
    holds nothing the writer would drop)."""
    return load_remembered(path, lambda data: with_sheets_emptied(data, OWNED_SHEETS))


def _owned_sheet(wb: Workbook, name: str) -> Worksheet:
    """Replace `name` in place, or add it before the configuration sheets on a first run."""
    if name in wb.sheetnames:
        return replace_sheet(wb, name)
    placed = [n for n in OWNED_SHEETS[: OWNED_SHEETS.index(name)] if n in wb.sheetnames]
    index = wb.sheetnames.index(placed[-1]) + 1 if placed else 0
    return wb.create_sheet(name, index)


def _cell_value(value: Any) -> Any:
    return None if isinstance(value, float) and pd.isna(value) else value


def _has_dates(series: pd.Series) -> bool:
    return any(isinstance(v, dt.date) for v in series.tolist())


@dataclass
class Streamed:
    """A large owned sheet given in parts (one per class) as row templates (sheet_xml.py), not
    as one school-wide DataFrame: writing it holds one part at a time (jobs/pieces.py)."""

    columns: list[str]
    measured: list[Column]  # measured over every part
    dates: list[bool]  # columns holding a date in some row
    first: list[Any] | None  # the first data row (openpyxl writes it, the others are streamed)
    count: int  # data rows
    parts: Callable[[dict[str, str]], Iterator[str]]  # each part's rows given the style ids
    # columns centred (figures over the whole column); None: those whose first row holds one
    centred: list[bool] | None = None

    def __len__(self) -> int:
        return self.count


def write_frame(
    ws: Worksheet, frame: pd.DataFrame, bulk: bool = False, caption: Caption = NO_CAPTION
) -> Edit | None:
    """Header and rows of `frame`. With `bulk`, openpyxl writes the header and first row only,
    and the returned edit streams the other rows into the saved sheet (files/sheet_xml.py);
    they take row 2's styles, wrapping included."""
    append_values(ws, list(frame.columns))
    records = frame.itertuples(index=False, name=None)
    for values in list(records)[:1] if bulk else records:
        append_values(ws, [_cell_value(v) for v in values])
    columns = [measure(h, frame[h].unique()) for h in frame.columns]
    if not bulk:  # a small table's long texts wrap so it prints one page wide at 8 pt
        keep = [n for n, h in enumerate(frame.columns) if unbroken(frame[h].unique())]
        tight = [measure(h, frame[h].unique(), head_cap=TIGHT_HEADER) for h in frame.columns]
        columns = fit_columns(columns, keep, tight)
    dates = [bool(bulk and len(frame) and _has_dates(frame[h])) for h in frame.columns]
    heights = frame_heights(frame, columns)
    _lay_out(ws, Streamed(list(frame.columns), columns, dates, None, len(frame), _none), caption)
    for row, height in heights.items():
        if row <= 2 or not bulk:
            ws.row_dimensions[row].height = height
    _wrap(ws, columns, 2 if bulk else len(frame) + 1)
    _centre(ws, [figures(frame[h].unique()) for h in frame.columns], 2 if bulk else len(frame) + 1)
    if not bulk or len(frame) < 2:
        return None
    rest = frame.iloc[1:].itertuples(index=False, name=None)

    def edit(xml: bytes) -> Iterator[bytes]:
        """The rows in chunks, compressed as they come (not one string of the whole sheet)."""
        head, tail = split_rows(xml, len(frame) + 1, len(frame.columns))
        yield head
        styles = first_row_styles(xml)
        for start in range(3, len(frame) + 2, CHUNK_ROWS):
            chunk = list(islice(rest, CHUNK_ROWS))
            yield rows_xml(chunk, start, styles, heights).encode()
        yield tail

    return edit


def _none(styles: dict[str, str]) -> Iterator[str]:
    return iter(())


def write_streamed(ws: Worksheet, table: Streamed, caption: Caption = NO_CAPTION) -> Edit | None:
    """A Streamed sheet: header and first row by openpyxl, the parts' rows streamed after them
    into the saved sheet, one part at a time."""
    append_values(ws, table.columns)
    if table.first is not None:
        append_values(ws, [_cell_value(v) for v in table.first])
    _lay_out(ws, table, caption)
    heights = row_heights([table.columns, table.first or []], table.measured)
    for row, height in heights.items():
        ws.row_dimensions[row].height = height
    _wrap(ws, table.measured, 2)
    first = table.first or []
    centred = table.centred
    if centred is None:
        centred = [d or figures(first[n : n + 1]) for n, d in enumerate(table.dates)]
    _centre(ws, centred, 2)
    if table.count < 2:
        return None

    def edit(xml: bytes) -> Iterator[bytes]:
        head, tail = split_rows(xml, table.count + 1, len(table.columns))
        yield head
        row, pending = 3, 1  # row 2 is openpyxl's
        for template in table.parts(first_row_styles(xml)):
            skip = min(pending, template.count(ROW_END))
            text, row = numbered(template, row, skip)
            pending -= skip
            yield text.encode()
        yield tail

    return edit


def _lay_out(ws: Worksheet, table: Streamed, caption: Caption) -> None:
    """Number formats, widths, print setup, hidden columns and the filter of a data sheet."""
    for number, header in enumerate(table.columns, start=1):
        if header.endswith("率"):
            for cell in ws[column_letter(number)][1:]:
                cell.number_format = PERCENT
        elif table.dates[number - 1]:
            # the streamed rows take row 2's style: a date column empty in row 2 (委托书面告知
            # 学校日期 of a child without one) must still give its dates their format
            ws.cell(2, number).number_format = DATE_FORMAT
    widths = [c.width for c in table.measured]
    hidden = hidden_columns(table.columns)
    shown = [0.0 if n in hidden else w for n, w in enumerate(widths, start=1)]
    plan = page_plan(shown, replace(caption, sheet=ws.title), key_columns(table.columns))
    style_table(ws, widths, plan)
    # every row a line of Chinese tall unless set taller: the programs' own 15 pt cut its foot
    ws.sheet_format.defaultRowHeight, ws.sheet_format.customHeight = LINE_POINTS, True
    for number in hidden:
        ws.column_dimensions[column_letter(number)].hidden = True
    if table.count > 0:
        ws.auto_filter.ref = f"A1:{column_letter(len(table.columns))}{table.count + 1}"


def _wrap(ws: Worksheet, columns: list[Column], last: int) -> None:
    """Long text wraps inside its (capped) column; the whole row then reads from the top."""
    if any(c.wrap for c in columns):
        for row in ws.iter_rows(2, last, 1, len(columns)):
            for cell in row:
                cell.alignment = WRAPPED


def _centre(ws: Worksheet, centred: list[bool], last: int) -> None:
    """Columns of numbers and dates centred (the streamed rows take row 2's style), wrapping
    kept: a right-aligned number no longer prints against the next column's text."""
    for number in (n for n, c in enumerate(centred, start=1) if c):
        for (cell,) in ws.iter_rows(2, last, number, number):
            old = cell.alignment
            cell.alignment = Alignment("center", old.vertical, wrap_text=old.wrap_text)


def _link_issues(ws: Worksheet, frame: pd.DataFrame, master: Path) -> None:
    """Each 单元格 links to the cell in the class workbook."""
    for row, column, link, _ in issue_links(frame, master):
        cell = ws.cell(row, column)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, target=link)
        cell.font = font_over(cell.font, color=LINK_COLOUR, underline="single")


def _rate_colours(ws: Worksheet, frame: pd.DataFrame) -> None:
    """Rates (完成率, 建档率) coloured from red (0%) through yellow to green (100%)."""
    for number, header in enumerate(frame.columns, start=1):
        if header.endswith("率") and len(frame):
            letter = column_letter(number)
            ws.conditional_formatting.add(f"{letter}2:{letter}{len(frame) + 1}", rate_scale())


def _sum_row(ws: Worksheet, frame: pd.DataFrame) -> dict[str, float]:
    """合计 row as formulas, so the totals recalculate when the lead filters or edits;
    returns {cell: the total xlsync computed} for the cached values."""
    if frame.empty:
        return {}
    last, totals = ws.max_row, {}
    ws.append(["合计"])
    for number, header in enumerate(frame.columns, start=1):
        if header in SUM_COLUMNS:
            letter = column_letter(number)
            put(ws, last + 1, number, sum_formula(letter, 2, last))
            totals[f"{letter}{last + 1}"] = float(frame[header].sum())
    for cell in ws[last + 1]:
        cell.font = font_over(cell.font, bold=True)
    return totals


CHART_CM = 16.0  # 概览's charts' width
DEFAULT_COLUMN_PX = 64  # a column of default width (8.43 characters of Calibri 11) in Excel


def chart_columns() -> tuple[str, str]:
    """Where 概览's two charts start, side by side: the second a column clear of the first
    (anchored at L, the 16 cm first chart covered its start in Excel and LibreOffice)."""
    span = math.ceil(CHART_CM / 2.54 * 96 / DEFAULT_COLUMN_PX) + 1
    return "D", column_letter(4 + span)


def _bar_chart(
    ws: Worksheet, title: str, first: int, last: int, anchor: str, number_format: str
) -> None:
    """Bars listed top to bottom in the table's order, each with its value written on it."""
    chart = BarChart()
    chart.type, chart.title, chart.legend = "bar", title, None
    chart.add_data(Reference(ws, min_col=2, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.x_axis.scaling.orientation = "maxMin"  # a bar chart draws its first category lowest
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.dataLabels = DataLabelList(  # the value only (LibreOffice adds the names unless told)
        showVal=True,
        showCatName=False,
        showSerName=False,
        showLegendKey=False,
        showPercent=False,
        numFmt=number_format or None,
    )
    chart.y_axis.scaling.min = 0  # bars measured from zero (a rate up to 100 %)
    if number_format == PERCENT:
        chart.y_axis.scaling.max = 1
    chart.height, chart.width = max(6, 0.6 * (last - first + 1) + 3), CHART_CM
    cache_values(chart, ws)  # what it shows, for readers that draw a chart from its cache
    ws.add_chart(chart, anchor)


def _write_overview(
    ws: Worksheet, figures: dict[str, Any], meta: dict[str, str]
) -> dict[str, float]:
    """概览; returns {cell: value} of its formula cells."""
    title, subtitle = overview_title(meta)
    append_values(ws, [title])
    ws["A1"].font = font_over(ws["A1"].font, bold=True, sz=16)
    append_values(ws, [subtitle])
    ws.append([])
    formulas = {}
    alarms = alarm_labels(figures)
    for label, value, number_format in figure_rows(figures, OVERDUE_LIST):
        append_values(ws, [label, value])
        ws.cell(ws.max_row, 2).number_format = number_format or "General"
        if label in alarms:
            _alarm(ws, ws.max_row)
        if isinstance(value, Formula) and value.cached is not None:
            formulas[f"B{ws.max_row}"] = value.cached
        ws.row_dimensions[ws.max_row].hidden = label == CHECK_LABEL  # a check, not a figure
    for (title, header, counts, number_format), anchor_col in zip(
        chart_blocks(figures), chart_columns(), strict=False
    ):
        ws.append([])
        append_values(ws, [title, header])
        for cell in ws[ws.max_row][:2]:
            cell.font = font_over(cell.font, bold=True)
        first = ws.max_row + 1
        for label, count in counts.items():
            append_values(ws, [label, count])
            ws.cell(ws.max_row, 2).number_format = number_format or "General"
        if counts:
            _bar_chart(ws, title, first, ws.max_row, f"{anchor_col}4", number_format)
    _overview_page(ws, meta)
    return formulas


def _alarm(ws: Worksheet, row: int) -> None:
    """An unreported 安全事件 line of 概览: red like 已逾期, bold (issue 19.4)."""
    fill, font = STATUS_STYLES[OVERDUE]
    for cell in ws[row][:2]:
        cell.fill = PatternFill("solid", fgColor=fill)
        cell.font = font_over(cell.font, bold=True, color=font)


def _overview_page(ws: Worksheet, meta: dict[str, str]) -> None:
    """Columns A:B as wide as their labels and values (a long list of names wraps), printed
    on one landscape page, figures and the charts beside them (its last rows spilled onto a
    second page at 100 %)."""
    rows = [[c.value for c in row[:2]] for row in ws.iter_rows(min_row=3, max_col=2)]
    columns = measure_rows(rows)  # row 3, blank, stands as the header
    for letter, column in zip("AB", columns, strict=False):
        ws.column_dimensions[letter].width = column.width
        if column.wrap:
            for cell in ws[letter][3:]:
                cell.alignment = WRAPPED
    for number, height in row_heights(rows, columns).items():  # a wrapped label's lines
        if number > 1 and height > (ws.row_dimensions[number + 2].height or 0):
            ws.row_dimensions[number + 2].height = height
            value = ws.cell(number + 2, 2)  # beside the label's first line, not its last
            value.alignment = Alignment(
                horizontal=value.alignment.horizontal,
                vertical="top",
                wrap_text=value.alignment.wrap_text,
            )
    print_setup(ws, PrintSetup(title_rows=0, caption=_caption(meta, ws.title), fit_height=1))
    ws.print_title_rows = None


def write_master(
    path: Path, tables: dict[str, Any], figures: dict[str, Any], meta: dict[str, str]
) -> None:
    """Rebuild every owned sheet of the master at `path` and save it atomically."""
    wb = open_master(path)
    edits: dict[str, Edit] = {
        OVERVIEW: cached_values(_write_overview(_owned_sheet(wb, OVERVIEW), figures, meta))
    }
    for name in OWNED_SHEETS[1:]:
        ws = _owned_sheet(wb, name)
        table = tables[name]
        edit = (
            write_streamed(ws, table, _caption(meta, name))
            if isinstance(table, Streamed)
            else write_frame(ws, table, name in BULK_SHEETS, _caption(meta, name))
        )
        if edit:
            edits[name] = edit
        if name in (OVERDUE_LIST, INCIDENT_LIST):
            status_colours(ws, f"A2:A{max(2, len(tables[name]) + 1)}")
        elif name == ISSUES:
            _link_issues(ws, tables[name], path)
        if name in (CLASS_STATS, TEACHER_STATS, DROPOUT_REPORT):
            _rate_colours(ws, tables[name])
        if name == CLASS_STATS:
            edits[name] = cached_values(_sum_row(ws, tables[name]))
    wb.active = wb.sheetnames.index(OVERVIEW)
    name = DefinedName(AS_OF_NAME, attr_text=as_of_formula(meta["as_of"]).lstrip("="))
    wb.defined_names[AS_OF_NAME] = name  # read back by the sync: data, not the title's text
    save_workbook(
        wb,
        path,
        rebuilt_sheets=OWNED_SHEETS,
        finish=lambda data: protected(edit_sheets(data, edits)),
    )


def _caption(meta: dict[str, str], sheet: str) -> Caption:
    return Caption(meta.get("school", ""), sheet, "", meta.get("as_of", ""))


def now_text() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M")
