"""What every check sees: one class workbook, the school configuration and the as-of date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xlsync.core.classbook import ClassBook
from xlsync.core.config import SchoolConfig
from xlsync.core.normalize import is_blank
from xlsync.core.tables import Table, items


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
