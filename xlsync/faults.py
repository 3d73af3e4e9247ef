"""Deterministic fault injection for the kill tests: XLSYNC_FAULT names a step, and the run
exits hard (as if killed) the first time it reaches that step.

Each step is a `reached("name")` call in the code. When XLSYNC_FAULT equals the name (or
`name#N`, the N-th time it is reached), the hook writes the step's name into the file named
by XLSYNC_FAULT_MARK (so the test can prove the kill landed there) and ends the process with
`os._exit(FAULT_EXIT)`: no `finally`, no `atexit`, no flush, like SIGKILL. Unset, it costs
one dictionary lookup.
"""

from __future__ import annotations

import os
from collections import Counter

FAULT_ENV, MARK_ENV = "XLSYNC_FAULT", "XLSYNC_FAULT_MARK"
FAULT_EXIT = 77  # distinct from xlsync's own exit codes (0, 1, 2)
_seen: Counter[str] = Counter()


def reached(step: str) -> None:
    """Exit hard here when XLSYNC_FAULT names this step (and its count, if given)."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted or wanted.split("#")[0] != step:
        return
    _seen[step] += 1
    name, _, count = wanted.partition("#")
    if _seen[step] != int(count or 1):
        return
    mark = os.environ.get(MARK_ENV)
    if mark:
        with open(mark, "a", encoding="utf-8") as stream:
            stream.write(f"{step}#{_seen[step]}\n")
    os._exit(FAULT_EXIT)
