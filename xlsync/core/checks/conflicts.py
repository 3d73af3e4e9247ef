"""A child appears once: once per class workbook, and in one class workbook of the school."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from xlsync.core.checks.context import Context, filled
from xlsync.core.findings import Finding, make_finding
from xlsync.core.tables import Table

_REASONS = {"身份证号": "身份证号相同", "学籍号": "学籍号相同"}


def _identities(table: Table) -> Iterator[tuple[str, int, str]]:
    """(identity, Excel row, header) for each child: ID, 学籍号, and (姓名, 出生日期)."""
    for header in _REASONS:
        for row, value in filled(table, header):
            yield f"{header}:{value}", row, header
    births = table.data["出生日期"]
    for row, name in filled(table, "姓名"):
        if births.get(row) is not None:
            yield f"姓名:{name}|{births[row]}", row, "姓名"


def children_unique(ctx: Context) -> Iterator[Finding]:
    """The same child twice in one 学生档案 is reported on the later row."""
    table = ctx.book.students
    first_row: dict[str, int] = {}
    reported: set[int] = set()
    for identity, row, header in _identities(table):
        other = first_row.setdefault(identity, row)
        if other != row and row not in reported:
            reported.add(row)
            reason = _REASONS.get(header, "姓名和出生日期相同")
            yield make_finding(
                "child-duplicate",
                table.place(row, header),
                table.data.at[row, header],
                other_row=other,
                reason=reason,
            )


def conflicts_between(tables: Sequence[Table]) -> Iterator[Finding]:
    """The same 身份证号 or 学籍号 in two class workbooks: reported in both (unfinished transfer)."""
    seen: dict[str, list[tuple[Table, int, str]]] = {}
    for table in tables:
        for identity, row, header in _identities(table):
            if header in _REASONS:
                seen.setdefault(identity, []).append((table, row, header))
    for places in seen.values():
        files = {t.file for t, _, _ in places}
        if len(files) < 2:
            continue
        for table, row, header in places:
            other = next(p for p in places if p[0].file != table.file)
            yield make_finding(
                "child-conflict",
                table.place(row, header),
                table.data.at[row, header],
                other_file=other[0].file,
                other_row=other[1],
                reason=f"该生的{header}",
            )
