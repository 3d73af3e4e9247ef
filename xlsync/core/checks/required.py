"""Required and conditionally required columns."""

from __future__ import annotations

from collections.abc import Iterator

from xlsync.core.checks.context import Context, blank, filled
from xlsync.core.findings import Finding, make_finding
from xlsync.core.tables import Table, items
from xlsync.schema import Kind


def _present_tables(ctx: Context) -> Iterator[Table]:
    return (t for t in ctx.book.tables if t.positions)


def required_columns(ctx: Context) -> Iterator[Finding]:
    """A required column missing from a sheet's header row is reported once, at the header."""
    for table in _present_tables(ctx):
        for col in table.spec.columns:
            if col.required and col.header not in table.positions:
                place = table.place(None, col.header)
                yield make_finding("column-missing", place, sheet=table.spec.name)


def required_values(ctx: Context) -> Iterator[Finding]:
    """Each required cell of each row is filled (columns with a default are never empty)."""
    for table in _present_tables(ctx):
        for col in table.spec.columns:
            if col.required and not col.default and col.header in table.positions:
                for row in blank(table, col.header):
                    yield make_finding("required-missing", table.place(row, col.header))


def _condition_holds(value: object, wanted: str) -> bool:
    options = wanted.split("|")
    values = value if isinstance(value, tuple) else (value,)
    return any(v in options for v in values)


def conditional_required(ctx: Context) -> Iterator[Finding]:
    """留守类型 when 儿童类别 has 留守儿童; 内容摘要 for 谈心 and 家访."""
    for table in _present_tables(ctx):
        for col in table.spec.columns:
            if not col.required_if:
                continue
            other, wanted = col.required_if
            verb = "含" if table.spec.column(other).kind == Kind.MULTI else "为"
            condition = f"「{other}」{verb}{wanted.replace('|', '或')}"
            others = dict(items(table.data[other]))
            met = {r for alt in col.or_filled for r, _ in filled(table, alt)}  # issue 19.2
            for row in blank(table, col.header):
                if _condition_holds(others[row], wanted) and row not in met:
                    yield make_finding(
                        "required-conditional", table.place(row, col.header), condition=condition
                    )
