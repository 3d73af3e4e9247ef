"""An in-memory xlwings *engine* for the tests: the xlsync Excel edge runs through the real
`xlwings` API (`xlwings/main.py`: its argument checks, converters and chunking) and only
what lies behind it — Excel itself — is replaced, the way xlwings plugs in its own engines
(`xlwings.engines.add(Engine(impl=...))`, see `xlwings/__init__.py`).

Behind the API it reproduces what Excel does, which is what the edge must cope with:
- reading: every number comes back as float, dates as datetime, empty cells as None (the
  API turns one row or column into a 1-D list and one cell into a scalar);
- writing: like Excel, text that looks like a number or a date becomes one, and text
  starting with = becomes a formula, unless it starts with the quote prefix ';
- a scalar written to a range fills every cell;
- a column whose width (a row whose height) is set to 0 is hidden, and saved as hidden.
Books load from and save to .xlsx (through openpyxl) so results can be compared with the
files the CLI writes. It proves the edge's logic, its use of the xlwings API and value
handling, not Excel's COM behaviour (see README, "What the Excel tests prove").

`load(path)` gives an `xlwings.Book`; `state(book)` the engine's side of it (alerts, status
bar history, saves, opened books) for assertions; CALLS counts what would cross to Excel and
ROWS the most rows one value call carried. xlwings' implicit chunking (a cell budget per engine)
is switched off here, so the chunks seen are those xlsync asks for with `options(chunksize=…)`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlwings as xw
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from xlwings import base_classes as base

CALLS: Counter = Counter()  # calls that would each cross to Excel (COM / AppleScript), by kind
ROWS: Counter = Counter()  # the most rows one call of each kind carried (xlwings' chunks)
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
NAME = "xlsync-test"


def excel_input(value: Any) -> tuple[Any, str | None]:
    """(stored value, formula) after Excel takes `value` typed into a cell."""
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:] or None, None
        if value.startswith("="):
            return None, value
        if _NUMBER.match(value):
            return float(value), None
        if _DATE.match(value):
            return dt.datetime.fromisoformat("-".join(p.zfill(2) for p in value.split("-"))), None
        return (value or None), None
    if isinstance(value, dt.datetime):
        return value, None
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day), None
    if isinstance(value, bool) or value is None:
        return value, None
    if isinstance(value, (int, float)):
        return float(value), None
    raise TypeError(f"Excel cannot take a {type(value).__name__}")  # COM refuses it


@dataclass
class Cell:
    value: Any = None
    formula: str | None = None
    color: tuple[int, int, int] | None = None
    number_format: str = "General"
    bold: bool = False
    font_color: tuple[int, int, int] | None = None
    note: str | None = None
    link: str | None = None
    tip: str | None = None
    wrap: bool = False


# ---------------------------------------------------------------------------- the engine


class Engine:
    name = NAME
    type = "desktop"

    def __init__(self) -> None:
        self._apps = Apps()

    @property
    def apps(self) -> Apps:
        return self._apps

    @staticmethod
    def prepare_xl_data_element(x: Any, date_format: Any) -> Any:
        """What the desktop engines hand to Excel: missing values as empty, numpy as float."""
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return ""
        if hasattr(x, "item") and not isinstance(x, (str, bytes)):
            return x.item()
        return x

    @staticmethod
    def clean_value_data(
        data: list[list[Any]], datetime_builder: Any, empty_as: Any, number_builder: Any, _: Any
    ) -> list[list[Any]]:
        def clean(value: Any) -> Any:
            if value in ("", None):
                return empty_as
            if isinstance(value, dt.datetime) and datetime_builder is not dt.datetime:
                return datetime_builder(*value.timetuple()[:6])
            if number_builder is not None and isinstance(value, float):
                return number_builder(value)
            return value

        return [[clean(v) for v in row] for row in data]


class Apps(base.Apps):
    def __init__(self) -> None:
        self.items: list[App] = []

    def keys(self) -> list[int]:
        return [app.pid for app in self.items]

    def add(self, **_: Any) -> App:
        app = App(len(self.items) + 1)
        self.items.insert(0, app)
        return app

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, pid: int) -> App:
        return next(a for a in self.items if a.pid == pid)


class App(base.App):
    def __init__(self, pid: int = 1) -> None:
        self._pid = pid
        self.status_history: list[Any] = []
        self.alerts: list[dict[str, Any]] = []
        self.settings = {"display_alerts": True, "screen_updating": True}
        self._books = Books(self)

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def display_alerts(self) -> bool:
        return self.settings["display_alerts"]

    @display_alerts.setter
    def display_alerts(self, value: bool) -> None:
        self.settings["display_alerts"] = value

    @property
    def screen_updating(self) -> bool:
        return self.settings["screen_updating"]

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self.settings["screen_updating"] = value

    @property
    def engine(self) -> Engine:
        return xw.engines[NAME].impl

    @property
    def books(self) -> Books:
        return self._books

    @property
    def status_bar(self) -> Any:
        return self.status_history[-1] if self.status_history else False

    @status_bar.setter
    def status_bar(self, value: Any) -> None:
        self.status_history.append(value)

    def activate(self, steal_focus: bool = False) -> None:
        """The window comes to the front (nothing to do without one)."""

    def alert(self, prompt: str, title: Any, buttons: Any, mode: Any, callback: Any) -> str:
        self.alerts.append({"prompt": prompt, "title": title, "mode": mode})
        return "ok"


class Books(base.Books):
    def __init__(self, app: App) -> None:
        self.app = app
        self.items: list[Book] = []
        self.opened: list[str] = []

    def __call__(self, name_or_index: str | int) -> Book:
        if isinstance(name_or_index, int):
            return self.items[name_or_index - 1]
        for book in self.items:
            if book.name.lower() == name_or_index.lower():
                return book
        raise KeyError(name_or_index)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(list(self.items))

    def open(self, fullname: str, *_: Any) -> Book:
        self.opened.append(fullname)
        return Book.load(Path(fullname), self.app)


class Book(base.Book):
    def __init__(self, fullname: Path, app: App) -> None:
        self._fullname, self._app = str(fullname), app
        self._sheets = Sheets(self)
        self._names = Names()
        self.saves = 0
        self.active = ""
        app.books.items.append(self)

    @property
    def api(self) -> Book:
        return self

    @property
    def name(self) -> str:
        return Path(self._fullname).name

    @property
    def fullname(self) -> str:
        return self._fullname

    @property
    def sheets(self) -> Sheets:
        return self._sheets

    @property
    def names(self) -> Names:
        return self._names

    @property
    def app(self) -> App:
        return self._app

    @classmethod
    def load(cls, path: Path, app: App | None = None) -> Book:
        """The workbook at `path` as Excel would show it (cached values, formulas kept)."""
        book = cls(path, app or _app())
        _load_into(book, path)
        return book

    def save(self, path: str | None = None, password: str | None = None) -> None:
        self.saves += 1
        _save(self, path or self._fullname)

    def close(self) -> None:
        self._app.books.items.remove(self)

    def activate(self) -> None:
        self._app.books.items.remove(self)
        self._app.books.items.insert(0, self)


class Names(base.Names):
    """Workbook-level defined names; Excel's Names.Add replaces a name that exists."""

    def __init__(self) -> None:
        self.items: dict[str, NameImpl] = {}

    def __call__(self, name_or_index: str | int) -> NameImpl:
        if isinstance(name_or_index, int):
            return list(self.items.values())[name_or_index - 1]
        return self.items[name_or_index]

    def contains(self, name_or_index: str | int) -> bool:
        return name_or_index in self.items

    def __len__(self) -> int:
        return len(self.items)

    def add(self, name: str, refers_to: str) -> NameImpl:
        CALLS["names"] += 1
        if not refers_to.startswith("="):
            raise ValueError("Excel takes a reference or formula starting with =")
        self.items[name] = NameImpl(self, name, refers_to)
        return self.items[name]


class NameImpl(base.Name):
    def __init__(self, names: Names, name: str, refers_to: str) -> None:
        self.names, self._name, self._refers_to = names, name, refers_to

    @property
    def name(self) -> str:
        return self._name

    @property
    def refers_to(self) -> str:
        return self._refers_to

    def delete(self) -> None:
        del self.names.items[self._name]


class Sheets(base.Sheets):
    def __init__(self, book: Book) -> None:
        self.book = book
        self.items: list[Sheet] = []

    @property
    def api(self) -> Sheets:
        return self

    def __call__(self, name_or_index: str | int) -> Sheet:
        if isinstance(name_or_index, int):
            return self.items[name_or_index - 1]
        for sheet in self.items:
            if sheet.name.lower() == name_or_index.lower():
                return sheet
        raise KeyError(name_or_index)  # COM raises for an unknown name

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(list(self.items))

    def add(self, before: Sheet | None = None, after: Sheet | None = None, name: Any = None):
        CALLS["sheets and charts"] += 1
        sheet = Sheet(self.book, name or f"Sheet{len(self.items) + 1}")
        if before is not None:
            index = self.items.index(before)
        elif after is not None:
            index = self.items.index(after) + 1
        else:
            index = 0
        self.items.insert(index, sheet)
        return sheet


class Sheet(base.Sheet):
    def __init__(self, book: Book, name: str) -> None:
        self._book, self._name = book, name
        self.grid: dict[tuple[int, int], Cell] = {}
        self.widths: dict[int, float] = {}
        self.heights: dict[int, float] = {}  # row → points, where set
        self.rules: list[dict] = []  # conditional formats, Excel's priority order (top first)
        self._visible = True
        self._charts = Charts(self)
        self._page_setup = PageSetup()
        self.VPageBreaks = VPageBreaks()  # COM's Worksheet.VPageBreaks (sheet.api is the sheet)

    @property
    def api(self) -> Sheet:
        return self

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    @property
    def book(self) -> Book:
        return self._book

    @property
    def index(self) -> int:
        return self._book.sheets.items.index(self) + 1

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        self._visible = bool(value)

    @property
    def charts(self) -> Charts:
        return self._charts

    @property
    def page_setup(self) -> PageSetup:
        return self._page_setup

    def range(self, arg1: Any, arg2: Any = None) -> Range:
        if isinstance(arg1, tuple) and len(arg1) == 4:
            row, col, rows, cols = arg1
            return Range(self, row, col, row + rows - 1, col + cols - 1)
        r1, c1, r2, c2 = _box(arg1)
        if arg2 is not None:
            _, _, r2, c2 = _box(arg2)
        return Range(self, r1, c1, r2, c2)

    @property
    def used_range(self) -> Range:
        used = [k for k, c in self.grid.items() if c.value is not None or c.formula]
        if not used:
            return Range(self, 1, 1, 1, 1)
        return Range(self, 1, 1, max(r for r, _ in used), max(c for _, c in used))

    def clear(self) -> None:
        CALLS["sheets and charts"] += 1
        self.grid.clear()
        self.widths.clear()
        self.heights.clear()
        self.rules.clear()  # Cells.Clear takes conditional formats too

    def activate(self) -> None:
        self._book.active = self._name


class PageSetupApi:
    """Excel's PageSetup object (COM), the properties xlsync sets, with Excel's checks and
    defaults: portrait, letter-size, 100 %, no titles, empty footers."""

    def __init__(self) -> None:
        self.Orientation, self.PaperSize = 1, 1
        self._zoom: Any = 100
        self.FitToPagesWide: Any = 1
        self.FitToPagesTall: Any = 1
        self.PrintTitleRows = self.PrintTitleColumns = ""
        self.LeftFooter = self.CenterFooter = self.RightFooter = ""
        self.LeftMargin = self.RightMargin = 0.7 * 72  # Excel's "Normal" margins, in points
        self.TopMargin = self.BottomMargin = 0.75 * 72
        self.HeaderMargin = self.FooterMargin = 0.3 * 72

    @property
    def Zoom(self) -> Any:  # noqa: N802 (COM's name)
        return self._zoom

    @Zoom.setter
    def Zoom(self, value: Any) -> None:  # noqa: N802
        CALLS["set format"] += 1
        if value is not False and not 10 <= value <= 400:
            raise ValueError("Excel's Zoom is False or 10 to 400")
        self._zoom = value

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "Orientation" and value not in (1, 2):
            raise ValueError("xlPortrait (1) or xlLandscape (2)")
        object.__setattr__(self, name, value)


class PageSetup(base.PageSetup):
    def __init__(self) -> None:
        self._api = PageSetupApi()
        self._print_area: str | None = None

    @property
    def api(self) -> PageSetupApi:
        return self._api

    @property
    def print_area(self) -> str | None:
        return self._print_area

    @print_area.setter
    def print_area(self, value: str | None) -> None:
        CALLS["set format"] += 1
        self._print_area = value


class VPageBreaks:
    """COM's VPageBreaks: Add(Before) starts a new page at that cell's column."""

    def __init__(self) -> None:
        self.before: list[int] = []

    def Add(self, Before: Range) -> None:  # noqa: N802, N803 (COM's names)
        CALLS["set format"] += 1
        self.before.append(Before.c1)


def _box(arg: Any) -> tuple[int, int, int, int]:
    if isinstance(arg, Range):
        return arg.r1, arg.c1, arg.r2, arg.c2
    if isinstance(arg, tuple):
        if 0 in arg:
            raise IndexError("Attempted to access 0-based Range. xlwings/Excel Ranges are 1-based.")
        return arg[0], arg[1], arg[0], arg[1]
    first, _, last = arg.partition(":")
    r1, c1 = _address(first)
    r2, c2 = _address(last) if last else (r1, c1)
    return r1, c1, r2, c2


def _address(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", text.upper())
    if match is None:
        raise ValueError(f"not a cell address: {text!r}")  # Excel's Range() refuses it
    column = 0
    for ch in match.group(1):
        column = column * 26 + ord(ch) - 64
    return int(match.group(2)), column


class Range(base.Range):
    def __init__(self, sheet: Sheet, r1: int, c1: int, r2: int, c2: int) -> None:
        self._sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2
        self.options: dict[str, Any] = {}

    @property
    def api(self) -> Range:
        return self

    @property
    def sheet(self) -> Sheet:
        return self._sheet

    @property
    def coords(self) -> tuple[Sheet, int, int, int, int]:
        return self._sheet, self.r1, self.c1, self.r2, self.c2

    def __len__(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def row(self) -> int:
        return self.r1

    @property
    def column(self) -> int:
        return self.c1

    @property
    def shape(self) -> tuple[int, int]:
        return (self.r2 - self.r1 + 1, self.c2 - self.c1 + 1)

    @property
    def max_cells_per_read(self) -> None:
        return None  # no implicit chunking: only xlsync's explicit chunksize is seen

    @property
    def max_cells_per_write(self) -> None:
        return None

    def __call__(self, arg1: int, arg2: int | None = None) -> Range:
        if arg2 is None:  # the n-th cell, row by row
            arg1, arg2 = divmod(arg1 - 1, self.shape[1])
            arg1, arg2 = arg1 + 1, arg2 + 1
        row, col = self.r1 + arg1 - 1, self.c1 + arg2 - 1
        return Range(self._sheet, row, col, row, col)

    def each(self, create: bool = False) -> list[Cell]:
        cells = []
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                cell = self._sheet.grid.get((r, c))
                if cell is None and create:
                    cell = self._sheet.grid[(r, c)] = Cell()
                if cell is not None:
                    cells.append(cell)
        return cells

    def _cell(self, r: int, c: int) -> Cell:
        return self._sheet.grid.setdefault((r, c), Cell())

    @property
    def raw_value(self) -> Any:
        """Like COM's Range.Value: a scalar for one cell, else rows of values."""
        _transfer("read values", self.shape[0])
        grid = [
            [self._read(r, c) for c in range(self.c1, self.c2 + 1)]
            for r in range(self.r1, self.r2 + 1)
        ]
        return grid[0][0] if self.shape == (1, 1) else grid

    def _read(self, r: int, c: int) -> Any:
        cell = self._sheet.grid.get((r, c))
        return None if cell is None else cell.value

    @raw_value.setter
    def raw_value(self, data: Any) -> None:
        _transfer("write values", self.shape[0])
        if isinstance(data, (list, tuple)):
            rows = data if data and isinstance(data[0], (list, tuple)) else [data]
            if (len(rows), max(len(r) for r in rows)) != self.shape:
                raise ValueError(f"{len(rows)} rows written to a range of shape {self.shape}")
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    self._put(self._cell(self.r1 + i, self.c1 + j), v)
        else:
            for r in range(self.r1, self.r2 + 1):
                for c in range(self.c1, self.c2 + 1):
                    self._put(self._cell(r, c), data)

    @staticmethod
    def _put(cell: Cell, value: Any) -> None:
        cell.value, cell.formula = excel_input(None if value == "" else value)
        if isinstance(cell.value, dt.datetime) and cell.number_format == "General":
            cell.number_format = "yyyy-mm-dd"  # Excel gives a date typed in a date format

    def clear(self) -> None:
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                self._sheet.grid.pop((r, c), None)

    def clear_contents(self) -> None:
        CALLS["write values"] += 1
        for c in self.each():
            c.value, c.formula = None, None

    def clear_formats(self) -> None:
        """Range.ClearFormats: fills, fonts and number formats go, and so do the conditional
        formats lying inside the range."""
        CALLS["set format"] += 1
        for c in self.each():
            c.color, c.bold, c.font_color, c.number_format = None, False, None, "General"
        box = (self.r1, self.c1, self.r2, self.c2)
        self._sheet.rules[:] = [r for r in self._sheet.rules if not _inside(r["range"], box)]

    @property
    def color(self) -> tuple[int, int, int] | None:
        cells = self.each()
        colours = {c.color for c in cells}
        whole = len(cells) == len(self)
        return colours.pop() if whole and len(colours) == 1 else None

    @color.setter
    def color(self, value: Any) -> None:
        CALLS["set colour"] += 1
        colour = _rgb(value)
        for c in self.each(create=True):
            c.color = colour

    @property
    def number_format(self) -> str:
        return self._cell(self.r1, self.c1).number_format

    @number_format.setter
    def number_format(self, value: str) -> None:
        CALLS["set format"] += 1
        for c in self.each(create=True):
            c.number_format = value

    @property
    def font(self) -> FontImpl:
        return FontImpl(self)

    @property
    def conditional_formats(self) -> ConditionalFormats:
        return ConditionalFormats(self)

    @property
    def row_height(self) -> float:
        return self._sheet.heights.get(self.r1, 15.0)

    @row_height.setter
    def row_height(self, value: float) -> None:
        CALLS["set format"] += 1
        if not 0 <= value <= 409.5:
            raise ValueError("Excel row heights are 0 to 409.5 points")
        for r in range(self.r1, self.r2 + 1):
            self._sheet.heights[r] = value

    @property
    def column_width(self) -> float:
        return self._sheet.widths.get(self.c1, 8.43)

    @column_width.setter
    def column_width(self, value: float) -> None:
        CALLS["set format"] += 1
        if not 0 <= value <= 255:
            raise ValueError("Excel column widths are 0 to 255 characters")
        for c in range(self.c1, self.c2 + 1):
            self._sheet.widths[c] = value

    @property
    def wrap_text(self) -> bool:
        return all(c.wrap for c in self.each())

    @wrap_text.setter
    def wrap_text(self, value: bool) -> None:
        CALLS["set format"] += 1
        for c in self.each(create=True):
            c.wrap = bool(value)

    @property
    def note(self) -> NoteImpl | None:
        cell = self._sheet.grid.get((self.r1, self.c1))
        return None if cell is None or cell.note is None else NoteImpl(cell)

    def add_note(self, text: str) -> NoteImpl:
        CALLS["notes and links"] += 1
        cell = self._cell(self.r1, self.c1)
        cell.note = text
        return NoteImpl(cell)

    def add_hyperlink(self, address: str, text_to_display: str, screen_tip: str) -> None:
        CALLS["notes and links"] += 1
        cell = self._cell(self.r1, self.c1)
        cell.link, cell.tip = address, screen_tip
        cell.value = text_to_display


def _transfer(kind: str, rows: int) -> None:
    """One value transfer to or from Excel: counted, and its row count kept if the largest."""
    CALLS[kind] += 1
    ROWS[kind] = max(ROWS[kind], rows)


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def _rgb(value: Any) -> tuple[int, int, int] | None:
    """The forms xlwings passes on (it converts nothing itself): an RGB tuple or a hex string."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.lstrip("#")
        return tuple(int(text[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    if len(value) != 3 or not all(isinstance(v, int) and 0 <= v <= 255 for v in value):
        raise ValueError(f"not an RGB colour: {value!r}")
    return tuple(value)  # type: ignore[return-value]


class FontImpl(base.Font):
    def __init__(self, rng: Range) -> None:
        self.rng = rng

    @property
    def bold(self) -> bool:
        return all(c.bold for c in self.rng.each())

    @bold.setter
    def bold(self, value: bool) -> None:
        CALLS["set format"] += 1
        for c in self.rng.each(create=True):
            c.bold = value

    @property
    def color(self) -> tuple[int, int, int] | None:
        return self.rng._cell(self.rng.r1, self.rng.c1).font_color

    @color.setter
    def color(self, value: Any) -> None:
        CALLS["set format"] += 1
        colour = _rgb(value)
        for c in self.rng.each(create=True):
            c.font_color = colour


class NoteImpl(base.Note):
    def __init__(self, cell: Cell) -> None:
        self.cell = cell

    @property
    def api(self) -> NoteImpl:
        return self

    @property
    def text(self) -> str:
        return self.cell.note or ""

    @text.setter
    def text(self, value: str) -> None:
        CALLS["notes and links"] += 1
        self.cell.note = value

    def delete(self) -> None:
        CALLS["notes and links"] += 1
        self.cell.note = None


class ConditionalFormats(base.ConditionalFormats):
    """The rules xlwings hands its engines as specs (already checked by xlwings)."""

    def __init__(self, rng: Range) -> None:
        self.rng = rng

    def _box(self) -> tuple[int, int, int, int]:
        return (self.rng.r1, self.rng.c1, self.rng.r2, self.rng.c2)

    def _add(self, kind: str, spec: dict) -> dict:
        CALLS["conditional formats"] += 1
        rule = {"kind": kind, "range": self._box(), **spec}
        self.rng.sheet.rules.insert(0, rule)  # a new rule goes to the top, as in Excel
        return rule

    def add_cell_value(self, spec: dict) -> dict:
        return self._add("cell_value", spec)

    def add_color_scale(self, spec: dict) -> dict:
        return self._add("color_scale", spec)

    def add_custom(self, spec: dict) -> dict:
        return self._add("custom", spec)

    def clear(self) -> None:
        CALLS["conditional formats"] += 1
        self.rng.sheet.rules[:] = [r for r in self.rng.sheet.rules if r["range"] != self._box()]

    def __len__(self) -> int:
        return sum(r["range"] == self._box() for r in self.rng.sheet.rules)

    def __iter__(self):
        return iter([r for r in self.rng.sheet.rules if r["range"] == self._box()])


class Chart(base.Chart):
    def __init__(self, charts: Charts, box: tuple[float, float, float, float], name: str) -> None:
        self.charts, self.box, self._name = charts, box, name
        self._type = "column_clustered"
        self.source: Range | None = None

    @property
    def api(self) -> Chart:
        return self

    @property
    def name(self) -> str:
        return self._name

    @property
    def chart_type(self) -> str:
        return self._type

    @chart_type.setter
    def chart_type(self, value: str) -> None:
        self._type = value

    def set_source_data(self, rng: Range, plot_by: Any = None) -> None:
        self.source = rng

    def delete(self) -> None:
        CALLS["sheets and charts"] += 1
        self.charts.items.remove(self)


class Charts(base.Charts):
    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.items: list[Chart] = []

    def add(self, left: float, top: float, width: float, height: float, **kw: Any) -> Chart:
        CALLS["sheets and charts"] += 1
        chart = Chart(self, (left, top, width, height), f"Chart {len(self.items) + 1}")
        if kw.get("chart_type"):
            chart.chart_type = kw["chart_type"]
        if kw.get("source") is not None:
            chart.source = kw["source"]
        self.items.append(chart)
        return chart

    def __call__(self, key: int | str) -> Chart:
        if isinstance(key, int):
            return self.items[key - 1]
        return next(c for c in self.items if c.name == key)

    def __contains__(self, key: str) -> bool:
        return any(c.name == key for c in self.items)

    def __iter__(self):
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)


# ---------------------------------------------------------------------------- registration


def _engine() -> Any:
    """The engine registered with xlwings once, and made the active one."""
    if NAME not in xw.engines.engines_by_name:
        xw.engines.add(xw.main.Engine(impl=Engine()))
    engine = xw.engines[NAME]
    engine.activate()
    return engine


def _app() -> App:
    return _engine().impl.apps.add()


def load(path: Path) -> xw.Book:
    """The workbook at `path` open in a new test Excel, as xlwings gives it to xlsync."""
    return xw.Book(impl=Book.load(path))


def new_book(path: Path) -> xw.Book:
    """An empty workbook that would be saved at `path` (never saved yet: no file)."""
    return xw.Book(impl=Book(path, _app()))


def state(book: xw.Book | xw.App) -> Any:
    """The engine's side of an xlwings object (alerts, status history, saves, cells)."""
    return book.impl


# ---------------------------------------------------------------------------- .xlsx in and out


def _load_into(book: Book, path: Path) -> None:
    values, formulas = load_workbook(path, data_only=True), load_workbook(path)
    for name, defined in formulas.defined_names.items():
        book.names.add(name, "=" + defined.attr_text)
    for ws in formulas.worksheets:
        sheet = book.sheets.add(after=book.sheets.items[-1] if book.sheets.items else None)
        sheet.name = ws.title
        sheet.visible = ws.sheet_state == "visible"
        cached = values[ws.title]
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and c.comment is None and c.fill.fill_type != "solid":
                    continue
                sheet.grid[(c.row, c.column)] = _cell_from(c, cached[c.coordinate].value)


def _cell_from(c: Any, cached: Any) -> Cell:
    cell = Cell(number_format=c.number_format)
    if c.data_type == "f":
        cell.value, cell.formula = excel_input(cached)[0], c.value
    elif isinstance(c.value, str):
        cell.value = c.value or None
    else:
        cell.value = excel_input(c.value)[0]
    if c.fill.fill_type == "solid" and isinstance(c.fill.fgColor.rgb, str):
        cell.color = tuple(int(c.fill.fgColor.rgb[i : i + 2], 16) for i in (2, 4, 6))
    if c.comment is not None:
        cell.note = c.comment.text
    return cell


def _save(book: Book, path: str) -> None:
    """Write the book to .xlsx (values, formulas, fills, formats, notes, links, rules)."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in book.sheets:
        ws = wb.create_sheet(sheet.name)
        ws.sheet_state = "visible" if sheet.visible else "hidden"
        for (r, c), cell in sheet.grid.items():
            target = ws.cell(r, c, cell.formula or cell.value)
            if cell.formula is None and isinstance(cell.value, str):
                target.data_type = "s"  # text Excel holds as text stays text in the file
            if cell.color:
                target.fill = PatternFill("solid", fgColor=_hex(cell.color))
            target.number_format = cell.number_format
            if cell.bold or cell.font_color:
                colour = _hex(cell.font_color) if cell.font_color else None
                target.font = Font(bold=cell.bold, color=colour)
            if cell.wrap:
                target.alignment = Alignment(wrap_text=True)
            if cell.note:
                target.comment = Comment(cell.note, "Excel")
            if cell.link:
                target.hyperlink = cell.link
        for column, width in sheet.widths.items():
            dimension = ws.column_dimensions[_ref((1, column, 1, column)).split("1:")[0]]
            dimension.width = width
            dimension.hidden = width == 0  # as Excel saves a column whose width was set to 0
        for row, height in sheet.heights.items():
            ws.row_dimensions[row].height = height or None
            ws.row_dimensions[row].hidden = height == 0  # likewise a row of height 0
        for rule in reversed(sheet.rules):
            ws.conditional_formatting.add(_ref(rule["range"]), _openpyxl_rule(rule))
        _save_page_setup(sheet, ws)
    for name in book.names.items.values():
        wb.defined_names[name.name] = DefinedName(name.name, attr_text=name.refers_to[1:])
    wb.save(path)


def _save_page_setup(sheet: Sheet, ws: Any) -> None:
    from openpyxl.worksheet.pagebreak import Break

    api = sheet.page_setup.api
    ws.page_setup.orientation = "landscape" if api.Orientation == 2 else "portrait"
    ws.page_setup.paperSize = api.PaperSize
    for side in ("left", "right", "top", "bottom", "header", "footer"):
        setattr(ws.page_margins, side, getattr(api, f"{side.capitalize()}Margin") / 72)
    ws.sheet_properties.pageSetUpPr.fitToPage = api.Zoom is False
    if api.Zoom is False:
        ws.page_setup.fitToWidth = api.FitToPagesWide
        ws.page_setup.fitToHeight = api.FitToPagesTall or 0
    else:
        ws.page_setup.scale = api.Zoom
    if api.PrintTitleRows:
        ws.print_title_rows = api.PrintTitleRows.replace("$", "")
    if api.PrintTitleColumns:
        ws.print_title_cols = api.PrintTitleColumns.replace("$", "")
    ws.oddFooter.left.text = api.LeftFooter or None
    ws.oddFooter.center.text = api.CenterFooter or None
    ws.oddFooter.right.text = api.RightFooter or None
    for column in sheet.VPageBreaks.before:
        ws.col_breaks.append(Break(id=column - 1))
    if sheet.page_setup.print_area:
        ws.print_area = sheet.page_setup.print_area.replace("$", "")


def _hex(colour: tuple[int, int, int]) -> str:
    return "".join(f"{v:02X}" for v in colour)


def _ref(box: tuple[int, int, int, int]) -> str:
    from openpyxl.utils import get_column_letter

    r1, c1, r2, c2 = box
    return f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"


_OPERATORS = {
    "equal_to": "equal",
    "not_equal_to": "notEqual",
    "greater_than": "greaterThan",
    "less_than": "lessThan",
    "greater_than_or_equal_to": "greaterThanOrEqual",
    "less_than_or_equal_to": "lessThanOrEqual",
    "between": "between",
}


def _openpyxl_rule(rule: dict) -> Any:
    from openpyxl.formatting.rule import CellIsRule, ColorScaleRule

    if rule["kind"] == "color_scale":
        (a, b, c), (x, y, z) = rule["colors"], rule["thresholds"]
        kinds = {"number": "num", "percent": "percent", "percentile": "percentile"}
        t = [kinds[k] for k in rule["threshold_types"]]
        return ColorScaleRule(
            start_type=t[0],
            start_value=x,
            start_color=_hex(_rgb(a)),
            mid_type=t[1],
            mid_value=y,
            mid_color=_hex(_rgb(b)),
            end_type=t[2],
            end_value=z,
            end_color=_hex(_rgb(c)),
        )
    if rule["kind"] == "custom":
        from openpyxl.formatting.rule import FormulaRule

        return FormulaRule(
            formula=[rule["formula"].lstrip("=")],
            fill=PatternFill("solid", bgColor=_hex(_rgb(rule["fill_color"]))),
            font=Font(color=_hex(_rgb(rule["font_color"]))),
        )
    formulas = [str(f).lstrip("=") for f in (rule["formula1"], rule.get("formula2")) if f]
    return CellIsRule(
        operator=_OPERATORS[rule["operator"]],
        formula=formulas,
        fill=PatternFill("solid", bgColor=_hex(_rgb(rule["fill_color"]))),
        font=Font(color=_hex(_rgb(rule["font_color"]))),
    )
