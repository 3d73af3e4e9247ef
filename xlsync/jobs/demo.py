"""The demo job: a generated school, consolidated — the README's first command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from xlsync.demo import DemoSize, generate_school
from xlsync.jobs.consolidate import ConsolidateResult, Progress, consolidate


def demo(
    folder: Path,
    as_of: dt.date | None = None,
    size: DemoSize | None = None,
    seed: int = 2026,
    progress: Progress | None = None,
) -> ConsolidateResult:
    """Generate the demo school in `folder`, then run 汇总 on it."""
    as_of = as_of or dt.date.today()
    master = generate_school(folder, as_of, size or DemoSize(), seed, progress)
    return consolidate(master, as_of=as_of, progress=progress)
