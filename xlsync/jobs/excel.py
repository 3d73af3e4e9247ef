"""The add-in's jobs: the CLI's validate / overdue / consolidate / new-class, on the workbook
open in Excel. Inputs are read from the open book (what the user sees, saved or not), the
rest of the school from files as the CLI reads it; results are written through xlwings
(xlsync/excel/), so nothing else in the open book is touched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlsync.core.calendar import read_calendar, read_rules
from xlsync.core.classbook import assemble_class_book
from xlsync.core.config import SchoolConfig, assemble_config, is_config_sheet
from xlsync.core.findings import Report
from xlsync.core.incidents import incidents_of
from xlsync.core.left_behind import facts_of
from xlsync.core.obligations import OVERDUE, SOON, Item, evaluate
from xlsync.core.roster import children_of
from xlsync.core.status_view import StatusContext
from xlsync.core.validate import ClassInput, validate_classes
from xlsync.core.workbook_kind import CLASS_NOT_MASTER, MASTER_NOT_CLASS
from xlsync.errors import XlsyncError
from xlsync.excel import class_book, master
from xlsync.excel.book import Book, append_record, find_sheet, grids
from xlsync.files.backup import back_up
from xlsync.files.discover import class_name_for
from xlsync.files.school import NewClass, plan_class, write_class_workbook
from xlsync.jobs.consolidate import ConsolidateResult, MasterTarget, Progress, consolidate
from xlsync.jobs.inputs import first_year, load_config
from xlsync.jobs.print import PrintResult, Selection, print_classes, print_dossiers
from xlsync.jobs.report import ReportResult, make_report
from xlsync.jobs.report_draft import add_draft
from xlsync.schema import CLASSES, MASTER_FILE, PRINT_DIR, STUDENTS, TEACHERS


def saved_path(book: Book) -> Path:
    """Where the open book is saved; a book never saved has no folder to work in."""
    path = Path(str(book.fullname))
    if not path.is_file():
        raise XlsyncError(
            f"工作簿「{book.name}」还没有保存过。请先把它保存到学校的文件夹里，再点这个按钮。"
        )
    return path


class HalfWritten(Exception):
    """A job failed after it began writing into the open book. `undone`: its writes were
    undone (the book closed unsaved and opened again as saved at the start of the job)."""

    def __init__(self, cause: Exception, undone: bool) -> None:
        super().__init__(str(cause))
        self.cause, self.undone = cause, undone


@contextmanager
def undoable(book: Book, path: Path) -> Iterator[None]:
    """Writes into the open book that leave no half-written book behind: the book is saved
    first (the state to go back to), and a failure closes it unsaved and reopens that file."""
    book.save()
    try:
        yield
    except Exception as error:
        raise HalfWritten(error, _reopen(book, path)) from error


def _reopen(book: Book, path: Path) -> bool:
    try:
        app = book.app
        book.close()
        app.books.open(str(path))
    except Exception:  # the message then asks the user to close it unsaved
        return False
    return True


def is_master(book: Book) -> bool:
    return find_sheet(book, CLASSES.name) is not None and find_sheet(book, STUDENTS.name) is None


@dataclass
class OpenClass:
    """The class workbook open in Excel, typed, with the school configuration it belongs to."""

    item: ClassInput
    config: SchoolConfig
    notes: list[str]
    path: Path


def open_class(book: Book, as_of: dt.date) -> OpenClass:
    if is_master(book):
        raise XlsyncError(
            f"{MASTER_NOT_CLASS}。「校验本表」「计算逾期」用在班级台账上；全校汇总请点「汇总全校」。"
        )
    path = saved_path(book)
    found, config, notes = load_config(None, [path], as_of, path.parent)
    typed = assemble_class_book(grids(book), path.name, first_year(config, as_of))
    return OpenClass(ClassInput(typed, class_name_for(path, config, found)), config, notes, path)


def validate_open_book(book: Book, as_of: dt.date) -> Report:
    """校验本表: check the open class workbook and mark what is wrong in it."""
    opened = open_class(book, as_of)
    report = validate_classes([opened.item], opened.config, as_of)
    with undoable(book, opened.path):
        caption = opened.config.caption(opened.item.class_name, as_of)
        class_book.annotate(book, report.findings, caption)
    return report


def overdue_open_book(book: Book, as_of: dt.date) -> list[Item]:
    """计算逾期: evaluate the open class workbook and write its status columns and 逾期提醒."""
    opened = open_class(book, as_of)
    rules, calendar = read_rules(opened.config), read_calendar(opened.config)
    items = evaluate(children_of(opened.item), rules, calendar, as_of)
    incidents = incidents_of(opened.item, as_of)
    with undoable(book, opened.path):
        caption = opened.config.caption(opened.item.class_name, as_of)
        students = opened.item.book.students
        facts = facts_of(students, as_of, opened.config)
        context = StatusContext(caption, facts, incidents)
        class_book.write_status(book, students, rules, items, context)
    return items


def open_master(book: Book) -> Path:
    if not is_master(book):
        what = f"{CLASS_NOT_MASTER}。" if find_sheet(book, STUDENTS.name) is not None else ""
        raise XlsyncError(
            f"{what}这个按钮要在全校汇总工作簿（{MASTER_FILE}）中使用。请先打开全校汇总，再点一次。"
        )
    return saved_path(book)


def open_config(book: Book, path: Path) -> SchoolConfig:
    """The school configuration as the open master shows it (saved or not)."""
    return assemble_config(grids(book, is_config_sheet), str(path))


def excel_target(book: Book, path: Path) -> MasterTarget:
    """汇总 into the master open in Excel: configuration from the open sheets, the owned
    sheets written through xlwings, the book saved (the file on disk backed up first)."""

    def write(tables: dict[str, Any], figures: dict[str, Any], meta: dict[str, str]) -> None:
        back_up(path)
        with undoable(book, path):
            master.write_master(book, path, tables, figures, meta)
        book.save()

    return MasterTarget(lambda: open_config(book, path), lambda: None, write)


def consolidate_open_master(
    book: Book, as_of: dt.date, progress: Progress | None = None
) -> ConsolidateResult:
    """汇总全校 on the master open in Excel; the same run as `xlsync consolidate`."""
    path = open_master(book)
    return consolidate(path, as_of=as_of, progress=progress, target=excel_target(book, path))


def new_class_in_open_master(book: Book, class_name: str, teacher: str) -> NewClass:
    """新建班级表: the class workbook file, registered in the open master's 班级 and 教师."""
    path = open_master(book)
    config = open_config(book, path)
    plan = plan_class(path.parent, class_name, teacher, config)
    target = write_class_workbook(plan)
    append_record(
        find_sheet(book, CLASSES.name),
        CLASSES,
        {"班级": plan.name, "班主任": plan.teacher, "台账来源": target.name},
    )
    if plan.teacher_added:
        append_record(
            find_sheet(book, TEACHERS.name),
            TEACHERS,
            {"姓名": plan.teacher, "班级": plan.name, "职务": "班主任", "党员": "否"},
        )
    book.save()
    return NewClass(target, path, plan.teacher_added)


def print_open_book(book: Book, as_of: dt.date, class_name: str = "") -> PrintResult:
    """打印档案: the 档案卡, 联系卡 and 谈心记录卡 of the open class workbook (as the user sees
    it, saved or not), or of a class of the open master (all classes when none is named), in
    打印档案 next to the book; the same job as `xlsync print`."""
    if is_master(book):
        path = open_master(book)
        return print_dossiers([path], Selection([class_name] if class_name else []), as_of=as_of)
    opened = open_class(book, as_of)
    selection = Selection()
    return print_classes(
        [opened.item], opened.config, selection, as_of, opened.path.parent / PRINT_DIR
    )


@dataclass
class OpenReport:
    """学期报告's outcome: the report, and the Word draft or why there is none."""

    result: ReportResult
    draft: Path | None
    no_draft: str = ""


def report_open_master(book: Book, as_of: dt.date, progress: Progress | None = None) -> OpenReport:
    """学期报告: the 工作报告 of the term holding `as_of` from the open master (saved first, as
    汇总全校 does, so the report reads what the lead sees), and its Word draft when python-docx,
    matplotlib and a Chinese font are there; the workbook does not need them."""
    path = open_master(book)
    book.save()
    result = make_report(path, as_of=as_of, progress=progress)
    try:
        return OpenReport(result, add_draft(result))
    except XlsyncError as error:
        return OpenReport(result, None, str(error))


def counts(items: list[Item]) -> tuple[int, int]:
    return sum(i.status == OVERDUE for i in items), sum(i.status == SOON for i in items)


def error_count(report: Report) -> tuple[int, int]:
    return len(report.errors), len(report.findings) - len(report.errors)
