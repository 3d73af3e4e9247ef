"""The draft 工作总结 of a period (issue 21.2), composed from its `TermReport` (pure).

Sections in the order a Chinese school's 工作总结 takes: 一、基本情况, 二、主要工作,
三、存在问题, 四、下一步打算. Every number is filled in, as a sentence and in a table; the
prose only the school can write (what was done, why, what next) is left as short
placeholders in 【】 that the draft highlights. The draft may leave the school (it is handed
to the principal and the 教育局), so it names no child: lists of children stay in the
report workbook, and the draft says how many there are and on which sheet.
"""

from __future__ import annotations

from collections import Counter

from xlsync.core.outline import Block, Cell, Chart, Heading, Outline, Paragraph, Table
from xlsync.core.report.figures import Coverage, MonthActions, TermReport
from xlsync.core.report.people import NO_RECORD

LOW_RATE = 0.9  # a rule done on time for fewer child-periods than this is named a problem
NUMERALS = "一二三四五六七八九十"


def compose(report: TermReport) -> Outline:
    """The whole draft of `report`."""
    blocks = [
        *_draft_note(report),
        *_basics(report),
        *_main_work(report),
        *_problems(report),
        *_next_steps(report),
        Paragraph(report.school, align="right"),
        Paragraph(
            f"{report.period.cutoff.year}年{report.period.cutoff.month}月"
            f"{report.period.cutoff.day}日",
            align="right",
        ),  # fmt: skip
    ]
    title = f"{report.period.name}留守儿童关爱帮扶工作总结"
    return Outline(title, report.school, tuple(blocks))


def pct(rate: float | None) -> str:
    """A rate as 98.9% (already cut to 0.1 % by the report); — when there is nothing to divide."""
    return "—" if rate is None else f"{round(rate * 100, 1):g}%"


def _placeholder(text: str) -> Paragraph:
    return Paragraph(f"【{text}】", placeholder=True)


def _draft_note(report: TermReport) -> list[Block]:
    p = report.period
    state = "本期已结束" if p.finished else f"统计到 {p.cutoff:%Y-%m-%d}"
    return [
        _placeholder(
            f"草稿：数字由 xlsync 按班级台账统计（{p.start:%Y-%m-%d} 至 {p.end:%Y-%m-%d}，{state}），"
            "详细名单见同一文件夹里的工作报告工作簿。黄色底纹处请改写成本校的情况，定稿前删去本段。"
        )
    ]


def _basics(report: TermReport) -> list[Block]:
    o = report.overview
    word = "本学期" if report.period.kind == "学期" else "本学年"
    shares = "；".join(f"{s.label}的 {s.part} 名，占 {pct(s.rate)}" for s in o.shares)
    rows: list[tuple[Cell, ...]] = [
        ("班级数", o.classes),
        ("期初在读学生", o.children_start),
        ("期末在读学生", o.children_end),
        ("本期新建档", o.new_files),
        ("转出", o.transferred),
        ("流失（辍学）", o.dropped_out),
        ("巩固率", pct(o.retention_rate)),
        ("建档率", pct(o.complete_rate)),
        *((f"{s.label}（占在读）", f"{s.part} 名（{pct(s.rate)}）") for s in o.shares),
    ]
    return [
        Heading("一、基本情况"),
        Paragraph(
            f"{word}全校 {o.classes} 个班共有在读帮扶对象 {o.children_end} 名，期初 "
            f"{o.children_start} 名，本期新建档 {o.new_files} 名，转出 {o.transferred} 名，"
            f"流失（辍学）{o.dropped_out} 名，巩固率 {pct(o.retention_rate)}，"
            f"建档率 {pct(o.complete_rate)}。"
        ),
        *([Paragraph(f"在读学生中，{shares}。")] if shares else []),
        Table("基本情况", ("项目", "数值"), tuple(rows)),
        _placeholder("请补充：学校概况，留守儿童的分布和家庭特点，学校的组织和制度（约 100 字）。"),
    ]


def _main_work(report: TermReport) -> list[Block]:
    sections = [_pairing, _coverage, _assessment, _classes, _struggling, _praise]
    blocks: list[Block] = [Heading("二、主要工作")]
    for number, section in enumerate(sections):
        title, body = section(report)
        blocks += [Heading(f"（{NUMERALS[number]}）{title}", level=2), *body]
    return blocks


def _pairing(report: TermReport) -> tuple[str, list[Block]]:
    o, teachers = report.overview, report.teachers
    paired = [t for t in teachers if t.paired]
    by_type = "、".join(f"{c.label} {c.count} 人次" for c in o.actions_by_type if c.count)
    months = report.months
    return "结对帮扶，关爱到人", [
        Paragraph(
            f"全校 {len(paired)} 名教师与留守儿童结对帮扶，共结对帮扶学生 {sum(t.paired for t in paired)} "
            f"名。本期共记录帮扶 {o.records} 条、{o.actions} 人次"
            + (f"，其中{by_type}。" if by_type else "。")
        ),  # fmt: skip
        Table(
            "各类帮扶次数",
            ("帮扶类型", *(_month(m) for m in months), "合计"),
            tuple(
                (c.label, *(_count_of(m.by_type, c.label) for m in months), c.count)
                for c in o.actions_by_type
            ),
        ),
        Chart(
            "各月帮扶人次",
            "bar",
            tuple(_month(m) for m in months),
            (("合计", tuple(float(m.total) for m in months)),),
            "人次",
        ),
        _placeholder(
            "请补充：结对帮扶的做法和典型事例，如“四个一”、亲情电话、节日慰问、代理家长等活动。"
        ),
    ]


def _month(month: MonthActions) -> str:
    """9月: months are unique within a school year, and short labels keep the table narrow."""
    return f"{int(month.month[5:])}月"


def _count_of(counts: tuple, label: str) -> int:
    return next((c.count for c in counts if c.label == label), 0)


def _coverage(report: TermReport) -> tuple[str, list[Block]]:
    rules = [c for c in report.coverage if c.due]
    if not rules:
        return "各项帮扶落实情况", [Paragraph("本期还没有到期的帮扶事项。")]
    best, worst = max(rules, key=_rate), min(rules, key=_rate)
    return "各项帮扶落实情况", [
        Paragraph(
            f"按学校的帮扶规则，本期各项帮扶共应完成 {sum(c.due for c in rules)} 人次，"
            f"按时完成 {sum(c.on_time for c in rules)} 人次。按时完成率最高的是{best.rule}"
            f"（{pct(best.on_time_rate)}），最低的是{worst.rule}（{pct(worst.on_time_rate)}）。"
        ),
        Table(
            "各项帮扶按时完成情况",
            ("帮扶项目", "应完成", "按时完成", "补做", "未完成", "按时完成率"),
            tuple((c.rule, c.due, c.on_time, c.late, c.never, pct(c.on_time_rate)) for c in rules),
            note="应完成：本期内已经结束的帮扶周期，每名学生每个周期算一次；还没到期的不计。",
        ),
        Chart(
            "各项帮扶按时完成情况",
            "stacked",
            tuple(c.rule for c in rules),
            tuple(
                (name, tuple(_share(part(c), c.due) for c in rules))
                for name, part in (
                    ("按时完成", lambda c: c.on_time),
                    ("补做", lambda c: c.late),
                    ("未完成", lambda c: c.never),
                )
            ),
            "占应完成的百分比",
        ),
    ]


def _rate(coverage: Coverage) -> float:
    return coverage.on_time_rate if coverage.on_time_rate is not None else 0.0


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _assessment(report: TermReport) -> tuple[str, list[Block]]:
    teachers = report.teachers
    met = sum(t.met_all for t in teachers)
    weights = "按「考核标准」表的权重" if report.weights_from_sheet else "各项权重相同"
    rows = tuple(
        (
            t.rank,
            t.teacher,
            t.class_name,
            t.paired,
            f"{t.talks_done}/{t.talks_due}",
            f"{t.visits_done}/{t.visits_due}",
            f"{t.warmth_done}/{t.warmth_due}",
            t.overdue_at_end,
            "—" if t.total is None else round(t.total, 1),
            "是" if t.met_all else "否",
        )
        for t in teachers
    )
    return "教师“四个一”考核", [
        Paragraph(
            f"本期参加考核的教师 {len(teachers)} 名，各项全部达标的 {met} 名。考核得分满分 100 分，"
            f"{weights}。"
        ),
        Table(
            "教师考核",
            (
                "名次",
                "教师",
                "班级",
                "结对学生",
                "谈心",
                "家访",
                "送温暖",
                "期末逾期",
                "得分",
                "全部达标",
            ),
            rows,
            note="谈心、家访、送温暖：已完成/应完成（人次）。各项是否达标见工作报告「教师考核」表。",
        ),
    ]


def _classes(report: TermReport) -> tuple[str, list[Block]]:
    rows = tuple(
        (
            c.class_name,
            c.head_teacher,
            c.children_end,
            c.records,
            "—" if c.records_per_child is None else c.records_per_child,
            pct(c.talks_rate),
            pct(c.visits_rate),
            pct(c.on_time_rate),
            c.overdue_at_end,
        )
        for c in report.classes
    )
    header = (
        "班级",
        "班主任",
        "在读",
        "帮扶记录",
        "人均",
        "谈心",
        "家访",
        "按时完成率",
        "期末逾期",
    )
    return "班级工作对比", [
        Table(
            "各班帮扶工作对比",
            header,
            rows,
            note="谈心、家访：按时完成和补做的人次占应完成的比例。",
        ),
    ]


def _struggling(report: TermReport) -> tuple[str, list[Block]]:
    kids = report.struggling
    planned = sum(k.has_plan for k in kids)
    effects = sum(k.effect_filled for k in kids)
    tutoring = sum(k.tutoring for k in kids)
    return "学困生学业帮扶", [
        Paragraph(
            f"全校学困生 {len(kids)} 名，已制定学业帮扶计划的 {planned} 名，计划中已填写阶段性效果的 "
            f"{effects} 名；本期为他们开展学业辅导 {tutoring} 次。"
        ),
        _placeholder("请补充：学业帮扶的成效，如学困生成绩的变化、学习帮手的作用。"),
    ]


def _praise(report: TermReport) -> tuple[str, list[Block]]:
    return "表彰自强留守儿童", [
        Paragraph(
            f"可供表彰参考的留守儿童 {len(report.candidates)} 名，资料列在工作报告「表彰候选」表，"
            "是否表彰由学校研究决定。"
        ),
        _placeholder("请填写：本期表彰的自强留守儿童人数和表彰方式。"),
    ]


def problems_found(report: TermReport) -> list[str]:
    """The problems the figures show, one sentence each (empty when there are none)."""
    o = report.overview
    found = []
    if o.overdue_at_end:
        found.append(
            f"期末仍有 {o.overdue_at_end} 项帮扶逾期，涉及 {o.children_overdue_at_end} 名学生。"
        )
    low = [c for c in report.coverage if c.due and _rate(c) < LOW_RATE]
    if low:
        found.append(
            "按时完成率不到 90% 的帮扶项目："
            + "、".join(f"{c.rule}（{pct(c.on_time_rate)}）" for c in low)
            + "。"
        )
    found += _teacher_problems(report) + _watch_problems(report) + _plan_problems(report)
    return found


def _teacher_problems(report: TermReport) -> list[str]:
    missed = Counter(i.item for t in report.teachers for i in t.items if i.met is False)
    if not missed:
        return []
    items = "、".join(f"{item} {n} 名" for item, n in missed.most_common())
    short = sum(not t.met_all for t in report.teachers)
    return [f"有 {short} 名教师的考核项目没有全部达标（未达标：{items}）。"]


def _watch_problems(report: TermReport) -> list[str]:
    reasons = [r for w in report.watch for r in w.reasons]
    silent = sum(r == NO_RECORD for r in reasons)
    runs = sum(any(r.startswith("连续") for r in w.reasons) for w in report.watch)
    guardians = sum(any(r.startswith("监护人") for r in w.reasons) for w in report.watch)
    parts = [
        f"{silent} 名学生本期没有任何帮扶记录" if silent else "",
        f"{runs} 名学生同一项帮扶连续三期没有按时完成" if runs else "",
        f"{guardians} 名学生的监护人年满 70 岁或健康状况较差" if guardians else "",
    ]
    said = "，".join(p for p in parts if p)
    return [f"{said}（名单见工作报告「关注名单」表）。"] if said else []


def _plan_problems(report: TermReport) -> list[str]:
    kids = report.struggling
    no_plan = sum(not k.has_plan for k in kids)
    no_effect = sum(k.has_plan and not k.effect_filled for k in kids)
    parts = [
        f"{no_plan} 名学困生还没有学业帮扶计划" if no_plan else "",
        f"{no_effect} 名学困生的学业帮扶计划还没有填写阶段性效果" if no_effect else "",
    ]
    said = "，".join(p for p in parts if p)
    return [f"{said}。"] if said else []


def _problems(report: TermReport) -> list[Block]:
    found = problems_found(report)
    lines = [Paragraph(f"{i}. {text}") for i, text in enumerate(found, start=1)]
    return [
        Heading("三、存在问题"),
        *(lines or [Paragraph("按台账统计，本期各项帮扶都按时完成，没有发现逾期。")]),
        _placeholder("请补充：分析问题的原因，以及台账以外发现的问题。"),
    ]


def _next_steps(report: TermReport) -> list[Block]:
    return [
        Heading("四、下一步打算"),
        _placeholder(
            "请填写：针对上述问题的改进措施，如督促逾期的帮扶按时完成、"
            f"对关注名单上的 {len(report.watch)} 名学生逐一落实帮扶责任人、完善学业帮扶计划等。"
        ),
    ]
