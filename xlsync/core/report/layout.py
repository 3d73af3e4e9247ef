"""What the report's pages show, as plain tables (pure): the workbook writer draws these, and
the Word draft may too. Labels are the Chinese a 德育主任 prints; figures come from `TermReport`.

Formats per column: "" text, "n" number, "0.0" a number with one decimal, "%" a rate (a
fraction shown as 97.3%), "wrap" long text. Column numbers in `scaled`, `reversed` and `choices` count from 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xlsync.core.report.figures import (
    ItemScore,
    TermReport,
)
from xlsync.schema import ASSESSMENT_ITEMS

OVERVIEW = "总体情况"
MONTHS_TITLE = "各月帮扶记录"
MET, NOT_MET, NOT_ASSESSED = "达标", "未达标", "—"
MISSING, NO_PLAN = "未填", "无"
RED = (NOT_MET, MISSING, NO_PLAN)  # cells the writer marks red


@dataclass(frozen=True)
class Block:
    """A titled table on the 总体情况 page."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSheet:
    """A sheet that is one table (with an explanatory line above and blocks below)."""

    name: str
    note: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    formats: tuple[str, ...]
    widths: tuple[int, ...]
    empty: str = "（本期没有）"
    scaled: frozenset[int] = frozenset()
    reversed: frozenset[int] = frozenset()
    choices: tuple[int, ...] = ()


def title(report: TermReport) -> str:
    """The report's title: school, period, subject."""
    return f"{report.school}{report.period.name}留守儿童关爱帮扶工作报告"


def span_line(report: TermReport) -> str:
    """The dates covered and whether the period has ended."""
    p = report.period
    state = "已结束" if p.finished else f"进行中，统计到 {p.cutoff:%Y-%m-%d}"
    if p.cutoff < p.start:
        state = "尚未开始"
    return f"统计时段：{p.start:%Y-%m-%d} 至 {p.end:%Y-%m-%d}（{state}）"


def _pct(value: float | None) -> Any:
    return "—" if value is None else value


def overview_blocks(report: TermReport) -> tuple[Block, ...]:
    """总体情况's tables: basics, 篇六's shares, records by month, rule coverage."""
    o = report.overview
    basics = (
        ("班级数", o.classes),
        ("期初在读学生", o.children_start),
        ("期末在读学生", o.children_end),
        ("本期新建档", o.new_files),
        ("转出（在校状态为转出）", o.transferred),
        ("辍学（流失）", o.dropped_out),
        ("巩固率", _pct_text(o.retention_rate)),
        ("建档率（必填项齐全）", _pct_text(o.complete_rate)),
        ("本期帮扶记录（条）", o.records),
        ("本期帮扶人次", o.actions),
        ("期末逾期事项", o.overdue_at_end),
        ("期末有逾期的学生", o.children_overdue_at_end),
    )
    return (
        Block("基本情况", ("项目", "数值"), tuple(basics), ("", "n")),
        Block(
            "留守儿童家庭情况（篇六，期末在读学生）",
            ("项目", "人数", "在读学生", "占比"),
            tuple((s.label, s.part, s.whole, _pct(s.rate)) for s in o.shares),
            ("", "n", "n", "%"),
        ),
        _months_block(report),
        Block(
            "帮扶规则落实情况（学生·周期）",
            (
                "帮扶事项",
                "应完成",
                "按时完成",
                "补做",
                "未完成",
                "未到期",
                "按时率",
                "补做率",
                "未完成率",
            ),
            tuple(
                (
                    c.rule,
                    c.due,
                    c.on_time,
                    c.late,
                    c.never,
                    c.open,
                    _pct(c.on_time_rate),
                    _pct(c.late_rate),
                    _pct(c.never_rate),
                )
                for c in report.coverage
            ),
            ("", "n", "n", "n", "n", "n", "%", "%", "%"),
        ),
    )


def _pct_text(value: float | None) -> str:
    """A rate inside a column of counts: as text, 97.3%."""
    return "—" if value is None else f"{value * 100:.1f}%"


def _months_block(report: TermReport) -> Block:
    types = report.action_types
    body = tuple((m.label, *(c.count for c in m.by_type), m.total) for m in report.months)
    totals = tuple(sum(m.by_type[i].count for m in report.months) for i in range(len(types)))
    if body:
        body += (("合计", *totals, sum(totals)),)
    return Block(MONTHS_TITLE, ("月份", *types, "合计"), body, ("", *("n" for _ in types), "n"))


def _item_text(score: ItemScore) -> str:
    return score.value


def _met_text(score: ItemScore) -> str:
    return NOT_ASSESSED if score.met is None else MET if score.met else NOT_MET


ITEM_HEADS = {
    "结对帮扶": "结对学生",
    "谈心": "谈心（完成/应做）",
    "家访": "家访（完成/应做）",
    "送温暖": "送温暖（完成/应做）",
    "无逾期": "期末逾期",
    "帮扶记录": "有记录的学生",
}


def teacher_sheet(report: TermReport) -> TableSheet:
    """教师考核: one row per teacher in 通报 order, each item's figure and 达标."""
    heads = ["名次", "教师", "班级", "职务", "本期记录（条）"]
    for item in ASSESSMENT_ITEMS:
        heads += [ITEM_HEADS[item], "达标"]
    heads += ["总分", "全部达标"]
    body = []
    for t in report.teachers:
        cells: list[Any] = [t.rank, t.teacher, t.class_name, t.role, t.records]
        for s in t.items:
            cells += [_item_text(s), _met_text(s)]
        cells += ["—" if t.total is None else t.total, "是" if t.met_all else "否"]
        body.append(tuple(cells))
    weights = "、".join(f"{w.item} {w.weight:g}" for w in report.weights)
    source = "全校汇总「考核标准」表" if report.weights_from_sheet else "默认（各项相同）"
    note = (
        f"篇一“四个一”考核。总分 = 各项完成比例按权重加权（满分 100），只算本期有应做的项。"
        f"权重来自{source}：{weights}。谈心、家访、送温暖写“完成/应做”（学生·周期，补做算完成）。"
    )
    return TableSheet(
        "教师考核",
        note,
        tuple(heads),
        tuple(body),
        ("n", "", "", "", "n", *(("", "") * len(ASSESSMENT_ITEMS)), "0.0", ""),
        (5, 9, 11, 9, 8, *((10, 7) * len(ASSESSMENT_ITEMS)), 7, 7),
        empty="（教师表中没有教师，也没有学生填了帮扶教师）",
        scaled=frozenset({len(heads) - 1}),
    )


def class_sheet(report: TermReport) -> TableSheet:
    """班级对比 with colour scales."""
    heads = (
        "班级",
        "班主任",
        "期初在读",
        "期末在读",
        "新建档",
        "帮扶记录",
        "人均记录",
        "谈心完成率",
        "家访完成率",
        "送温暖完成率",
        "按时率",
        "期末逾期",
        "建档率",
        "巩固率",
    )
    body = tuple(
        (
            c.class_name,
            c.head_teacher,
            c.children_start,
            c.children_end,
            c.new_files,
            c.records,
            _pct(c.records_per_child),
            _pct(c.talks_rate),
            _pct(c.visits_rate),
            _pct(c.warmth_rate),
            _pct(c.on_time_rate),
            c.overdue_at_end,
            _pct(c.complete_rate),
            _pct(c.retention_rate),
        )
        for c in report.classes
    )
    return TableSheet(
        "班级对比",
        "颜色：同一列中绿色较好、红色较差（期末逾期越少越好）。完成率 = 完成（含补做）÷ 应做。",
        heads,
        body,
        ("", "", "n", "n", "n", "n", "n", "%", "%", "%", "%", "n", "%", "%"),
        (12, 9, 8, 8, 7, 8, 8, 9, 9, 10, 8, 8, 8, 8),
        scaled=frozenset({6, 7, 8, 9, 10, 11, 12, 13, 14}),
        reversed=frozenset({12}),
    )


def struggling_sheet(report: TermReport) -> TableSheet:
    """学困生 progress."""
    body = tuple(
        (
            s.class_name,
            s.child,
            s.teacher,
            s.grade_now or MISSING,
            "有" if s.has_plan else NO_PLAN,
            s.subjects,
            "已填" if s.effect_filled else MISSING,
            s.effect,
            s.tutoring,
        )
        for s in report.struggling
    )
    return TableSheet(
        "学困生",
        "学业情况为“差”或有学业帮扶计划的学生。学业情况是台账中现在填写的；没有计划或阶段性效果未填的请督促。",
        (
            "班级",
            "学生",
            "帮扶教师",
            "学业情况（现在）",
            "学业帮扶计划",
            "科目",
            "阶段性效果",
            "效果内容",
            "本期学业辅导",
        ),
        body,
        ("", "", "", "", "", "", "", "wrap", "n"),
        (12, 9, 9, 10, 9, 10, 9, 36, 9),
    )


def watch_sheet(report: TermReport) -> TableSheet:
    """关注名单 with the reasons."""
    body = tuple(
        (
            w.class_name,
            w.child,
            w.teacher,
            "；".join(w.reasons),
            w.guardian,
            "" if w.guardian_age is None else w.guardian_age,
            w.guardian_health,
        )
        for w in report.watch
    )
    return TableSheet(
        "关注名单",
        "请先看这些学生：本期没有任何帮扶记录、同一帮扶事项连续三期未按时完成、监护人年满70岁或健康较差。",
        ("班级", "学生", "帮扶教师", "关注原因", "监护人", "监护人年龄", "监护人健康状况"),
        body,
        ("", "", "", "wrap", "", "n", ""),
        (12, 9, 9, 44, 16, 9, 12),
    )


def candidate_sheet(report: TermReport) -> TableSheet:
    """表彰候选 with two blank columns for the lead's decision."""
    body = tuple(
        (
            c.class_name,
            c.child,
            c.teacher,
            c.grade_now or MISSING,
            "有" if c.struggling_plan else "",
            c.effect,
            c.records,
            c.absence_days,
            c.incidents,
            "是" if c.on_watch else "",
            "",
            "",
        )
        for c in report.candidates
    )
    return TableSheet(
        "表彰候选",
        "篇四：定期表彰自强留守儿童。程序不做决定：请德育主任在“是否表彰”一列选择，并写明表彰理由。",
        (
            "班级",
            "学生",
            "帮扶教师",
            "学业情况",
            "学业帮扶计划",
            "阶段性效果",
            "本期帮扶次数",
            "本期缺勤天数",
            "本期安全事件",
            "在关注名单",
            "是否表彰",
            "表彰理由",
        ),
        body,
        ("", "", "", "", "", "wrap", "n", "n", "n", "", "", "wrap"),
        (12, 9, 9, 8, 9, 24, 9, 9, 9, 9, 9, 28),
        choices=(11,),
    )


def table_sheets(report: TermReport) -> tuple[TableSheet, ...]:
    """The sheets after 总体情况, in order."""
    return (
        teacher_sheet(report),
        class_sheet(report),
        struggling_sheet(report),
        watch_sheet(report),
        candidate_sheet(report),
    )
