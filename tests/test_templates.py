"""The committed templates are exactly what the schema generates, and carry every aid a teacher needs."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlsync.files.templates import write_templates
from xlsync.schema import CLASS_SHEETS, HELP_SHEET, MASTER_CONFIG_SHEETS, RULES, Kind

COMMITTED = Path(__file__).parent.parent / "workbook_templates"
VOLATILE_PARTS = {"docProps/core.xml"}  # holds the save time


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n not in VOLATILE_PARTS}


@pytest.mark.parametrize("name", ["班级台账.xlsx", "全校汇总.xlsx"])
def test_committed_template_matches_the_generator(tmp_path, name):
    write_templates(tmp_path)
    fresh, committed = _parts(tmp_path / name), _parts(COMMITTED / name)
    assert sorted(fresh) == sorted(committed)
    drifted = [part for part in fresh if fresh[part] != committed[part]]
    assert drifted == [], f"run `xlsync templates` to regenerate {name}"


@pytest.fixture(scope="module")
def class_template():
    return load_workbook(COMMITTED / "班级台账.xlsx")


def test_sheets_and_exact_headers(class_template):
    assert class_template.sheetnames == [HELP_SHEET, *[s.name for s in CLASS_SHEETS]]
    for sheet in CLASS_SHEETS:
        ws = class_template[sheet.name]
        assert [c.value for c in ws[1]] == list(sheet.headers)
        assert ws.freeze_panes in ("A2", "B2")
        assert all(c.font.bold and c.fill.fgColor.rgb.endswith(("FCE4D6", "DDEBF7")) for c in ws[1])


def _validations(ws):
    return {
        str(v.sqref).split(":")[0].rstrip("0123456789"): v
        for v in ws.data_validations.dataValidation
    }


def test_every_enumerated_column_has_a_drop_down(class_template):
    for sheet in CLASS_SHEETS:
        ws = class_template[sheet.name]
        found = _validations(ws)
        for number, col in enumerate(sheet.columns, start=1):
            letter = ws.cell(row=1, column=number).column_letter
            if col.choices:
                assert found[letter].type == "list", (sheet.name, col.header)
                assert found[letter].formula1 == '"' + ",".join(col.choices) + '"'
                assert found[letter].showDropDown in (None, False)  # True would hide the arrow
                assert str(found[letter].sqref) == f"{letter}2:{letter}{sheet.rows + 1}"


@pytest.mark.parametrize(
    "kind,expected", [(Kind.DATE, "date"), (Kind.PHONE, "textLength"), (Kind.ID_CARD, "textLength")]
)
def test_date_phone_and_id_columns_have_input_message_and_error_alert(
    class_template, kind, expected
):
    for sheet in CLASS_SHEETS:
        ws = class_template[sheet.name]
        found = _validations(ws)
        for number, col in enumerate(sheet.columns, start=1):
            if col.kind != kind:
                continue
            check = found[ws.cell(row=1, column=number).column_letter]
            assert check.type == expected
            assert check.showErrorMessage and check.error and check.errorStyle == "stop"
            assert check.showInputMessage and check.prompt


def test_formats_widths_and_print_setup(class_template):
    ws = class_template["学生档案"]
    letters = {c.value: c.column_letter for c in ws[1]}
    assert ws.column_dimensions[letters["身份证号"]].number_format == "@"
    assert ws.column_dimensions[letters["监护人电话"]].number_format == "@"
    assert ws.column_dimensions[letters["出生日期"]].number_format == "yyyy-mm-dd"
    assert ws.column_dimensions[letters["家庭住址"]].width >= 20
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$1"


def test_help_sheet_explains_and_shows_an_example_row_per_sheet(class_template):
    ws = class_template[HELP_SHEET]
    texts = [[c.value for c in row] for row in ws.iter_rows()]
    assert texts[0][0] == "班级台账填写说明"
    for sheet in CLASS_SHEETS:
        example = [c.example or None for c in sheet.columns]
        assert example in [row[: len(example)] for row in texts], sheet.name


def test_master_template_holds_seed_rules_and_config_sheets():
    wb = load_workbook(COMMITTED / "全校汇总.xlsx")
    assert wb.sheetnames == [HELP_SHEET, *[s.name for s in MASTER_CONFIG_SHEETS]]
    rules = [[c.value for c in row] for row in wb["帮扶规则"].iter_rows(min_row=2)]
    assert [r[:6] for r in rules] == [
        [r[0], r[1], int(r[2]), r[3], int(r[4]), r[5]] for r in RULES.defaults
    ]
    assert [c.value for c in wb["学期"]["A"][1:]] == ["2026秋季学期", "2027春季学期"]
