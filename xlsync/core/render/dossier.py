"""The printed pages of 一生一档 (issue 20): 留守儿童档案卡 (one A4 page per child), 联系卡
(four to a page, with cut lines) and 谈心记录卡 / 家访记录 (per child, with ruled rows to fill).
Pure: a `Form` says what goes in which cell of an eight-column grid, how tall each line is and
where pages break; files/dossier_writer.py draws it with openpyxl."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from xlsync.core.dossier import Dossier, Entry, RuleTerm
from xlsync.core.render.layout import Column, lines

# Cell styles the writer knows
TITLE, BAND, SECTION, LABEL, VALUE, HEAD, NOTE, CUT = (
    "title",
    "band",
    "section",
    "label",
    "value",
    "head",
    "note",
    "cut",
)
WIDTHS = (12.0, 13.0, 11.0, 13.0, 11.0, 13.0, 11.0, 11.0)  # 529 pt: A4 portrait at 100 %
ROW = 16.0  # one line of 10 pt text
LINE = 12.5  # each further wrapped line
PAGE = 735.0  # points of a portrait A4 page below the repeated band, with a safety margin
CARD_ROWS = 9  # a 联系卡 is always this many lines (its cells shrink to fit, never wrap)
RECORD_ROWS = 20  # a 记录卡 has at least this many record rows, the blank ones ruled to fill
MIN_BLANK = 4
CONFIDENTIAL = "内部资料 注意保密"


@dataclass(frozen=True)
class Cell:
    value: Any = ""
    span: int = 1
    style: str = VALUE


@dataclass(frozen=True)
class Line:
    cells: tuple[Cell, ...]
    height: float = ROW


@dataclass
class Form:
    """One printed sheet: its lines top to bottom, page breaks after lines, the repeated band."""

    name: str
    lines: list[Line] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)  # 1-based line numbers a page ends after
    footer: tuple[str, str, str] = ("", "", "")
    widths: tuple[float, ...] = WIDTHS
    shrink: bool = False  # cells shrink to fit instead of wrapping (the fixed-size 联系卡)

    def add(self, *cells: Cell, height: float | None = None) -> None:
        fixed = ROW if self.shrink else None  # shrunk cells never need a taller line
        self.lines.append(Line(cells, height or fixed or fitted(cells, self.widths)))

    def page_break(self) -> None:
        self.breaks.append(len(self.lines))


@dataclass(frozen=True)
class Heading:
    """What every page of the printout says it is."""

    school: str
    term: str
    as_of: str


def fitted(cells: Sequence[Cell], widths: Sequence[float]) -> float:
    """The height of a line whose cells wrap within their merged widths."""
    most, start = 1, 0
    for cell in cells:
        room = sum(widths[start : start + cell.span])
        most = max(most, lines(cell.value, Column(room, True), bold=cell.style != VALUE))
        start += cell.span
    return ROW + LINE * (most - 1)


def L(text: str, span: int = 1) -> Cell:  # noqa: N802 (a label, read like a form)
    return Cell(text, span, LABEL)


def V(value: Any, span: int = 1) -> Cell:  # noqa: N802
    return Cell(value, span, VALUE)


def _band(form: Form, heading: Heading, title: str) -> None:
    form.add(
        Cell(f"{heading.school}　{title}　{heading.term}", 6, BAND),
        Cell(CONFIDENTIAL, 2, BAND),
    )
    form.footer = (
        f"{heading.school}　{title}",
        "第 &P 页 共 &N 页",
        f"{heading.as_of}　{CONFIDENTIAL}",
    )


def _joined(*parts: str) -> str:
    return "；".join(p for p in parts if p)


# ---------------------------------------------------------------- 档案卡


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
        V(_joined(g("另一方无监护能力"), g("无监护能力原因")), 2),
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
            V(_joined(plan.get("现状分析", ""), "目标：" + plan.get("目标", "")), 3),
            L("措施"),
            V(
                _joined(plan.get("措施", ""), plan.get("时间安排", ""), plan.get("阶段性效果", "")),
                3,
            ),
        )


def _entry_cells(entry: Entry) -> tuple[Cell, ...]:
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
    rows = [_entry_cells(e) for e in listed] + folded
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
    _band(form, heading, form.name)
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


# ---------------------------------------------------------------- 联系卡


def _contact(form: Form, card: Dossier) -> None:
    g = card.get
    form.add(
        Cell("留守儿童联系卡", 2, TITLE),
        L("班级"),
        V(card.class_name),
        L("学生"),
        V(card.name),
        L("健康状况"),
        V(g("学生健康状况")),
        height=20,
    )
    form.add(
        L("帮扶教师"), V(g("帮扶教师")), L("教师电话"), V("", 2), L("学习帮手"), V(g("学习帮手"), 2)
    )
    form.add(
        L("监护人"),
        V(_joined(g("监护人姓名"), g("监护人关系"))),
        L("电话"),
        V(g("监护人电话"), 2),
        L("职业"),
        V(g("监护人职业"), 2),
    )
    form.add(
        L("委托照护人"),
        V(_joined(g("委托照护人"), g("委托照护人关系"))),
        L("电话"),
        V(g("委托照护人电话"), 2),
        L("书面告知"),
        V(g("委托书面告知学校日期"), 2),
    )
    for parent in ("父亲", "母亲"):
        form.add(
            L(parent),
            V(g(f"{parent}姓名")),
            L("电话"),
            V(g(f"{parent}电话"), 2),
            L("务工地"),
            V(g(f"{parent}务工地"), 2),
        )
        form.add(L("务工单位"), V(g(f"{parent}务工单位及地址"), 7))
    form.add(L("家庭住址"), V(g("家庭住址"), 7))


def contact_form(cards: Sequence[Dossier], heading: Heading) -> Form:
    """联系卡: four fixed-size cards to an A4 page, a cut line between them."""
    form = Form("联系卡", shrink=True)
    _band(form, heading, form.name)
    for number, card in enumerate(cards, start=1):
        _contact(form, card)
        if number % 4 and number < len(cards):
            form.add(
                Cell(
                    "✂ - - - - - - - - - - - - - - 沿此线剪开 - - - - - - - - - - - - - -", 8, CUT
                ),
                height=14,
            )
        elif number < len(cards):
            form.page_break()
    return form


def contact_pages(children: int) -> int:
    return math.ceil(children / 4)


# ---------------------------------------------------------------- 谈心记录卡 / 家访记录


def talk_form(cards: Sequence[Dossier], heading: Heading) -> Form:
    """谈心记录卡 / 家访记录: per child, the term's 谈心 and 家访 with ruled rows to fill."""
    form = Form("谈心记录卡")
    _band(form, heading, "谈心记录卡／家访记录")
    for number, card in enumerate(cards):
        g = card.get
        form.add(Cell(f"谈心记录卡／家访记录　{card.class_name}　{card.name}", 8, TITLE), height=30)
        form.add(
            L("学生"),
            V(card.name),
            L("班级"),
            V(card.class_name),
            L("帮扶教师"),
            V(g("帮扶教师")),
            L("学期"),
            V(heading.term),
        )
        form.add(
            L("监护人"),
            V(_joined(g("监护人姓名"), g("监护人关系"))),
            L("电话"),
            V(g("监护人电话")),
            L("家庭住址"),
            V(g("家庭住址"), 3),
        )
        form.add(
            *(
                Cell(h, s, HEAD)
                for h, s in (
                    ("日期", 1),
                    ("类型", 1),
                    ("帮扶教师", 1),
                    ("谈话主题与记录", 3),
                    ("效果与跟进", 2),
                )
            )
        )
        for entry in card.talks:
            form.add(*_entry_cells(entry))
        for _ in range(max(MIN_BLANK, RECORD_ROWS - len(card.talks))):
            form.add(V(""), V(""), V(""), V("", 3), V("", 2), height=24)
        form.add(Cell("帮扶教师签名：　　　　　　　　　　　　　　监护人签名：", 8, NOTE))
        if number < len(cards) - 1:
            form.page_break()
    return form
