"""Formulas as a type: only xlsync's own code creates a `Formula` (the COUNTIF cross-check on
概览, the 合计 SUMs). Every writer writes a `Formula` as a formula and every `str` as text, so
a teacher's, a configuration's or a name's text that starts with = never becomes a live
formula (a 学校名称 of =HYPERLINK(…) stays the text it was typed as)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Formula:
    text: str  # with its leading =
    cached: float | None = None  # the result xlsync computed, stored for non-calculating readers

    def __post_init__(self) -> None:
        if not self.text.startswith("="):
            raise ValueError(f"a formula starts with =: {self.text!r}")


def sum_formula(letter: str, first: int, last: int) -> Formula:
    return Formula(f"=SUM({letter}{first}:{letter}{last})")
