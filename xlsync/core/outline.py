"""A document as plain data: headings, paragraphs, tables and charts in reading order.

The Word draft of the 工作总结 (issue 21) is composed here, in the core, as an `Outline`;
xlsync/files/report_docx.py lays it out with python-docx and xlsync/files/charts.py draws
its charts, so what the draft says is testable without either library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Cell = str | int | float


@dataclass(frozen=True)
class Heading:
    """A section heading; level 1 is 一、…, level 2 is （一）…."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """Body text; a placeholder is the lead's to replace and is marked so it stands out.
    Right-aligned text (the school and date under a 总结) has no first-line indent."""

    text: str
    placeholder: bool = False
    align: Literal["indent", "right"] = "indent"


@dataclass(frozen=True)
class Table:
    """A captioned table: one header row, then rows of text or numbers."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """A captioned chart drawn from plain series: one value per label in each series."""

    caption: str
    kind: Literal["bar", "line", "stacked"]
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    unit: str = ""


Block = Heading | Paragraph | Table | Chart


@dataclass(frozen=True)
class Outline:
    """A whole document: its title, a line under it, and its blocks."""

    title: str
    subtitle: str = ""
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]

    def text(self) -> str:
        """Every word of the document, for tests and for a quick look."""
        lines = [self.title, self.subtitle]
        for block in self.blocks:
            lines += _text_of(block)
        return "\n".join(lines)


def _text_of(block: Block) -> list[str]:
    if isinstance(block, Table):
        rows = [block.header, *block.rows]
        return [block.caption, *("\t".join(str(c) for c in row) for row in rows), block.note]
    if isinstance(block, Chart):
        return [block.caption]
    return [block.text]
