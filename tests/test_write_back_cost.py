"""The write-back's cost (issue 16's target, kept by issue 22) without a weaker guarantee.

Each refreshed class file is read once after it is written — the post-write check's read of
the bytes written also gives the cache its book, and a file whose other class sheets read as
before has only its 学生档案 typed again — and the cached book is exactly what reading the
file gives. The widened checks are built from the package's XML, equal to the openpyxl way
on hostile inputs (and an Excel-saved check, with its xr:uid, no longer stops 汇总). The
inputs digest covers every field it hashes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation, DataValidationList
from openpyxl.xml.functions import fromstring

import xlsync.core.classbook as classbook
import xlsync.files.readback as readback
from xlsync.core.consolidate import ClassResult
from xlsync.core.findings import Finding
from xlsync.core.left_behind import Settings
from xlsync.core.obligations import Item
from xlsync.demo import DemoSize, generate_school
from xlsync.files import cache_codec as codec
from xlsync.files import refresh
from xlsync.files.cache import CACHE_DIR, Cache, content_digest
from xlsync.files.kept import ensure_same_rows
from xlsync.files.ooxml import edit_sheets, sheet_parts
from xlsync.files.patch_book import _defined_name
from xlsync.files.ranges import widen_checks
from xlsync.files.reader import read_class_workbook
from xlsync.files.validations import check_for
from xlsync.files.xlsx_checks import widened, with_checks
from xlsync.jobs import write_back
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.refresh_files import SEQUENTIAL_ENV
from xlsync.schema import RECORDS, STUDENT_LIST, STUDENTS

AS_OF = dt.date(2026, 11, 30)
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture
def school(tmp_path: Path, monkeypatch) -> Path:
    """Two generated classes, never consolidated; the write-back in this process."""
    monkeypatch.setenv(SEQUENTIAL_ENV, "1")
    return generate_school(tmp_path / "学校", AS_OF, DemoSize(2, 8), seed=5)


def _classes(master: Path) -> list[Path]:
    return sorted((master.parent / "班级台账").glob("*.xlsx"))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cached_books(master: Path) -> dict[Path, tuple[str, Any]]:
    """Each class file's last good (content hash, book) in the cache of `master`."""
    cache = Cache(master, _year(master))
    found = {path: cache.last_good(path) for path in _classes(master)}
    assert all(found.values()), "every refreshed class is cached"
    return {p: (f[0], f[1]) for p, f in found.items() if f is not None}


def _assert_cache_is_the_file(master: Path) -> None:
    """The cached book of every class file is what reading the file gives, table for table
    and type for type (the cache's own text of both), under the file's content hash."""
    for path, (digest, book) in _cached_books(master).items():
        assert digest == content_digest(path), path.name
        read = read_class_workbook(path, book.file, _year(master))
        assert codec.book_json(read)[0] == codec.book_json(book)[0], path.name


def _year(master: Path) -> int | None:
    index = json.loads((master.parent / CACHE_DIR / "index.json").read_text())
    year = index["code"].rsplit("|", 1)[1]
    return None if year == "None" else int(year)


# ---------------------------------------------------------------- one read of a written file


class _Counting:
    """python-calamine's workbook, remembering the content hash of every package it reads
    and which of its sheets are laid out."""

    real = python_calamine.CalamineWorkbook
    read: Counter[str] = Counter()
    sheets: Counter[tuple[str, str]] = Counter()

    def __init__(self, book: Any, digest: str) -> None:
        self.book, self.digest, self.sheet_names = book, digest, book.sheet_names

    def get_sheet_by_name(self, name: str) -> Any:
        _Counting.sheets[self.digest, name] += 1
        return self.book.get_sheet_by_name(name)

    @classmethod
    def from_filelike(cls, stream: Any) -> Any:
        data = stream.read()
        cls.read[_sha(data)] += 1
        return cls(cls.real.from_filelike(io.BytesIO(data)), _sha(data))

    @classmethod
    def from_path(cls, path: Any) -> Any:
        return cls.from_filelike(io.BytesIO(Path(path).read_bytes()))


def test_a_refreshed_file_is_read_once_after_it_is_written(school, monkeypatch):
    """The post-write check's read of the bytes written serves the cache as well (it was read
    a second time by the reader); the file as it was is read by 汇总 and by the writer only
    (the post-write check read it a third time)."""
    before = {path: _sha(path.read_bytes()) for path in _classes(school)}
    _Counting.read.clear()
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", _Counting)
    result = consolidate(school, as_of=AS_OF)
    assert result.write_back is not None and len(result.write_back.refreshed) == 2
    for path, old in before.items():
        assert _Counting.read[_sha(path.read_bytes())] == 1, path.name
        assert _Counting.read[old] == 2, path.name
        # 帮扶记录 keeps its rows byte for byte (no mark in it): it reads as it did
        assert _Counting.sheets[_sha(path.read_bytes()), STUDENTS.name] == 1
        assert _Counting.sheets[_sha(path.read_bytes()), RECORDS.name] == 0


def _rewritten(data: bytes, edits: dict[str, Any]) -> bytes:
    """The package with some parts' bytes passed through an edit (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info, edits.pop(info.filename, lambda b: b)(body))
        for name, edit in edits.items():
            target.writestr(name, edit(b""))
    return out.getvalue()


def test_rows_kept_byte_for_byte_read_alike_only_with_the_same_strings_and_formats(school):
    """The sheets whose rows the writer kept are not read again only when the parts their
    values depend on are as before: shared strings, the date system, the formats kept."""
    path = _classes(school)[0]
    data = path.read_bytes()
    others = {STUDENTS.name}
    assert RECORDS.name in ensure_same_rows(path, data, data, others)
    appended = _rewritten(
        data, {"xl/styles.xml": lambda b: b.replace(b"</cellXfs>", b"<xf/></cellXfs>")}
    )
    assert RECORDS.name in ensure_same_rows(path, data, appended, others)
    for edits in (
        {"xl/sharedStrings.xml": lambda b: b + b"<!-- -->"},
        {"xl/styles.xml": lambda b: re.sub(rb"(<cellXfs[^>]*>)", rb"\1<xf/>", b, count=1)},
        {"xl/workbook.xml": lambda b: b.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)},
    ):
        assert ensure_same_rows(path, data, _rewritten(data, dict(edits)), others) == frozenset()


# ---------------------------------------------------------------- the cached book


def _error_cell(path: Path) -> None:
    """A formula whose cached result is an error (#DIV/0!) in 帮扶记录's third row."""

    def add(xml: bytes) -> bytes:
        cell = b'<c r="Z3" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        row = re.compile(rb'(<row r="3"[^>]*>.*?)(</row>)', re.S)
        return row.sub(lambda m: m[1] + cell + m[2], xml, count=1)

    path.write_bytes(edit_sheets(path.read_bytes(), {RECORDS.name: add}))


def _excel_uids(path: Path) -> None:
    """Checks as Excel 2016+ saves them: each with an xr:uid attribute."""

    def uid(xml: bytes) -> bytes:
        xml = xml.replace(b"<dataValidation ", b'<dataValidation xr:uid="{0A1B2C3D-0000}" ')
        revision = b'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
        return xml.replace(b"<worksheet ", b"<worksheet " + revision, 1)

    path.write_bytes(edit_sheets(path.read_bytes(), {STUDENTS.name: uid, RECORDS.name: uid}))


@pytest.mark.parametrize("change", [None, _error_cell, _excel_uids], ids=["plain", "error", "xr"])
def test_the_cached_book_of_a_refreshed_file_is_what_reading_it_gives(school, change, monkeypatch):
    """Only 学生档案 is typed again (帮扶记录 once per class, by 汇总's own read), the older
    book is not read again to compare, and the cache holds exactly what the file reads as."""
    for path in _classes(school) if change else []:
        change(path)
    built: Counter[str] = Counter()
    real_build = classbook.build_table

    def counting(grid, spec, *args, **kwargs):
        built[spec.name] += 1
        return real_build(grid, spec, *args, **kwargs)

    monkeypatch.setattr(classbook, "build_table", counting)
    monkeypatch.setattr(readback, "build_table", counting)
    monkeypatch.setattr(ClassResult, "whole", _never)
    result = consolidate(school, as_of=AS_OF)
    assert result.write_back is not None and len(result.write_back.refreshed) == 2
    assert built[RECORDS.name] == 2 and built[STUDENTS.name] == 4
    monkeypatch.undo()
    _assert_cache_is_the_file(school)
    again = consolidate(school, as_of=AS_OF)  # the refreshed files: nothing to parse again
    assert again.parsed == [] and again.unchanged


def _never(self: Any) -> Any:
    raise AssertionError("the whole older book was read again")


def test_a_file_saved_meanwhile_is_kept_whole_not_put_together(school, monkeypatch):
    """When the file the writer reads is not the content 汇总 read (the teacher saved a record
    in between), its book is typed whole from what was written, not pieced from the older."""
    path = _classes(school)[0]
    real_read = refresh.read_for_update

    def saved_meanwhile(target: Path) -> Any:
        if target == path:
            workbook = load_workbook(target)
            sheet = workbook[RECORDS.name]
            sheet.append([AS_OF, sheet["B2"].value, None, "谈心", sheet["E2"].value, "补记一次"])
            workbook.save(target)
        return real_read(target)

    monkeypatch.setattr(refresh, "read_for_update", saved_meanwhile)
    consolidate(school, as_of=AS_OF)
    monkeypatch.undo()
    _assert_cache_is_the_file(school)
    book = _cached_books(school)[path][1]
    assert "补记一次" in book.records.data["内容摘要"].tolist()


def test_the_book_is_read_from_the_file_when_the_older_one_is_gone(school, monkeypatch):
    monkeypatch.setattr(Cache, "keep_refreshed", lambda self, *args: False)
    consolidate(school, as_of=AS_OF)
    monkeypatch.undo()
    _assert_cache_is_the_file(school)


def test_an_excel_saved_check_does_not_stop_the_write_back(school, run):
    """Excel writes an xr:uid on every check; the package writer's widening parsed the checks
    without that namespace and 汇总 stopped with a traceback."""
    for path in _classes(school):
        _excel_uids(path)
    result = run("consolidate", school, "--as-of", AS_OF.isoformat())
    assert "已更新 2 个班级台账" in result.output and result.exit_code != 2


# ---------------------------------------------------------------- widening in plain XML


HEADERS = ["姓名", "性别", "出生日期", "学业情况", "在校状态"]
RECORD_HEADERS = ["日期", "学生姓名", "身份证号", "帮扶类型", "帮扶教师"]


@st.composite
def _workbooks(draw: Any) -> bytes:
    """A class workbook as a teacher's program may have left it: a title (with a control
    character) above 学生档案's header, children and records up to and past half a year's
    rows, xlsync's checks and the teacher's own with odd ranges, and 学生名单 absent,
    xlsync's or hers."""
    wb = Workbook()
    students = wb.active
    students.title = draw(st.sampled_from([STUDENTS.name, "学生名册"]))
    top = draw(st.integers(1, 3))
    if top > 1:
        students.cell(1, 1, draw(st.sampled_from(["某某小学_x0007_学生", "  ", "学生档案"])))
    for number, header in enumerate(HEADERS, start=1):
        students.cell(top, number, header)
    children = draw(st.sampled_from([0, 3, STUDENTS.rows // 2, STUDENTS.rows // 2 + 1]))
    for row in range(top + 1, top + 1 + children):
        students.cell(row, 1, f"学生{row}")
    records = wb.create_sheet(RECORDS.name)
    for number, header in enumerate(RECORD_HEADERS, start=1):
        records.cell(1, number, header)
    count = draw(st.sampled_from([0, 5, RECORDS.rows // 2 + 1]))
    for row in range(2, 2 + count):
        records.cell(row, 1, AS_OF)
    for sheet, headers, first in ((students, HEADERS, top + 1), (records, RECORD_HEADERS, 2)):
        for number in draw(st.sets(st.integers(1, len(headers)))):
            _check(draw, sheet, headers[number - 1], number, first)
    if draw(st.booleans()):
        sheet = draw(st.sampled_from([students.title, "说明"]))
        ref = f"'{sheet}'!$A${top + 1}:$A${draw(st.sampled_from([top + 9, 1001]))}"
        wb.defined_names[STUDENT_LIST] = DefinedName(STUDENT_LIST, attr_text=ref)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _check(draw: Any, sheet: Any, header: str, number: int, first: int) -> None:
    spec = STUDENTS if header in HEADERS else RECORDS
    own = check_for(spec.column(header)) if header in spec.headers else None
    check = (
        own
        if own is not None and draw(st.booleans())
        else DataValidation(type="list", formula1='"甲,乙"', allow_blank=True)
    )
    letter = chr(64 + number)
    start = draw(st.sampled_from([first, first, 1]))
    end = draw(st.sampled_from([start + 9, 1001, 5001, 9000]))
    ranges = [f"{letter}{start}:{letter}{end}"]
    if draw(st.booleans()):  # a hole the teacher made, or a second column
        other = draw(st.sampled_from([letter, "Z"]))
        ranges = [f"{letter}{start}:{letter}{start + 4}", f"{other}{start + 8}:{other}{end}"]
    check.sqref = " ".join(ranges)
    sheet.add_data_validation(check)


def _checks_of(xml: bytes) -> list[tuple]:
    """A sheet's checks as openpyxl reads them, in a comparable form."""
    found = fromstring(xml).find(f"{MAIN}dataValidations")
    if found is None:
        return []
    fields = ("type", "formula1", "formula2", "operator", "allow_blank", "errorStyle", "error")
    return sorted(
        (str(v.sqref), *(str(getattr(v, f)) for f in fields), str(v.prompt), str(v.errorTitle))
        for v in DataValidationList.from_tree(found).dataValidation
    )


def _openpyxl_way(data: bytes) -> tuple[dict[str, list[tuple]], str | None]:
    wb = load_workbook(io.BytesIO(data))
    widen_checks(wb)
    out = io.BytesIO()
    wb.save(out)
    with zipfile.ZipFile(out) as archive:
        checks = {n: _checks_of(archive.read(p)) for n, p in sheet_parts(archive).items()}
    name = load_workbook(out).defined_names.get(STUDENT_LIST)
    return checks, name.attr_text if name is not None else None


def _package_way(data: bytes) -> tuple[dict[str, list[tuple]], str | None]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = {n: archive.read(p) for n, p in sheet_parts(archive).items()}
        roster = _defined_name(archive.read("xl/workbook.xml"), STUDENT_LIST)
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    grids = {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in xml}
    done = widened(xml, grids, roster)
    checks = {
        n: _checks_of(with_checks(x, done.checks[n]) if n in done.checks else x)
        for n, x in xml.items()
    }
    return checks, done.roster if done.roster is not None else roster


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_workbooks())
def test_widening_in_plain_xml_equals_the_openpyxl_way(data):
    assert _package_way(data) == _openpyxl_way(data)


# ---------------------------------------------------------------- the inputs digest


def _item(**changed: Any) -> Item:
    day = dt.date(2026, 11, 23)
    fields = dict(
        class_name="一年级1班",
        child="王小明",
        child_key="k1",
        teacher="张老师",
        rule="谈心",
        period="2026-11",
        period_start=day,
        period_end=day,
        status="已完成",
        due=day,
        days_overdue=0,
        file="班级台账/一年级1班.xlsx",
        row=2,
    )
    return Item(**{**fields, **changed})


def _finding(**changed: Any) -> Finding:
    fields = dict(
        code="E1",
        severity="错误",
        file="班级台账/一年级1班.xlsx",
        sheet="学生档案",
        row=2,
        column="性别",
        cell="B2",
        value="男孩",
        message="性别填写有误",
        details=(("a", "b"),),
    )
    return Finding(**{**fields, **changed})


def _other(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=1)
    if isinstance(value, int):
        return value + 1
    if isinstance(value, tuple):
        return (*value, ("c", "d"))
    return f"{value}x"


def _school_result(as_of: dt.date = AS_OF) -> Any:
    """What the digest reads of a school's result besides the items and findings."""
    return SimpleNamespace(
        as_of=as_of, rules=[], config=SimpleNamespace(derived={"left_behind": Settings()})
    )


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Item)])
def test_the_inputs_digest_changes_with_every_field_of_an_item(field):
    school_result = _school_result()
    item = _item()
    changed = dataclasses.replace(item, **{field: _other(getattr(item, field))})
    digest = write_back._inputs_digest
    assert digest(school_result, [item], []) != digest(school_result, [changed], [])
    assert digest(_school_result(AS_OF + dt.timedelta(1)), [item], []) != digest(
        school_result, [item], []
    )


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Finding)])
def test_the_inputs_digest_changes_with_every_field_of_a_finding(field):
    school_result = _school_result()
    finding = _finding()
    changed = dataclasses.replace(finding, **{field: _other(getattr(finding, field))})
    digest = write_back._inputs_digest
    assert digest(school_result, [], [finding]) != digest(school_result, [], [changed])


def test_the_inputs_digest_is_of_the_content_not_the_objects():
    school_result = _school_result()
    one = [_item(child="".join(["王", "小明"])), _item(row=3)]
    two = [_item(child="王小明"), _item(row=3)]
    digest = write_back._inputs_digest
    assert digest(school_result, one, [_finding()]) == digest(school_result, two, [_finding()])
