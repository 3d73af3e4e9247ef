"""Issue 23.4: the county benchmark's school files are written directly (xlsxwriter), so they
must keep the exact layout of a real `xlsync export`: compared here with a fresh real export,
and read back by the rollup's own reader with the same figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import county as bench  # noqa: E402

from xlsync.files.county_reader import read_school_file  # noqa: E402
from xlsync.files.reader import load_grids  # noqa: E402


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return bench.make_template(tmp_path_factory.mktemp("bench"), "完小", 3, 5, seed=4)


def test_a_written_school_has_the_layout_of_a_real_export(template, tmp_path):
    out = tmp_path / "第002号小学.xlsx"
    bench.write_school(out, bench.school_grids(load_grids(template), "完小", 1))
    real, written = bench.layout(template), bench.layout(out)
    assert written == real
    assert "全校档案" in real["sheets"] and "导出信息" in real["sheets"]
    assert {"date", "number", "text"} <= {k for kinds in real["逾期清单"]["kinds"] for k in kinds}


def test_the_layout_check_sees_a_drift(template, tmp_path):
    grids = bench.school_grids(load_grids(template), "完小", 1)
    grids["逾期清单"][0][2] = "学生姓名"  # a renamed header
    bench.write_school(tmp_path / "a.xlsx", grids)
    assert bench.layout(tmp_path / "a.xlsx") != bench.layout(template)
    grids = bench.school_grids(load_grids(template), "完小", 1)
    grids["逾期清单"][1][6] = str(grids["逾期清单"][1][6])  # a date written as text
    bench.write_school(tmp_path / "b.xlsx", grids)
    assert bench.layout(tmp_path / "b.xlsx") != bench.layout(template)


def test_the_rollup_reads_a_written_school_as_the_real_one(template, tmp_path):
    out = tmp_path / "第002号小学.xlsx"
    bench.write_school(out, bench.school_grids(load_grids(template), "完小", 1))
    real, written = read_school_file(template), read_school_file(out)
    assert written.figures == real.figures and written.masked and written.kind == real.kind
    assert (written.name, written.code) == ("第002号小学", "4300000002")


def test_the_quick_county_benchmark_runs():
    result = subprocess.run(
        [sys.executable, str(BENCH / "county.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert "| schools | seconds | CPU s |" in result.stdout
    assert "\n| 6 |" in result.stdout
