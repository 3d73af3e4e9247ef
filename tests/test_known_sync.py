"""Issue 22.3: a sync that knows what it sent. With the record of the last sync beside the
master, a sync reads only 同步信息 and sends the keyed row diff; a stamp that differs, a
missing or damaged record, or a day since the last full read means today's full read. Kills
and lost answers at each new step leave old, new or 同步未完成, and the next sync recovers."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from conftest import SID, built_school
from fake_sheets import Fault
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from xlsync.errors import XlsyncError
from xlsync.google.push import INFO_TAB
from xlsync.google.record import load_record, record_path, save_record
from xlsync.google.transport import RetryPolicy, SchoolHTTPClient
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.sync import master_tables, sync

AS_OF = dt.date(2026, 11, 30)
RECORDS = "帮扶记录汇总"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return built_school(tmp_path_factory.mktemp("known") / "学校", classes=6, children=15, seed=21)


@pytest.fixture
def master(built, tmp_path, monkeypatch):
    # 同步时间 pinned: a sync that crosses a minute is not a change (see known.TIME_ROW)
    monkeypatch.setattr("xlsync.jobs.sync.sync_time", lambda: "2026-11-30 08:00")
    copy = tmp_path / "学校"
    shutil.copytree(built, copy)
    return copy / "全校汇总.xlsx"


def push(master: Path, **options):
    return sync(master, SID, session=requests.Session(), **options)


def _middle_class(master: Path) -> Path:
    books = sorted((master.parent / "班级台账").glob("*.xlsx"))
    return books[len(books) // 2]


def add_record(master: Path) -> None:
    """One 帮扶记录 more in a class in the middle of the school, then 汇总."""
    path = _middle_class(master)
    workbook = load_workbook(path)
    sheet = workbook["帮扶记录"]
    sheet.append([AS_OF, sheet["B2"].value, None, "谈心", sheet["E2"].value, "谈学习计划"])
    workbook.save(path)
    consolidate(master, as_of=AS_OF)


def remove_record(master: Path) -> None:
    path = _middle_class(master)
    workbook = load_workbook(path)
    workbook["帮扶记录"].delete_rows(3)
    workbook.save(path)
    consolidate(master, as_of=AS_OF)


def bodies(fake, since: int) -> list[tuple[str, dict]]:
    return [(path, json.loads(body)) for method, path, body in fake.log[since:] if body]


def assert_sheet_is(fake, master: Path) -> None:
    tables, _ = master_tables(master, masked=True)
    for title, rows in tables.items():
        assert fake.values(SID, title) == rows, title
    assert fake.values(SID, INFO_TAB)[1][1] == "同步完成"


def test_unchanged_master_costs_one_small_request(fake, master):
    first = push(master).report
    assert first.full_read and record_path(master).is_file()
    before = fake.count
    report = push(master).report
    assert report.requests == fake.count - before == 1 and not report.full_read
    assert report.bytes_sent + report.bytes_received <= 64 * 1024
    assert "/values:batchGet" in fake.log[-1][1] and INFO_TAB in unquote(fake.log[-1][1])
    assert_sheet_is(fake, master)


def test_one_record_added_is_one_insert_and_one_row(fake, master):
    push(master)
    add_record(master)
    before = fake.count
    report = push(master).report
    assert report.requests == fake.count - before <= 3 and not report.full_read
    assert report.bytes_sent + report.bytes_received <= 256 * 1024
    sent = bodies(fake, before)
    structure = [
        r
        for path, body in sent
        if path.endswith(":batchUpdate") and "/values" not in path
        for r in body["requests"]
    ]
    records_id = fake.tab(SID, RECORDS).sheet_id
    inserts = [r for r in structure if "insertDimension" in r]
    assert [r["insertDimension"]["range"]["sheetId"] for r in inserts] == [records_id]
    span = inserts[0]["insertDimension"]["range"]
    assert span["endIndex"] - span["startIndex"] == 1 and span["startIndex"] > 10
    rows_sent = [
        vr
        for path, body in sent
        if "values:batchUpdate" in path
        for vr in body["data"]
        if vr["range"].startswith(f"'{RECORDS}'")
    ]
    assert len(rows_sent) == 1 and len(rows_sent[0]["values"]) == 1
    assert_sheet_is(fake, master)


def test_one_record_removed_is_one_delete(fake, master):
    push(master)
    remove_record(master)
    before = fake.count
    report = push(master).report
    assert report.requests <= 3 and not report.full_read
    structure = [
        r
        for path, body in bodies(fake, before)
        if path.endswith(":batchUpdate") and "/values" not in path
        for r in body["requests"]
    ]
    deletes = [r["deleteDimension"]["range"] for r in structure if "deleteDimension" in r]
    deletes = [d for d in deletes if d["sheetId"] == fake.tab(SID, RECORDS).sheet_id]
    assert len(deletes) == 1  # (变更记录, listing what 汇总 saw change, may lose a row too)
    assert deletes[0]["endIndex"] - deletes[0]["startIndex"] == 1
    assert_sheet_is(fake, master)


def test_a_new_day_sends_changed_column_groups_not_whole_rows(fake, master):
    push(master)
    consolidate(master, as_of=AS_OF + dt.timedelta(days=1))  # 逾期天数 grows in every row
    report = push(master).report
    assert not report.full_read
    tables, _ = master_tables(master, masked=True)
    total = sum(len(row) for rows in tables.values() for row in rows)
    assert report.changed_cells < total / 10
    assert_sheet_is(fake, master)


def _edit_info(fake, label: str, value: str) -> None:
    tab = fake.tab(SID, INFO_TAB)
    row = next(r for (r, c), v in tab.cells.items() if c == 0 and v == label)
    tab.cells[(row, 1)] = value


@pytest.mark.parametrize("label,value", [("同步标记", "0000"), ("状态", "同步未完成")])
def test_a_sheet_not_as_recorded_is_read_in_full(fake, master, label, value):
    push(master)
    fake.tab(SID, RECORDS).cells[(3, 2)] = "有人改过"  # a hand edit…
    _edit_info(fake, label, value)  # …and 同步信息 no longer as the record says
    report = push(master).report
    assert report.full_read
    assert_sheet_is(fake, master)
    assert not push(master).report.full_read  # and the record is good again


def test_a_hand_edit_of_a_data_tab_is_repaired_at_the_daily_full_read(fake, master):
    push(master)
    fake.tab(SID, RECORDS).cells[(3, 2)] = "有人改过"
    assert push(master).report.requests == 1  # the stamp does not see it…
    path = record_path(master)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["checked"] = (dt.datetime.now() - dt.timedelta(hours=25)).isoformat(timespec="seconds")
    path.write_text(json.dumps(data), encoding="utf-8")
    assert push(master).report.full_read  # …a day after the last full read, this does
    assert_sheet_is(fake, master)


@pytest.mark.parametrize("damage", ["missing", "garbage", "truncated", "other spreadsheet"])
def test_a_missing_or_damaged_record_means_a_full_read(fake, master, damage):
    push(master)
    add_record(master)
    path = record_path(master)
    text = path.read_text(encoding="utf-8")
    if damage == "missing":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"\x00\xff not json")
    elif damage == "truncated":
        path.write_text(text[: len(text) // 2], encoding="utf-8")
    else:
        path.write_text(text.replace(SID, "another-sheet"), encoding="utf-8")
    assert push(master).report.full_read
    assert_sheet_is(fake, master)


def test_the_record_holds_digests_only(fake, master):
    push(master)
    data = json.loads(record_path(master).read_text(encoding="utf-8"))
    assert set(data) == {"version", "spreadsheet", "stamp", "salt", "checked", "tabs"}
    text = json.dumps(list(data["tabs"].values()), ensure_ascii=False)  # without the tab names
    tables, _ = master_tables(master, masked=True)
    values = {str(v) for rows in tables.values() for row in rows for v in row if len(str(v)) > 3}
    assert len(values) > 100
    # Short values (a year such as "1972") turn up inside random base64 by chance: every value is
    # checked as a whole JSON token, and the longer ones as substrings too.
    tokens = set(re.findall(r'"([^"]*)"|(-?[\d.]+)', text))
    tokens = {a or b for a, b in tokens}
    assert [v for v in values if v in tokens or (len(v) > 8 and v in text)] == []
    assert not re.search(r"[\u4e00-\u9fff]", text) and set(data["tabs"]) == {*tables, INFO_TAB}
    record = load_record(record_path(master), SID)
    assert record is not None and set(record.tabs) == {*tables, INFO_TAB}


def test_a_tab_deleted_by_hand_falls_back_to_the_full_sync(fake, master):
    push(master)
    add_record(master)
    del fake.books[SID][RECORDS]  # the stamp still matches; the write then fails (400)
    report = push(master).report
    assert report.full_read and report.tabs_added == [RECORDS]
    assert_sheet_is(fake, master)


@pytest.mark.parametrize("drop", ["before", "after"])
def test_a_sync_ended_at_each_request_of_the_diff_recovers(fake, master, monkeypatch, drop):
    """Each request of a one-record sync (read 同步信息, the diff's batchUpdate, the values
    with the new stamp) ended before or after Google applied it: the sheet then holds the old
    rows, or the new ones, or says 同步未完成; the next sync reads in full whenever anything
    was applied (the record no longer matches), and ends equal to the master."""
    push(master)
    add_record(master)
    saved = {t: (dict(tab.cells), tab.rows, tab.cols) for t, tab in fake.books[SID].items()}
    old = {t: fake.values(SID, t) for t in fake.books[SID]}
    record_bytes = record_path(master).read_bytes()
    new_tables, _ = master_tables(master, masked=True)
    kinds = []
    for step in (1, 2, 3):
        fake.faults[:] = [Fault(at=fake.count + step, drop=drop)]
        monkeypatch.setattr(SchoolHTTPClient, "policy", RetryPolicy(tries=1, timeout=(30, 60)))
        with pytest.raises(XlsyncError):
            push(master)
        kinds.append(fake.log[-1][1].rsplit("/", 1)[-1])
        info = fake.values(SID, INFO_TAB)
        unfinished = info[1][1] == "同步未完成"
        for title, rows in new_tables.items():
            assert unfinished or fake.values(SID, title) in (old[title], rows), (step, title)
        applied = step == 3 or (drop == "after" and step == 2)  # the diff's batchUpdate ran
        fake.faults.clear()
        monkeypatch.setattr(SchoolHTTPClient, "policy", RetryPolicy(sleep=lambda s: None))
        assert push(master).report.full_read == applied, step
        assert_sheet_is(fake, master)
        for title, (cells, rows, cols) in saved.items():  # back to before the step
            tab = fake.tab(SID, title)
            tab.cells, tab.rows, tab.cols = dict(cells), rows, cols
        record_path(master).write_bytes(record_bytes)
    assert kinds[1].endswith(":batchUpdate") and kinds[2] == "values:batchUpdate", kinds


ROW = st.lists(st.sampled_from(["甲", "乙", "丙", 1, 2, 2.5, ""]), min_size=1, max_size=6).map(
    lambda row: [*row[:-1], row[-1] or "丁"]  # as master_tables gives them: no trailing ""
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(old=st.lists(ROW, min_size=1, max_size=30), data=st.data())
def test_any_change_of_the_rows_is_sent_right(fake, tmp_path, old, data):
    """Hypothesis: rows inserted, removed, changed, moved or duplicated anywhere (a small
    alphabet, so equal rows abound) — the keyed diff leaves the tab equal to the new rows."""
    from xlsync.google.client import open_client
    from xlsync.google.known import push_remembered

    new = [list(r) for r in old]
    for _ in range(data.draw(st.integers(0, 6))):
        kind = data.draw(st.sampled_from(["insert", "delete", "change", "move"]))
        at = data.draw(st.integers(0, len(new)))
        if kind == "insert" or not new:
            new.insert(at, data.draw(ROW))
        elif kind == "delete" and len(new) > 1:
            new.pop(min(at, len(new) - 1))
        elif kind == "change":
            new[min(at, len(new) - 1)] = data.draw(ROW)
        else:
            new.insert(data.draw(st.integers(0, len(new) - 1)), new.pop(min(at, len(new) - 1)))
    fake.books.clear()
    fake.create(SID)
    record = tmp_path / "record.json"
    record.unlink(missing_ok=True)
    client = open_client(session=requests.Session())
    info = [["项目", "内容"], ["状态", "同步完成"]]
    push_remembered(client, SID, {"表": [["标题"], *old]}, info, record)
    tight = load_record(record, SID)  # a tight grid (here and in the record): growing and
    assert tight is not None  # deleting rows are exercised
    fake.tab(SID, "表").rows = tight.tabs["表"].rows = len(old) + 3
    save_record(record, tight)
    report = push_remembered(client, SID, {"表": [["标题"], *new]}, info, record)
    assert not report.full_read
    assert fake.values(SID, "表") == [["标题"], *new]
