"""Column widths and the printed page, measured from the values a sheet shows. Pure: every
writer (openpyxl, the streamed master sheets, xlwings, the Sheets API) takes its widths, its
wrapped columns and its print setup from here, so a date never shows as ### and a long message
is wrapped instead of cut, whichever program draws it."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xlsync.core.formula import Formula
from xlsync.core.render.spec import Caption, PrintSetup

MIN_WIDTH = 6.0
CAP = 40.0  # wider text wraps inside a column this wide
HEADER_CAP = 12.0  # a longer header wraps onto two lines over narrow values (完成率 columns)
PADDING = 2.0  # Excel's cell margins, and room for a filter button on the header
BOLD = 1.1  # headers are bold
DATE_CHARS = 10  # yyyy-mm-dd
DATETIME_CHARS = 16  # yyyy-mm-dd hh:mm
BASE_POINTS = 11.0  # the writers' default font (Calibri 11)
MIN_POINTS = 8.0  # the smallest print a reader can take without a magnifier
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6, "header": 0.3, "footer": 0.3}
# A4 (595 × 842 pt) less the side margins (inches, 72 pt each)
PORTRAIT_POINTS = 595 - 72 * (MARGINS["left"] + MARGINS["right"])
LANDSCAPE_POINTS = 842 - 72 * (MARGINS["left"] + MARGINS["right"])


def text_width(value: Any) -> float:
    """Width of `value` as shown, in Excel's character units: CJK and full-width count two."""
    if isinstance(value, Formula):
        value = value.cached
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0.0
    if isinstance(value, dt.datetime):
        return DATETIME_CHARS if value.time() != dt.time() else DATE_CHARS
    if isinstance(value, dt.date):
        return DATE_CHARS
    if isinstance(value, numbers.Real) and not isinstance(value, (int, numbers.Integral)):
        value = f"{float(value):.1f}"
    text = str(value)
    if text.isascii() and "\n" not in text:
        return float(len(text))
    return float(max(len(line) + len(_WIDE.findall(line)) for line in text.split("\n")))


# East Asian Wide and Fullwidth characters (Unicode's EastAsianWidth W and F): CJK, kana,
# hangul, CJK and full-width punctuation, most emoji (a few BMP symbols that Unicode also
# calls wide count as one). A regular expression, for speed on large columns.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
    "\U0001f300-\U0001f64f\U0001f900-\U0001f9ff\U00020000-\U0003fffd]"
)


@dataclass(frozen=True)
class Column:
    """How wide a column is drawn, and whether its text wraps."""

    width: float
    wrap: bool


def measure(header: Any, values: Iterable[Any], cap: float = CAP) -> Column:
    """The column for `header` over `values`: as wide as the widest value, at least MIN_WIDTH;
    wider than `cap` it stays `cap` wide and wraps. The (bold) header widens it only up to
    HEADER_CAP; headers wrap, so a long one takes two lines over a narrow column."""
    return column_for(header, widest(values), cap)


def column_for(header: Any, longest: float, cap: float = CAP) -> Column:
    """The column for `header` whose widest value is `longest` wide (see `measure`): so a
    table measured in parts (one class at a time) gets the width of the whole."""
    head = min(text_width(header) * BOLD, max(longest, HEADER_CAP))
    if longest + PADDING > cap:
        return Column(cap + PADDING, True)
    # Whole characters: every engine (the Sheets API counts pixels) draws the same width.
    return Column(math.ceil(max(MIN_WIDTH, longest, head)) + PADDING, False)


def widest(values: Iterable[Any]) -> float:
    """The largest text_width of `values`, fast on a large column: texts longest first until no
    shorter one can be wider (a character is at most two wide), numbers by their extremes."""
    texts, amounts, others = set(), [], set()
    for value in values:
        kind = type(value)  # the common types first: an ABC's isinstance is slow
        if kind is str:
            texts.add(value)
        elif kind is int or kind is float:
            amounts.append(value)
        elif kind is dt.date or value is None:
            others.add(value)
        elif isinstance(value, str):
            texts.add(value)
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            amounts.append(value)
        else:
            others.add(value if isinstance(value, dt.date) else str(value))
    best = max((text_width(v) for v in others), default=0.0)
    if amounts:
        best = max(best, text_width(max(amounts)), text_width(min(amounts)))
    for text in sorted(texts, key=len, reverse=True):
        if 2 * len(text) <= best:
            break
        best = max(best, text_width(text))
    return best


def measure_rows(rows: Sequence[Sequence[Any]], cap: float = CAP) -> list[Column]:
    """One Column per column of `rows`, the first row being the header."""
    if not rows:
        return []
    width = max(len(r) for r in rows)
    header = list(rows[0]) + [None] * (width - len(rows[0]))
    return [measure(header[c], (r[c] for r in rows[1:] if c < len(r)), cap) for c in range(width)]


KEY_HEADERS = frozenset({"状态", "级别", "班级", "姓名", "学生", "学生姓名", "教师", "日期"})


def key_columns(headers: Sequence[Any]) -> int:
    """How many leading columns say whose row it is (班级, 学生 …): repeated on every page."""
    count = 0
    while count < len(headers) and headers[count] in KEY_HEADERS:
        count += 1
    return max(count, 1)


def points(widths: Iterable[float]) -> float:
    """Printed width at 100 %: a column w characters wide is 7w + 5 pixels, 0.75 pt each."""
    return sum((7 * w + 5) * 0.75 for w in widths)


def page_plan(
    widths: Sequence[float], caption: Caption, key_columns: int = 1, title_rows: int = 1
) -> PrintSetup:
    """Portrait when the table fits A4 upright, else landscape; shrunk to the page width only
    while the print stays at least MIN_POINTS, else split into column groups at that scale
    with the first `key_columns` repeated on each."""
    total = points(widths)
    if total <= PORTRAIT_POINTS:
        return PrintSetup(False, True, 100, title_rows, 0, (), caption)
    least = MIN_POINTS / BASE_POINTS
    if total * least <= LANDSCAPE_POINTS:
        return PrintSetup(True, True, 100, title_rows, 0, (), caption)
    scale = math.ceil(least * 100)
    breaks = column_groups(widths, key_columns, LANDSCAPE_POINTS * 100 / scale)
    return PrintSetup(True, False, scale, title_rows, key_columns, breaks, caption)


FILL_SCALE = 0.9  # fill_page may shrink a landscape print to 90 % (11 pt text to 9.9 pt)


def fill_page(
    rows: Sequence[Sequence[Any]], columns: Sequence[Column], hidden: Collection[int] = ()
) -> list[Column]:
    """`columns` (measured over `rows`, the header first; those in `hidden`, 1-based, take no
    room on paper) with each wrapped one widened, into the width its page leaves, to its
    widest value (a landscape page may then print at FILL_SCALE), else as far as the page
    goes. A text a little wider than its column wraps in one program and not in another
    (their fonts differ), so its row, sized for two lines, prints with a blank line in one of
    them; on one line it prints the same in all."""
    out = list(columns)

    def spare(page: float) -> int:  # characters
        used = points(c.width for n, c in enumerate(out, start=1) if n not in hidden)
        return math.floor((page - used) / 0.75 / 7)

    upright = spare(PORTRAIT_POINTS) >= 0  # a table that fits upright stays upright
    page = PORTRAIT_POINTS if upright else LANDSCAPE_POINTS
    for number, column in enumerate(columns):
        if not column.wrap or spare(page) < 1:
            continue
        want = math.ceil(widest(r[number] for r in rows[1:] if number < len(r))) + PADDING
        room = spare(page if upright else page / FILL_SCALE)
        grown = Column(want, False) if want - column.width <= room else None
        out[number] = grown or Column(column.width + spare(page), True)
    return out


def column_groups(widths: Sequence[float], keys: int, page: float) -> tuple[int, ...]:
    """Columns after which a new page starts, so each page holds the key columns and as many
    following whole columns as fit in `page` points."""
    keyed = points(widths[:keys])
    breaks, used = [], keyed
    for number, width in enumerate(widths[keys:], start=keys + 1):
        size = points([width])
        if used + size > page and used > keyed:
            breaks.append(number - 1)
            used = keyed
        used += size
    return tuple(breaks)


# One line of 11 pt text, CJK included: LibreOffice draws a CJK line (Noto Sans CJK, as most
# Linux desktops have it) 17.15 pt tall, 15.65 pt each further line; in Excel's 15 pt rows it cut
# off the underline of some links (逾期提醒's 档案行) and the foot of a wrapped second line.
LINE_POINTS = 17.25


def lines(value: Any, column: Column, bold: bool = False) -> int:
    """How many lines `value` takes in `column` once wrapped (one when it fits)."""
    room = column.width - PADDING
    if isinstance(value, str) and "\n" in value:  # a line break the teacher typed is kept
        return sum(lines(part, column, bold) for part in value.split("\n"))
    if isinstance(value, str) and 2 * len(value) * (BOLD if bold else 1) <= room:
        return 1  # fits even if every character is wide: no need to measure
    return max(1, math.ceil(text_width(value) * (BOLD if bold else 1) / room - 0.05))


def row_heights(rows: Sequence[Sequence[Any]], columns: Sequence[Column]) -> dict[int, float]:
    """Heights (points) of the rows (1-based, the header first) whose wrapped text needs more
    than one line: set explicitly, as LibreOffice does not grow rows of a file it opens."""
    heights = {}
    for number, row in enumerate(rows, start=1):
        needed = max(
            (
                lines(v, c, bold=number == 1)
                for v, c in zip(row, columns, strict=False)
                if number == 1 or c.wrap
            ),
            default=1,
        )
        if needed > 1:
            heights[number] = needed * LINE_POINTS
    return heights


def frame_heights(frame: pd.DataFrame, columns: Sequence[Column]) -> dict[int, float]:
    """row_heights for a large table (header row 1, its rows from 2): only the wrapped columns
    are measured below the header, each distinct value once."""
    heights = row_heights([list(frame.columns)], columns)
    counts = [
        frame.iloc[:, i].map({v: lines(v, c) for v in pd.unique(frame.iloc[:, i])})
        for i, c in enumerate(columns)
        if c.wrap
    ]
    if counts:
        most = pd.concat(counts, axis=1).max(axis=1).to_numpy()
        heights.update((row + 2, n * LINE_POINTS) for row, n in enumerate(most) if n > 1)
    return heights
