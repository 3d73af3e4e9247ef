"""Build the tables of the master's xlsync-owned sheets (DESIGN §5) from the class results.

Pure: class workbooks (typed), findings and obligation items in; one pandas DataFrame per
sheet out, plus the overview figures. Every data row carries its source (file, sheet, row).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import pandas as pd

from xlsync.core import incidents
from xlsync.core.calendar import Calendar, Rule
from xlsync.core.classbook import ClassBook
from xlsync.core.config import SchoolConfig
from xlsync.core.dropout_report import monthly_report, retention_rate
from xlsync.core.duties import SchoolDuties, rate
from xlsync.core.findings import ERROR, NOTICE, WARNING, Finding, Place, make_finding
from xlsync.core.identity import child_key
from xlsync.core.incidents import Incident
from xlsync.core.master_rows import (
    CHILDREN_COLUMNS,
    OVERDUE_COLUMNS,
    SHARES,
    SOURCE_COLUMNS,
    ItemFacts,
    child_counts,
    class_children_rows,
    overdue_counts,
    overdue_row,
    source_rows,
)
from xlsync.core.master_view import CODE_HEADER
from xlsync.core.obligations import OVERDUE, SOON, Child, Item, Tally, tallies
from xlsync.core.roster import children_of
from xlsync.core.tables import rows
from xlsync.core.validate import ClassInput, complete_children
from xlsync.schema import CLASSES, RECORDS, TEACHERS

T = TypeVar("T", Item, Tally, Finding)
RecordCounts = tuple[Counter[str], Counter[str]]  # records by 帮扶教师: this month, this term
ISSUE_COLUMNS = (
    "级别",
    "班级",
    "文件",
    "工作表",
    "单元格",
    "列",
    "内容",
    "问题与改法",
    CODE_HEADER,
)


@dataclass
class ClassResult:
    """One class workbook as consolidated: its data (maybe from the cache) and its state."""

    item: ClassInput
    stale_reason: str = ""  # why older data were used ("" when read fresh)
    digest: str = ""  # content hash of the data used
    # Once the book is slimmed (jobs/class_pass.py, issue 22.2): its 帮扶记录 rows, its
    # records of this month and term by 帮扶教师, and how to read the whole book again.
    records: int | None = None
    record_counts: RecordCounts | None = None
    reload: Callable[[], ClassBook] | None = None

    @property
    def record_count(self) -> int:
        """帮扶记录 rows of the class (counted before its book was slimmed)."""
        return len(self.item.book.records.data) if self.records is None else self.records

    def whole(self) -> ClassResult:
        """This class with its whole book (read again from the cache when it was slimmed)."""
        if self.reload is None:
            return self
        book = ClassInput(self.reload(), self.item.class_name)
        return ClassResult(book, self.stale_reason, self.digest)


@dataclass
class SchoolResult:
    """Everything the master is built from."""

    as_of: dt.date
    config: SchoolConfig
    calendar: Calendar
    rules: list[Rule]
    classes: list[ClassResult]
    findings: list[Finding]
    items: list[Item]  # most urgent first; 汇总 keeps only the 已逾期 and 即将到期 ones (below)
    duties: SchoolDuties
    failed: list[dict[str, str]] = field(default_factory=list)  # unreadable, no older data
    incidents: list[Incident] = field(default_factory=list)  # issue 19.4: every 安全事件
    class_children: list[list[Child]] = field(default_factory=list)  # children_of each class
    tallied: list[Tally] | None = None  # the tallies, when the caller has them already
    # 汇总 (jobs/class_pass.py) keeps every class's items in the cache, and in memory only the
    # urgent ones: what 教师统计 and 变更记录 take from all of them, and how to read a class's.
    facts: ItemFacts | None = None
    items_of: Callable[[ClassResult], list[Item]] | None = None

    def __post_init__(self) -> None:
        if len(self.class_children) != len(self.classes):  # building children is not cheap
            self.class_children = [children_of(r.item) for r in self.classes]

    @cached_property
    def item_facts(self) -> ItemFacts:
        """What 教师统计 and 变更记录 need from every item of the school."""
        return self.facts if self.facts is not None else ItemFacts.of(self.items)

    def class_items(self, result: ClassResult) -> list[Item]:
        """Every item of one class, most urgent first (the write-back's status columns)."""
        if self.items_of is not None:
            return self.items_of(result)
        return [i for i in self.items if i.file == result.item.book.file]

    @property
    def children(self) -> list[Child]:
        return [c for found in self.class_children for c in found]

    @cached_property
    def tallies(self) -> list[Tally]:
        """Each 在读 child's due and done-in-time periods under each rule (按时完成率)."""
        if self.tallied is not None:
            return self.tallied
        return tallies(self.children, self.rules, self.calendar, self.as_of)


def record_counts(result: ClassResult, calendar: Calendar, as_of: dt.date) -> RecordCounts:
    """The class's records by 帮扶教师 dated this month, and this term, up to as-of."""
    if result.record_counts is not None:
        return result.record_counts
    month_start = as_of.replace(day=1)
    term_start, term_end = current_term(calendar, as_of)
    month: Counter[str] = Counter()
    term: Counter[str] = Counter()
    data = result.item.book.records.data
    for teacher, day in zip(data["帮扶教师"].tolist(), data["日期"].tolist(), strict=True):
        if not day:
            continue
        if month_start <= day <= as_of:
            month[teacher] += 1
        if term_start <= day <= min(term_end, as_of):
            term[teacher] += 1
    return month, term


def school_children(school: SchoolResult) -> pd.DataFrame:
    """全校档案: every 学生档案 row of every class, with its key, overdue count and source."""
    overdue = overdue_counts(school.items)
    found = [
        row
        for result in school.classes
        for row in class_children_rows(result, overdue, school.as_of, school.config)
    ]
    return pd.DataFrame(found, columns=list(CHILDREN_COLUMNS))


RECORD_COLUMNS = ("班级", *RECORDS.headers, "学生编号", *SOURCE_COLUMNS)


def class_record_rows(result: ClassResult) -> list[list[Any]]:
    """One class's rows of 帮扶记录汇总 (RECORD_COLUMNS), with the key of the child each names."""
    book = result.item.book
    keys = {row: child_key(data, result.item.class_name) for row, data in rows(book.students.data)}
    found = []
    records = source_rows(result.item.class_name, book.records)
    for entry, children in zip(records, book.record_links, strict=False):
        entry["学生编号"] = "、".join(keys[c] for c in children if c in keys)
        found.append([entry[c] for c in RECORD_COLUMNS])
    return found


def school_records(school: SchoolResult) -> pd.DataFrame:
    """帮扶记录汇总: every 帮扶记录 row, with the key of the child it names."""
    found = [row for result in school.classes for row in class_record_rows(result.whole())]
    return pd.DataFrame(found, columns=list(RECORD_COLUMNS))


def overdue_list(school: SchoolResult) -> pd.DataFrame:
    """逾期清单: one row per 已逾期 or 即将到期 item, most urgent first."""
    found = [overdue_row(i) for i in school.items if i.status in (OVERDUE, SOON)]
    heads = incidents.overdue_lines(school.incidents)  # an open 安全事件 heads it
    found = [[line[c] for c in OVERDUE_COLUMNS] for line in heads] + found
    return pd.DataFrame(found, columns=list(OVERDUE_COLUMNS))


def incident_list(school: SchoolResult) -> pd.DataFrame:
    """安全事件汇总: every class's 安全事件, open ones first (issue 19.4)."""
    columns = [*incidents.INCIDENT_COLUMNS, *SOURCE_COLUMNS]
    return pd.DataFrame(incidents.incident_table(school.incidents), columns=columns)


def current_term(calendar: Calendar, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The term holding as-of, else the last one begun before it, else the first."""
    begun = [t for t in calendar.terms if t.start <= as_of]
    term = begun[-1] if begun else calendar.terms[0]
    return term.start, term.end


def _counts_by(school: SchoolResult, by_class: bool) -> RecordCounts:
    """本月记录 and 本学期记录 by 班级 (`by_class`) or by 帮扶教师."""
    month: Counter[str] = Counter()
    term: Counter[str] = Counter()
    for result in school.classes:
        mine = record_counts(result, school.calendar, school.as_of)
        for total, part in zip((month, term), mine, strict=True):
            if by_class:
                total[result.item.class_name] += part.total()
            else:
                total.update(part)
    return month, term


ON_TIME = "本学年按时率"  # the rate columns' suffix: what they measure, over which span


def on_time(counted: Sequence[Tally], rules: Sequence[Rule]) -> dict[str, float | None]:
    """Per rule, in the order of 帮扶规则: periods done in time ÷ periods due (ended) this 学年;
    None (an empty cell, not 0 %) while nothing of that rule has been due yet."""
    out = {}
    for rule in dict.fromkeys(r.label for r in rules):
        mine = [t for t in counted if t.rule == rule]
        out[rule] = rate(sum(t.met for t in mine), sum(t.due for t in mine))
    return out


def _rule_rates(counted: Sequence[Tally], rules: Sequence[Rule]) -> dict[str, float | None]:
    return {f"{rule} {ON_TIME}": value for rule, value in on_time(counted, rules).items()}


def _with_overdue(items: Sequence[Item]) -> int:
    """Children with at least one 已逾期 item."""
    return len({(i.file, i.row) for i in items if i.status == OVERDUE})


def _group(items: Sequence[T], attribute: str) -> dict[Any, list[T]]:
    groups: dict[Any, list[T]] = {}
    for item in items:
        groups.setdefault(getattr(item, attribute), []).append(item)
    return groups


def class_stats(school: SchoolResult) -> pd.DataFrame:
    """班级统计: per class, children, records this month and term, rule rates, overdue, 建档率."""
    month, term = _counts_by(school, by_class=True)
    classes = school.config.table(CLASSES).data
    heads = dict(zip(classes["班级"], classes["班主任"], strict=False))
    by_file = _group(school.items, "file")
    tallied = _group(school.tallies, "file")
    found_in = _group(school.findings, "file")  # not every finding for every class
    found = []
    for result, children in zip(school.classes, school.class_children, strict=True):
        book, name = result.item.book, result.item.class_name
        items = by_file.get(book.file, [])
        complete, total = complete_children(book, found_in.get(book.file, []))
        found.append(
            {
                "班级": name,
                "班主任": heads.get(name) or "",
                "学生数": total,
                "在读": int((book.students.data["在校状态"] == "在读").sum()),
                "本月记录": month[name],
                "本学期记录": term[name],
                **_rule_rates(tallied.get(book.file, []), school.rules),
                "有逾期的学生": _with_overdue(items),
                "逾期项数": sum(1 for i in items if i.status == OVERDUE),
                "建档率": rate(complete, total),
                "巩固率": retention_rate(children, school.as_of),  # issue 19.5
                "数据状态": ("旧数据：" + result.stale_reason) if result.stale_reason else "最新",
            }
        )
    return pd.DataFrame(found)


def dropout_report(school: SchoolResult) -> pd.DataFrame:
    """控辍保学月报 (issue 19.5): counts by month and grade, see core/dropout_report.py."""
    return monthly_report(school.children, school.calendar.year_start, school.as_of)


def teacher_stats(school: SchoolResult) -> pd.DataFrame:
    """教师统计: per teacher of the 教师 sheet (and any other 帮扶教师 met in the files)."""
    month, term = _counts_by(school, by_class=False)
    listed = school.config.table(TEACHERS).data.to_dict("records")
    facts = school.item_facts
    names = list(dict.fromkeys([t["姓名"] for t in listed if t["姓名"]] + facts.teachers))
    info = {t["姓名"]: t for t in listed}
    by_teacher = _group(school.items, "teacher")
    tallied = _group(school.tallies, "teacher")
    found = []
    for name in names:
        items = by_teacher.get(name, [])
        found.append(
            {
                "教师": name,
                "班级": (info.get(name) or {}).get("班级") or "",
                "职务": (info.get(name) or {}).get("职务") or "（不在教师表）",
                "党员": (info.get(name) or {}).get("党员") or "",
                "结对学生": facts.paired[name],
                "本月记录": month[name],
                "本学期记录": term[name],
                **_rule_rates(tallied.get(name, []), school.rules),
                "有逾期的学生": _with_overdue(items),
                "逾期项数": sum(1 for i in items if i.status == OVERDUE),
            }
        )
    return pd.DataFrame(found)


def issue_list(school: SchoolResult) -> pd.DataFrame:
    """校验问题: every finding, plus one row per file that could not be read."""
    by_file = {r.item.book.file: r.item.class_name for r in school.classes}
    found = [
        {
            "级别": f.severity,
            "班级": by_file.get(f.file, ""),
            "文件": f.file,
            "工作表": f.sheet,
            "单元格": f.cell,
            "列": f.column,
            "内容": f.value,
            "问题与改法": f.message,
            CODE_HEADER: f.code,
        }
        for f in school.findings
    ]
    found += [_file_issue("file-unreadable", "", f["file"], f["message"]) for f in school.failed]
    found += [
        _file_issue("file-stale", r.item.class_name, r.item.book.file, r.stale_reason)
        for r in school.classes
        if r.stale_reason
    ]
    return pd.DataFrame(found, columns=list(ISSUE_COLUMNS))


def _file_issue(code: str, class_name: str, file: str, reason: str) -> dict[str, Any]:
    finding = make_finding(code, Place(file, ""), reason=reason)
    return {
        "级别": finding.severity,
        "班级": class_name,
        "文件": file,
        "工作表": "",
        "单元格": "",
        "列": "",
        "内容": "",
        "问题与改法": finding.message,
        CODE_HEADER: code,
    }


def overview(school: SchoolResult, children: pd.DataFrame | Counter[str]) -> dict[str, Any]:
    """The figures of 概览: totals, rates, 篇六's shares, overdue by type and by class;
    `children` is 全校档案, or the counts child_counts took from its rows class by class."""
    counts = children if isinstance(children, Counter) else _counts_of(children)
    overdue = [i for i in school.items if i.status == OVERDUE]
    overdue_in = _group(overdue, "file")  # once, not once per class (600 classes: 20 s)
    with_overdue = _with_overdue(school.items)
    return {
        "classes": len(school.classes),
        "children": counts["children"],
        "studying": school.duties.studying,
        "records": sum(r.record_count for r in school.classes),
        "overdue": len(overdue),
        "children_overdue": with_overdue,
        "children_overdue_share": rate(with_overdue, school.duties.studying),
        "on_time_rate": rate(
            sum(t.met for t in school.tallies), sum(t.due for t in school.tallies)
        ),
        "on_time_by_rule": on_time(school.tallies, school.rules),
        "due_soon": sum(1 for i in school.items if i.status == SOON),
        "errors": sum(1 for f in school.findings if f.severity == ERROR),
        "warnings": sum(1 for f in school.findings if f.severity == WARNING),
        "notices": sum(1 for f in school.findings if f.severity == NOTICE),
        "complete_rate": school.duties.complete_rate,
        "retention_rate": school.duties.retention_rate,
        "teacher_coverage": school.duties.teacher_coverage,
        "teachers_without_child": school.duties.teachers_without_child,
        **{key: rate(counts[key], counts["studying"]) for key, _, _ in SHARES},
        "overdue_by_rule": {
            rule: sum(1 for i in overdue if i.rule == rule)
            for rule in dict.fromkeys(r.label for r in school.rules)
        },
        "overdue_by_class": {
            r.item.class_name: len(overdue_in.get(r.item.book.file, [])) for r in school.classes
        },
        "children_overdue_by_class": {
            r.item.class_name: _with_overdue(overdue_in.get(r.item.book.file, []))
            for r in school.classes
        },
        "left_behind": {k: counts[k] for k in LEFT_BEHIND},  # issue 19.2
        "failed_files": [f["file"] for f in school.failed],
        "stale_files": [r.item.book.file for r in school.classes if r.stale_reason],
        **incidents.incident_figures(school.incidents),  # issue 19.4
    }


LEFT_BEHIND = ("civil_yes", "civil_unknown", "code_1", "code_2")  # left_behind.figures' keys


def _counts_of(children: pd.DataFrame) -> Counter[str]:
    return child_counts(children[list(CHILDREN_COLUMNS)].to_numpy(dtype=object).tolist())
