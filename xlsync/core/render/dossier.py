"""留守儿童档案卡 (issue 20): one A4 page per child: basic information, guardian and parents,
the entrusted carer, pairing and study plan, the term's records, and each rule's status this
term from the obligation engine. Pure (the vocabulary is core/render/forms.py)."""

from __future__ import annotations

from collections.abc import Sequence

from xlsync.core.dossier import Dossier, Entry, RuleTerm
from xlsync.core.render.forms import (
    HEAD,
    NOTE,
    PAGE,
    ROW,
    SECTION,
    TITLE,
    Cell,
    Form,
    Heading,
    L,
    V,
    band,
    fitted,
    joined,
)


def _basic(form: Form, card: Dossier) -> None:
    g = card.get
    form.add(Cell("一、基本情况", 8, SECTION))
    form.add(
        L("姓名"),
        V(card.name),
        L("性别"),
        V(g("性别")),
        L("出生日期"),
        V(g("出生日期")),
        L("在校状态"),
        V(g("在校状态")),
    )
    form.add(L("身份证号"), V(g("身份证号"), 3), L("学籍号"), V(g("学籍号"), 3))
    form.add(
        L("儿童类别"),
        V(g("儿童类别"), 3),
        L("留守类型"),
        V(g("留守类型")),
        L("重点帮扶"),
        V(g("重点帮扶")),
    )
    form.add(
        L("学业情况"),
        V(g("学业情况")),
        L("健康状况"),
        V(g("学生健康状况")),
        L("建档日期"),
        V(g("建档日期")),
        L("班级"),
        V(card.class_name),
    )
    form.add(  # issue 19.3's categories and 19.6's 最近核实日期, blank where a workbook lacks them
        L("寄宿"),
        V(g("寄宿")),
        L("残疾"),
        V(joined(g("残疾类别"), g("残疾等级"))),
        L("重病"),
        V(g("重病")),
        L("最近核实"),
        V(g("最近核实日期")),
    )
    form.add(L("家庭住址"), V(g("家庭住址"), 7))


def _family(form: Form, card: Dossier) -> None:
    g = card.get
    form.add(Cell("二、监护人与父母", 8, SECTION))
    form.add(
        L("监护人"),
        V(g("监护人姓名")),
        L("关系"),
        V(g("监护人关系")),
        L("电话"),
        V(g("监护人电话")),
        L("年龄"),
        V(g("监护人年龄")),
    )
    form.add(
        L("文化程度"),
        V(g("监护人文化程度")),
        L("健康状况"),
        V(g("监护人健康状况")),
        L("职业"),
        V(g("监护人职业"), 3),
    )
    for parent in ("父亲", "母亲"):
        form.add(
            L(parent),
            V(g(f"{parent}姓名")),
            L("电话"),
            V(g(f"{parent}电话")),
            L("务工地"),
            V(g(f"{parent}务工地"), 3),
        )
        form.add(L("务工单位及地址", 2), V(g(f"{parent}务工单位及地址"), 6))
    form.add(
        L("委托照护人"),
        V(g("委托照护人")),
        L("关系"),
        V(g("委托照护人关系")),
        L("电话"),
        V(g("委托照护人电话")),
        L("身份证号"),
        V(g("委托照护人身份证号")),
    )
    form.add(
        L("照护人住址"),
        V(g("委托照护人住址"), 3),
        L("书面告知学校", 2),
        V(g("委托书面告知学校日期"), 2),
    )
    form.add(
        L("监护情况评估", 2),
        V(g("监护情况评估"), 2),
        L("另一方无监护能力", 2),
        V(joined(g("另一方无监护能力"), g("无监护能力原因")), 2),
    )


def _pairing(form: Form, card: Dossier) -> None:
    g = card.get
    form.add(Cell("三、结对帮扶与学业帮扶计划", 8, SECTION))
    form.add(
        L("帮扶教师"),
        V(g("帮扶教师")),
        L("教师电话"),
        V(""),
        L("学习帮手"),
        V(g("学习帮手")),
        L("学业情况"),
        V(g("学业情况")),
    )
    if not card.plans:
        form.add(
            V(
                "（没有学业帮扶计划）"
                if g("学业情况") != "差"
                else "学业情况为 差，还没有学业帮扶计划：请补上。",
                8,
            )
        )
    for plan in card.plans:
        form.add(
            L(plan.get("科目") or "科目"),
            V(joined(plan.get("现状分析", ""), "目标：" + plan.get("目标", "")), 3),
            L("措施"),
            V(
                joined(plan.get("措施", ""), plan.get("时间安排", ""), plan.get("阶段性效果", "")),
                3,
            ),
        )


def entry_cells(entry: Entry) -> tuple[Cell, ...]:
    day = entry.day.isoformat() if entry.day else ""
    return (V(day), V(entry.action), V(entry.teacher), V(entry.summary, 3), V(entry.follow_up, 2))


def _folded(entries: Sequence[Entry]) -> tuple[list[Entry], list[tuple[Cell, ...]]]:
    """Records with a 内容摘要 or 跟进 listed one by one; routine calls folded to one line per type."""
    listed = [e for e in entries if e.summary or e.follow_up]
    routine: dict[str, list[Entry]] = {}
    for entry in entries:
        if not (entry.summary or entry.follow_up):
            routine.setdefault(entry.action, []).append(entry)
    folded: list[tuple[Cell, ...]] = [
        (
            V(f"共 {len(found)} 次"),
            V(action),
            V("、".join(sorted({e.teacher for e in found}))),
            V("日期：" + "、".join(f"{e.day:%m-%d}" for e in found if e.day), 5),
        )
        for action, found in routine.items()
    ]
    return listed, folded


def _records(form: Form, card: Dossier, room: float) -> None:
    form.add(Cell("四、本学期帮扶记录", 8, SECTION))
    form.add(
        *(
            Cell(h, s, HEAD)
            for h, s in (
                ("日期", 1),
                ("帮扶类型", 1),
                ("帮扶教师", 1),
                ("内容摘要", 3),
                ("效果与跟进", 2),
            )
        )
    )
    listed, folded = _folded(card.entries)
    rows = [entry_cells(e) for e in listed] + folded
    heights = [fitted(r, form.widths) for r in rows]
    while rows and sum(heights) > room - 2 * ROW:
        rows.pop(0), heights.pop(0)  # the oldest go first: 谈心记录卡 lists them all
    if len(rows) < len(listed) + len(folded):
        form.add(
            Cell(
                f"本学期更早的 {len(listed) + len(folded) - len(rows)} 行记录见 谈心记录卡 和 帮扶记录 表。",
                8,
                NOTE,
            )
        )
    for cells in rows or [(V("本学期还没有帮扶记录。", 8),)]:
        form.add(*cells)


def _rule_rows(rules: Sequence[RuleTerm]) -> list[tuple[Cell, ...]]:
    found: list[tuple[Cell, ...]] = [
        (
            V(r.rule, 2),
            V(f"{r.ended} 期"),
            V(f"{r.met} 期"),
            V(r.current or "—"),
            V("、".join(r.missed) or "无", 3),
        )
        for r in rules
    ]
    return found or [(V("没有适用的帮扶规则（学生不在读，或规则不适用）。", 8),)]


def _rules(form: Form, rows: Sequence[tuple[Cell, ...]], as_of: str) -> None:
    form.add(Cell(f"五、本学期各项帮扶完成情况（截至 {as_of}）", 8, SECTION))
    form.add(
        *(
            Cell(h, s, HEAD)
            for h, s in (
                ("帮扶项目", 2),
                ("已到期", 1),
                ("按时完成", 1),
                ("本期", 1),
                ("漏做（已逾期）", 3),
            )
        )
    )
    for cells in rows:
        form.add(*cells)


def profile_form(cards: Sequence[Dossier], heading: Heading) -> Form:
    """留守儿童档案卡: one A4 page per child."""
    form = Form("留守儿童档案卡")
    band(form, heading, form.name)
    for number, card in enumerate(cards):
        start = len(form.lines)
        form.add(Cell(f"留守儿童档案卡　{card.class_name}　{card.name}", 8, TITLE), height=30)
        _basic(form, card)
        _family(form, card)
        _pairing(form, card)
        rules = _rule_rows(card.rules)
        used = sum(line.height for line in form.lines[start:])
        rule_room = sum(fitted(r, form.widths) for r in rules) + 3 * ROW  # + titles, signature
        _records(form, card, PAGE - used - rule_room)
        _rules(form, rules, heading.as_of)
        form.add(Cell("帮扶教师签名：　　　　　　　　　　　　　　核对日期：", 8, NOTE))
        if number < len(cards) - 1:
            form.page_break()
    return form
