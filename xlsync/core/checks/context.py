"""What every check sees: one class workbook, the school configuration and the as-of date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from xlsync.core.classbook import ClassBook
from xlsync.core.config import SchoolConfig
from xlsync.core.normalize import is_blank
from xlsync.core.tables import Table, items, rows


@dataclass
class Context:
    book: ClassBook
    config: SchoolConfig
    as_of: dt.date
    class_name: str

    @property
    def record_links(self) -> pd.Series:
        """The 学生档案 row each 帮扶记录 row names (None when unknown or ambiguous)."""
        return self.book.record_links

    @cached_property
    def student_rows(self) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
        """学生档案 row by row, typed and raw ({Excel row: {header: value}}), made once for the
        rules that read whole rows (five of them, on 60 columns: 3 % of a cold 汇总 each)."""
        students = self.book.students
        return dict(rows(students.data)), dict(rows(students.raw))


def filled(table: Table, header: str) -> Iterator[tuple[int, Any]]:
    """(Excel row, typed value) for the cells of `header` that hold a readable value."""
    if header not in table.data:
        return iter(())
    return ((row, value) for row, value in items(table.data[header]) if value is not None)


def blank(table: Table, header: str) -> Iterator[int]:
    """Excel rows whose `header` cell is empty (a cell with an unreadable value is not empty)."""
    if header not in table.raw:
        return iter(table.raw.index)
    return (row for row, raw in items(table.raw[header]) if is_blank(raw))
