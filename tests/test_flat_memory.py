"""Issue 22.2: 汇总's memory grows with the school's children, not with its records. Each
class's book is held whole only while its own parts are derived (jobs/class_pass.py); the
master is then written from slimmed books, and the statistics the records feed are the ones
the whole books give."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

import xlsync.jobs.consolidate as job
from xlsync.core.changes import changes, snapshot
from xlsync.core.classbook import ClassBook
from xlsync.core.consolidate import class_stats, overview, school_children, teacher_stats
from xlsync.demo import DemoSize, generate_school
from xlsync.files import master_writer as mw
from xlsync.jobs.consolidate import consolidate

AS_OF = dt.date(2027, 3, 15)
CLASSES = 5


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("flat") / "学校"
    generate_school(folder, AS_OF, DemoSize(classes=CLASSES, children_per_class=6), seed=5)
    return folder


def _books_with_records() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, ClassBook) and len(o.records.data) > 0)


@pytest.mark.parametrize("cached", [False, True], ids=["cold", "from the cache"])
def test_the_master_is_written_without_every_class_records_in_memory(
    school, tmp_path, monkeypatch, cached
):
    folder = tmp_path / "school"
    shutil.copytree(school, folder)
    master = folder / "全校汇总.xlsx"
    if cached:
        consolidate(master, as_of=AS_OF, no_write_back=True)
        (folder / ".xlsync" / "cache" / "state.json.z").unlink()  # a full run, books cached
    held: list[int] = []
    real = mw.write_master

    def spy(*args, **kwargs):
        held.append(_books_with_records())
        return real(*args, **kwargs)

    monkeypatch.setattr(mw, "write_master", spy)
    result = consolidate(master, as_of=AS_OF, no_write_back=True)
    assert result.figures["records"] > 0 and result.figures["classes"] == CLASSES
    assert held == [0]  # before issue 22.2: one whole book per class (5)


def test_statistics_from_slimmed_books_equal_the_whole_books(school, tmp_path, monkeypatch):
    """本月记录, 本学期记录 and the record count come from counts kept before a book was
    slimmed; they must equal what the whole books give."""
    folder = tmp_path / "school"
    shutil.copytree(school, folder)
    seen = {}
    real = job._rebuild

    def spy(target, school_result, kids, figures, log, pieces):
        seen.update(school=school_result, kids=kids, figures=figures)
        return real(target, school_result, kids, figures, log, pieces)

    monkeypatch.setattr(job, "_rebuild", spy)
    consolidate(folder / "全校汇总.xlsx", as_of=AS_OF, no_write_back=True)
    slim = seen["school"]
    assert all(r.reload is not None and r.item.book.records.data.empty for r in slim.classes)
    whole = dataclasses.replace(slim, classes=[r.whole() for r in slim.classes])
    assert all(len(r.item.book.records.data) for r in whole.classes)
    for table in (class_stats, teacher_stats):
        assert table(slim).equals(table(whole))
    assert table(whole)["本学期记录"].sum() > 0
    assert overview(whole, school_children(whole))["records"] == seen["figures"]["records"]


def test_changes_read_a_snapshot_kept_by_an_older_xlsync(school, tmp_path):
    """The snapshot keeps each child as one text now; a dict per child (the older form) in
    the cache still gives the same 变更记录."""
    folder = tmp_path / "school"
    shutil.copytree(school, folder)
    seen = {}
    real = job._rebuild

    def spy(target, school_result, kids, figures, log, pieces):
        seen.update(school=school_result, kids=kids)
        return real(target, school_result, kids, figures, log, pieces)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(job, "_rebuild", spy)
        consolidate(folder / "全校汇总.xlsx", as_of=AS_OF, no_write_back=True)
    kids, items = school_children(seen["school"]), seen["school"].items
    before = snapshot(kids, items)
    edited = kids.copy()
    edited.loc[0, "监护人电话"] = "13900000000"
    after = snapshot(edited.drop(index=1), items)
    older = {
        **before,
        "children": {k: _as_dict(before, k) for k in before["children"]},
    }
    del older["fields"]
    new_form, old_form = changes(before, after), changes(older, after)
    assert old_form.equals(new_form)
    assert set(new_form["变化"]) >= {"信息变更", "移除学生"}
    assert load_workbook(folder / "全校汇总.xlsx")["变更记录"].max_row >= 2


def _as_dict(snap: dict, key: str) -> dict[str, str]:
    import json

    return dict(zip(snap["fields"], json.loads(snap["children"][key]), strict=True))
