"""Build the class workbook (班级台账) and master workbook (全校汇总) templates from the schema.

Everything a teacher sees in a fresh workbook comes from `xlsync.schema`: headers, widths,
drop-downs and checks (xlsync/files/validations.py) on the rows a school year needs
(`Sheet.rows`), formats and the 说明 sheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.config import default_grids
from xlsync.core.render.layout import Column as LayoutColumn
from xlsync.core.render.layout import line_height, lines
from xlsync.core.tables import column_letter
from xlsync.files.safe_write import save_workbook
from xlsync.files.sheets import append_values, print_setup
from xlsync.files.validations import check_for, roster_name
from xlsync.files.xlsx_styles import font_over
from xlsync.schema import (
    CLASS_SHEETS,
    HELP_SHEET,
    MASTER_CONFIG_SHEETS,
    SCHOOL,
    STUDENTS,
    Column,
    Kind,
    Sheet,
)

TEMPLATE_YEAR = "2026-2027"  # the school year of the committed master template
TEMPLATE_SCHOOL = "某某学校"
FIXED_TIME = dt.datetime(2026, 9, 1)  # keeps generated files byte-stable apart from save time
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="9BA7B4")
HEADER_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# Named as the body is (the workbook's default Calibri 11): a header font without a name
# printed in WPS/LibreOffice's default serif, unlike the rows under it.
HEADER_FONT = font_over(None, bold=True)
TITLE_FONT = font_over(None, bold=True, sz=14)

CLASS_GUIDE = (
    "本工作簿的表：学生档案、帮扶记录、学业帮扶计划，以及 安全事件（发现学生受侵害或面临危险时当天报告并记录）"
    "和 缺勤与劝返（连续缺勤、劝返经过）。请在对应的表中从第 2 行开始填写，每行一条。",
    "橙色表头的列必须填写，蓝色表头的列可以不填。有下拉箭头的列请从下拉中选择。",
    "帮扶记录和学业帮扶计划的「学生姓名」可以从下拉中选学生档案里的姓名；几名学生一起参加的活动，"
    "可以写几个姓名，用「、」隔开，出现提示时点「确定」即可。",
    "日期请按 2026-09-01 的格式填写；身份证号、学籍号和电话已设为文本格式，直接输入即可。",
    "不要改动表头的文字。可以在右边加自己的列，xlsync 会原样保留。",
    "表格最右边由 xlsync 写入的状态列（如「谈心·本月」），以及“逾期提醒”“校验结果”两张表，"
    "每次运行都会自动更新，请不要在里面填写。",
    "检查和更新本台账：先保存并关闭本文件，再双击台账所在文件夹里的「检查台账」"
    "（Windows 上也可以把本文件拖到「检查台账」上）。有问题的单元格会标上颜色，"
    "“校验结果”表列出每个问题和改法，“逾期提醒”表列出这周要做的帮扶。德育处每次汇总时也会这样更新各班台账。",
)
MASTER_GUIDE = (
    "这是全校汇总工作簿。学校信息、学期、教师、班级、帮扶规则、节日 六张表由德育处填写和修改。",
    "每个班的台账放在“班级台账目录”里，并在 班级 表登记；用 xlsync new-class 新建班级会自动登记。",
    "点「汇总」或运行 xlsync consolidate 后，概览、全校档案、逾期清单等表会重新生成；"
    "您自己加的工作表会原样保留。",
    "汇总时也会更新每个班级台账里的状态列、逾期提醒和校验标记，并把更新后的台账复制到“返回各班”文件夹，"
    "方便用微信、QQ 或 U 盘发回给班主任；正在被打开的台账不会改动，会在概览中列出。"
    "不想更新班级台账时，在 学校信息 表把 汇总时更新班级台账 填为“否”。",
    "同步到 Google 表格是可选的，连不上 Google 时其余功能照常使用，可以导出脱敏汇总表用微信或 QQ 发送。"
    "要同步时，在 学校信息 表填 Google 表格 ID 和 凭据文件（密钥文件相对于本工作簿所在文件夹的路径），"
    "表格只共享给服务账号和需要看的人，不要设成“知道链接的任何人”。",
)


def _style_header(ws: Worksheet, sheet: Sheet, row: int = 1) -> None:
    for number, col in enumerate(sheet.columns, start=1):
        header_cell(ws, row, number, col)


def header_cell(ws: Worksheet, row: int, number: int, col: Column) -> None:
    """One header cell as templates make it: the text, bold, orange when required, else blue."""
    cell = ws.cell(row=row, column=number, value=col.header)
    cell.font = HEADER_FONT
    cell.fill = REQUIRED_FILL if col.required or col.required_if else OPTIONAL_FILL
    cell.border = HEADER_BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _format_columns(ws: Worksheet, sheet: Sheet) -> None:
    for number, col in enumerate(sheet.columns, start=1):
        format_column(ws, number, col)


def format_column(ws: Worksheet, number: int, col: Column) -> None:
    """A column's width and number format (dates, and text for IDs and phones)."""
    dim = ws.column_dimensions[column_letter(number)]
    dim.width = col.width
    if col.kind == Kind.DATE:
        dim.number_format = DATE_FORMAT
    elif col.is_text_stored:
        dim.number_format = TEXT_FORMAT


def _data_range(number: int, rows: int, first_row: int = 2) -> str:
    letter = column_letter(number)
    return f"{letter}{first_row}:{letter}{first_row + rows - 1}"


def _add_validations(ws: Worksheet, sheet: Sheet, lists: Mapping[str, Sequence[str]]) -> None:
    for number, col in enumerate(sheet.columns, start=1):
        add_check(ws, number, col, sheet.rows, lists.get(col.header, ()))


def add_check(
    ws: Worksheet, number: int, col: Column, rows: int, choices: Sequence[str] = (), first: int = 2
) -> None:
    """The column's drop-down or input check (its hint as the prompt) on `rows` data rows."""
    validation = check_for(col, choices)
    if validation is not None:
        validation.add(_data_range(number, rows, first))
        ws.add_data_validation(validation)


def add_data_sheet(
    wb: Workbook,
    sheet: Sheet,
    lists: Mapping[str, Sequence[str]] | None = None,
    rows: Iterable[Sequence[object]] = (),
) -> Worksheet:
    """A sheet with the schema's styled header, formats, drop-downs and print setup."""
    ws = wb.create_sheet(sheet.name)
    _style_header(ws, sheet)
    _format_columns(ws, sheet)
    _add_validations(ws, sheet, lists or {})
    for values in rows:
        append_values(ws, list(values))
    ws.freeze_panes = "B2" if len(sheet.columns) > 10 else "A2"
    ws.auto_filter.ref = f"A1:{column_letter(len(sheet.columns))}1"
    print_setup(ws)
    return ws


def _write_guide(ws: Worksheet, title: str, lines: Sequence[str], sheets: Sequence[Sheet]) -> None:
    """说明: numbered guidance, a printable per-column table, then one example row per sheet."""
    ws.append([title])
    ws["A1"].font = TITLE_FONT
    for number, line in enumerate(lines, start=1):
        ws.append([f"{number}. {line}"])
    table_end = 0
    if sheets:
        _write_column_table(ws, sheets)
        table_end = ws.max_row
        ws.print_area = f"A1:E{ws.max_row}"
        _write_examples(ws, sheets)
    for letter, width in zip("ABCDE", GUIDE_WIDTHS, strict=False):
        ws.column_dimensions[letter].width = width
    _wrap_guide(ws, len(lines), table_end)
    print_setup(ws)
    ws.print_title_rows = None


GUIDE_WIDTHS = (14, 16, 24, 80, 22)
WRAP_TOP, TOP = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")


def _wrap_guide(ws: Worksheet, guidance: int, table_end: int) -> None:
    """The numbered lines wrap across A:E and 填写要求 within D, each row as tall as its lines:
    a line running past E, or a rule past D, was cut off at the edge of the printed page."""
    for row in range(2, guidance + 2):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
        _wrap_row(ws, row, ws.cell(row, 1).value, sum(GUIDE_WIDTHS))
    for row in range(guidance + 4, table_end + 1):
        _wrap_row(ws, row, ws.cell(row, 4).value, GUIDE_WIDTHS[3], column=4)


def _wrap_row(ws: Worksheet, row: int, text: Any, width: float, column: int = 1) -> None:
    """A row whose text needs more than a line: wrapped, as tall as its lines, read from the
    top (a row that fits is left alone: setting styles cell by cell is slow in openpyxl)."""
    count = lines(text, LayoutColumn(width, True))
    if count > 1:
        for cell in ws[row][:5]:
            cell.alignment = WRAP_TOP if cell.column == column else TOP
        ws.row_dimensions[row].height = line_height(count)


def _write_column_table(ws: Worksheet, sheets: Sequence[Sheet]) -> None:
    ws.append([])
    ws.append(["工作表", "列", "是否必填", "填写要求", "示例"])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill, cell.border = HEADER_FONT, OPTIONAL_FILL, HEADER_BORDER
    for sheet in sheets:
        for col in sheet.columns:
            ws.append([sheet.name, col.header, _required_text(col), _rule_text(col), col.example])


def _write_examples(ws: Worksheet, sheets: Sequence[Sheet]) -> None:
    ws.append([])
    ws.append(["示例：每张表填好一行的样子"])
    ws.cell(row=ws.max_row, column=1).font = HEADER_FONT
    for sheet in sheets:
        ws.append([f"【{sheet.name}】{sheet.purpose}"])
        _style_header(ws, sheet, row=ws.max_row + 1)
        ws.append([c.example for c in sheet.columns])
        ws.append([])


def _required_text(col: Column) -> str:
    if col.required:
        return "必填"
    if col.required_if:
        return f"{col.required_if[0]}为{col.required_if[1].replace('|', '或')}时必填"
    return "选填"


def _rule_text(col: Column) -> str:
    parts = [col.hint] if col.hint else []
    if col.choices:
        parts.append("可选：" + "、".join(col.choices))
    if col.roster_list:
        parts.append("下拉中是学生档案里的姓名")
    if col.default:
        parts.append(f"不填按「{col.default}」")
    return "；".join(parts)


def _new_workbook() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "xlsync"
    wb.properties.created = FIXED_TIME
    return wb


def build_class_workbook(teachers: Sequence[str] = ()) -> Workbook:
    """A class workbook: 说明, then 学生档案, 帮扶记录, 学业帮扶计划 (all empty)."""
    wb = _new_workbook()
    _write_guide(wb.create_sheet(HELP_SHEET), "班级台账填写说明", CLASS_GUIDE, CLASS_SHEETS)
    lists = {"帮扶教师": list(teachers)} if teachers else {}
    for sheet in CLASS_SHEETS:
        add_data_sheet(wb, sheet, lists)
    name_column = STUDENTS.headers.index("姓名") + 1
    wb.defined_names.add(roster_name(STUDENTS.name, name_column, 2, STUDENTS.rows + 1))
    wb.active = 1
    return wb


def build_master_workbook(school: str = TEMPLATE_SCHOOL, year: str = TEMPLATE_YEAR) -> Workbook:
    """A master workbook holding the configuration sheets of DESIGN §3, with seed defaults."""
    wb = _new_workbook()
    _write_guide(wb.create_sheet(HELP_SHEET), "全校汇总说明", MASTER_GUIDE, ())
    grids = default_grids(school, year)
    for sheet in MASTER_CONFIG_SHEETS:
        ws = add_data_sheet(wb, sheet, rows=grids[sheet.name][1:])
        if sheet is SCHOOL:
            ws.auto_filter.ref = None
    wb.active = 1
    return wb


def write_templates(folder: Path) -> list[Path]:
    """Write both committed templates into `folder` (the `xlsync templates` command)."""
    folder.mkdir(parents=True, exist_ok=True)
    targets = [
        (folder / "班级台账.xlsx", build_class_workbook()),
        (folder / "全校汇总.xlsx", build_master_workbook()),
    ]
    for path, wb in targets:
        # generated from the schema: the whole template is the generator's to replace
        save_workbook(wb, path, owned=lambda sheet, row, column: True)
    return [p for p, _ in targets]
