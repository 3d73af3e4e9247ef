"""Stream the rows of a large table into a sheet part as SpreadsheetML, fast.

openpyxl creates a Python object per cell and costs about 20 µs a cell to write; the master of
a large school has over a million cells in 帮扶记录汇总 alone. openpyxl still writes each such
sheet's header, first row and formatting; the other rows are generated here as text, reusing
the style ids openpyxl gave the first row (so dates keep their yyyy-mm-dd format). Strings are
inline strings, never formulas: a teacher's text starting with = stays text. Only xlsync's own
`Formula` values become formulas.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from xlsync.core.formula import Formula
from xlsync.core.tables import column_letter

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_STYLE = re.compile(rb'<c r="([A-Z]+)2"[^>]*?\bs="(\d+)"')


def first_row_styles(xml: bytes) -> dict[str, str]:
    """Column letter → style id of the cells openpyxl wrote in row 2."""
    return {m.group(1).decode(): m.group(2).decode() for m in _STYLE.finditer(xml)}


def _text(ref: str, value: str, s: str) -> str:
    text = escape(_ILLEGAL.sub("", value))
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}" t="inlineStr"{s}><is><t{space}>{text}</t></is></c>'


def _number(ref: str, value: float, s: str) -> str:
    if value != value:  # NaN: an empty cell
        return ""
    return f'<c r="{ref}"{s}><v>{value!r}</v></c>'


def _formula(ref: str, value: Formula, s: str) -> str:
    cached = "" if value.cached is None else f"<v>{value.cached!r}</v>"
    return f'<c r="{ref}"{s}><f>{escape(value.text[1:])}</f>{cached}</c>'


_WRITERS: dict[type, Callable[[str, Any, str], str]] = {
    str: _text,
    int: _number,
    float: _number,
    bool: lambda ref, v, s: f'<c r="{ref}" t="b"{s}><v>{int(v)}</v></c>',
    dt.date: lambda ref, v, s: f'<c r="{ref}"{s}><v>{(v - EXCEL_EPOCH.date()).days}</v></c>',
    dt.datetime: lambda ref, v, s: (
        f'<c r="{ref}"{s}><v>{(v - EXCEL_EPOCH).total_seconds() / 86400!r}</v></c>'
    ),
    type(None): lambda ref, v, s: "",
    Formula: _formula,
}


def _cell(ref: str, value: Any, style: str | None) -> str:
    writer = _WRITERS.get(type(value))
    if writer is None:  # numpy scalars and the like
        writer = _number if isinstance(value, (int, float)) else _text
        value = value if isinstance(value, (int, float)) else str(value)
    return writer(ref, value, f' s="{style}"' if style else "")


def rows_xml(
    rows: Iterable[Sequence[Any]],
    first_row: int,
    styles: dict[str, str],
    heights: dict[int, float] | None = None,
) -> str:
    """<row> elements for `rows`, the first numbered `first_row`; a row in `heights` gets that
    height (points), for its wrapped text. Each distinct text or date of a column is rendered
    once with a row mark (`_Column`), the row's number put in per row: no value holds the mark
    (`_text` strips control characters; numbers, dates and xlsync's formulas have none)."""
    heights = heights or {}
    parts = []
    columns: list[_Column] = []
    for number, values in enumerate(rows, start=first_row):
        while len(columns) < len(values):
            letter = column_letter(len(columns) + 1)
            columns.append(_Column(letter, styles.get(letter)))
        cells = "".join([column.cell(v) for column, v in zip(columns, values, strict=False)])
        height = heights.get(number)
        size = f' ht="{height}" customHeight="1"' if height else ""
        parts.append(f'<row r="{number}"{size}>{cells.replace(ROW_MARK, str(number))}</row>')
    return "".join(parts)


def split_rows(xml: bytes, last_row: int, last_column: int) -> tuple[bytes, bytes]:
    """The sheet part cut where more rows go (the end of its sheetData), its dimension widened
    to `last_row` × `last_column`: rows written between the two halves complete it."""
    if b"<sheetData/>" in xml:
        xml = xml.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
    ref = f"A1:{column_letter(max(last_column, 1))}{last_row}".encode()
    xml = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="' + ref + b'"/>', xml, count=1)
    cut = xml.index(b"</sheetData>")
    return xml[:cut], xml[cut:]


# Row templates: a class's rows rendered once and kept in the cache (jobs/pieces.py), then
# numbered and given the sheet's style ids when the master is written. The marks are control
# characters, which `_text` strips from every value, so no cell can contain one.
ROW_MARK, ROW_END, STYLE_OPEN, STYLE_CLOSE = "\x00", "\x01", "\x02", "\x03"


def row_template(rows: Iterable[Sequence[Any]], heights: Iterable[float | None]) -> str:
    """`rows` as <row> elements whose row number and style ids are still marks, each row
    ended by ROW_END; `heights` gives each row's height in points (None: the default)."""
    parts = []
    columns: list[_Column] = []
    for values, height in zip(rows, heights, strict=True):
        while len(columns) < len(values):
            letter = column_letter(len(columns) + 1)
            columns.append(_Column(letter, f"{STYLE_OPEN}{letter}{STYLE_CLOSE}"))
        cells = "".join([column.cell(v) for column, v in zip(columns, values, strict=False)])
        size = f' ht="{height}" customHeight="1"' if height else ""
        parts.append(f'<row r="{ROW_MARK}"{size}>{cells}</row>{ROW_END}')
    return "".join(parts)


_REPEATED = (str, dt.date)  # equal values of these types are written alike (not so -0.0 and 0.0)


class _Column:
    """One column of a row template: each distinct text or date rendered once, since records
    repeat names, types, teachers and days (rendering every cell was a tenth of a cold 汇总)."""

    def __init__(self, letter: str, style: str | None) -> None:
        self.ref, self.style = f"{letter}{ROW_MARK}", style
        self.seen: dict[str | dt.date, str] = {}  # no text equals a date: the value is the key

    def cell(self, value: Any) -> str:
        if type(value) not in _REPEATED:
            return _cell(self.ref, value, self.style)
        found = self.seen.get(value)
        if found is None:
            found = self.seen[value] = _cell(self.ref, value, self.style)
        return found


def styled(template: str, styles: dict[str, str], width: int) -> str:
    """The template with each column's style id (or no style attribute) filled in: one pass
    over the text, not one per column (a class's rows are megabytes)."""
    marks = {}
    for number in range(1, width + 1):
        letter = column_letter(number)
        style = styles.get(letter)
        marks[f' s="{STYLE_OPEN}{letter}{STYLE_CLOSE}"'] = f' s="{style}"' if style else ""
    pattern = re.compile("|".join(map(re.escape, marks)))
    return pattern.sub(lambda found: marks[found.group()], template) if marks else template


def numbered(template: str, first_row: int, skip: int = 0) -> tuple[str, int]:
    """(the template's rows numbered from `first_row`, leaving out its first `skip` rows,
    the next free row number)."""
    rows = template.split(ROW_END)[skip:-1]
    text = "".join(row.replace(ROW_MARK, str(n)) for n, row in enumerate(rows, first_row))
    return text, first_row + len(rows)
