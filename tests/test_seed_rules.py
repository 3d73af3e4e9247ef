"""Issue 19.3 (categories as used now) and 19.6 (seed rules the schema missed), rule by rule."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pytest
from conftest import SID, plan, student, write_class_book
from openpyxl import Workbook, load_workbook
from test_google_classes import SOURCE, fill, google

from xlsync.core.calendar import read_calendar, read_rules
from xlsync.core.config import assemble_config, default_config, default_grids
from xlsync.core.obligations import DONE, OPEN, OVERDUE, SOON, applies, evaluate
from xlsync.core.roster import children_of
from xlsync.core.validate import ClassInput, validate_classes
from xlsync.core.verification import VERIFY_RULE
from xlsync.errors import XlsyncError
from xlsync.files.reader import read_class_workbook
from xlsync.jobs.classes import new_class
from xlsync.jobs.overdue import overdue
from xlsync.jobs.validate import validate
from xlsync.schema import (
    PAIRING_LIMIT_SETTING,
    RECORDS,
    RULES,
    SCHOOL,
    STUDENTS,
    STUDY_PLANS,
)

SEED_RULE_CODES = {
    "term-renamed",
    "disability-details-missing",
    "teacher-overloaded",
    "teacher-overloaded-school",
    "study-helper-missing",
}
AS_OF = dt.date(2026, 11, 30)
CONFIG = default_config(AS_OF)


def validated(*paths, config=CONFIG, as_of=AS_OF):
    items = [ClassInput(read_class_workbook(p), p.stem) for p in paths]
    return validate_classes(items, config, as_of)


def flat(report):
    return [(f.cell, f.severity, f.code) for f in report.findings]


def config_with(info=None, rules=None):
    """A configuration built from the grids of a fresh master, with settings or rules changed."""
    grids = default_grids("测试小学", "2026-2027")
    for key, value in (info or {}).items():
        grids[SCHOOL.name].append([key, value])
    if rules is not None:
        grids[RULES.name] = rules
    return assemble_config(grids, "全校汇总.xlsx")


def kids(n, **changes):
    return [student(姓名=f"学生{i:02d}", 身份证号="", **changes) for i in range(n)]


# ---------------------------------------------------------------- 19.3 categories


def test_new_categories_are_choices_and_need_no_finding(tmp_path):
    path = write_class_book(
        tmp_path / "一班.xlsx",
        students=[student(儿童类别="事实无人抚养儿童、脱贫户、低保、特困", 留守类型="")],
    )
    assert flat(validated(path)) == []
    categories = read_class_workbook(path).students.data.at[2, "儿童类别"]
    assert categories == ("事实无人抚养儿童", "脱贫户", "低保", "特困")


def test_jiandang_lika_reads_as_tuopinhu_with_a_notice_only(tmp_path):
    path = write_class_book(
        tmp_path / "一班.xlsx", students=[student(儿童类别="留守儿童、建档立卡贫困家庭")]
    )
    report = validated(path)
    assert flat(report) == [("F2", "提示", "term-renamed")]
    assert report.exit_code == 0  # a 提示 is not an error
    assert "「建档立卡贫困家庭」现在的规范叫法是「脱贫户」" in report.findings[0].message
    assert "可改为「留守儿童、脱贫户」" in report.findings[0].message
    assert read_class_workbook(path).students.data.at[2, "儿童类别"] == ("留守儿童", "脱贫户")


def test_a_category_synonym_is_a_warning(tmp_path):
    path = write_class_book(tmp_path / "一班.xlsx", students=[student(儿童类别="留守儿童、低保户")])
    assert flat(validated(path)) == [("F2", "警告", "choice-synonym")]


def test_rule_targets_accept_new_categories_and_the_old_term():
    rules = [list(RULES.headers), ["送温暖", "每学期", 1, "建档立卡贫困家庭", 7, "全年", ""]]
    rules.append(["家访", "每月", 1, "低保", 7, "全年", ""])
    config = config_with(rules=rules)
    assert [(f.code, f.severity) for f in config.findings] == [("term-renamed", "提示")]
    read = read_rules(config)
    assert [r.target for r in read] == ["脱贫户", "低保"]
    child = children_of(ClassInput(_book_of(儿童类别="建档立卡贫困家庭、低保"), "一班"))[0]
    assert applies(read[0], child) and applies(read[1], child)
    other = children_of(ClassInput(_book_of(儿童类别="留守儿童"), "一班"))[0]
    assert not applies(read[0], other) and not applies(read[1], other)


def _book_of(**changes):
    folder = Path(tempfile.mkdtemp())
    return read_class_workbook(
        write_class_book(folder / "一班.xlsx", students=[student(**changes)])
    )


def test_boarding_disability_and_illness_are_read(tmp_path):
    row = student(儿童类别="残疾儿童", 寄宿="住宿", 残疾类别="肢体残疾", 残疾等级=2, 重病="白血病")
    path = write_class_book(tmp_path / "一班.xlsx", students=[row])
    codes = flat(validated(path))
    assert sorted(codes) == [
        ("AB2", "警告", "choice-synonym"),
        ("AC2", "警告", "choice-synonym"),
        ("AD2", "警告", "choice-synonym"),
    ]
    data = read_class_workbook(path).students.data.loc[2]
    assert (data["寄宿"], data["残疾类别"], data["残疾等级"], data["重病"]) == (
        "住校",
        "肢体",
        "二级",
        "白血病",
    )


def test_a_disabled_child_without_kind_and_grade_is_warned(tmp_path):
    row = student(儿童类别="残疾儿童、留守儿童", 残疾类别="", 残疾等级="")
    path = write_class_book(tmp_path / "一班.xlsx", students=[row])
    report = validated(path)
    assert flat(report) == [
        ("AC2", "警告", "disability-details-missing"),
        ("AD2", "警告", "disability-details-missing"),
    ]
    assert "请照残疾证填写「残疾类别」" in report.findings[0].message
    filled = student(儿童类别="残疾儿童", 残疾类别="听力", 残疾等级="三级")
    other = student(姓名="李小红", 身份证号="", 儿童类别="留守儿童", 残疾类别="", 残疾等级="")
    path = write_class_book(tmp_path / "二班.xlsx", students=[filled, other])
    assert flat(validated(path)) == []


def old_class_book(path, students, plans=()):
    """A class workbook as the version-1 template made it: no column of issue 19."""
    wb = Workbook()
    wb.remove(wb.active)
    for spec, rows in ((STUDENTS, students), (RECORDS, []), (STUDY_PLANS, plans)):
        ws = wb.create_sheet(spec.name)
        headers = [c.header for c in spec.columns if c.since == 1]
        ws.append(headers)
        for row in rows:
            ws.append([row.get(h) for h in headers])
    wb.save(path)
    return path


def test_an_old_workbook_gets_no_new_finding_and_no_check_item(tmp_path):
    rows = [student(儿童类别="残疾儿童、建档立卡贫困家庭", 留守类型="")]
    path = old_class_book(tmp_path / "一班.xlsx", rows)
    report = validated(path)
    assert [(f.code, f.severity) for f in report.findings] == [
        ("term-renamed", "提示"),
        ("template-outdated", "提示"),  # issue 19.7: `xlsync upgrade` would add the new parts
    ]
    children = children_of(ClassInput(read_class_workbook(path), "一班"))
    calendar = read_calendar(CONFIG)
    items = evaluate(children, read_rules(CONFIG), calendar, AS_OF)
    assert items and all(i.rule != VERIFY_RULE for i in items)


# ---------------------------------------------------------------- 19.6 (a) pairing limit


def test_a_teacher_over_six_children_in_a_class_is_warned_once(tmp_path):
    path = write_class_book(tmp_path / "一班.xlsx", students=kids(8))
    report = validated(path)
    assert flat(report) == [("W8", "警告", "teacher-overloaded")]  # the 7th child, row 8
    assert "「张老师」在本班结对了 8 名学生，超过每名教师最多 6 名" in report.findings[0].message
    assert report.exit_code == 0


def test_six_children_or_children_no_longer_studying_are_not_counted(tmp_path):
    path = write_class_book(tmp_path / "一班.xlsx", students=kids(6))
    assert flat(validated(path)) == []
    gone = [student(姓名=f"转走{i:02d}", 身份证号="", 在校状态="转出") for i in range(3)]
    path = write_class_book(tmp_path / "二班.xlsx", students=kids(6) + gone)
    assert flat(validated(path)) == []


def test_the_limit_is_a_school_setting(tmp_path):
    path = write_class_book(tmp_path / "一班.xlsx", students=kids(5))
    assert flat(validated(path, config=config_with({PAIRING_LIMIT_SETTING: "4名"}))) == [
        ("W6", "警告", "teacher-overloaded")
    ]
    assert flat(validated(path, config=config_with({PAIRING_LIMIT_SETTING: 5}))) == []
    with pytest.raises(XlsyncError, match="每名教师最多结对人数.*请填 1–99 的整数"):
        validated(path, config=config_with({PAIRING_LIMIT_SETTING: "六"}))


def test_a_teacher_over_the_limit_only_school_wide_is_warned_at_the_master_level(tmp_path):
    one = write_class_book(tmp_path / "一班.xlsx", students=kids(4))
    two = write_class_book(tmp_path / "二班.xlsx", students=kids(4))
    report = validated(one, two)
    assert [(f.file, f.cell, f.code) for f in report.findings] == [
        (str(two), "W4", "teacher-overloaded-school")  # the 7th child overall
    ]
    assert "全校共结对了 8 名学生（一班 4 名、二班 4 名）" in report.findings[0].message
    assert flat(validated(one)) == []  # one class alone cannot tell


def test_a_class_already_over_the_limit_is_not_told_twice(tmp_path):
    one = write_class_book(tmp_path / "一班.xlsx", students=kids(7))
    two = write_class_book(tmp_path / "二班.xlsx", students=kids(2))
    codes = [f.code for f in validated(one, two).findings]
    assert codes == ["teacher-overloaded"]


# ---------------------------------------------------------------- 19.6 (b) 学习帮手


def test_a_struggling_child_with_a_plan_needs_a_study_helper(tmp_path):
    row = student(学业情况="差", 学习帮手="")
    path = write_class_book(
        tmp_path / "一班.xlsx", students=[row], plans=[plan(学生姓名="王小明", 学习帮手="")]
    )
    report = validated(path)
    assert flat(report) == [("X2", "警告", "study-helper-missing")]
    assert "「王小明」是学困生" in report.findings[0].message


def test_a_helper_in_the_roster_or_the_plan_is_enough(tmp_path):
    in_plan = write_class_book(
        tmp_path / "一班.xlsx",
        students=[student(学业情况="差", 学习帮手="")],
        plans=[plan(学生姓名="王小明", 学习帮手="李华")],
    )
    in_roster = write_class_book(
        tmp_path / "二班.xlsx",
        students=[student(学业情况="差", 学习帮手="李华")],
        plans=[plan(学生姓名="王小明", 学习帮手="")],
    )
    not_struggling = write_class_book(tmp_path / "三班.xlsx", students=[student(学习帮手="")])
    assert flat(validated(in_plan)) == flat(validated(in_roster)) == []
    assert flat(validated(not_struggling)) == []


def test_without_a_plan_only_the_missing_plan_is_reported(tmp_path):
    path = write_class_book(tmp_path / "一班.xlsx", students=[student(学业情况="差", 学习帮手="")])
    assert [f.code for f in validated(path).findings] == ["study-plan-missing"]


# ---------------------------------------------------------------- 19.6 (c) 适用时段


def _rules_grid(header, rows):
    return [[*RULES.headers[:5], header, "依据"], *rows]


def test_an_old_master_with_jiaqi_zanting_reads_the_same():
    old = [r[:5] + ("是" if r[5] == "学期中" else "否",) + r[6:] for r in RULES.defaults]
    config = config_with(rules=_rules_grid("假期暂停", old))
    assert {f.code for f in config.findings} == {"term-renamed"}
    assert {f.severity for f in config.findings} == {"提示"}
    fresh = config_with()
    assert read_rules(config) == read_rules(fresh)
    assert [r.season for r in read_rules(fresh)][:4] == ["学期中", "全年", "学期中", "学期中"]


def _season_items(season, as_of):
    rules = _rules_grid("适用时段", [["家长通话", "每月", 1, "全部", 7, season, ""]])
    config = config_with(rules=rules)
    child = children_of(ClassInput(_book_of(建档日期=dt.date(2026, 9, 1)), "一班"))[0]
    items = evaluate([child], read_rules(config), read_calendar(config), as_of)
    return [(i.period, i.status) for i in items if i.rule != VERIFY_RULE]


def test_vacation_only_rules_count_only_periods_with_vacation_days():
    # default terms: 2026-09-01 … 2027-01-22 and 2027-02-22 … 2027-07-02
    assert _season_items("仅假期", dt.date(2026, 11, 10)) == []  # Sept–Nov: all term
    assert _season_items("仅假期", dt.date(2027, 2, 10)) == [
        ("2027年1月", OVERDUE),
        ("2027年2月", OPEN),
    ]
    in_term = _season_items("学期中", dt.date(2027, 2, 10))
    all_year = _season_items("全年", dt.date(2027, 2, 10))
    assert len(in_term) == len(all_year) == 6  # Sept … Feb: each month holds a term day


def test_vacation_only_skips_months_wholly_in_term_but_keeps_the_summer():
    items = _season_items("仅假期", dt.date(2027, 8, 20))
    assert [p for p, _ in items] == ["2027年1月", "2027年2月", "2027年7月", "2027年8月"]


# ---------------------------------------------------------------- 19.6 (d) 最近核实日期


def _check_items(verified, as_of, filed=dt.date(2026, 9, 1)):
    book = _book_of(最近核实日期=verified, 建档日期=filed)
    items = evaluate(children_of(ClassInput(book, "一班")), [], read_calendar(CONFIG), as_of)
    return [(i.rule, i.period, i.due.isoformat(), i.status, i.days_overdue) for i in items]


def test_the_term_start_check_is_due_two_weeks_after_the_term_starts():
    due = "2026-09-14"
    term = "2026秋季学期开学两周内"
    assert _check_items("", dt.date(2026, 9, 2)) == [(VERIFY_RULE, term, due, DONE, 0)]  # filed
    filed_before = dt.date(2026, 6, 1)
    assert _check_items("", dt.date(2026, 9, 3), filed_before) == [
        (VERIFY_RULE, term, due, OPEN, 0)
    ]
    assert _check_items("", dt.date(2026, 9, 8), filed_before)[0][3] == SOON
    assert _check_items("", dt.date(2026, 9, 20), filed_before) == [
        (VERIFY_RULE, term, due, OVERDUE, 6)
    ]
    assert _check_items("2026-09-16", dt.date(2026, 9, 20), filed_before)[0][3] == DONE  # late


def test_last_terms_check_does_not_count_for_the_next_term():
    spring = _check_items("2026-09-05", dt.date(2027, 2, 25))
    assert spring == [(VERIFY_RULE, "2027春季学期开学两周内", "2027-03-07", OPEN, 0)]
    assert _check_items("2026-09-05", dt.date(2027, 3, 10))[0][3:] == (OVERDUE, 3)
    assert _check_items("2027-02-23", dt.date(2027, 3, 10))[0][3] == DONE


def test_the_check_is_in_the_overdue_json(school, run):
    path = write_class_book(
        school / "班级台账" / "三年级2班.xlsx",
        students=[student(最近核实日期="2026-06-30", 建档日期=dt.date(2026, 6, 1))],
    )
    result = run("overdue", path, "--as-of", "2026-09-20", "--format", "json")
    items = [i for i in json.loads(result.stdout)["items"] if i["rule"] == VERIFY_RULE]
    assert [(i["status"], i["due"], i["days_overdue"]) for i in items] == [
        ("已逾期", "2026-09-14", 6)
    ]


def test_the_master_lists_the_check_in_its_overdue_list(school, run):
    write_class_book(
        school / "班级台账" / "三年级2班.xlsx",
        students=[student(最近核实日期="", 建档日期=dt.date(2026, 6, 1))],
    )
    master = school / "全校汇总.xlsx"
    assert run("consolidate", master, "--as-of", "2026-09-20").exit_code in (0, 1)
    rows = list(load_workbook(master)["逾期清单"].iter_rows(values_only=True))
    assert any(VERIFY_RULE in row and "已逾期" in row for row in rows)


# ---------------------------------------------------------------- the Google Sheets class path


def test_a_google_class_gets_the_same_findings_and_check_item_as_excel(fake, school, tmp_path):
    rows = [
        student(儿童类别="残疾儿童、建档立卡贫困家庭", 留守类型="", 残疾类别="", 残疾等级=""),
        *kids(7, 学业情况="差", 学习帮手=""),
    ]
    plans = [plan(学生姓名="学生00", 学习帮手="")]
    new_class(school, "四年级1班", "张老师", SID, google())
    fill(fake, "学生档案", STUDENTS, rows)
    fill(fake, "学业帮扶计划", STUDY_PLANS, plans)
    excel = write_class_book(tmp_path / "四年级1班.xlsx", students=rows, plans=plans)
    master = school / "全校汇总.xlsx"
    from_google = validate([SOURCE], master, AS_OF, google=google()).report.findings
    from_excel = validate([excel], master, AS_OF).report.findings
    shown = [(f.sheet, f.cell, f.code, f.message) for f in from_google]
    assert shown == [(f.sheet, f.cell, f.code, f.message) for f in from_excel]
    assert SEED_RULE_CODES - {f.code for f in from_google} == {"teacher-overloaded-school"}
    as_of = dt.date(2026, 9, 20)
    checks = [
        (i.child, i.status)
        for i in overdue([SOURCE], master, as_of, google=google()).items
        if i.rule == VERIFY_RULE
    ]
    assert len(checks) == 8 and {s for _, s in checks} == {DONE}  # filed on the term's first day
