"""联系卡 (four fixed-size cards to an A4 page, with cut lines) and 谈心记录卡 / 家访记录 (per
child, the term's 谈心 and 家访 with ruled rows to fill) of issue 20. Pure (see forms.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from xlsync.core.dossier import Dossier
from xlsync.core.render.dossier import entry_cells
from xlsync.core.render.forms import (
    CUT,
    HEAD,
    MIN_BLANK,
    NOTE,
    RECORD_ROWS,
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
        V(joined(g("监护人姓名"), g("监护人关系"))),
        L("电话"),
        V(g("监护人电话"), 2),
        L("职业"),
        V(g("监护人职业"), 2),
    )
    form.add(
        L("委托照护人"),
        V(joined(g("委托照护人"), g("委托照护人关系"))),
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


RULED_ROW = 24.0  # a 记录卡 line, tall enough to write on by hand


def contact_form(cards: Sequence[Dossier], heading: Heading) -> Form:
    """联系卡: four fixed-size cards to an A4 page, a cut line between them."""
    form = Form("联系卡", shrink=True)
    band(form, heading, form.name)
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
    band(form, heading, "谈心记录卡／家访记录")
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
            V(joined(g("监护人姓名"), g("监护人关系"))),
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
            cells = entry_cells(entry)
            form.add(*cells, height=max(RULED_ROW, fitted(cells, form.widths)))
        for _ in range(max(MIN_BLANK, RECORD_ROWS - len(card.talks))):
            form.add(V(""), V(""), V(""), V("", 3), V("", 2), height=RULED_ROW)
        form.add(Cell("帮扶教师签名：　　　　　　　　　　　　　　监护人签名：", 8, NOTE))
        if number < len(cards) - 1:
            form.page_break()
    return form
