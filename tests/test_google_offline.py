"""Google out of reach (issue 15.5, 15.6): a token endpoint that is down or refuses the key,
and key files of the wrong shape, end in one Chinese line and exit 2; the periodic sync keeps
its schedule; consolidate uses a Google class's last good data; a school whose classes all
live in Google Sheets consolidates."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
import requests
from conftest import SID, student
from openpyxl import load_workbook
from test_google_classes import STUDENTS, fill
from test_sync import _service_account

from xlsync.errors import XlsyncError
from xlsync.jobs.classes import new_class
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.inputs import Google

SOURCE = "gsheet:" + SID


def closed_port() -> str:
    """A loopback URL nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/token"


@pytest.fixture
def master(school):
    return school / "全校汇总.xlsx"


@pytest.fixture
def built(master):
    """The master after one (offline) consolidation: what sync pushes."""
    consolidate(master)
    return master


def test_token_endpoint_down_is_a_chinese_line_and_exit_2(fake, built, run, tmp_path):
    key = _service_account(tmp_path / "key.json", closed_port())
    result = run("sync", built, "--spreadsheet", SID, "--credentials", key)
    assert result.exit_code == 2, result.output
    assert "连不上 Google" in result.stderr and "Traceback" not in result.output
    assert fake.count == 0  # nothing reached the Sheets API


def test_revoked_key_says_the_credentials_are_no_longer_valid(fake, built, run, server, tmp_path):
    fake.token_error = "invalid_grant"
    key = _service_account(tmp_path / "key.json", server[1] + "/token")
    result = run("sync", built, "--spreadsheet", SID, "--credentials", key)
    assert result.exit_code == 2, result.output
    assert "凭据已失效" in result.stderr and "重新生成密钥" in result.stderr
    assert [path for _, path, _ in fake.log] == ["/token"]  # the refusal was not retried


def test_every_logs_the_failure_and_keeps_its_schedule(fake, built, run, monkeypatch, tmp_path):
    import xlsync.cli as cli_module

    real, slept = cli_module.run_every, []
    monkeypatch.setattr(
        cli_module,
        "run_every",
        lambda interval, once, log: real(interval, once, log, slept.append, max_runs=3),
    )
    key = _service_account(tmp_path / "key.json", closed_port())
    result = run("sync", built, "--spreadsheet", SID, "--credentials", key, "--every", "30m")
    assert "Traceback" not in result.output
    log = (built.parent / ".xlsync" / "sync.log").read_text(encoding="utf-8").splitlines()
    assert len(log) == 3 and all("同步失败" in line and "连不上 Google" in line for line in log)
    assert slept == [1800, 1800]


def test_consolidate_uses_the_last_good_data_of_a_google_class_offline(
    fake, school, master, server, tmp_path
):
    new_class(school, "四年级1班", "张老师", SID, Google(session=requests.Session()))
    fill(fake, "学生档案", STUDENTS, [student(姓名="谷歌同学", 身份证号="")])
    good = _service_account(tmp_path / "good.json", server[1] + "/token")
    assert SOURCE in consolidate(master, google=Google(credentials=good)).parsed
    dead = _service_account(tmp_path / "dead.json", closed_port())
    result = consolidate(master, google=Google(credentials=dead))
    assert result.figures["classes"] == 2 and not result.failed
    names = [row[1].value for row in load_workbook(master)["全校档案"].iter_rows(min_row=2)]
    assert "谷歌同学" in names
    assert result.figures["stale_files"] and result.exit_code == 1
    issues = [
        " ".join(str(c.value) for c in row) for row in load_workbook(master)["校验问题"].iter_rows()
    ]
    assert any("旧数据" in line and "连不上 Google" in line for line in issues)


def test_a_school_whose_classes_all_live_in_google_sheets_consolidates(fake, school, master):
    for book in (school / "班级台账").glob("*.xlsx"):
        book.unlink()
    workbook = load_workbook(master)
    workbook["班级"].delete_rows(2, workbook["班级"].max_row)
    workbook.save(master)
    google = Google(session=requests.Session())
    new_class(school, "四年级1班", "张老师", SID, google)
    fill(fake, "学生档案", STUDENTS, [student(姓名="谷歌同学", 身份证号="")])
    result = consolidate(master, google=google)
    assert result.figures["classes"] == 1 and [*result.parsed] == [SOURCE]
    names = [row[1].value for row in load_workbook(master)["全校档案"].iter_rows(min_row=2)]
    assert names == ["谷歌同学"]


def test_a_school_with_no_class_at_all_is_told_where_to_put_them(school, master, run):
    shutil.rmtree(school / "班级台账")
    workbook = load_workbook(master)
    workbook["班级"].delete_rows(2, workbook["班级"].max_row)
    workbook.save(master)
    result = run("consolidate", master)
    assert result.exit_code == 2 and "没有找到班级台账" in result.stderr, result.output


def _key(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _good_key_without(tmp_path: Path, *fields: str) -> str:
    info = json.loads(_service_account(tmp_path / "full.json", "http://127.0.0.1:9/t").read_text())
    return json.dumps({k: v for k, v in info.items() if k not in fields})


@pytest.mark.parametrize(
    "content,phrase",
    [
        ("this is not json", "无法读取"),
        ("[1, 2]", "应为一个 JSON 对象"),
        ('"service_account"', "应为一个 JSON 对象"),
        ('{"type": "external_account"}', "type 应为"),
        ('{"type": "service_account"}', "内容不完整"),
        ("client_email", "内容不完整"),
        ("private_key", "内容不完整"),
    ],
)
def test_every_wrong_key_file_is_exit_2_naming_the_file(
    fake, built, run, tmp_path, content, phrase
):
    if content in ("client_email", "private_key"):
        content = _good_key_without(tmp_path, content)
    key = _key(tmp_path / "坏的密钥.json", content)
    result = run("sync", built, "--spreadsheet", SID, "--credentials", key)
    assert result.exit_code == 2, result.output
    assert phrase in result.stderr and "坏的密钥.json" in result.stderr
    assert "Traceback" not in result.output


def test_a_broken_private_key_is_exit_2(tmp_path):
    from xlsync.google.client import credentials_from

    info = json.loads(_good_key_without(tmp_path))
    info["private_key"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
    with pytest.raises(XlsyncError, match="内容不完整"):
        credentials_from(_key(tmp_path / "k.json", json.dumps(info)))


def test_the_excel_button_says_google_is_out_of_reach(fake, built, monkeypatch, tmp_path):
    from test_excel_entry import clicked

    import xlsync.ribbon as entry
    from xlsync.jobs.sync import sync

    key = _service_account(tmp_path / "key.json", closed_port())
    monkeypatch.setenv("XLSYNC_GOOGLE_CREDENTIALS", str(key))
    monkeypatch.setattr(entry, "LOG_FILE", tmp_path / "excel.log")
    monkeypatch.setattr(entry, "sync", lambda path: sync(path, SID))
    book = clicked(monkeypatch, built)
    entry.sync_school()
    from test_excel_entry import alert as last_alert

    alert = last_alert(book)
    assert alert["mode"] == "critical" and "连不上 Google" in alert["prompt"]
    assert "意外" not in alert["prompt"] and not (tmp_path / "excel.log").exists()
