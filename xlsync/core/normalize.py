"""Turn raw cell values (whatever Excel, WPS, LibreOffice or a CSV gave) into typed values.

Each function takes one raw value and returns the typed value, or raises `CellProblem`
naming the finding code. Nothing here changes a workbook: only the in-memory copy is
normalized (full-width digits, stray spaces, the many ways people write a date).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xlsync.core.school_year import school_year_of
from xlsync.schema import MULTI_SEPARATORS, Column, Kind

EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_SERIAL = 2958465  # 9999-12-31
EXCEL_ERRORS = (
    "#REF!",
    "#VALUE!",
    "#DIV/0!",
    "#N/A",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_YEARLESS = re.compile(r"^(\d{1,2})月(\d{1,2})日?$")
# A time after the date, as Excel and WPS write a date-time as text: dropped before folding
# (folding removes the space and would glue the time to the day).
_TIME_TAIL = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*$")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")


@dataclass
class CellProblem(Exception):
    """A raw value that cannot become its column's type; `code` is a finding code."""

    code: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Normalized:
    """A typed value, plus the synonym it was written as (reported as a warning)."""

    value: Any
    synonym_of: str | None = None
    year_inferred: int | None = None  # a date typed without its year (9月3日): the year taken


def is_blank(raw: Any) -> bool:
    """True for an empty cell: None, '' or only white space."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def fold(raw: Any) -> str:
    """Text with full-width characters made half-width and every space removed."""
    text = unicodedata.normalize("NFKC", _as_text(raw))
    return "".join(text.split())


NAME_SEPARATORS = re.compile(r"[、，,;；\s]+")


def fold_names(raw: Any) -> str:
    """One name folded as `fold` does, or several (a group record) joined by 、: the spaces
    that separate names survive folding, as 、."""
    text = unicodedata.normalize("NFKC", _as_text(raw))
    return "、".join(fold(part) for part in NAME_SEPARATORS.split(text.strip()) if part)


def _as_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw)


def clean_text(raw: Any) -> str:
    """Free text with its outer spaces trimmed and inner runs of spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", _as_text(raw)).split())


def parse_date(raw: Any) -> dt.date:
    """A date from a datetime, an Excel serial number, or text in the common Chinese forms."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _from_serial(raw)
    text = _date_text(raw)
    for pattern in _DATE_PATTERNS:
        if match := pattern.match(text):
            year, month, day = match.groups()
            return _make_date(year, month, day)
    raise CellProblem("date-invalid")


def _date_text(raw: Any) -> str:
    """The text of a date cell, folded, without a trailing time of day."""
    text = unicodedata.normalize("NFKC", _as_text(raw)).strip()
    return fold(_TIME_TAIL.sub("", text))


def parse_school_date(raw: Any, school_year: int) -> Normalized:
    """A date as `parse_date` reads it; `9月3日` (no year) falls in the school year starting in
    the autumn of `school_year`: September–December in that year, January–August in the next."""
    match = None if isinstance(raw, (dt.date, int, float)) else _YEARLESS.match(_date_text(raw))
    if match is None:
        return Normalized(parse_date(raw))
    month, day = int(match.group(1)), int(match.group(2))
    year = school_year if month >= 9 else school_year + 1
    return Normalized(_make_date(str(year), str(month), str(day)), year_inferred=year)


def _from_serial(serial: float) -> dt.date:
    if not (1 <= serial <= MAX_SERIAL) or serial != int(serial):
        raise CellProblem("date-invalid")
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _make_date(year: str, month: str, day: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellProblem("date-invalid") from None


def parse_id_card(raw: Any) -> str:
    """An ID number as 18 upper-case characters; a number Excel mangled is reported."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if abs(raw) >= 1e15:  # beyond float precision: the last digits are already gone
            raise CellProblem("id-damaged")
        return _as_text(raw)
    text = fold(raw).upper()
    if _SCIENTIFIC.match(text):
        raise CellProblem("id-damaged")
    return text


def parse_phone(raw: Any) -> str:
    """A phone number as text; an integer-valued float (a mobile typed as number) is exact."""
    return fold(raw).replace("—", "-").replace("－", "-")


def parse_int(col: Column, raw: Any) -> int:
    """A whole number within the column's bounds."""
    bounds = {"low": col.min_value, "high": col.max_value}
    try:
        number = float(fold(raw)) if not isinstance(raw, (int, float)) else float(raw)
    except ValueError:
        raise CellProblem("int-invalid", bounds) from None
    if not number.is_integer():
        raise CellProblem("int-invalid", bounds)
    value = int(number)
    if (col.min_value is not None and value < col.min_value) or (
        col.max_value is not None and value > col.max_value
    ):
        raise CellProblem("int-invalid", bounds)
    return value


def parse_choice(col: Column, raw: Any) -> Normalized:
    """One of the column's choices; a known synonym is accepted and flagged."""
    text = fold(raw)
    if text in col.choices or text in col.retired:
        return Normalized(text)
    if text in col.synonyms:
        return Normalized(col.synonyms[text], synonym_of=text)
    if text in col.renamed:
        return Normalized(col.renamed[text], synonym_of=text)
    raise CellProblem("choice-invalid", {"choices": "、".join(col.choices)})


def parse_multi(col: Column, raw: Any) -> Normalized:
    """Several choices separated by 、 , ， (and similar); returned as a tuple, each once.
    The first part written as a synonym or a former term is kept, to be reported."""
    parts = [p for p in re.split(f"[{re.escape(MULTI_SEPARATORS)}]+", clean_text(raw)) if p]
    parsed = [parse_choice(col, part) for part in parts]
    values = tuple(dict.fromkeys(p.value for p in parsed))
    if not values:
        raise CellProblem("required-missing")
    written = next((p.synonym_of for p in parsed if p.synonym_of is not None), None)
    return Normalized(values, synonym_of=written)


_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(?:(\d{1,2})日?)?$"),
    re.compile(r"^(\d{4})(\d{2})()$"),
)


def parse_month(raw: Any) -> str:
    """A month as YYYY-MM (issue 19.2's 外出起始年月), from 2025-03, 2025.3, 2025年3月, 202503,
    a whole date (its month) or a date cell; a number such as 2025.3 reads its decimals as the
    month (2025.10 typed into a number cell arrives as 2025.1: the template stores text)."""
    if isinstance(raw, dt.date) or _is_serial(raw):
        day = parse_date(raw)
        return f"{day.year:04d}-{day.month:02d}"
    text = _date_text(raw)
    for pattern in _MONTH_PATTERNS:
        if match := pattern.match(text):
            year, month = int(match.group(1)), int(match.group(2))
            if 1900 <= year <= 2100 and 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
    raise CellProblem("month-invalid")


def _is_serial(raw: Any) -> bool:
    """A whole number past 9999: an Excel date serial (not 2025.3, not a bare year)."""
    whole = isinstance(raw, int) or (isinstance(raw, float) and raw.is_integer())
    return whole and not isinstance(raw, bool) and raw > 9999


_PARSERS: dict[Kind, Callable[[Column, Any], Any]] = {
    Kind.TEXT: lambda col, raw: clean_text(raw),
    Kind.NAME: lambda col, raw: fold(raw),
    Kind.NAMES: lambda col, raw: fold_names(raw),
    Kind.DATE: lambda col, raw: parse_date(raw),
    Kind.ENUM: parse_choice,
    Kind.MULTI: parse_multi,
    Kind.PHONE: lambda col, raw: parse_phone(raw),
    Kind.ID_CARD: lambda col, raw: parse_id_card(raw),
    Kind.STUDENT_NO: lambda col, raw: fold(raw).upper(),
    Kind.INT: parse_int,
    Kind.MONTH: lambda col, raw: parse_month(raw),
}


def normalize_cell(col: Column, raw: Any, school_year: int | None = None) -> Normalized:
    """The typed value of one cell of `col`; None for a blank cell (or its default).
    `school_year` (its first calendar year) dates a day typed without its year; without it,
    the school year of today is taken."""
    if is_blank(raw):
        return Normalized(parse_choice(col, col.default).value if col.default else None)
    if isinstance(raw, str) and raw.strip() in EXCEL_ERRORS:
        raise CellProblem("cell-error")
    if col.kind is Kind.DATE:
        return parse_school_date(raw, school_year or _this_school_year())
    result = _PARSERS[col.kind](col, raw)
    return result if isinstance(result, Normalized) else Normalized(result)


def _this_school_year() -> int:
    return int(school_year_of(dt.date.today())[:4])
