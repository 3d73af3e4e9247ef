"""汇总 writes each class's status columns, 逾期提醒 and check marks back into that class's own
workbook (issue 16.1): an open or refusing file is listed and left byte for byte, never
blocking the master; nothing is rewritten when nothing changed; 返回各班 holds the copies."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlsync.demo import DemoSize, generate_school
from xlsync.files.reader import load_grids
from xlsync.jobs.consolidate import consolidate
from xlsync.schema import CHECK_SHEET, RETURN_DIR, STATUS_SHEET

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture
def master(tmp_path: Path) -> Path:
    """A generated school of three classes, never consolidated."""
    return generate_school(tmp_path / "学校", AS_OF, DemoSize(3, 6), seed=11)


def _classes(master: Path) -> list[Path]:
    return sorted((master.parent / "班级台账").glob("*.xlsx"))


def _bytes(paths: list[Path]) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in paths}


def _status_headers(path: Path) -> list[str]:
    header = load_grids(path)["学生档案"][0]
    return [str(h) for h in header if h and "·" in str(h)]


def _with_image(path: Path) -> None:
    """Add a picture part, as a teacher's pasted photo would (xlsync refuses to drop it)."""
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/media/image1.png", b"\x89PNG")


def _overview(master: Path) -> dict[str, object]:
    ws = load_workbook(master)["概览"]
    return {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row and row[0]}


def test_every_class_is_refreshed_but_the_open_one_and_the_one_with_an_image(master, run):
    opened, pictured, plain = _classes(master)
    (opened.parent / f"~${opened.name}").write_bytes(b"lock")
    _with_image(pictured)
    before = _bytes([opened, pictured])
    result = run("consolidate", master, "--as-of", AS_OF.isoformat())
    assert "已更新 1 个班级台账" in result.output and plain.name in result.output
    assert f"未更新：{opened.stem}（正在被打开）" in result.output
    assert f"未更新：{pictured.stem}（含有 xlsync 无法原样保留的图片" in result.output
    assert _bytes([opened, pictured]) == before
    assert _status_headers(plain) and {STATUS_SHEET, CHECK_SHEET} <= set(load_grids(plain))
    missed = str(_overview(master)["未更新的班级台账"])
    assert f"{opened.stem}（正在被打开）" in missed and pictured.stem in missed
    copies = master.parent / RETURN_DIR
    assert [p.name for p in copies.iterdir()] == [plain.name]
    assert (copies / plain.name).read_bytes() == plain.read_bytes()


def test_the_open_class_is_refreshed_by_the_next_run_once_it_is_closed(master):
    opened = _classes(master)[0]
    lock = opened.parent / f"~${opened.name}"
    lock.write_bytes(b"lock")
    first = consolidate(master, as_of=AS_OF)
    assert first.write_back and [m["class"] for m in first.write_back.missed] == [opened.stem]
    lock.unlink()
    second = consolidate(master, as_of=AS_OF)
    assert not second.unchanged and second.write_back
    assert second.write_back.refreshed == [f"班级台账/{opened.name}"]
    assert _status_headers(opened)


def test_nothing_is_rewritten_when_nothing_changed(master):
    consolidate(master, as_of=AS_OF)
    written = _bytes(_classes(master))
    again = consolidate(master, as_of=AS_OF)
    assert again.unchanged and _bytes(_classes(master)) == written


def test_a_class_whose_blocks_come_out_identical_is_not_rewritten(master):
    """Even when the cache has forgotten what it wrote, the blocks are compared, not assumed."""
    consolidate(master, as_of=AS_OF)
    shutil.rmtree(master.parent / ".xlsync")
    written = _bytes(_classes(master))
    backups = sorted((master.parent / "班级台账" / ".xlsync").rglob("*.xlsx"))
    result = consolidate(master, as_of=AS_OF)
    assert result.write_back and not result.write_back.refreshed
    assert len(result.write_back.current) == 3
    assert _bytes(_classes(master)) == written
    assert sorted((master.parent / "班级台账" / ".xlsync").rglob("*.xlsx")) == backups


def test_a_new_day_rewrites_only_what_changed_and_keeps_the_copies_current(master):
    consolidate(master, as_of=AS_OF)
    result = consolidate(master, as_of=AS_OF + dt.timedelta(days=1))
    assert result.write_back and len(result.write_back.refreshed) == 3
    for path in _classes(master):
        assert (master.parent / RETURN_DIR / path.name).read_bytes() == path.read_bytes()


@pytest.mark.parametrize("how", ["option", "setting"])
def test_write_back_can_be_turned_off(master, run, how):
    before = _bytes(_classes(master))
    args = ["consolidate", master, "--as-of", AS_OF.isoformat()]
    if how == "option":
        args.append("--no-write-back")
    else:
        workbook = load_workbook(master)
        info = workbook["学校信息"]
        row = next(r for r in info.iter_rows() if r[0].value == "汇总时更新班级台账")
        row[1].value = "否"
        workbook.save(master)
    result = run(*args)
    assert result.exit_code in (0, 1) and "没有更新班级台账" in result.output
    assert _bytes(_classes(master)) == before
    assert not (master.parent / RETURN_DIR).exists()


def test_the_copies_are_not_read_as_classes(master):
    """返回各班 inside the class folder (a school that keeps everything in one folder) holds
    copies, which must not count as a second set of classes."""
    consolidate(master, as_of=AS_OF)
    shutil.copytree(master.parent / RETURN_DIR, master.parent / "班级台账" / RETURN_DIR)
    result = consolidate(master, as_of=AS_OF + dt.timedelta(days=1))
    assert result.figures["classes"] == 3


def test_a_return_folder_that_cannot_be_written_does_not_stop_the_run(master, run):
    (master.parent / RETURN_DIR).write_text("a file where the folder would go")
    result = run("consolidate", master, "--as-of", AS_OF.isoformat())
    assert result.exit_code in (0, 1) and "Traceback" not in result.output
    assert "没能更新“返回各班”文件夹" in result.output
    assert "已更新 3 个班级台账" in result.output
    assert "概览" in load_workbook(master, read_only=True).sheetnames
