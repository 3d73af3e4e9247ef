"""What the last successful sync wrote to the shared spreadsheet, kept beside the master.

Per tab: its sheetId, grid size, widest row, and one key per row, in order: the row cut into
groups of GROUP columns, each group's keyed 4-byte digest (BLAKE2b under a random salt kept in
the same file). Equal rows have equal keys wherever they stand, so the key is what rows are
aligned by; the groups say which part of a changed row to send. Plus the stamp written into
同步信息 with those rows, and when the shared sheet was last read in full. No cell value is
kept, only digests, so it says nothing about a child that the master beside it does not.
Written whole-or-nothing (temp, fsync, rename); anything unreadable or for another
spreadsheet counts as missing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsync import faults

RECORD_FILE = "sync-record.json"
VERSION = 1
DIGEST = 4  # bytes per group: a changed group goes unseen once in 4 billion
GROUP = 4  # columns per digest: a changed cell costs at most this many cells sent


@dataclass
class TabRecord:
    sheet_id: int
    rows: int  # the grid's rowCount after the sync
    cols: int  # the grid's columnCount
    width: int  # the widest row written (cells beyond it are empty)
    keys: list[bytes] = field(default_factory=list)  # one per row: `groups` digests
    groups: int = 0


@dataclass
class SyncRecord:
    spreadsheet: str
    stamp: str
    salt: str
    checked: str  # ISO time of the last full read of the shared sheet
    tabs: dict[str, TabRecord] = field(default_factory=dict)

    def checked_before(self, hours: float) -> bool:
        """True when the last full read is older than `hours` (or its time is unreadable)."""
        try:
            when = dt.datetime.fromisoformat(self.checked)
        except ValueError:
            return True
        return dt.datetime.now() - when > dt.timedelta(hours=hours)


def record_path(master: Path) -> Path:
    return master.parent / ".xlsync" / RECORD_FILE


def new_stamp() -> str:
    return secrets.token_hex(8)


def new_salt() -> str:
    return secrets.token_hex(16)


def group_count(rows: Sequence[Sequence[Any]]) -> int:
    return max(1, -(-max((len(r) for r in rows), default=0) // GROUP))


def row_keys(rows: Sequence[Sequence[Any]], salt: str, groups: int) -> list[bytes]:
    """Each row's key: the digests of its `groups` column groups, of the cells exactly as
    sent (repr keeps types apart: 1 ≠ "1"; a missing cell and "" are alike, as in the sheet)."""
    key = bytes.fromhex(salt)
    keys = []
    for row in rows:
        cells = list(row) + [""] * (groups * GROUP - len(row))
        keys.append(
            b"".join(
                hashlib.blake2b(
                    repr(cells[g : g + GROUP]).encode(), digest_size=DIGEST, key=key
                ).digest()
                for g in range(0, groups * GROUP, GROUP)
            )
        )
    return keys


def load_record(path: Path, spreadsheet: str) -> SyncRecord | None:
    """The record, or None when it is missing, damaged, of another version or spreadsheet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION or data.get("spreadsheet") != spreadsheet:
            return None
        tabs = {
            title: TabRecord(
                t["sheet_id"], t["rows"], t["cols"], t["width"], *_split(t["keys"], t["groups"])
            )
            for title, t in data["tabs"].items()
        }
        bytes.fromhex(data["salt"])
        return SyncRecord(data["spreadsheet"], data["stamp"], data["salt"], data["checked"], tabs)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _split(text: str, groups: int) -> tuple[list[bytes], int]:
    joined, step = base64.b64decode(text, validate=True), groups * DIGEST
    if groups < 1 or len(joined) % step:
        raise ValueError("keys")
    return [joined[i : i + step] for i in range(0, len(joined), step)], groups


def save_record(path: Path, record: SyncRecord) -> None:
    """Write the record whole-or-nothing (not through atomic_write: that one's kill probes are
    for the user's files; this file has its own, sync-record-written and sync-record-saved)."""
    data = {
        "version": VERSION,
        "spreadsheet": record.spreadsheet,
        "stamp": record.stamp,
        "salt": record.salt,
        "checked": record.checked,
        "tabs": {
            title: {
                "sheet_id": t.sheet_id,
                "rows": t.rows,
                "cols": t.cols,
                "width": t.width,
                "groups": t.groups,
                "keys": base64.b64encode(b"".join(t.keys)).decode("ascii"),
            }
            for title, t in record.tabs.items()
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a killed sync
        stale.unlink(missing_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temp.open("w", encoding="utf-8") as stream:
        json.dump(data, stream, ensure_ascii=False, separators=(",", ":"))
        stream.flush()
        os.fsync(stream.fileno())
    faults.reached("sync-record-written")
    os.replace(temp, path)
    faults.reached("sync-record-saved")


def forget_record(path: Path) -> None:
    """Drop the record before a write it would no longer describe (a crash then means a full read)."""
    path.unlink(missing_ok=True)
