"""The sync job: push the master's xlsync-owned sheets to the school's Google spreadsheet,
masked unless 同步脱敏 = 否; and a loop that repeats it (`--every`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlsync.core.masking import mask_message, mask_rows
from xlsync.core.master_view import as_shown
from xlsync.errors import XlsyncError
from xlsync.files.lock import FileLock
from xlsync.files.master_writer import OVERVIEW, OWNED_SHEETS
from xlsync.files.school import read_as_of, read_master, read_results
from xlsync.files.school_key import school_key
from xlsync.schema import MASTER_FILE

if TYPE_CHECKING:
    import requests

_AS_OF = re.compile(r"截至\s*(\d{4}-\d{2}-\d{2})")
UNKNOWN_AS_OF = "未知（请重新运行 汇总全校 后再同步）"  # neither the name nor a dated title


@dataclass
class SyncResult:
    master: Path
    spreadsheet: str
    masked: bool
    as_of: str
    report: Any  # xlsync.google.push.PushReport

    def to_dict(self) -> dict[str, Any]:
        r = self.report
        return {
            "master": str(self.master),
            "spreadsheet": self.spreadsheet,
            "masked": self.masked,
            "as_of": self.as_of,
            "dry_run": r.dry_run,
            "requests": r.requests,
            "bytes_sent": r.bytes_sent,
            "bytes_received": r.bytes_received,
            "full_read": r.full_read,
            "changed_cells": r.changed_cells,
            "tabs_added": r.tabs_added,
            "tabs_grown": r.tabs_grown,
            "parts": r.parts,
        }


def _trimmed(grid: Sequence[Sequence[Any]]) -> list[list[Any]]:
    rows = []
    for row in grid:
        row = list(row)
        while row and row[-1] in ("", None):
            row.pop()
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def master_tables(master: Path, masked: bool) -> tuple[dict[str, list[list[Any]]], str]:
    """The owned sheets as the API takes them (masked when asked), and the as-of date."""
    from xlsync.google.push import api_value

    grids = read_results(master)
    key = school_key(master) if masked else None
    tables = {}
    for name in OWNED_SHEETS:
        rows = [[api_value(v) for v in row] for row in _trimmed(grids[name])]
        # masked before the hidden columns go: 校验问题's 代码 says how to mask its message
        tables[name] = as_shown(mask_rows(rows, key) if masked else rows)
    return tables, read_as_of(master) or _as_of_in_title(tables[OVERVIEW])


def _as_of_in_title(overview: list[list[Any]]) -> str:
    """A master built before the date was kept as data (xlsync_as_of): read 概览's title."""
    found = _AS_OF.search(" ".join(str(v) for row in overview[:3] for v in row))
    return found.group(1) if found else ""


def sync(
    master: Path | None = None,
    spreadsheet: str | None = None,
    credentials: Path | None = None,
    dry_run: bool = False,
    session: requests.Session | None = None,
    force: bool = False,
) -> SyncResult:
    """Push the master to its Google spreadsheet once (`force`: even if another master owns it)."""
    from xlsync.google.client import google_errors, open_client
    from xlsync.google.known import push_remembered
    from xlsync.google.push import FINISHED
    from xlsync.google.record import record_path

    master = master or Path.cwd() / MASTER_FILE
    if not master.is_file():
        raise XlsyncError(f"找不到全校汇总工作簿「{master}」。请写出它的路径。")
    config = read_master(master)
    spreadsheet = spreadsheet or config.info.get("Google 表格 ID") or ""
    if not spreadsheet:
        raise XlsyncError(
            "没有 Google 表格 ID：请用 --spreadsheet 指定，或填在全校汇总 学校信息 表的 Google 表格 ID 一项。"
        )
    masked = config.info.get("同步脱敏") != "否"
    credentials = credentials or school_credentials(master, config.info.get("凭据文件") or "")
    with FileLock(master.parent / ".xlsync" / "sync.lock", "同步"):
        tables, as_of = master_tables(master, masked)
        info = [
            ["项目", "内容"],
            ["状态", FINISHED],
            ["同步时间", sync_time()],
            ["数据截至", as_of or UNKNOWN_AS_OF],
            ["脱敏", "是" if masked else "否"],
            ["来源", master.name],
            *owner_rows(master, config.info.get("学校名称") or ""),
        ]
        client = open_client(credentials, session)
        with google_errors(spreadsheet):
            report = push_remembered(
                client, spreadsheet, tables, info, record_path(master), dry_run, force
            )
    return SyncResult(master, spreadsheet, masked, as_of, report)


def school_credentials(master: Path, written: str) -> Path | None:
    """The key file named in 学校信息 (凭据文件), relative to the master's folder; used when
    neither --credentials nor XLSYNC_GOOGLE_CREDENTIALS says otherwise (the Excel button
    passes no options, so this is how it finds the key)."""
    from xlsync.google.client import CREDENTIALS_ENV

    if not written or os.environ.get(CREDENTIALS_ENV):
        return None
    path = (master.parent / written).resolve()
    if not path.is_file():
        raise XlsyncError(
            f"学校信息 表的 凭据文件 写的是「{written}」，但找不到这个文件（{path}）。"
            "请把 Google 密钥文件放到那里，或改正 凭据文件 一项。"
        )
    return path


def sync_time() -> str:
    """When this sync ran, to the minute (a function, so a test can pin it)."""
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def owner_rows(master: Path, school: str) -> list[list[str]]:
    """Who pushes: the school, the master and this computer (see push.check_owner). The path
    and the computer's name can hold a teacher's name (C:\\Users\\张老师\\…), so the shared
    sheet gets the file name and a short fingerprint of each, never the text itself."""
    return [
        ["学校", school],
        ["汇总文件", f"{master.name}（{_fingerprint(str(master.resolve()))}）"],
        ["电脑", _fingerprint(socket.gethostname())],
    ]


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def parse_interval(text: str) -> float:
    """'30m', '1h', '90s' → seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*([smh])\s*", text or "")
    if not match or int(match.group(1)) == 0:
        raise XlsyncError(f"间隔「{text}」看不懂，请写成 30m（30 分钟）、1h（1 小时）这样。")
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]


def run_every(
    interval: float,
    once: Callable[[], SyncResult],
    log: Callable[[str, bool], None],
    sleep: Callable[[float], None] = time.sleep,
    max_runs: int | None = None,
) -> int:
    """Run `once` every `interval` seconds until stopped; a failed run is logged and retried at
    the next interval. Returns the number of runs."""
    runs = 0
    while max_runs is None or runs < max_runs:
        runs += 1
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        try:
            result = once()
        except XlsyncError as error:
            log(f"[{stamp}] 同步失败：{mask_message(str(error))}", False)  # a log leaves the school
        else:
            r = result.report
            log(f"[{stamp}] 同步完成：{r.requests} 个请求，更新 {r.changed_cells} 个单元格。", True)
        if max_runs is None or runs < max_runs:
            sleep(interval)
    return runs
