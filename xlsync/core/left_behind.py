"""The two definitions of 留守儿童 in use at once (issue 19.2), computed from facts, never typed.

- 民政口径 (国务院《关于加强农村留守儿童关爱保护工作的意见》国发〔2016〕13号): both parents
  away, or one away and the other without capacity to care; under 16; 户籍 in 农村. 是 / 否, or
  待核实 when the answer hangs on a fact that is not filled in (出生日期, 户口性质).
- 学籍口径 (教育部 教基一〔2013〕1号: a parent away three months or more; the 学籍 system's code):
  0 非留守 / 1 单亲留守 / 2 双亲留守, counting the parents away at least N months (学校信息).

A parent is away from the month of her 外出起始年月 on; an old workbook's 留守类型 names who
is away with the start unknown, which counts as long enough (the teacher already judged the
child left-behind). Months count whole: away since 2026-06 is 3 months away in 2026-09.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xlsync.core.config import LEFT_BEHIND_DEFAULTS, SchoolConfig
from xlsync.core.normalize import fold, is_blank
from xlsync.core.periods import birthday_in
from xlsync.core.tables import Table, rows
from xlsync.errors import XlsyncError
from xlsync.schema import RURAL, URBAN

Facts = tuple[list[str], dict[int, list[Any]]]  # status columns of 学生档案: headers, row values
UNKNOWN = "不详"  # a parent away since a month nobody wrote down
MONTH_COLUMNS = ("父亲外出起始年月", "母亲外出起始年月")
LEGACY_AWAY = {  # 留守类型 → (father away, mother away)
    "父母均外出": (True, True),
    "父亲外出": (True, False),
    "母亲外出": (False, True),
}
CIVIL_HEADER, CODE_HEADER = "民政留守", "学籍留守代码"
HEADERS = (CIVIL_HEADER, CODE_HEADER)
CODE_TEXT = {0: "0 非留守", 1: "1 单亲留守", 2: "2 双亲留守"}
MONTHS_SETTING, NOTICE_SETTING = "学籍留守外出月数", "委托书面告知期限天数"


@dataclass(frozen=True)
class Situation:
    """What the definitions look at: each parent's 外出起始年月 (YYYY-MM, UNKNOWN, or None at
    home), 另一方无监护能力, the birth date and whether the 户籍 is rural (None: not known)."""

    father: str | None
    mother: str | None
    other_incapable: bool = False
    born: dt.date | None = None
    rural: bool | None = None


@dataclass(frozen=True)
class Settings:
    """学校信息's settings for the guardianship and 留守 rules."""

    months: int = int(LEFT_BEHIND_DEFAULTS[0])
    notice_days: int = int(LEFT_BEHIND_DEFAULTS[1])


def month_index(month: str | dt.date) -> int:
    """Months since year 0, so that differences are whole months."""
    if isinstance(month, dt.date):
        return month.year * 12 + month.month - 1
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def away_on(start: str | None, as_of: dt.date) -> bool:
    """Away at all on `as_of`: since a month not after as-of's, or since a month unknown."""
    return start is not None and (start == UNKNOWN or month_index(start) <= month_index(as_of))


def away_for(start: str | None, as_of: dt.date, months: int) -> bool:
    """Away for `months` whole months or more by `as_of` (an unknown start counts)."""
    if start is None:
        return False
    return start == UNKNOWN or month_index(as_of) - month_index(start) >= months


def sixteenth_birthday(born: dt.date) -> dt.date:
    """The day a child turns 16 (29 February falls on the 28th, as birthdays do elsewhere)."""
    return birthday_in(born.year + 16, born)


def under_16(born: dt.date | None, as_of: dt.date) -> bool | None:
    return None if born is None else as_of < sixteenth_birthday(born)


def no_parent_home(s: Situation, as_of: dt.date) -> bool:
    """Both parents away, or one away and the other without capacity to care."""
    away = [away_on(s.father, as_of), away_on(s.mother, as_of)]
    return all(away) or (any(away) and s.other_incapable)


def _all(*parts: bool | None) -> bool | None:
    """Three-valued AND: False wins, then unknown."""
    if any(p is False for p in parts):
        return False
    return None if any(p is None for p in parts) else True


def civil(s: Situation, as_of: dt.date) -> bool | None:
    """民政口径: True, False, or None when a missing fact decides."""
    return _all(no_parent_home(s, as_of), under_16(s.born, as_of), s.rural)


def enrolment_code(s: Situation, as_of: dt.date, months: int) -> int:
    """学籍口径: how many parents have been away `months` or more (0, 1 or 2)."""
    return sum(away_for(p, as_of, months) for p in (s.father, s.mother))


# ------------------------------------------------------------------ reading a row


def _start(typed: Any, raw: Any) -> str | None:
    """A parent's start month; a written but unreadable month counts as away, start unknown."""
    if typed is not None:
        return str(typed)
    return None if is_blank(raw) else UNKNOWN


def months_given(typed: dict[str, Any], raw: dict[str, Any]) -> bool:
    return any(not is_blank(raw.get(c)) or typed.get(c) is not None for c in MONTH_COLUMNS)


def situation_of(typed: dict[str, Any], raw: dict[str, Any] | None = None) -> Situation:
    """A 学生档案 row's situation: the start months when any is given, else 留守类型."""
    raw = raw or {}
    if months_given(typed, raw):
        father, mother = (_start(typed.get(c), raw.get(c)) for c in MONTH_COLUMNS)
    else:
        away = LEGACY_AWAY.get(typed.get("留守类型") or "", (False, False))
        father, mother = (UNKNOWN if a else None for a in away)
    rural = {RURAL: True, URBAN: False}.get(typed.get("户口性质") or "")
    return Situation(father, mother, typed.get("另一方无监护能力") == "是", _born(typed), rural)


def _born(typed: dict[str, Any]) -> dt.date | None:
    born = typed.get("出生日期")
    return born if isinstance(born, dt.date) else None


def civil_text(s: Situation, as_of: dt.date) -> str:
    found = civil(s, as_of)
    if found is not None:
        return "是" if found else "否"
    facts = (("出生日期", s.born is None), ("户口性质", s.rural is None))
    return "待核实：缺" + "、".join(name for name, gone in facts if gone)


def status_values(typed: dict[str, Any], raw: dict[str, Any], as_of: dt.date, months: int) -> list:
    """[民政留守, 学籍留守代码] of one row, as the status columns and 全校档案 show them."""
    s = situation_of(typed, raw)
    return [civil_text(s, as_of), CODE_TEXT[enrolment_code(s, as_of, months)]]


def table_values(data: pd.DataFrame, raw: pd.DataFrame, as_of: dt.date, months: int) -> Facts:
    """The two status columns of a whole 学生档案 (headers, {Excel row: values})."""
    raw_rows = dict(rows(raw))
    return list(HEADERS), {
        row: status_values(typed, raw_rows.get(row, {}), as_of, months) for row, typed in rows(data)
    }


# ------------------------------------------------------------------ settings and counts


def settings_of(config: SchoolConfig) -> Settings:
    """学校信息's 学籍留守外出月数 and 委托书面告知期限天数; blank: the defaults. A value that
    is not a sensible whole number stops the run, naming it (a wrong count would be silent)."""
    found = config.derived.get("left_behind")
    if found is None:
        found = Settings(
            _setting(config, MONTHS_SETTING, Settings.months, 1, 24),
            _setting(config, NOTICE_SETTING, Settings.notice_days, 1, 365),
        )
        config.derived["left_behind"] = found
    return found


def _setting(config: SchoolConfig, name: str, default: int, low: int, high: int) -> int:
    text = fold(config.info.get(name) or "")
    if not text:
        return default
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    raise XlsyncError(
        f"全校汇总「学校信息」表的 {name} 写的是「{text}」，请填 {low}–{high} 的整数"
        f"（空着按 {default}），改正后再运行。"
    )


def figures(children: pd.DataFrame) -> dict[str, int]:
    """概览's counts of 在读 children under each definition, recounted from 全校档案."""
    if CIVIL_HEADER not in children or children.empty:
        return {"civil_yes": 0, "civil_unknown": 0, "code_1": 0, "code_2": 0}
    studying = children[children["在校状态"] == "在读"]
    civil_column, codes = studying[CIVIL_HEADER].astype(str), studying[CODE_HEADER]
    return {
        "civil_yes": int((civil_column == "是").sum()),
        "civil_unknown": int(civil_column.str.startswith("待核实").sum()),
        "code_1": int((codes == CODE_TEXT[1]).sum()),
        "code_2": int((codes == CODE_TEXT[2]).sum()),
    }


def figure_lines(f: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """The 概览 lines that show the two definitions side by side (issue 19.2)."""
    return [
        ("留守儿童·民政口径（在读，国发〔2016〕13号）", f.get("civil_yes", 0), ""),
        ("　民政口径待核实（缺户口性质或出生日期）", f.get("civil_unknown", 0), ""),
        ("留守儿童·学籍口径（在读，代码 1 或 2）", f.get("code_1", 0) + f.get("code_2", 0), ""),
        ("　其中 1 单亲留守", f.get("code_1", 0), ""),
        ("　其中 2 双亲留守", f.get("code_2", 0), ""),
    ]


def facts_of(table: Table, as_of: dt.date, config: SchoolConfig) -> Facts:
    """The two status columns of a class's 学生档案 as of `as_of` (what every writer draws)."""
    return table_values(table.data, table.raw, as_of, settings_of(config).months)
