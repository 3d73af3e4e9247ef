"""The school's pseudonym key: kept beside the master (.xlsync/school.key), never sent anywhere.

The masked sync and export replace IDs, 学籍号 and 学生编号 by an HMAC with this key, so rows match
across syncs but cannot be traced back without it. Lose it and the next sync shows new pseudonyms.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE = Path(".xlsync") / "school.key"


def school_key(master: Path) -> bytes:
    """The key beside `master`, made (random, 32 bytes) on first use."""
    path = master.parent / KEY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_key(path)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _write_key(path: Path) -> None:
    """Write whole-or-nothing (temp + replace); not through atomic_write, whose kill-test
    probes count the user's files' writes only."""
    temp = path.with_suffix(".tmp")
    temp.write_text(secrets.token_hex(32), encoding="ascii")
    os.replace(temp, path)
