"""逾期提醒 as a to-do list (issue 16.3), in the order a teacher acts on it: (a) this period's
items not yet done, soonest deadline first; (b) the misses of the last four weeks, most recent
first; (c) the school year's earlier misses, folded to one line per child and rule. The
class workbook's 逾期提醒 sheet and the text of `xlsync overdue` are both built from this."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xlsync.core.obligations import DONE, OVERDUE, URGENCY, Item

RECENT_DAYS = 28  # a miss is "of the last four weeks" when its period ended at most 28 days ago
CURRENT, RECENT, EARLIER = "current", "recent", "earlier"
# Titles never hold a status word: 逾期提醒's column A is coloured by the status it contains.
SECTION_TITLES = {
    CURRENT: "一、本期待办：{n} 项（先做快到期的）",
    RECENT: "二、近四周漏做：{n} 项（最近的在前）",
    EARLIER: "三、本学年更早的漏做：{n} 行（每名学生每项帮扶合并为一行，次数为本学年合计）",
}
NOTHING_NOW = "一、本期待办：没有（本期的帮扶都做完了）"
UNITS = {"每周": "周", "每月": "个月", "每学期": "个学期", "每学年": "个学年", "节日": "次"}


def section_of(item: Item) -> str | None:
    """CURRENT, RECENT or EARLIER for an item of the to-do list; None for one already done."""
    if item.status == DONE:
        return None
    if item.status != OVERDUE:
        return CURRENT
    return RECENT if item.days_overdue <= RECENT_DAYS else EARLIER


def section_title(section: str, count: int) -> str:
    """The title of a section, with its number of lines."""
    if section == CURRENT and not count:
        return NOTHING_NOW
    return SECTION_TITLES[section].format(n=count)


def period_kind(item: Item) -> str:
    """The 周期 of the item's rule (每周, 每月, 每学期, 每学年, 节日)."""
    return item.rule.split("·", 1)[1]


def unit(item: Item) -> str:
    """How a miss of this rule is counted in words: 周, 个月, 个学期 or 次."""
    return UNITS.get(period_kind(item), "次")


def missed_when(item: Item) -> str:
    """The missed period as a teacher names it: 11-23 那周, 10月, 国庆节（10-01）, 2026秋季学期."""
    kind = period_kind(item)
    if kind == "每周":
        return f"{item.period_start:%m-%d} 那周"
    if kind == "每月":
        return f"{item.period_start.month}月"
    return item.period


@dataclass(frozen=True)
class Folded:
    """One child's misses of one rule this school year, folded to one line (section c)."""

    misses: tuple[Item, ...]  # every miss of the pair this school year, most recent first

    @property
    def item(self) -> Item:
        """The most recent miss: who, which rule, which row."""
        return self.misses[0]

    @property
    def text(self) -> str:
        """本学年漏 7 周，最近一次漏在 11-23 那周."""
        latest = self.item
        return f"本学年漏 {len(self.misses)} {unit(latest)}，最近一次漏在 {missed_when(latest)}"


@dataclass(frozen=True)
class Todo:
    """The three sections of the to-do list."""

    current: list[Item]
    recent: list[Item]
    earlier: list[Folded]

    @property
    def empty(self) -> bool:
        return not (self.current or self.recent or self.earlier)


def _recent_first(item: Item) -> tuple:
    return (-item.period_end.toordinal(), item.class_name, item.row, item.rule)


def _fold(items: Sequence[Item]) -> list[Folded]:
    """Child-and-rule pairs with a miss older than four weeks, the pair with most misses first."""
    pairs: dict[tuple, list[Item]] = {}
    for item in items:
        if item.status == OVERDUE:
            pairs.setdefault((item.file, item.row, item.rule), []).append(item)
    folded = [
        Folded(tuple(sorted(misses, key=_recent_first)))
        for misses in pairs.values()
        if any(section_of(i) == EARLIER for i in misses)
    ]
    return sorted(
        folded, key=lambda f: (-len(f.misses), f.item.class_name, f.item.row, f.item.rule)
    )


def todo(items: Sequence[Item]) -> Todo:
    """The to-do list of `items` (any order; items already done are left out)."""
    current = [i for i in items if section_of(i) == CURRENT]
    current.sort(key=lambda i: (URGENCY[i.status], i.due, i.class_name, i.row, i.rule))
    recent = sorted((i for i in items if section_of(i) == RECENT), key=_recent_first)
    return Todo(current, recent, _fold(items))
