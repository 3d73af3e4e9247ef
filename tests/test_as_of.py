"""The master keeps its as-of date as data (the defined name xlsync_as_of), written by both
master writers and read by the sync: rewording 概览's title does not lose it. A master written
before it was stored falls back to the title, and says 未知 when that has no date either."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import excel_engine as xe
import pytest
import requests
from conftest import SID, needs_soffice
from openpyxl import load_workbook

import xlsync.ribbon as entry
from xlsync.core.master_view import AS_OF_NAME
from xlsync.google.push import INFO_TAB
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.sync import UNKNOWN_AS_OF, master_tables, sync
from xlsync.present import sync_lines
from xlsync.schema import MASTER_FILE

AS_OF = dt.date(2026, 11, 30)


def stored(master: Path) -> str | None:
    names = load_workbook(master).defined_names
    return names[AS_OF_NAME].attr_text if AS_OF_NAME in names else None


def edit(master: Path, reword: bool = False, drop_name: bool = False) -> None:
    """What a lead may do to the master by hand: reword 概览's date line, delete the name."""
    wb = load_workbook(master)
    if reword:
        wb["概览"]["A2"] = "统计日期：二〇二六年十一月三十日"
    if drop_name:
        wb.defined_names.pop(AS_OF_NAME, None)
    wb.save(master)


def test_the_file_writer_stores_the_date_and_the_sync_reads_it(school, fake):
    master = school / MASTER_FILE
    consolidate(master, as_of=AS_OF)
    consolidate(master, as_of=AS_OF + dt.timedelta(days=1))  # replaced, not added twice
    assert stored(master) == '"2026-12-01"'
    edit(master, reword=True)
    assert master_tables(master, masked=True)[1] == "2026-12-01"
    result = sync(master, SID, session=requests.Session())
    info = dict(map(tuple, fake.values(SID, INFO_TAB)[1:]))
    assert result.as_of == info["数据截至"] == "2026-12-01"


def test_the_excel_button_stores_the_date_and_the_sync_reads_it(school, monkeypatch):
    master = school / MASTER_FILE
    book = xe.load(master)
    monkeypatch.setattr(entry, "caller", lambda: book)
    entry.consolidate_school()
    today = dt.date.today().isoformat()
    assert book.names[AS_OF_NAME].refers_to == f'="{today}"'
    assert stored(master) == f'"{today}"'
    edit(master, reword=True)
    assert master_tables(master, masked=True)[1] == today


def test_a_master_without_the_name_falls_back_to_its_title(school):
    master = school / MASTER_FILE
    consolidate(master, as_of=AS_OF)
    edit(master, drop_name=True)
    assert stored(master) is None
    assert master_tables(master, masked=True)[1] == "2026-11-30"


def test_a_master_without_any_date_says_unknown(school, fake):
    master = school / MASTER_FILE
    consolidate(master, as_of=AS_OF)
    edit(master, reword=True, drop_name=True)
    result = sync(master, SID, session=requests.Session())
    info = dict(map(tuple, fake.values(SID, INFO_TAB)[1:]))
    assert result.as_of == "" and info["数据截至"] == UNKNOWN_AS_OF
    lines = [text for text, kind in sync_lines(result) if kind == "warning"]
    assert any("重新运行 汇总全校" in line for line in lines)


@needs_soffice
@pytest.mark.soffice
def test_the_date_survives_a_libreoffice_resave(school, tmp_path):
    """A lead who opens the master in LibreOffice (or WPS) and saves it keeps the name."""
    from test_libreoffice import convert

    master = school / MASTER_FILE
    consolidate(master, as_of=AS_OF)
    edit(master, reword=True)
    convert([master], "xlsx", tmp_path / "out", tmp_path / "profile")
    assert master_tables(tmp_path / "out" / MASTER_FILE, masked=True)[1] == "2026-11-30"
