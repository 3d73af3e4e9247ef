"""A class workbook (班级台账) as typed tables: 学生档案, 帮扶记录, 学业帮扶计划, and the
安全事件 and 缺勤与劝返 sheets of template version 2 (empty when a workbook lacks them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import pandas as pd

from xlsync.core.findings import Finding
from xlsync.core.identity import Linker, Mismatch, link_mismatches, link_records
from xlsync.core.normalize import fold
from xlsync.core.tables import (
    Grid,
    Table,
    build_table,
    empty_table,
    header_score,
    locate_header,
)
from xlsync.errors import XlsyncError
from xlsync.schema import ABSENCES, CLASS_SHEETS, INCIDENTS, RECORDS, STUDENTS, STUDY_PLANS, Sheet

MIN_SCORE_BY_CONTENT = 3  # a sheet with another name is taken for a schema sheet from 3 headers


@dataclass
class ClassBook:
    """The tables of one class workbook and the findings met while typing them."""

    file: str
    students: Table
    records: Table
    plans: Table
    incidents: Table
    absences: Table

    @property
    def tables(self) -> tuple[Table, ...]:
        return (self.students, self.records, self.plans, self.incidents, self.absences)

    @property
    def findings(self) -> list[Finding]:
        return [f for table in self.tables for f in table.findings]

    @cached_property
    def linker(self) -> Linker:
        """Which 学生档案 rows a record's names can mean: one per book, shared by the links,
        the mismatches and the check that every name means one child."""
        return Linker(self.students.data, self.records.data)

    @cached_property
    def record_links(self) -> pd.Series:
        """For each 帮扶记录 row, the 学生档案 row it names (None: unknown or ambiguous)."""
        return link_records(self.students.data, self.records.data, self.linker)

    @cached_property
    def link_mismatches(self) -> list[Mismatch]:
        """帮扶记录 rows linked to a child whose 身份证号 or 姓名 they write differently."""
        return link_mismatches(self.students.data, self.records.data, self.linker)


def slimmed(book: ClassBook) -> ClassBook:
    """The book with only its 学生档案 and 安全事件 (what the school-wide parts of 汇总 read once
    each class's own parts are derived); 帮扶记录, 学业帮扶计划 and 缺勤与劝返 left empty, so
    that a school's records are not all held at once (issue 22.2)."""
    file, students = book.file, book.students
    # a copy keeps a table's columns in one block (a parsed one has a block per column)
    kept = replace(students, raw=students.raw.copy(), data=students.data.copy())
    return ClassBook(
        file,
        kept,
        empty_table(RECORDS, file),
        empty_table(STUDY_PLANS, file),
        book.incidents,
        empty_table(ABSENCES, file),
    )


def pick_grid(grids: Mapping[str, Grid], spec: Sheet, taken: set[str]) -> str | None:
    """The sheet of `grids` that holds `spec`: by name first, else by its header row."""
    for name in grids:
        if name not in taken and fold(name) == spec.name:
            return name
    scored = [(header_score(grid, spec), name) for name, grid in grids.items() if name not in taken]
    best = max(scored, default=(0, None), key=lambda pair: pair[0])
    return best[1] if best[0] >= MIN_SCORE_BY_CONTENT else None


def assemble_class_book(
    grids: Mapping[str, Grid], file: str, school_year: int | None = None
) -> ClassBook:
    """Type every class sheet found in `grids`; a file without a 学生档案 header is refused.
    `school_year` (its first calendar year) dates a day typed without its year."""
    tables: dict[str, Table] = {}
    for spec, name in zip(CLASS_SHEETS, sheet_picks(grids), strict=True):
        table = (
            build_table(grids[name], spec, file, name, school_year) if name is not None else None
        )
        tables[spec.name] = table or empty_table(spec, file)
    if not tables[STUDENTS.name].positions:
        raise XlsyncError(
            f"「{file}」里找不到“学生档案”表的表头（应有 姓名、性别、出生日期 等列）。"
            "请用 xlsync new-class 生成的班级台账模板填写。"
        )
    return ClassBook(file, *(tables[spec.name] for spec in CLASS_BOOK_ORDER))


def sheet_picks(grids: Mapping[str, Grid]) -> list[str | None]:
    """The sheet of `grids` each of CLASS_SHEETS is read from (None: none), in that order: a
    sheet is taken by name, else by its header row, and only when its header row is found
    (`build_table` types a grid exactly when `locate_header` finds its header)."""
    picks: list[str | None] = []
    taken: set[str] = set()
    for spec in CLASS_SHEETS:
        name = pick_grid(grids, spec, taken)
        if name is not None and locate_header(grids[name], spec) is None:
            name = None
        if name is not None:
            taken.add(name)
        picks.append(name)
    return picks


CLASS_BOOK_ORDER = (STUDENTS, RECORDS, STUDY_PLANS, INCIDENTS, ABSENCES)
"""The sheets in the order of `ClassBook`'s fields."""
