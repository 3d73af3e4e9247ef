"""一生一档 (issue 20): what a child's printed 档案卡, 联系卡 and 谈心记录卡 hold, gathered from
the class workbook and judged by the obligation engine (no second implementation). Pure; the
pages are laid out in core/render/dossier.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from xlsync.core.calendar import Calendar, Rule, Term
from xlsync.core.findings import ERROR, Finding
from xlsync.core.obligations import OVERDUE, Child, applies, evaluate_rule, judged
from xlsync.core.tables import rows
from xlsync.core.todo import missed_when
from xlsync.core.validate import ClassInput
from xlsync.errors import XlsyncError
from xlsync.schema import STUDENTS

ID_HEADERS = ("身份证号", "学籍号", "委托照护人身份证号")  # printed masked unless --full
TALK_ACTIONS = ("谈心", "家访")  # the 谈心记录卡 / 家访记录 (篇三, 篇五)
# Blank on a card means a line the teacher fills by hand; these are reported when blank.
CARD_FIELDS = (
    "性别",
    "出生日期",
    "儿童类别",
    "监护人姓名",
    "监护人关系",
    "监护人电话",
    "监护人职业",
    "家庭住址",
    "学生健康状况",
    "帮扶教师",
)
PARENT_FIELDS = {"父亲": "父亲务工单位及地址", "母亲": "母亲务工单位及地址"}


@dataclass(frozen=True)
class Entry:
    """One 帮扶记录 row of the child, as printed."""

    day: dt.date | None
    action: str
    teacher: str
    summary: str
    follow_up: str


@dataclass(frozen=True)
class RuleTerm:
    """One rule over the printed term: periods already ended, met in time, the missed ones
    named, and the status of the period holding as-of (None when it is not in the term)."""

    rule: str
    ended: int
    met: int
    missed: tuple[str, ...]
    current: str | None


@dataclass
class Dossier:
    """One child's printable file: the 学生档案 fields as printed, plans, records, rules."""

    class_name: str
    name: str
    row: int
    fields: dict[str, str]
    plans: list[dict[str, str]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    rules: list[RuleTerm] = field(default_factory=list)
    missing: tuple[str, ...] = ()
    wrong: tuple[str, ...] = ()

    def get(self, header: str) -> str:
        """The printed text of a field; '' (a blank line to fill) when the workbook lacks it."""
        return self.fields.get(header, "")

    @property
    def talks(self) -> list[Entry]:
        return [e for e in self.entries if e.action in TALK_ACTIONS]


def shown(value: Any) -> str:
    """A cell as printed: dates as 2026-09-01, several choices joined by 、, blank as ''."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return "、".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def mask_id(text: str) -> str:
    """An ID or 学籍号 on paper that may get lost: only its last four characters show."""
    return "*" * max(len(text) - 4, 0) + text[-4:] if len(text) > 4 else text


def pick_term(cal: Calendar, name: str | None, as_of: dt.date) -> Term:
    """The 学期 named, else the one holding as-of, else the latest begun (a vacation prints
    the term just ended), else the first."""
    if name:
        for term in cal.terms:
            if term.name == name:
                return term
        known = "、".join(t.name for t in cal.terms)
        raise XlsyncError(f"学期 表里没有「{name}」。可以选的学期：{known}。")
    begun = [t for t in cal.terms if t.start <= as_of]
    holding = [t for t in begun if as_of <= t.end]
    return (holding or begun[-1:] or [cal.terms[0]])[0]


def _fields(typed: dict[str, Any], raw: dict[str, Any], full: bool) -> dict[str, str]:
    """Every column of the row, typed where the schema types it, else as typed (a column this
    version does not know, or a value that did not read, still prints as the teacher wrote)."""
    found = {h: shown(v) for h, v in raw.items()}
    found.update({h: shown(v) for h, v in typed.items() if v is not None})
    for header in ID_HEADERS:
        if found.get(header) and not full:
            found[header] = mask_id(found[header])
    return found


def _entries(item: ClassInput, row: int, term: Term, as_of: dt.date) -> list[Entry]:
    links, found = item.book.record_links, []
    last = min(term.end, as_of)
    for (_, data), named in zip(rows(item.book.records.data), links, strict=False):
        day = data.get("日期")
        if row in (named or ()) and day is not None and term.start <= day <= last:
            found.append(
                Entry(
                    day,
                    shown(data.get("帮扶类型")),
                    shown(data.get("帮扶教师")),
                    shown(data.get("内容摘要")),
                    shown(data.get("效果与跟进")),
                )
            )
    return sorted(found, key=lambda e: e.day or dt.date.min)


def _plans(item: ClassInput, name: str) -> list[dict[str, str]]:
    return [
        {h: shown(v) for h, v in data.items()}
        for _, data in rows(item.book.plans.data)
        if data.get("学生姓名") == name
    ]


def rule_terms(
    child: Child, rules: Sequence[Rule], cal: Calendar, term: Term, as_of: dt.date
) -> list[RuleTerm]:
    """Each applicable rule over `term`, judged by the obligation engine as of `as_of`."""
    found = []
    for rule in (r for r in rules if child.studying and applies(r, child)):

        def inside(start: dt.date, end: dt.date) -> bool:
            return start <= term.end and term.start <= end and start <= as_of

        periods = [(p, ok) for p, ok in judged(child, rule, cal, as_of) if inside(p.start, p.end)]
        ended = [ok for p, ok in periods if not p.contains(as_of)]
        items = [i for i in evaluate_rule(child, rule, cal, as_of) if inside(i.period_start, i.due)]
        missed = tuple(missed_when(i) for i in items if i.status == OVERDUE)
        now = [i.status for i in items if i.status != OVERDUE]
        found.append(RuleTerm(rule.label, len(ended), sum(ended), missed, now[0] if now else None))
    return found


def gaps(
    fields: dict[str, str], findings: Sequence[Finding], present: Collection[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(blank card fields, fields with an 错误) of one child row, for the summary on stderr. A
    column the workbook lacks (an earlier template) is said once per class, not per child."""
    blank = [h for h in CARD_FIELDS if not fields.get(h)]
    for parent, unit in PARENT_FIELDS.items():
        if fields.get(f"{parent}姓名") and not fields.get(unit):
            blank.append(unit)
    wrong = {f.column for f in findings if f.severity == ERROR and f.column} - set(blank)
    return tuple(h for h in blank if h in present), tuple(sorted(wrong))


def absent_columns(item: ClassInput) -> list[str]:
    """The 联系卡 columns a class workbook has no column for (made by an earlier template)."""
    present = item.book.students.positions
    wanted = [*CARD_FIELDS, *PARENT_FIELDS.values()]
    return [h for h in wanted if h not in present]


@dataclass(frozen=True)
class Scope:
    """What to print: the term, the rules and calendar, the date, and IDs in full or not."""

    term: Term
    rules: Sequence[Rule]
    cal: Calendar
    as_of: dt.date
    full: bool = False


def dossier(item: ClassInput, child: Child, scope: Scope, findings: Sequence[Finding]) -> Dossier:
    """The printable file of one 学生档案 row."""
    students = item.book.students
    typed = dict(students.data.loc[child.row]) if child.row in students.data.index else {}
    raw = dict(students.raw.loc[child.row]) if child.row in students.raw.index else {}
    fields = _fields(typed, raw, scope.full)
    mine = [f for f in findings if f.sheet == students.source_sheet and f.row == child.row]
    missing, wrong = gaps(fields, mine, students.positions)
    return Dossier(
        item.class_name,
        child.name,
        child.row,
        fields,
        _plans(item, child.name),
        _entries(item, child.row, scope.term, scope.as_of),
        rule_terms(child, scope.rules, scope.cal, scope.term, scope.as_of),
        missing,
        wrong,
    )


def gap_line(card: Dossier) -> str | None:
    """One line of the stderr summary: what is missing or wrong on this child's card."""
    parts = []
    if card.missing:
        parts.append("未填 " + "、".join(card.missing))
    if card.wrong:
        parts.append("有错 " + "、".join(card.wrong))
    if not parts:
        return None
    where = f"{card.class_name} {card.name}（{STUDENTS.name} 第 {card.row} 行）"
    return f"{where}：{'；'.join(parts)}。卡片上这些地方留了空行，可手写补上，也请改好台账。"
