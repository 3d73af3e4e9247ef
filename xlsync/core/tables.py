"""From a grid of raw cells to a typed table: find the header row, map aliases, type cells.

A grid is what any reader edge produces: a list of rows, each a list of raw values, with
grid[0][0] being cell A1. The resulting `Table` keeps both the raw and the typed values,
indexed by Excel row number, so every finding and every consolidated row can point back to
its source cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from xlsync.core.findings import Finding, Place, make_finding
from xlsync.core.normalize import (
    CellProblem,
    Normalized,
    fold,
    is_blank,
    normalize_cell,
)
from xlsync.schema import Column, Sheet

Grid = Sequence[Sequence[Any]]
HEADER_SCAN_ROWS = 30
MIN_HEADER_MATCHES = 2
_REQUIRED_MARK = re.compile(r"(\*|＊|\(必填\)|（必填）)$")


def rows(frame: pd.DataFrame) -> Iterator[tuple[int, dict[str, Any]]]:
    """(Excel row, {header: value}) for each row; unlike `iterrows`, None stays None. The
    values are taken as one array, not a Series per column: plain lists avoid pandas boxing
    every value, and each Series taken from a frame leaves a weak reference behind in pandas'
    copy-on-write bookkeeping (17 MiB over a 600-class school, issue 22.2)."""
    columns = list(frame.columns)
    values = frame.to_numpy(dtype=object).tolist() if columns else [()] * len(frame.index)
    return (
        (index, dict(zip(columns, row, strict=False)))
        for index, row in zip(frame.index.tolist(), values, strict=False)
    )


def shown(typed: Any, raw: Any) -> Any:
    """A cell as the master shows it: the typed value when it could be read (a choice list
    joined with 、), else the text as typed (never dropped)."""
    if isinstance(typed, tuple):
        return "、".join(typed)
    if typed is not None:
        return typed
    return None if raw is None or raw == "" else str(raw)


def items(series: pd.Series) -> Iterator[tuple[int, Any]]:
    """(index, value) pairs of a column, without pandas' per-value boxing."""
    return zip(series.index.tolist(), series.tolist(), strict=False)


def column_letter(number: int) -> str:
    """Excel column letters for a 1-based column number (1 → A, 27 → AA)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def header_key(raw: Any) -> str:
    """A header cell as compared with the schema: folded, without a trailing * mark."""
    return _REQUIRED_MARK.sub("", fold(raw)) if not is_blank(raw) else ""


@dataclass
class Table:
    """One sheet of one file, typed. `raw` and `data` are indexed by Excel row number."""

    spec: Sheet
    file: str
    source_sheet: str
    header_row: int
    positions: dict[str, int]  # header (canonical or extra) → 1-based column number
    raw: pd.DataFrame
    data: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)

    @property
    def extra_columns(self) -> list[str]:
        return [h for h in self.positions if h not in self.spec.headers]

    def place(self, row: int | None, header: str) -> Place:
        """Where a finding about (row, header) points; the header row when the column is absent."""
        number = self.positions.get(header)
        cell = f"{column_letter(number)}{row or self.header_row}" if number else ""
        return Place(self.file, self.source_sheet, row or self.header_row, header, cell)


def next_row(grid: Grid, spec: Sheet) -> tuple[int, dict[str, int]] | None:
    """(1-based row after the last filled one, header → column) for appending a row of `spec`
    to `grid`; None when its header cannot be found."""
    located = locate_header(grid, spec)
    if located is None:
        return None
    header_index, positions = located
    last = max(
        [i for i, row in enumerate(grid) if not all(is_blank(v) for v in row)] + [header_index]
    )
    return last + 2, positions


def locate_header(grid: Grid, spec: Sheet) -> tuple[int, dict[str, int]] | None:
    """The 0-based header row and its canonical header → 1-based column map, or None."""
    aliases = {fold(name): header for name, header in spec.alias_map.items()}
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for number, raw in enumerate(row, start=1):
            header = aliases.get(header_key(raw))
            if header and header not in found:
                found[header] = number
        if len(found) >= MIN_HEADER_MATCHES and (best is None or len(found) > len(best[1])):
            best = (index, found)
    return best


def header_score(grid: Grid, spec: Sheet) -> int:
    """How many of `spec`'s headers the best header row of `grid` has (0 when none)."""
    located = locate_header(grid, spec)
    return len(located[1]) if located else 0


def _extra_positions(
    header_cells: Sequence[Any], taken: dict[str, int], data_columns: set[int]
) -> dict[str, int]:
    """Columns that are not in the schema but hold a header or data: kept, never dropped."""
    used = set(taken.values())
    extras: dict[str, int] = {}
    for number in sorted(data_columns | set(range(1, len(header_cells) + 1))):
        if number in used:
            continue
        raw = header_cells[number - 1] if number <= len(header_cells) else None
        name = header_key(raw) or f"列{column_letter(number)}"
        if is_blank(raw) and number not in data_columns:
            continue
        while name in taken or name in extras:
            name += "'"
        extras[name] = number
    return extras


def _body(grid: Grid, header_index: int) -> list[tuple[int, Sequence[Any]]]:
    """(Excel row number, cells) for each non-empty row under the header."""
    return [
        (index + 1, row)
        for index, row in enumerate(grid)
        if index > header_index and not all(is_blank(v) for v in row)
    ]


def _data_columns(body: list[tuple[int, Sequence[Any]]]) -> set[int]:
    """The 1-based columns holding a value in some body row (column by column: a filled
    column is known by its first value, not by testing every cell of it)."""
    width = max((len(row) for _, row in body), default=0)
    return {
        n
        for n in range(1, width + 1)
        if any(n <= len(row) and not is_blank(row[n - 1]) for _, row in body)
    }


def build_table(
    grid: Grid, spec: Sheet, file: str, source_sheet: str, school_year: int | None = None
) -> Table | None:
    """The typed table of `grid` read as `spec`, or None when no header row is found;
    `school_year` dates a day typed without its year (see `normalize_cell`)."""
    located = locate_header(grid, spec)
    if located is None:
        return None
    header_index, positions = located
    body = _body(grid, header_index)
    data_columns = _data_columns(body)
    positions = {**positions, **_extra_positions(grid[header_index], positions, data_columns)}
    numbers = [r for r, _ in body]
    columns = {h: _shared([_cell(row, n) for _, row in body]) for h, n in positions.items()}
    raw = pd.DataFrame(columns, index=pd.Index(numbers, name="row"), dtype=object)
    table = Table(spec, file, source_sheet, header_index + 1, positions, raw, raw)
    blank = [None] * len(numbers)
    typed = {
        c.header: _typed_column(table, c, numbers, columns.get(c.header, blank), school_year)
        for c in spec.columns
    }
    # the frame made once from whole columns: adding them one by one cost a tenth of 汇总
    table.data = pd.DataFrame(typed, index=raw.index, dtype=object)
    return table


def empty_table(spec: Sheet, file: str) -> Table:
    """A table with the schema's columns and no rows (for a sheet the file lacks)."""
    index = pd.Index([], name="row", dtype=int)
    frame = pd.DataFrame({h: [] for h in spec.headers}, index=index, dtype=object)
    return Table(spec, file, spec.name, 1, {}, frame, frame.copy())


def _shared(values: list[Any]) -> list[Any]:
    """One str object per distinct text of a column: a reader gives every cell its own, and a
    school's 帮扶教师, 帮扶类型 and names repeat thousands of times (memory, issue 22)."""
    seen: dict[str, str] = {}
    return [seen.setdefault(v, v) if type(v) is str else v for v in values]


def _cell(row: Sequence[Any], number: int) -> Any:
    return row[number - 1] if number <= len(row) else None


def _typed_column(
    table: Table, col: Column, numbers: list[int], cells: list[Any], school_year: int | None
) -> list[Any]:
    """The typed values of one schema column (Excel rows `numbers`); problems become findings.
    A raw value already typed without a finding is taken as it came out: records repeat
    names, types, teachers and dates thousands of times."""
    known: dict[tuple[type, Any], Normalized | CellProblem] = {}
    quiet: dict[tuple[type, Any] | None, Any] = {}  # the type: 1, 1.0 and True are equal
    values = []
    for row, raw in zip(numbers, cells, strict=True):
        key: tuple[type, Any] | None = (type(raw), raw)
        try:
            values.append(quiet[key])
            continue
        except KeyError:
            pass
        except TypeError:  # unhashable: typed on its own
            key = None
        found = len(table.findings)
        values.append(_typed(table, col, row, raw, known, school_year))
        if len(table.findings) == found and key is not None:
            quiet[key] = values[-1]
    return values


def _normalized(
    col: Column, raw: Any, known: dict, school_year: int | None
) -> Normalized | CellProblem:
    key: tuple[type, Any] | None = (type(raw), raw)  # the type: 1, 1.0 and True are equal
    try:
        return known[key]
    except KeyError:
        pass
    except TypeError:  # unhashable
        key = None
    try:
        result: Normalized | CellProblem = normalize_cell(col, raw, school_year)
    except CellProblem as problem:
        result = problem
    if key is not None:
        known[key] = result
    return result


def _typed(
    table: Table, col: Column, row: int, raw: Any, known: dict, school_year: int | None
) -> Any:
    header = col.header
    result = _normalized(col, raw, known, school_year)
    if isinstance(result, CellProblem):
        table.findings.append(
            make_finding(result.code, table.place(row, header), raw, **result.details)
        )
        return None
    if result.synonym_of is not None:
        table.findings.append(_synonym_finding(col, table.place(row, header), raw, result))
    if result.year_inferred is not None:
        table.findings.append(_year_finding(table.place(row, header), raw, result))
    return result.value


def _synonym_finding(col: Column, place: Place, raw: Any, result: Normalized) -> Finding:
    """A synonym is a 警告 (write it as the drop-down does); a former official term only a
    提示 (the workbook was right when it was typed, issue 19.3)."""
    value = result.value
    shown = "、".join(value) if isinstance(value, tuple) else value
    written = result.synonym_of or ""
    if written in col.renamed:
        return make_finding(
            "term-renamed", place, raw, old=written, new=col.renamed[written], normalized=shown
        )
    return make_finding("choice-synonym", place, raw, normalized=shown)


def _year_finding(place: Place, raw: Any, result: Normalized) -> Finding:
    year = result.year_inferred or 0
    start = year if result.value.month >= 9 else year - 1
    return make_finding(
        "date-year-inferred",
        place,
        raw,
        year=year,
        school_year=f"{start}-{start + 1}",
        iso=result.value.isoformat(),
    )
