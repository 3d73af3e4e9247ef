"""The vocabulary of a rendered sheet: cells, looks, conditional rules, links, widths, print
setup. Pure data; an engine draws it (openpyxl, xlwings or the Sheets API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

CONTAINS: Final = "contains"
GREATER_THAN: Final = "greater_than"


@dataclass(frozen=True)
class Box:
    """A rectangle of cells, 1-based and inclusive."""

    row: int
    column: int
    last_row: int
    last_column: int


@dataclass(frozen=True)
class Look:
    """Static formatting of a box; None leaves that part as it is."""

    fill: str | None = None  # RRGGBB
    font: str | None = None  # RRGGBB
    bold: bool = False
    centred: bool = False
    number_format: str | None = None
    wrap: bool = False  # long text wraps inside the column (and the row grows)


@dataclass(frozen=True)
class CondRule:
    """A conditional format: cells containing `value` (text) or greater than it (numbers)."""

    box: Box
    kind: Literal["contains", "greater_than"]
    value: str
    fill: str
    font: str


@dataclass(frozen=True)
class Link:
    """A cell that links to a cell of another sheet of the same workbook."""

    row: int
    column: int
    sheet: str
    cell: str


def link_tip(sheet: str, cell: str, book: str = "") -> str:
    """What a link says under the mouse (Excel's own default through xlwings is English)."""
    where = f"「{book}」的" if book else ""
    return f"单击跳到{where}「{sheet}」表的 {cell} 单元格"


@dataclass(frozen=True)
class Caption:
    """What every printed page of a sheet says it is: school, class (if one), sheet, as-of."""

    school: str = ""
    sheet: str = ""
    class_name: str = ""
    as_of: str = ""

    def footer(self) -> tuple[str, str, str]:
        """Left, centre and right footer in Excel's header/footer codes (&P page, &N pages,
        &A the sheet's name when none is given; a typed & is doubled)."""
        names = [n.replace("&", "&&") for n in (self.school, self.class_name) if n]
        left = "　".join([*names, self.sheet.replace("&", "&&") or "&A"])
        right = f"截至 {self.as_of}" if self.as_of else ""
        return left, "第 &P 页 共 &N 页", right


NO_CAPTION: Final = Caption()


@dataclass(frozen=True)
class PrintSetup:
    """A4 printing of a sheet (core/render/layout.py chooses it from the widths)."""

    landscape: bool = True
    fit_width: bool = True  # shrunk to one page wide (never below 8 pt, see layout.py)
    scale: int = 100  # used when not fitted
    title_rows: int = 1  # repeated on every printed page
    title_columns: int = 0  # key columns repeated on every column group
    column_breaks: tuple[int, ...] = ()  # a new page starts after each of these columns
    caption: Caption = NO_CAPTION
    fit_height: int = 0  # pages tall when fitted (0: as many as the rows take; 概览: 1)


DEFAULT_PRINT: Final = PrintSetup()


@dataclass(frozen=True)
class Mark:
    """A teacher's cell xlsync marks: its fill, and a note unless the teacher wrote one."""

    sheet: str
    cell: str
    fill: str
    note: str


@dataclass
class SheetSpec:
    """What one sheet shows of xlsync's: `rows` written with their top left at `origin`.

    `whole` sheets belong to xlsync and are rebuilt; otherwise only `clear` (emptied of values,
    formats and rules first) and the written cells are touched."""

    name: str
    rows: list[list[Any]]
    origin: tuple[int, int] = (1, 1)
    whole: bool = True
    hidden: bool = False
    clear: list[Box] = field(default_factory=list)
    looks: list[tuple[Box, Look]] = field(default_factory=list)
    rules: list[CondRule] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)  # rows of wrapped text, in points
    hidden_columns: tuple[int, ...] = ()  # kept in the sheet, not shown or printed
    frozen_rows: int = 0
    filtered: bool = False
    printing: PrintSetup | None = None

    @property
    def last_row(self) -> int:
        return self.origin[0] + max(len(self.rows), 1) - 1

    @property
    def last_column(self) -> int:
        return self.origin[1] + max((len(r) for r in self.rows), default=1) - 1


def height_runs(heights: dict[int, float]) -> list[tuple[int, int, float]]:
    """(first row, last row, height) of each run of consecutive rows of one height: an engine
    that sets heights a call at a time (Excel, the Sheets API) sets a run in one."""
    runs: list[list[Any]] = []
    for row, height in sorted(heights.items()):
        if runs and runs[-1][1] == row - 1 and runs[-1][2] == height:
            runs[-1][1] = row
        else:
            runs.append([row, row, height])
    return [(a, b, h) for a, b, h in runs]
