"""`xlsync report` (issue 21): every figure of the 工作报告, in the JSON and in the workbook,
against an independent recount from the class workbooks (tests/report_recount.py) on a
school whose records are known by construction (tests/report_school.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
import report_recount as rc
from report_school import CLASS_A, CLASS_B, add_spring, autumn_school

from xlsync.jobs.consolidate import consolidate

AUTUMN, SPRING = "2026秋季学期", "2027春季学期"
TERM_START, TERM_END = dt.date(2026, 9, 1), dt.date(2027, 1, 22)
AFTER_AUTUMN, IN_SPRING = dt.date(2027, 1, 25), dt.date(2027, 3, 20)
CLASSES = [CLASS_A, CLASS_B]
EQUAL = dict.fromkeys(rc.ITEMS, 1.0)


def _report(run: Any, master: Path, *args: str) -> dict[str, Any]:
    result = run("report", master, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def autumn(tmp_path_factory) -> Path:
    """The school after the autumn term, consolidated; returns its folder."""
    folder = tmp_path_factory.mktemp("autumn") / "学校"
    consolidate(autumn_school(folder), as_of=AFTER_AUTUMN)
    return folder


@pytest.fixture(scope="module")
def spring(autumn, tmp_path_factory) -> Path:
    """The same school in March: spring records and a new child added, consolidated again."""
    folder = tmp_path_factory.mktemp("spring") / "学校"
    shutil.copytree(autumn, folder)
    add_spring(folder)
    consolidate(folder / "全校汇总.xlsx", as_of=IN_SPRING)
    return folder


def _expected(folder: Path, start: dt.date, end: dt.date, cutoff: dt.date, weights=EQUAL) -> dict:
    r = rc.Recount(rc.load(folder, CLASSES), start, end, cutoff)
    watched = rc.watch(r)
    return {
        "overview": r.overview(),
        "months": r.months(),
        "action_types": r.types(),
        "coverage": r.coverage(),
        "teachers": rc.Teachers(r, weights).all(),
        "classes": rc.classes(r, CLASSES),
        "struggling": rc.struggling(r),
        "watch": watched,
        "candidates": rc.candidates(r, watched),
    }


def _same_figures(found: dict[str, Any], expected: dict[str, Any]) -> None:
    for section, value in expected.items():
        assert found[section] == value, section


def test_autumn_term_figures_match_an_independent_recount(autumn, run):
    found = _report(run, autumn / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25")
    assert found["period"] == {
        "name": AUTUMN,
        "kind": "学期",
        "start": "2026-09-01",
        "end": "2027-01-22",
        "cutoff": "2027-01-22",
        "terms": [AUTUMN],
        "finished": True,
    }
    _same_figures(found, _expected(autumn, TERM_START, TERM_END, TERM_END))


def test_autumn_term_figures_known_by_construction(autumn, run):
    found = _report(run, autumn / "全校汇总.xlsx", "--as-of", "2027-01-25")  # vacation: autumn
    o = found["overview"]
    assert (o["children_start"], o["children_end"], o["new_files"]) == (3, 5, 2)
    assert (o["transferred"], o["dropped_out"], o["retention_rate"]) == (1, 1, 0.833)
    assert (o["complete"], o["complete_rate"], o["records"], o["actions"]) == (6, 0.857, 28, 29)
    assert [m["total"] for m in found["months"]] == [8, 5, 7, 5, 3]
    talks = found["coverage"][0]
    assert (talks["due"], talks["on_time"], talks["late"], talks["never"], talks["open"]) == (
        20,
        13,
        1,
        6,
        3,
    )
    ranks = [(t["teacher"], t["rank"], t["total"]) for t in found["teachers"]]
    assert ranks == [
        ("王老师", 1, 77.8),
        ("张老师", 2, 73.1),
        ("李老师", 3, 20.0),
        ("孙老师", 4, 0.0),
        ("赵校长", 5, None),
    ]
    watched = {w["child"]: w["reasons"] for w in found["watch"]}
    assert watched["赵小刚"] == ["本期没有任何帮扶记录"]
    assert watched["刘小花"][0] == "连续3期未按时完成：谈心·每月"
    assert "周小兵" not in watched  # 转出: guardian 70, but not 在读


def test_school_year_figures_match_an_independent_recount(spring, run):
    found = _report(run, spring / "全校汇总.xlsx", "--year", "--as-of", "2027-03-20")
    assert (found["period"]["name"], found["period"]["finished"]) == ("2026-2027学年", False)
    _same_figures(found, _expected(spring, TERM_START, dt.date(2027, 7, 2), IN_SPRING))
    warmth = found["coverage"][3]  # 李小红's 送温暖 in the winter vacation counts for the year
    assert (warmth["on_time"], warmth["open"]) == (3, 3)


def test_spring_term_figures_match_an_independent_recount(spring, run):
    found = _report(run, spring / "全校汇总.xlsx", "--as-of", "2027-03-20")
    assert found["period"]["name"] == SPRING
    _same_figures(found, _expected(spring, dt.date(2027, 2, 22), dt.date(2027, 7, 2), IN_SPRING))


def _masked_parts(path: Path) -> dict[str, bytes]:
    """The workbook's zip entries, the generation time blanked out."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    return {
        name: re.sub(rb"\d{4}-\d\d-\d\d \d\d:\d\d", b"TIME", data) for name, data in parts.items()
    }


def test_last_terms_report_is_unchanged_by_this_terms_records(autumn, spring, run, tmp_path):
    before = tmp_path / "before.xlsx"
    first = _report(run, autumn / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-01-25")
    shutil.copy(first["workbook"], before)
    later = _report(run, spring / "全校汇总.xlsx", "--term", AUTUMN, "--as-of", "2027-03-20")
    assert {k: v for k, v in later.items() if k not in ("workbook", "outputs")} == {
        k: v for k, v in first.items() if k not in ("workbook", "outputs")
    }
    again = Path(later["workbook"])
    assert _masked_parts(again) == _masked_parts(before)


def test_the_writer_is_deterministic(autumn):
    from xlsync.files.report_writer import report_bytes
    from xlsync.jobs.report import make_report

    result = make_report(autumn / "全校汇总.xlsx", AUTUMN, as_of=AFTER_AUTUMN, write=False)
    one = report_bytes(result.report, "2027-01-25 10:00")
    assert report_bytes(result.report, "2027-01-25 10:00") == one
    with zipfile.ZipFile(io.BytesIO(one)) as archive:  # openpyxl stamps entries with the clock
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2027-01-22T00:00:00Z" in core and f"{dt.date.today():%Y-%m-%d}T" not in core
