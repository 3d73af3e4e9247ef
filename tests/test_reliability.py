"""Backups and restore, the 汇总 lock, 台账来源 confined to the class folder, teacher text
that looks like a formula, masked values in messages, and files read while being saved."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from conftest import student, write_class_book
from openpyxl import load_workbook

from xlsync.demo import DemoSize, generate_school
from xlsync.errors import XlsyncError
from xlsync.files.backup import KEEP, backups_of
from xlsync.files.lock import FileLock
from xlsync.files.reader import read_class_workbook
from xlsync.jobs.consolidate import consolidate

AS_OF = dt.date(2026, 11, 30)


def test_every_in_place_write_keeps_a_backup_and_restore_brings_it_back(class_book, run):
    path = class_book(students=[student(姓名="李", 身份证号="")])
    original = path.read_bytes()
    run("validate", path, "--annotate", "--as-of", "2026-11-30")
    assert [b.path.read_bytes() for b in backups_of(path)] == [original]
    listing = run("restore", path)
    assert listing.exit_code == 0 and "1. " in listing.stdout
    assert run("restore", path, "--pick", "1").exit_code == 0
    assert path.read_bytes() == original
    assert len(backups_of(path)) == 2  # the annotated version was backed up before restoring
    assert run("restore", path, "--pick", "9").exit_code == 2


def test_backups_are_limited_to_the_newest_few(class_book, run):
    path = class_book(students=[student(姓名="李", 身份证号="")])
    for _ in range(KEEP + 3):
        run("overdue", path, "--write", "--as-of", "2026-11-30")
    assert len(backups_of(path)) == KEEP


def test_two_consolidations_at_once_the_second_is_refused(tmp_path):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(2, 5), seed=1)
    with FileLock(master.parent / ".xlsync" / "consolidate.lock", "汇总"):
        with pytest.raises(XlsyncError, match="另一个汇总正在进行"):
            consolidate(master, as_of=AS_OF)
    consolidate(master, as_of=AS_OF)


def test_sources_outside_the_class_folder_are_refused_unless_allowed(tmp_path, run):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(1, 5), seed=1)
    outside = write_class_book(tmp_path / "别处" / "外面.xlsx", students=[student(姓名="外面的")])
    wb = load_workbook(master)
    wb["班级"].append(["外班", "张老师", "../../别处/外面.xlsx"])
    wb.save(master)
    (master.parent / "班级台账" / "链接.xlsx").symlink_to(outside)
    result = consolidate(master, as_of=AS_OF)
    messages = " ".join(f["message"] for f in result.failed)
    assert (
        len(result.failed) == 2 and "在班级台账目录" in messages and "--allow-outside" in messages
    )
    allowed = run(
        "consolidate", master, "--as-of", "2026-11-30", "--allow-outside", "--format", "json"
    )
    assert allowed.exit_code in (0, 1) and '"failed_files": []' in allowed.stdout


def test_text_that_looks_like_a_formula_stays_text_everywhere(tmp_path, run):
    master = generate_school(tmp_path / "s", AS_OF, DemoSize(1, 5), seed=2)
    path = next((master.parent / "班级台账").glob("*.xlsx"))
    wb = load_workbook(path)
    for cell in ("AA2", "X3"):
        wb["学生档案"][cell].value = '=HYPERLINK("http://evil","点我")'
        wb["学生档案"][cell].data_type = "s"
    wb["学生档案"]["A4"].value = "=1+1"
    wb["学生档案"]["A4"].data_type = "s"
    wb.save(path)
    run("validate", path, "--annotate", "--as-of", "2026-11-30")
    run("overdue", path, "--write", "--as-of", "2026-11-30")
    consolidate(master, as_of=AS_OF)
    for workbook in (path, master):
        wb = load_workbook(workbook)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and (
                        "evil" in cell.value or cell.value == "=1+1"
                    ):
                        assert cell.data_type == "s", (workbook.name, ws.title, cell.coordinate)


def test_messages_never_show_a_whole_id_or_phone(class_book, run):
    path = class_book(students=[student(身份证号="430102201503010156", 监护人电话="1381234567")])
    out = run("validate", path, "--as-of", "2026-11-30", "--format", "json").stdout
    assert "430102201503010156" not in out and "1381234567" not in out
    assert "430***********0156" in out or "校验码" in out


def test_a_file_being_saved_is_read_whole(class_book, tmp_path):
    path = class_book(students=[student(), student(姓名="李小红", 身份证号="")])
    whole = path.read_bytes()
    expected = len(read_class_workbook(path).students.data)

    def slow_save() -> None:  # a writer that is not atomic: truncate, then write in two goes
        with path.open("wb") as stream:
            stream.write(whole[: len(whole) // 2])
            stream.flush()
            time.sleep(0.3)
            stream.write(whole[len(whole) // 2 :])

    saver = threading.Thread(target=slow_save)
    saver.start()
    time.sleep(0.05)
    book = read_class_workbook(path)
    saver.join()
    assert len(book.students.data) == expected
