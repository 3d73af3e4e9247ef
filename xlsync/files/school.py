"""The school's files: creating the master and class workbooks, and reading the master.

`create_school` and `create_class` are what `xlsync init` and `xlsync new-class` do. Both
write only through the safe writer and refuse to replace anything that already exists.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.config import SchoolConfig, assemble_config, is_config_sheet
from xlsync.core.master_view import AS_OF_NAME, as_of_of
from xlsync.core.normalize import fold
from xlsync.core.school_year import parse_school_year
from xlsync.core.tables import Grid, next_row
from xlsync.core.workbook_kind import check_master
from xlsync.errors import XlsyncError
from xlsync.files.launchers import write_check_launchers, write_launchers
from xlsync.files.ooxml import defined_names
from xlsync.files.protect import plain, protected
from xlsync.files.reader import load_grids
from xlsync.files.safe_write import (
    ensure_not_open,
    ensure_rewritable,
    load_remembered,
    save_workbook,
)
from xlsync.files.sheets import put
from xlsync.files.templates import build_class_workbook, build_master_workbook
from xlsync.schema import (
    CLASSES,
    MASTER_FILE,
    RESULT_SHEETS,
    TEACHERS,
    Sheet,
)

_BAD_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def read_master(path: str | Path) -> SchoolConfig:
    """The school configuration held by a master workbook (its big rebuilt sheets are skipped);
    a class workbook given instead is refused as such."""
    names: list[str] = []
    grids = load_grids(path, _noting(names, is_config_sheet))
    check_master(names, path)
    return assemble_config(grids, str(path))


def _noting(names: list[str], wanted: Callable[[str], bool]) -> Callable[[str], bool]:
    """`wanted`, noting every sheet name it is asked about (load_grids asks about each)."""

    def ask(name: str) -> bool:
        names.append(name)
        return wanted(name)

    return ask


def read_as_of(path: Path) -> str | None:
    """The as-of date 汇总 recorded in the master (the defined name), if it recorded one."""
    data = plain(path, path.read_bytes())
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            refers_to = defined_names(archive).get(AS_OF_NAME)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return None
    return as_of_of(refers_to) if refers_to else None


def read_results(path: Path, every_sheet: bool = False) -> dict[str, Grid]:
    """The sheets 汇总 built in the master (with `every_sheet`, all its sheets); a master
    that lacks any of them is refused with a message to run 汇总 first."""
    names: list[str] = []
    grids = load_grids(path, _noting(names, lambda name: every_sheet or name in RESULT_SHEETS))
    check_master(names, path)
    missing = [n for n in RESULT_SHEETS if n not in grids]
    if missing:
        raise XlsyncError(
            f"「{path}」中还没有汇总结果（缺少 {'、'.join(missing)}），"
            "请先运行 xlsync consolidate。"
        )
    return grids


def create_school(folder: Path, school: str, year: str) -> Path:
    """A new master workbook and an empty class folder in `folder`; returns the master path."""
    if not school.strip():
        raise XlsyncError("学校名称不能为空，请用 --school 写上学校名称。")
    parse_school_year(year)
    master = folder / MASTER_FILE
    if master.exists():
        raise XlsyncError(
            f"「{master}」已经存在，xlsync 不会覆盖它。如需重新开始，请换一个文件夹。"
        )
    workbook = build_master_workbook(school.strip(), year)
    save_workbook(workbook, master, replacing=False, finish=protected)
    classes = folder / read_master(master).class_dir
    classes.mkdir(parents=True, exist_ok=True)
    write_launchers(folder)
    write_check_launchers(classes)
    return master


@dataclass(frozen=True)
class NewClass:
    """What `create_class` made: the class workbook and whether the teacher was new."""

    workbook: Path
    master: Path
    teacher_added: bool


def _check_class_name(name: str) -> str:
    name = name.strip()
    if not name or _BAD_FILE_CHARS.search(name) or name in (".", ".."):
        raise XlsyncError(f'班级名称「{name}」不能用作文件名，请去掉 \\ / : * ? " < > | 等符号。')
    reason = _name_trouble(name)
    if reason:
        raise XlsyncError(
            f"班级名称「{name}」不能用作文件名：{reason}请换一个名称，例如“三年级2班”。"
        )
    return name


# Device names Windows reserves in every folder, with or without an extension (CON.txt too).
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
MAX_CLASS_NAME_BYTES = 200  # UTF-8 bytes; most file systems allow 255 for the whole name


def _name_trouble(name: str) -> str:
    """Why `name` cannot be a class workbook's file name on a school's computers ('' if it can)."""
    if _RESERVED.match(name):
        return "它是 Windows 保留的设备名，这样的文件在 Windows 上无法创建或打开。"
    if name.startswith("~$"):
        return "以 ~$ 开头的文件是 Excel 的“正在编辑”标记，会让同名台账一直被当作已打开。"
    if name.endswith("."):
        return "Windows 会去掉名称末尾的点，文件名会和登记的不一致。"
    if len((name + ".xlsx").encode()) > MAX_CLASS_NAME_BYTES:
        return f"名称太长（{len(name)} 个字），文件系统放不下。"
    return ""


@dataclass(frozen=True)
class ClassPlan:
    """A class about to be made: checked, not written yet."""

    name: str
    teacher: str
    master: Path
    config: SchoolConfig

    @property
    def teachers(self) -> list[str]:
        names = self.config.teacher_names
        return names if self.teacher in names else [*names, self.teacher]

    @property
    def teacher_added(self) -> bool:
        return self.teacher not in self.config.teacher_names


def plan_class(
    folder: Path, class_name: str, teacher: str, config: SchoolConfig | None = None
) -> ClassPlan:
    """Check that a class can be added to the school in `folder` (nothing is written). With
    `config`, the master is open in Excel and is written through it, not as a file."""
    class_name, teacher = _check_class_name(class_name), fold(teacher)
    if not teacher:
        raise XlsyncError("班主任姓名不能为空，请用 --teacher 写上。")
    master = folder / MASTER_FILE
    if not master.exists():
        raise XlsyncError(f"在「{folder}」里找不到 {MASTER_FILE}。请先运行 xlsync init 创建学校。")
    if config is None:
        config = read_master(master)
        ensure_not_open(master)
        ensure_rewritable(master, RESULT_SHEETS)
    if class_name in set(config.table(CLASSES).data["班级"]):
        raise XlsyncError(f"班级「{class_name}」已在 {MASTER_FILE} 的 班级 表中登记过。")
    return ClassPlan(class_name, teacher, master, config)


def create_class(folder: Path, class_name: str, teacher: str) -> NewClass:
    """A class workbook from the template, registered in the master's 班级 and 教师 sheets."""
    plan = plan_class(folder, class_name, teacher)
    target = write_class_workbook(plan)
    register_class(plan, target.name)
    write_check_launchers(target.parent)  # a school from an older version gets them now
    return NewClass(target, plan.master, plan.teacher_added)


def write_class_workbook(plan: ClassPlan) -> Path:
    """The class workbook of `plan`, from the template, in the school's class folder."""
    target = plan.master.parent / plan.config.class_dir / f"{plan.name}.xlsx"
    if target.exists():
        raise XlsyncError(f"「{target}」已经存在，xlsync 不会覆盖它。")
    save_workbook(build_class_workbook(plan.teachers), target, replacing=False)
    return target


def register_class(plan: ClassPlan, source: str) -> None:
    """Add the class (and its teacher, if new) to the master's 班级 and 教师 sheets."""
    workbook = load_remembered(plan.master, lambda data: data)
    append_row(
        workbook[CLASSES.name],
        CLASSES,
        {"班级": plan.name, "班主任": plan.teacher, "台账来源": source},
    )
    if plan.teacher_added:
        append_row(
            workbook[TEACHERS.name],
            TEACHERS,
            {"姓名": plan.teacher, "班级": plan.name, "职务": "班主任", "党员": "否"},
        )
    # 汇总's own sheets (their chart included) are exempt: the next 汇总 rebuilds them anyway.
    save_workbook(workbook, plan.master, rebuilt_sheets=RESULT_SHEETS, finish=protected)


def append_row(ws: Worksheet, spec: Sheet, values: dict[str, str]) -> None:
    """Write `values` under the sheet's own header positions, after its last filled row."""
    found = next_row([list(row) for row in ws.iter_rows(values_only=True)], spec)
    if found is None:
        raise XlsyncError(f"{MASTER_FILE} 的「{spec.name}」表找不到表头，请按模板恢复表头后再试。")
    row, positions = found
    for header, value in values.items():
        if header in positions:
            put(ws, row, positions[header], value)  # a name is text, whatever it starts with
