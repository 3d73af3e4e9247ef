"""A formula xlsync itself puts in a sheet: the only value any writer enters as a formula.

Every other value — a teacher's text, the configuration, a school or class name — is text to
every writer whatever its first character (=, +, - or @), so nothing typed anywhere can become
a live formula in what xlsync writes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Formula:
    """An Excel formula (with its leading =) and the result xlsync computed for it, which the
    file writer stores as the cached value so readers that do not recalculate see it."""

    text: str
    cached: float | None = None

    def __post_init__(self) -> None:
        if not self.text.startswith("="):
            raise ValueError(f"a formula starts with =: {self.text!r}")
