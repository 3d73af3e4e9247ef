"""The tables of the county workbook (学校统计, 逾期, 数据时效, 变更) and the rollup's JSON,
made from a combined `County`. Pure: rows of values; the writer styles them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from xlsync.core.county import (
    BAD,
    DUPLICATE,
    FIGURE_LABELS,
    MISSING,
    NAME_VARIANT,
    NEW_SCHOOL,
    RATE_FIELDS,
    STALE,
    UNMASKED,
    County,
    SchoolFile,
)

TOTAL = "合计"
LEADING = ("学校", "学校代码")
TRAILING = ("汇总截至", "文件")
TOP_BEHIND = 10  # schools in the chart of 逾期
# the weight of each rate in the 合计 row: children for 建档率, 在读 for the rest
_WEIGHTS = {"complete_rate": "children"}
_NOTICE_ORDER = (BAD, NAME_VARIANT, STALE, MISSING, DUPLICATE, UNMASKED)


def rules_of(county: County) -> list[str]:
    """Every rule some school reports an on-time rate for, in first-seen order."""
    seen: dict[str, None] = {}
    for school in county.schools:
        seen.update(dict.fromkeys(school.figures.on_time_by_rule))
    return list(seen)


def school_header(county: County) -> list[str]:
    """学校统计's header: the figures, each rule's 按时率 right after 按时完成率."""
    labels = list(FIGURE_LABELS.values())
    at = labels.index(FIGURE_LABELS["on_time_rate"]) + 1
    rules = [f"{rule} 按时率" for rule in rules_of(county)]
    return [*LEADING, *labels[:at], *rules, *labels[at:], *TRAILING]


def school_table(county: County) -> list[list[Any]]:
    """学校统计: a header, one row per school, the 合计 row."""
    rules = rules_of(county)
    rows = [_school_row(s, rules) for s in county.schools]
    return [school_header(county), *rows, _total_row(county, rules)]


def _school_row(school: SchoolFile, rules: Sequence[str]) -> list[Any]:
    values = school.figures.scalars()
    figures = [values[name] for name in FIGURE_LABELS]
    at = list(FIGURE_LABELS).index("on_time_rate") + 1
    by_rule = [school.figures.on_time_by_rule.get(rule) for rule in rules]
    return [
        school.name,
        school.code or None,
        *figures[:at],
        *by_rule,
        *figures[at:],
        school.as_of,
        school.source,
    ]


def _total_row(county: County, rules: Sequence[str]) -> list[Any]:
    """Counts summed; rates weighted by the children they are rates of."""
    schools = county.schools
    figures = [_total(schools, name) for name in FIGURE_LABELS]
    at = list(FIGURE_LABELS).index("on_time_rate") + 1
    by_rule = [
        _weighted(schools, lambda s, r=rule: s.figures.on_time_by_rule.get(r)) for rule in rules
    ]
    label = f"{TOTAL}（{len(schools)} 所学校）"
    return [label, None, *figures[:at], *by_rule, *figures[at:], None, None]


def _total(schools: Sequence[SchoolFile], name: str) -> Any:
    if name == "dropout_month":
        return None
    if name in RATE_FIELDS:
        weight = _WEIGHTS.get(name, "studying")
        return _weighted(schools, lambda s: getattr(s.figures, name), weight)
    values = [getattr(s.figures, name) for s in schools]
    return _sum(values)


def _sum(values: Iterable[Any]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _weighted(schools: Sequence[SchoolFile], rate: Any, weight: str = "studying") -> float | None:
    pairs = [(rate(s), getattr(s.figures, weight)) for s in schools]
    pairs = [(r, w) for r, w in pairs if r is not None and w]
    total = sum(w for _, w in pairs)
    return round(sum(r * w for r, w in pairs) / total, 3) if total else None


def overdue_rules(county: County) -> list[str]:
    """Rules with 已逾期 items anywhere, the most first."""
    counts: dict[str, int] = {}
    for school in county.schools:
        for rule, n in school.figures.overdue_by_rule.items():
            counts[rule] = counts.get(rule, 0) + n
    return sorted(counts, key=lambda rule: -counts[rule])


def overdue_table(county: County) -> list[list[Any]]:
    """逾期: one row per school, the most 已逾期 first, by rule; then the 合计 row."""
    rules = overdue_rules(county)
    header = ["学校", "学校代码", "在读", "已逾期项数", "人均逾期项数", *rules]
    ranked = sorted(county.schools, key=lambda s: -(s.figures.overdue or 0))
    rows = [_overdue_row(s, rules) for s in ranked]
    total: list[Any] = [f"{TOTAL}（{len(ranked)} 所学校）", None]
    total += [_sum(r[i] for r in rows) for i in range(2, 4)]
    total += [_per_child(total[3], total[2])]
    total += [_sum(r[i] for r in rows) for i in range(5, len(header))]
    return [header, *rows, total]


def _overdue_row(school: SchoolFile, rules: Sequence[str]) -> list[Any]:
    f = school.figures
    by_rule = [f.overdue_by_rule.get(rule, 0) for rule in rules]
    return [
        school.name,
        school.code or None,
        f.studying,
        f.overdue,
        _per_child(f.overdue, f.studying),
        *by_rule,
    ]


def _per_child(items: int | None, children: int | None) -> float | None:
    return round(items / children, 2) if items is not None and children else None


FRESHNESS_HEADER = ["情况", "学校", "文件", "汇总截至", "说明"]


def freshness_table(county: County) -> list[list[Any]]:
    """数据时效: files not used, names written two ways, stale and missing schools, second
    files of a school, unmasked files — the worst first."""
    rows: list[list[Any]] = [[BAD, None, b.source, None, b.reason] for b in county.bad]
    rows += [
        [n.kind, n.school, n.source or None, n.as_of, n.detail]
        for n in sorted(county.notices, key=lambda n: _NOTICE_ORDER.index(n.kind))
    ]
    if not rows:
        done = (
            f"{len(county.schools)} 所学校的数据都在 {county.stale_days} 天内汇总，没有发现问题。"
        )
        rows = [["全部正常", None, None, None, done]]
    return [FRESHNESS_HEADER, *rows]


CHANGES_HEADER = ["学校", "项目", "上次", "本次", "变化"]


def changes_table(county: County) -> list[list[Any]]:
    """变更: each school's figures that differ from the previous rollup of the folder."""
    if county.first_rollup:
        note = "这是这个文件夹的第一次汇总。以后每次汇总都会在这里列出各校与上一次相比的变化。"
        return [CHANGES_HEADER, [None, "首次汇总", None, None, note]]
    rows = [_change_row(c.school, c.item, c.before, c.after) for c in county.changes]
    return [
        CHANGES_HEADER,
        *(rows or [[None, "没有变化", None, None, "与上次汇总相比，各校数字都没有变化。"]]),
    ]


_LABEL_FIELDS = {label: name for name, label in FIGURE_LABELS.items()}


def _change_row(school: str, item: str, before: Any, after: Any) -> list[Any]:
    if item == NEW_SCHOOL:
        return [school, item, None, after, "上次汇总没有这所学校"]
    rate = _LABEL_FIELDS.get(item) in RATE_FIELDS
    return [school, item, _shown(before, rate), _shown(after, rate), _delta(before, after, rate)]


def _shown(value: Any, rate: bool) -> Any:
    if value is None:
        return "（无）"
    return f"{value:.1%}" if rate else value


def _delta(before: Any, after: Any, rate: bool) -> str | None:
    if not isinstance(before, (int, float)) or not isinstance(after, (int, float)):
        return None
    if rate:
        return f"{(after - before) * 100:+.1f} 个百分点"
    return f"{after - before:+d}" if isinstance(after, int) and isinstance(before, int) else None


def county_json(county: County) -> dict[str, Any]:
    """The rollup's JSON document (documented in README, 'JSON documents')."""
    return {
        "as_of": county.as_of.isoformat(),
        "stale_days": county.stale_days,
        "schools": [_school_json(s) for s in county.schools],
        "totals": dict(zip(list(FIGURE_LABELS), _total_values(county), strict=True)),
        "notices": [
            {
                "kind": n.kind,
                "school": n.school,
                "file": n.source,
                "as_of": _iso(n.as_of),
                "detail": n.detail,
            }
            for n in county.notices
        ],
        "bad_files": [{"file": b.source, "reason": b.reason} for b in county.bad],
        "changes": [
            {"school": c.school, "item": c.item, "before": c.before, "after": c.after}
            for c in county.changes
        ],
        "first_rollup": county.first_rollup,
        "exit_code": county.exit_code,
    }


def _total_values(county: County) -> list[Any]:
    return [_total(county.schools, name) for name in FIGURE_LABELS]


def _school_json(school: SchoolFile) -> dict[str, Any]:
    figures = asdict(school.figures)
    return {
        "school": school.name,
        "code": school.code,
        "file": school.source,
        "kind": school.kind,
        "masked": school.masked,
        "as_of": _iso(school.as_of),
        **figures,
    }


def _iso(day: Any) -> str | None:
    return day.isoformat() if day else None
