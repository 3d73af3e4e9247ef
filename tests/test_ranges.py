"""Rows for a whole school year (issue 16.5): fresh templates carry their drop-downs and checks
over a year's rows, 学生姓名 has a drop-down of 学生名单 that lets a group entry through, and the
status writer widens xlsync's own checks in older workbooks — and nothing else."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import libreoffice_resave, needs_soffice
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from test_writers_property import _state

from xlsync.cli import cli
from xlsync.files.ranges import widen_checks
from xlsync.files.templates import build_class_workbook
from xlsync.schema import CLASS_SHEETS, RECORDS, STUDENT_LIST, STUDENTS, STUDY_PLANS, Sheet

COMMITTED = Path(__file__).parent.parent / "workbook_templates" / "班级台账.xlsx"
OLD_BOOK = Path(__file__).parent / "data" / "made-before-16.5-1200-records.xlsx"
OLD_END = 1001  # where every check of a workbook made before issue 16 stops
RECORDS_N = 1200
CHILDREN = 4  # 学生档案 rows 2–5 of that workbook


def _checks(ws) -> dict[str, DataValidation]:
    """Column letter → the check whose first range starts in that column."""
    return {
        str(v.sqref).split(":")[0].rstrip("0123456789"): v
        for v in ws.data_validations.dataValidation
    }


def _bottom(validation: DataValidation) -> int:
    return max(r.max_row for r in validation.sqref.ranges)


def _letter(ws, header: str, row: int = 1) -> str:
    return next(c.column_letter for c in ws[row] if c.value == header)


@pytest.mark.parametrize("source", ["built", "committed"])
def test_fresh_templates_cover_a_school_year(source):
    wb = build_class_workbook(["张老师"]) if source == "built" else load_workbook(COMMITTED)
    assert RECORDS.rows >= 5000 and STUDENTS.rows >= 500 and STUDY_PLANS.rows >= 500
    for sheet in CLASS_SHEETS:
        checks = wb[sheet.name].data_validations.dataValidation
        assert checks, sheet.name
        for check in checks:
            assert [(r.min_row, r.max_row) for r in check.sqref.ranges] == [(2, sheet.rows + 1)]


@pytest.mark.parametrize("source", ["built", "committed"])
def test_student_name_drop_down_is_fed_by_the_roster_and_lets_groups_through(source):
    wb = build_class_workbook(["张老师"]) if source == "built" else load_workbook(COMMITTED)
    assert wb.defined_names[STUDENT_LIST].attr_text == f"'{STUDENTS.name}'!$A$2:$A$1001"
    assert wb[STUDENTS.name]["A1"].value == "姓名"
    for sheet in (RECORDS, STUDY_PLANS):
        ws = wb[sheet.name]
        check = _checks(ws)[_letter(ws, "学生姓名")]
        assert (check.type, check.formula1) == ("list", STUDENT_LIST)
        # non-blocking: 「叶欣雨、何天涵」 (issue 16.6) is kept after an information alert
        assert check.errorStyle == "information" and check.showErrorMessage
        assert (
            "、" in check.error and check.errorTitle == "请核对学生姓名" and check.showInputMessage
        )


def _old_workbook(path: Path) -> Path:
    """A class workbook as xlsync made it before issue 16.5 (checks to row 1001, no 学生名单;
    tests/data/made-before-16.5-1200-records.xlsx: 4 children, 1,200 亲情电话 records), plus the
    teacher's own checks and a styled cell."""
    shutil.copy(OLD_BOOK, path)
    wb = load_workbook(path)
    assert STUDENT_LIST not in wb.defined_names and wb[RECORDS.name].max_row == RECORDS_N + 1
    checks = sorted(str(v.sqref) for v in wb[RECORDS.name].data_validations.dataValidation)
    assert checks == [f"{c}2:{c}{OLD_END}" for c in "ACDE"]
    _teacher_touches(wb)
    wb.save(path)
    return path


def _teacher_touches(wb: Workbook) -> None:
    """The teacher's own checks (on a schema column and beside the table) and a styled cell."""
    own_list = DataValidation(type="list", formula1='"已跟进,未跟进"', allow_blank=True)
    own_list.add(f"G2:G{OLD_END}")  # 效果与跟进: not a column xlsync gives a check
    wb[RECORDS.name].add_data_validation(own_list)
    own_date = DataValidation(type="date", operator="greaterThan", formula1="46000")
    own_date.add(f"A2:A{OLD_END}")  # the date column, but her own rule: not xlsync's
    wb[STUDY_PLANS.name].add_data_validation(own_date)
    aside = DataValidation(type="whole", operator="between", formula1="0", formula2="9")
    aside.add("J2:J40")
    wb[RECORDS.name].add_data_validation(aside)
    wb[RECORDS.name]["F7"].number_format = "0.00"


def _old_width(sheet: Sheet) -> int:
    """The columns the old workbook's template had (later ones are optional, issue 19)."""
    return sum(1 for c in sheet.columns if c.since == 1)


def _teacher_cells(path: Path) -> dict:
    wb = load_workbook(path, rich_text=True)
    return {
        (sheet.name, cell.row, cell.column): _state(cell)
        for sheet in CLASS_SHEETS
        if sheet.name in wb.sheetnames  # an old workbook lacks template version 2's sheets
        for row in wb[sheet.name].iter_rows(max_col=_old_width(sheet) + 3 * (sheet != STUDENTS))
        for cell in row
    }


def _write_with(writer: str, path: Path, tmp_path: Path) -> None:
    if writer == "overdue --write":
        return _overdue_write(path)
    if writer == "check":
        args = ["check", str(path), "--as-of", "2026-11-30"]
    else:
        school = tmp_path / "学校"
        assert CliRunner().invoke(cli, ["init", str(school), "--school", "测试小学"]).exit_code == 0
        shutil.move(path, school / "班级台账" / path.name)
        args = ["consolidate", str(school / "全校汇总.xlsx"), "--as-of", "2026-11-30"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output
    if writer == "consolidate":
        shutil.move(school / "班级台账" / path.name, path)
    return None


def _overdue_write(path: Path) -> None:
    result = CliRunner().invoke(cli, ["overdue", str(path), "--as-of", "2026-11-30", "--write"])
    assert result.exit_code in (0, 1), result.output


@pytest.mark.parametrize("writer", ["overdue --write", "check", "consolidate"])
def test_overdue_write_widens_the_checks_of_an_old_workbook_and_nothing_else(tmp_path, writer):
    """overdue --write, the teacher's 检查台账 and 汇总's write-back all widen (they share the
    status writer's drawing)."""
    path = _old_workbook(tmp_path / "二年级2班.xlsx")
    before = _teacher_cells(path)
    _write_with(writer, path, tmp_path)
    wb = load_workbook(path)
    records = wb[RECORDS.name]
    checks = _checks(records)
    last = RECORDS_N + 1  # the last record's row
    for letter in "ABCDE":  # 日期, 学生姓名 (new), 身份证号, 帮扶类型, 帮扶教师
        assert str(checks[letter].sqref) == f"{letter}2:{letter}{last + RECORDS.rows}", letter
    assert checks["B"].formula1 == STUDENT_LIST and checks["B"].errorStyle == "information"
    assert str(checks["G"].sqref) == f"G2:G{OLD_END}"  # the teacher's list is hers
    assert str(checks["J"].sqref) == "J2:J40"
    plans = _checks(wb[STUDY_PLANS.name])
    assert str(plans["A"].sqref) == f"A2:A{OLD_END}" and plans["A"].formula1 == "46000"
    assert len(wb[STUDY_PLANS.name].data_validations.dataValidation) == 1  # hers blocks ours
    students = _checks(wb[STUDENTS.name])
    assert str(students["B"].sqref) == f"B2:B{OLD_END}"  # still a year ahead of 4 children
    assert (
        wb.defined_names[STUDENT_LIST].attr_text
        == f"'{STUDENTS.name}'!$A$2:$A${CHILDREN + 1 + STUDENTS.rows}"
    )
    after = _teacher_cells(path)
    assert {k: v for k, v in after.items() if k in before} == before


@needs_soffice
@pytest.mark.soffice
def test_old_workbook_keeps_drop_downs_on_new_rows_after_libreoffice_resaves_it(tmp_path):
    path = _old_workbook(tmp_path / "二年级2班.xlsx")
    _overdue_write(path)
    again = libreoffice_resave(path, tmp_path / "lo")
    wb = load_workbook(again)
    checks = _checks(wb[RECORDS.name])
    for letter in "ABD":  # 日期, 学生姓名, 帮扶类型: every record row and the next ones
        assert _bottom(checks[letter]) > RECORDS_N + 500, letter
    assert checks["B"].formula1 == STUDENT_LIST and checks["B"].errorStyle == "information"
    assert wb.defined_names[STUDENT_LIST].attr_text.endswith(
        f"!$A$2:$A${CHILDREN + 1 + STUDENTS.rows}"
    )
    # LibreOffice cut the checks to 1,000 rows under the last record; the next write widens
    # them again (and the re-saved file is one the writer accepts)
    _overdue_write(again)
    checks = _checks(load_workbook(again)[RECORDS.name])
    assert all(_bottom(checks[letter]) == RECORDS_N + 1 + RECORDS.rows for letter in "ABD")


def _sheet(wb: Workbook, name: str, headers: list[str], top: int = 1) -> None:
    ws = wb.create_sheet(name)
    for number, header in enumerate(headers, start=1):
        ws.cell(top, number, header)


def _check(formula: str, ref: str, kind: str = "list", **more) -> DataValidation:
    check = DataValidation(type=kind, formula1=formula, allow_blank=True, **more)
    check.sqref = ref
    return check


def test_widening_finds_the_header_under_a_title_and_leaves_other_checks_alone():
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "学生名册", ["学校：某某小学"], top=1)  # another name: found by its header
    ws = wb["学生名册"]
    for number, header in enumerate(["姓名", "性别", "出生日期", "学业情况", "在校状态"], start=1):
        ws.cell(3, number, header)
    ws["A4"], ws["A9"] = "王小明", "李小红"
    end = 9 + STUDENTS.rows  # a year's rows under the last filled row
    ws.add_data_validation(_check('"男,女"', "B4:B300"))  # xlsync's: widened
    ws.add_data_validation(_check('"男,女"', "B2:B300"))  # starts above the data: not ours
    ws.add_data_validation(_check('"男,女,未知"', "D4:D300"))  # other items: not ours
    ws.add_data_validation(_check('"优,良,中,差"', "D4:D9000"))  # ours, already longer
    ws.add_data_validation(_check('"在读,转出,休学,辍学,毕业"', "E4:E800"))  # ours, far enough
    ws.add_data_validation(_check('"优,良"', "A4:B300"))  # two columns: not ours
    hole = _check("1", "C4:C10 C20:C300", "date", operator="between", formula2="73050")
    ws.add_data_validation(hole)  # ours, with a hole the teacher made
    widen_checks(wb)
    assert sorted(str(v.sqref) for v in ws.data_validations.dataValidation) == sorted(
        [f"B4:B{end}", "B2:B300", "D4:D300", "D4:D9000", "E4:E800", "A4:B300", f"C4:C10 C20:C{end}"]
    )
    assert wb.defined_names[STUDENT_LIST].attr_text == f"'学生名册'!$A$4:$A${end}"


def test_a_fresh_workbook_is_left_as_it_is_until_half_a_year_is_filled():
    wb = build_class_workbook(["张老师"])
    records = wb[RECORDS.name]
    for row in range(2, 2 + RECORDS.rows // 2 + 1):
        records.cell(row, 1, dt.date(2026, 9, 1))
    before = {
        s.name: [str(v.sqref) for v in wb[s.name].data_validations.dataValidation]
        for s in CLASS_SHEETS
    }
    name = wb.defined_names[STUDENT_LIST].attr_text
    widen_checks(wb)
    assert wb.defined_names[STUDENT_LIST].attr_text == name
    for sheet in (STUDENTS, STUDY_PLANS):
        assert [str(v.sqref) for v in wb[sheet.name].data_validations.dataValidation] == before[
            sheet.name
        ]
    assert before[RECORDS.name] == [f"{c}2:{c}{RECORDS.rows + 1}" for c in "ABCDE"]
    last = 2 + RECORDS.rows // 2  # one more record than half a year: widened
    assert [str(v.sqref) for v in records.data_validations.dataValidation] == [
        f"{c}2:{c}{last + RECORDS.rows}" for c in "ABCDE"
    ]
    wb = build_class_workbook(["张老师"])  # half a year filled exactly: left as it was
    for row in range(2, 2 + RECORDS.rows // 2):
        wb[RECORDS.name].cell(row, 1, dt.date(2026, 9, 1))
    widen_checks(wb)
    assert [str(v.sqref) for v in wb[RECORDS.name].data_validations.dataValidation] == before[
        RECORDS.name
    ]


def test_a_name_the_teacher_made_is_hers():
    wb = build_class_workbook()
    mine = DefinedName(STUDENT_LIST, attr_text="'说明'!$C$1:$C$9")
    wb.defined_names[STUDENT_LIST] = mine
    records = wb[RECORDS.name]
    records.data_validations.dataValidation = [
        v for v in records.data_validations.dataValidation if v.formula1 != STUDENT_LIST
    ]
    records["B2"] = "王小明"
    widen_checks(wb)
    assert wb.defined_names[STUDENT_LIST].attr_text == "'说明'!$C$1:$C$9"
    assert STUDENT_LIST not in [v.formula1 for v in records.data_validations.dataValidation]
