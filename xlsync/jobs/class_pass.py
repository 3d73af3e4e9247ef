"""汇总's pass over the classes, one at a time (issue 22.2).

While a class's whole book is in memory, everything the school-wide parts need from its
帮扶记录, 学业帮扶计划 and 缺勤与劝返 is derived: its own findings, its children, obligation
items and tallies, its pieces of 帮扶记录汇总, its record count and its records of this month
and term by 帮扶教师. The book is then slimmed to its 学生档案 and 安全事件 (what the
cross-class checks, 全校档案, the statistics and the write-back read), so that memory grows with
the school's children, not with its records; the whole book is read again from the cache only
where a later step needs it (ClassResult.whole).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from xlsync.core.calendar import Calendar, Rule
from xlsync.core.classbook import ClassBook, slimmed
from xlsync.core.config import SchoolConfig
from xlsync.core.consolidate import ClassResult, record_counts
from xlsync.core.findings import Finding
from xlsync.core.obligations import Child, Item, Tally, urgency_order
from xlsync.core.roster import children_of
from xlsync.core.validate import ClassInput
from xlsync.files.cache import Cache
from xlsync.jobs.pieces import RecordPieces, class_findings, class_items, config_digest

School = tuple[SchoolConfig, list[Rule], Calendar, dt.date]


class ClassPass:
    """What the classes added so far contribute to the master, without their records."""

    def __init__(self, cache: Cache, school: School, streams: bool) -> None:
        self.cache, self.school = cache, school
        self.settings = config_digest(school[0])
        self.results: list[ClassResult] = []
        self.children: list[list[Child]] = []
        self.items: list[Item] = []
        self.tallies: list[Tally] = []
        self.own: dict[int, list[Finding]] = {}  # each slimmed book's own findings, by id
        self.records = RecordPieces(cache) if streams else None  # pieces of 帮扶记录汇总

    def add(self, result: ClassResult, reload: Callable[[], ClassBook] | None) -> None:
        """Derive the class's parts, then slim its book (`reload` reads it whole again)."""
        config, _, calendar, as_of = self.school
        own = class_findings(self.cache, result, config, as_of, self.settings)
        children = children_of(result.item)
        items, tallied = class_items(self.cache, result, children, self.school, self.settings)
        if self.records is not None:
            self.records.add(result)
        if reload is not None:
            _slim(result, reload, calendar, as_of)
        self.own[id(result.item.book)] = own
        self.results.append(result)
        self.children.append([replace(c, records={}) for c in children])  # judged: not needed
        self.items += items
        self.tallies += tallied

    def findings_of(self, item: ClassInput) -> list[Finding]:
        """The class's own findings (validate_classes' `each`)."""
        return self.own[id(item.book)]

    def sorted_items(self) -> list[Item]:
        """Every class's items, most urgent first."""
        return sorted(self.items, key=urgency_order)


def _slim(
    result: ClassResult, reload: Callable[[], ClassBook], calendar: Calendar, as_of: dt.date
) -> None:
    """Keep the counts the statistics need, then drop the class's records from memory."""
    result.records = result.record_count
    result.record_counts = record_counts(result, calendar, as_of)
    result.item = ClassInput(slimmed(result.item.book), result.item.class_name)
    result.reload = reload
