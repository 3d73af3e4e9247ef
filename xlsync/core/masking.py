"""Masking minors' personal data before it leaves the school (sync, masked exports, logs).

Policy (同步脱敏 = 是, the default), by what a value is, not by which column it sits in:
- 身份证号, 学籍号 and 学生编号 (a key derived from them) never leave in clear: they become a
  keyed pseudonym (HMAC-SHA256 with the school's key, kept beside the master) that matches
  rows across syncs and cannot be reversed without the key; without a key they are blanked;
- 出生日期 leaves as the year of birth only (digits 7-14 of an ID are the birth date, so a
  full date plus a partly masked ID rebuilds the ID);
- dates and times (2026-11-29 11:37) are kept: the run's timestamps are not personal;
- phone numbers in any spelling (spaces, dashes, dots, full-width digits, +86): 138****5678;
- any other run of 7 or more digits, stars or X with separators (IDs, 学籍号, half-masked
  IDs): all stars;
- 家庭住址: cut after a township (镇, 乡 or 街道) near the start; addresses inside free text
  (…村…组/号) are replaced by 「（地址已隐去）」;
- 重病 (issue 19.3) leaves as 是/否 only: a named illness is health data the county does not
  need to count children (残疾类别/等级 and the health choices are coded categories and stay);
- 变更记录 详情 of a personal field says only that the field changed;
- 校验问题 rows: the quoted 内容 is masked by the column it came from (列), and so is the
  message that quotes it (`mask_quoted`, the same rendering as `Finding.masked`).
- a 安全事件 (issue 19.4) is the exception to names: the child's name becomes a keyed
  pseudonym and what was found and done is withheld, wherever the event shows (安全事件汇总,
  its lines of 逾期清单, findings on the 安全事件 sheet); 概览 counts events by class only.
Names are kept otherwise: the principal and the county office need them to act. School years
(2026-2027) and dates in messages are kept: they are not personal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Any

ADDRESS_COLUMNS = ("家庭住址", "委托照护人住址")  # the second: issue 19.1
PSEUDONYM_COLUMNS = ("身份证号", "学籍号", "学生编号")
BIRTH_COLUMNS = ("出生日期",)
ILLNESS_COLUMNS = ("重病",)  # 否, 是, or the illness named: only 是/否 leaves
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
# a date, or a date and time: the number-like span of 2026-11-29 11:37 stops at the colon, so
# the hour is the span's end (汇总时间, 导出时间 and 同步时间 are not personal)
_DATE = re.compile(r"^(?:19|20)\d\d[-./]\d{1,2}[-./]\d{1,2}(?:\s\d{1,2})?$")
_SCHOOL_YEAR = re.compile(r"^((?:19|20)\d\d)\s*[-–—~]\s*((?:19|20)\d\d)$")
_ANY_DATE = re.compile(r"((?:19|20)\d\d)[-./年]\d{1,2}[-./月]\d{1,2}日?")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][+]?\d+")
_TOWNSHIP = re.compile(r"^([^\d\s（(]{1,10}?(?:镇|乡|街道))")
_FREE_ADDRESS = re.compile(
    r"[\u4e00-\u9fff]{0,12}(?:村|社区|小区|街|路)(?:[\d*一二三四五六七八九十]+(?:组|号|队|栋|单元|室|楼))+"
)
# full-width digits and signs typed in Chinese input mode; other punctuation is left as typed
_HALF_WIDTH = str.maketrans("０１２３４５６７８９＋－．", "0123456789+-.")
# where mask_text changes a text: one that nothing here matches is left exactly as it is (the
# Parquet of issue 23.3 scans whole columns with it and masks only the cells it finds)
TEXT_CHANGED = re.compile(
    "|".join(p.pattern for p in (_SCIENTIFIC, _NUMBERISH, _FREE_ADDRESS)) + "|[０-９＋－．]"
)


def _number(match: re.Match[str]) -> str:
    """A number-like span: a phone keeps its first 3 and last 4 digits, anything else is stars."""
    token = match.group()
    symbols = re.sub(r"[^\d*Xx]", "", token)
    if len(symbols) < 7 or _DATE.match(token) or _school_year(token):  # not personal
        return token
    phone = _PHONE.match(symbols)
    if phone:
        return phone.group(1) + "****" + phone.group(3)
    return "*" * 8


def _school_year(token: str) -> bool:
    years = _SCHOOL_YEAR.match(token.strip())
    return years is not None and int(years.group(2)) == int(years.group(1)) + 1


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


def illness_shown(text: str) -> str:
    """重病 as it may leave the school: 否 as typed, anything else (是, or the illness) as 是."""
    return text if text.strip() in ("", "否") else "是"


def mask_quoted(text: str, column: str = "") -> str:
    """A value quoted in a message, masked by the column it came from and by what it is: an ID
    or 学籍号 keeps its shape (letters, length) with every digit a star, so a teacher still sees
    that one is 17 long; a birth date keeps its year; an address its township."""
    if not text:
        return text
    if column in PSEUDONYM_COLUMNS:
        return re.sub(r"\d", "*", text.translate(_HALF_WIDTH))
    if column in ILLNESS_COLUMNS:
        return illness_shown(text)
    if column in BIRTH_COLUMNS:
        return _birth_shown(text)
    if column in ADDRESS_COLUMNS:
        return mask_text(mask_address(text))
    return mask_text(text)


def _digits(text: str) -> str:
    """The digits of `text` (a split at a shorter value could cut a phone into short runs)."""
    return re.sub(r"\D", "", text.translate(_HALF_WIDTH))


def _birth_shown(text: str) -> str:
    year = birth_year(text)
    return f"{year}-**-**" if year else re.sub(r"\d", "*", text)


_PLACEHOLDER = "\x00"
BIRTH_DETAILS = ("id_birth", "birth")  # message details that are a child's birth date
BIRTH_CODES = ("id-birth-mismatch",)  # the finding codes whose message has them (tested)
KEPT_DETAILS = ("other_file",)  # a file path, shown like the finding's own `file`


def mask_detail_value(key: str, text: str) -> str:
    """One detail of a finding's message (see findings.CATALOG) as it may leave the school."""
    if key in KEPT_DETAILS:
        return text
    if key in BIRTH_DETAILS:
        return _birth_shown(text)
    return mask_text(text)


def mask_issue(value: Any, column: str, message: str, code: str = "") -> tuple[Any, str]:
    """A 校验问题 row's 内容 and 问题与改法: the value masked by its column (列), the message with
    that value quoted masked, and birth dates cut to the year where the message quotes them."""
    typed = "" if value is None else str(value)
    shown = mask_quoted(typed, column)
    if len(_digits(typed)) >= 7:  # the quoted value masked by its column, the rest by what it is
        message = _PLACEHOLDER.join(mask_text(part) for part in message.split(typed))
    else:
        message = mask_text(message)
    if column in PSEUDONYM_COLUMNS or code in BIRTH_CODES:
        message = _ANY_DATE.sub(lambda m: f"{m.group(1)}-**-**", message)
    return (shown if typed else value), message.replace(_PLACEHOLDER, shown)


def mask_cell(value: Any, header: str = "", key: bytes | None = None) -> Any:
    """One cell as it may leave the school; numbers that could be IDs or phones become text."""
    if value is None or isinstance(value, bool) or value == "":
        return value
    if header in PSEUDONYM_COLUMNS:
        return pseudonym(value, key)
    if header in BIRTH_COLUMNS:
        return birth_year(value)
    if header in ILLNESS_COLUMNS:
        return illness_shown(str(value))
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


ISSUE_VALUE, ISSUE_COLUMN, ISSUE_MESSAGE, ISSUE_CODE = "内容", "列", "问题与改法", "代码"


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
    if {ISSUE_VALUE, ISSUE_COLUMN, ISSUE_MESSAGE} <= set(header):
        _mask_issues(header, rows, masked)
    _mask_incidents(header, rows, masked, key)  # issue 19.4
    return masked


def _mask_issues(header: list[str], rows: list[list[Any]], masked: list[list[Any]]) -> None:
    """校验问题: the 内容 and message of each row again, knowing the column the value came from."""
    names = (ISSUE_VALUE, ISSUE_COLUMN, ISSUE_MESSAGE, ISSUE_CODE)
    at = [header.index(name) if name in header else len(header) for name in names]
    for row, out in zip(rows[1:], masked[1:], strict=True):
        value, column, message, code = (row[i] if i < len(row) else None for i in at)
        if value in (None, "") and message in (None, ""):
            continue
        out[at[0]], out[at[2]] = _issue_masker()(
            value, str(column or ""), str(message or ""), str(code or "")
        )


def _issue_masker() -> Any:
    """findings.mask_issue_row (re-renders a message from its code's template, falling back to
    `mask_issue`); imported here because findings imports this module."""
    from xlsync.core.findings import mask_issue_row

    return mask_issue_row


_SIZE = re.compile(r"(\d+ ?[行列])")


def mask_message(text: str) -> str:
    """One of xlsync's own messages (not text a teacher typed), masked: what it quotes of a
    file or of Google's answer is masked, its sizes (1048576 行 × 16384 列) are not."""
    return "".join(part if _SIZE.fullmatch(part) else mask_text(part) for part in _SIZE.split(text))


def mask_failures(failed: list[dict[str, str]]) -> list[dict[str, str]]:
    """Files that could not be read, as the CLI prints them: their messages masked."""
    return [{**item, "message": mask_message(item.get("message") or "")} for item in failed]


# ---- issue 19.4: a 安全事件 leaves the school without the child's name or what happened

WITHHELD = "（只在校内查看）"
INCIDENT_TEXT_COLUMNS = ("发现情况", "处理结果", "跟进")  # what was found and done: never sent
INCIDENT_SHEET_NAMES = ("安全事件",)  # the class sheet, as 校验问题 names it


def incident_private(sheet: Any, column: Any) -> bool:
    """A cell of a class's 安全事件 sheet that names the child or tells what happened."""
    return sheet in INCIDENT_SHEET_NAMES and column in ("学生姓名", *INCIDENT_TEXT_COLUMNS)


def incident_pseudonym(class_name: Any, name: Any, key: bytes | None) -> str:
    """The stand-in for a child named in a 安全事件: the same in 安全事件汇总 and 逾期清单, so
    the county can tell two events of one child apart from two children, and unlike the
    学生编号 of 全校档案 (which would lead back to the name)."""
    if name in (None, ""):
        return ""
    return pseudonym(f"安全事件|{class_name or ''}|{name}", key)


def _mask_incidents(
    header: list[str], rows: list[list[Any]], masked: list[list[Any]], key: bytes | None
) -> None:
    """Rows about a 安全事件, masked further than the cells alone say: in 安全事件汇总 the name
    becomes `incident_pseudonym`, 学生编号 goes and the free text is withheld; in 逾期清单 an
    event's line names the child by the same pseudonym; in 校验问题 a finding on the 安全事件
    sheet quotes neither the name nor the text."""
    from xlsync.core.incidents import RULE  # imported here: incidents imports the findings

    at = {h: i for i, h in enumerate(header)}
    for row, out in zip(rows[1:], masked[1:], strict=True):
        cell = dict(zip(header, row, strict=False))
        if "发现情况" in at:  # 安全事件汇总
            out[at["学生姓名"]] = incident_pseudonym(cell.get("班级"), cell.get("学生姓名"), key)
            for text in (*INCIDENT_TEXT_COLUMNS, "学生编号"):
                if text in at and out[at[text]] not in (None, ""):
                    out[at[text]] = WITHHELD if text != "学生编号" else None
        elif "帮扶事项" in at and "学生" in at and cell.get("帮扶事项") == RULE:  # 逾期清单
            out[at["学生"]] = incident_pseudonym(cell.get("班级"), cell.get("学生"), key)
        elif incident_private(cell.get("工作表"), cell.get(ISSUE_COLUMN)) and cell.get(ISSUE_VALUE):
            typed = str(cell[ISSUE_VALUE])
            out[at[ISSUE_VALUE]] = WITHHELD
            out[at[ISSUE_MESSAGE]] = str(out[at[ISSUE_MESSAGE]]).replace(mask_text(typed), WITHHELD)
