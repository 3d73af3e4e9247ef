"""A small school whose 工作报告 figures are known by construction (issue 21's tests).

Two classes, seven children and a dated log of support actions from September 2026 to
March 2027, under a master that keeps four rules: 谈心 每月 (学期中), 家访 每学期, 送温暖
每学年 and 学业辅导 每月 for 学困生. `autumn_school` writes everything up to the autumn term;
`add_spring` appends what happens after it (new records, a new child), which the autumn
report must not see. Each child's comment says what the autumn report should make of it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from conftest import fill_sheet, plan, record, student
from openpyxl import load_workbook

from xlsync.core.idcard import make_id
from xlsync.files.school import create_class, create_school
from xlsync.files.templates import build_class_workbook
from xlsync.schema import CLASS_DIR, MASTER_FILE, RECORDS, STUDENTS, STUDY_PLANS

D = dt.date
KEPT_RULES = {("谈心", "每月"), ("家访", "每学期"), ("送温暖", "每学年"), ("学业辅导", "每月")}
CLASS_A, CLASS_B = "三年级1班", "四年级1班"
TEACHERS = [  # 姓名, 班级, 职务, 党员 (张老师 and 王老师 come with their classes)
    ("李老师", CLASS_A, "任课教师", "是"),  # one paired child, no record written
    ("孙老师", CLASS_B, "任课教师", "是"),  # bound (党员) but paired with nobody
    ("赵校长", "", "学校领导", "否"),  # not bound, nobody: not assessed
]


def _child(name: str, sex: str, born: dt.date, seq: int, **fields: Any) -> dict[str, Any]:
    return student(
        姓名=name,
        性别=sex,
        出生日期=born,
        身份证号=make_id("430102", born, seq, sex),
        父亲外出起始年月=None,  # 留守类型 says who is away
        母亲外出起始年月=None,
        **fields,
    )


A_CHILDREN = [
    # all 谈心 months on time, 家访 and 送温暖 done; guardian 72 → 关注名单
    _child(
        "王小明",
        "男",
        D(2015, 3, 1),
        1,
        建档日期=D(2026, 8, 25),
        儿童类别="留守儿童",
        留守类型="父母均外出",
        监护人关系="祖父母",
        监护人年龄=72,
        监护人文化程度="小学",
        监护人健康状况="健康",
        学业情况="中",
        帮扶教师="张老师",
    ),
    # 谈心: Sep on time, Oct 补做 (two in Nov), Dec never, Jan running; 学困生 with a plan;
    # guardian's health 较差 → 关注名单
    _child(
        "李小红",
        "女",
        D(2015, 6, 1),
        2,
        建档日期=D(2026, 8, 25),
        儿童类别="留守儿童",
        留守类型="父亲外出",
        监护人关系="母亲",
        监护人年龄=40,
        监护人文化程度="初中",
        监护人健康状况="较差",
        学业情况="差",
        帮扶教师="张老师",
    ),
    # filed in November (a new file), no record at all → 关注名单; paired with 李老师
    _child(
        "赵小刚",
        "男",
        D(2016, 1, 10),
        3,
        建档日期=D(2026, 11, 5),
        儿童类别="留守儿童",
        留守类型="母亲外出",
        监护人关系="外祖父母",
        监护人年龄=65,
        监护人文化程度="文盲",
        监护人健康状况="健康",
        学业情况="良",
        帮扶教师="李老师",
    ),
    # 辍学: lost to school, bound by no calendar rule
    _child(
        "陈小军",
        "男",
        D(2014, 5, 5),
        4,
        建档日期=D(2026, 8, 25),
        儿童类别="留守儿童",
        留守类型="父母均外出",
        监护人关系="祖父母",
        监护人年龄=68,
        监护人文化程度="小学",
        在校状态="辍学",
        学业情况="中",
        帮扶教师="张老师",
    ),
]
B_CHILDREN = [
    # 谈心 only in December: Sep, Oct, Nov missed running → 关注名单; guardian ill
    _child(
        "刘小花",
        "女",
        D(2014, 9, 9),
        5,
        建档日期=D(2026, 8, 25),
        儿童类别="单亲家庭",
        留守类型=None,
        监护人关系="父亲",
        监护人年龄=45,
        监护人文化程度="高中或中专",
        监护人健康状况="患病或残疾",
        学业情况="中",
        帮扶教师="王老师",
    ),
    # 转出: on file, not 在读
    _child(
        "周小兵",
        "男",
        D(2014, 2, 2),
        6,
        建档日期=D(2026, 8, 25),
        儿童类别="留守儿童",
        留守类型="父母均外出",
        监护人关系="祖父母",
        监护人年龄=70,
        监护人文化程度="小学",
        在校状态="转出",
        学业情况="中",
        帮扶教师="王老师",
    ),
    # filed 10 September; a wrong 监护人电话 (建档率); 学困生 without a plan, no 学业辅导 at
    # all → 关注名单 (学业辅导 running) and guardian 70
    _child(
        "吴小丽",
        "女",
        D(2015, 12, 12),
        7,
        建档日期=D(2026, 9, 10),
        儿童类别="留守儿童",
        留守类型="父母均外出",
        监护人关系="祖父母",
        监护人年龄=70,
        监护人文化程度="小学",
        监护人健康状况="一般",
        监护人电话="123",
        学业情况="差",
        帮扶教师="王老师",
    ),
]


def _r(day: dt.date, names: str, action: str, teacher: str) -> dict[str, Any]:
    return record(
        日期=day, 学生姓名=names, 帮扶类型=action, 帮扶教师=teacher, 内容摘要="谈学习和生活"
    )


A_RECORDS = [
    *(
        _r(d, "王小明", "谈心", "张老师")
        for d in (D(2026, 9, 10), D(2026, 10, 12), D(2026, 11, 9), D(2026, 12, 8), D(2027, 1, 10))
    ),
    _r(D(2026, 10, 15), "王小明", "家访", "张老师"),
    _r(D(2026, 12, 20), "王小明", "送温暖", "张老师"),
    _r(D(2026, 9, 20), "王小明", "家长通话", "张老师"),
    _r(D(2026, 11, 20), "王小明", "家长通话", "张老师"),
    *(_r(d, "李小红", "谈心", "张老师") for d in (D(2026, 9, 15), D(2026, 11, 5), D(2026, 11, 25))),
    *(
        _r(d, "李小红", "学业辅导", "李老师")
        for d in (D(2026, 9, 20), D(2026, 10, 20), D(2026, 11, 20), D(2026, 12, 20))
    ),
    _r(D(2026, 9, 3), "陈小军", "谈心", "张老师"),
]
B_RECORDS = [
    _r(D(2026, 12, 10), "刘小花", "谈心", "王老师"),
    _r(D(2026, 9, 30), "刘小花", "家访", "王老师"),
    _r(D(2027, 1, 15), "刘小花", "送温暖", "王老师"),
    _r(D(2026, 9, 5), "周小兵", "谈心", "王老师"),
    *(
        _r(d, "吴小丽", "谈心", "王老师")
        for d in (D(2026, 9, 20), D(2026, 10, 20), D(2026, 11, 20), D(2026, 12, 20), D(2027, 1, 20))
    ),
    _r(D(2026, 11, 11), "吴小丽", "家访", "王老师"),
    _r(D(2026, 10, 8), "吴小丽、刘小花", "家长通话", "王老师"),  # a group record: 2 人次
]
A_PLANS = [plan(学生姓名="李小红", 科目="数学", 阶段性效果="期中数学及格")]

SPRING_RECORDS = {  # class → records dated after the autumn term
    CLASS_A: [
        _r(D(2027, 2, 5), "李小红", "送温暖", "张老师"),  # winter vacation
        _r(D(2027, 3, 10), "王小明", "谈心", "张老师"),
        _r(D(2027, 3, 5), "李小红", "谈心", "张老师"),
        _r(D(2027, 3, 6), "李小红", "谈心", "张老师"),
    ],
    CLASS_B: [_r(D(2027, 3, 15), "刘小花", "家访", "王老师")],
}
SPRING_CHILD = _child(
    "孙小美",
    "女",
    D(2016, 4, 4),
    8,
    建档日期=D(2027, 3, 1),
    儿童类别="留守儿童",
    留守类型="父母均外出",
    监护人关系="祖父母",
    监护人年龄=75,
    帮扶教师="王老师",
)


def _keep_rules_and_add_teachers(master: Path) -> None:
    wb = load_workbook(master)
    rules = wb["帮扶规则"]
    for row in reversed(range(2, rules.max_row + 1)):
        if (rules.cell(row, 1).value, rules.cell(row, 2).value) not in KEPT_RULES:
            rules.delete_rows(row)
    for teacher in TEACHERS:
        wb["教师"].append(list(teacher))
    wb.save(master)


def _class_book(path: Path, students: list, records: list, plans: list) -> None:
    wb = build_class_workbook(["张老师"])
    fill_sheet(wb, STUDENTS.name, students)
    fill_sheet(wb, RECORDS.name, records)
    fill_sheet(wb, STUDY_PLANS.name, plans)
    wb.save(path)


def autumn_school(folder: Path) -> Path:
    """The school as it stands at the end of the autumn term; returns the master."""
    create_school(folder, "测试小学", "2026-2027")
    create_class(folder, CLASS_A, "张老师")
    create_class(folder, CLASS_B, "王老师")
    master = folder / MASTER_FILE
    _keep_rules_and_add_teachers(master)
    classes = folder / CLASS_DIR
    _class_book(classes / f"{CLASS_A}.xlsx", A_CHILDREN, A_RECORDS, A_PLANS)
    _class_book(classes / f"{CLASS_B}.xlsx", B_CHILDREN, B_RECORDS, [])
    return master


def add_spring(folder: Path) -> None:
    """What the spring term adds: records after the autumn term and a child filed in March."""
    for class_name, records in SPRING_RECORDS.items():
        path = folder / CLASS_DIR / f"{class_name}.xlsx"
        wb = load_workbook(path)
        fill_sheet(wb, RECORDS.name, records)
        if class_name == CLASS_B:
            fill_sheet(wb, STUDENTS.name, [SPRING_CHILD])
        wb.save(path)
