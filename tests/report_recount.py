"""An independent recount of a 工作报告's figures from the class workbooks, with openpyxl and
plain Python only (nothing of xlsync), for the school of tests/report_school.py: its four
rules (谈心 每月 学期中, 家访 每学期, 送温暖 每学年, 学业辅导 每月 for 学困生) and min 1."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

RULES = [  # (label, action, period, in term only, target) in the master's 帮扶规则 order
    ("谈心·每月", "谈心", "每月", True, "全部"),
    ("学业辅导·每月", "学业辅导", "每月", True, "学困生"),
    ("家访·每学期", "家访", "每学期", False, "全部"),
    ("送温暖·每学年", "送温暖", "每学年", False, "全部"),
]
ITEMS = ("结对帮扶", "谈心", "家访", "送温暖", "无逾期", "帮扶记录")


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value[:4].isdigit():
        return dt.date.fromisoformat(value[:10])
    return None


def _sheet(path: Path, name: str) -> list[dict[str, Any]]:
    ws = load_workbook(path, data_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    head = [str(h) if h is not None else "" for h in rows[0]]
    return [
        dict(zip(head, r, strict=False)) for r in rows[1:] if any(v not in (None, "") for v in r)
    ]


@dataclass
class Kid:
    class_name: str
    row: dict[str, Any]
    records: dict[str, list[dt.date]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.row["姓名"]

    @property
    def filed(self) -> dt.date:
        return _day(self.row["建档日期"])


@dataclass
class School:
    terms: list[tuple[str, dt.date, dt.date]]
    teachers: list[dict[str, Any]]
    heads: dict[str, str]
    kids: list[Kid]
    records: list[tuple[str, dict[str, Any]]]  # (class, row)
    plans: list[tuple[str, dict[str, Any]]]


def load(folder: Path, classes: list[str]) -> School:
    master = folder / "全校汇总.xlsx"
    terms = [
        (r["学期名称"], _day(r["开始日期"]), _day(r["结束日期"])) for r in _sheet(master, "学期")
    ]
    teachers = _sheet(master, "教师")
    heads = {r["班级"]: r["班主任"] for r in _sheet(master, "班级")}
    kids, records, plans = [], [], []
    for name in classes:
        path = folder / "班级台账" / f"{name}.xlsx"
        mine = [Kid(name, r) for r in _sheet(path, "学生档案") if r.get("姓名")]
        for r in _sheet(path, "帮扶记录"):
            records.append((name, r))
            for child in str(r["学生姓名"]).split("、"):
                for kid in (k for k in mine if k.name == child):
                    kid.records.setdefault(r["帮扶类型"], []).append(_day(r["日期"]))
        kids += mine
        plans += [(name, r) for r in _sheet(path, "学业帮扶计划") if r.get("学生姓名")]
    return School(sorted(terms, key=lambda t: t[1]), teachers, heads, kids, records, plans)


def _months(lo: dt.date, hi: dt.date) -> list[tuple[dt.date, dt.date]]:
    out, y, m = [], lo.year, lo.month
    while dt.date(y, m, 1) <= hi:
        out.append((dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _periods(s: School, kid: Kid, rule: tuple, lo: dt.date, cutoff: dt.date) -> list:
    """The rule's periods overlapping [lo, cutoff] and the child's window, in date order."""
    year = (s.terms[0][1], s.terms[-1][2])
    kind, in_term = rule[2], rule[3]
    if kind == "每月":
        found = _months(lo, cutoff)
    elif kind == "每学期":
        found = [(a, b) for _, a, b in s.terms if a <= cutoff and lo <= b]
    else:
        found = [year] if year[0] <= cutoff and lo <= year[1] else []
    if in_term:
        found = [p for p in found if any(a <= p[1] and p[0] <= b for _, a, b in s.terms)]
    return [p for p in found if p[1] >= kid.filed and p[0] <= cutoff]


def applies(kid: Kid, rule: tuple) -> bool:
    return kid.row["在校状态"] == "在读" and (rule[4] == "全部" or kid.row.get("学业情况") == "差")


def outcomes(
    s: School, kid: Kid, rule: tuple, start: dt.date, cutoff: dt.date, finished: bool
) -> list:
    """[(period, outcome)] with the made-up (补做) rule: spare records fill the oldest gap."""
    periods = _periods(s, kid, rule, start, cutoff)
    dates = sorted(d for d in kid.records.get(rule[1], []) if d <= cutoff)
    used, spare = {}, []
    for d in dates:
        holder = next((p for p in periods if p[0] <= d <= p[1] and p not in used), None)
        if holder:
            used[holder] = d
        else:
            spare.append(d)
    gaps = [p for p in periods if p not in used and p[1] < cutoff]
    filled = []
    for d in (d for d in spare if d >= start):
        gap = next((p for p in gaps if p[1] < d and p not in filled), None)
        if gap:
            filled.append(gap)
    out = []
    for p in periods:
        if p in used:
            out.append((p, "按时完成"))
        elif p in filled:
            out.append((p, "补做"))
        elif p[1] > cutoff or (p[1] == cutoff and not finished):
            out.append((p, "未到期"))
        else:
            out.append((p, "未完成"))
    return out


def overdue(s: School, kid: Kid, cutoff: dt.date) -> int:
    """Periods since the school year's start that ended before the cutoff not done in them."""
    if kid.filed > cutoff:
        return 0
    count = 0
    for rule in (r for r in RULES if applies(kid, r)):
        for p, o in outcomes(s, kid, rule, s.terms[0][1], cutoff, True):
            count += p[1] < cutoff and o != "按时完成"
    return count


def rate(part: int, whole: int) -> float | None:
    return part * 1000 // whole / 1000 if whole else None


def _studying(kid: Kid, day: dt.date) -> bool:
    """在读 on `day` (this school has no 缺勤与劝返 rows: 辍学 is lost from the start)."""
    return kid.filed <= day and kid.row["在校状态"] == "在读"


def _in(day: Any, lo: dt.date, hi: dt.date) -> bool:
    d = _day(day)
    return d is not None and lo <= d <= hi


class Recount:
    """Every figure of the report of [start, end] counted up to `cutoff`."""

    def __init__(self, s: School, start: dt.date, end: dt.date, cutoff: dt.date) -> None:
        self.s, self.start, self.end, self.cutoff = s, start, end, cutoff
        self.finished = cutoff >= end
        self.kids = [k for k in s.kids if k.filed <= cutoff]
        self.records = [(c, r) for c, r in s.records if _in(r["日期"], start, cutoff)]

    def outcomes(self, kid: Kid, rule: tuple) -> list:
        if not applies(kid, rule):
            return []
        return outcomes(self.s, kid, rule, self.start, self.cutoff, self.finished)

    def tally(self, kids: list[Kid], action: str | None = None) -> dict[str, int]:
        found = {"按时完成": 0, "补做": 0, "未完成": 0, "未到期": 0}
        for kid in kids:
            for rule in RULES:
                if action is None or rule[1] == action:
                    for _, o in self.outcomes(kid, rule):
                        found[o] += 1
        return found

    def done_due(self, kids: list[Kid], action: str) -> tuple[int, int]:
        t = self.tally(kids, action)
        return t["按时完成"] + t["补做"], t["按时完成"] + t["补做"] + t["未完成"]

    def named(self, kid: Kid) -> list[dict[str, Any]]:
        return [
            r
            for c, r in self.records
            if c == kid.class_name and kid.name in str(r["学生姓名"]).split("、")
        ]

    def counts(self, kids: list[Kid]) -> tuple[int, int, int]:
        before = self.start - dt.timedelta(days=1)
        return (
            sum(_studying(k, before) for k in kids),
            sum(_studying(k, self.cutoff) for k in kids),
            sum(self.start <= k.filed <= self.cutoff for k in kids),
        )

    def complete(self, kids: list[Kid]) -> int:
        """必填项齐全: here only a 监护人电话 that is not a phone number is wrong."""
        return sum(len(str(k.row["监护人电话"])) > 6 for k in kids)

    def retention(self, kids: list[Kid]) -> tuple[int, int]:
        rolled = [k for k in kids if k.row["在校状态"] in ("在读", "辍学")]
        return len(rolled), sum(k.row["在校状态"] == "辍学" for k in rolled)

    def overview(self) -> dict[str, Any]:
        start, end, new = self.counts(self.kids)
        enrolled, lost = self.retention(self.kids)
        studying = [k for k in self.kids if _studying(k, self.cutoff)]
        overdue_by = {id(k): overdue(self.s, k, self.cutoff) for k in self.kids}
        types = self.types()
        return {
            "classes": len({k.class_name for k in self.s.kids}),
            "children_start": start,
            "children_end": end,
            "new_files": new,
            "transferred": sum(k.row["在校状态"] == "转出" for k in self.kids),
            "dropped_out": lost,
            "enrolled": enrolled,
            "retention_rate": rate(enrolled - lost, enrolled),
            "complete": self.complete(self.kids),
            "complete_rate": rate(self.complete(self.kids), len(self.kids)),
            "shares": [
                _share("父母均外出", studying, lambda k: k.row.get("留守类型") == "父母均外出"),
                _share(
                    "祖辈监护", studying, lambda k: k.row["监护人关系"] in ("祖父母", "外祖父母")
                ),
                _share(
                    "监护人小学及以下文化",
                    studying,
                    lambda k: k.row.get("监护人文化程度") in ("文盲", "小学"),
                ),
            ],
            "records": len(self.records),
            "actions": sum(len(str(r["学生姓名"]).split("、")) for _, r in self.records),
            "actions_by_type": [
                {"label": t, "count": sum(r["帮扶类型"] == t for _, r in self.records)}
                for t in types
            ],
            "overdue_at_end": sum(overdue_by.values()),
            "children_overdue_at_end": sum(1 for v in overdue_by.values() if v),
        }

    def types(self) -> list[str]:
        order = (
            "谈心",
            "家访",
            "家长通话",
            "亲情电话",
            "学业辅导",
            "送温暖",
            "节日慰问",
            "代理家长",
            "心理疏导",
            "其他",
        )
        met = {r["帮扶类型"] for _, r in self.records}
        return [t for t in order if t in met]

    def months(self) -> list[dict[str, Any]]:
        out = []
        for lo, hi in _months(self.start, self.cutoff) if self.cutoff >= self.start else []:
            mine = [r["帮扶类型"] for _, r in self.records if _in(r["日期"], lo, hi)]
            out.append(
                {
                    "month": f"{lo:%Y-%m}",
                    "label": f"{lo.year}年{lo.month}月",
                    "by_type": [{"label": t, "count": mine.count(t)} for t in self.types()],
                    "total": len(mine),
                }
            )
        return out

    def coverage(self) -> list[dict[str, Any]]:
        out = []
        for label, action, period, _, _ in RULES:
            t = {"按时完成": 0, "补做": 0, "未完成": 0, "未到期": 0}
            for kid in self.kids:
                for _, o in self.outcomes(kid, next(r for r in RULES if r[0] == label)):
                    t[o] += 1
            due = t["按时完成"] + t["补做"] + t["未完成"]
            out.append(
                {
                    "rule": label,
                    "action": action,
                    "period": period,
                    "due": due,
                    "on_time": t["按时完成"],
                    "late": t["补做"],
                    "never": t["未完成"],
                    "open": t["未到期"],
                    "on_time_rate": rate(t["按时完成"], due),
                    "late_rate": rate(t["补做"], due),
                    "never_rate": rate(t["未完成"], due),
                }
            )
        return out


def _share(label: str, kids: list[Kid], test) -> dict[str, Any]:
    part = sum(1 for k in kids if test(k))
    return {"label": label, "part": part, "whole": len(kids), "rate": rate(part, len(kids))}


def _item(item: str, value: str, met: bool | None, score: float | None, weight: float) -> dict:
    return {"item": item, "value": value, "met": met, "score": score, "weight": weight}


def _pair(item: str, done_due: tuple[int, int], weight: float) -> dict:
    done, due = done_due
    if not due:
        return _item(item, f"{done}/0", None, None, weight)
    return _item(item, f"{done}/{due}", done >= due, done / due, weight)


class Teachers:
    """教师考核, recounted."""

    def __init__(self, r: Recount, weights: dict[str, float]) -> None:
        self.r, self.w = r, weights

    def names(self) -> list[str]:
        listed = [t["姓名"] for t in self.r.s.teachers if t.get("姓名")]
        return list(dict.fromkeys(listed + [k.row["帮扶教师"] for k in self.r.kids]))

    def one(self, name: str) -> dict[str, Any]:
        r, w = self.r, self.w
        info = next((t for t in r.s.teachers if t["姓名"] == name), None)
        mine = [k for k in r.kids if k.row["帮扶教师"] == name and _studying(k, r.cutoff)]
        bound = info is not None and (info["职务"] == "班主任" or info.get("党员") == "是")
        late = sum(overdue(r.s, k, r.cutoff) for k in mine)
        touched = sum(1 for k in mine if r.named(k))
        n = len(mine)
        items = [
            _item("结对帮扶", f"{n}名", n >= 1, float(n >= 1), w["结对帮扶"])
            if n or bound
            else _item("结对帮扶", "0名", None, None, w["结对帮扶"]),
            _pair("谈心", r.done_due(mine, "谈心"), w["谈心"]),
            _pair("家访", r.done_due(mine, "家访"), w["家访"]),
            _pair("送温暖", r.done_due(mine, "送温暖"), w["送温暖"]),
            _item("无逾期", f"{late}项", late == 0, float(late == 0), w["无逾期"])
            if n
            else _item("无逾期", "0项", None, None, w["无逾期"]),
            _item("帮扶记录", f"{touched}/{n}名", touched >= n, touched / n, w["帮扶记录"])
            if n
            else _item("帮扶记录", "0/0名", None, None, w["帮扶记录"]),
        ]
        scored = [i for i in items if i["score"] is not None and i["weight"] > 0]
        weight = sum(i["weight"] for i in scored)
        total = (
            round(100 * sum(i["weight"] * i["score"] for i in scored) / weight, 1)
            if weight
            else None
        )
        assessed = [i for i in items if i["met"] is not None]
        return {
            "teacher": name,
            "class_name": (info or {}).get("班级") or "",
            "role": (info or {}).get("职务") or "（不在教师表）",
            "paired": n,
            "talks_done": r.done_due(mine, "谈心")[0],
            "talks_due": r.done_due(mine, "谈心")[1],
            "visits_done": r.done_due(mine, "家访")[0],
            "visits_due": r.done_due(mine, "家访")[1],
            "warmth_done": r.done_due(mine, "送温暖")[0],
            "warmth_due": r.done_due(mine, "送温暖")[1],
            "overdue_at_end": late,
            "records": sum(1 for _, rec in r.records if rec["帮扶教师"] == name),
            "items": items,
            "total": total,
            "met_all": bool(assessed) and all(i["met"] for i in assessed),
        }

    def all(self) -> list[dict[str, Any]]:
        found = sorted(
            (self.one(n) for n in self.names()),
            key=lambda t: (
                t["total"] is None,
                -(t["total"] or 0),
                t["overdue_at_end"],
                t["teacher"],
            ),
        )
        for number, t in enumerate(found, start=1):
            same = number > 1 and found[number - 2]["total"] == t["total"]
            t["rank"] = found[number - 2]["rank"] if same else number
        return found


def classes(r: Recount, names: list[str]) -> list[dict[str, Any]]:
    out = []
    for name in names:
        kids = [k for k in r.kids if k.class_name == name]
        start, end, new = r.counts(kids)
        records = sum(1 for c, _ in r.records if c == name)
        t = r.tally(kids)
        due = t["按时完成"] + t["补做"] + t["未完成"]
        enrolled, lost = r.retention(kids)
        out.append(
            {
                "class_name": name,
                "head_teacher": r.s.heads.get(name, ""),
                "children_start": start,
                "children_end": end,
                "new_files": new,
                "records": records,
                "records_per_child": round(records / end, 1) if end else None,
                "talks_rate": rate(*r.done_due(kids, "谈心")),
                "visits_rate": rate(*r.done_due(kids, "家访")),
                "warmth_rate": rate(*r.done_due(kids, "送温暖")),
                "on_time_rate": rate(t["按时完成"], due),
                "overdue_at_end": sum(overdue(r.s, k, r.cutoff) for k in kids),
                "complete_rate": rate(r.complete(kids), len(kids)),
                "retention_rate": rate(enrolled - lost, enrolled),
            }
        )
    return out


def _plans(r: Recount, kid: Kid) -> list[dict[str, Any]]:
    return [p for c, p in r.s.plans if c == kid.class_name and p["学生姓名"] == kid.name]


def struggling(r: Recount) -> list[dict[str, Any]]:
    out = []
    for kid in r.kids:
        plans = _plans(r, kid)
        if kid.row.get("学业情况") != "差" and not plans:
            continue
        effects = [p["阶段性效果"] for p in plans if p.get("阶段性效果")]
        out.append(
            {
                "class_name": kid.class_name,
                "child": kid.name,
                "teacher": kid.row["帮扶教师"],
                "grade_now": kid.row.get("学业情况") or "",
                "has_plan": bool(plans),
                "subjects": "、".join(p["科目"] for p in plans),
                "effect_filled": bool(effects),
                "effect": "；".join(effects),
                "tutoring": sum(1 for rec in r.named(kid) if rec["帮扶类型"] == "学业辅导"),
            }
        )
    return out


def watch(r: Recount) -> list[dict[str, Any]]:
    out = []
    for kid in (k for k in r.kids if _studying(k, r.cutoff)):
        reasons = [] if r.named(kid) else ["本期没有任何帮扶记录"]
        for rule in RULES:
            run = best = 0
            for _, o in r.outcomes(kid, rule):
                run = run + 1 if o in ("补做", "未完成") else 0
                best = max(best, run)
            if best >= 3:
                reasons.append(f"连续3期未按时完成：{rule[0]}")
        age = kid.row.get("监护人年龄")
        if isinstance(age, int) and age >= 70:
            reasons.append(f"监护人年满70岁（{age}岁）")
        if kid.row.get("监护人健康状况") in ("较差", "患病或残疾"):
            reasons.append(f"监护人健康状况：{kid.row['监护人健康状况']}")
        if reasons:
            out.append(
                {
                    "class_name": kid.class_name,
                    "child": kid.name,
                    "teacher": kid.row["帮扶教师"],
                    "reasons": reasons,
                    "guardian": f"{kid.row['监护人姓名']}（{kid.row['监护人关系']}）",
                    "guardian_age": age,
                    "guardian_health": kid.row.get("监护人健康状况") or "",
                }
            )
    return sorted(out, key=lambda w: -len(w["reasons"]))


def candidates(r: Recount, watched: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {(w["class_name"], w["child"]) for w in watched}
    out = []
    for kid in r.kids:
        if "留守儿童" not in str(kid.row["儿童类别"]) or not _studying(kid, r.cutoff):
            continue
        plans = _plans(r, kid)
        out.append(
            {
                "class_name": kid.class_name,
                "child": kid.name,
                "teacher": kid.row["帮扶教师"],
                "grade_now": kid.row.get("学业情况") or "",
                "struggling_plan": bool(plans),
                "effect": "；".join(p["阶段性效果"] for p in plans if p.get("阶段性效果")),
                "records": len(r.named(kid)),
                "absence_days": 0,
                "incidents": 0,
                "on_watch": (kid.class_name, kid.name) in names,
            }
        )
    return out
