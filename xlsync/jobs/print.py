"""The print job (issue 20): 档案卡, 联系卡 and 谈心记录卡 of the chosen children in one
print-ready workbook, and a PDF through LibreOffice on request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from xlsync.core.calendar import read_calendar, read_rules
from xlsync.core.config import SchoolConfig
from xlsync.core.dossier import Dossier, Scope, absent_columns, dossier, gap_line, pick_term
from xlsync.core.obligations import Child
from xlsync.core.render.cards import contact_form, talk_form
from xlsync.core.render.dossier import profile_form
from xlsync.core.render.forms import Heading
from xlsync.core.roster import children_of
from xlsync.core.validate import ClassInput, validate_classes
from xlsync.core.workbook_kind import looks_like_master
from xlsync.errors import XlsyncError
from xlsync.files.discover import school_class_files
from xlsync.files.dossier_writer import write_forms
from xlsync.files.school import read_master
from xlsync.files.soffice import to_pdf
from xlsync.google.sources import PREFIX
from xlsync.jobs.inputs import Google, Inputs, google_classes, load_inputs
from xlsync.schema import MASTER_FILE, PRINT_DIR


@dataclass
class Selection:
    """Which children to print: --class and --child as given (empty: all)."""

    classes: Sequence[str] = ()
    children: Sequence[str] = ()
    term: str | None = None
    full: bool = False


@dataclass
class PrintResult:
    workbook: Path
    pdf: Path | None
    term: str
    cards: list[Dossier]
    notes: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """2 when a class could not be read (its children are missing from the printout)."""
        return 2 if self.failed else 0

    @property
    def gaps(self) -> list[str]:
        """One line per child whose card has blanks or 错误, for stderr."""
        return [line for card in self.cards if (line := gap_line(card))]


def _is_master(given: Path | str) -> bool:
    path = Path(given)  # a Google class (gsheet:ID) is no file, so never the master
    if not path.is_file():
        return False
    if path.name == MASTER_FILE:
        return True
    try:
        return looks_like_master(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception:  # noqa: BLE001 — an unreadable file is the class reader's to report
        return False


def _load(
    paths: Sequence[Path], master: Path | None, as_of: dt.date, google: Google | None = None
) -> Inputs:
    """Class workbooks and folders as given; a master stands for every class it registers."""
    masters = [p for p in paths if _is_master(p)]
    if masters:
        master = master or masters[0]
        config = read_master(masters[0])
        classes = [p for p, _ in school_class_files(masters[0], config)]
        sheets = [Path(PREFIX + sid) for sid, _ in google_classes(config)]  # kept in Google
        paths = [*(p for p in paths if p not in masters), *classes, *sheets]
    inputs = load_inputs(paths, master, as_of, google=google)
    if not inputs.items:
        why = "；".join(f["message"] for f in inputs.failed) or "没有班级台账"
        raise XlsyncError(f"没有可以打印的班级台账：{why}")
    return inputs


def _classes(inputs: Inputs, wanted: Sequence[str]) -> list[ClassInput]:
    known = [item.class_name for item in inputs.items]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise XlsyncError(
            f"没有找到班级「{'、'.join(unknown)}」。可以选的班级：{'、'.join(known)}。"
            "请照 全校汇总 班级 表里的写法写 --class。"
        )
    return [item for item in inputs.items if not wanted or item.class_name in wanted]


def _matches(child: Child, item: ClassInput, wanted: str) -> bool:
    row = item.book.students.data.loc[child.row]
    return wanted in (child.name, child.key, row.get("身份证号"), row.get("学籍号"))


def _children(items: list[ClassInput], wanted: Sequence[str]) -> list[tuple[ClassInput, Child]]:
    found = [(item, child) for item in items for child in children_of(item)]
    unknown = [w for w in wanted if not any(_matches(c, i, w) for i, c in found)]
    if unknown:
        raise XlsyncError(
            f"没有找到学生「{'、'.join(unknown)}」。--child 写学生姓名（与 学生档案 一致），"
            "或身份证号、学籍号；要找的学生在别的班时，请加 --class 或写出那个班的台账。"
        )
    return [(i, c) for i, c in found if not wanted or any(_matches(c, i, w) for w in wanted)]


def _target(out: Path, classes: list[ClassInput], term: str) -> Path:
    """`out` when it names a workbook, else 档案卡_<班级或全校>_<学期>.xlsx in that folder."""
    if out.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return out.with_suffix(".xlsx")
    label = classes[0].class_name if len(classes) == 1 else "全校"
    return out / f"档案卡_{label}_{term}.xlsx"


def _absent_note(item: ClassInput) -> str:
    return (
        f"{item.class_name} 的台账是旧模板，没有 {'、'.join(absent_columns(item))} 列，卡片上这些地方"
        "留了空行，可以手写；运行 xlsync upgrade 可以给台账加上这些列。"
    )


def print_dossiers(
    paths: Sequence[Path],
    select: Selection | None = None,
    master: Path | None = None,
    as_of: dt.date | None = None,
    out: Path | None = None,
    pdf: bool = False,
    google: Google | None = None,
) -> PrintResult:
    """Build the printable 档案卡, 联系卡 and 谈心记录卡 of the selected children (class
    workbooks, folders, the master, or classes kept in Google Sheets: `gsheet:ID`)."""
    as_of, select = as_of or dt.date.today(), select or Selection()
    inputs = _load(paths, master, as_of, google)
    items = _classes(inputs, select.classes)
    # beside the master, never in the class folder (where it would be read as a class)
    folder = inputs.master.parent if inputs.master else Path.cwd()
    result = print_classes(items, inputs.config, select, as_of, out or folder / PRINT_DIR, pdf)
    result.notes[:0] = inputs.notes
    result.failed = inputs.failed
    return result


def print_classes(
    items: list[ClassInput],
    config: SchoolConfig,
    select: Selection,
    as_of: dt.date,
    out: Path,
    pdf: bool = False,
) -> PrintResult:
    """The printout of classes already read (files, Google Sheets or the book open in Excel);
    `out` is the workbook, or a folder to put it in under its usual name."""
    chosen = _children(items, select.children)
    cal = read_calendar(config)
    term = pick_term(cal, select.term, as_of)
    scope = Scope(term, read_rules(config), cal, as_of, select.full)
    findings = validate_classes(items, config, as_of).findings
    cards = [dossier(item, child, scope, findings) for item, child in chosen]
    if not cards:
        raise XlsyncError("选中的班级台账里没有学生，没有可以打印的档案卡。")
    heading = Heading(config.info.get("学校名称") or "", term.name, as_of.isoformat())
    forms = [f(cards, heading) for f in (profile_form, contact_form, talk_form)]
    workbook = write_forms(forms, _target(out, items, term.name))
    notes = [_absent_note(item) for item in items if absent_columns(item)]
    result = PrintResult(workbook, None, term.name, cards, notes)
    result.pdf = to_pdf(workbook) if pdf else None
    return result
