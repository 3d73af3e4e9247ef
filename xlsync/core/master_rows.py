"""The rows of the master's 全校档案 and 逾期清单, one class at a time (issue 22.2).

Pure: a class's typed 学生档案 and its obligation items in, lists of cell values out (in the
sheet's column order), plus the counts 概览 takes from 全校档案. The job streams them into the
master class by class (jobs/school_rows.py), so neither sheet is ever one school-wide table;
core/consolidate.py builds the same rows into DataFrames for the targets that want one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xlsync.core.config import SchoolConfig
from xlsync.core.identity import child_key
from xlsync.core.left_behind import CIVIL_HEADER, CODE_HEADER, CODE_TEXT, facts_of
from xlsync.core.left_behind import HEADERS as FACT_HEADERS
from xlsync.core.obligations import OVERDUE, Item, urgency_order
from xlsync.core.tables import Table, rows, shown
from xlsync.schema import STUDENTS

if TYPE_CHECKING:
    from xlsync.core.consolidate import ClassResult

SOURCE_COLUMNS = ("来源文件", "来源工作表", "来源行")
CHILDREN_COLUMNS = (
    "班级",
    *STUDENTS.headers,
    *FACT_HEADERS,
    "学生编号",
    "逾期项数",
    "数据状态",
    *SOURCE_COLUMNS,
)
OVERDUE_COLUMNS = (
    "状态",
    "班级",
    "学生",
    "帮扶教师",
    "帮扶事项",
    "周期",
    "开始日期",
    "截止日期",
    "逾期天数",
    *SOURCE_COLUMNS,
)
_KEY, _STATE = CHILDREN_COLUMNS.index("学生编号"), CHILDREN_COLUMNS.index("在校状态")
# 概览's shares of 在读 children (numerator key, column, values counted)
SHARES = (
    ("both_parents_away", "留守类型", ("父母均外出",)),
    ("raised_by_grandparents", "监护人关系", ("祖父母", "外祖父母")),
    ("guardian_primary_or_less", "监护人文化程度", ("文盲", "小学")),
)


def source_rows(class_name: str, table: Table) -> list[dict[str, Any]]:
    """Each row of `table` as {班级, its headers' shown values, 来源文件, 来源工作表, 来源行}."""
    out = []
    for (row, typed), (_, raw) in zip(rows(table.data), rows(table.raw), strict=False):
        values = {h: shown(typed[h], raw.get(h)) for h in table.spec.headers}
        out.append(
            {
                "班级": class_name,
                **values,
                "来源文件": table.file,
                "来源工作表": table.source_sheet,
                "来源行": row,
            }
        )
    return out


def overdue_counts(items: Iterable[Item]) -> Counter[tuple[str, int]]:
    """已逾期 items by child (file, row): 全校档案's 逾期项数."""
    return Counter((i.file, i.row) for i in items if i.status == OVERDUE)


def class_children_rows(
    result: ClassResult, overdue: Counter[tuple[str, int]], as_of: dt.date, config: SchoolConfig
) -> list[list[Any]]:
    """The class's rows of 全校档案 (CHILDREN_COLUMNS): each 学生档案 row with its two 留守
    facts, key, overdue count, data state and source."""
    students, name = result.item.book.students, result.item.class_name
    _, facts = facts_of(students, as_of, config)  # issue 19.2
    state = "旧数据：" + result.stale_reason if result.stale_reason else "最新"
    found = []
    for entry, (_, typed) in zip(source_rows(name, students), rows(students.data), strict=False):
        entry.update(zip(FACT_HEADERS, facts.get(entry["来源行"], ()), strict=False))
        entry["学生编号"] = child_key(typed, name)
        entry["逾期项数"] = overdue[(students.file, entry["来源行"])]
        entry["数据状态"] = state
        found.append([entry.get(c) for c in CHILDREN_COLUMNS])
    return found


def overdue_row(item: Item) -> list[Any]:
    """An 已逾期 or 即将到期 item as a row of 逾期清单 (OVERDUE_COLUMNS)."""
    return [
        item.status,
        item.class_name,
        item.child,
        item.teacher,
        item.rule,
        item.period,
        item.period_start,
        item.due,
        item.days_overdue or None,
        item.file,
        STUDENTS.name,
        item.row,
    ]


def child_counts(found: Iterable[Sequence[Any]]) -> Counter[str]:
    """What 概览 counts over 全校档案's rows: children, 在读 ones, its shares' numerators and
    the 留守 definitions' counts (left_behind.figures), summed class by class."""
    counts: Counter[str] = Counter()
    index = {c: CHILDREN_COLUMNS.index(c) for c in (CIVIL_HEADER, CODE_HEADER)}
    shares = [(key, CHILDREN_COLUMNS.index(column), values) for key, column, values in SHARES]
    for row in found:
        counts["children"] += 1
        if row[_STATE] != "在读":
            continue
        counts["studying"] += 1
        for key, column, values in shares:
            counts[key] += row[column] in values
        civil = str(row[index[CIVIL_HEADER]])
        counts["civil_yes"] += civil == "是"
        counts["civil_unknown"] += civil.startswith("待核实")
        counts["code_1"] += row[index[CODE_HEADER]] == CODE_TEXT[1]
        counts["code_2"] += row[index[CODE_HEADER]] == CODE_TEXT[2]
    return counts


def child_key_of(row: Sequence[Any]) -> str:
    """The 学生编号 of a row of 全校档案."""
    return str(row[_KEY])


@dataclass
class ItemFacts:
    """What 教师统计 and 变更记录 take from every item of the school (not only the 已逾期 and
    即将到期 ones that 汇总 keeps in memory), gathered one class at a time (issue 22.2)."""

    firsts: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # teacher → first item
    paired: Counter[str] = field(default_factory=Counter)  # children paired with each teacher
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # child key → class, name

    def add(self, items: Sequence[Item], position: int) -> None:
        """One class's items, most urgent first; `position`: the class's place in the school."""
        pairs: dict[str, set[tuple[str, int]]] = {}
        for index, item in enumerate(items):
            if item.teacher not in pairs:
                pairs[item.teacher] = set()
                first = (urgency_order(item), position, index)
                self.firsts[item.teacher] = min(self.firsts.get(item.teacher, first), first)
            pairs[item.teacher].add((item.file, item.row))
            self.names[item.child_key] = (item.class_name, item.child)
        self.paired.update({teacher: len(rows) for teacher, rows in pairs.items()})

    @property
    def teachers(self) -> list[str]:
        """Every 帮扶教师 named by an item, in the order the school's items, most urgent
        first, first name them (a stable merge of the classes' runs)."""
        return sorted(self.firsts, key=self.firsts.__getitem__)

    @classmethod
    def of(cls, items: Sequence[Item]) -> ItemFacts:
        """The facts of a list of every item, in its order."""
        facts = cls()
        facts.add(items, 0)
        facts.firsts = {t: (i,) for i, t in enumerate(dict.fromkeys(i.teacher for i in items))}
        return facts
