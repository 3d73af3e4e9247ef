"""Every cell xlsync formats keeps a font name and size (files/xlsx_styles.font_over): a font
without a name (openpyxl's `Font(bold=True)`) prints in LibreOffice's default serif at 10 pt —
班级统计's 合计, 校验问题's and 校验结果's cell links, 概览's bold lines, the report's and the
county's bold cells looked like another document's."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from conftest import built_school
from openpyxl import load_workbook

from xlsync.core.status_view import owned_columns
from xlsync.demo import DemoSize, generate_school
from xlsync.files import refresh
from xlsync.files.master_writer import OWNED_SHEETS
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.county import county_rollup
from xlsync.jobs.export import export
from xlsync.jobs.report import make_report
from xlsync.schema import CHECK_SHEET, MASTER_FILE, STATUS_SHEET, STUDENTS

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> Path:
    return built_school(tmp_path_factory.mktemp("fonts") / "学校", classes=2, children=6, seed=5)


def _nameless(path: Path, sheets: tuple[str, ...] | None = None) -> list[str]:
    """The cells of `sheets` (all by default) holding a value in a font without a name or size."""
    wb = load_workbook(path)
    return [
        f"{ws.title}!{cell.coordinate}"
        for ws in wb.worksheets
        if sheets is None or ws.title in sheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value not in (None, "") and (cell.font.name is None or cell.font.sz is None)
    ]


def test_the_master_report_and_county_cells_keep_their_font(school, tmp_path):
    master = school / MASTER_FILE
    assert not _nameless(master, OWNED_SHEETS)
    report = make_report(master, None, False, AS_OF)
    assert not _nameless(Path(report.workbook))
    export(master, tmp_path / "各校" / "学校.xlsx")
    assert not _nameless(county_rollup(tmp_path / "各校", None, AS_OF).output)


@pytest.mark.parametrize("switch", ["0", "1"])  # openpyxl, and the package-level writer
def test_the_class_sheets_keep_the_workbook_font(tmp_path, switch):
    master = generate_school(tmp_path / "学校", AS_OF, DemoSize(2, 8), seed=5)
    os.environ[refresh.PACKAGE_WRITER_ENV] = switch
    try:
        consolidate(master, as_of=AS_OF)
    finally:
        del os.environ[refresh.PACKAGE_WRITER_ENV]
    for path in (master.parent / "班级台账").glob("*.xlsx"):
        assert not _nameless(path, (STATUS_SHEET, CHECK_SHEET)), path.name
        ws = load_workbook(path)[STUDENTS.name]
        block = owned_columns([c.value for c in ws[1]])
        assert block and all(ws.cell(1, c).font.name for c in block)  # the status headers
