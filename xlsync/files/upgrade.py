"""`xlsync upgrade`: bring a class workbook or master made by an earlier template up to the
current one (issue 19.7), generically from the schema (`since` > 1, see xlsync/core/upgrade.py).

What it adds, as the template makes it: each missing column after the last column holding
anything of the teacher's — header text and style, width, number format, drop-down or input
check with the column's hint as its prompt — each missing sheet (after the sheets of its kind),
and each missing 学校信息 setting with its default. A teacher's cell is never moved, retyped or
restyled; the only cells it empties are xlsync's own status columns when they stand where the
new columns go (the next 检查台账 or 汇总 writes them again, after the new columns). A column
whose old name the reader still accepts (an alias, e.g. 假期暂停 for 适用时段) counts as
present and is left under its old name. Saving goes through the safe writer (backup, lock
refusal, kept-content check); a workbook that lacks nothing is not rewritten at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.classbook import pick_grid
from xlsync.core.config import default_grids
from xlsync.core.normalize import fold, is_blank
from xlsync.core.render.spec import Box, SheetSpec
from xlsync.core.status_view import MARKS_SHEET, owned_columns
from xlsync.core.tables import HEADER_SCAN_ROWS, locate_header
from xlsync.core.upgrade import Gap, Gaps, gaps_of
from xlsync.core.workbook_kind import looks_like_class_book, looks_like_master
from xlsync.errors import XlsyncError
from xlsync.files.disk import read_error
from xlsync.files.kept import Owned, owning
from xlsync.files.protect import protected
from xlsync.files.render import draw
from xlsync.files.safe_write import (
    WRITABLE,
    ensure_rewritable,
    load_remembered,
    open_for_update,
    save_workbook,
)
from xlsync.files.school import append_row
from xlsync.files.templates import TEMPLATE_YEAR, add_check, add_data_sheet, format_column
from xlsync.files.templates import header_cell as draw_header
from xlsync.files.validations import roster_name
from xlsync.schema import (
    CHECK_SHEET,
    CLASS_SHEETS,
    HELP_SHEET,
    MASTER_CONFIG_SHEETS,
    RESULT_SHEETS,
    SCHOOL,
    STATUS_SHEET,
    STUDENT_LIST,
    STUDENTS,
    Sheet,
)

_OWNED = frozenset({HELP_SHEET, STATUS_SHEET, CHECK_SHEET, MARKS_SHEET})  # never a schema sheet


@dataclass(frozen=True)
class Upgrade:
    """One workbook: what it lacked, and whether it was rewritten (never on a dry run)."""

    path: Path
    master: bool
    gaps: Gaps
    written: bool


@dataclass(frozen=True)
class _Found:
    """A schema sheet found in the workbook: its sheet and where its header row is."""

    ws: Worksheet
    header_row: int  # 1-based
    positions: dict[str, int]


def upgrade_workbook(path: Path, dry_run: bool = False) -> Upgrade:
    """Add what `path` lacks of the current template (`dry_run`: only say what)."""
    workbook = _load(path, dry_run)
    master = looks_like_master(workbook.sheetnames) and not looks_like_class_book(
        workbook.sheetnames
    )
    specs = MASTER_CONFIG_SHEETS if master else CLASS_SHEETS
    found = _find(workbook, specs, master)
    if not master and STUDENTS.name not in found:
        raise XlsyncError(
            f"「{path.name}」既不像班级台账（找不到 学生档案 的表头），也不像全校汇总，"
            "xlsync 没有改动它。"
        )
    gaps = gaps_of(specs, {n: f.positions for n, f in found.items()}, _school_items(found))
    rebuilt = RESULT_SHEETS if master else ()
    if not gaps or dry_run:
        if gaps:
            ensure_rewritable(path, rebuilt)  # a dry run foretells a refusal too
        return Upgrade(path, master, gaps, False)
    owned = _apply(workbook, gaps, found, master)
    save_workbook(workbook, path, rebuilt_sheets=rebuilt, owned=owned, finish=_finish(master))
    return Upgrade(path, master, gaps, True)


def _load(path: Path, dry_run: bool) -> Workbook:
    """The workbook to upgrade; a dry run may read one that is open in Excel."""
    try:
        if not dry_run or path.suffix.lower() not in WRITABLE:
            return open_for_update(path)  # refuses .xls/.ods/.csv and open files, in Chinese
        return load_remembered(path, lambda data: data)
    except XlsyncError:
        raise
    except OSError as error:
        raise read_error(path, error) from None
    except Exception:  # openpyxl raises many kinds on a damaged package: one message for all
        raise XlsyncError(
            f"「{path.name}」打不开（文件可能已损坏，或不是 Excel 工作簿），xlsync 没有改动它。"
            "请在 Excel 或 WPS 中打开它，另存为 .xlsx 后再试。"
        ) from None


def _finish(master: bool) -> Any:
    return protected if master else None  # the master stays encrypted when it was


def _head(ws: Worksheet) -> list[list[Any]]:
    rows = ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)
    return [[str(v) if isinstance(v, CellRichText) else v for v in row] for row in rows]


def _find(workbook: Workbook, specs: Sequence[Sheet], master: bool) -> dict[str, _Found]:
    """The schema sheets of `workbook`, found as the readers find them: the master's by name,
    a class workbook's by name, else by header row."""
    heads = {ws.title: _head(ws) for ws in workbook.worksheets if ws.title not in _OWNED}
    found: dict[str, _Found] = {}
    taken: set[str] = set()
    for spec in specs:
        name = _by_name(heads, spec) if master else pick_grid(heads, spec, taken)
        located = locate_header(heads[name], spec) if name is not None else None
        if name is not None and located is not None:
            taken.add(name)
            found[spec.name] = _Found(workbook[name], located[0] + 1, located[1])
    return found


def _by_name(heads: dict[str, Any], spec: Sheet) -> str | None:
    return next((name for name in heads if fold(name) == spec.name), None)


def _school_items(found: dict[str, _Found]) -> list[Any]:
    """The 项目 cells under the 学校信息 header, when the workbook has that sheet."""
    place = found.get(SCHOOL.name)
    if place is None or "项目" not in place.positions:
        return []
    column = place.positions["项目"]
    rows = place.ws.iter_rows(min_row=place.header_row + 1, values_only=True)
    return [row[column - 1] for row in rows if len(row) >= column]


def _apply(workbook: Workbook, gaps: Gaps, found: dict[str, _Found], master: bool) -> Owned:
    """Add every gap to the loaded workbook; what of the old content the writer owns."""
    owned: dict[str, set[int]] = {}
    for gap in gaps.sheets:
        if gap.whole:
            _add_sheet(workbook, gap.sheet, found)
        else:
            place = found[gap.sheet.name]
            owned[place.ws.title] = _add_columns(place, gap, _data_end(place, gap.sheet))
    if gaps.school_rows:
        _add_school_rows(found[SCHOOL.name].ws, gaps.school_rows)
    if not master:
        _keep_roster_name(workbook, found)
    return owning(frozenset(RESULT_SHEETS) if master else frozenset(), owned)


def _used_columns(ws: Worksheet, skip: Sequence[int]) -> int:
    """The last column holding a value anywhere in the sheet, xlsync's `skip` columns aside."""
    last = 0
    for row in ws.iter_rows(values_only=True):
        for number, value in enumerate(row, start=1):
            if number > last and number not in skip and not is_blank(value):
                last = number
    return last


def _last_filled(place: _Found) -> int:
    rows = place.ws.iter_rows(min_row=place.header_row + 1, values_only=True)
    last = place.header_row
    for number, row in enumerate(rows, start=place.header_row + 1):
        if any(not is_blank(v) for v in row):
            last = number
    return last


def _data_end(place: _Found, spec: Sheet) -> int:
    """How far down new checks reach: a school year's rows under the last filled row."""
    return _last_filled(place) + spec.rows


def _add_columns(place: _Found, gap: Gap, end: int) -> set[int]:
    """The missing columns after the last used one; returns the status columns emptied."""
    ws, header_row = place.ws, place.header_row
    status = owned_columns(_header_values(ws, header_row)) if gap.sheet is STUDENTS else []
    start = _used_columns(ws, status) + 1
    cleared = {c for c in status if c >= start}
    if cleared:  # xlsync's status block stands where the new columns go: it is redrawn later
        box = Box(header_row, min(cleared), max(ws.max_row, header_row), max(cleared))
        draw(ws.parent, SheetSpec(ws.title, [], whole=False, clear=[box]))
    for number, col in enumerate(gap.columns, start=start):
        _own_dimension(ws, number)
        draw_header(ws, header_row, number, col)
        format_column(ws, number, col)
        add_check(ws, number, col, end - header_row, first=header_row + 1)
    _widen_filter(ws, header_row, start - 1, start + len(gap.columns) - 1)
    return cleared


def _header_values(ws: Worksheet, header_row: int) -> list[Any]:
    row = next(ws.iter_rows(min_row=header_row, max_row=header_row, values_only=True), ())
    return [str(v) if isinstance(v, CellRichText) else v for v in row]


def _own_dimension(ws: Worksheet, number: int) -> None:
    """Split a column-width entry spanning several columns (LibreOffice writes one for all the
    empty columns on the right) so that column `number` can get its own width."""
    for key, dim in list(ws.column_dimensions.items()):
        low, high = dim.min or 0, dim.max or 0
        if low <= number <= high and low != high:
            del ws.column_dimensions[key]
            for part in ((low, number - 1), (number, number), (number + 1, high)):
                if part[0] <= part[1]:
                    _copy_dimension(ws, dim, *part)


def _copy_dimension(ws: Worksheet, dim: Any, low: int, high: int) -> None:
    part = ws.column_dimensions[get_column_letter(low)]
    part.min, part.max = low, high
    part.width, part.hidden = dim.width, dim.hidden
    part.outlineLevel, part.collapsed = dim.outlineLevel, dim.collapsed
    part._style = copy(dim._style)  # the column's default format; no public setter for it


def _widen_filter(ws: Worksheet, header_row: int, old_last: int, new_last: int) -> None:
    """The template's filter on the header row, widened over the new columns."""
    if not ws.auto_filter.ref:
        return
    current = CellRange(ws.auto_filter.ref)
    if current.min_row == header_row and current.max_col == old_last:
        current.expand(right=new_last - old_last)
        ws.auto_filter.ref = current.coord


def _add_sheet(workbook: Workbook, spec: Sheet, found: dict[str, _Found]) -> None:
    """The sheet as the template makes it, right after the sheets that come before it in the
    template (so 安全事件 lands before 缺勤与劝返 and before xlsync's 逾期提醒)."""
    ws = add_data_sheet(workbook, spec)
    kind = CLASS_SHEETS if spec in CLASS_SHEETS else MASTER_CONFIG_SHEETS
    earlier = kind[: kind.index(spec)]
    present = [workbook.index(found[s.name].ws) for s in earlier if s.name in found]
    if present:
        workbook.move_sheet(ws, offset=max(present) + 1 - workbook.index(ws))
    found[spec.name] = _Found(ws, 1, {c.header: n for n, c in enumerate(spec.columns, 1)})


def _add_school_rows(ws: Worksheet, names: Sequence[str]) -> None:
    """Each missing 学校信息 setting with its default, under the last filled row."""
    defaults = {row[0]: row[1] for row in default_grids("", TEMPLATE_YEAR)[SCHOOL.name][1:]}
    for name in names:
        append_row(ws, SCHOOL, {"项目": name, "内容": str(defaults.get(name, ""))})


def _keep_roster_name(workbook: Workbook, found: dict[str, _Found]) -> None:
    """学生名单 (the 学生姓名 drop-downs' source) over 学生档案's 姓名, when it is missing."""
    students = found.get(STUDENTS.name)
    if STUDENT_LIST in workbook.defined_names or students is None:
        return
    if "姓名" in students.positions:
        first = students.header_row + 1
        end = _data_end(students, STUDENTS)
        column = students.positions["姓名"]
        workbook.defined_names.add(roster_name(students.ws.title, column, first, end))
