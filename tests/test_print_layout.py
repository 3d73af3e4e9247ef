"""Widths, wrapping and print setup measured from what a sheet shows (issue 17 points 1-2):
the pure measuring in core/render/layout.py, the files it writes, and the pages LibreOffice
prints of the demo school's master and of a class workbook with its status written."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import excel_engine as xe
import pandas as pd
import pytest
from conftest import needs_soffice
from openpyxl import Workbook, load_workbook

from xlsync.core.findings import ERROR, Finding
from xlsync.core.render.class_book import check_spec
from xlsync.core.render.layout import (
    HEADER_CAP,
    LANDSCAPE_POINTS,
    MIN_POINTS,
    NARROW,
    TIGHT_HEADER,
    WIDE,
    Column,
    column_groups,
    frame_heights,
    line_height,
    measure,
    page_plan,
    points,
    row_heights,
    text_width,
    widest,
)
from xlsync.core.render.spec import Caption
from xlsync.demo import generate_school
from xlsync.excel.master import write_table
from xlsync.excel.render import draw as excel_draw
from xlsync.files.master_writer import OWNED_SHEETS
from xlsync.files.render import draw as file_draw
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.overdue import overdue
from xlsync.schema import CHECK_SHEET, CLASS_DIR, STATUS_SHEET

AS_OF = dt.date(2026, 11, 30)
SCHOOL = "青山镇中心小学"


def test_cjk_counts_15_pixels_and_dates_take_ten():
    """Widths in Excel's 7-pixel units: a CJK character is 15 px (2.14 units, not 2), ASCII
    its Calibri width (a digit 7.5 px), a date ten."""
    assert text_width("身份证号") == 4 * WIDE and WIDE == 15 / 7
    assert text_width("1234567") == 7.5 and text_width("il") < 2 < text_width("WM")
    assert text_width("「女生」") == 4 * WIDE  # full-width punctuation is wide too
    assert text_width(dt.date(2026, 9, 1)) == 10 == text_width(dt.datetime(2026, 9, 1))
    assert text_width("短\n第二行更长") == 5 * WIDE


def test_a_column_is_as_wide_as_its_longest_value_and_long_text_wraps():
    assert measure("日期", [dt.date(2026, 9, 1)]).width >= 10 + 1
    ids = measure("身份证号", ["431122201904250017"])
    assert ids.width >= 18 and not ids.wrap
    long = measure("问题与改法", ["身份证号第18位校验码应为 3，请核对。" * 3])
    assert long.wrap and long.width <= 42


def test_a_wide_table_fits_to_width_only_while_the_print_stays_8pt():
    narrow = page_plan([10] * 6, Caption())
    assert not narrow.landscape and narrow.fit_width
    fits = page_plan([12] * 14, Caption())  # too wide for 100 %, fine above 8 pt
    assert fits.landscape and fits.fit_width
    assert points([12] * 14) * MIN_POINTS / 11 <= LANDSCAPE_POINTS < points([12] * 14)
    wide = page_plan([13] * 34, Caption(), key_columns=2)
    assert wide.landscape and not wide.fit_width and wide.scale * 11 / 100 >= MIN_POINTS
    assert wide.title_columns == 2 and wide.column_breaks


def test_column_groups_hold_the_key_columns_and_whole_columns_within_a_page():
    widths = [10.0] * 30
    breaks = column_groups(widths, 2, LANDSCAPE_POINTS / 0.73)
    edges = [0, *breaks, 30]
    for first, last in zip(edges, edges[1:], strict=False):
        group = widths[:2] + widths[max(first, 2) : last]
        assert points(group) <= LANDSCAPE_POINTS / 0.73


def test_large_tables_get_the_same_row_heights_and_widths_by_the_fast_path():
    """The master's big sheets are measured by distinct values (frame_heights, widest); they
    must agree with measuring every cell."""
    texts = ["短", "了解想念父母的心情，鼓励写信" * 4, None, "abc " * 30, "第一行\n" * 3]
    frame = pd.DataFrame(
        {"班级": ["三年级2班"] * 5, "内容摘要": texts, "来源行": [2, 30, 400, 5000, -7]}
    )
    columns = [measure(h, frame[h].unique()) for h in frame.columns]
    rows = [list(frame.columns)] + [list(r) for r in frame.itertuples(index=False, name=None)]
    heights = frame_heights(frame, columns)
    assert heights == row_heights(rows, columns) and heights[6] == line_height(4)  # 3 + a blank
    for h in frame.columns:
        assert widest(frame[h].unique()) == max(text_width(v) for v in frame[h])


def test_the_footer_names_school_class_sheet_date_and_page():
    left, centre, right = Caption("A&B小学", "逾期提醒", "三年级2班", "2026-11-30").footer()
    assert left == "A&&B小学　三年级2班　逾期提醒"
    assert centre == "第 &P 页 共 &N 页" and right == "截至 2026-11-30"


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("print") / "演示学校"
    master = generate_school(folder, AS_OF)
    consolidate(master, as_of=AS_OF)
    path = folder / CLASS_DIR / "三年级2班.xlsx"
    overdue([path], master, AS_OF, write=True)
    return folder


def _longest(ws, column: int, head_cap: float = HEADER_CAP) -> Column:
    """What the column needs for the values it shows (a 合计 formula shows its total)."""
    cells = list(ws.iter_cols(column, column))[0][1:]
    shown = [c.value for c in cells if not (isinstance(c.value, str) and c.value.startswith("="))]
    return measure(ws.cell(1, column).value, shown, head_cap=head_cap)


def test_every_owned_column_of_the_master_holds_its_longest_value(school: Path):
    wb = load_workbook(school / "全校汇总.xlsx")
    for name in OWNED_SHEETS[1:]:
        ws = wb[name]
        for column in range(1, ws.max_column + 1):
            letter = ws.cell(1, column).column_letter
            width = ws.column_dimensions[letter].width
            # the values, under a header that may wrap at TIGHT_HEADER (fit_columns)
            needed = _longest(ws, column, TIGHT_HEADER)
            if ws.cell(2, column).alignment.wrap_text and width < needed.width:
                assert width == NARROW, (name, ws.cell(1, column).value)  # fit_columns
                continue
            assert width >= needed.width, (name, ws.cell(1, column).value)
            if needed.wrap:
                assert ws.cell(2, column).alignment.wrap_text, (name, letter)


def test_the_master_prints_with_its_caption_and_within_8pt(school: Path):
    wb = load_workbook(school / "全校汇总.xlsx")
    for name in OWNED_SHEETS:
        ws = wb[name]
        assert SCHOOL in ws.oddFooter.left.text and name in ws.oddFooter.left.text
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert ws.oddFooter.right.text == "截至 2026-11-30"
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_margins.left == 0.4
        if not ws.sheet_properties.pageSetUpPr.fitToPage:
            assert ws.page_setup.scale * 11 / 100 >= MIN_POINTS and ws.print_title_cols
    assert wb["全校档案"].print_title_cols == "$A:$B"  # 班级, 姓名 on every column group


def test_the_class_sheets_print_with_school_and_class(school: Path):
    wb = load_workbook(school / CLASS_DIR / "三年级2班.xlsx")
    ws = wb[STATUS_SHEET]
    assert ws.oddFooter.left.text == f"{SCHOOL}　三年级2班　{STATUS_SHEET}"
    for column in range(1, ws.max_column + 1):
        letter = ws.cell(1, column).column_letter
        values = [ws.cell(r, column).value for r in range(2, ws.max_row + 1)]
        lines = [v for r, v in enumerate(values, start=2) if ws.cell(r, 2).value is not None]
        assert ws.column_dimensions[letter].width >= measure(ws.cell(1, column).value, lines).width


def _pages(path: Path, out: Path) -> list[str]:
    profile = f"-env:UserInstallation=file://{out / 'lo-profile'}"
    command = ["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(out)]
    subprocess.run([*command, str(path)], check=True, timeout=600, capture_output=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out / (path.stem + ".pdf")), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def _owned_only(source: Path, keep: tuple[str, ...], target: Path) -> Path:
    wb = load_workbook(source)
    for name in wb.sheetnames:
        if name not in keep:
            del wb[name]
    wb.save(target)
    return target


@needs_soffice
@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_every_printed_page_is_readable_and_says_what_it_is(school: Path, tmp_path: Path):
    """Every owned sheet of the master and of a status-written class workbook, printed by
    LibreOffice: no ### anywhere, each page's footer names the school and its page number."""
    master = _owned_only(school / "全校汇总.xlsx", OWNED_SHEETS, tmp_path / "master.xlsx")
    pages = _pages(master, tmp_path)
    klass = _owned_only(
        school / CLASS_DIR / "三年级2班.xlsx", (STATUS_SHEET, CHECK_SHEET), tmp_path / "class.xlsx"
    )
    class_pages = _pages(klass, tmp_path)
    assert [p.splitlines()[-1] for p in pages + class_pages if "###" in p] == []
    printed = set()
    for page in pages + class_pages:
        footer = [line for line in page.splitlines() if line.strip()][-1]
        assert SCHOOL in footer and "第" in footer and "页" in footer, footer
        printed.add(footer.split()[1] if footer.split()[1] != "三年级2班" else footer.split()[2])
    assert printed >= set(OWNED_SHEETS) | {STATUS_SHEET}


def _finding(message: str) -> Finding:
    return Finding(
        "phone-invalid", ERROR, "三年级2班.xlsx", "学生档案", 4, "监护人电话", "P4", "12", message
    )


def test_excel_prints_the_class_sheets_as_the_file_does(tmp_path: Path):
    """The Excel buttons (xlwings, on the test engine) give 校验结果 the file writer's widths,
    wrapping, row heights and page setup, through Excel's PageSetup object."""
    caption = Caption(SCHOOL, "", "三年级2班", "2026-11-30")
    spec = check_spec([_finding("电话不是有效号码：手机应为 1 开头的 11 位，" * 3)], [], caption)
    book = xe.new_book(tmp_path / "excel.xlsx")
    book.sheets.add("Sheet1")
    excel_draw(book, spec)
    book.save(str(tmp_path / "excel.xlsx"))
    wb = Workbook()
    file_draw(wb, spec)
    wb.save(tmp_path / "file.xlsx")
    excel, file = (load_workbook(tmp_path / f"{n}.xlsx")[CHECK_SHEET] for n in ("excel", "file"))
    for ws in (excel, file):
        assert ws.oddFooter.left.text == f"{SCHOOL}　三年级2班　{CHECK_SHEET}"
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert ws.page_setup.orientation == file.page_setup.orientation
        assert ws.print_title_rows == "$1:$1"
        assert ws.print_area == file.print_area
        assert ws.row_dimensions[2].height == spec.heights[2] > 15
    message = [c for c, h in enumerate(spec.rows[0], 1) if h == "问题与改法"][0]
    letter = file.cell(1, message).column_letter
    assert excel.column_dimensions[letter].width == file.column_dimensions[letter].width
    assert excel.cell(2, message).alignment.wrap_text and file.cell(2, message).alignment.wrap_text


def test_excel_master_tables_are_measured_and_split_with_keys_repeated(tmp_path: Path):
    """汇总全校 in Excel: 全校档案-wide tables split into column groups at 73 %, 班级 and 姓名
    repeated; dates as wide as yyyy-mm-dd."""
    frame = pd.DataFrame(
        [["三年级2班", "王小明", dt.date(2026, 9, 1), *["很长的一段家庭住址"] * 30]],
        columns=["班级", "姓名", "建档日期", *[f"列{i}" for i in range(30)]],
    )
    book = xe.new_book(tmp_path / "m.xlsx")
    sheet = book.sheets.add("全校档案")
    write_table(sheet, frame, Caption(SCHOOL, "", "", "2026-11-30"))
    book.save(str(tmp_path / "m.xlsx"))
    ws = load_workbook(tmp_path / "m.xlsx")["全校档案"]
    assert ws.column_dimensions["C"].width >= 12
    assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.scale == 73
    assert ws.print_title_cols == "$A:$B" and ws.col_breaks.brk
    assert ws.oddFooter.left.text == f"{SCHOOL}　全校档案"
