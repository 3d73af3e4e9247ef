"""An in-memory stand-in for the few xlwings objects xlsync's Excel edge uses.

It reproduces what xlwings does to values, which is what the edge must cope with:
- reading: every number comes back as float, dates as datetime, empty cells as None, one
  row or one column as a 1-D list and one cell as a scalar (unless options(ndim=2));
- writing: like Excel, text that looks like a number or a date becomes one, and text
  starting with = becomes a formula, unless it starts with the quote prefix ';
- a scalar written to a range fills every cell; a 2-D list fills from the top left.
Books load from and save to .xlsx (through openpyxl) so results can be compared with the
files the CLI writes. It proves the edge's logic and value handling, not Excel's COM
behaviour (see README, "What the Excel tests prove").
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

CALLS: Counter = Counter()  # calls that would each cross to Excel (COM / AppleScript), by kind
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def excel_input(value: Any) -> tuple[Any, str | None]:
    """(stored value, formula) after Excel takes `value` typed into a cell."""
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:], None
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
    raise TypeError(f"xlwings cannot write {type(value).__name__}")


@dataclass
class Cell:
    value: Any = None
    formula: str | None = None
    color: tuple[int, int, int] | None = None
    number_format: str = "General"
    bold: bool = False
    font_color: tuple[int, int, int] | None = None
    note: Note | None = None
    link: str | None = None


class Note:
    def __init__(self, cell: Cell, text: str) -> None:
        self.cell, self._text = cell, text

    @property
    def text(self) -> str:
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text = value

    def delete(self) -> None:
        self.cell.note = None


class Font_:
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
    def color(self, value: tuple[int, int, int]) -> None:
        CALLS["set format"] += 1
        for c in self.rng.each(create=True):
            c.font_color = tuple(value)


class Range:
    def __init__(
        self, sheet: Sheet, r1: int, c1: int, r2: int, c2: int, ndim: int | None = None
    ) -> None:
        self.sheet, self.r1, self.c1, self.r2, self.c2, self.ndim = sheet, r1, c1, r2, c2, ndim

    def options(self, ndim: int | None = None, **_: Any) -> Range:
        return Range(self.sheet, self.r1, self.c1, self.r2, self.c2, ndim)

    def each(self, create: bool = False) -> list[Cell]:
        cells = []
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                cell = self.sheet.cells.get((r, c))
                if cell is None and create:
                    cell = self.sheet.cells[(r, c)] = Cell()
                if cell is not None:
                    cells.append(cell)
        return cells

    def _cell(self, r: int, c: int) -> Cell:
        return self.sheet.cells.setdefault((r, c), Cell())

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
    def last_cell(self) -> Range:
        return Range(self.sheet, self.r2, self.c2, self.r2, self.c2)

    @property
    def value(self) -> Any:
        CALLS["read values"] += 1
        grid = [
            [self._read(r, c) for c in range(self.c1, self.c2 + 1)]
            for r in range(self.r1, self.r2 + 1)
        ]
        if self.ndim == 2:
            return grid
        rows, cols = self.shape
        if rows == 1 and cols == 1:
            return grid[0][0]
        if rows == 1:
            return grid[0]
        if cols == 1:
            return [row[0] for row in grid]
        return grid

    def _read(self, r: int, c: int) -> Any:
        cell = self.sheet.cells.get((r, c))
        return None if cell is None else cell.value

    @value.setter
    def value(self, data: Any) -> None:
        CALLS["write values"] += 1
        if isinstance(data, (list, tuple)):
            rows = data if data and isinstance(data[0], (list, tuple)) else [data]
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    self._put(self._cell(self.r1 + i, self.c1 + j), v)
        else:
            for r in range(self.r1, self.r2 + 1):
                for c in range(self.c1, self.c2 + 1):
                    self._put(self._cell(r, c), data)

    @staticmethod
    def _put(cell: Cell, value: Any) -> None:
        cell.value, cell.formula = excel_input(value)
        if isinstance(cell.value, dt.datetime) and cell.number_format == "General":
            cell.number_format = "yyyy-mm-dd"  # Excel gives a date typed in a date format

    @property
    def color(self) -> tuple[int, int, int] | None:
        colours = {c.color for c in self.each()} if self.each() else {None}
        return (
            colours.pop()
            if len(colours) == 1 and len(self.each()) == self.shape[0] * self.shape[1]
            else None
        )

    @color.setter
    def color(self, value: tuple[int, int, int] | None) -> None:
        CALLS["set colour"] += 1
        for c in self.each(create=True):
            c.color = None if value is None else tuple(value)

    @property
    def number_format(self) -> str:
        return self._cell(self.r1, self.c1).number_format

    @number_format.setter
    def number_format(self, value: str) -> None:
        CALLS["set format"] += 1
        for c in self.each(create=True):
            c.number_format = value

    def clear_contents(self) -> None:
        CALLS["write values"] += 1
        for c in self.each():
            c.value, c.formula = None, None

    def clear_formats(self) -> None:
        """Range.ClearFormats: fills, fonts, number formats and the conditional formats that
        lie inside the range go."""
        CALLS["set format"] += 1
        for c in self.each():
            c.color, c.bold, c.font_color, c.number_format = None, False, None, "General"
        inside = lambda r: (  # noqa: E731
            self.r1 <= r[0] and self.c1 <= r[1] and r[2] <= self.r2 and r[3] <= self.c2
        )
        self.sheet.rules[:] = [r for r in self.sheet.rules if not inside(r["range"])]

    @property
    def font(self) -> Font_:
        return Font_(self)

    @property
    def conditional_formats(self) -> ConditionalFormats:
        return ConditionalFormats(self)

    @property
    def column_width(self) -> float:
        return self.sheet.widths.get(self.c1, 8.43)

    @column_width.setter
    def column_width(self, value: float) -> None:
        CALLS["set format"] += 1
        for c in range(self.c1, self.c2 + 1):
            self.sheet.widths[c] = value

    @property
    def note(self) -> Note | None:
        cell = self.sheet.cells.get((self.r1, self.c1))
        return None if cell is None else cell.note

    def add_note(self, text: str) -> Note:
        CALLS["notes and links"] += 1
        cell = self._cell(self.r1, self.c1)
        if cell.note is not None:
            raise RuntimeError("the cell already has a note")  # Excel's AddComment fails so
        cell.note = Note(cell, text)
        return cell.note

    def add_hyperlink(
        self, address: str, text_to_display: str | None = None, screen_tip: str | None = None
    ) -> None:
        CALLS["notes and links"] += 1
        cell = self._cell(self.r1, self.c1)
        cell.link = address
        cell.value = text_to_display if text_to_display is not None else address


def _hex(colour: tuple[int, int, int]) -> str:
    return "".join(f"{v:02X}" for v in colour)


class ConditionalFormats:
    """`range.conditional_formats` (xlwings ≥ 0.37.5): the rules are kept on the sheet and saved."""

    def __init__(self, rng: Range) -> None:
        self.rng = rng

    def _add(self, **rule: Any) -> dict:
        CALLS["conditional formats"] += 1
        rule["range"] = (self.rng.r1, self.rng.c1, self.rng.r2, self.rng.c2)
        self.rng.sheet.rules.append(rule)
        return rule

    def add_cell_value(
        self,
        operator: str,
        formula1: Any,
        formula2: Any = None,
        *,
        fill_color=None,
        font_color=None,
        **_: Any,
    ) -> dict:
        assert operator in ("equal", "greater_than", "less_than", "between"), operator
        return self._add(
            kind="cell_value",
            operator=operator,
            formula1=formula1,
            fill=fill_color,
            font=font_color,
        )

    def add_custom(self, formula: str, *, fill_color=None, font_color=None, **_: Any) -> dict:
        assert isinstance(formula, str) and formula.startswith("="), formula
        return self._add(kind="custom", formula=formula, fill=fill_color, font=font_color)

    def add_color_scale(self, colors, *, thresholds=None, threshold_type: str = "number") -> dict:
        assert len(colors) in (2, 3) and (
            thresholds is None or list(thresholds) == sorted(thresholds)
        )
        return self._add(
            kind="color_scale",
            colors=list(colors),
            thresholds=list(thresholds or []),
            threshold_type=threshold_type,
        )

    def clear(self) -> None:
        CALLS["conditional formats"] += 1
        box = (self.rng.r1, self.rng.c1, self.rng.r2, self.rng.c2)
        self.rng.sheet.rules[:] = [r for r in self.rng.sheet.rules if r["range"] != box]

    def __len__(self) -> int:
        box = (self.rng.r1, self.rng.c1, self.rng.r2, self.rng.c2)
        return sum(r["range"] == box for r in self.rng.sheet.rules)


def _address(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", text.upper())
    column = 0
    for ch in match.group(1):
        column = column * 26 + ord(ch) - 64
    return int(match.group(2)), column


@dataclass
class Chart:
    charts: Charts
    left: float
    top: float
    width: float
    height: float
    chart_type: str = "column_clustered"
    source: Range | None = None

    def set_source_data(self, rng: Range) -> None:
        self.source = rng

    def delete(self) -> None:
        self.charts.items.remove(self)


class Charts:
    def __init__(self) -> None:
        self.items: list[Chart] = []

    def add(
        self, left: float = 0, top: float = 0, width: float = 355, height: float = 211
    ) -> Chart:
        CALLS["sheets and charts"] += 1
        chart = Chart(self, left, top, width, height)
        self.items.append(chart)
        return chart

    def __iter__(self):
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)


class Sheet:
    def __init__(self, book: Book, name: str) -> None:
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], Cell] = {}
        self.widths: dict[int, float] = {}
        self.rules: list[dict] = []  # conditional formats
        self.visible = True
        self.charts = Charts()

    def range(self, first: Any, last: Any = None) -> Range:
        r1, c1 = _address(first) if isinstance(first, str) else first
        r2, c2 = (r1, c1) if last is None else (_address(last) if isinstance(last, str) else last)
        return Range(self, r1, c1, r2, c2)

    def __getitem__(self, address: str) -> Range:
        return self.range(address)

    @property
    def used_range(self) -> Range:
        used = [k for k, c in self.cells.items() if c.value is not None or c.formula]
        if not used:
            return Range(self, 1, 1, 1, 1)
        return Range(self, 1, 1, max(r for r, _ in used), max(c for _, c in used))

    def clear(self) -> None:
        CALLS["sheets and charts"] += 1
        self.cells.clear()
        self.widths.clear()
        self.rules.clear()  # Cells.Clear takes conditional formats too

    def activate(self) -> None:
        self.book.active = self.name


class Sheets:
    def __init__(self, book: Book) -> None:
        self.book = book
        self.items: list[Sheet] = []

    def __getitem__(self, key: int | str) -> Sheet:
        if isinstance(key, int):
            return self.items[key]
        return next(s for s in self.items if s.name == key)

    def __iter__(self):
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def add(
        self, name: str | None = None, before: Sheet | None = None, after: Sheet | None = None
    ) -> Sheet:
        CALLS["sheets and charts"] += 1
        sheet = Sheet(self.book, name or f"Sheet{len(self.items) + 1}")
        index = self.items.index(before) if before else self.items.index(after) + 1 if after else 0
        self.items.insert(index, sheet)
        return sheet


class Books:
    def __init__(self, app: App) -> None:
        self.app = app
        self.opened: list[str] = []

    def open(self, path: str) -> Book:
        self.opened.append(path)
        return Book.load(Path(path), self.app)


@dataclass
class App:
    status_history: list[Any] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    books: Books = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.books = Books(self)

    @property
    def status_bar(self) -> Any:
        return self.status_history[-1] if self.status_history else False

    @status_bar.setter
    def status_bar(self, value: Any) -> None:
        self.status_history.append(value)

    def alert(
        self,
        prompt: str,
        title: str | None = None,
        buttons: str = "ok",
        mode: str | None = None,
        callback: str | None = None,
    ) -> str:
        self.alerts.append({"prompt": prompt, "title": title, "mode": mode})
        return "ok"


class Book:
    def __init__(self, fullname: Path, app: App) -> None:
        self.fullname, self.app = str(fullname), app
        self.name = fullname.name
        self.sheets = Sheets(self)
        self.saves = 0
        self.active = ""

    @classmethod
    def load(cls, path: Path, app: App | None = None) -> Book:
        """The workbook at `path` as Excel would show it (cached values, formulas kept)."""
        book = cls(path, app or App())
        values, formulas = load_workbook(path, data_only=True), load_workbook(path)
        for ws in formulas.worksheets:
            sheet = book.sheets.add(
                ws.title, after=book.sheets.items[-1] if book.sheets.items else None
            )
            sheet.visible = ws.sheet_state == "visible"
            cached = values[ws.title]
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None and c.comment is None and c.fill.fill_type != "solid":
                        continue
                    cell = Cell()
                    if isinstance(c.value, str) and c.value.startswith("="):
                        cell.value, cell.formula = (
                            excel_input(cached[c.coordinate].value)[0],
                            c.value,
                        )
                    else:
                        cell.value = (
                            excel_input(c.value)[0]
                            if not isinstance(c.value, str)
                            else (c.value or None)
                        )
                    if c.fill.fill_type == "solid" and isinstance(c.fill.fgColor.rgb, str):
                        cell.color = tuple(
                            int(c.fill.fgColor.rgb[i : i + 2], 16) for i in (2, 4, 6)
                        )
                    if c.comment is not None:
                        cell.note = Note(cell, c.comment.text)
                    cell.number_format = c.number_format
                    sheet.cells[(c.row, c.column)] = cell
        return book

    def save(self, path: str | None = None) -> None:
        """Write the book to .xlsx (values, formulas, fills, formats, notes, links)."""
        self.saves += 1
        wb = Workbook()
        wb.remove(wb.active)
        for sheet in self.sheets:
            ws = wb.create_sheet(sheet.name)
            ws.sheet_state = "visible" if sheet.visible else "hidden"
            for (r, c), cell in sheet.cells.items():
                target = ws.cell(r, c, cell.formula or cell.value)
                if cell.color:
                    target.fill = PatternFill(
                        "solid", fgColor="".join(f"{v:02X}" for v in cell.color)
                    )
                target.number_format = cell.number_format
                if cell.bold or cell.font_color:
                    colour = _hex(cell.font_color) if cell.font_color else None
                    target.font = Font(bold=cell.bold, color=colour)
                if cell.note:
                    target.comment = Comment(cell.note.text, "Excel")
                if cell.link:
                    target.hyperlink = cell.link
            for column, width in sheet.widths.items():
                ws.column_dimensions[_ref((1, column, 1, column)).split("1:")[0]].width = width
            for rule in sheet.rules:
                ws.conditional_formatting.add(_ref(rule["range"]), _openpyxl_rule(rule))
        wb.save(path or self.fullname)


def _ref(box: tuple[int, int, int, int]) -> str:
    from openpyxl.utils import get_column_letter

    r1, c1, r2, c2 = box
    return f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"


def _openpyxl_rule(rule: dict) -> Any:
    from openpyxl.formatting.rule import CellIsRule, ColorScaleRule

    if rule["kind"] == "color_scale":
        (a, b, c), (x, y, z) = rule["colors"], rule["thresholds"]
        return ColorScaleRule(
            start_type="num",
            start_value=x,
            start_color=_hex(a),
            mid_type="num",
            mid_value=y,
            mid_color=_hex(b),
            end_type="num",
            end_value=z,
            end_color=_hex(c),
        )
    if rule["kind"] == "custom":
        from openpyxl.formatting.rule import FormulaRule

        return FormulaRule(
            formula=[rule["formula"].lstrip("=")],
            fill=PatternFill("solid", bgColor=_hex(rule["fill"])),
            font=Font(color=_hex(rule["font"])),
        )
    operator = {"equal": "equal", "greater_than": "greaterThan", "less_than": "lessThan"}[
        rule["operator"]
    ]
    return CellIsRule(
        operator=operator,
        formula=[str(rule["formula1"]).lstrip("=")],
        fill=PatternFill("solid", bgColor=_hex(rule["fill"])),
        font=Font(color=_hex(rule["font"])),
    )
