"""What the previous rollup of a folder remembered (FOLDER/.xlsync/rollup.json): each
school's figures, so the next rollup can list what changed (变更) and which schools of last
time sent nothing (数据时效). Kept beside the school files, whatever `-o` names."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from xlsync.core.county import County, SchoolFigures, Snapshot
from xlsync.files.safe_write import atomic_write

STATE_FILE = Path(".xlsync") / "rollup.json"
STATE_VERSION = 1


def read_snapshot(folder: Path) -> Snapshot | None:
    """The previous rollup's figures; None on a first rollup (or an unreadable state file,
    which only costs this run its 变更 list)."""
    path = folder / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            return None
        schools = {
            key: (entry["name"], _figures(entry["figures"]))
            for key, entry in data["schools"].items()
        }
        return Snapshot(_day(data.get("as_of")), schools)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_snapshot(folder: Path, county: County) -> None:
    """Remember this rollup's figures for the next one (whole-or-nothing)."""
    data = {
        "version": STATE_VERSION,
        "as_of": county.as_of.isoformat(),
        "schools": {
            school.key: {"name": school.name, "figures": asdict(school.figures)}
            for school in county.schools
        },
    }
    text = json.dumps(data, ensure_ascii=False, indent=1)
    path = folder / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda temp: temp.write_text(text, encoding="utf-8"))


def _figures(raw: dict[str, Any]) -> SchoolFigures:
    """Figures back from JSON; fields a later version added are ignored, missing ones None."""
    known = SchoolFigures.__dataclass_fields__
    return SchoolFigures(**{k: v for k, v in raw.items() if k in known})


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None
