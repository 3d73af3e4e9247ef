"""Masking minors' personal data before it leaves the school (sync, masked exports, logs).

Policy (同步脱敏 = 是, the default), by what a value is, not by which column it sits in:
- 身份证号, 学籍号 and 学生编号 (a key derived from them) never leave in clear: they become a
  keyed pseudonym (HMAC-SHA256 with the school's key, kept beside the master) that matches
  rows across syncs and cannot be reversed without the key; without a key they are blanked;
- 出生日期 leaves as the year of birth only (digits 7-14 of an ID are the birth date, so a
  full date plus a partly masked ID rebuilds the ID);
- phone numbers in any spelling (spaces, dashes, dots, full-width digits, +86): 138****5678;
- any other run of 7 or more digits, stars or X with separators (IDs, 学籍号, half-masked
  IDs): all stars;
- 家庭住址: cut after a township (镇, 乡 or 街道) near the start; addresses inside free text
  (…村…组/号) are replaced by 「（地址已隐去）」;
- 变更记录 详情 of a personal field says only that the field changed.
Names are kept: the principal and the county office need them to act.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Any

ADDRESS_COLUMNS = ("家庭住址",)
PSEUDONYM_COLUMNS = ("身份证号", "学籍号", "学生编号")
BIRTH_COLUMNS = ("出生日期",)
PERSONAL_FIELDS = (
    "身份证号",
    "学籍号",
    "出生日期",
    "家庭住址",
    "电话",
)
ADDRESS_HIDDEN = "（地址已隐去）"
_NUMBERISH = re.compile(r"[+]?[\d*Xx](?:[\d*Xx]|[\s\-.·()]){5,}[\d*Xx]")
_PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d)(\d{4})(\d{4})$")
_DATE = re.compile(r"^(?:19|20)\d\d[-./]\d{1,2}[-./]\d{1,2}$")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][+]?\d+")
_TOWNSHIP = re.compile(r"^([^\d\s（(]{1,10}?(?:镇|乡|街道))")
_FREE_ADDRESS = re.compile(
    r"[\u4e00-\u9fff]{0,12}(?:村|社区|小区|街|路)(?:[\d*一二三四五六七八九十]+(?:组|号|队|栋|单元|室|楼))+"
)
# full-width digits and signs typed in Chinese input mode; other punctuation is left as typed
_HALF_WIDTH = str.maketrans("０１２３４５６７８９＋－．", "0123456789+-.")


def _number(match: re.Match[str]) -> str:
    """A number-like span: a phone keeps its first 3 and last 4 digits, anything else is stars."""
    token = match.group()
    symbols = re.sub(r"[^\d*Xx]", "", token)
    if len(symbols) < 7 or _DATE.match(token):  # dates are kept: messages quote them
        return token
    phone = _PHONE.match(symbols)
    if phone:
        return phone.group(1) + "****" + phone.group(3)
    return "*" * 8


def mask_text(text: str) -> str:
    """`text` with every ID, 学籍号, phone, long digit run and address masked, in any spelling."""
    text = text.translate(_HALF_WIDTH)
    text = _SCIENTIFIC.sub("****", text)
    text = _NUMBERISH.sub(_number, text)
    return _FREE_ADDRESS.sub(ADDRESS_HIDDEN, text)


def mask_address(text: str) -> str:
    """An address cut to the township, or to its first 4 characters without one near the start."""
    text = text.translate(_HALF_WIDTH)
    match = _TOWNSHIP.match(text)
    return match.group(1) if match else text[:4] + "……"


def pseudonym(value: Any, key: bytes | None) -> str:
    """A keyed, irreversible stand-in for an identifier; blank without a key."""
    text = str(value).strip()
    if not text or key is None:
        return ""
    return "P" + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:12]


def birth_year(value: Any) -> Any:
    """The year of a birth date, whatever its spelling."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year
    found = re.search(r"(19|20)\d\d", str(value).translate(_HALF_WIDTH))
    return int(found.group()) if found else ""


def mask_detail(text: str) -> str:
    """A 变更记录 详情: changes to a personal field say only which field changed."""
    parts = []
    for part in re.split(r"[；;]", text):
        field = part.split("：", 1)[0].strip()
        personal = "：" in part and any(p in field for p in PERSONAL_FIELDS)
        parts.append(f"{field}：已修改（内容只在校内查看）" if personal else mask_text(part))
    return "；".join(parts)


def mask_cell(value: Any, header: str = "", key: bytes | None = None) -> Any:
    """One cell as it may leave the school; numbers that could be IDs or phones become text."""
    if value is None or isinstance(value, bool) or value == "":
        return value
    if header in PSEUDONYM_COLUMNS:
        return pseudonym(value, key)
    if header in BIRTH_COLUMNS:
        return birth_year(value)
    if isinstance(value, (int, float)):
        if abs(value) < 1_000_000:
            return value
        value = (
            repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))
        )
    if not isinstance(value, str):
        return value
    if header in ADDRESS_COLUMNS:
        return mask_text(mask_address(value))
    if header == "详情":
        return mask_detail(value)
    return mask_text(value)


def mask_rows(rows: list[list[Any]], key: bytes | None = None) -> list[list[Any]]:
    """A table (header row first) with every cell masked by what it is."""
    if not rows:
        return rows
    header = [str(h) if h is not None else "" for h in rows[0]]
    masked = [list(rows[0])]
    for row in rows[1:]:
        masked.append(
            [mask_cell(v, header[i] if i < len(header) else "", key) for i, v in enumerate(row)]
        )
    return masked
