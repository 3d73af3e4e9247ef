"""The school's pseudonym key: kept beside the master (.xlsync/school.key), never sent anywhere.

The masked sync and export replace IDs, 学籍号 and 学生编号 by an HMAC with this key, so rows match
across syncs but cannot be traced back without it. Lose it and the next sync shows new pseudonyms.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from xlsync.files.safe_write import atomic_write

KEY_FILE = Path(".xlsync") / "school.key"


def school_key(master: Path) -> bytes:
    """The key beside `master`, made (random, 32 bytes) on first use."""
    path = master.parent / KEY_FILE
    if not path.is_file():
        atomic_write(path, lambda temp: _write_key(temp))
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _write_key(temp: Path) -> None:
    temp.write_text(secrets.token_hex(32), encoding="ascii")
