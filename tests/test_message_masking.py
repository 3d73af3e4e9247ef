"""One masking policy by destination (issue 15.3): a finding keeps the value as typed, which the
teacher's workbook (校验结果, cell notes) and the school's master (校验问题) show; the CLI text,
the JSON, the sync and the export mask it. Checked over every finding code, then end to end."""

from __future__ import annotations

import json
import re
import string
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import record, student, write_class_book
from openpyxl import load_workbook

from xlsync.core.consolidate import ISSUE_COLUMNS, issue_list
from xlsync.core.findings import CATALOG, Finding, Place, Report, make_finding
from xlsync.core.masking import mask_rows
from xlsync.core.render.class_book import note_text
from xlsync.core.status_view import check_rows
from xlsync.files.reader import load_grids
from xlsync.present import MASKED_NOTE

ID = "431122-2019-0522-0047"  # dashed, as issue 15 reported it
PHONE = "+86137-1111-2222"
BIRTH = "2019-05-22"
SECRETS = (ID, PHONE, "13812345678", "430102201503010156")
# (column the value sits in, the value as typed): an ID column, a phone column, free text
TYPED = [("身份证号", ID), ("监护人电话", "138-1234-5678"), ("备注", f"电话{PHONE}")]


def _leaks(text: str, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    """Runs of 7 digits of any secret still present in `text` (separators ignored)."""
    digits = re.sub(r"\D", "", text)
    found = []
    for secret in secrets:
        own = re.sub(r"\D", "", secret)
        found += [own[i : i + 7] for i in range(len(own) - 6) if own[i : i + 7] in digits]
    return found


def _details(code: str) -> dict[str, str]:
    """Every placeholder of the code's template filled with a personal value."""
    fields = {f for _, f, _, _ in string.Formatter().parse(CATALOG[code].template) if f}
    fill = {"other_file": "四年级1班.xlsx", "id_birth": BIRTH, "birth": BIRTH}
    return {f: fill.get(f, "430102201503010156") for f in fields - {"value", "column"}}


def _finding(code: str, column: str, typed: str) -> Finding:
    return make_finding(
        code, Place("三年级2班.xlsx", "学生档案", 5, column, "E5"), typed, **_details(code)
    )


CASES = [(code, column, typed) for code in CATALOG for column, typed in TYPED]


def _personal(code: str, typed: str) -> list[str]:
    """What the message quotes of the personal values (the typed value, the details)."""
    template = CATALOG[code].template
    quoted = [typed] if "{value}" in template else []
    quoted += [v for k, v in _details(code).items() if k != "other_file"]
    return quoted


@pytest.mark.parametrize(("code", "column", "typed"), CASES)
def test_the_workbook_and_the_master_show_what_was_typed(code, column, typed):
    finding = _finding(code, column, typed)
    check = check_rows([finding])[1]
    note = note_text([finding])
    issue = issue_list(SimpleNamespace(classes=[], findings=[finding], failed=[])).iloc[0]
    assert typed in check and issue["内容"] == typed
    for value in _personal(code, typed):
        assert value in finding.message and value in note and value in issue["问题与改法"]
    if "{other_file}" in CATALOG[code].template:
        assert "四年级1班.xlsx" in finding.masked().message  # a file path is not personal


@pytest.mark.parametrize(("code", "column", "typed"), CASES)
def test_the_text_the_json_the_sync_and_the_export_show_it_masked(code, column, typed):
    from xlsync.present import validation_lines

    finding = _finding(code, column, typed)
    report = Report(
        [finding],
        [
            {
                "file": finding.file,
                "class": "三年级2班",
                "children": 1,
                "records": 0,
                "complete_rate": 1.0,
            }
        ],
    )
    result = SimpleNamespace(
        inputs=SimpleNamespace(notes=[], failed=[]), report=report, annotated=[], exit_code=1
    )
    text = "\n".join(line for line, _ in validation_lines(result))
    as_json = json.dumps(report.to_dict(), ensure_ascii=False)
    issues = issue_list(SimpleNamespace(classes=[], findings=[finding], failed=[]))
    synced = mask_rows([list(ISSUE_COLUMNS), *issues.values.tolist()], b"k" * 32)
    for shown in (text, as_json, str(synced)):
        assert not _leaks(shown), (code, shown)
        assert BIRTH not in shown  # a birth date leaves as its year only
    assert finding.masked().message in text  # the text, the JSON and the sync say the same
    assert synced[1][ISSUE_COLUMNS.index("问题与改法")] == finding.masked().message
    assert json.loads(as_json)["issues"][0]["message"] == finding.masked().message


def test_an_id_keeps_its_shape_when_masked():
    finding = _finding("id-format", "身份证号", "43112220190522004")  # one digit short
    assert finding.masked().value == "*" * 17 and "*" * 17 in finding.masked().message


@pytest.fixture
def troubled(school):
    """The school's class with a dashed ID, a dashed phone, and a record naming an unknown
    child by ID: the three shapes issue 15.3 saw printed whole."""
    path = school / "班级台账" / "三年级2班.xlsx"
    write_class_book(
        path,
        students=[student(身份证号=ID, 监护人电话="138-1234-567")],
        records=[record(学生姓名="李四", 身份证号="430102201503010156")],
    )
    return path


def _sheet_text(grid: list[list[Any]]) -> str:
    return " ".join(str(v) for row in grid for v in row if v is not None)


def test_validate_prints_masked_and_marks_her_workbook_as_typed(troubled, run):
    args = ("validate", troubled, "--as-of", "2026-11-30")
    text = run(*args, "--annotate").stdout
    as_json = run(*args, "--format", "json").stdout
    assert "李四" in text and not _leaks(text) and not _leaks(as_json)
    assert MASKED_NOTE in text  # she is told where to see what she typed
    book = load_workbook(troubled)
    listed = _sheet_text([[c.value for c in row] for row in book["校验结果"].iter_rows()])
    notes = " ".join(c.comment.text for c in book["学生档案"]._cells.values() if c.comment)
    assert ID in listed and "138-1234-567" in listed and "430102201503010156" in listed
    assert ID in notes and "138-1234-567" in notes


def test_the_master_shows_what_was_typed_and_the_sync_and_export_do_not(
    troubled, school, run, tmp_path
):
    from xlsync.jobs.sync import master_tables

    master = school / "全校汇总.xlsx"
    assert run("consolidate", master, "--as-of", "2026-11-30").exit_code == 1
    issues = _sheet_text(load_grids(master, lambda n: n == "校验问题")["校验问题"])
    assert ID in issues and "138-1234-567" in issues and "430102201503010156" in issues
    synced = str(master_tables(master, masked=True)[0]["校验问题"])
    assert run("export", master, "--out", tmp_path / "县局.xlsx").exit_code == 0
    exported = _sheet_text(load_grids(tmp_path / "县局.xlsx")["校验问题"])
    assert "身份证号" in synced and not _leaks(synced) and not _leaks(exported)
    for sent in (synced, exported):  # rendered from the template: its example number is kept
        assert "（如 0731-84561234）" in sent and "********" in sent


def test_the_sync_knows_every_code_whose_message_quotes_birth_dates():
    from xlsync.core.masking import BIRTH_CODES, BIRTH_DETAILS

    quoting = {c for c in CATALOG if set(_details(c)) & set(BIRTH_DETAILS)}
    assert quoting == set(BIRTH_CODES)


def test_overdue_json_names_a_child_by_the_school_pseudonym_not_her_id(school, run):
    from xlsync.core.identity import child_key
    from xlsync.core.masking import pseudonym
    from xlsync.files.school_key import school_key

    path = school / "班级台账" / "三年级2班.xlsx"
    typed = student()
    write_class_book(path, students=[typed])
    args = ("overdue", path, "--as-of", "2026-11-30", "--format", "json")
    out = run(*args, "--master", school / "全校汇总.xlsx").stdout
    doc = json.loads(out)
    expected = pseudonym(child_key(typed, "三年级2班"), school_key(school / "全校汇总.xlsx"))
    assert typed["身份证号"] not in out and not _leaks(out, (typed["身份证号"],))
    assert {c["child_key"] for c in doc["children"]} == {expected}
    assert {i["child_key"] for i in doc["items"]} == {expected}
    from xlsync.jobs.sync import master_tables

    run("consolidate", school / "全校汇总.xlsx", "--as-of", "2026-11-30")
    synced = master_tables(school / "全校汇总.xlsx", masked=True)[0]["全校档案"]
    assert expected in synced[1]  # the same pseudonym as the shared sheet's 学生编号


def test_the_sync_keeps_the_template_text_and_masks_a_message_of_another_version():
    finding = _finding("phone-invalid", "监护人电话", "138-1234-567")
    header = list(ISSUE_COLUMNS)
    old = ["错误", "", "a.xlsx", "学生档案", "E5", "备注", "", "电话 13812345678 不对", "old-code"]
    short = ["错误", "", "a.xlsx", "学生档案", "E5", "身份证号", "12", "12 或 13812345678", "x"]
    issues = issue_list(SimpleNamespace(classes=[], findings=[finding], failed=[]))
    synced = mask_rows([header, *issues.values.tolist(), old, short])
    assert "（如 0731-84561234）" in synced[1][7] and "138-1234-567" not in synced[1][7]
    assert synced[2][7] == "电话 138****5678 不对"
    assert synced[3][7].endswith("或 138****5678")  # a short value does not cut a phone up
