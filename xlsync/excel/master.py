"""Rebuild the xlsync-owned sheets of the master open in Excel (汇总全校).

The same sheets, rows and values as the file writer (xlsync/files/master_writer.py): each
owned sheet is emptied in place and written in one block; headers, number formats, status
and rate colours, the 合计 formulas of 班级统计, links from 校验问题 to the class cells and
the two charts of 概览 follow. Colours are conditional formats, as in the file: a few calls
per sheet however many rows. Every other sheet of the open book is left as it is.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from xlsync.core.formula import sum_formula
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
    TIGHT_HEADER,
    Column,
    fit_columns,
    key_columns,
    measure_rows,
    page_plan,
    row_heights,
    unbroken,
)
from xlsync.core.render.spec import NO_CAPTION, Caption, PrintSetup, link_tip
from xlsync.core.tables import column_letter
from xlsync.excel.book import (
    Book,
    XlSheet,
    fresh_sheet,
    rate_scale,
    rgb,
    status_formats,
    style_header,
    write_rows,
)
from xlsync.excel.printing import page_setup
from xlsync.schema import CHANGES_SHEET, CHILDREN_SHEET, RECORDS_SHEET, RESULT_SHEETS
from xlsync.schema import CLASS_STATS_SHEET as CLASS_STATS
from xlsync.schema import INCIDENT_SUMMARY as INCIDENT_LIST
from xlsync.schema import ISSUES_SHEET as ISSUES
from xlsync.schema import OVERDUE_LIST_SHEET as OVERDUE_LIST
from xlsync.schema import OVERVIEW_SHEET as OVERVIEW


def _frame_rows(frame: pd.DataFrame) -> list[list[Any]]:
    return [list(frame.columns)] + [list(r) for r in frame.itertuples(index=False, name=None)]


def _is_dates(series: pd.Series) -> bool:
    values = series.dropna()
    return len(values) > 0 and all(
        hasattr(v, "year") and hasattr(v, "month") for v in values.head(20)
    )


BULK_SHEETS = (OVERDUE_LIST, CHILDREN_SHEET, RECORDS_SHEET, CHANGES_SHEET)  # as the file writer's


def write_table(sheet: XlSheet, frame: pd.DataFrame, caption: Caption = NO_CAPTION) -> None:
    """Header and rows of `frame`, with the file writer's header style, widths (measured from
    the values, long text wrapped), formats and print setup."""
    rows = _frame_rows(frame)
    write_rows(sheet, 1, 1, rows)
    columns = measure_rows(rows)
    if sheet.name not in BULK_SHEETS:  # as the file writer: long texts wrap to fit the page
        keep = [n for n, h in enumerate(frame.columns) if unbroken(frame[h].unique())]
        tight = measure_rows(rows, head_cap=TIGHT_HEADER)
        columns = fit_columns(columns, keep, tight)
    widths = [c.width for c in columns]
    style_header(sheet, len(frame.columns), widths)
    _wrap(sheet, columns, rows)
    hidden = hidden_columns(list(frame.columns))
    for number in hidden:
        sheet.range((1, number)).column_width = 0  # Excel hides a column of width 0
    shown = [0.0 if n in hidden else w for n, w in enumerate(widths, start=1)]
    plan = page_plan(shown, replace(caption, sheet=sheet.name), key_columns(list(frame.columns)))
    page_setup(sheet, plan, len(rows) + (sheet.name == CLASS_STATS), len(frame.columns))
    last = max(2, len(frame) + 1)
    for number, header in enumerate(frame.columns, start=1):
        if str(header).endswith("率"):
            cells = sheet.range((2, number), (last, number))
            cells.number_format = PERCENT
            if len(frame):
                rate_scale(cells)
        elif _is_dates(frame[header]):
            sheet.range((2, number), (last, number)).number_format = DATE_FORMAT


def _wrap(sheet: XlSheet, columns: list[Column], rows: list[list[Any]]) -> None:
    """Headers and long text wrap; rows of wrapped text get their height (as the file)."""
    sheet.range((1, 1), (1, len(columns))).wrap_text = True
    if any(c.wrap for c in columns) and len(rows) > 1:  # the whole row reads from the top
        sheet.range((2, 1), (len(rows), len(columns))).wrap_text = True
    for row, height in row_heights(rows, columns).items():
        sheet.range((row, 1)).row_height = height


def _sum_row(sheet: XlSheet, frame: pd.DataFrame) -> None:
    """合计 as formulas, so the totals recalculate when the lead edits (as in the file)."""
    if frame.empty:
        return
    last = len(frame) + 1
    row: list[Any] = ["合计"] + [None] * (len(frame.columns) - 1)
    for number, header in enumerate(frame.columns, start=1):
        if header in SUM_COLUMNS:
            row[number - 1] = sum_formula(column_letter(number), 2, last)
    write_rows(sheet, last + 1, 1, [row])
    sheet.range((last + 1, 1), (last + 1, len(row))).font.bold = True


def _link_issues(sheet: XlSheet, frame: pd.DataFrame, master: Path) -> None:
    """Each 单元格 links to the cell in the class workbook, with a Chinese screen tip."""
    for row, column, link, text in issue_links(frame, master):
        book, _, place = link.partition("#")
        tip = link_tip(place.rsplit("!", 1)[0].strip("'"), text, Path(book).name)
        sheet.range((row, column)).add_hyperlink(link, text, tip)


def write_overview(sheet: XlSheet, figures: dict[str, Any], meta: dict[str, str]) -> None:
    """概览: title, figures, and the two charted tables."""
    title, subtitle = overview_title(meta)
    lines = figure_rows(figures, OVERDUE_LIST)
    rows: list[list[Any]] = [[title], [subtitle], []] + [
        [label, value] for label, value, _ in lines
    ]
    write_rows(sheet, 1, 1, rows)  # text quote-prefixed, the COUNTIF (a Formula) as a formula
    sheet.range((1, 1)).font.bold = True
    alarms = alarm_labels(figures)
    for row, (label, _, number_format) in enumerate(lines, start=4):
        if number_format:
            sheet.range((row, 2)).number_format = number_format
        if label in alarms:  # an unreported 安全事件: red, as the file writer paints it
            _alarm(sheet.range((row, 1), (row, 2)))
        if label == CHECK_LABEL:  # a check, not a figure: out of the principal's view
            sheet.range((row, 1)).row_height = 0  # Excel hides a row of height 0
    sheet.range((1, 1)).column_width, sheet.range((1, 2)).column_width = 46, 12
    row = len(rows) + 1
    for (chart_title, header, counts, number_format), left in zip(
        chart_blocks(figures), (260, 700), strict=False
    ):
        row += 1
        write_rows(sheet, row, 1, [[chart_title, header]] + [[k, v] for k, v in counts.items()])
        sheet.range((row, 1), (row, 2)).font.bold = True
        if number_format and counts:
            sheet.range((row + 1, 2), (row + len(counts), 2)).number_format = number_format
        if counts:
            chart = sheet.charts.add(
                left=left, top=40, width=420, height=max(170, 17 * len(counts) + 85)
            )
            chart.chart_type = "bar_clustered"
            chart.set_source_data(sheet.range((row, 1), (row + len(counts), 2)))
        row += len(counts) + 1


def _alarm(cells: Any) -> None:
    """Red like 已逾期, bold: the file writer's look of an unreported 安全事件 line."""
    fill, font = STATUS_STYLES[OVERDUE]
    cells.color, cells.font.color, cells.font.bold = rgb(fill), rgb(font), True


def _caption(meta: dict[str, str]) -> Caption:
    return Caption(meta.get("school", ""), "", "", meta.get("as_of", ""))


def write_master(
    book: Book,
    master: Path,
    tables: dict[str, pd.DataFrame],
    figures: dict[str, Any],
    meta: dict[str, str],
) -> None:
    """Rebuild every owned sheet of the open master `book` (saved at `master`)."""
    overview = fresh_sheet(book, OVERVIEW, first=True)
    write_overview(overview, figures, meta)
    setup = PrintSetup(title_rows=0, caption=replace(_caption(meta), sheet=OVERVIEW), fit_height=1)
    page_setup(overview, setup)  # no print area: the charts lie to the right of the figures
    for previous, name in zip(RESULT_SHEETS, RESULT_SHEETS[1:], strict=False):
        sheet = fresh_sheet(book, name, after=previous)
        frame = tables[name]
        write_table(sheet, frame, _caption(meta))
        if name in (OVERDUE_LIST, INCIDENT_LIST) and len(frame):
            status_formats(sheet.range((2, 1), (len(frame) + 1, 1)))
        elif name == ISSUES and len(frame):
            _link_issues(sheet, frame, master)
        elif name == CLASS_STATS:
            _sum_row(sheet, frame)
    book.names.add(AS_OF_NAME, as_of_formula(meta["as_of"]))  # read back by the sync
    book.sheets[OVERVIEW].activate()
