"""The export job: the master's results for the county office, masked with the sync's policy
(the default), or with --full a copy of every sheet of the master; either optionally encrypted
with a password (Office encryption, which Excel, WPS and LibreOffice open with the password)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from xlsync.core.county_input import EXPORT_INFO, export_info_rows
from xlsync.core.masking import mask_rows
from xlsync.core.master_view import as_shown
from xlsync.errors import XlsyncError
from xlsync.files.master_writer import OWNED_SHEETS
from xlsync.files.safe_write import atomic_write
from xlsync.files.school import read_as_of, read_master, read_results
from xlsync.files.school_key import school_key


@dataclass(frozen=True)
class ExportResult:
    path: Path
    masked: bool
    encrypted: bool
    sheets: int
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__, path=str(self.path))


def _cell(ws: Any, value: Any) -> Any:
    """Text is always text in the export (a value starting with = never becomes a formula)."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _workbook(tables: dict[str, list[list[Any]]]) -> bytes:
    wb = Workbook(write_only=True)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([_cell(ws, v) for v in row])
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def _encrypted(data: bytes, password: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def _export_info(master: Path, masked: bool) -> list[list[Any]]:
    """The 导出信息 sheet: which school, as of when, masked or not (what rollup reads)."""
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    rows = export_info_rows(read_master(master).info, read_as_of(master), masked, now)
    return [list(r) for r in rows]


def export(
    master: Path, out: Path, masked: bool = True, password: str | None = None
) -> ExportResult:
    """Write the owned sheets of `master` to `out` (.xlsx)."""
    if out.suffix.lower() != ".xlsx":
        raise XlsyncError(f"导出文件「{out}」应以 .xlsx 结尾。")
    if out.exists() and out.resolve() == master.resolve():
        raise XlsyncError("导出文件不能是全校汇总本身，请换一个文件名。")
    grids = read_results(master, every_sheet=not masked)
    if masked:  # the results only, masked
        tables = {
            n: as_shown(mask_rows([list(r) for r in grids[n]], school_key(master)))
            for n in OWNED_SHEETS
            if n in grids
        }
    else:  # a copy of every sheet's values: the whole master
        tables = {n: [list(r) for r in grid] for n, grid in grids.items()}
    tables[EXPORT_INFO] = _export_info(master, masked)
    data = _workbook(tables)
    if password:
        data = _encrypted(data, password)
    atomic_write(out, lambda temp: temp.write_bytes(data))
    return ExportResult(
        out, masked, bool(password), len(tables), sum(len(t) for t in tables.values())
    )
