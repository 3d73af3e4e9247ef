"""全校档案 and 逾期清单 written from per-class parts, never as school-wide tables (issue 22.2).

A class's rows of 全校档案 are made while its book is in memory and kept in the cache beside
its other pieces (named by its content, the configuration, the as-of date and its data state);
memory holds only each class's summary: per column the value types, the widest value, the
numbers' extremes and whether a date occurs, and the counts 概览 takes. 逾期清单 is the merge of
the classes' runs of 已逾期 and 即将到期 items (each kept most urgent first), made into rows a
chunk at a time. The master is the same, byte for byte, as the one the school-wide DataFrames
gave: a column pandas would have made float (whole numbers beside blanks) is written as floats.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from xlsync.core import incidents
from xlsync.core.changes import FIELDS, child_text
from xlsync.core.consolidate import ClassResult, SchoolResult
from xlsync.core.master_rows import (
    CHILDREN_COLUMNS,
    OVERDUE_COLUMNS,
    child_counts,
    class_children_rows,
    overdue_counts,
    overdue_row,
)
from xlsync.core.obligations import OVERDUE, SOON, Item
from xlsync.core.render.layout import Column, column_for, text_width, widest
from xlsync.files import cache_codec as codec
from xlsync.files.cache import Cache
from xlsync.files.master_writer import Streamed
from xlsync.files.sheet_xml import row_template, styled
from xlsync.jobs.pieces import piece_name, wrapped_heights

Stats = list[dict[str, Any]]  # per column: types, widest, low, high, dates
_NUMBERS = {"int", "float", "NoneType"}
CHUNK = 1000  # rows of 逾期清单 made into XML at a time (5,000 held 25 MiB more at 200 classes)
_KEY = CHILDREN_COLUMNS.index("学生编号")
_FIELDS = [CHILDREN_COLUMNS.index(f) for f in FIELDS]


def column_stats(found: Sequence[Sequence[Any]], width: int) -> Stats:
    """What the sheet's layout needs from some rows, per column (see the module's doc)."""
    columns = list(zip(*found, strict=True)) if found else [()] * width
    stats = []
    for values in columns:
        numbers = [v for v in values if type(v) is int or type(v) is float]
        others = [v for v in values if type(v) is not int and type(v) is not float]
        stats.append(
            {
                "types": sorted({type(v).__name__ for v in values}),
                "widest": widest(others),
                "low": min(numbers, default=None),
                "high": max(numbers, default=None),
                "dates": any(isinstance(v, dt.date) for v in others),
            }
        )
    return stats


def no_stats(width: int) -> Stats:
    """The stats of no rows."""
    return [
        {"types": [], "widest": 0.0, "low": None, "high": None, "dates": False}
        for _ in range(width)
    ]


def merge_stats(total: Stats, part: Stats) -> Stats:
    """`total` (changed in place) now also describing the rows `part` describes."""
    for whole, mine in zip(total, part, strict=True):
        if not set(mine["types"]) <= set(whole["types"]):
            whole["types"] = sorted({*whole["types"], *mine["types"]})
        whole["widest"] = max(whole["widest"], mine["widest"])
        whole["dates"] = whole["dates"] or mine["dates"]
        for key, pick in (("low", min), ("high", max)):
            known = [v for v in (whole[key], mine[key]) if v is not None]
            whole[key] = pick(known) if known else None
    return total


def float_column(types: Iterable[str]) -> bool:
    """Whether pandas would have made this column float64 (numbers only, some a float or a
    blank): a whole number in it is then written as a float, as the DataFrame wrote it."""
    kinds = set(types)
    return (
        bool(kinds)
        and kinds <= _NUMBERS
        and bool(kinds & {"float"} or kinds >= {"int", "NoneType"})
    )


_FIGURES = {"int", "float", "date", "datetime", "Formula"}


def figures_column(types: Iterable[str]) -> bool:
    """layout.figures over the whole column: numbers and dates only, besides blanks."""
    shown = set(types) - {"NoneType"}
    return bool(shown) and shown <= _FIGURES


def _converter(floats: list[bool]) -> Callable[[list[Any]], list[Any]]:
    wanted = [i for i, f in enumerate(floats) if f]

    def convert(row: list[Any]) -> list[Any]:
        for i in wanted:
            if type(row[i]) is int:
                row[i] = float(row[i])
        return row

    return convert


def _measure(header: str, stat: dict[str, Any], floats: bool, first: Any) -> Column:
    """column_for over the stats; in a float column whose first row is blank, pandas' unique()
    puts NaN first, and max()/min() over it give NaN, of width 0: its numbers did not count."""
    longest = stat["widest"]
    if stat["high"] is not None and not (floats and first is None):
        shown = float if floats else (lambda v: v)
        longest = max(longest, text_width(shown(stat["high"])), text_width(shown(stat["low"])))
    return column_for(header, longest)


def streamed(
    columns: Sequence[str],
    stats: Stats,
    first: list[Any] | None,
    count: int,
    chunks: Callable[[], Iterator[list[list[Any]]]],
) -> Streamed:
    """A Streamed sheet whose parts are `chunks()` of rows, measured by `stats`."""
    floats = [float_column(s["types"]) for s in stats]
    convert = _converter(floats)
    heads = first or [None] * len(columns)
    measured = [
        _measure(h, s, f, v) for h, s, f, v in zip(columns, stats, floats, heads, strict=True)
    ]
    wraps = "".join("1" if c.wrap else "0" for c in measured)

    def parts(styles: dict[str, str]) -> Iterator[str]:
        for rows in chunks():
            found = [convert(r) for r in rows]
            yield styled(row_template(found, wrapped_heights(found, wraps)), styles, len(columns))

    dates = [bool(count) and s["dates"] for s in stats]
    centred = [figures_column(s["types"]) for s in stats]
    shown = convert(first) if first else None
    return Streamed(list(columns), measured, dates, shown, count, parts, centred)


def _chunked(found: Iterable[list[Any]]) -> Iterator[list[list[Any]]]:
    it = iter(found)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


def overdue_table(school: SchoolResult) -> Streamed:
    """逾期清单: the open 安全事件 first, then every 已逾期 and 即将到期 item, most urgent first
    (school.items: the merge of the classes' runs), made into rows a chunk at a time."""
    heads = [
        [line[c] for c in OVERDUE_COLUMNS] for line in incidents.overdue_lines(school.incidents)
    ]
    urgent = [i for i in school.items if i.status in (OVERDUE, SOON)]

    def chunks() -> Iterator[list[list[Any]]]:
        return _chunked([*heads, *(overdue_row(i) for i in urgent)])

    width = len(OVERDUE_COLUMNS)
    stats = no_stats(width)
    for chunk in chunks():
        merge_stats(stats, column_stats(chunk, width))
    first = heads[0] if heads else (overdue_row(urgent[0]) if urgent else None)
    return streamed(OVERDUE_COLUMNS, stats, first, len(heads) + len(urgent), chunks)


class ChildrenPieces:
    """全校档案 from each class's rows kept in the cache; in memory only the school's summary
    (each class's is merged into it as the class is added)."""

    def __init__(self, cache: Cache, config: Any, as_of: dt.date, settings: str) -> None:
        self.cache, self.config, self.as_of, self.settings = cache, config, as_of, settings
        self.classes: list[tuple[str, ClassResult, Counter[tuple[str, int]]]] = []
        self.stats = no_stats(len(CHILDREN_COLUMNS))
        self.first: list[Any] | None = None  # cells of the school's first row
        self.count = 0
        self.counts: Counter[str] = Counter()

    def add(self, result: ClassResult, urgent: list[Item]) -> None:
        """Take the class's summary from the cache, else make its rows and keep both."""
        name = piece_name(
            self.cache,
            "children",
            result,
            self.settings,
            self.as_of.isoformat(),
            result.stale_reason,
        )
        overdue = overdue_counts(urgent)
        summary = self.cache.piece(name + "\nsummary")
        if not isinstance(summary, dict):
            summary = self._keep(name, self._rows(result, overdue))
        self.classes.append((name, result, overdue))
        merge_stats(self.stats, summary["stats"])
        self.first = self.first or summary["first"]
        self.count += summary["count"]
        self.counts.update(summary["counts"])

    def _rows(self, result: ClassResult, overdue: Counter[tuple[str, int]]) -> list[list[Any]]:
        return class_children_rows(result, overdue, self.as_of, self.config)

    def _keep(self, name: str, found: list[list[Any]]) -> dict[str, Any]:
        self.cache.keep_piece(name, [codec.cells(r) for r in found])
        summary = {
            "count": len(found),
            "stats": column_stats(found, len(CHILDREN_COLUMNS)),
            "counts": dict(child_counts(found)),
            "first": codec.cells(found[0]) if found else None,
        }
        self.cache.keep_piece(name + "\nsummary", summary)
        return summary

    def _class_rows(self) -> Iterator[list[list[Any]]]:
        """Each class's rows, read back from the cache (made again if the piece is gone)."""
        for name, result, overdue in self.classes:
            stored = self.cache.piece(name)
            if isinstance(stored, list):
                yield [codec.uncells(r) for r in stored]
            else:
                yield self._rows(result, overdue)

    def table(self) -> Streamed:
        first = codec.uncells(self.first) if self.first is not None else None
        return streamed(CHILDREN_COLUMNS, self.stats, first, self.count, self._class_rows)

    def texts(self) -> dict[str, str]:
        """变更记录's snapshot of every child (changes.snapshot), class by class."""
        convert = _converter([float_column(s["types"]) for s in self.stats])
        found: dict[str, str] = {}
        for rows in self._class_rows():
            for row in map(convert, rows):
                found[row[_KEY]] = child_text(row[i] for i in _FIELDS)
        return found
