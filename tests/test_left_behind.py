"""Issue 19.2: the 民政 and 学籍 definitions of 留守儿童, computed from the parents' start months,
另一方无监护能力, 户口性质 and the birth date — against a brute-force reference, and where they
show: the status columns, 全校档案 and 概览."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import student
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from test_validate_rules import CONFIG, findings_of

from xlsync.core.config import assemble_config, default_grids
from xlsync.core.left_behind import (
    UNKNOWN,
    Situation,
    civil,
    enrolment_code,
    settings_of,
    situation_of,
)
from xlsync.core.normalize import CellProblem, parse_month
from xlsync.core.tables import column_letter
from xlsync.errors import XlsyncError
from xlsync.files.reader import read_class_workbook
from xlsync.schema import STUDENTS

AS_OF = dt.date(2026, 11, 30)


def at(header: str, row: int = 2) -> str:
    """The cell of `header` in a template's 学生档案 (the columns of issue 19 are appended)."""
    return f"{column_letter(STUDENTS.headers.index(header) + 1)}{row}"


# ------------------------------------------------------------------ brute-force reference


def ref_months_away(start: str, as_of: dt.date) -> int:
    """Walk month by month from the 1st of the start month: each 1st reached by as-of is one
    whole month away."""
    year, month = (int(p) for p in start.split("-"))
    day, count = dt.date(year, month, 1), 0
    while True:
        month += 1
        if month == 13:
            year, month = year + 1, 1
        day = dt.date(year, month, 1)
        if day > as_of:
            return count
        count += 1


def ref_under_16(born: dt.date, as_of: dt.date) -> bool:
    """Count the birthdays passed, one year at a time (29 February kept on the 28th)."""
    age = 0
    for year in range(born.year + 1, as_of.year + 1):
        try:
            birthday = born.replace(year=year)
        except ValueError:
            birthday = dt.date(year, 2, 28)
        if birthday <= as_of:
            age += 1
    return age < 16


def ref_away(start: str | None, as_of: dt.date) -> bool:
    if start is None:
        return False
    if start == UNKNOWN:
        return True
    year, month = (int(p) for p in start.split("-"))
    return dt.date(year, month, 1) <= as_of


def ref_civil(s: Situation, as_of: dt.date) -> bool | None:
    father, mother = ref_away(s.father, as_of), ref_away(s.mother, as_of)
    if not (father and mother) and not ((father or mother) and s.other_incapable):
        return False
    if s.born is not None and not ref_under_16(s.born, as_of):
        return False
    if s.rural is False:
        return False
    if s.born is None or s.rural is None:
        return None
    return True


def ref_code(s: Situation, as_of: dt.date, months: int) -> int:
    count = 0
    for start in (s.father, s.mother):
        if start == UNKNOWN or (start is not None and ref_months_away(start, as_of) >= months):
            count += 1
    return count


# ------------------------------------------------------------------ strategies

days = st.dates(dt.date(2018, 1, 1), dt.date(2032, 12, 31))
months_st = st.builds(lambda d: f"{d.year:04d}-{d.month:02d}", days)
starts = st.one_of(st.none(), st.just(UNKNOWN), months_st)


@st.composite
def near_threshold(draw: st.DrawFn) -> tuple[Situation, dt.date, int]:
    """A start month within a month of the threshold, and a birth date within days of the
    16th birthday: the two boundaries the definitions turn on."""
    as_of = draw(days)
    months = draw(st.integers(1, 12))
    back = months + draw(st.integers(-1, 1))
    index = as_of.year * 12 + as_of.month - 1 - back
    start = f"{index // 12:04d}-{index % 12 + 1:02d}"
    sixteen = as_of + dt.timedelta(days=draw(st.integers(-3, 3)))
    born = (
        sixteen.replace(year=sixteen.year - 16) if (sixteen.month, sixteen.day) != (2, 29) else None
    )
    other = draw(starts)
    s = Situation(
        start, other, draw(st.booleans()), born, draw(st.sampled_from([True, False, None]))
    )
    return s, as_of, months


situations = st.builds(
    Situation,
    starts,
    starts,
    st.booleans(),
    st.one_of(st.none(), st.dates(dt.date(2004, 1, 1), dt.date(2026, 12, 31))),
    st.sampled_from([True, False, None]),
)


@settings(max_examples=600, deadline=None)
@given(situations, days, st.integers(1, 12))
@example(Situation("2026-06", None), dt.date(2026, 9, 1), 3)  # exactly 3 months: 单亲
@example(Situation("2026-06", None), dt.date(2026, 8, 31), 3)  # a day short: 非留守
@example(Situation(UNKNOWN, UNKNOWN, born=dt.date(2010, 5, 10), rural=True), dt.date(2026, 5, 9), 3)
@example(
    Situation(UNKNOWN, UNKNOWN, born=dt.date(2010, 5, 10), rural=True), dt.date(2026, 5, 10), 3
)
@example(Situation(UNKNOWN, None, True, dt.date(2012, 2, 29), True), dt.date(2028, 2, 28), 3)
def test_definitions_match_the_reference(s, as_of, months):
    assert civil(s, as_of) == ref_civil(s, as_of)
    assert enrolment_code(s, as_of, months) == ref_code(s, as_of, months)


@settings(max_examples=400, deadline=None)
@given(near_threshold())
def test_definitions_match_the_reference_at_the_boundaries(case):
    s, as_of, months = case
    assert civil(s, as_of) == ref_civil(s, as_of)
    assert enrolment_code(s, as_of, months) == ref_code(s, as_of, months)


def test_the_16th_birthday_is_the_day_she_leaves_the_civil_definition():
    s = Situation("2020-01", "2020-01", born=dt.date(2010, 5, 10), rural=True)
    assert civil(s, dt.date(2026, 5, 9)) is True
    assert civil(s, dt.date(2026, 5, 10)) is False


def test_the_threshold_counts_whole_months_from_the_start_month():
    s = Situation("2026-06", "2026-08")
    assert enrolment_code(s, dt.date(2026, 8, 31), 3) == 0
    assert enrolment_code(s, dt.date(2026, 9, 1), 3) == 1
    assert enrolment_code(s, dt.date(2026, 11, 1), 3) == 2
    assert enrolment_code(s, dt.date(2026, 11, 1), 6) == 0  # a province counting 6 months


def test_one_away_and_the_other_without_capacity_is_civil_but_single_for_the_register():
    s = Situation("2024-02", None, True, dt.date(2015, 3, 1), True)
    assert civil(s, AS_OF) is True
    assert civil(Situation("2024-02", None, False, dt.date(2015, 3, 1), True), AS_OF) is False
    assert enrolment_code(s, AS_OF, 3) == 1


def test_an_urban_household_is_not_civil_and_an_unknown_one_is_to_be_checked():
    base = {
        "出生日期": dt.date(2015, 3, 1),
        "父亲外出起始年月": "2024-02",
        "母亲外出起始年月": "2024-02",
    }
    assert civil(situation_of({**base, "户口性质": "城镇"}), AS_OF) is False
    assert civil(situation_of({**base, "户口性质": "农村"}), AS_OF) is True
    assert civil(situation_of({**base, "户口性质": None}), AS_OF) is None


def test_legacy_type_means_who_is_away_with_the_start_unknown():
    s = situation_of({"留守类型": "父亲外出", "户口性质": "农村"})
    assert (s.father, s.mother) == (UNKNOWN, None)
    assert enrolment_code(s, AS_OF, 6) == 1  # an unknown start counts as long enough
    months = situation_of({"留守类型": "父母均外出", "母亲外出起始年月": "2026-10"})
    assert (months.father, months.mother) == (None, "2026-10")  # the months win once given


def test_an_unreadable_month_still_says_the_parent_is_away():
    s = situation_of({"父亲外出起始年月": None}, {"父亲外出起始年月": "去年春节后"})
    assert (s.father, s.mother) == (UNKNOWN, None)


@pytest.mark.parametrize(
    "raw,month",
    [
        ("2025-03", "2025-03"),
        ("2025.3", "2025-03"),
        (2025.3, "2025-03"),
        ("2025年3月", "2025-03"),
        ("２０２５年３月", "2025-03"),
        ("202503", "2025-03"),
        ("2025/3/15", "2025-03"),
        (dt.datetime(2025, 3, 1), "2025-03"),
        (45717, "2025-03"),  # an Excel date serial
    ],
)
def test_months_are_read_tolerantly(raw, month):
    assert parse_month(raw) == month


@pytest.mark.parametrize("raw", ["2025-13", "2025", 2025, "去年", "25-3"])
def test_a_month_that_cannot_be_read_is_refused(raw):
    with pytest.raises(CellProblem):
        parse_month(raw)


def test_an_unreadable_month_is_an_error_at_its_cell(class_book):
    path = class_book(students=[student(父亲外出起始年月="去年")])
    found = [(f.cell, f.code) for f in findings_of(path)]
    assert (at("父亲外出起始年月"), "month-invalid") in found


# ------------------------------------------------------------------ settings


def _config(**info: str):
    grids = default_grids("测试小学", "2026-2027")
    grids["学校信息"] = [["项目", "内容"], *[[k, v] for k, v in info.items()]]
    return assemble_config(grids, "全校汇总.xlsx")


def test_threshold_and_notice_days_come_from_school_info():
    assert settings_of(CONFIG).months == 3 and settings_of(CONFIG).notice_days == 30
    found = settings_of(_config(学籍留守外出月数="6", 委托书面告知期限天数="15"))
    assert (found.months, found.notice_days) == (6, 15)


def test_a_bad_setting_stops_the_run_naming_it(school, class_book, run):
    from openpyxl import load_workbook as load

    master = school / "全校汇总.xlsx"
    wb = load(master)
    wb["学校信息"].append(["学籍留守外出月数", "六个月"])
    wb.save(master)
    path = class_book()
    result = run("validate", path, "--master", master, "--as-of", "2026-11-30")
    assert result.exit_code == 2
    assert "学籍留守外出月数" in result.stderr and "六个月" in result.stderr
    with pytest.raises(XlsyncError):
        settings_of(_config(学籍留守外出月数="0"))


# ------------------------------------------------------------------ rules on the workbook


def test_turning_16_this_school_year_is_a_warning_from_that_day(class_book):
    born = dt.date(2010, 10, 16)
    row = student(出生日期=born, 身份证号="")
    path = class_book(students=[row])
    assert [f.code for f in findings_of(path)] == ["left-behind-turns-16"]
    assert [f.cell for f in findings_of(path)] == ["C2"]
    not_yet = class_book(
        "四年级1班.xlsx", students=[student(出生日期=dt.date(2010, 12, 1), 身份证号="")]
    )
    assert findings_of(not_yet) == []
    urban = class_book("四年级2班.xlsx", students=[{**row, "户口性质": "城镇"}])
    assert findings_of(urban) == []  # she was not in the civil definition the day before
    last_year = class_book(
        "四年级3班.xlsx", students=[student(出生日期=dt.date(2010, 7, 20), 身份证号="")]
    )
    assert findings_of(last_year) == []  # turned 16 before this school year began


def _old_workbook(path, rows):
    """A class workbook as the earlier template made it: only the since=1 columns of 学生档案."""
    wb = Workbook()
    ws = wb.active
    ws.title = "学生档案"
    headers = [c.header for c in STUDENTS.columns if c.since == 1]
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    wb.save(path)
    return path


def test_an_old_workbook_reads_with_no_new_error_and_one_notice(tmp_path):
    rows = [student(), student(姓名="李小红", 性别="女", 身份证号="", 留守类型="母亲外出")]
    path = _old_workbook(tmp_path / "三年级2班.xlsx", rows)
    found = [f for f in findings_of(path) if f.code != "template-outdated"]  # 19.7's own 提示
    assert [(f.code, f.severity, f.cell) for f in found] == [
        ("left-behind-type-legacy", "提示", "")  # no cell: nothing of hers is marked
    ]
    assert "2 名学生" in found[0].message
    table = read_class_workbook(path).students
    codes = [situation_of(t) for _, t in table.data.iterrows()]
    assert [(s.father, s.mother) for s in codes] == [(UNKNOWN, UNKNOWN), (None, UNKNOWN)]


def test_legacy_type_without_months_is_a_notice_per_child(class_book):
    path = class_book(students=[student(父亲外出起始年月="", 母亲外出起始年月="")])
    found = findings_of(path)
    assert [(f.code, f.cell) for f in found] == [
        ("left-behind-type-mapped", at("父亲外出起始年月"))
    ]
    assert "「父亲外出起始年月」和「母亲外出起始年月」" in found[0].message
    assert findings_of(class_book("b.xlsx", students=[student()])) == []


def test_legacy_type_that_disagrees_with_the_months_is_a_notice(class_book):
    path = class_book(students=[student(留守类型="父亲外出")])
    assert [(f.code, f.cell) for f in findings_of(path)] == [("left-behind-type-differs", "G2")]


def test_months_alone_satisfy_the_left_behind_requirement(class_book):
    path = class_book(students=[student(留守类型="")])
    assert findings_of(path) == []
    blank = class_book(
        "b.xlsx", students=[student(留守类型="", 父亲外出起始年月="", 母亲外出起始年月="")]
    )
    assert [f.code for f in findings_of(blank)] == ["required-conditional"]


# ------------------------------------------------------------------ where they show


def _status(path):
    ws = load_workbook(path)["学生档案"]
    header = [c.value for c in ws[1]]
    return [
        (row[header.index("民政留守")], row[header.index("学籍留守代码")])
        for row in ws.iter_rows(min_row=2, values_only=True)
    ]


def test_status_columns_show_both_definitions_and_are_xlsync_s_own(class_book, run):
    kids = [
        student(),
        student(姓名="李小红", 性别="女", 身份证号="", 母亲外出起始年月="", 户口性质=""),
        student(姓名="赵小刚", 身份证号="", 父亲外出起始年月="2026-10", 母亲外出起始年月=""),
    ]
    path = class_book(students=kids)
    run("overdue", path, "--write", "--as-of", "2026-11-30")
    assert _status(path) == [
        ("是", "2 双亲留守"),
        ("否", "1 单亲留守"),
        ("否", "0 非留守"),
    ]
    wb = load_workbook(path)
    ws = wb["学生档案"]
    ws[at("父亲外出起始年月", 4)] = (
        "2026-06"  # the teacher corrects a month; a re-run replaces the block in place
    )
    wb.save(path)
    run("overdue", path, "--write", "--as-of", "2026-11-30")
    assert _status(path)[2] == ("否", "1 单亲留守")
    header = [c.value for c in load_workbook(path)["学生档案"][1]]
    assert header.count("民政留守") == 1 and header.count("学籍留守代码") == 1


def test_master_shows_them_in_school_roster_and_counts_them_side_by_side(school, run):
    from conftest import write_class_book

    kids = [
        student(),
        student(姓名="李小红", 性别="女", 身份证号="", 母亲外出起始年月=""),
        student(姓名="赵小刚", 身份证号="", 户口性质=""),
        student(姓名="钱多多", 身份证号="", 在校状态="转出"),
    ]
    write_class_book(school / "班级台账" / "三年级2班.xlsx", students=kids)
    result = run(
        "consolidate", school / "全校汇总.xlsx", "--as-of", "2026-11-30", "--format", "json"
    )
    assert result.exit_code in (0, 1), result.output
    counted = json.loads(result.stdout)["left_behind"]
    assert counted == {"civil_yes": 1, "civil_unknown": 1, "code_1": 1, "code_2": 2}
    wb = load_workbook(school / "全校汇总.xlsx")
    rows = list(wb["全校档案"].iter_rows(values_only=True))
    header = rows[0]
    shown = [(r[header.index("民政留守")], r[header.index("学籍留守代码")]) for r in rows[1:]]
    assert shown == [
        ("是", "2 双亲留守"),
        ("否", "1 单亲留守"),
        ("待核实：缺户口性质", "2 双亲留守"),
        ("是", "2 双亲留守"),
    ]
    studying = [
        s for s, r in zip(shown, rows[1:], strict=True) if r[header.index("在校状态")] == "在读"
    ]
    lines = {r[0]: r[1] for r in wb["概览"].iter_rows(values_only=True) if r and r[0]}
    assert lines["留守儿童·民政口径（在读，国发〔2016〕13号）"] == sum(
        c == "是" for c, _ in studying
    )
    assert lines["　民政口径待核实（缺户口性质或出生日期）"] == 1
    assert lines["　其中 1 单亲留守"] == sum(k.startswith("1") for _, k in studying)
    assert lines["　其中 2 双亲留守"] == sum(k.startswith("2") for _, k in studying)
    assert lines["留守儿童·学籍口径（在读，代码 1 或 2）"] == 3
