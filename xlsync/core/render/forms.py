"""The vocabulary of the printed forms of 一生一档 (issue 20): a `Form` says what goes in which
cell of an eight-column A4 grid, how tall each line is and where pages break. Pure; the forms
are laid out in core/render/dossier.py (档案卡) and core/render/cards.py (联系卡, 谈心记录卡),
and files/dossier_writer.py draws them with openpyxl."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from xlsync.core.render.layout import Column, lines

# Cell styles the writer knows
TITLE, BAND, SECTION, LABEL, VALUE, HEAD, NOTE, CUT = (
    "title",
    "band",
    "section",
    "label",
    "value",
    "head",
    "note",
    "cut",
)
WIDTHS = (12.0, 13.0, 11.0, 13.0, 11.0, 13.0, 11.0, 11.0)  # 529 pt: A4 portrait at 100 %
ROW = 16.0  # one line of 10 pt text
LINE = 12.5  # each further wrapped line
PAGE = 735.0  # points of a portrait A4 page below the repeated band, with a safety margin
RECORD_ROWS = 20  # a 记录卡 has at least this many record rows, the blank ones ruled to fill
MIN_BLANK = 4
CONFIDENTIAL = "内部资料 注意保密"


@dataclass(frozen=True)
class Cell:
    value: Any = ""
    span: int = 1
    style: str = VALUE


@dataclass(frozen=True)
class Line:
    cells: tuple[Cell, ...]
    height: float = ROW


@dataclass
class Form:
    """One printed sheet: its lines top to bottom, page breaks after lines, the repeated band."""

    name: str
    lines: list[Line] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)  # 1-based line numbers a page ends after
    footer: tuple[str, str, str] = ("", "", "")
    widths: tuple[float, ...] = WIDTHS
    shrink: bool = False  # cells shrink to fit instead of wrapping (the fixed-size 联系卡)

    def add(self, *cells: Cell, height: float | None = None) -> None:
        fixed = ROW if self.shrink else None  # shrunk cells never need a taller line
        self.lines.append(Line(cells, height or fixed or fitted(cells, self.widths)))

    def page_break(self) -> None:
        self.breaks.append(len(self.lines))


@dataclass(frozen=True)
class Heading:
    """What every page of the printout says it is."""

    school: str
    term: str
    as_of: str


def fitted(cells: Sequence[Cell], widths: Sequence[float]) -> float:
    """The height of a line whose cells wrap within their merged widths."""
    most, start = 1, 0
    for cell in cells:
        room = sum(widths[start : start + cell.span])
        most = max(most, lines(cell.value, Column(room, True), bold=cell.style != VALUE))
        start += cell.span
    return ROW + LINE * (most - 1)


def L(text: str, span: int = 1) -> Cell:  # noqa: N802 (a label, read like a form)
    return Cell(text, span, LABEL)


def V(value: Any, span: int = 1) -> Cell:  # noqa: N802
    return Cell(value, span, VALUE)


def band(form: Form, heading: Heading, title: str) -> None:
    form.add(
        Cell(f"{heading.school}　{title}　{heading.term}", 6, BAND),
        Cell(CONFIDENTIAL, 2, BAND),
    )
    form.footer = (
        f"{heading.school}　{title}",
        "第 &P 页 共 &N 页",
        f"{heading.as_of}　{CONFIDENTIAL}",
    )


def joined(*parts: str) -> str:
    return "；".join(p for p in parts if p)
