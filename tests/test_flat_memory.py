"""Issue 22.2: 汇总's memory grows with the school's children, not with its records. Each
class's book is held whole only while its own parts are derived (jobs/class_pass.py); the
master is then written from slimmed books, and the statistics the records feed are the ones
the whole books give."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
import random
import re
import shutil
import tracemalloc
import zipfile
from collections import Counter
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import xlsync.jobs.consolidate as job
from xlsync.core.calendar import read_calendar
from xlsync.core.changes import FIELDS, changes, snapshot
from xlsync.core.classbook import ClassBook
from xlsync.core.consolidate import class_stats, overview, school_children, teacher_stats
from xlsync.core.master_rows import CHILDREN_COLUMNS, OVERDUE_COLUMNS, ItemFacts
from xlsync.core.obligations import DONE, OPEN, OVERDUE, SOON, Item, urgency_order
from xlsync.core.render.layout import figures
from xlsync.core.tables import rows
from xlsync.demo import DemoSize, generate_school
from xlsync.files import master_writer as mw
from xlsync.files.cache import Cache
from xlsync.files.school import read_master
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.school_rows import figures_column, float_column

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


# ---- issue 22.2, last step: 全校档案 and 逾期清单 from per-class parts, items per class ------


def _live(kind: type) -> list:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, kind)]


def _spy_write(monkeypatch, seen: dict) -> None:
    real = mw.write_master

    def spy(path, tables, figures, meta):
        seen["tables"] = {name: type(table) for name, table in tables.items()}
        seen["frames"] = [tuple(f.columns) for f in _live(pd.DataFrame) if len(f.columns) in WIDTHS]
        seen["items"] = _live(Item)
        return real(path, tables, figures, meta)

    monkeypatch.setattr(mw, "write_master", spy)


WIDTHS = {len(CHILDREN_COLUMNS), len(OVERDUE_COLUMNS)}


def test_no_school_wide_table_of_children_or_overdue_items_when_the_master_is_written(
    school, tmp_path, monkeypatch
):
    """全校档案 and 逾期清单 reach the writer as per-class parts (mw.Streamed), and no DataFrame
    of their rows is alive; before: two school-wide DataFrames."""
    folder = tmp_path / "school"
    shutil.copytree(school, folder)
    seen: dict = {}
    _spy_write(monkeypatch, seen)
    consolidate(folder / "全校汇总.xlsx", as_of=AS_OF, no_write_back=True)
    assert seen["tables"][mw.CHILDREN] is mw.Streamed
    assert seen["tables"][mw.OVERDUE_LIST] is mw.Streamed
    wanted = {tuple(CHILDREN_COLUMNS), tuple(OVERDUE_COLUMNS)}
    assert not wanted & set(seen["frames"])
    sheet = load_workbook(folder / "全校汇总.xlsx", read_only=True)["全校档案"]
    assert sheet.max_row == CLASSES * 6 + 1


@pytest.mark.parametrize("cached", [False, True], ids=["cold", "from the cache"])
def test_only_urgent_items_are_held_after_the_class_pass(school, tmp_path, monkeypatch, cached):
    """A class's items stay in the cache once its pass is done: at the write only the 已逾期
    and 即将到期 ones are alive (逾期清单, 概览); before: every item of every class."""
    folder = tmp_path / "school"
    shutil.copytree(school, folder)
    master = folder / "全校汇总.xlsx"
    if cached:
        consolidate(master, as_of=AS_OF, no_write_back=True)
        (folder / ".xlsync" / "cache" / "state.json.z").unlink()
    seen: dict = {}
    _spy_write(monkeypatch, seen)
    result = consolidate(master, as_of=AS_OF, no_write_back=True)
    statuses = Counter(i.status for i in seen["items"])
    urgent = result.figures["overdue"] + result.figures["due_soon"]
    assert urgent > 0 and sum(statuses.values()) == urgent
    assert set(statuses) <= {OVERDUE, SOON}


def test_the_write_back_reads_each_class_items_from_the_cache(school, tmp_path, monkeypatch):
    """The status columns the write-back draws take every item of the class, not only the
    urgent ones in memory: a refreshed class file shows 已完成/未到期 items too."""
    folder = tmp_path / "school"
    shutil.copytree(school, folder)
    seen: dict = {}
    real = job._write_back

    def spy(school_result, *args):
        seen["items"] = [school_result.class_items(r) for r in school_result.classes]
        seen["urgent"] = school_result.items
        return real(school_result, *args)

    monkeypatch.setattr(job, "_write_back", spy)
    consolidate(folder / "全校汇总.xlsx", as_of=AS_OF)
    every = [i for mine in seen["items"] for i in mine]
    assert {i.status for i in every} - {OVERDUE, SOON}  # the others are there
    assert [i for i in sorted(every, key=urgency_order) if i.status in (OVERDUE, SOON)] == seen[
        "urgent"
    ]
    assert all(mine == sorted(mine, key=urgency_order) for mine in seen["items"])


def _traced_at_write(folder: Path, monkeypatch) -> int:
    """Bytes tracemalloc sees alive when a (books cached) run starts writing the master."""
    master = folder / "全校汇总.xlsx"
    consolidate(master, as_of=AS_OF, no_write_back=True)
    (folder / ".xlsync" / "cache" / "state.json.z").unlink()
    seen = {}
    real = mw.write_master

    def spy(*args):
        gc.collect()
        seen["traced"] = tracemalloc.get_traced_memory()[0]
        return real(*args)

    monkeypatch.setattr(mw, "write_master", spy)
    gc.collect()
    tracemalloc.start()
    try:
        consolidate(master, as_of=AS_OF, no_write_back=True)
    finally:
        tracemalloc.stop()
    return seen["traced"]


def test_memory_at_the_write_grows_with_the_children_only(tmp_path, monkeypatch):
    """What is alive when the master is written, per added class of 8 children: about 125 KiB
    now (their 学生档案, urgent items, snapshot texts), 214 KiB before (every item, tally and
    全校档案 row besides)."""
    traced = {}
    for classes in (2, 8):
        folder = tmp_path / f"s{classes}"
        generate_school(folder, AS_OF, DemoSize(classes=classes, children_per_class=8), seed=5)
        traced[classes] = _traced_at_write(folder, monkeypatch)
    per_class = (traced[8] - traced[2]) / 6 / 1024
    assert per_class < 165, per_class


def test_rows_leave_no_weak_references_behind():
    """core.tables.rows takes the values as one array: a Series per column left a weak
    reference each in pandas' copy-on-write bookkeeping (17 MiB at 600 classes)."""
    frame = pd.DataFrame({f"c{i}": ["x", None] * 5 for i in range(40)}, dtype=object)
    expected = [(i, {f"c{c}": frame.iat[i, c] for c in range(40)}) for i in range(10)]
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(10):
            assert list(rows(frame)) == expected
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert kept < 16 * 1024, kept  # before: 77 KiB (400 dead weak references)


@pytest.mark.parametrize(
    "types",
    [
        set(kinds)
        for n in range(1, 5)
        for kinds in combinations(["int", "float", "NoneType", "str", "bool", "date"], n)
    ],
)
def test_float_columns_are_the_ones_pandas_makes_float(types):
    """A streamed column writes whole numbers as floats exactly when the school-wide DataFrame
    it replaces would have been float64 (whole numbers beside blanks: 监护人年龄, 逾期天数), and
    is centred exactly when that DataFrame's column was."""
    sample = {"int": 3, "float": 2.5, "NoneType": None, "str": "甲", "bool": True}
    values = [sample.get(t, dt.date(2027, 1, 1)) for t in sorted(types)]
    frame = pd.DataFrame({"a": values})
    assert float_column(types) == (str(frame["a"].dtype) == "float64")
    assert figures_column(types) == figures(frame["a"].unique())  # centred as write_frame did


def test_item_facts_gathered_by_class_equal_those_of_every_item_sorted():
    """教师统计's teachers (in order), their paired children and the snapshot's names, taken
    class by class from each class's sorted items, equal what every item of the school sorted
    together gives (teachers tie across classes, and some teach in two)."""
    rng = random.Random(4)
    runs = []
    for position in range(6):
        mine = [
            Item(
                f"班{position % 4}",
                f"生{row}",
                f"k{position}-{row}",
                rng.choice(["甲", "乙", "丙", "丁"]),
                rng.choice(["家访", "谈心"]),
                "本月",
                dt.date(2027, 3, 1),
                dt.date(2027, 3, 31),
                rng.choice([OVERDUE, SOON, OPEN, DONE]),
                dt.date(2027, 3, rng.randint(1, 3)),
                rng.choice([0, 1, 2]),
                f"f{position}",
                row,
            )
            for row in range(2, rng.randint(3, 9))
        ]
        runs.append(sorted(mine, key=urgency_order))
    gathered = ItemFacts()
    for position, run in enumerate(runs):
        gathered.add(run, position)
    whole = ItemFacts.of(sorted([i for run in runs for i in run], key=urgency_order))
    assert gathered.teachers == whole.teachers
    assert gathered.paired == whole.paired and gathered.names == whole.names


def _ages(path: Path, first: object, later: object) -> None:
    """学生档案's 监护人年龄: `first` in the first child's row, `later` in the third's."""
    wb = load_workbook(path)
    sheet = wb["学生档案"]
    header = next(r for r in sheet.iter_rows(max_row=5) if any(c.value == "监护人年龄" for c in r))
    column = next(c.column for c in header if c.value == "监护人年龄")
    top = header[0].row
    sheet.cell(top + 1, column).value = first
    sheet.cell(top + 3, column).value = later
    wb.save(path)


def _parts(master: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(master) as archive:
        return {
            n: re.sub(rb"20\d\d-\d\d-\d\d \d\d:\d\d", b"", archive.read(n))
            for n in archive.namelist()
            if n != "docProps/core.xml"
        }


@pytest.mark.parametrize("later", [None, "六十岁"], ids=["blank", "text"])
def test_streamed_sheets_are_byte_for_byte_the_dataframes(school, tmp_path, later):
    """The master from per-class parts equals, part by part, the one a target taking
    DataFrames gets: whole numbers beside blanks written as floats as pandas did (a blank
    first), or as they are beside a text; and the 变更记录 snapshot the same."""
    masters, kept = [], []
    for streams in (True, False):
        folder = tmp_path / str(streams)
        shutil.copytree(school, folder)
        classes = sorted((folder / "班级台账").glob("*.xlsx"))
        _ages(classes[0], None, later)
        master = folder / "全校汇总.xlsx"
        target = dataclasses.replace(job.file_target(master.absolute()), streams=streams)
        consolidate(master, as_of=AS_OF, no_write_back=True, target=target)
        _ages(classes[1], 70, None)  # a change for 变更记录
        result = consolidate(master, as_of=AS_OF, no_write_back=True, target=target)
        assert not result.unchanged
        masters.append(_parts(master))
        config = read_master(master)
        kept.append(Cache(master.absolute(), read_calendar(config).first_year).get("snapshot"))
    assert masters[0] == masters[1]
    assert kept[0] == kept[1]
    ages = [json.loads(t)[FIELDS.index("监护人年龄")] for t in kept[0]["children"].values()]
    floats = [a for a in ages if a.endswith(".0")]
    assert bool(floats) == (later is None) and ("六十岁" in ages) == (later is not None)
    log = load_workbook(tmp_path / "True" / "全校汇总.xlsx")["变更记录"]
    assert "监护人年龄" in str([c.value for c in log["E"]])
