"""Issue 23.4: the county benchmark's school files are written directly (xlsxwriter), so they
must keep the exact layout of a real `xlsync export`: compared here with a fresh real export,
and read back by the rollup's own reader with the same figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

BENCH = Path(__file__).parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import county as bench  # noqa: E402

from xlsync.files.county_reader import read_school_file  # noqa: E402
from xlsync.files.reader import load_grids  # noqa: E402


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return bench.make_template(tmp_path_factory.mktemp("bench"), "完小", 3, 5, seed=4)


@pytest.fixture(scope="module")
def county(template, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("written") / "各校"
    bench.generate(folder, {"完小": template}, 3, cycle=("完小",))
    return folder


def test_every_written_school_has_the_layout_of_a_real_export(template, county):
    real = bench.layout(template)
    assert "全校档案" in real["sheets"] and "导出信息" in real["sheets"]
    assert {"date", "number", "text"} <= {k for kinds in real["逾期清单"]["kinds"] for k in kinds}
    for path in sorted(county.glob("*.xlsx")):
        assert bench.layout(path) == real, path.name
        assert load_workbook(path, read_only=True).sheetnames == real["sheets"]  # openpyxl too


def test_the_layout_check_sees_a_drift(template, tmp_path):
    grids = load_grids(template)
    grids["逾期清单"][0][2] = "学生姓名"  # a renamed header
    bench.write_school(tmp_path / "a.xlsx", grids)
    assert bench.layout(tmp_path / "a.xlsx") != bench.layout(template)
    grids = load_grids(template)
    grids["逾期清单"][1][6] = str(grids["逾期清单"][1][6])  # a date written as text
    bench.write_school(tmp_path / "b.xlsx", grids)
    assert bench.layout(tmp_path / "b.xlsx") != bench.layout(template)
    bench.write_school(tmp_path / "c.xlsx", load_grids(template))  # and nothing else differs
    assert bench.layout(tmp_path / "c.xlsx") == bench.layout(template)


def test_the_rollup_reads_each_written_school_as_its_own(template, county):
    real = read_school_file(template)
    schools = [read_school_file(p) for p in sorted(county.glob("*.xlsx"))]
    assert [(s.name, s.code) for s in schools] == [
        (f"第00{n}号小学", f"430000000{n}") for n in (1, 2, 3)
    ]
    assert all(s.figures == real.figures and s.masked and s.kind == real.kind for s in schools)
    codes = [[k for k in bench.layout_codes(p)] for p in sorted(county.glob("*.xlsx"))]
    assert codes[0][1] == codes[1][0] and codes[1][1] == codes[2][0]  # shared with a neighbour
    assert len(set(codes[0]) & set(codes[2])) == 0 and len(set(codes[0])) == len(codes[0])


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
