"""Issue 19.7: a class workbook made by an earlier template gets one 提示 naming what the
current template would add (`xlsync upgrade` adds it); nothing it lacks is an error.

Missing sheets are named only for a workbook that has every sheet of the first template: a
roster exported from another system (a .csv, a one-sheet 学生档案) was never made by a template,
and its lack of 安全事件 says nothing about its version."""

from __future__ import annotations

from collections.abc import Iterator

from xlsync.core.checks.context import Context
from xlsync.core.findings import Finding
from xlsync.core.upgrade import gaps_of, outdated_finding, template_made, without_sheets
from xlsync.schema import CLASS_SHEETS


def template_current(ctx: Context) -> Iterator[Finding]:
    """One 提示 per workbook that lacks later sheets or columns of the class template."""
    found = {table.spec.name: table.positions or None for table in ctx.book.tables}
    gaps = gaps_of(CLASS_SHEETS, found)
    if not template_made(CLASS_SHEETS, found):
        gaps = without_sheets(gaps)
    finding = outdated_finding(ctx.book.file, gaps)
    if finding is not None:
        yield finding
