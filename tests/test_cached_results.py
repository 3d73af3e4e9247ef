"""What a reader that does not calculate sees (python-calamine, pandas, the Google sync, the
county rollup, a phone's preview): the master's formulas carry their results, and every chart
xlsync writes (概览, 工作报告, 县汇总) carries the values it shows (files/chart_cache.py)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from conftest import built_school
from python_calamine import CalamineWorkbook

from xlsync.jobs.county import county_rollup
from xlsync.jobs.export import export
from xlsync.jobs.report import make_report
from xlsync.schema import MASTER_FILE

AS_OF = dt.date(2026, 11, 30)
_SERIES = re.compile(rb"<(?:c:)?ser>.*?</(?:c:)?ser>", re.S)
_REF = re.compile(rb"<(?:c:)?(cat|val|tx)>.*?<(?:c:)?f>([^<]*)</(?:c:)?f>(.*?)</(?:c:)?\1>", re.S)
_POINT = re.compile(rb'<(?:c:)?pt idx="(\d+)">\s*<(?:c:)?v>([^<]*)</(?:c:)?v>', re.S)


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> Path:
    return built_school(tmp_path_factory.mktemp("cached") / "学校", classes=3, children=6, seed=5)


def _grid(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_the_totals_and_the_check_read_without_calculating(school):
    """班级统计's 合计 (=SUM) and 概览's COUNTIF check, read by python-calamine."""
    master = school / MASTER_FILE
    stats = _grid(master, "班级统计")
    header, classes, total = stats[0], stats[1:-1], stats[-1]
    assert total[0] == "合计" and len(classes) == 3
    for column in ("学生数", "在读", "本学期记录", "逾期项数"):
        at = header.index(column)
        assert total[at] == sum(row[at] for row in classes) > 0, column
    overdue = sum(row[0] == "已逾期" for row in _grid(master, "逾期清单"))
    check = [row for row in _grid(master, "概览") if row[0] == "已逾期项数（按逾期清单重算）"]
    assert check and check[0][1] == overdue > 0


def _chart_points(path: Path) -> list[tuple[str, str, dict[int, str]]]:
    """(kind, reference, cached points) of every series part of every chart in `path`."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/charts/chart"):
                for series in _SERIES.findall(archive.read(name)):
                    for kind, ref, body in _REF.findall(series):
                        points = {int(i): v.decode() for i, v in _POINT.findall(body)}
                        found.append((kind.decode(), ref.decode(), points))
    return found


def _cells(path: Path, ref: str) -> list:
    sheet, cells = ref.rsplit("!", 1)
    grid = _grid(path, sheet.strip("'"))
    (c1, r1), (c2, r2) = (_position(p) for p in (cells.split(":") * 2)[:2])
    return [grid[r][c] for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _position(cell: str) -> tuple[int, int]:
    letters, digits = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", cell).groups()
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1, int(digits) - 1


def _assert_charts_hold_their_cells(path: Path, charts: int) -> None:
    series = _chart_points(path)
    assert len({ref for kind, ref, _ in series if kind == "val"}) >= charts
    for kind, ref, points in series:
        cells = _cells(path, ref)
        expected = {
            n: v for n, v in enumerate(cells) if v not in (None, "")
        }  # empty cells are gaps
        assert set(points) == set(expected), (path.name, ref)
        for n, value in expected.items():
            if kind == "val":
                assert float(points[n]) == pytest.approx(float(value)), (ref, n)
            else:
                assert points[n] == str(value), (ref, n)


def test_the_master_charts_carry_their_values(school):
    _assert_charts_hold_their_cells(school / MASTER_FILE, charts=2)


def test_the_report_chart_carries_its_values(school):
    result = make_report(school / MASTER_FILE, None, False, AS_OF)
    _assert_charts_hold_their_cells(Path(result.workbook), charts=1)


def test_the_county_chart_carries_its_values(school, tmp_path):
    folder = tmp_path / "各校报送"
    export(school / MASTER_FILE, folder / "学校.xlsx")
    result = county_rollup(folder, None, AS_OF)
    _assert_charts_hold_their_cells(result.output, charts=1)
