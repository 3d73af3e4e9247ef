"""Chinese resident ID numbers (GB 11643-1999): check digit, birth date and sex digit."""

from __future__ import annotations

import datetime as dt
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
ID_FORM = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    """The 18th character that GB 11643 requires after these 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=False))
    return _CHECK[total % 11]


def problem(number: str) -> str | None:
    """Why an ID number cannot be right (its form or its check digit), None when it can."""
    if not ID_FORM.match(number) or birth_date(number) is None:
        return "格式不对（应为 18 位）"
    if number[17] != check_digit(number[:17]):
        return f"校验码不对（第18位应为 {check_digit(number[:17])}）"
    return None


def birth_date(number: str) -> dt.date | None:
    """The birth date written in digits 7–14, or None when it is not a real date."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def sex(number: str) -> str:
    """男 when the 17th digit is odd, 女 when even."""
    return "男" if int(number[16]) % 2 else "女"


def make_id(region: str, born: dt.date, sequence: int, sex_text: str) -> str:
    """A valid ID number (used by the demo generator and tests): 6-digit region, 3-digit order."""
    order = sequence * 2 % 1000 + (1 if sex_text == "男" else 0)
    first17 = f"{region}{born:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)
