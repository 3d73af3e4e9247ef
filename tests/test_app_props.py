"""docProps/app.xml of a class workbook the package-level writer added sheets to: its lists of
sheets and print names (what Windows Explorer and file managers show) name the workbook's
sheets as they now are, not the old ones (files/app_props.py)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest

from xlsync.demo import DemoSize, generate_school
from xlsync.files.app_props import APP_PART, VT, print_name, with_new_sheets
from xlsync.jobs.consolidate import consolidate
from xlsync.schema import CHECK_SHEET, STATUS_SHEET

AS_OF = dt.date(2026, 11, 30)
EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"


def _workbook_lists(path: Path) -> tuple[list[str], list[str]]:
    """The sheets in order and the shown names (global, or sheet!name for a sheet's own) of
    the workbook itself, as Excel lists them."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/workbook.xml").decode()
    sheets = [re.search(r'name="([^"]*)"', s).group(1) for s in re.findall(r"<sheet [^>]*>", xml)]
    names = []
    for attrs in re.findall(r"<definedName ([^>]*)>", xml):
        if 'hidden="1"' in attrs:
            continue
        label = re.search(r'name="([^"]*)"', attrs).group(1)
        local = re.search(r'localSheetId="(\d+)"', attrs)
        names.append(print_name(sheets[int(local.group(1))], label) if local else label)
    return sheets, names


def _excel_app(sheets: list[str], names: list[str]) -> bytes:
    """app.xml as Chinese Excel writes it (its own prefix for the vector types; no 命名范围
    group when the workbook has no shown names)."""
    titles = "".join(f"<v:lpstr>{t}</v:lpstr>" for t in sheets + names)
    groups = [("工作表", len(sheets))] + ([("命名范围", len(names))] if names else [])
    pairs = "".join(
        f"<v:variant><v:lpstr>{h}</v:lpstr></v:variant><v:variant><v:i4>{n}</v:i4></v:variant>"
        for h, n in groups
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="{EXTENDED}" '
        f'xmlns:v="{VT}"><Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity>'
        f'<ScaleCrop>false</ScaleCrop><HeadingPairs><v:vector size="{2 * len(groups)}" '
        f'baseType="variant">{pairs}</v:vector></HeadingPairs><TitlesOfParts>'
        f'<v:vector size="{len(sheets) + len(names)}" baseType="lpstr">{titles}</v:vector>'
        "</TitlesOfParts><Company></Company><AppVersion>16.0300</AppVersion></Properties>"
    ).encode()


def _listed(app: bytes) -> tuple[list[tuple[str, int]], list[str]]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(app)
    values = [v.text for v in root.iterfind(f"{{{EXTENDED}}}HeadingPairs//{{{VT}}}variant/*")]
    titles = [t.text for t in root.iterfind(f"{{{EXTENDED}}}TitlesOfParts//{{{VT}}}lpstr")]
    return [(n, int(c)) for n, c in zip(values[::2], values[1::2], strict=True)], titles


def _with_app(path: Path, app: bytes) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    parts[APP_PART] = app
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)


@pytest.fixture
def saved_by_excel(tmp_path) -> Path:
    """A school whose one class workbook carries the app.xml Excel would have written."""
    master = generate_school(tmp_path / "学校", AS_OF, DemoSize(1, 8), seed=3)
    path = next((master.parent / "班级台账").glob("*.xlsx"))
    _with_app(path, _excel_app(*_workbook_lists(path)))
    return path


def test_the_lists_name_the_sheets_after_the_write_back(saved_by_excel):
    consolidate(saved_by_excel.parent.parent / "全校汇总.xlsx", as_of=AS_OF)
    with zipfile.ZipFile(saved_by_excel) as archive:
        assert b"rIdXlsync" in archive.read("xl/_rels/workbook.xml.rels")  # the patch wrote it
        app = archive.read(APP_PART)
    sheets, names = _workbook_lists(saved_by_excel)
    assert {STATUS_SHEET, CHECK_SHEET} <= set(sheets)
    headings, titles = _listed(app)
    assert headings == [("工作表", len(sheets)), ("命名范围", len(names))]
    assert titles[: len(sheets)] == sheets and sorted(titles[len(sheets) :]) == sorted(names)
    assert f"{STATUS_SHEET}!Print_Titles" in names
    assert b"<Company></Company><AppVersion>16.0300</AppVersion>" in app  # the rest as it was


def test_lists_that_do_not_add_up_are_dropped_and_none_are_left_alone():
    wrong = _excel_app(["说明", "学生档案"], []).replace(b"<v:i4>2</v:i4>", b"<v:i4>5</v:i4>")
    fixed = with_new_sheets(wrong, ["逾期提醒"], [])
    assert b"HeadingPairs" not in fixed and b"TitlesOfParts" not in fixed
    assert b"<Application>Microsoft Excel</Application>" in fixed
    plain = b'<Properties xmlns="x"><Application>openpyxl</Application></Properties>'
    assert with_new_sheets(plain, ["逾期提醒"], ["逾期提醒!Print_Titles"]) == plain


def test_a_workbook_without_print_names_gets_a_group_for_the_new_ones():
    app = _excel_app(["Sheet1"], [])
    headings, titles = _listed(with_new_sheets(app, ["逾期提醒"], ["逾期提醒!Print_Area"]))
    assert headings == [("工作表", 2), ("命名范围", 1)]
    assert titles == ["Sheet1", "逾期提醒", "逾期提醒!Print_Area"]
    assert print_name("a b", "_xlnm.Print_Titles") == "'a b'!Print_Titles"
