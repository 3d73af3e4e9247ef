"""逾期提醒 on paper (the class workbook's to-do list, written back by 汇总 on both writer paths):
every row as tall as its printed lines — no blank line under a 周期 that one program wraps and
another does not, no line cut — every 档案行 link printed blue and underlined, section titles
printed whole. Checked against the text's line count and against LibreOffice's own measure."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import needs_uno
from openpyxl import load_workbook

from xlsync.core.render.layout import (
    BOLD,
    LINE_POINTS,
    PADDING,
    Column,
    line_height,
    lines,
    text_width,
)
from xlsync.core.render.spec import height_runs
from xlsync.demo import DemoSize, generate_school
from xlsync.files import refresh
from xlsync.jobs.consolidate import consolidate
from xlsync.schema import STATUS_SHEET

AS_OF = dt.date(2026, 11, 30)
LO_HEIGHTS = Path(__file__).parent / "lo_heights.py"
PERIOD, LINK = 4, 8  # 周期 and 档案行
LINK_COLOUR = "000563C1"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    """One class (an unreported 安全事件, 周期 texts of 41 and 54 characters' width) written
    back by 汇总 through openpyxl and through the package-level writer."""
    source = tmp_path_factory.mktemp("todo") / "source"
    master = generate_school(source / "学校", AS_OF, DemoSize(1, 20), seed=1)
    found = {}
    for way, switch in (("openpyxl", "0"), ("package", "1")):
        copy = source.parent / way
        shutil.copytree(master.parent, copy)
        os.environ[refresh.PACKAGE_WRITER_ENV] = switch
        try:
            consolidate(copy / master.name, as_of=AS_OF)
        finally:
            del os.environ[refresh.PACKAGE_WRITER_ENV]
        found[way] = next((copy / "班级台账").glob("*.xlsx"))
    return found


def _todo(path: Path):
    return load_workbook(path)[STATUS_SHEET]


def _titles(ws) -> list[int]:
    return [r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value and not ws.cell(r, 2).value]


@pytest.mark.parametrize("way", ["openpyxl", "package"])
def test_every_row_is_as_tall_as_its_lines(written, way):
    """A row is LINE_POINTS (a printed line of Chinese, taller than the programs' own 15 pt
    rows, which cut off underlines) and NEXT_LINE_POINTS more for each further line of its
    wrapped cells in their columns (line_height)."""
    ws = _todo(written[way])
    columns = {
        n: Column(ws.column_dimensions[chr(64 + n)].width, False) for n in range(1, LINK + 1)
    }
    for row in range(1, ws.max_row + 1):
        wrapped = [
            lines(ws.cell(row, n).value, Column(c.width, True), bold=row == 1)
            for n, c in columns.items()
            if ws.cell(row, n).alignment.wrap_text
        ]
        assert ws.row_dimensions[row].height == line_height(max(wrapped, default=1)), row


@pytest.mark.parametrize("way", ["openpyxl", "package"])
def test_periods_print_on_one_line_where_the_page_has_room(written, way):
    """周期 is as wide as its longest text (41 and 54 wide here, over the old 40 cap), so no
    program wraps it: the 54-wide one prints on one line in LibreOffice and on two in Excel
    in a column 40 wide."""
    ws = _todo(written[way])
    periods = [ws.cell(r, PERIOD).value for r in range(2, ws.max_row + 1)]
    assert max(text_width(p) for p in periods if p) > 50
    width = ws.column_dimensions["D"].width
    assert width >= max(text_width(p) for p in periods if p) + PADDING
    assert all(ws.row_dimensions[r].height == LINE_POINTS for r in range(2, ws.max_row + 1))


@pytest.mark.parametrize("way", ["openpyxl", "package"])
def test_every_link_is_styled_and_titles_print_whole(written, way):
    ws = _todo(written[way])
    links = [c for row in ws.iter_rows(min_row=2) for c in row if c.hyperlink]
    assert len(links) > 10
    for cell in links:
        assert cell.column == LINK and cell.font.u == "single", cell.coordinate
        assert cell.font.color.rgb == LINK_COLOUR, cell.coordinate
        assert ws.row_dimensions[cell.row].height >= LINE_POINTS > 15
    titles = _titles(ws)
    assert len(titles) == 4 and str(ws.cell(titles[0], 1).value).startswith("紧急")
    table = sum(ws.column_dimensions[chr(64 + n)].width for n in range(1, LINK + 1))
    for row in titles:  # on one line, running over the row's empty cells, inside the table
        assert not ws.cell(row, 1).alignment.wrap_text
        assert text_width(ws.cell(row, 1).value) * BOLD + PADDING <= table


def test_heights_are_set_a_run_at_a_time():
    assert height_runs({1: 17.25, 2: 17.25, 3: 34.5, 4: 17.25, 6: 17.25}) == [
        (1, 2, 17.25),
        (3, 3, 34.5),
        (4, 4, 17.25),
        (6, 6, 17.25),
    ]


@pytest.mark.soffice
@needs_uno
@pytest.mark.parametrize("way", ["openpyxl", "package"])
def test_libreoffice_needs_no_row_taller_and_none_much_shorter(written, way):
    """LibreOffice's own measure of each row ("optimal height"): none needs more than the file
    gives (a cut underline or line), none needs half a line less (a blank-looking gap)."""
    done = subprocess.run(
        ["/usr/bin/python3", str(LO_HEIGHTS), str(written[way]), STATUS_SHEET],
        capture_output=True,
        text=True,
        timeout=300,
    )
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    half_line = LINE_POINTS / 2 * 2540 / 72  # in 1/100 mm, LibreOffice's unit
    assert len(rows) == _todo(written[way]).max_row
    for row in rows:
        assert row["needed"] <= row["height"] + 5, row  # rounding to 1/100 mm
        assert row["height"] - row["needed"] < half_line, row
