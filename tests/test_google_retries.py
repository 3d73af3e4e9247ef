"""Retries that are safe (issue 15.9): a tab-adding batchUpdate whose answer was lost is not
sent twice blindly; 429s honour Retry-After and wait at least a minute (sleep injected, never
real); a second master syncing to the same spreadsheet is refused unless forced."""

from __future__ import annotations

import re
import shutil
import socket

import pytest
import requests
from conftest import SID, built_school
from fake_sheets import Fault
from test_sync import _service_account

from xlsync.errors import XlsyncError
from xlsync.google.push import INFO_TAB
from xlsync.google.transport import RetryPolicy, SchoolHTTPClient
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.sync import master_tables, sync


@pytest.fixture
def built(school):
    """The school's master after one (offline) consolidation: what sync pushes."""
    consolidate(school / "全校汇总.xlsx")
    return school / "全校汇总.xlsx"


def push(path, **options):
    return sync(path, SID, session=requests.Session(), **options)


def test_a_tab_adding_update_whose_answer_was_lost_is_checked_not_resent(fake, built):
    fake.faults.append(Fault(at=2, drop="after"))  # 1: metadata, 2: add the tabs (applied)
    result = push(built)
    adds = [path for _, path, _ in fake.log if path.endswith(f"{SID}:batchUpdate")]
    assert len(adds) == 1
    assert fake.log[2][1] == fake.log[0][1]  # the sheet was re-read before anything else
    tables, _ = master_tables(built, masked=True)
    assert fake.values(SID, "全校档案") == tables["全校档案"]
    assert fake.values(SID, INFO_TAB)[1][1] == "同步完成" and result.report.tabs_added


def test_a_tab_adding_update_that_failed_before_applying_is_sent_again(fake, built):
    fake.faults.append(Fault(at=2, status=503))
    push(built)
    adds = [path for _, path, _ in fake.log if path.endswith(f"{SID}:batchUpdate")]
    assert len(adds) == 2 and "全校档案" in fake.books[SID]


def test_429_honours_retry_after(fake, built, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(SchoolHTTPClient, "policy", RetryPolicy(sleep=slept.append))
    fake.faults += [Fault(at=n, status=429, retry_after="20") for n in range(1, 6)]
    push(built)
    assert slept == [20.0] * 5


def test_429_keeps_trying_for_more_than_a_minute_then_says_so(fake, built, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(SchoolHTTPClient, "policy", RetryPolicy(sleep=slept.append))
    fake.faults += [Fault(at=n, status=429) for n in range(1, 40)]
    with pytest.raises(XlsyncError, match="429"):
        push(built)
    assert sum(slept) >= 60 and len(slept) < 12


def test_a_second_master_is_refused_unless_forced(fake, built, tmp_path, run, server):
    push(built)
    info = dict((row + [""])[:2] for row in fake.values(SID, INFO_TAB))
    assert info["学校"] == "测试小学" and info["汇总文件"].startswith(built.name) and info["电脑"]
    # the path and the computer's name may hold a teacher's name: only fingerprints leave
    assert str(built.parent) not in str(fake.values(SID, INFO_TAB))
    assert socket.gethostname() not in str(fake.values(SID, INFO_TAB))
    other = tmp_path / "另一所" / built.name
    shutil.copytree(built.parent, other.parent)
    before = fake.values(SID, INFO_TAB)
    key = _service_account(tmp_path / "key.json", server[1] + "/token")
    result = run("sync", other, "--spreadsheet", SID, "--credentials", key)
    assert result.exit_code == 2 and "另一份全校汇总" in result.stderr, result.output
    assert "--force" in result.stderr and fake.values(SID, INFO_TAB) == before
    push(other, force=True)
    now = dict((r + [""])[:2] for r in fake.values(SID, INFO_TAB))["汇总文件"]
    assert now != info["汇总文件"] and now.startswith(other.name)
    with pytest.raises(XlsyncError, match="另一份全校汇总"):
        push(built)
    push(other)  # the owner itself goes on as before


def test_dates_and_rates_arrive_as_values_with_formats(fake, tmp_path):
    built = built_school(tmp_path / "学校", classes=2, children=8, seed=3) / "全校汇总.xlsx"
    push(built)
    kinds: dict[str, set[str]] = {}
    for title in fake.books[SID]:
        tab = fake.tab(SID, title)
        rows = fake.values(SID, title)
        for (row, col), fmt in tab.formats.items():
            number = fmt.get("numberFormat", {})
            if number.get("type") in ("DATE", "PERCENT") and row < len(rows):
                kinds.setdefault(number["type"], set()).add(f"{title}:{col}")
                value = rows[row][col] if col < len(rows[row]) else ""
                # a real date is a number; what stays text is what the teacher typed wrong
                assert not re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", str(value)), (title, row, value)
    assert kinds.get("DATE") and kinds.get("PERCENT")
    overview = fake.values(SID, "班级统计")
    rate = next(c for c, h in enumerate(overview[0]) if str(h).endswith("率"))
    assert fake.tab(SID, "班级统计").formats[(1, rate)]["numberFormat"]["pattern"] == "0.0%"
    before = len(fake.log)
    push(built)
    assert not [p for _, p, _ in fake.log[before:] if p.endswith(f"{SID}:batchUpdate")]


def test_date_serials_and_text_stay_what_they_are():
    import datetime as dt

    from xlsync.google.push import Serial, api_value

    assert api_value(dt.date(2026, 11, 30)) == 46356 and isinstance(
        api_value(dt.date(2026, 11, 30)), Serial
    )
    assert api_value(dt.datetime(2026, 11, 30, 12, 0)) == 46356.5
    assert api_value("0012") == "0012"
