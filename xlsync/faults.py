"""Deterministic fault injection for the kill tests: XLSYNC_FAULT names a step, and the run
exits hard (as if killed) when it reaches that step.

Each step is a `reached("name")` call in the code (see docs/reliability.md for the list).
XLSYNC_FAULT is `name` (the first time the step is reached) or `name#N` (the N-th time). The
hook then appends `name#N` to the file named by XLSYNC_FAULT_MARK, so the test can prove the
kill landed there, and ends the process with `os._exit(FAULT_EXIT)`: no `finally`, no
`atexit`, no flushing, like SIGKILL. XLSYNC_FAULT_TRACE names a file that gets every step
reached, one a line (so a test can list the steps of a whole run, then kill at each).
Unset, a step costs two environment lookups.
"""

from __future__ import annotations

import os
from collections import Counter

FAULT_ENV, MARK_ENV, TRACE_ENV = "XLSYNC_FAULT", "XLSYNC_FAULT_MARK", "XLSYNC_FAULT_TRACE"
FAULT_EXIT = 77  # distinct from xlsync's own exit codes (0, 1, 2)
_seen: Counter[str] = Counter()


def reached(step: str) -> None:
    """Exit hard here when XLSYNC_FAULT names this step (and this occurrence of it)."""
    wanted, trace = os.environ.get(FAULT_ENV), os.environ.get(TRACE_ENV)
    if not wanted and not trace:
        return
    _seen[step] += 1
    here = f"{step}#{_seen[step]}"
    if trace:
        _append(trace, here)
    name, _, count = (wanted or "").partition("#")
    if name == step and _seen[step] == int(count or 1):
        if os.environ.get(MARK_ENV):
            _append(os.environ[MARK_ENV], here)
        os._exit(FAULT_EXIT)


def _append(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(line + "\n")
