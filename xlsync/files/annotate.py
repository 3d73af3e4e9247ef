"""Write validation findings back into a class workbook (`xlsync validate --annotate`).

Offending cells get a fill and a comment; a 校验结果 sheet lists every finding with a link
to its cell. A very hidden sheet remembers each marked cell's fill from before, so the next
run removes exactly its own marks: a fill the teacher changed since, and every comment not
written by xlsync, stay. Values are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.styles.fills import Fill
from openpyxl.xml.functions import fromstring, tostring

from xlsync.core.findings import Finding
from xlsync.core.render import class_book as spec
from xlsync.core.render.spec import NO_CAPTION, Caption
from xlsync.core.status_view import MARKS_SHEET, NOTE_MARK
from xlsync.files.kept import owning
from xlsync.files.render import draw
from xlsync.files.safe_write import open_for_update, save_workbook
from xlsync.schema import CHECK_SHEET

AUTHOR = "xlsync"
ERROR_FILL = PatternFill("solid", fgColor=spec.ERROR_FILL)
WARNING_FILL = PatternFill("solid", fgColor=spec.WARNING_FILL)


def fill_xml(fill: Fill) -> str:
    return tostring(fill.to_tree()).decode()


OWN_FILLS = {fill_xml(ERROR_FILL), fill_xml(WARNING_FILL)}


def annotate_workbook(
    path: Path, findings: Sequence[Finding], caption: Caption = NO_CAPTION
) -> bool:
    """Replace xlsync's earlier marks in `path` with marks for `findings`; False (the file
    untouched) when there is nothing to mark and no earlier mark to remove."""
    workbook = open_for_update(path)
    if not draw_marks(workbook, findings, caption):
        return False
    save_workbook(workbook, path, owned=MARKS_OWNED)
    return True


MARKS_OWNED = owning(frozenset({MARKS_SHEET, CHECK_SHEET}))


def draw_marks(
    workbook: Workbook, findings: Sequence[Finding], caption: Caption = NO_CAPTION
) -> bool:
    """Replace the marks in a loaded workbook; False when there was nothing to do at all."""
    if not remove_marks(workbook) and not findings:
        return False
    _mark_cells(workbook, findings)
    _write_check_sheet(workbook, findings, caption)
    return True


def remove_marks(workbook: Workbook) -> bool:
    """Undo what the previous annotate wrote: fills still ours, comments by xlsync, the sheets;
    False when there was nothing of it."""
    found = MARKS_SHEET in workbook.sheetnames or CHECK_SHEET in workbook.sheetnames
    if MARKS_SHEET in workbook.sheetnames:
        for sheet, cell, original in workbook[MARKS_SHEET].iter_rows(min_row=2, values_only=True):
            if sheet in workbook.sheetnames and cell:
                target = workbook[sheet][cell]
                if fill_xml(target.fill) in OWN_FILLS:
                    target.fill = _remembered(original)
        del workbook[MARKS_SHEET]
    for ws in workbook.worksheets:
        for cell in list(ws._cells.values()):  # the cells there are: iter_rows would make the rest
            if cell.comment is not None and (
                cell.comment.author == AUTHOR or cell.comment.text.startswith(NOTE_MARK)
            ):
                cell.comment, found = None, True
    if CHECK_SHEET in workbook.sheetnames:
        del workbook[CHECK_SHEET]
    return found


def _remembered(original: str | None) -> Fill:
    """A fill remembered in xlsync标记: fill XML (written here) or #RRGGBB (written by the
    Excel add-in, which marks the same way; xlsync/excel/class_book.py)."""
    original = original or ""
    if original.startswith("<"):
        return Fill.from_tree(fromstring(original))
    return PatternFill("solid", fgColor=original[1:]) if len(original) == 7 else PatternFill()


def _mark_cells(workbook: Workbook, findings: Sequence[Finding]) -> None:
    marks = workbook.create_sheet(MARKS_SHEET)
    marks.sheet_state = "veryHidden"
    marks.append(spec.MARKS_HEADER)
    for mark in spec.marks(findings, workbook.sheetnames):
        cell = workbook[mark.sheet][mark.cell]
        marks.append([mark.sheet, mark.cell, fill_xml(cell.fill)])
        cell.fill = PatternFill("solid", fgColor=mark.fill)
        if cell.comment is None:  # a teacher's own comment is never replaced
            height = 40 + 40 * mark.note.count("\n· ")
            cell.comment = Comment(mark.note, AUTHOR, width=320, height=height)


def _write_check_sheet(workbook: Workbook, findings: Sequence[Finding], caption: Caption) -> None:
    draw(workbook, spec.check_spec(findings, workbook.sheetnames, caption))
