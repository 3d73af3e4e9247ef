"""What a lead sees when printing the master (issue 22's print review): rows as tall as their
lines (no blank line, nothing cut), 概览 on one page, every small owned sheet one page wide with
its header on each page, numbers and dates centred so they do not print against the next
column, and template headers in the body's font."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import needs_uno
from openpyxl import load_workbook
from test_print_layout import _owned_only, _pages

from xlsync.core.render.layout import (
    LANDSCAPE_POINTS,
    PORTRAIT_POINTS,
    Column,
    column_groups,
    header_lines,
    line_height,
    lines,
    points,
    text_width,
)
from xlsync.core.tables import column_letter
from xlsync.demo import DemoSize, generate_school
from xlsync.files.master_writer import OWNED_SHEETS
from xlsync.jobs.consolidate import consolidate
from xlsync.schema import CLASS_DIR, STATUS_SHEET

AS_OF = dt.date(2026, 11, 20)
LO_HEIGHTS = Path(__file__).parent / "lo_heights.py"
TEMPLATES = Path(__file__).parent.parent / "workbook_templates"
BIG = "全校档案"  # 57 columns: one page wide would print at 2 pt, so column groups

# Lines LibreOffice (with Carlito, Calibri's metric twin, as Excel and WPS draw Calibri) broke
# these texts into, in a wrapped column of the given width (measured once, tests/lo_heights.py).
MEASURED = [
    (42, "汉" * 20, 2),
    (42, "汉" * 39, 3),
    (42, "1" * 75, 3),
    (20, "汉" * 10, 2),
    (10, "汉" * 5, 2),
    (42, "身份证号 431122201908200113 的第 18 位校验码应为 3，请核对后改正。", 2),
    (42, "电话不是有效号码：手机应为 1 开头的 11 位，座机写成 0731-12345678。" * 2, 4),
    (20, "WWWWWWWWWWWWWWWWWWWWWWWW", 3),
    (20, "mmmm mmmm mmmm mmmm mmmm mmmm", 3),
    (
        42,
        "「本学年漏 1 次，最近一次漏在 国庆节（10-01）」「本学年漏 1 次，最近一次漏在 国庆节」",
        3,
    ),
    (42, "第一行\n第二行比较长一些，" + "汉" * 25, 3),
    (42, "周末独自在家两天,无人照看,手臂有擦伤,邻居发现后告知班主任,已联系其父亲", 2),
]


@pytest.mark.parametrize(("width", "text", "measured"), MEASURED)
def test_line_counts_are_those_the_programs_print(width: int, text: str, measured: int):
    """Hostile texts (CJK just over a line, long numbers, wide Latin letters, words that must
    not break, kinsoku punctuation, a typed line break): the estimate is the measured count."""
    assert lines(text, Column(width, True)) == measured


# Header lines LibreOffice (with Carlito) gave a bold header over a filter button: a header
# that does not fit the whole width wraps one CJK character short of it (安全事件汇总's
# 监护人已通知 over 8 characters took three lines, not the two its row was given).
MEASURED_HEADERS = [(8, 3, 1), (8, 4, 2), (8, 6, 3), (8, 8, 4), (10, 5, 2), (10, 7, 3), (12, 8, 2)]


@pytest.mark.parametrize(("width", "characters", "measured"), MEASURED_HEADERS)
def test_header_lines_leave_room_for_the_filter_button(width: int, characters: int, measured: int):
    assert header_lines("汉" * characters, Column(width, True)) == measured


def test_a_row_is_one_tall_line_then_a_line_of_chinese_each():
    assert line_height(1) == 17.25 and line_height(4) == 17.25 + 3 * 15.75


def test_column_groups_are_even_with_no_page_of_a_column_or_two():
    widths = [10.0] * 2 + [12.0] * 30  # 14 + 14 + 2 columns, greedily
    breaks = column_groups(widths, 2, LANDSCAPE_POINTS / 0.73)
    edges = [2, *breaks, len(widths)]
    sizes = [b - a for a, b in zip(edges, edges[1:], strict=False)]
    assert len(sizes) > 1 and min(sizes) >= 3 and max(sizes) - min(sizes) <= 2, sizes


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fit") / "学校"
    master = generate_school(folder, AS_OF, DemoSize(4, 12), seed=3)
    consolidate(master, as_of=AS_OF)
    return folder


def test_every_owned_sheet_prints_one_page_wide_with_its_header_on_each_page(school: Path):
    wb = load_workbook(school / "全校汇总.xlsx")
    for name in OWNED_SHEETS[1:]:
        ws = wb[name]
        widths = [ws.column_dimensions[c[0].column_letter].width for c in ws.iter_cols(1)]
        if name == BIG:
            assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_cols
            continue
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), name
        assert ws.page_setup.orientation == (
            "landscape" if points(widths) > PORTRAIT_POINTS else "portrait"
        ), name
        assert ws.print_title_rows == "$1:$1" and not ws.col_breaks.brk, name
        assert ws.sheet_format.customHeight and ws.sheet_format.defaultRowHeight == 17.25


def test_overview_prints_on_one_page(school: Path):
    ws = load_workbook(school / "全校汇总.xlsx")["概览"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)


def test_overview_labels_wider_than_their_column_wrap_in_a_row_tall_enough(school: Path):
    """本学年按时完成率（已到期的帮扶中按时完成的比例） wrapped in column A with no row height:
    its end was cut, as was the 【紧急】 line's advice beside the classes in column B."""
    ws = load_workbook(school / "全校汇总.xlsx")["概览"]
    column = Column(ws.column_dimensions["A"].width, True)
    long = [c for c in ws["A"][3:] if isinstance(c.value, str) and lines(c.value, column) > 1]
    assert long
    for cell in long:
        assert cell.alignment.wrap_text
        height = ws.row_dimensions[cell.row].height
        assert height is not None and height >= line_height(lines(cell.value, column)), cell


def test_overview_charts_stand_side_by_side_without_overlapping(school: Path):
    """The second chart was anchored at L, inside the first (16 cm from D over columns of
    Excel's default 64 px): its frame covered the first chart's bars and their values."""
    ws = load_workbook(school / "全校汇总.xlsx")["概览"]
    first, second = (chart.anchor for chart in ws._charts)
    assert first._from.row == second._from.row
    for column in range(first._from.col + 1, second._from.col + 1):  # default widths between
        assert column_letter(column) not in ws.column_dimensions
    room = (second._from.col - first._from.col) * 64  # pixels
    assert room >= first.ext.width / 9525  # EMU per pixel


def test_numbers_and_dates_are_centred_not_against_the_next_column(school: Path):
    """逾期天数 right-aligned printed against 来源文件 (逾期清单) and 帮扶教师 (逾期提醒)."""
    wb = load_workbook(school / "全校汇总.xlsx")
    for name, header in (
        ("逾期清单", "逾期天数"),
        ("逾期清单", "截止日期"),
        ("安全事件汇总", "发现日期"),
    ):
        ws = wb[name]
        column = [c.value for c in ws[1]].index(header) + 1
        assert ws.cell(2, column).alignment.horizontal == "center", (name, header)
    ws = wb["逾期清单"]
    assert ws.cell(1, 10).value == "来源文件" and ws.cell(2, 10).alignment.horizontal != "center"
    klass = next((school / CLASS_DIR).glob("*.xlsx"))
    ws = load_workbook(klass)[STATUS_SHEET]
    header = [c.value for c in ws[1]]
    days = [r for r in range(2, ws.max_row + 1) if isinstance(ws.cell(r, 6).value, int)]
    assert header[5] == "逾期天数" and days
    assert all(ws.cell(r, 6).alignment.horizontal == "center" for r in days)


def test_template_headers_name_the_body_font():
    for path in TEMPLATES.glob("*.xlsx"):
        wb = load_workbook(path)
        for ws in wb.worksheets:
            body = ws.parent._fonts[0]  # the workbook's default font
            for cell in ws[1]:
                if cell.value is not None:
                    assert cell.font.name == body.name, (path.name, ws.title, cell.coordinate)


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
@needs_uno
def test_libreoffice_prints_small_sheets_on_one_page(school: Path, tmp_path: Path):
    """LibreOffice's own pagination: 概览 (charts included), 安全事件汇总, 班级统计 and 教师统计
    each on one page (概览's last rows and 安全事件汇总's columns took three pages)."""
    keep = ("概览", "安全事件汇总", "班级统计", "教师统计")
    pages = _pages(_owned_only(school / "全校汇总.xlsx", keep, tmp_path / "m.xlsx"), tmp_path)
    footers = [[line for line in p.splitlines() if line.strip()][-1].split()[1] for p in pages]
    assert footers == list(keep)


def _carlito() -> bool:
    found = subprocess.run(["fc-match", "Calibri"], capture_output=True, text=True).stdout
    return "Carlito" in found


@pytest.mark.soffice
@needs_uno
@pytest.mark.parametrize("sheet", ["校验问题", "安全事件汇总"])
def test_libreoffice_needs_no_row_taller_than_given(school: Path, sheet: str):
    """LibreOffice's optimal height of each row, header included (it wraps a header beside its
    filter button): never more than the file gives (a cut line); with Carlito installed
    (fonts-crosextra-carlito, the metrics of Excel's Calibri) at most one line less (its CJK
    font draws 14.7 px a character where Excel's draws 15, and it squeezes CJK punctuation, so
    a text that just fills its lines in Excel may take one line less here)."""
    done = subprocess.run(
        ["/usr/bin/python3", str(LO_HEIGHTS), str(school / "全校汇总.xlsx"), sheet],
        capture_output=True,
        text=True,
        timeout=300,
    )
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    line = 15.75 * 2540 / 72  # in 1/100 mm, LibreOffice's unit
    assert len(rows) > 2
    for row in rows:
        assert row["needed"] <= row["height"] + 5, row  # rounding to 1/100 mm
        if _carlito():
            assert row["height"] - row["needed"] < line * 1.5, row


def test_template_guide_lines_wrap_inside_the_printed_page():
    """说明's numbered lines ran past column E, its rules past D: cut at the page's edge."""
    ws = load_workbook(TEMPLATES / "班级台账.xlsx")["说明"]
    guide = [r for r in range(2, ws.max_row + 1) if str(ws.cell(r, 1).value or "")[:2] == "1."]
    merged = {str(m) for m in ws.merged_cells.ranges}
    row = guide[0]
    assert f"A{row}:E{row}" in merged and ws.cell(row, 1).alignment.wrap_text
    width = sum(ws.column_dimensions[c].width for c in "ABCDE")
    assert ws.row_dimensions[row].height == line_height(
        lines(ws.cell(row, 1).value, Column(width, True))
    )
    rules = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 4).value == "填写要求"][0]
    long = [r for r in range(rules + 1, ws.max_row) if text_width(ws.cell(r, 4).value) > 80]
    assert long and all(ws.cell(r, 4).alignment.wrap_text for r in long)
