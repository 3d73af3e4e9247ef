"""The writer foundation: atomic saves, open workbooks left alone, unsupported content refused."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference

from xlsync.errors import XlsyncError
from xlsync.files.safe_write import (
    atomic_write,
    ensure_rewritable,
    save_workbook,
    unsupported_content,
)


def _book(path: Path, value: str = "old") -> Path:
    wb = Workbook()
    wb.active["A1"] = value
    wb.save(path)
    return path


def _value(path: Path) -> str:
    return load_workbook(path).active["A1"].value


def test_save_replaces_atomically_and_keeps_permissions(tmp_path):
    path = _book(tmp_path / "a.xlsx")
    os.chmod(path, 0o640)
    wb = load_workbook(path)
    wb.active["A1"] = "new"
    save_workbook(wb, path, owned=lambda sheet, row, column: (row, column) == (1, 1))
    assert _value(path) == "new"
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == [".xlsync", "a.xlsx"]  # no temp left
    assert [p.name for p in (tmp_path / ".xlsync" / "备份").iterdir()][0].startswith("a.")


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    path = _book(tmp_path / "a.xlsx")
    before = path.read_bytes()

    def broken(temp: Path) -> None:
        temp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, broken)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]


@pytest.mark.parametrize("lock", ["~$三年级2班.xlsx", "~$年级2班.xlsx", ".~lock.三年级2班.xlsx#"])
def test_workbook_open_in_excel_is_not_overwritten(tmp_path, lock):
    path = _book(tmp_path / "三年级2班.xlsx")
    before = path.read_bytes()
    (tmp_path / lock).write_text("owner")
    with pytest.raises(XlsyncError, match="正在 Excel.*打开.*关闭"):
        save_workbook(Workbook(), path)
    assert path.read_bytes() == before


def _with_part(source: Path, target: Path, name: str, data: bytes) -> Path:
    shutil.copy(source, target)
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr(name, data)
    return target


def test_real_chart_is_detected(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append([1])
    ws.append([2])
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=2))
    ws.add_chart(chart, "C3")
    wb.save(tmp_path / "chart.xlsx")
    assert unsupported_content(tmp_path / "chart.xlsx") == ["图表"]


@pytest.mark.parametrize(
    "part,data,label",
    [
        ("xl/media/image1.png", b"\x89PNG", "图片"),
        ("xl/pivotTables/pivotTable1.xml", b"<x/>", "数据透视表"),
        ("xl/ctrlProps/ctrlProp1.xml", b"<x/>", "表单控件"),
        ("xl/vbaProject.bin", b"\x00", "宏"),
        ("xl/drawings/drawing9.xml", b'<xdr:wsDr><xdr:sp macro="">', "形状"),
        ("xl/worksheets/sheet9.xml", b'<extLst><x14:dataValidations count="1">', "数据验证扩展"),
    ],
)
def test_content_openpyxl_would_drop_is_refused_with_what_was_found(tmp_path, part, data, label):
    path = _with_part(_book(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", part, data)
    before = path.read_bytes()
    with pytest.raises(XlsyncError, match=label):
        save_workbook(Workbook(), path)
    assert path.read_bytes() == before


def test_vba_in_xlsm_is_carried_so_not_refused(tmp_path):
    path = _with_part(_book(tmp_path / "a.xlsx"), tmp_path / "b.xlsm", "xl/vbaProject.bin", b"\x00")
    ensure_rewritable(path)


def test_templates_themselves_are_rewritable(school):
    ensure_rewritable(school / "全校汇总.xlsx")
    ensure_rewritable(school / "班级台账" / "三年级2班.xlsx")
