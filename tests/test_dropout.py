"""控辍保学 (issue 19.5): the 缺勤后 / 未返校后 rules, 巩固率, the findings of 缺勤与劝返 and
the master's 控辍保学月报 (the monthly sheet against a recount from the class files)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import fill_sheet, record, student

from xlsync.core.calendar import Calendar, Rule, Term, read_rules
from xlsync.core.config import assemble_config, default_config, default_grids
from xlsync.core.dropout import Absence, grade_of
from xlsync.core.dropout_report import monthly_report, retention_rate
from xlsync.core.duties import school_duties
from xlsync.core.obligations import DONE, OPEN, OVERDUE, Child, evaluate
from xlsync.core.roster import children_of
from xlsync.core.tables import column_letter
from xlsync.core.validate import ClassInput, validate_classes
from xlsync.files.reader import read_class_workbook
from xlsync.files.templates import build_class_workbook
from xlsync.schema import ABSENCES, RECORDS, RULES, STUDENTS

AS_OF = dt.date(2026, 11, 30)
CAL = Calendar(
    (
        Term("2026秋季学期", dt.date(2026, 9, 1), dt.date(2027, 1, 22)),
        Term("2027春季学期", dt.date(2027, 2, 22), dt.date(2027, 7, 2)),
    ),
    (),
)
VISIT = Rule("家访", "缺勤后", 1, "全部", 1, "全年", 2, 3, 2)
REPORT = Rule("书面报告", "未返校后", 1, "全部", 7, "全年", 3, None, 30)
STATUS_CELL = f"{column_letter(STUDENTS.headers.index('在校状态') + 1)}2"  # 学生档案's 在校状态
DROPOUT_CODES = (
    "absence-child-unknown",
    "absence-child-ambiguous",
    "absence-date-order",
    "absence-days-beyond",
    "absence-outcome-undated",
    "absence-status-mismatch",
    "dropout-unrecorded",
)


def kid(*absences: Absence, status: str = "在读", visits=(), reports=(), cls="三年级1班") -> Child:
    records = {"家访": sorted(visits)} | ({"书面报告": sorted(reports)} if reports else {})
    return Child(
        cls, "王小明", "k", "张老师", "f.xlsx", 2, dt.date(2026, 9, 1), None,
        status=status, records=records, absences=absences,
    )  # fmt: skip


def items(child: Child, rule: Rule, as_of: dt.date = AS_OF) -> list[tuple]:
    return [
        (i.period_start, i.due, i.status, i.days_overdue)
        for i in evaluate([child], [rule], CAL, as_of)
    ]


# ---------------------------------------------------------------- 缺勤后: 家访 within 2 days


def test_three_days_absent_without_a_visit_is_overdue_after_two_days():
    absent = Absence(dt.date(2026, 11, 2), 3)  # the 3rd day is 11-04: a 家访 is due by 11-06
    assert items(kid(absent), VISIT) == [(dt.date(2026, 11, 2), dt.date(2026, 11, 6), OVERDUE, 24)]
    assert items(kid(absent), VISIT, dt.date(2026, 11, 5)) == [
        (dt.date(2026, 11, 2), dt.date(2026, 11, 6), "即将到期", 0)
    ]


def test_a_visit_during_the_absence_or_within_the_deadline_fills_it():
    absent = Absence(dt.date(2026, 11, 2), 5)
    for day in (dt.date(2026, 11, 2), dt.date(2026, 11, 6)):
        assert items(kid(absent, visits=[day]), VISIT) == []
        assert items(kid(absent, visits=[day]), VISIT, dt.date(2026, 11, 6))[0][2] == DONE


def test_a_late_visit_or_a_short_absence_does_not_count():
    late = kid(Absence(dt.date(2026, 11, 2), 3), visits=[dt.date(2026, 11, 7)])
    assert [s for _, _, s, _ in items(late, VISIT)] == [OVERDUE]
    assert items(kid(Absence(dt.date(2026, 11, 2), 2)), VISIT) == []  # below 触发缺勤天数


def test_the_rule_row_sets_the_threshold_and_deadline_and_empty_cells_take_defaults():
    absent = Absence(dt.date(2026, 11, 2), 3)
    five = Rule("家访", "缺勤后", 1, "全部", 1, "全年", 2, 5, 2)
    assert items(kid(absent), five) == []
    longer = Rule("家访", "缺勤后", 1, "全部", 1, "全年", 2, None, None)  # a master before 19.5
    assert items(kid(absent), longer)[0][1] == dt.date(2026, 11, 6)
    week = Rule("家访", "缺勤后", 1, "全部", 1, "全年", 2, 3, 7)
    assert items(kid(absent), week)[0][1] == dt.date(2026, 11, 11)


# ---------------------------------------------------------------- 未返校后: 书面报告 within 30 days


def test_not_returned_without_a_report_is_due_then_overdue_and_binds_a_dropout():
    lost = Absence(dt.date(2026, 10, 8), 20, "未返校", persuaded=dt.date(2026, 10, 20))
    due = dt.date(2026, 11, 19)
    assert items(kid(lost, status="辍学"), REPORT) == [(dt.date(2026, 10, 8), due, OVERDUE, 11)]
    assert items(kid(lost), REPORT, dt.date(2026, 10, 25)) == [(dt.date(2026, 10, 8), due, OPEN, 0)]


def test_a_report_in_time_fills_it_and_returned_or_persuading_needs_none():
    lost = Absence(dt.date(2026, 10, 8), 20, "未返校", persuaded=dt.date(2026, 10, 20))
    assert items(kid(lost, status="辍学", reports=[dt.date(2026, 11, 3)]), REPORT) == []
    for outcome in ("返校", "劝返中"):
        assert items(kid(Absence(dt.date(2026, 10, 8), 20, outcome)), REPORT) == []


def test_a_transferred_child_is_not_judged_by_the_absence_rules():
    lost = Absence(dt.date(2026, 10, 8), 20, "未返校")
    assert items(kid(lost, status="转出"), REPORT) == items(kid(lost, status="转出"), VISIT) == []


def test_the_default_rules_read_from_a_fresh_master():
    rules = {r.label: r for r in read_rules(default_config(AS_OF))}
    assert (rules["家访·缺勤后"].trigger_days, rules["家访·缺勤后"].deadline_days) == (3, 2)
    assert rules["书面报告·未返校后"].deadline_days == 30


def test_a_master_made_before_the_two_columns_reads_a_typed_absence_rule_with_defaults():
    grids = default_grids("测试小学", "2026-2027")
    old_headers = list(RULES.headers[:7])  # 帮扶类型 … 依据, as the earlier template had them
    old_headers[5] = "假期暂停"
    grids[RULES.name] = [old_headers, ["家访", "缺勤后", 1, "全部", 1, "否", ""]]
    config = assemble_config(grids, "全校汇总.xlsx")
    (rule,) = read_rules(config)
    assert (rule.period, rule.trigger_days) == ("缺勤后", 3)
    assert [f for f in config.findings if f.severity == "错误"] == []
    assert rule.deadline_days == 2  # the empty columns read as the defaults
    assert items(kid(Absence(dt.date(2026, 11, 2), 3)), rule)[0][1] == dt.date(2026, 11, 6)


# ---------------------------------------------------------------- 巩固率


def test_retention_counts_dropouts_and_children_not_returned():
    lost = Absence(dt.date(2026, 10, 8), 20, "未返校", persuaded=dt.date(2026, 10, 20))
    back = Absence(dt.date(2026, 10, 8), 3, "返校", persuaded=dt.date(2026, 10, 10))
    children = [kid(), kid(), kid(status="辍学"), kid(lost), kid(back), kid(status="转出")]
    # 在籍 5 (在读 4 + 辍学 1), lost 2 (the 辍学 child and the one not returned)
    assert retention_rate(children, AS_OF) == 0.6
    assert retention_rate(children, dt.date(2026, 10, 15)) == 0.8  # before 10-20 she was 劝返中
    duties = school_duties(default_config(AS_OF), children, None, ["三年级1班"])
    assert (duties.retention_rate, duties.dropped_out) == (0.6, 2)
    # without absences, the rate is DESIGN §4's 在读 ÷ (在读 + 辍学)
    assert retention_rate([kid(), kid(), kid(), kid(status="辍学")], AS_OF) == 0.75


def test_grade_of_a_class_name():
    assert [grade_of(n) for n in ("三年级1班", "三年级(2)班", "初一3班", "七年级", "幼儿1班")] == [
        "三年级",
        "三年级",
        "初一",
        "七年级",
        "幼儿",
    ]


def test_monthly_report_states_at_each_month_end():
    persuading = Absence(dt.date(2026, 10, 26), 10, "返校", persuaded=dt.date(2026, 11, 3))
    lost = Absence(dt.date(2026, 9, 20), 30, "未返校", persuaded=dt.date(2026, 10, 10))
    children = [
        kid(persuading),
        kid(lost, cls="五年级2班"),
        kid(),
        kid(status="辍学", cls="五年级1班"),
    ]
    frame = monthly_report(children, CAL.year_start, AS_OF)
    got = {(r["月份"], r["年级"]): tuple(r)[2:6] for _, r in frame.iterrows()}
    assert got[("2026年9月", "三年级")] == (2, 0, 0, 0)
    assert got[("2026年9月", "五年级")] == (2, 1, 1, 0)  # 辍学 undated; the other 劝返中 at 09-30
    assert got[("2026年10月", "五年级")] == (2, 2, 0, 0)
    assert got[("2026年10月", "三年级")] == (2, 0, 1, 0)
    assert got[("2026年11月", "三年级")] == (2, 0, 0, 1)
    assert got[("2026年11月", "合计")] == (4, 2, 0, 1)
    assert list(frame["年级"][:3]) == ["三年级", "五年级", "合计"]
    assert frame["巩固率"].iloc[-1] == 0.5


# ---------------------------------------------------------------- findings of 缺勤与劝返


def absence(**changes) -> dict:
    row = {
        "缺勤开始日期": dt.date(2026, 11, 2),
        "学生姓名": "王小明",
        "缺勤天数": 3,
        "缺勤原因": "生病",
        "劝返措施": "11-03 家访",
        "劝返日期": dt.date(2026, 11, 3),
        "结果": "返校",
    }
    return row | changes


def book(tmp_path: Path, absences=(), students=None, sheet=True) -> Path:
    wb = build_class_workbook(["张老师"])
    fill_sheet(wb, STUDENTS.name, students or [student()])
    fill_sheet(wb, RECORDS.name, [record()])
    fill_sheet(wb, ABSENCES.name, absences)
    if not sheet:
        del wb[ABSENCES.name]
    path = tmp_path / "三年级2班.xlsx"
    wb.save(path)
    return path


def codes(path: Path) -> list[tuple[str, str, str]]:
    report = validate_classes(
        [ClassInput(read_class_workbook(path), "三年级2班")], default_config(AS_OF), AS_OF
    )
    return [(f.sheet, f.cell, f.code) for f in report.findings]


ABSENCE_CASES = [
    ({}, []),
    ({"结果": None, "劝返日期": None}, []),  # an empty 结果 is 劝返中
    ({"学生姓名": "李四"}, [("缺勤与劝返", "B2", "absence-child-unknown")]),
    ({"劝返日期": dt.date(2026, 11, 1)}, [("缺勤与劝返", "F2", "absence-date-order")]),
    ({"书面报告日期": dt.date(2026, 10, 1)}, [("缺勤与劝返", "H2", "absence-date-order")]),
    ({"缺勤天数": 30}, [("缺勤与劝返", "C2", "absence-days-beyond")]),
    ({"缺勤天数": 29}, []),  # 11-02 … 11-30
    ({"劝返日期": None}, [("缺勤与劝返", "F2", "absence-outcome-undated")]),
    ({"结果": "未返校"}, [("学生档案", STATUS_CELL, "absence-status-mismatch")]),
    (
        {"缺勤开始日期": dt.date(2026, 12, 1), "劝返日期": None, "结果": None},
        [("缺勤与劝返", "A2", "date-future")],
    ),
]


@pytest.mark.parametrize(("changes", "expected"), ABSENCE_CASES)
def test_absence_rows_are_checked(tmp_path, changes, expected):
    assert codes(book(tmp_path, [absence(**changes)])) == expected


def test_two_children_of_one_name_cannot_be_told_apart(tmp_path):
    twins = [student(), student(身份证号="", 出生日期=dt.date(2015, 6, 1))]
    found = codes(book(tmp_path, [absence()], twins))
    assert ("缺勤与劝返", "B2", "absence-child-ambiguous") in found


def test_a_dropout_needs_a_record_of_the_persuasion_unless_the_sheet_is_absent(tmp_path):
    dropout = [student(在校状态="辍学")]
    assert codes(book(tmp_path, [], dropout)) == [("学生档案", STATUS_CELL, "dropout-unrecorded")]
    assert codes(book(tmp_path, [absence(结果="未返校")], dropout)) == []
    earlier = codes(book(tmp_path, [], dropout, sheet=False))  # an earlier template
    assert [c for c in earlier if c[2] != "template-outdated"] == []  # only 19.7's 提示


def test_the_roster_gives_each_child_its_absences_and_reports(tmp_path):
    rows = [absence(结果="未返校", 书面报告日期=dt.date(2026, 11, 20)), absence(学生姓名="李四")]
    path = book(tmp_path, rows, [student(在校状态="辍学")])
    (child,) = children_of(ClassInput(read_class_workbook(path), "三年级2班"))
    assert child.absences == (
        Absence(dt.date(2026, 11, 2), 3, "未返校", dt.date(2026, 11, 3), dt.date(2026, 11, 20)),
    )
    assert child.records["书面报告"] == [dt.date(2026, 11, 20)]
