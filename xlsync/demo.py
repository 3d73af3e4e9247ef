"""A realistic demo school from a seeded generator: the same seed always gives the same school.

Grades and classes, teachers (some 党员), children with plausible names and families, a school
year of support records kept more or less diligently by each teacher (so some items are
overdue), and a handful of the data-entry mistakes teachers really make. Used by
`xlsync demo`, the tests and the benchmarks (with size parameters).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from xlsync.core.calendar import Calendar, read_calendar
from xlsync.core.idcard import make_id
from xlsync.core.periods import months, weeks
from xlsync.core.school_year import school_year_of
from xlsync.files.safe_write import save_workbook
from xlsync.files.school import append_row, create_school, read_master
from xlsync.files.templates import build_class_workbook
from xlsync.schema import (
    ABSENCES,
    CLASSES,
    DISABILITY_GRADES,
    DISABILITY_KINDS,
    INCIDENTS,
    PAIRING_LIMIT_SETTING,
    RECORDS,
    SCHOOL,
    STUDENTS,
    STUDY_PLANS,
    TEACHERS,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "子涵浩宇欣怡梓轩雨萱俊杰诗琪思远博文佳怡嘉豪一诺雅婷明轩可馨天佑心怡宇航晨曦家乐欣然志强春燕秀英建华桂兰"
VILLAGES = ("青山村", "石桥村", "柳溪村", "新田村", "龙井村", "上坪村", "下湾村", "茶园村")
WORK_PLACES = (
    "广东东莞",
    "广东深圳",
    "浙江义乌",
    "浙江宁波",
    "福建厦门",
    "江苏苏州",
    "上海",
    "湖南长沙",
)
TALKS = (
    "谈学习习惯，约定每天读书20分钟",
    "了解想念父母的心情，鼓励写信",
    "谈与同学相处，表扬乐于助人",
    "谈安全：不去河边玩水",
    "检查作业完成情况，帮助订正",
)
VISITS = ("与爷爷奶奶交流学生在家表现", "了解家庭困难，反馈在校情况", "指导监护人关注作业和作息")
SCHOOL_NAME = "青山镇中心小学"
REGION = "431122"


@dataclass(frozen=True)
class DemoSize:
    classes: int = 12
    children_per_class: int = 25
    grades: int = 6
    calls_per_week: float = 1.0  # 亲情电话 per left-behind child and school week (on average)

    @property
    def per_grade(self) -> int:
        return max(1, -(-self.classes // self.grades))


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _child(
    rng: random.Random, number: int, grade: int, start_year: int, teacher: str, filed: dt.date
) -> dict[str, Any]:
    sex = rng.choice("男女")
    born = dt.date(start_year - 6 - grade, 1, 1) + dt.timedelta(days=rng.randrange(365))
    left_behind = rng.random() < 0.75
    categories = (["留守儿童"] if left_behind else []) + (
        [rng.choice(["单亲家庭", "脱贫户", "残疾人家庭", "孤儿"])] if rng.random() < 0.3 else []
    )
    guardian = rng.choices(["祖父母", "外祖父母", "母亲", "父亲", "其他亲属"], [55, 20, 12, 8, 5])[
        0
    ]
    status = rng.choices(["在读", "转出", "辍学"], [97, 2, 1])[0]
    id_number = make_id(REGION, born, number, sex)
    situation = _situation(grade, id_number, categories)
    return {
        "姓名": _name(rng),
        "性别": sex,
        "出生日期": born,
        "身份证号": id_number,
        "学籍号": "G" + id_number if rng.random() < 0.8 else None,
        "儿童类别": "、".join(situation.pop("儿童类别") or ["其他困境儿童"]),
        "留守类型": rng.choices(["父母均外出", "父亲外出", "母亲外出"], [60, 30, 10])[0]
        if left_behind
        else None,
        "父亲姓名": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
        "父亲电话": _phone(rng),
        "父亲务工地": rng.choice(WORK_PLACES),
        "母亲姓名": _name(rng),
        "母亲电话": _phone(rng),
        "母亲务工地": rng.choice(WORK_PLACES),
        "监护人姓名": _name(rng),
        "监护人关系": guardian,
        "监护人电话": _phone(rng),
        "监护人年龄": rng.randint(55, 76) if "祖" in guardian else rng.randint(28, 45),
        "监护人文化程度": rng.choices(["文盲", "小学", "初中", "高中或中专"], [10, 45, 35, 10])[0],
        "监护人健康状况": rng.choices(["健康", "一般", "较差", "患病或残疾"], [50, 30, 15, 5])[0],
        "家庭住址": f"某某县青山镇{rng.choice(VILLAGES)}{rng.randint(1, 12)}组",
        "学业情况": rng.choices(["优", "良", "中", "差"], [20, 35, 33, 12])[0],
        "重点帮扶": "是" if rng.random() < 0.15 else "否",
        "帮扶教师": teacher,
        "学习帮手": _name(rng) if rng.random() < 0.5 else None,
        "建档日期": filed,
        "在校状态": status,
        **situation,
    }


# ---- issue 19.3 + 19.6: categories as used now, 寄宿, 残疾, 重病, 最近核实日期, 结对上限
EXTRA_CATEGORIES = ("低保", "特困", "事实无人抚养儿童", "残疾儿童")
ILLNESSES = ("先天性心脏病", "白血病", "肾病综合征")
DEMO_PAIRING_LIMIT = 18  # two teachers share a class of 25 here; 篇四's 4–6 needs more teachers


def _situation(grade: int, id_number: str, categories: list[str]) -> dict[str, Any]:
    """A child's 19.3 fields, drawn from a stream of its own (seeded by the ID number), so the
    main stream, and with it the rest of the demo school, is what it was before."""
    rng = random.Random(id_number)
    extra = [rng.choice(EXTRA_CATEGORIES)] if rng.random() < 0.12 else []
    disabled = "残疾儿童" in extra
    written = [
        "建档立卡贫困家庭" if c == "脱贫户" and rng.random() < 0.3 else c for c in categories
    ]
    return {
        "儿童类别": written + extra,  # a few teachers still write the former 建档立卡 (a 提示)
        "寄宿": "住校" if grade >= 4 and rng.random() < 0.4 else "走读",
        "残疾类别": rng.choice(DISABILITY_KINDS) if disabled else None,
        "残疾等级": rng.choice(DISABILITY_GRADES[1:]) if disabled and rng.random() < 0.7 else None,
        "重病": rng.choice(ILLNESSES) if rng.random() < 0.02 else "否",
    }


def _seed_rule_situations(kids: list[dict], cal: Calendar, as_of: dt.date) -> None:
    """Issue 19.6 in the demo, each child from a stream of its own (as `_situation`): about half
    of those filed on the first day were filed the year before (so this term's check is due for
    them); most are checked in the term's first two weeks, a few late or not yet; most 学困生
    have a 学习帮手."""
    begun = [t for t in cal.terms if t.start <= as_of]
    for kid in kids:
        rng = random.Random(f"{kid['身份证号']}核实")
        if kid["建档日期"] == cal.year_start and rng.random() < 0.5:
            kid["建档日期"] = cal.year_start - dt.timedelta(days=365)
        lag = rng.choices([rng.randrange(14), 14 + rng.randrange(30), None], [82, 8, 10])[0]
        day = None if not begun or lag is None else begun[-1].start + dt.timedelta(days=lag)
        kid["最近核实日期"] = day if day is not None and day <= as_of else None
        if kid["学业情况"] == "差" and not kid["学习帮手"] and rng.random() < 0.8:
            kid["学习帮手"] = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def _set_pairing_limit(wb: Any) -> Callable[[str, int, int], bool]:
    """The demo master's 每名教师最多结对人数 (a few teachers of the demo exceed it), and the
    cell that changes, for the safe writer, which otherwise refuses any changed cell."""
    for row in wb[SCHOOL.name].iter_rows(min_row=2):
        if row[0].value == PAIRING_LIMIT_SETTING:
            row[1].value = str(DEMO_PAIRING_LIMIT)
            return lambda sheet, r, c: (sheet, r, c) == (SCHOOL.name, row[1].row, 2)
    return lambda sheet, r, c: False


def _records(
    rng: random.Random,
    child: dict,
    cal: Calendar,
    as_of: dt.date,
    diligence: float,
    calls_per_week: float = 1.0,
) -> list[dict[str, Any]]:
    """A year of records: each due action is done with probability `diligence`, on a school day."""
    found = []
    start, teacher = child["建档日期"], child["帮扶教师"]

    def add(kind: str, lo: dt.date, hi: dt.date, text: str | None = None) -> None:
        lo, hi = max(lo, start), min(hi, as_of)
        if lo <= hi and rng.random() < diligence:
            day = lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))
            found.append(
                {
                    "日期": day,
                    "学生姓名": child["姓名"],
                    "帮扶类型": kind,
                    "帮扶教师": teacher,
                    "内容摘要": text,
                    "效果与跟进": None,
                }
            )

    for week in weeks(cal.year_start, as_of):
        if "留守儿童" in child["儿童类别"] and cal.in_term(week.start, week.end):
            calls = int(calls_per_week) + (rng.random() < calls_per_week % 1)
            for _ in range(max(1, calls)):
                add("亲情电话", week.start, week.end)
    for month in months(cal.year_start, as_of):
        add("谈心", month.start, month.end, rng.choice(TALKS))
        add("家长通话", month.start, month.end)
        if child["学业情况"] == "差":
            add("学业辅导", month.start, month.end, "数学计算辅导")
    for term in cal.terms:
        add("家访", term.start, term.end, rng.choice(VISITS))
        if child["重点帮扶"] == "是":
            add("代理家长", term.start, term.end)
    add("送温暖", cal.year_start, cal.year_end, "赠送文具和冬衣")
    for _, day in cal.holidays:
        add("节日慰问", day - dt.timedelta(days=5), day + dt.timedelta(days=5), "节日问候")
    return sorted(found, key=lambda r: r["日期"])


# ---- issue 20.1: the 联系卡 fields, from a stream of their own (the rest of the school stays
# as it was for the same seed); about one child in eight is left with gaps, as in real ledgers.
JOBS = ("务农", "务农", "务农", "个体", "打零工", "家务", "退休")
FACTORIES = ("电子厂", "服装厂", "鞋厂", "五金厂", "建筑工地", "物流公司", "餐馆")


def _work_unit(rng: random.Random, place: str) -> str:
    street = f"{rng.choice(('工业', '建设', '人民', '新华'))}路{rng.randint(1, 199)}号"
    phone = f"，电话 0{rng.randint(200, 999)}-{rng.randint(1000000, 9999999)}"
    return f"{place}某{rng.choice(FACTORIES)}（{street}）{phone if rng.random() < 0.6 else ''}"


def contact_fields(seed: int, number: int, child: dict[str, Any]) -> dict[str, Any]:
    """父母务工单位及地址, 监护人职业 and 学生健康状况 for most children."""
    rng = random.Random(f"{seed}-contact-{number}")
    if rng.random() < 0.12:
        return {}
    return {
        "父亲务工单位及地址": _work_unit(rng, child["父亲务工地"]),
        "母亲务工单位及地址": _work_unit(rng, child["母亲务工地"]) if rng.random() < 0.8 else None,
        "监护人职业": rng.choice(JOBS),
        "学生健康状况": rng.choices(["健康", "一般", "较差", "患病或残疾"], [80, 12, 5, 3])[0],
    }


MISTAKES: tuple[Callable[[random.Random, list, list], object], ...] = (
    lambda rng, kids, recs: kids[0].update(出生日期="2015.13.5"),
    lambda rng, kids, recs: kids[1].update(
        身份证号=kids[1]["身份证号"][:17] + ("0" if kids[1]["身份证号"][17] != "0" else "1")
    ),
    lambda rng, kids, recs: kids[2].update(监护人电话=kids[2]["监护人电话"][:10]),
    lambda rng, kids, recs: kids[3].update(性别=kids[3]["性别"] + "生"),
    lambda rng, kids, recs: recs and recs[0].update(学生姓名="王某某"),
    lambda rng, kids, recs: [r.update(内容摘要=None) for r in recs[1:3] if r["帮扶类型"] == "谈心"],
    lambda rng, kids, recs: kids[4].update(身份证号=float(kids[4]["身份证号"][:17] + "0")),
)


# ---- issue 19.4: 安全事件 of the demo school — one unreported (it heads 概览 and 逾期清单),
# one reported two days late (迟报), one reported the day it was found. No random draws: the
# rest of the school stays exactly what the seed made it.
INCIDENT_STORIES = (
    (1, None, "", "周末独自在家两天，无人照看，手臂有擦伤", "否", None, None),
    (
        20,
        18,
        "民政、村委会",
        "连续两天没到校，家访发现祖母住院，孩子一个人在家",
        "是",
        "村委会联系到姑姑临时照看",
        "一周后家访核实",
    ),
    (
        40,
        40,
        "公安、教育局",
        "孩子说放学路上被陌生人拦住要钱",
        "是",
        "派出所已登记，放学由老师护送到村口",
        "每周询问一次",
    ),
)


def _incidents(
    number: int, kids: list[dict], teacher: str, as_of: dt.date, cal: Calendar
) -> list[dict]:
    """The 安全事件 of the first three classes: story `number` about a child 在读 (past the
    ones the typical mistakes may touch)."""
    studying = [k for k in kids[5:] if k["在校状态"] == "在读"]
    if number >= len(INCIDENT_STORIES) or not studying:
        return []
    ago, reported_ago, targets, what, told, result, follow = INCIDENT_STORIES[number]
    found = max(as_of - dt.timedelta(days=ago), min(cal.year_start, as_of))
    reported = found + dt.timedelta(days=ago - reported_ago) if reported_ago is not None else None
    return [
        {
            "发现日期": found,
            "学生姓名": studying[0]["姓名"],
            "发现情况": what,
            "报告对象": targets or None,
            "报告时间": min(reported, as_of) if reported else None,
            "监护人已通知": told,
            "处理结果": result,
            "跟进": follow,
            "记录教师": teacher,
        }
    ]


def _class_workbook(
    path: Path,
    teachers: list[str],
    kids: list[dict],
    recs: list[dict],
    absent: list[dict],
    incidents: list[dict] | None = None,
) -> None:
    wb = build_class_workbook(teachers)
    for sheet, rows in (
        (STUDENTS, kids),
        (ABSENCES, absent),
        (RECORDS, recs),
        (INCIDENTS, incidents or []),  # issue 19.4
        (
            STUDY_PLANS,
            [
                {
                    "学生姓名": k["姓名"],
                    "科目": "数学",
                    "现状分析": "基础薄弱",
                    "目标": "期末及格",
                    "措施": "每周两次课后辅导",
                    "时间安排": "周二、周四",
                }
                for k in kids
                if k["学业情况"] == "差"
            ],
        ),
    ):
        ws = wb[sheet.name]
        for row in rows:
            ws.append([row.get(h) for h in sheet.headers])
    save_workbook(wb, path, replacing=False)


# ---- issue 19.5: one child 劝返中, one 返校, one 未返校 (in the first three classes)
ABSENCE_CASES = (  # (result, days before as-of the absence began, days absent, 家访 made)
    ("劝返中", 4, 5, True),
    ("返校", 40, 4, True),
    ("未返校", 25, 20, False),
)


def _absences(
    number: int, kids: list[dict], recs: list[dict], cal: Calendar, as_of: dt.date
) -> list[dict[str, Any]]:
    """The 缺勤与劝返 row of the class's case (the last 在读 child), and its 家访 record."""
    studying = [k for k in kids[5:] if k["在校状态"] == "在读"]  # kids[:5] may carry mistakes
    if number >= len(ABSENCE_CASES) or not studying:
        return []
    outcome, back, days, visited = ABSENCE_CASES[number]
    child = studying[-1]
    start = max(as_of - dt.timedelta(days=back), child["建档日期"], cal.year_start)
    if start > as_of:
        return []
    persuaded = min(start + dt.timedelta(days=2), as_of)
    if visited:
        recs.append(
            {
                "日期": persuaded,
                "学生姓名": child["姓名"],
                "帮扶类型": "家访",
                "帮扶教师": child["帮扶教师"],
                "内容摘要": "缺勤家访，劝说返校",
            }
        )
    if outcome == "未返校":
        child["在校状态"] = "辍学"
    log = f"{persuaded:%m-%d} {'家访' if visited else '电话联系父母'}，劝说返校"
    return [
        {
            "缺勤开始日期": start,
            "学生姓名": child["姓名"],
            "缺勤天数": days,
            "缺勤原因": ("厌学", "生病", "随父母外出务工")[number],
            "劝返措施": log,
            "劝返日期": persuaded,
            "结果": outcome,
        }
    ]


def generate_school(
    folder: Path,
    as_of: dt.date,
    size: DemoSize = DemoSize(),
    seed: int = 2026,
    progress: Callable[[str, int, int, str], None] | None = None,
    school: str = SCHOOL_NAME,
) -> Path:
    """Write a demo master and its class workbooks into `folder`; returns the master path
    (`school` names it: a generated county has many)."""
    rng = random.Random(seed)
    master = create_school(folder, school, school_year_of(as_of))
    config = read_master(master)
    cal = read_calendar(config)
    class_dir = folder / config.class_dir
    registered: list[tuple[dict, list[dict]]] = []
    for number in range(size.classes):
        grade, section = number // size.per_grade + 1, number % size.per_grade + 1
        name = f"{'一二三四五六七八九'[min(grade, 9) - 1]}年级{section}班"
        head = (
            f"{rng.choice(SURNAMES)}老师{number + 1}"
            if size.classes > 40
            else f"{SURNAMES[number]}老师"
        )
        helper = f"{SURNAMES[-1 - number % 40]}老师{'' if size.classes <= 40 else number}"
        diligence = rng.choice([0.97, 0.9, 0.8, 0.6])
        kids = [
            _child(
                rng,
                number * 100 + i,
                grade,
                cal.year_start.year,
                rng.choice([head, head, helper]),
                cal.year_start if rng.random() < 0.9 else cal.year_start + dt.timedelta(days=30),
            )
            for i in range(size.children_per_class)
        ]
        _family_situations(number, kids, cal, as_of)  # issue 19.1 / 19.2
        for i, kid in enumerate(kids):  # issue 20.1
            kid.update(contact_fields(seed, number * 100 + i, kid))
        recs = [
            r
            for k in kids
            if k["在校状态"] == "在读"
            for r in _records(rng, k, cal, as_of, diligence, size.calls_per_week)
        ]
        _seed_rule_situations(kids, cal, as_of)
        if number % 2 == 1:
            rng.choice(MISTAKES)(rng, kids, recs)
        absent = _absences(number, kids, recs, cal, as_of)
        events = _incidents(number, kids, head, as_of, cal)  # issue 19.4
        _class_workbook(class_dir / f"{name}.xlsx", [head, helper], kids, recs, absent, events)
        registered.append(
            (
                {"班级": name, "班主任": head, "台账来源": f"{name}.xlsx"},
                [
                    {"姓名": head, "班级": name, "职务": "班主任", "党员": rng.choice("是否")},
                    {"姓名": helper, "班级": name, "职务": "任课教师", "党员": "否"},
                ],
            )
        )
        if progress:
            progress("生成演示班级", number + 1, size.classes, name)
    _register(master, registered)
    return master


# ---- issue 19.1 / 19.2: guardianship and the facts of the two 留守 definitions. A generator of
# its own per child (seeded by the child's number), so the rest of the demo stays as it was.
CARER_OF = {"祖父母": "祖父母", "外祖父母": "外祖父母", "其他亲属": "其他亲属"}


def _family_situations(number: int, kids: list[dict], cal: Calendar, as_of: dt.date) -> None:
    """Fill the new fields of every child, then stage a few children in each situation."""
    for index, kid in enumerate(kids):
        _family(random.Random(f"family-{number}-{index}"), kid, cal, as_of)
    staged = {2: _no_guardian, 3: _young_carer, 5: _no_carer, 7: _turns_16}
    if len(kids) > 9 and number in staged:
        staged[number](kids[8], cal, as_of)


def _month(rng: random.Random, as_of: dt.date) -> str:
    """A start month: mostly years ago, sometimes last month (under the 3-month threshold)."""
    back = rng.choice([0, 1]) if rng.random() < 0.08 else rng.randint(4, 84)
    index = as_of.year * 12 + as_of.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _family(rng: random.Random, kid: dict, cal: Calendar, as_of: dt.date) -> None:
    away = {"父母均外出": (1, 1), "父亲外出": (1, 0), "母亲外出": (0, 1)}.get(
        kid["留守类型"], (0, 0)
    )
    kid["父亲外出起始年月"] = _month(rng, as_of) if away[0] else None
    kid["母亲外出起始年月"] = _month(rng, as_of) if away[1] else None
    kid["户口性质"] = rng.choices(["农村", "城镇", None], [88, 9, 3])[0]
    incapable = sum(away) == 1 and rng.random() < 0.1
    kid["另一方无监护能力"] = "是" if incapable else "否"
    kid["无监护能力原因"] = rng.choice(["重病", "重残"]) if incapable else None
    kid["监护情况评估"] = rng.choices(["较好", "一般", "差"], [50, 40, 10])[0]
    if sum(away) == 2 or incapable:
        _carer(rng, kid, cal, as_of)


def _carer(rng: random.Random, kid: dict, cal: Calendar, as_of: dt.date) -> None:
    """The adult the parents entrusted: the grandparent 监护人 when there is one."""
    if kid["监护人关系"] not in CARER_OF:
        kid["监护人关系"] = rng.choice(["祖父母", "外祖父母"])
    born = dt.date(rng.randint(1952, 1972), rng.randint(1, 12), rng.randint(1, 28))
    kid["委托照护人"] = kid["监护人姓名"]
    kid["委托照护人关系"] = CARER_OF[kid["监护人关系"]]
    kid["委托照护人身份证号"] = make_id(REGION, born, rng.randrange(400), rng.choice("男女"))
    kid["委托照护人电话"] = kid["监护人电话"]
    told = kid["建档日期"] + dt.timedelta(days=rng.randint(0, 20))
    kid["委托书面告知学校日期"] = told if rng.random() < 0.92 and told <= as_of else None


def _no_guardian(kid: dict, cal: Calendar, as_of: dt.date) -> None:
    kid.update(监护人关系="无人监护", 委托照护人=None, 委托照护人关系=None)


def _young_carer(kid: dict, cal: Calendar, as_of: dt.date) -> None:
    """An older brother of 17 looks after his sister: a 警告 (Art. 22 asks for an adult)."""
    born = as_of.replace(year=as_of.year - 17) - dt.timedelta(days=40)
    kid.update(父亲外出起始年月="2023-03", 母亲外出起始年月="2023-03", 留守类型="父母均外出")
    kid.update(委托照护人=kid["姓名"][0] + "大哥", 委托照护人关系="兄姐")
    kid["委托照护人身份证号"] = make_id(REGION, born, 55, "男")


def _no_carer(kid: dict, cal: Calendar, as_of: dt.date) -> None:
    """Both parents away, the 监护人 written as the mother, no carer named: an 错误."""
    kid.update(父亲外出起始年月="2024-03", 母亲外出起始年月="2025-02", 留守类型="父母均外出")
    kid.update(监护人关系="母亲", 委托照护人=None, 委托照护人关系=None, 委托照护人身份证号=None)
    kid.update(委托书面告知学校日期=None, 另一方无监护能力="否")


def _turns_16(kid: dict, cal: Calendar, as_of: dt.date) -> None:
    """An over-age pupil who turns 16 this school year (she leaves the 民政 definition)."""
    if as_of <= cal.year_start:
        return
    birthday = cal.year_start + (as_of - cal.year_start) / 2
    born = birthday.replace(year=birthday.year - 16)
    kid.update(出生日期=born, 身份证号=make_id(REGION, born, 77, kid["性别"]), 学籍号=None)
    kid.update(父亲外出起始年月="2022-05", 母亲外出起始年月="2022-05", 留守类型="父母均外出")
    kid.update(户口性质="农村", 在校状态="在读")
    if not kid.get("委托照护人"):
        _carer(random.Random(77), kid, cal, as_of)


def _register(master: Path, classes: list[tuple[dict, list[dict]]]) -> None:
    wb = load_workbook(master)
    seen: set[str] = set()
    for row, teachers in classes:
        append_row(wb[CLASSES.name], CLASSES, row)
        for teacher in teachers:
            if teacher["姓名"] not in seen:
                seen.add(teacher["姓名"])
                append_row(wb[TEACHERS.name], TEACHERS, teacher)
    append_row(
        wb[TEACHERS.name],
        TEACHERS,
        {"姓名": "钟校长", "班级": "", "职务": "学校领导", "党员": "是"},
    )
    save_workbook(wb, master, owned=_set_pairing_limit(wb))
