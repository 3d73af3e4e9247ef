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
    """Width of `value` as shown, in Excel's character units (MDW, 7 pixels at 11 pt): each
    character's advance in Calibri 11 (Carlito in LibreOffice, its metric twin), a CJK or
    other non-ASCII character a 15-pixel square (2.14 units, not 2: Excel draws them with a
    Chinese font at 15 px, so a column sized by 2 cut the end of long Chinese text)."""
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
    return max(_pixels(line) for line in str(value).split("\n")) / MDW_PIXELS


MDW_PIXELS = 7.0  # Excel's character unit: the widest digit of Calibri 11 at 96 dpi
WIDE_PIXELS = 15.0  # a CJK or full-width character at 11 pt (SimSun/DengXian in Excel: 15 px)
WIDE = WIDE_PIXELS / MDW_PIXELS  # the widest a character can be, in character units
# Advance widths (pixels at 11 pt, 96 dpi) of printable ASCII 32-126 in Carlito, the wider of
# its regular and bold faces rounded up to a tenth (Carlito is Calibri's metric twin).
_ASCII = (
    [0.0] * 32
    + [
        float(w)
        for w in (
            "3.4 4.8 6.5 7.4 7.5 10.7 10.4 3.5 4.6 4.6 7.4 7.4 3.8 4.5 4.0 6.4 7.5 7.5 7.5 "
            "7.5 7.5 7.5 7.5 7.5 7.5 7.5 4.1 4.1 7.4 7.4 7.4 6.8 13.2 8.9 8.3 7.9 9.3 7.2 6.8 "
            "9.4 9.3 4.0 4.9 8.1 6.3 12.9 9.7 10.0 7.9 10.1 8.3 7.0 7.3 9.6 8.7 13.3 8.1 7.7 "
            "7.1 4.8 6.4 4.8 7.4 7.4 4.5 7.3 7.9 6.3 7.9 7.4 4.7 7.0 7.9 3.7 3.8 7.1 3.7 12.0 "
            "7.9 7.9 7.9 7.9 5.3 5.9 5.1 7.9 7.0 11.0 6.8 7.0 5.9 5.1 7.0 5.1 7.4"
        ).split()
    ]
    + [WIDE_PIXELS]  # DEL, never shown: as wide as anything
)


def _pixels(text: str) -> float:
    """Printed width of one line of `text` in pixels at 11 pt (see text_width)."""
    ascii_part = text.encode("ascii", "ignore")
    return sum(map(_ASCII.__getitem__, ascii_part)) + WIDE_PIXELS * (len(text) - len(ascii_part))


@dataclass(frozen=True)
class Column:
    """How wide a column is drawn, and whether its text wraps."""

    width: float
    wrap: bool


def measure(
    header: Any, values: Iterable[Any], cap: float = CAP, head_cap: float = HEADER_CAP
) -> Column:
    """The column for `header` over `values`: as wide as the widest value, at least MIN_WIDTH;
    wider than `cap` it stays `cap` wide and wraps. The (bold) header widens it only up to
    HEADER_CAP; headers wrap, so a long one takes two lines over a narrow column."""
    return column_for(header, widest(values), cap, head_cap)


def column_for(
    header: Any, longest: float, cap: float = CAP, head_cap: float = HEADER_CAP
) -> Column:
    """The column for `header` whose widest value is `longest` wide (see `measure`): so a
    table measured in parts (one class at a time) gets the width of the whole."""
    head = min(text_width(header) * BOLD, max(longest, head_cap))
    if longest + PADDING > cap:
        return Column(cap + PADDING, True)
    # Whole characters: every engine (the Sheets API counts pixels) draws the same width.
    return Column(math.ceil(max(MIN_WIDTH, longest, head)) + PADDING, False)


def widest(values: Iterable[Any]) -> float:
    """The largest text_width of `values`, fast on a large column: texts longest first until no
    shorter one can be wider (a character is at most WIDE wide), numbers by their extremes."""
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
        if WIDE * len(text) <= best:
            break
        best = max(best, text_width(text))
    return best


def measure_rows(
    rows: Sequence[Sequence[Any]], cap: float = CAP, head_cap: float = HEADER_CAP
) -> list[Column]:
    """One Column per column of `rows`, the first row being the header."""
    if not rows:
        return []
    width = max(len(r) for r in rows)
    header = list(rows[0]) + [None] * (width - len(rows[0]))
    return [
        measure(header[c], (r[c] for r in rows[1:] if c < len(r)), cap, head_cap)
        for c in range(width)
    ]


def figures(values: Iterable[Any]) -> bool:
    """Whether a column holds only numbers and dates (and blanks): such a column is centred,
    so a right-aligned 75 does not print against the text of the next column (逾期天数
    against 帮扶教师, 来源文件)."""
    shown = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return bool(shown) and all(
        isinstance(v, (numbers.Real, dt.date, Formula)) and not isinstance(v, bool) for v in shown
    )


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


FIT_FLOOR = 0.5  # one page wide down to 50 % (5.5 pt); a wider table prints in column groups


def page_plan(
    widths: Sequence[float], caption: Caption, key_columns: int = 1, title_rows: int = 1
) -> PrintSetup:
    """Portrait when the table fits A4 upright, else landscape, all its columns fitted to one
    page wide (a lead reads a table on one sheet of paper, not its columns over three pages)
    while that prints at FIT_FLOOR or more; a table wider still (全校档案) prints at 8 pt in
    column groups of even width, the first `key_columns` repeated on each."""
    total = points(widths)
    if total <= PORTRAIT_POINTS:
        return PrintSetup(False, True, 100, title_rows, 0, (), caption)
    if total * FIT_FLOOR <= LANDSCAPE_POINTS:
        return PrintSetup(True, True, 100, title_rows, 0, (), caption)
    scale = math.ceil(MIN_POINTS / BASE_POINTS * 100)
    breaks = column_groups(widths, key_columns, LANDSCAPE_POINTS * 100 / scale)
    return PrintSetup(True, False, scale, title_rows, key_columns, breaks, caption)


NARROW = 20.0  # fit_columns wraps a text column wider than this first


TIGHT_HEADER = 6.0  # fit_columns' header cap: 本学年按时率 headers on four or five lines


def fit_columns(
    columns: Sequence[Column], keep: Collection[int] = (), tight: Sequence[Column] = ()
) -> list[Column]:
    """`columns` narrowed until the table prints one page wide at 8 pt, or as far as they go:
    first each column as measured with its header wrapped at TIGHT_HEADER (`tight`: 班级统计's
    按时率 columns are as wide as their headers, not their 85.0 %), then the widest (wider than
    NARROW, not in `keep`, 0-based) wrapped at NARROW, widest first. A small table with long
    texts (安全事件汇总) then prints larger, its texts on two or three lines. `keep` the
    columns whose numbers would break (an ID: see unbroken)."""
    least = MIN_POINTS / BASE_POINTS

    def fits() -> bool:
        return points(c.width for c in out) * least <= LANDSCAPE_POINTS

    out = list(columns)
    if not fits() and tight:
        out = [t if t.width < c.width else c for c, t in zip(out, tight, strict=True)]
    for number in sorted(range(len(out)), key=lambda n: -out[n].width):
        if fits() or out[number].width <= NARROW:
            break
        if number not in keep:
            out[number] = Column(NARROW, True)
    return out


_WORD = re.compile(r"[\x21-\x7e]{12,}")


def unbroken(values: Iterable[Any]) -> bool:
    """Whether some text of `values` holds a run of 12 or more ASCII characters (an ID number,
    a phone number with its area code) that fit_columns must not break across lines."""
    return any(isinstance(v, str) and _WORD.search(v) for v in values)


FILL_SCALE = 0.85  # fill_page may shrink a landscape print to 85 % (11 pt text to 9.35 pt)


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
        room = spare(page if upright else page / FILL_SCALE)
        if not column.wrap or room < 1:
            continue
        want = math.ceil(widest(r[number] for r in rows[1:] if number < len(r))) + PADDING
        grown = Column(want, False) if want - column.width <= room else None
        out[number] = grown or Column(column.width + max(spare(page), 0), True)
    return out


def column_groups(widths: Sequence[float], keys: int, page: float) -> tuple[int, ...]:
    """Columns after which a new page starts, so each page holds the key columns and as many
    following whole columns as fit in `page` points, the groups of about even width (no last
    page with a column or two)."""
    breaks = _groups(widths, keys, page)
    rest = points(widths[keys:])
    for step in range(1, 21):  # the narrowest even page that needs no more groups
        even = min(page, points(widths[:keys]) + rest / (len(breaks) + 1) * (1 + step / 20))
        if len(found := _groups(widths, keys, even)) == len(breaks):
            return found
    return breaks


def _groups(widths: Sequence[float], keys: int, page: float) -> tuple[int, ...]:
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
NEXT_LINE_POINTS = 15.75  # each further line of a wrapped cell
# A column w wide holds 6.8w - 4.5 pixels of text (measured in LibreOffice with Carlito for
# w = 10, 20, 42; Excel's 7w - 5 pixels less its cell margins is at least that).
ROOM_PIXELS, CELL_MARGIN_PIXELS = 6.8, 4.5
# A header's filter button: LibreOffice wraps a header that does not fit on one line in the
# room beside it (measured: one CJK character less a line), and in Excel the button would
# cover the end of each line otherwise.
FILTER_BUTTON_PIXELS = 16.0
_OPENING = "（「『【《〈“‘([{"
_CLOSING = "，。、；：？！）」』】》〉”’…—,.;:!?)]}%"
# What a line may break between: a space, each CJK character (with the punctuation that may
# not start or end a line held to it), a run of ASCII (a word, a number, a path).
_TOKENS = re.compile(
    rf"[{re.escape(_OPENING)}]*(?:[^\x00-\x7f]|[\x21-\x7e]+)[{re.escape(_CLOSING)}]*|\s+"
)


def line_height(count: int) -> float:
    """Points a row needs for `count` lines of wrapped 11 pt text."""
    return LINE_POINTS + NEXT_LINE_POINTS * (max(count, 1) - 1)


def lines(value: Any, column: Column, bold: bool = False) -> int:
    """How many lines `value` takes in `column` once wrapped (one when it fits), as Excel and
    WPS (Calibri) and LibreOffice with Carlito break it: never fewer (a row that is too short
    cuts its text); LibreOffice without Carlito draws narrower and may need fewer. `bold` is
    covered: the ASCII widths are the bold face's where it is wider."""
    if not isinstance(value, str):
        return 1  # a number or date does not wrap (it shows ### when too wide)
    room = ROOM_PIXELS * column.width - CELL_MARGIN_PIXELS
    if WIDE_PIXELS * len(value) <= room and "\n" not in value:
        return 1  # fits even if every character is wide: no need to measure
    return sum(_line_count(part, room) for part in value.split("\n"))


def header_lines(value: Any, column: Column) -> int:
    """`lines` of a bold header over a filter button: one when it fits the whole width, else
    wrapped in the room beside the button."""
    if lines(value, column, bold=True) == 1:
        return 1
    return lines(value, Column(column.width - FILTER_BUTTON_PIXELS / ROOM_PIXELS, True), True)


def _wide_lines(text: str, room: float) -> int:
    """_line_count for a text of wide characters only (no ASCII), a line at a time: a line
    holds `fits` characters, one fewer when it would end on an opening or the next would
    start with a closing punctuation mark."""
    fits, start, count = max(int(room // WIDE_PIXELS), 1), 0, 1
    while len(text) - start > fits:
        end = start + fits
        while end - start > 1 and (text[end] in _CLOSING or text[end - 1] in _OPENING):
            end -= 1
        start, count = end, count + 1
    return count


def _line_count(text: str, room: float) -> int:
    """Lines of one paragraph: breaks where _TOKENS allows, a token wider than a line broken
    between its characters; spaces hang at a line's end."""
    if not text.encode("ascii", "ignore"):
        return _wide_lines(text, room)
    count, used = 1, 0.0
    for token in _TOKENS.findall(text):
        width = _pixels(token)
        if token.isspace() or used + width <= room:
            used += width if used or not token.isspace() else 0.0
            continue
        count, used = (count + 1, 0.0) if used else (count, used)
        for character in token if width > room else (token,):
            step = _pixels(character)
            if used and used + step > room:
                count, used = count + 1, 0.0
            used += step
    return count


def row_heights(rows: Sequence[Sequence[Any]], columns: Sequence[Column]) -> dict[int, float]:
    """Heights (points) of the header row and of the rows whose wrapped text needs more than
    one line: set explicitly, as LibreOffice does not grow rows of a file it opens."""
    heights = {}
    for number, row in enumerate(rows, start=1):
        count = header_lines if number == 1 else lines
        needed = max(
            (count(v, c) for v, c in zip(row, columns, strict=False) if number == 1 or c.wrap),
            default=1,
        )
        if needed > 1 or number == 1:
            heights[number] = line_height(needed)
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
        heights.update((row + 2, line_height(n)) for row, n in enumerate(most) if n > 1)
    return heights
