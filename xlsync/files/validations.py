"""The input checks (Excel data validations) xlsync gives the columns of its templates.

Derived from the schema: the templates add them, and the writers recognise them in older
workbooks (by column and formula) to widen them (xlsync/files/ranges.py). Drop-downs use inline
lists, which survive openpyxl and LibreOffice (lists pointing at another sheet live in an
extension block that openpyxl silently drops); the 学生姓名 drop-down points at the defined name
学生名单 instead, which Excel keeps in the plain block.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from xlsync.core.tables import column_letter
from xlsync.schema import STUDENT_LIST, Column, Kind

INLINE_LIST_LIMIT = 255  # Excel's limit for an inline list, separators included
SCHOOL_LIST = "帮扶教师"  # the one column whose list comes from the school (new-class)
_ROSTER_ERROR = (
    "这个名字不在学生档案里。一次活动有几名学生时，可以用「、」隔开写几个姓名，点「确定」保留；"
    "否则请从下拉中选择。"
)


def check_for(col: Column, choices: Sequence[str] = ()) -> DataValidation | None:
    """The input check of `col` as a template carries it: rule, titles and messages."""
    validation = validation_for(col, choices)
    if validation is None:
        return None
    validation.errorTitle = validation.errorTitle or f"{col.header}填写有误"[:32]
    validation.promptTitle = col.header[:32]
    validation.prompt = (col.hint or "请从下拉中选择")[:255]
    validation.showErrorMessage = True
    validation.showInputMessage = True
    return validation


def validation_for(col: Column, choices: Sequence[str] = ()) -> DataValidation | None:
    """The rule of `col`'s input check, or None where a free entry is right."""
    if col.roster_list:
        return _roster_validation()
    choices = tuple(choices) or col.choices
    if choices and len(",".join(choices)) + 2 <= INLINE_LIST_LIMIT:
        return _list_validation(col, choices)
    if col.kind == Kind.DATE:
        return _check("date", "between", "1", "73050", "stop", "请按 2026-09-01 的格式填写日期。")
    if col.kind == Kind.ID_CARD:
        return _check(
            "textLength", "equal", "18", None, "stop", "身份证号应为 18 位（最后一位可以是 X）。"
        )
    if col.kind == Kind.STUDENT_NO:
        return _check(
            "textLength",
            "equal",
            "19",
            None,
            "warning",
            "学籍号应为 G、L 或 J 加 18 位，共 19 位。",
        )
    if col.kind == Kind.PHONE:
        return _check(
            "textLength",
            "between",
            "7",
            "13",
            "stop",
            "电话应为 11 位手机号，或 0 开头的区号加号码。",
        )
    if col.kind == Kind.INT:
        bounds = (str(col.min_value), str(col.max_value))
        return _check("whole", "between", *bounds, "stop", f"请填 {bounds[0]}–{bounds[1]} 的整数。")
    return None


def _check(
    kind: str, operator: str, low: str, high: str | None, style: str, error: str
) -> DataValidation:
    return DataValidation(
        type=kind,
        operator=operator,
        formula1=low,
        formula2=high,
        allow_blank=True,
        errorStyle=style,
        error=error,
    )


def _list_validation(col: Column, choices: Sequence[str]) -> DataValidation:
    lenient = col.kind == Kind.MULTI or not col.choices
    return DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        errorStyle="information" if lenient else "stop",
        error=(
            "可以多选，用顿号分隔。"
            if col.kind == Kind.MULTI
            else f"请从下拉中选择：{'、'.join(choices)}"[:255]
        ),
    )


def _roster_validation() -> DataValidation:
    """The names of 学生档案 as a drop-down that only informs: a group record names several
    children in one cell (「叶欣雨、何天涵」), which a stop alert would refuse."""
    return DataValidation(
        type="list",
        formula1=STUDENT_LIST,
        allow_blank=True,
        errorStyle="information",
        error=_ROSTER_ERROR,
        errorTitle="请核对学生姓名",  # a group entry is not an error
    )


def roster_name(sheet_title: str, column: int, first_row: int, last_row: int) -> DefinedName:
    """学生名单: the workbook-scoped name of 学生档案's 姓名 cells (a plain range: Excel 2007+,
    WPS and LibreOffice all accept it as a list source)."""
    letter = column_letter(column)
    ref = f"{quote_sheetname(sheet_title)}!${letter}${first_row}:${letter}${last_row}"
    return DefinedName(STUDENT_LIST, attr_text=ref)


def is_own(validation: DataValidation, col: Column) -> bool:
    """Whether `validation` is the check xlsync gives `col`, as any version wrote it and as
    Excel, WPS or LibreOffice save it again (LibreOffice adds operator and formula2 to lists)."""
    if validation.type == "list":
        return _own_list(validation.formula1 or "", col)
    made = validation_for(col)
    if made is None or made.type != validation.type or made.formula1 != validation.formula1:
        return False
    same_high = made.formula2 is None or made.formula2 == validation.formula2
    return same_high and (validation.operator or "between") == made.operator


def _own_list(formula: str, col: Column) -> bool:
    if col.roster_list:
        return formula == STUDENT_LIST
    if len(formula) < 2 or not (formula[0] == formula[-1] == '"'):
        return False  # a list from cells the teacher chose
    items = set(formula[1:-1].split(","))
    return items <= set(col.choices) if col.choices else col.header == SCHOOL_LIST
