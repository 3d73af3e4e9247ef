"""Writing the county workbook (县汇总.xlsx): 学校统计, 逾期 (with its chart), 数据时效, 变更,
then any extra sheets a caller adds (e.g. the children on file in two schools), through the
safe writer (atomic; a 县汇总 open in Excel, or holding sheets the clerk added, is not
overwritten, and the previous one is backed up)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.county import County
from xlsync.core.county_sheets import (
    TOP_BEHIND,
    changes_table,
    freshness_table,
    overdue_table,
    school_table,
)
from xlsync.core.master_view import DATE_FORMAT, PERCENT
from xlsync.core.render.layout import key_columns, measure_rows, page_plan, row_heights
from xlsync.core.render.spec import Caption
from xlsync.core.tables import Grid, column_letter
from xlsync.files.chart_cache import cache_values
from xlsync.files.safe_write import save_workbook
from xlsync.files.sheets import append_values, rate_scale, style_table
from xlsync.files.xlsx_styles import font_over
from xlsync.schema import COUNTY_SHEETS

SCHOOLS, OVERDUE, FRESHNESS, CHANGES = COUNTY_SHEETS
CAPTION = "县汇总"
# counts where more is worse: white → red
ALARM_COLUMNS = frozenset(
    {"已逾期项数", "有逾期的学生", "安全事件未报告", "辍学", "劝返中", "校验错误", "人均逾期项数"}
)
ALARM_SCALE = ("FFFFFF", "F8696B")
WRAP, TOP = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")


def write_county(path: Path, county: County, extra: Mapping[str, Grid] = {}) -> None:
    """Write the county workbook of `county` to `path`; `extra` sheets (name → rows, the first
    row a header) come after the four county sheets, styled like them."""
    tables: dict[str, Grid] = {
        SCHOOLS: school_table(county),
        OVERDUE: overdue_table(county),
        FRESHNESS: freshness_table(county),
        CHANGES: changes_table(county),
        **extra,
    }
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        _sheet(wb.create_sheet(name), rows, county.as_of, name != FRESHNESS and name != CHANGES)
    _overdue_chart(wb[OVERDUE], len(tables[OVERDUE]) - 2)
    save_workbook(wb, path, rebuilt_sheets=tuple(tables))


def _sheet(ws: Worksheet, rows: Grid, as_of: dt.date, totalled: bool) -> None:
    """One table: values, number formats, colours, widths and A4 printing."""
    for row in rows:
        append_values(ws, list(row))
    header = [str(h) for h in rows[0]]
    _formats(ws, header)
    last = len(rows) - 1 if totalled else len(rows)  # the 合计 row is not coloured
    _scales(ws, header, last)
    if totalled and len(rows) > 1:
        for cell in ws[len(rows)]:
            cell.font = font_over(cell.font, bold=True)
    columns = measure_rows([list(r) for r in rows])
    widths = [c.width for c in columns]
    caption = Caption(CAPTION, ws.title, "", as_of.isoformat())
    style_table(ws, widths, page_plan(widths, caption, key_columns(header) or 1))
    for number, column in enumerate(columns, start=1):
        for (cell,) in ws.iter_rows(min_row=2, min_col=number, max_col=number):
            cell.alignment = WRAP if column.wrap else TOP  # long explanations wrap
    for number, height in row_heights([list(r) for r in rows], columns).items():
        ws.row_dimensions[number].height = height  # LibreOffice does not grow rows itself


def _is_rate(header: str) -> bool:
    """A rate where 100 % is the goal (coloured); a share (占比) is only formatted."""
    return header.endswith("率")


def _formats(ws: Worksheet, header: Sequence[str]) -> None:
    for number, name in enumerate(header, start=1):
        percent = _is_rate(name) or name.endswith("占比")
        fmt = PERCENT if percent else DATE_FORMAT if name == "汇总截至" else None
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=number, max_col=number):
                cell.number_format = fmt


def _scales(ws: Worksheet, header: Sequence[str], last: int) -> None:
    """Rates red → yellow → green; alarming counts white → red."""
    if last < 2:
        return
    for number, name in enumerate(header, start=1):
        cells = f"{column_letter(number)}2:{column_letter(number)}{last}"
        if _is_rate(name):
            ws.conditional_formatting.add(cells, rate_scale())
        elif name in ALARM_COLUMNS:
            low, high = ALARM_SCALE
            rule = ColorScaleRule(start_type="min", start_color=low, end_type="max", end_color=high)
            ws.conditional_formatting.add(cells, rule)


def _overdue_chart(ws: Worksheet, schools: int) -> None:
    """Bars of 已逾期项数 for the schools most behind (the sheet lists them first)."""
    shown = min(schools, TOP_BEHIND)
    if shown < 1:
        return
    chart = BarChart()
    chart.type, chart.legend = "bar", None
    chart.title = f"已逾期项数最多的 {shown} 所学校"
    chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=shown + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=shown + 1))
    chart.x_axis.scaling.orientation = "maxMin"  # the first (most behind) school on top
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.y_axis.scaling.min = 0
    chart.dataLabels = DataLabelList(
        showVal=True, showCatName=False, showSerName=False, showLegendKey=False
    )
    chart.height, chart.width = max(6, 0.7 * shown + 3), 16
    cache_values(chart, ws)
    ws.add_chart(chart, f"A{ws.max_row + 3}")  # under the table: printed with it, full width
