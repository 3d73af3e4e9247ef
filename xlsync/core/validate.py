"""Validate class workbooks: every finding of every rule, and each file's 建档率."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xlsync.core.checks import CLASS_CHECKS, Context
from xlsync.core.checks.conflicts import conflicts_between
from xlsync.core.checks.seed_rules import overloaded_across
from xlsync.core.classbook import ClassBook
from xlsync.core.config import SchoolConfig
from xlsync.core.duties import rate
from xlsync.core.findings import ERROR, Finding, Report
from xlsync.schema import CLASS_SHEETS

_SHEET_ORDER = {s.name: i for i, s in enumerate(CLASS_SHEETS)}


@dataclass(frozen=True)
class ClassInput:
    """A class workbook read from somewhere, with the 班级 it belongs to."""

    book: ClassBook
    class_name: str


def finding_order(finding: Finding) -> tuple:
    return (
        finding.file,
        _SHEET_ORDER.get(finding.sheet, 9),
        finding.sheet,
        finding.row or 0,
        len(finding.cell),
        finding.cell,
        finding.code,
    )


def validate_class(item: ClassInput, config: SchoolConfig, as_of: dt.date) -> list[Finding]:
    """Every finding of one class workbook, normalization problems included."""
    ctx = Context(item.book, config, as_of, item.class_name)
    findings = list(item.book.findings)
    for check in CLASS_CHECKS:
        findings.extend(check(ctx))
    return findings


def complete_children(book: ClassBook, findings: Sequence[Finding]) -> tuple[int, int]:
    """(children whose required and conditionally required fields are valid, all children)."""
    children = book.students.data.index
    required = {c.header for c in book.students.spec.columns if c.required or c.required_if}
    broken = {
        f.row
        for f in findings
        if f.severity == ERROR
        and f.file == book.file
        and f.sheet == book.students.source_sheet
        and f.column in required
    }
    return sum(1 for row in children if row not in broken), len(children)


def complete_rate(books: Sequence[ClassBook], findings: Sequence[Finding]) -> float | None:
    """建档率 over `books`: complete children ÷ all children (None when there are none)."""
    counts = [complete_children(book, findings) for book in books]
    total = sum(t for _, t in counts)
    return rate(sum(c for c, _ in counts), total)


def validate_classes(
    items: Sequence[ClassInput],
    config: SchoolConfig,
    as_of: dt.date,
    each: Callable[[ClassInput], list[Finding]] | None = None,
) -> Report:
    """The report over several class workbooks, cross-file conflicts included; `each` gives
    one class's own findings (validate_class, or what an earlier run found for the same)."""
    report = Report()
    for item in items:
        report.findings.extend(each(item) if each else validate_class(item, config, as_of))
    report.findings.extend(conflicts_between([i.book.students for i in items]))
    report.findings.extend(
        overloaded_across([(i.class_name, i.book.students) for i in items], config)
    )
    report.findings.sort(key=finding_order)
    by_file: dict[str, list[Finding]] = {}
    for finding in report.findings:  # each class's own: not every finding for every class
        by_file.setdefault(finding.file, []).append(finding)
    for item in items:
        report.files.append(
            {
                "file": item.book.file,
                "class": item.class_name,
                "children": len(item.book.students.data),
                "records": len(item.book.records.data),
                "complete_rate": complete_rate([item.book], by_file.get(item.book.file, [])),
            }
        )
    return report
