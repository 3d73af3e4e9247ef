"""The add-in's large transfers (issue 18.6): every block xlsync writes to or reads from Excel
goes through xlwings in chunks of CHUNK_ROWS rows (`options(chunksize=…)`), never as one huge
COM / AppleScript call. The test engine counts each call and the most rows one call carried."""

from __future__ import annotations

import shutil

import excel_engine as xe
from test_excel_entry import TODAY, cells, clicked

import xlsync.ribbon as entry
from xlsync.demo import DemoSize, generate_school
from xlsync.excel import book as xl
from xlsync.jobs.consolidate import consolidate
from xlsync.schema import MASTER_FILE, RESULT_SHEETS


def test_a_large_block_is_written_and_read_back_in_chunks(tmp_path):
    sheet = xe.new_book(tmp_path / "b.xlsx").sheets.add("帮扶记录汇总")
    rows = [[f"孩子{i}", i, "家访"] for i in range(2 * xl.CHUNK_ROWS + 1)]
    xe.CALLS.clear(), xe.ROWS.clear()

    xl.write_rows(sheet, 1, 1, rows)

    assert xe.CALLS["write values"] == 3 and xe.ROWS["write values"] == xl.CHUNK_ROWS
    assert xl.read_grid(sheet) == [[name, float(i), what] for name, i, what in rows]
    assert xe.CALLS["read values"] == 3 and xe.ROWS["read values"] == xl.CHUNK_ROWS


def test_consolidate_in_chunks_gives_the_master_the_cli_gives(tmp_path, monkeypatch):
    """Chunk boundaries fall inside every owned table (7 rows a chunk): the master is still the
    one `xlsync consolidate` writes, cell for cell."""
    school = tmp_path / "学校"
    generate_school(school, TODAY, DemoSize(3, 8), seed=7)
    shutil.copytree(school, tmp_path / "cli")
    consolidate(tmp_path / "cli" / MASTER_FILE, as_of=TODAY)
    monkeypatch.setattr(xl, "CHUNK_ROWS", 7)
    clicked(monkeypatch, school / MASTER_FILE)
    xe.CALLS.clear(), xe.ROWS.clear()

    entry.consolidate_school()

    assert xe.ROWS["write values"] == 7 and xe.ROWS["read values"] <= 7
    expected, got = (
        cells(tmp_path / "cli" / MASTER_FILE, RESULT_SHEETS),
        cells(school / MASTER_FILE, RESULT_SHEETS),
    )
    expected["概览"].pop((2, 1)), got["概览"].pop((2, 1))  # when it ran, to the minute
    assert got == expected
