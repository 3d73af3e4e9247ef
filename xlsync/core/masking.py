"""Masking minors' personal data before it leaves the school (sync, masked exports).

Policy (同步脱敏 = 是, the default):
- 身份证号: first 3 and last 4 characters kept: 430***********1234 (11 stars);
- 学籍号: the letter and first 3 digits and last 4 kept: G430***********1234;
- phone numbers: mobile 138****5678; landline 0731-****1234;
- 家庭住址: cut after the township (镇, 乡 or 街道): 某某县青山镇; without one, only the first
  6 characters are kept, followed by ……;
- anywhere else in any text (messages, 学生编号, values in 校验问题), the same patterns are
  masked, and any other run of 7 or more digits, or a number in scientific notation (a
  damaged ID), is replaced by stars.
Names are kept: the principal and the county office need them to act.
"""

from __future__ import annotations

import re
from typing import Any

ADDRESS_COLUMNS = ("家庭住址",)
_ID = re.compile(r"(?<![0-9A-Za-z])([GLJ]?\d{3})(\d{11})(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][+]?\d+")
_DIGIT_RUN = re.compile(r"\d{7,}")
_TOWNSHIP = re.compile(r"^(.*?(?:镇|乡|街道))")


def _stars(match: re.Match[str]) -> str:
    return match.group(1) + "*" * len(match.group(2)) + match.group(3)


def mask_text(text: str) -> str:
    """`text` with every ID number, 学籍号, phone number and long digit run masked."""
    text = _SCIENTIFIC.sub("****", text)
    text = _ID.sub(lambda m: m.group(1) + "*" * 11 + m.group(3), text)
    text = _MOBILE.sub(_stars, text)
    text = _LANDLINE.sub(_stars, text)
    return _DIGIT_RUN.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)


def mask_address(text: str) -> str:
    """An address cut to the township."""
    match = _TOWNSHIP.match(text)
    return match.group(1) if match else text[:6] + "……"


def mask_cell(value: Any, header: str = "") -> Any:
    """One cell as it may leave the school; numbers that could be IDs or phones become text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if abs(value) < 1_000_000:
            return value
        value = (
            repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))
        )
    if not isinstance(value, str):
        return value
    if header in ADDRESS_COLUMNS:
        return mask_address(value)
    return mask_text(value)


def mask_rows(rows: list[list[Any]]) -> list[list[Any]]:
    """A table (header row first) with every cell masked by its column's header."""
    if not rows:
        return rows
    header = [str(h) if h is not None else "" for h in rows[0]]
    masked = [list(rows[0])]
    for row in rows[1:]:
        masked.append(
            [mask_cell(v, header[i] if i < len(header) else "") for i, v in enumerate(row)]
        )
    return masked
