"""One 帮扶记录 row for a group activity (亲情聊天室, 座谈会, 送温暖 for the class): several names
in 学生姓名, separated by 、，, or spaces, each counted for its child (DESIGN §4)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from conftest import record, student
from test_validate_rules import AS_OF, CONFIG, findings_of, flat

from xlsync.core.calendar import read_calendar, read_rules
from xlsync.core.idcard import make_id
from xlsync.core.obligations import evaluate
from xlsync.core.roster import children_of
from xlsync.core.validate import ClassInput
from xlsync.files.reader import read_class_workbook

NAMES = ["叶欣雨", "何天涵", "王小明", "李四", "赵敏"]


def _kids(names=NAMES):
    return [
        student(
            姓名=name,
            身份证号=make_id("430102", dt.date(2015, 3, 1 + n), 3 + 2 * n, "男"),
            出生日期=dt.date(2015, 3, 1 + n),
        )
        for n, name in enumerate(names)
    ]


@pytest.mark.parametrize(
    "text", ["叶欣雨、何天涵", "叶欣雨，何天涵", "叶欣雨, 何天涵", "叶欣雨 何天涵"]
)
def test_a_group_record_is_valid_and_names_each_child(class_book, text):
    path = class_book(students=_kids(), records=[record(学生姓名=text)])
    assert flat(findings_of(path)) == []
    links = read_class_workbook(path).record_links
    assert len(links.iloc[0]) == 2


def test_one_unknown_name_in_a_group_is_the_only_finding(class_book):
    path = class_book(students=_kids(), records=[record(学生姓名="叶欣雨、张三丰、何天涵")])
    found = findings_of(path)
    assert flat(found) == [("帮扶记录", "B2", "record-child-unknown")]
    assert found[0].value == "张三丰" and "叶欣雨" not in found[0].message


def test_a_name_with_a_space_typed_inside_is_still_one_child(class_book):
    path = class_book(students=_kids(), records=[record(学生姓名="王 小明")])
    assert flat(findings_of(path)) == []


def _counts_by_child(path) -> dict[str, int]:
    item = ClassInput(read_class_workbook(path), "三年级2班")
    return {c.name: len(c.records.get("谈心", [])) for c in children_of(item)}


def test_group_rows_count_once_per_child_against_an_independent_recount(class_book):
    rng = random.Random(7)
    rows, expected = [], dict.fromkeys(NAMES, 0)
    for day in range(40):
        group = rng.sample(NAMES[:-1], rng.randint(1, 4))  # 赵敏 never: she must show as missed
        separator = rng.choice(["、", "，", " ", ","])
        rows.append(record(学生姓名=separator.join(group), 日期=dt.date(2026, 9, 1 + day % 28)))
        for name in group:
            expected[name] += 1
    path = class_book(students=_kids(), records=rows)
    assert flat(findings_of(path)) == []
    assert _counts_by_child(path) == expected
    item = ClassInput(read_class_workbook(path), "三年级2班")
    items = evaluate(children_of(item), read_rules(CONFIG), read_calendar(CONFIG), AS_OF)
    missed_september = {
        i.child
        for i in items
        if i.rule == "谈心·每月" and i.period == "2026年9月" and i.status == "已逾期"
    }
    assert missed_september == {name for name, n in expected.items() if n == 0} == {"赵敏"}
