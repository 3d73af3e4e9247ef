"""One render spec, three engines: the status block, 逾期提醒, the 校验 marks and 校验结果 that
`overdue --write` / `validate --annotate` write into a file, that the Excel buttons write into
the open book (xlwings on the test engine), and that the Google writers send to the Sheets fake are
the same cells, formats, rules, links, notes and widths."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import excel_engine as xe
import pytest
from conftest import SID, write_class_book
from openpyxl import load_workbook
from test_google_classes import RECORD_ROWS, STUDENTS_ROWS, fill, google

import xlsync.ribbon as entry
from xlsync.core.render.class_book import SECTION_LOOK
from xlsync.core.status_view import NOTE_MARK, owned_columns
from xlsync.jobs.classes import new_class
from xlsync.jobs.overdue import overdue
from xlsync.jobs.validate import validate
from xlsync.schema import CHECK_SHEET, CLASS_DIR, RECORDS, STATUS_SHEET, STUDENTS

AS_OF = dt.date(2026, 11, 30)
SHEETS = (STUDENTS.name, STATUS_SHEET, CHECK_SHEET)
_SEARCH = re.compile(r'SEARCH\("([^"]+)"')


def value(v: Any) -> Any:
    """A value as a teacher reads it, whichever engine stored it."""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v):
        return float(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return None if v == "" else v


def colour(argb: Any) -> str | None:
    text = getattr(argb, "rgb", argb)
    return text[-6:].upper() if isinstance(text, str) and text[-6:] != "000000" else None


def _owned(cells: dict, header_row: int = 1) -> set[int]:
    header = [cells.get((header_row, c), {}).get("value") for c in range(1, 80)]
    return set(owned_columns(header))


def _keep(sheet: str, cells: dict) -> dict:
    """Formats of xlsync's cells only: the status block, marked cells, and its own sheets (the
    class template's own header colours and validations differ per engine and are not ours)."""
    owned = _owned(cells) if sheet == STUDENTS.name else None
    kept = {}
    for (r, c), cell in cells.items():
        ours = owned is None or c in owned
        marked = bool(cell.get("note")) and str(cell["note"]).startswith(NOTE_MARK)
        mine = {
            k: v
            for k, v in cell.items()
            if k == "value" or ours or (marked and k in ("fill", "note"))
        }
        if any(v not in (None, False, "General") for v in mine.values()):
            kept[(r, c)] = mine
    return kept


# ------------------------------------------------------------------ reading each engine back


def read_xlsx(path: Path) -> dict[str, dict]:
    """Cells, rules and widths of the xlsx at `path`, normalised."""
    wb = load_workbook(path)
    out = {}
    for name in SHEETS:
        ws = wb[name]
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                link = c.hyperlink and (c.hyperlink.location or c.hyperlink.target or "")
                cell = {
                    "value": value(c.value),
                    "fill": colour(c.fill.fgColor) if c.fill.fill_type == "solid" else None,
                    "font": colour(c.font.color) if c.font and c.font.color else None,
                    "bold": bool(c.font and c.font.b),
                    "format": "General" if c.number_format == "General" else c.number_format,
                    "note": c.comment.text if c.comment else None,
                    "link": link.lstrip("#") if link else None,
                    "wrap": bool(c.alignment.wrap_text) and c.row > 1,  # headers: see below
                }
                if any(v not in (None, False, "General") for v in cell.values()):
                    cells[(c.row, c.column)] = cell
        rules = []
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                found = _SEARCH.search(rule.formula[0]) if rule.formula else None
                kind = ("contains", found.group(1)) if found else ("greater_than", rule.formula[0])
                fill, font = rule.dxf.fill, rule.dxf.font
                rules.append(
                    (
                        str(cf.sqref),
                        *kind,
                        colour(fill.bgColor) or colour(fill.fgColor),
                        colour(font.color),
                    )
                )
        hidden = {
            column_index(letter)
            for letter, d in ws.column_dimensions.items()
            if d.hidden or (d.customWidth and d.width == 0)  # Excel hides a column of width 0
        }
        widths = {
            column_index(letter): 0 if column_index(letter) in hidden else d.width
            for letter, d in ws.column_dimensions.items()
            if d.customWidth or d.hidden
        }
        out[name] = {
            "cells": _keep(name, cells),
            "rules": sorted(rules),
            "widths": widths,
            "hidden": hidden,
        }
        heights = {r: d.height for r, d in ws.row_dimensions.items() if d.customHeight}
        footer = (ws.oddFooter.left.text, ws.oddFooter.center.text, ws.oddFooter.right.text)
        margins = (ws.page_margins.left, ws.page_margins.right, ws.page_margins.footer)
        page = (ws.page_setup.orientation, ws.print_title_rows, ws.print_area, footer, margins)
        out[name]["heights"], out[name]["page"] = heights, page
    return out


def column_index(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _hex(api_colour: dict | None) -> str | None:
    if not api_colour:
        return None
    return "".join(f"{round(api_colour.get(k, 0.0) * 255):02X}" for k in ("red", "green", "blue"))


def _ref(grid: dict) -> str:
    from xlsync.core.tables import column_letter

    return (
        f"{column_letter(grid['startColumnIndex'] + 1)}{grid['startRowIndex'] + 1}:"
        f"{column_letter(grid['endColumnIndex'])}{grid.get('endRowIndex', '')}"
    )


def read_google(fake) -> dict[str, dict]:
    """The same, from the Sheets fake's tabs."""
    book = fake.books[SID]
    titles = {tab.sheet_id: tab.title for tab in book.values()}
    out = {}
    for name in SHEETS:
        tab = book[name]
        cells = {}
        for r, c in set(tab.cells) | set(tab.formats) | set(tab.notes):
            fmt = tab.formats.get((r, c), {})
            text = fmt.get("textFormat", {})
            link = text.get("link", {}).get("uri")
            if link:
                gid, cell = re.fullmatch(r"#gid=(\d+)&range=(\w+)", link).groups()
                link = f"'{titles[int(gid)]}'!{cell}"
            cell = {
                "value": value(tab.cells.get((r, c))),
                "fill": _hex(fmt.get("backgroundColor")),
                "font": _hex(text.get("foregroundColor")),
                "bold": bool(text.get("bold")),
                "format": fmt.get("numberFormat", {}).get("pattern", "General"),
                "note": tab.notes.get((r, c)),
                "link": link,
                "wrap": fmt.get("wrapStrategy") == "WRAP" and r > 0,
            }
            if any(v not in (None, False, "General") for v in cell.values()):
                cells[(r + 1, c + 1)] = cell
        rules = []
        for rule in tab.rules:
            condition, style = rule["booleanRule"]["condition"], rule["booleanRule"]["format"]
            kind = "contains" if condition["type"] == "TEXT_CONTAINS" else "greater_than"
            rules.append(
                (
                    _ref(rule["ranges"][0]),
                    kind,
                    condition["values"][0]["userEnteredValue"],
                    _hex(style.get("backgroundColor")),
                    _hex(style.get("textFormat", {}).get("foregroundColor")),
                )
            )
        hidden = {c + 1 for c, hide in tab.hidden_columns.items() if hide}
        widths = {c + 1: 0 if c + 1 in hidden else (px - 5) / 7 for c, px in tab.widths.items()}
        heights = {r + 1: px * 3 / 4 for r, px in tab.heights.items()}
        out[name] = {
            "cells": _keep(name, cells),
            "rules": sorted(rules),
            "widths": widths,
            "hidden": hidden,
            "heights": heights,
        }
    return out


# ------------------------------------------------------------------ the three runs


@pytest.fixture
def three(school, tmp_path, monkeypatch, fake):
    """The same class, written by the file writers, the Excel buttons and the Google writers."""
    new_class(school, "四年级1班", "张老师", SID, google())
    fill(fake, STUDENTS.name, STUDENTS, STUDENTS_ROWS)
    fill(fake, RECORDS.name, RECORDS, RECORD_ROWS)
    master = school / "全校汇总.xlsx"
    path = write_class_book(
        school / CLASS_DIR / "四年级1班.xlsx", students=STUDENTS_ROWS, records=RECORD_ROWS
    )
    excel_path = write_class_book(
        tmp_path / "excel" / CLASS_DIR / "四年级1班.xlsx",
        students=STUDENTS_ROWS,
        records=RECORD_ROWS,
    )
    for day in (AS_OF - dt.timedelta(days=40), AS_OF):  # the second run replaces the first
        overdue([path], master, day, write=True)
        overdue(["gsheet:" + SID], master, day, write=True, google=google())
    validate([path], master, AS_OF, annotate=True)
    validate(["gsheet:" + SID], master, AS_OF, annotate=True, google=google())

    import shutil

    shutil.copy(school / "全校汇总.xlsx", excel_path.parent.parent / "全校汇总.xlsx")
    book = xe.load(excel_path)
    monkeypatch.setattr(entry, "caller", lambda: book)
    for day in (AS_OF - dt.timedelta(days=40), AS_OF):
        monkeypatch.setattr(entry, "today", lambda day=day: day)
        entry.overdue_book()
    entry.validate_book()
    alert = xe.state(book.app).alerts[-1]
    assert alert["mode"] == "info", alert
    book.save(str(tmp_path / "excel.xlsx"))
    return read_xlsx(path), read_xlsx(tmp_path / "excel.xlsx"), read_google(fake)


def test_the_compared_todo_sheet_has_all_three_sections(three):
    """So the cell-by-cell comparison below covers the section titles and their looks (16.3)."""
    cells = three[0][STATUS_SHEET]["cells"]
    titles = [cell for (r, c), cell in sorted(cells.items()) if c == 1 and cell.get("bold")]
    assert [t["value"][:2] for t in titles] == ["状态", "一、", "二、", "三、"]
    assert {t["fill"] for t in titles[1:]} == {SECTION_LOOK.fill}


@pytest.mark.parametrize("sheet", SHEETS)
def test_the_three_engines_write_the_same_cells(three, sheet):
    file, excel, sheets = (engine[sheet]["cells"] for engine in three)
    assert excel == file
    assert sheets == file


@pytest.mark.parametrize("sheet", SHEETS)
def test_the_three_engines_write_the_same_conditional_rules(three, sheet):
    file, excel, sheets = (engine[sheet]["rules"] for engine in three)
    assert file or sheet == CHECK_SHEET  # 校验结果's levels are plain fills (cells test)
    if sheet == STUDENTS.name:
        assert {r[1] for r in file} == {"contains", "greater_than"}  # 逾期项数 > 0 included
    assert excel == file
    assert sheets == file


@pytest.mark.parametrize("sheet", SHEETS)
def test_the_three_engines_set_the_same_widths(three, sheet):
    mine = _owned(three[0][sheet]["cells"]) if sheet == STUDENTS.name else range(1, 30)
    file, excel, sheets = (
        {c: w for c, w in engine[sheet]["widths"].items() if c in mine} for engine in three
    )
    assert file  # (the class template's own widths are not xlsync's)
    assert excel == file and sheets == file


@pytest.mark.parametrize("sheet", (STATUS_SHEET, CHECK_SHEET))
def test_the_three_engines_wrap_and_size_rows_alike(three, sheet):
    """Long text wraps and its rows are as tall as its lines, in every engine (issue 17.1)."""
    file, excel, sheets = (engine[sheet]["heights"] for engine in three)
    assert excel == file and sheets == file
    if sheet == CHECK_SHEET:
        assert file and any(c.get("wrap") for c in three[0][sheet]["cells"].values())


@pytest.mark.parametrize("sheet", (STATUS_SHEET, CHECK_SHEET))
def test_excel_prints_the_class_sheets_as_the_file_does(three, sheet):
    """The same A4 setup and footer (school, class, sheet, as-of, page) from 计算逾期 and 校验本表
    in Excel as from the file writers; Google Sheets has no print setup in its API."""
    file, excel = three[0][sheet]["page"], three[1][sheet]["page"]
    assert excel == file
    assert file[3][0].endswith(f"四年级1班　{sheet}") and file[3][1] == "第 &P 页 共 &N 页"


def test_finding_codes_only_in_the_hidden_last_column_of_every_engine(three):
    """校验结果 shows the teacher the message; the code (phone-invalid…) stays in the sheet, in
    its last column, hidden in the file, in Excel and in Google (issue 17.4)."""
    for engine in three:
        cells = engine[CHECK_SHEET]["cells"]
        header = [cells[(1, c)]["value"] for c in range(1, 1 + max(c for r, c in cells if r == 1))]
        assert header[-1] == "代码" and engine[CHECK_SHEET]["hidden"] == {len(header)}
        codes = {cells[(r, len(header))]["value"] for r, c in cells if r > 1}
        assert codes and all(re.fullmatch(r"[a-z]+(-[a-z]+)+", str(code)) for code in codes)
        shown = [v["value"] for (r, c), v in cells.items() if c < len(header)]
        assert not any(str(v) in codes for v in shown)  # never as the message
