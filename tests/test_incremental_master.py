"""Issue 22.1: 汇总 keeps each class's part of the master in the cache (jobs/pieces.py) and
assembles the master from the parts. A master assembled so must equal one rebuilt with no
parts kept, whatever changed between the runs; an unchanged class is not checked, judged or
rendered again; a damaged or half-written part is made again, never served."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

import xlsync.jobs.pieces as pieces
from xlsync.demo import DemoSize, generate_school
from xlsync.files import master_writer as mw
from xlsync.files.reader import read_class_workbook
from xlsync.jobs.consolidate import consolidate
from xlsync.schema import RESULT_SHEETS

AS_OF = dt.date(2027, 3, 15)


def _look(path: Path) -> dict[str, list]:
    """Every owned sheet's cells: value (the school's folder left out), number format, fill,
    bold, wrap; row heights, column widths and the filter."""
    wb = load_workbook(path)
    here = str(path.parent)
    found = {}
    for name in RESULT_SHEETS:
        ws = wb[name]
        cells = [
            (
                c.coordinate,
                c.value.replace(here, "…") if isinstance(c.value, str) else c.value,
                c.number_format,
                c.fill.fgColor.rgb,
                c.font.b,
                c.alignment.wrap_text,
            )
            for row in ws.iter_rows()
            for c in row
        ]
        heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
        widths = {k: d.width for k, d in ws.column_dimensions.items()}
        if name == "概览":  # A2 holds the time of the run
            cells = [c for c in cells if c[0] != "A2"]
        found[name] = [cells, heights, widths, ws.auto_filter.ref]
    return found


def _add_record(path: Path, day: dt.date, text: str) -> None:
    wb = load_workbook(path)
    sheet = wb["帮扶记录"]
    sheet.append([day, sheet["B2"].value, None, "谈心", sheet["E2"].value, text])
    wb.save(path)


def _set_school_name(master: Path) -> None:
    wb = load_workbook(master)
    for row in wb["学校信息"].iter_rows():
        if row[0].value == "学校名称":
            row[1].value = "新名字中心小学"
    wb.save(master)


def _change_rule(master: Path) -> None:
    wb = load_workbook(master)
    sheet = wb["帮扶规则"]
    headers = [c.value for c in sheet[1]]
    column = headers.index("最少次数") + 1
    sheet.cell(2, column).value = int(sheet.cell(2, column).value or 1) + 1
    wb.save(master)


def _classes(master: Path) -> list[Path]:
    return sorted((master.parent / "班级台账").glob("*.xlsx"))


def _long_record(master: Path, as_of: dt.date) -> dt.date:
    """A record whose summary wraps, in the class that had none such: the sheet's columns and
    row heights then change for every class."""
    _add_record(_classes(master)[0], as_of, "家访：" + "监护人说孩子最近学习很认真。" * 12)
    return as_of


CHANGES: dict[str, Callable[[Path], dt.date]] = {
    "one class changed": lambda m: (_add_record(_classes(m)[1], AS_OF, "谈学习计划"), AS_OF)[1],
    "a class added": lambda m: (
        shutil.copy(_classes(m)[0], m.parent / "班级台账" / "六年级9班.xlsx"),
        AS_OF,
    )[1],
    "a class removed": lambda m: (_classes(m)[-1].unlink(), AS_OF)[1],
    "学校信息 changed": lambda m: (_set_school_name(m), AS_OF)[1],
    "规则 changed": lambda m: (_change_rule(m), AS_OF)[1],
    "as-of moved": lambda m: AS_OF + dt.timedelta(days=20),
    "a long summary": lambda m: _long_record(m, AS_OF),
}


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("incremental") / "学校"
    master = generate_school(folder, AS_OF, DemoSize(classes=4, children_per_class=6), seed=11)
    consolidate(master, as_of=AS_OF, no_write_back=True)
    return folder


@pytest.mark.parametrize("change", list(CHANGES))
def test_assembled_master_equals_a_cold_rebuild(school, tmp_path, monkeypatch, change):
    monkeypatch.setattr(mw, "now_text", lambda: "2027-03-15 08:00")
    warm = tmp_path / "warm"
    shutil.copytree(school, warm)
    as_of = CHANGES[change](warm / "全校汇总.xlsx")
    cold = tmp_path / "cold"
    shutil.copytree(warm, cold)
    shutil.rmtree(cold / ".xlsync" / "cache" / "pieces")  # same last run, no parts kept
    warm_result = consolidate(warm / "全校汇总.xlsx", as_of=as_of, no_write_back=True)
    cold_result = consolidate(cold / "全校汇总.xlsx", as_of=as_of, no_write_back=True)
    assert warm_result.figures == cold_result.figures
    assert _look(warm / "全校汇总.xlsx") == _look(cold / "全校汇总.xlsx")


def _counting(monkeypatch, name: str) -> list:
    calls: list = []
    real = getattr(pieces, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(pieces, name, counted)
    return calls


def test_one_class_changed_rederives_that_class_only(tmp_path, monkeypatch):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(4, 6), seed=11)
    consolidate(master, as_of=AS_OF, no_write_back=True)  # the cache knows files by path
    _add_record(_classes(master)[2], AS_OF, "谈学习计划")
    checked = _counting(monkeypatch, "validate_class")
    judged = _counting(monkeypatch, "evaluate")
    rendered = _counting(monkeypatch, "class_record_rows")
    result = consolidate(master, as_of=AS_OF, no_write_back=True)
    changed = f"班级台账/{_classes(master)[2].name}"
    assert result.parsed == [changed]
    assert [item.book.file for item, *_ in checked] == [changed]
    assert len(judged) == 1 and {c.file for c in judged[0][0]} == {changed}
    assert [r.item.book.file for r, *_ in rendered] == [changed]
    assert sum(r["帮扶记录"] for r in [_count_records(master)]) == result.figures["records"]


def _count_records(master: Path) -> dict[str, int]:
    ws = load_workbook(master, read_only=True)["帮扶记录汇总"]
    return {"帮扶记录": sum(1 for row in ws.iter_rows(min_row=2) if row[0].value)}


@pytest.mark.parametrize("damage", ["truncated", "emptied", "other bytes"])
def test_a_damaged_part_is_made_again_not_served(school, tmp_path, monkeypatch, damage):
    monkeypatch.setattr(mw, "now_text", lambda: "2027-03-15 08:00")
    folder = tmp_path / "s"
    shutil.copytree(school, folder)
    before = _look(folder / "全校汇总.xlsx")
    for part in (folder / ".xlsync" / "cache" / "pieces").iterdir():
        data = part.read_bytes()
        part.write_bytes(
            {"truncated": data[: len(data) // 2], "emptied": b"", "other bytes": b"XLSC0junk"}[
                damage
            ]
        )
    (folder / ".xlsync" / "cache" / "state.json.z").unlink()  # so the run is not skipped
    consolidate(folder / "全校汇总.xlsx", as_of=AS_OF, no_write_back=True)
    assert _look(folder / "全校汇总.xlsx") == before


def test_parts_no_run_uses_are_swept(school, tmp_path):
    folder = tmp_path / "s"
    shutil.copytree(school, folder)
    parts = folder / ".xlsync" / "cache" / "pieces"
    consolidate(folder / "全校汇总.xlsx", as_of=AS_OF + dt.timedelta(days=1), no_write_back=True)
    # per class: its findings and items of the new day, its 帮扶记录汇总 summary and rows,
    # its 全校档案 rows and their summary of the new day
    assert len(list(parts.iterdir())) == 6 * 4


def test_a_refreshed_class_keeps_its_parts(tmp_path, monkeypatch):
    """The write-back gives every class file a new hash; a class whose teacher tables read the
    same after it is not checked, judged or rendered again by the next run (issue 22, e/c)."""
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(4, 6), seed=11)
    first = consolidate(master, as_of=AS_OF)  # refreshes every class file
    assert len(first.write_back.refreshed) == 4
    _add_record(_classes(master)[2], AS_OF, "谈学习计划")
    checked = _counting(monkeypatch, "validate_class")
    judged = _counting(monkeypatch, "evaluate")
    rendered = _counting(monkeypatch, "class_record_rows")
    result = consolidate(master, as_of=AS_OF)
    changed = f"班级台账/{_classes(master)[2].name}"
    assert result.parsed == [changed]
    assert [item.book.file for item, *_ in checked] == [changed]
    assert len(judged) == 1 and {c.file for c in judged[0][0]} == {changed}
    assert [r.item.book.file for r, *_ in rendered] == [changed]


def test_a_master_from_kept_parts_after_a_refresh_equals_a_cold_rebuild(tmp_path, monkeypatch):
    monkeypatch.setattr(mw, "now_text", lambda: "2027-03-15 08:00")
    warm = generate_school(tmp_path / "warm", AS_OF, DemoSize(4, 6), seed=11).parent
    consolidate(warm / "全校汇总.xlsx", as_of=AS_OF)  # refreshes every class file
    _add_record(_classes(warm / "全校汇总.xlsx")[1], AS_OF, "谈学习计划")
    cold = tmp_path / "cold"
    shutil.copytree(warm, cold)
    for kept in ("pieces", "books"):  # every class read and judged again; same last run
        shutil.rmtree(cold / ".xlsync" / "cache" / kept)
    warm_result = consolidate(warm / "全校汇总.xlsx", as_of=AS_OF + dt.timedelta(days=3))
    cold_result = consolidate(cold / "全校汇总.xlsx", as_of=AS_OF + dt.timedelta(days=3))
    assert len(cold_result.parsed) == 4 and len(warm_result.parsed) == 1
    assert warm_result.figures == cold_result.figures
    assert _look(warm / "全校汇总.xlsx") == _look(cold / "全校汇总.xlsx")
    classes = zip(_classes(warm / "全校汇总.xlsx"), _classes(cold / "全校汇总.xlsx"), strict=True)
    for mine, theirs in classes:
        assert _class_look(mine) == _class_look(theirs)


def _class_look(path: Path) -> dict[str, list]:
    wb = load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb}


def test_only_xlsync_columns_may_differ_for_parts_to_be_kept(tmp_path):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(2, 6), seed=11)
    path = _classes(master)[0]
    before = read_class_workbook(path, "班级台账/a.xlsx", 2026)
    consolidate(master, as_of=AS_OF)  # writes the status columns into 学生档案
    refreshed = read_class_workbook(path, "班级台账/a.xlsx", 2026)
    assert any(h.endswith("·本月") for h in refreshed.students.positions)
    assert pieces.same_class_content(before, refreshed)
    wb = load_workbook(path)
    wb["学生档案"]["B3"].value = "改过的名字"
    wb.save(path)
    assert not pieces.same_class_content(before, read_class_workbook(path, "班级台账/a.xlsx", 2026))
