"""Each class's part of the master, kept in the cache beside its parsed workbook (issue 22):
what the class's own checks found, and its rows of 帮扶记录汇总 rendered as sheet XML. A re-run
after one class changed re-derives that class only, and assembles the rest from the pieces.

Every piece is named by what it depends on: the class file's content hash, its name and class,
and — for the findings — the configuration and the as-of date; the cache adds the code. A
piece whose inputs changed is simply not found, and is made again. Pieces are written
atomically, so an interrupted run leaves a usable piece or none (files/cache.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from sys import intern
from typing import Any

from xlsync.core.calendar import Calendar, Rule
from xlsync.core.classbook import ClassBook
from xlsync.core.config import SchoolConfig
from xlsync.core.consolidate import RECORD_COLUMNS, ClassResult, class_record_rows
from xlsync.core.findings import Finding
from xlsync.core.obligations import Child, Item, Tally, evaluate, tallies, urgency_order
from xlsync.core.render.layout import CAP, PADDING, Column, column_for, line_height, lines, widest
from xlsync.core.roster import children_of
from xlsync.core.status_view import OWNED_HEADER
from xlsync.core.tables import Table
from xlsync.core.validate import validate_class
from xlsync.files import cache_codec as codec
from xlsync.files.cache import Cache
from xlsync.files.master_writer import Streamed
from xlsync.files.sheet_xml import row_template, styled


def config_digest(config: SchoolConfig) -> str:
    """A hash of the configuration sheets (学校信息, 规则, 校历 …)."""
    parts = {
        n: t.raw.to_json(date_format="iso", default_handler=str) for n, t in config.tables.items()
    } | {"info": config.info}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def piece_name(cache: Cache, kind: str, result: ClassResult, *more: str) -> str:
    """The name a class's piece of `kind` is kept under (and what it depends on)."""
    digest = cache.pieces_digest(result.digest)  # a refreshed file keeps its pieces
    return "\n".join((kind, digest, result.item.book.file, result.item.class_name, *more))


def same_class_content(before: ClassBook, after: ClassBook) -> bool:
    """Whether two reads of a class file differ only in xlsync's own status columns (what a
    refresh writes into 学生档案; 逾期提醒 and the marks sheet are not read), so that every
    piece derived from one holds for the other."""
    return before.file == after.file and all(
        _same_table(a, b) for a, b in zip(before.tables, after.tables, strict=True)
    )


def _same_table(a: Table, b: Table) -> bool:
    """Same sheet, header row, findings, typed data and teacher's columns (DataFrame.equals
    takes two blanks as equal)."""
    mine, theirs = _teacher_columns(a), _teacher_columns(b)
    return (
        (a.source_sheet, a.header_row, a.findings) == (b.source_sheet, b.header_row, b.findings)
        and {h: a.positions[h] for h in mine} == {h: b.positions[h] for h in theirs}
        and a.raw[mine].equals(b.raw[theirs])
        and a.data.equals(b.data)
    )


def _teacher_columns(table: Table) -> list[str]:
    return [h for h in table.positions if not _owned(h) and h in table.raw.columns]


def _owned(header: object) -> bool:
    return isinstance(header, str) and OWNED_HEADER.match(header) is not None


def class_findings(
    cache: Cache, result: ClassResult, config: SchoolConfig, as_of: dt.date, settings: str
) -> list[Finding]:
    """validate_class of one class, from the cache when the same class content was checked
    under the same configuration (`settings`, config_digest) on the same as-of date."""
    name = piece_name(cache, "findings", result, settings, as_of.isoformat())
    stored = cache.piece(name)
    if isinstance(stored, list):
        return [codec.finding_from(f) for f in stored]
    found = validate_class(result.item, config, as_of)
    cache.keep_piece(name, [codec.finding_data(f) for f in found])
    return found


_ITEM_DATES = (6, 7, 9)  # Item's period_start, period_end, due


def _item_data(item: Item) -> list[Any]:
    """An Item as a JSON list, its dates as day numbers (read back ten times faster than
    tagged cells: a school has some hundred thousand items)."""
    values = list(vars(item).values())  # the fields in order; astuple deep-copied each one
    for i in _ITEM_DATES:
        day = values[i]
        values[i] = day.toordinal() if type(day) is dt.date else codec.cells([day])[0]
    return values


def _item(stored: list[Any]) -> Item:
    """An Item back; its texts interned (a school's items repeat the same few names, and
    JSON gives every occurrence its own copy)."""
    values: list[Any] = [intern(v) if type(v) is str else v for v in stored]
    for i in _ITEM_DATES:
        day = values[i]
        values[i] = dt.date.fromordinal(day) if type(day) is int else codec.uncells([day])[0]
    return Item(*values)


def class_items(
    cache: Cache,
    result: ClassResult,
    children: list[Child],
    school: tuple[SchoolConfig, list[Rule], Calendar, dt.date],
    settings: str,
) -> tuple[list[Item], list[Tally]]:
    """The obligation items (most urgent first) and tallies of one class, from the cache when
    the same content was judged under the same configuration (`settings`) and as-of date."""
    _, rules, calendar, as_of = school
    stored = cache.piece(_items_name(cache, result, settings, as_of))
    if isinstance(stored, dict):
        return [_item(i) for i in stored["items"]], [Tally(*t) for t in stored["tallies"]]
    mine = sorted(evaluate(children, rules, calendar, as_of), key=urgency_order)
    tallied = tallies(children, rules, calendar, as_of)
    kept = [_item_data(i) for i in mine]
    name = _items_name(cache, result, settings, as_of)
    cache.keep_piece(name, {"items": kept, "tallies": [list(vars(t).values()) for t in tallied]})
    return mine, tallied


def kept_items(
    cache: Cache,
    result: ClassResult,
    school: tuple[SchoolConfig, list[Rule], Calendar, dt.date],
    settings: str,
) -> list[Item]:
    """The class's items as class_items kept them in this run (most urgent first); judged
    again from its whole book if the piece is gone."""
    stored = cache.piece(_items_name(cache, result, settings, school[3]))
    if isinstance(stored, dict):
        return [_item(i) for i in stored["items"]]
    whole = result.whole()
    return class_items(cache, whole, children_of(whole.item), school, settings)[0]


def _items_name(cache: Cache, result: ClassResult, settings: str, as_of: dt.date) -> str:
    return piece_name(cache, "items", result, settings, as_of.isoformat())


def _wraps(measured: list[Column]) -> str:
    return "".join("1" if c.wrap else "0" for c in measured)


def wrapped_heights(rows: list[list[Any]], wraps: str) -> Iterator[float | None]:
    """Each row's height for its wrapped text (`wraps`: "1" per wrapped column; frame_heights,
    row by row)."""
    wrapped = [i for i, w in enumerate(wraps) if w == "1"]
    column = Column(CAP + PADDING, True)  # every wrapped column is this wide (layout.measure)
    for row in rows:
        needed = max((lines(row[i], column) for i in wrapped), default=1)
        yield line_height(needed) if needed > 1 else None


def _summary(rows: list[list[Any]]) -> dict[str, Any]:
    """What the sheet's layout needs from one class's rows: widest values, date columns."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(RECORD_COLUMNS)
    return {
        "count": len(rows),
        "widest": [widest(c) for c in columns],
        "dates": [any(isinstance(v, dt.date) for v in c) for c in columns],
        "first": codec.cells(rows[0]) if rows else None,
    }


class RecordPieces:
    """帮扶记录汇总 as a Streamed table assembled from the classes' pieces, added one class at a
    time while its whole book is in memory (jobs/class_pass.py)."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.results: list[ClassResult] = []
        self.summary = _summary([])  # of every class added so far (each merged in as it comes)
        self.guess = cache.get("record_wraps") or ""

    def add(self, result: ClassResult) -> None:
        """Take the class's summary (and rows of XML) from the cache, else make and keep them."""
        self.results.append(result)
        stored = self.cache.piece(piece_name(self.cache, "records", result))
        if not isinstance(stored, dict):
            rows = class_record_rows(result)
            stored = _summary(rows)
            wraps = self.guess or _wraps(self._measure(stored))
            self._keep_template(result, rows, wraps)
            self.cache.keep_piece(piece_name(self.cache, "records", result), stored)
        whole = self.summary
        whole["widest"] = [
            max(a, b) for a, b in zip(whole["widest"], stored["widest"], strict=True)
        ]
        whole["dates"] = [a or b for a, b in zip(whole["dates"], stored["dates"], strict=True)]
        whole["first"] = whole["first"] or stored["first"]
        whole["count"] += stored["count"]

    def _keep_template(self, result: ClassResult, rows: list[list[Any]], wraps: str) -> str:
        template = row_template(rows, wrapped_heights(rows, wraps))
        self.cache.keep_text_piece(piece_name(self.cache, "records-xml", result, wraps), template)
        return template

    @staticmethod
    def _measure(summary: dict[str, Any]) -> list[Column]:
        return [column_for(header, summary["widest"][i]) for i, header in enumerate(RECORD_COLUMNS)]

    def table(self) -> Streamed:
        measured = self._measure(self.summary)
        wraps = _wraps(measured)
        self.cache.set("record_wraps", wraps)
        first = self.summary["first"]
        return Streamed(
            list(RECORD_COLUMNS),
            measured,
            list(self.summary["dates"]),
            codec.uncells(first) if first is not None else None,
            self.summary["count"],
            lambda styles: self._templates(wraps, styles),
        )

    def _templates(self, wraps: str, styles: dict[str, str]) -> Iterator[str]:
        """Each class's rows for these wrapped columns and style ids: kept from an earlier run
        (the style ids openpyxl gives are the same from run to run), else styled now."""
        width, style_key = len(RECORD_COLUMNS), json.dumps(styles, sort_keys=True)
        for result in self.results:
            name = piece_name(self.cache, "records-styled", result, wraps, style_key)
            found = self.cache.text_piece(name)
            if found is not None:
                yield found
                continue
            template = self.cache.text_piece(piece_name(self.cache, "records-xml", result, wraps))
            if template is None:  # other wrapped columns than guessed: the whole book again
                template = self._keep_template(result, class_record_rows(result.whole()), wraps)
            found = styled(template, styles, width)
            self.cache.keep_text_piece(name, found)
            yield found
