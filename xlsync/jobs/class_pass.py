"""汇总's pass over the classes, one at a time (issue 22.2).

While a class's whole book is in memory, everything the school-wide parts need from its
帮扶记录, 学业帮扶计划 and 缺勤与劝返 is derived: its own findings, its children, obligation
items and tallies, its pieces of 帮扶记录汇总, its record count and its records of this month
and term by 帮扶教师. The book is then slimmed to its 学生档案 and 安全事件 (what the
cross-class checks, 全校档案, the statistics and the write-back read), so that memory grows with
the school's children, not with its records; the whole book is read again from the cache only
where a later step needs it (ClassResult.whole). A class's items stay in the cache (most urgent
first): memory keeps its 已逾期 and 即将到期 ones (逾期清单, 概览, the statistics), what 教师统计
and 变更记录 take from the others (ItemFacts), its tallies summed by teacher and rule, and the
summary of its rows of 全校档案 (jobs/school_rows.py).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable
from dataclasses import replace

from xlsync.core.calendar import Calendar, Rule
from xlsync.core.classbook import ClassBook, slimmed
from xlsync.core.config import SchoolConfig
from xlsync.core.consolidate import ClassResult, record_counts
from xlsync.core.findings import Finding
from xlsync.core.master_rows import ItemFacts
from xlsync.core.obligations import OVERDUE, SOON, Child, Item, Tally, urgency_order
from xlsync.core.roster import children_of
from xlsync.core.validate import ClassInput
from xlsync.files.cache import Cache
from xlsync.jobs.pieces import (
    RecordPieces,
    class_findings,
    class_items,
    config_digest,
    kept_items,
)
from xlsync.jobs.school_rows import ChildrenPieces

School = tuple[SchoolConfig, list[Rule], Calendar, dt.date]


class ClassPass:
    """What the classes added so far contribute to the master, without their records."""

    def __init__(self, cache: Cache, school: School, streams: bool) -> None:
        self.cache, self.school = cache, school
        self.settings = config_digest(school[0])
        self.results: list[ClassResult] = []
        self.children: list[list[Child]] = []
        self.runs: list[list[Item]] = []  # each class's urgent items, most urgent first
        self.facts = ItemFacts()
        self.tallies: list[Tally] = []
        self.own: dict[int, list[Finding]] = {}  # each slimmed book's own findings, by id
        self.records = RecordPieces(cache) if streams else None  # pieces of 帮扶记录汇总
        config, as_of = school[0], school[3]
        self.kids = ChildrenPieces(cache, config, as_of, self.settings) if streams else None

    def add(self, result: ClassResult, reload: Callable[[], ClassBook] | None) -> None:
        """Derive the class's parts, then slim its book (`reload` reads it whole again)."""
        config, _, calendar, as_of = self.school
        own = class_findings(self.cache, result, config, as_of, self.settings)
        children = children_of(result.item)
        items, tallied = class_items(self.cache, result, children, self.school, self.settings)
        urgent = [i for i in items if i.status in (OVERDUE, SOON)]
        self.facts.add(items, len(self.results))
        if self.records is not None:
            self.records.add(result)
        if self.kids is not None:
            self.kids.add(result, urgent)
        if reload is not None:
            _slim(result, reload, calendar, as_of)
        self.own[id(result.item.book)] = own
        self.results.append(result)
        self.children.append([replace(c, records={}) for c in children])  # judged: not needed
        self.runs.append(urgent)
        self.tallies += summed(tallied)

    def findings_of(self, item: ClassInput) -> list[Finding]:
        """The class's own findings (validate_classes' `each`)."""
        return self.own[id(item.book)]

    def sorted_items(self) -> list[Item]:
        """Every class's urgent items, most urgent first: a merge of the classes' runs (stable:
        equal keys keep the classes' order, as sorting them all together did)."""
        merged = list(heapq.merge(*self.runs, key=urgency_order))
        self.runs = []  # the merged list holds them now
        return merged

    def items_of(self, result: ClassResult) -> list[Item]:
        """Every item of a class, read back from the cache (the write-back's status columns)."""
        return kept_items(self.cache, result, self.school, self.settings)


def summed(tallied: list[Tally]) -> list[Tally]:
    """A class's tallies summed by teacher and rule: every statistic adds them up by class,
    teacher or rule, so one per child is not needed (11 MiB over a 600-class school)."""
    sums: dict[tuple[str, str, str, str], list[int]] = {}
    for t in tallied:
        total = sums.setdefault((t.class_name, t.teacher, t.file, t.rule), [0, 0])
        total[0] += t.due
        total[1] += t.met
    return [Tally(*key, due, met) for key, (due, met) in sums.items()]


def _slim(
    result: ClassResult, reload: Callable[[], ClassBook], calendar: Calendar, as_of: dt.date
) -> None:
    """Keep the counts the statistics need, then drop the class's records from memory."""
    result.records = result.record_count
    result.record_counts = record_counts(result, calendar, as_of)
    result.item = ClassInput(slimmed(result.item.book), result.item.class_name)
    result.reload = reload
