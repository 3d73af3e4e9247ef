"""The cold 汇总 made faster (issue 22, b/c0): each shortcut gives exactly what the plain way
gave, on hostile inputs, and does the work it names once.

- 帮扶记录 names are resolved once per book and per distinct (name, 身份证号), not per row and
  per check (`ClassBook.linker`, `Linker.named`);
- a row template renders each distinct text or date of a column once (`sheet_xml._Column`),
  and `styled` fills every column's style id in one pass;
- the counted calendar periods of a rule are worked out once per kind of child (filing day,
  birthday for 节日), not for every child, rule and caller (`obligations._calendar_periods`);
- a column's widest value is found with the common types tested first (`layout.widest`);
- a class file's sheets are inflated again for formula-error cells only when the measuring
  pass saw one (`Extent.errors`).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from conftest import record, student
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from xlsync.core import identity, obligations
from xlsync.core.calendar import Calendar, Rule, Term
from xlsync.core.checks.context import Context, filled
from xlsync.core.checks.links import record_children_exist
from xlsync.core.classbook import ClassBook, assemble_class_book
from xlsync.core.config import default_config
from xlsync.core.findings import make_finding
from xlsync.core.formula import Formula
from xlsync.core.idcard import make_id
from xlsync.core.identity import Linker, Mismatch, record_names
from xlsync.core.obligations import Child, evaluate, tallies
from xlsync.core.render.layout import text_width, widest
from xlsync.core.tables import column_letter
from xlsync.core.validate import ClassInput, validate_class
from xlsync.files import sheet_xml
from xlsync.files.sheet_xml import (
    ROW_END,
    ROW_MARK,
    STYLE_CLOSE,
    STYLE_OPEN,
    row_template,
    styled,
)
from xlsync.schema import RECORDS, STUDENTS

AS_OF = dt.date(2026, 11, 30)
BORN = dt.date(2015, 3, 1)
IDS = [make_id("430102", BORN, n, "男") for n in (1, 3, 5)]
HOSTILE_IDS = [*IDS, None, "", "   ", IDS[0][:17] + "0", "12345"]  # blank, spaces, bad digit
NAMES = ["王小明", "李华", "王 小明", "张三"]  # 王 小明: a space typed inside a known name
RECORD_TEXTS = [
    *NAMES,
    "王小明、李华",  # a group record
    "王小明,张三，李华",
    "赵六",  # nobody
    "王小明、赵六",
    None,
    "",
    "  ",
]


# ------------------------------------------------------------------ 帮扶记录 → 学生档案


def _grid(spec: Any, rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [list(spec.headers), *([row.get(h) for h in spec.headers] for row in rows)]


def _book(students: list[tuple], records: list[tuple]) -> ClassBook:
    roster = [{"姓名": name, "身份证号": number, "性别": "男"} for name, number in students]
    logged = [
        {"日期": dt.date(2026, 10, 9), "学生姓名": text, "身份证号": number, "帮扶类型": "谈心"}
        for text, number in records
    ]
    grids = {"学生档案": _grid(STUDENTS, roster), "帮扶记录": _grid(RECORDS, logged)}
    return assemble_class_book(grids, "三年级2班.xlsx")


classes = st.tuples(
    st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(HOSTILE_IDS)), min_size=1),
    st.lists(st.tuples(st.sampled_from(RECORD_TEXTS), st.sampled_from(HOSTILE_IDS)), max_size=30),
)


def _meant(linker: Linker, name: str, given: Any) -> list[int]:
    return linker._resolve(name, given)[0]  # the resolution itself, without the memo


def plain_links(book: ClassBook) -> list[tuple[int, ...]]:
    """Before: every row's names resolved afresh, reading the frame cell by cell."""
    data, linker = book.records.data, Linker(book.students.data, book.records.data)
    found = []
    for row in data.index:
        given = data.at[row, "身份证号"]
        names = record_names(data.at[row, "学生姓名"], linker.by_name, given)
        meant = [_meant(linker, name, given) for name in names]
        found.append(tuple(dict.fromkeys(m[0] for m in meant if len(m) == 1)))
    return found


def plain_mismatches(book: ClassBook) -> list[Mismatch]:
    data, linker, found = book.records.data, Linker(book.students.data, book.records.data), []
    for row in data.index:
        name, given = data.at[row, "学生姓名"], data.at[row, "身份证号"]
        if isinstance(name, str) and name:
            children, field = linker._resolve(name, given)
            if field is not None:
                written = given if field == "身份证号" else name
                found.append(Mismatch(row, children[0], field, str(written or "")))
    return found


def plain_children_exist(book: ClassBook) -> list:
    records, linker, found = book.records, Linker(book.students.data, book.records.data), []
    for row, text in filled(records, "学生姓名"):
        given = records.data.at[row, "身份证号"]
        for name in record_names(text, linker.by_name, given):
            count = len(_meant(linker, name, given))
            place = records.place(row, "学生姓名")
            if count > 1:
                found.append(make_finding("record-child-ambiguous", place, name, count=count))
            elif count == 0:
                detail = f"（身份证号 {given}）" if given else ""
                found.append(make_finding("record-child-unknown", place, name, detail=detail))
    return found


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes)
def test_links_and_their_findings_equal_resolving_every_row_afresh(drawn):
    """Blank and invalid IDs, namesakes, group records, records pointing at nobody."""
    book = _book(*drawn)
    ctx = Context(book, default_config(AS_OF), AS_OF, "三年级2班")
    assert book.record_links.tolist() == plain_links(book)
    assert book.link_mismatches == plain_mismatches(book)
    assert list(record_children_exist(ctx)) == plain_children_exist(book)


def test_a_book_is_linked_once_and_each_name_resolved_once(monkeypatch):
    """Before: three Linkers per book (links, mismatches, the check), every row resolved."""
    built, resolved = Counter(), Counter()
    plain_init, plain_resolve = Linker.__init__, getattr(Linker, "_resolve", None)

    def counting_init(self, *args):
        built["linker"] += 1
        plain_init(self, *args)

    def counting_resolve(self, name, given):
        resolved[(name, given)] += 1
        return plain_resolve(self, name, given)

    monkeypatch.setattr(identity.Linker, "__init__", counting_init)
    monkeypatch.setattr(identity.Linker, "_resolve", counting_resolve, raising=False)
    students = [("王小明", IDS[0]), ("李华", None), ("李华", IDS[1])]
    records = [("王小明", None), ("李华", IDS[1]), ("王小明、李华", None), ("赵六", "")] * 50
    book = _book(students, records)
    found = validate_class(ClassInput(book, "三年级2班"), default_config(AS_OF), AS_OF)
    assert {f.code for f in found} >= {"record-child-unknown", "record-child-ambiguous"}
    assert built["linker"] == 1
    assert resolved and max(resolved.values()) == 1


# ------------------------------------------------------------------ rows of sheet XML

TEXTS = st.text(alphabet=st.sampled_from("ab 王<&>\"'\x00\x01\x02\x03\x0b\t\n="), max_size=6)
VALUES = st.one_of(
    st.none(),
    TEXTS,
    st.sampled_from([0.0, -0.0, 1, 1.0, True, False, 2, math.nan, math.inf, 1e-7, 123456789.0]),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
    st.sampled_from([dt.datetime(2026, 9, 1), dt.datetime(2026, 9, 1, 12, 30)]),
    st.sampled_from([Formula("=SUM(A1:A2)"), Formula("=SUM(A1:A2)", 3.0), Formula("=1", 1)]),
)
WIDTH = 28  # past Z: column AA and AB


def cell_by_cell(rows: list[list[Any]], heights: list[float | None]) -> str:
    """Before: every cell rendered on its own."""
    parts = []
    for values, height in zip(rows, heights, strict=True):
        cells = "".join(
            sheet_xml._cell(
                f"{column_letter(i)}{ROW_MARK}", v, f"{STYLE_OPEN}{column_letter(i)}{STYLE_CLOSE}"
            )
            for i, v in enumerate(values, start=1)
        )
        size = f' ht="{height}" customHeight="1"' if height else ""
        parts.append(f'<row r="{ROW_MARK}"{size}>{cells}</row>{ROW_END}')
    return "".join(parts)


rows_of_values = st.lists(
    st.lists(VALUES, min_size=1, max_size=WIDTH), min_size=1, max_size=12
).flatmap(
    lambda rows: st.tuples(
        st.just(rows), st.lists(st.sampled_from([None, 15.0, 28.5]), min_size=len(rows))
    )
)


@settings(max_examples=200, deadline=None)
@given(rows_of_values)
def test_a_row_template_equals_rendering_every_cell(drawn):
    """-0.0 beside 0.0, 1 beside 1.0 and True, NaN, a date beside a datetime, control
    characters and spaces at the ends of a text: each written as it would be alone."""
    rows, heights = drawn
    heights = heights[: len(rows)]
    assert row_template(rows, heights) == cell_by_cell(rows, heights)


def test_each_distinct_text_of_a_column_is_escaped_once(monkeypatch):
    escaped = Counter()
    plain_text = sheet_xml._WRITERS[str]

    def counting(ref, value, style):
        escaped[(ref, value)] += 1
        return plain_text(ref, value, style)

    monkeypatch.setitem(sheet_xml._WRITERS, str, counting)
    rows = [["一年级1班", f"学生{n % 40}", "谈心" if n % 2 else "家访", n] for n in range(2000)]
    template = row_template(rows, [None] * len(rows))
    assert template.count(ROW_END) == 2000
    assert max(escaped.values()) == 1 and len(escaped) == 1 + 40 + 2


def each_column_in_turn(template: str, styles: dict[str, str], width: int) -> str:
    """Before: one replacement over the whole text per column."""
    for number in range(1, width + 1):
        letter, style = column_letter(number), styles.get(column_letter(number))
        mark = f' s="{STYLE_OPEN}{letter}{STYLE_CLOSE}"'
        template = template.replace(mark, f' s="{style}"' if style else "")
    return template


@settings(max_examples=150, deadline=None)
@given(
    rows_of_values,
    st.dictionaries(
        st.sampled_from([column_letter(n) for n in range(1, WIDTH + 1)]),
        st.sampled_from(["1", "7", "12", ""]),
    ),
    st.integers(0, WIDTH + 2),
)
def test_styled_equals_filling_each_column_in_turn(drawn, styles, width):
    """Columns without a style, a width shorter or longer than the rows, AA after Z."""
    rows, heights = drawn
    template = row_template(rows, heights[: len(rows)])
    assert styled(template, styles, width) == each_column_in_turn(template, styles, width)


# ------------------------------------------------------------------ obligation periods

CAL = Calendar(
    (
        Term("2026秋季学期", dt.date(2026, 9, 1), dt.date(2027, 1, 22)),
        Term("2027春季学期", dt.date(2027, 2, 22), dt.date(2027, 7, 2)),
    ),
    (("国庆节", dt.date(2026, 10, 1)), ("春节", dt.date(2027, 2, 6))),
)
RULES = [
    Rule("谈心", "每周", 1, "全部", 2, "学期中", 2),
    Rule("家访", "每学期", 1, "全部", 7, "全年", 3),
    Rule("节日慰问", "节日", 1, "全部", 3, "全年", 4),
]


@pytest.fixture
def counted_periods(monkeypatch) -> Counter:
    """How often the engine asks for a rule's calendar periods, by kind."""
    cached = getattr(obligations, "_calendar_periods", None)
    if cached is not None:
        cached.cache_clear()  # another test's calendar must not count here
    asked: Counter = Counter()
    plain = obligations.periods

    def counting(kind, *args):
        asked[kind] += 1
        return plain(kind, *args)

    monkeypatch.setattr(obligations, "periods", counting)
    return asked


def test_calendar_periods_are_worked_out_once_per_kind_of_child(counted_periods):
    """40 children filed on two days, born on two: before, 40 × 3 rules × 2 callers."""
    children = [
        Child(
            "三年级2班",
            f"学生{n}",
            f"k{n}",
            "张老师",
            "三年级2班.xlsx",
            n + 2,
            dt.date(2026, 9, 1) if n % 2 else dt.date(2026, 10, 12),
            dt.date(2016, 5, 1) if n % 4 < 2 else dt.date(2016, 12, 24),
            records={"谈心": [dt.date(2026, 9, 8), dt.date(2026, 11, 2)]},
        )
        for n in range(40)
    ]
    items, found = evaluate(children, RULES, CAL, AS_OF), tallies(children, RULES, CAL, AS_OF)
    assert len(found) == 120 and items
    assert counted_periods == {"每周": 2, "每学期": 2, "节日": 4}


# ------------------------------------------------------------------ column widths


def widest_before(values: list[Any]) -> float:
    """`layout.widest` as it was: every value through isinstance (an ABC's is slow)."""
    texts, amounts, others = set(), [], set()
    for value in values:
        if isinstance(value, str):
            texts.add(value)
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            amounts.append(value)
        else:
            others.add(value if isinstance(value, dt.date | type(None)) else str(value))
    best = max((text_width(v) for v in others), default=0.0)
    if amounts:
        best = max(best, text_width(max(amounts)), text_width(min(amounts)))
    for text in sorted(texts, key=len, reverse=True):
        if 2 * len(text) <= best:
            break
        best = max(best, text_width(text))
    return best


class Label(str):
    """A str that is not exactly str."""


MIXED = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from("a王 1"), max_size=8),
    st.text(alphabet=st.sampled_from("ab王"), max_size=5).map(Label),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
    st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 1, 1)),
    st.sampled_from([Fraction(1, 3), Decimal("12.50"), dt.time(8, 30), (1, "a")]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(MIXED, max_size=30))
def test_widest_equals_the_plain_isinstance_walk(values):
    """bool is not a number here, a str subclass is text, a datetime is a date."""
    assert widest(values) == widest_before(values)


# ------------------------------------------------------------------ reading


def test_only_sheets_with_an_error_cell_are_read_again_for_it(class_book, monkeypatch):
    """The measuring pass notes which sheets hold t="e"; before, every sheet of every class
    file was inflated a third time to look."""
    from xlsync.files import reader

    asked: list[set[str]] = []
    plain = reader.error_cells

    def counting(stream, sheets):
        asked.append(set(sheets))
        return plain(stream, sheets)

    monkeypatch.setattr(reader, "error_cells", counting)
    clean = class_book(students=[student()], records=[record()])
    assert reader.read_class_workbook(clean).students.data.at[2, "姓名"] == "王小明"
    assert asked == []
    erring = class_book("四年级1班.xlsx", students=[student(姓名="#REF!")], records=[record()])
    workbook = load_workbook(erring)
    workbook["学生档案"]["A2"].data_type = "e"
    workbook.save(erring)
    book = reader.read_class_workbook(erring)
    assert asked == [{"学生档案"}]
    assert book.students.raw.at[2, "姓名"] == "#REF!"
    assert "cell-error" in {f.code for f in book.findings}


def test_an_id_number_is_checked_once_however_many_records_repeat_it(monkeypatch):
    """Every record of a child repeats the child's ID: each row still gets its finding."""
    from xlsync.core.checks import values

    getattr(values, "_number_problem", None) and values._number_problem.cache_clear()
    digits = Counter()
    plain = values.check_digit

    def counting(first17):
        digits[first17] += 1
        return plain(first17)

    monkeypatch.setattr(values, "check_digit", counting)
    wrong = IDS[0][:17] + ("0" if IDS[0][17] != "0" else "1")
    book = _book([("王小明", IDS[0])], [("王小明", wrong)] * 200 + [("王小明", IDS[0])] * 200)
    found = validate_class(ClassInput(book, "三年级2班"), default_config(AS_OF), AS_OF)
    flagged = [f for f in found if f.code == "id-checksum"]
    assert len(flagged) == 200 and {f.row for f in flagged} == set(range(2, 202))
    assert digits[wrong[:17]] <= 3  # the wrong one: test and expected digit; the right: test


def numbered_cell_by_cell(rows, first_row, styles, heights):
    """Before: rows_xml rendering every cell with its own reference."""
    parts = []
    for number, values in enumerate(rows, start=first_row):
        cells = "".join(
            sheet_xml._cell(f"{column_letter(i)}{number}", v, styles.get(column_letter(i)))
            for i, v in enumerate(values, start=1)
        )
        height = heights.get(number)
        size = f' ht="{height}" customHeight="1"' if height else ""
        parts.append(f'<row r="{number}"{size}>{cells}</row>')
    return "".join(parts)


@settings(max_examples=200, deadline=None)
@given(
    rows_of_values,
    st.integers(2, 200_000),
    st.dictionaries(
        st.sampled_from([column_letter(n) for n in range(1, WIDTH + 1)]),
        st.sampled_from(["1", "7", ""]),
    ),
)
def test_rows_xml_equals_rendering_every_cell_with_its_row(drawn, first_row, styles):
    rows, heights = drawn
    by_row = {first_row + i: h for i, h in enumerate(heights[: len(rows)]) if h}
    expected = numbered_cell_by_cell(rows, first_row, styles, by_row)
    assert sheet_xml.rows_xml(rows, first_row, styles, by_row) == expected
