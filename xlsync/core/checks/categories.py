"""Issue 19.3: categories as used now. A 残疾儿童 carries the 类别 and 等级 of the 残疾证."""

from __future__ import annotations

from collections.abc import Iterator

from xlsync.core.checks.context import Context, blank
from xlsync.core.findings import Finding, make_finding
from xlsync.schema import DISABLED_CHILD

DISABILITY_COLUMNS = ("残疾类别", "残疾等级")


def disability_details(ctx: Context) -> Iterator[Finding]:
    """A 残疾儿童 has 残疾类别 and 残疾等级: a 警告, not an 错误, since a child may have no
    残疾证 yet; a workbook made before the columns existed is not asked for them."""
    table = ctx.book.students
    categories = table.data["儿童类别"]
    for header in (h for h in DISABILITY_COLUMNS if h in table.positions):
        for row in blank(table, header):
            if DISABLED_CHILD in (categories.get(row) or ()):
                yield make_finding("disability-details-missing", table.place(row, header))
