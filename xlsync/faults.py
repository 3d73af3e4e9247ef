"""Deterministic fault injection for the kill tests.

Steps of a write that must survive a crash call `reached("step-name")`. When the environment
variable XLSYNC_FAULT names that step ("name", or "name#N" for its N-th time in the run), the
process records the step in the file named by XLSYNC_FAULT_MARK (so a test proves the kill
landed where it says) and kills itself with SIGKILL: no cleanup, no `finally`, as a power cut
or a killed process. XLSYNC_FAULT_LOG names a file to which every step reached is appended
(how a test learns the steps of a run). Unset, a step costs two environment look-ups. The
steps are listed in docs/reliability.md.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path

STEP_ENV, MARK_ENV, LOG_ENV = "XLSYNC_FAULT", "XLSYNC_FAULT_MARK", "XLSYNC_FAULT_LOG"
_seen: Counter[str] = Counter()


def reached(step: str) -> None:
    """Die here, hard, if this is the step (and its count) the environment names."""
    log = os.environ.get(LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as stream:
            stream.write(step + "\n")
    target = os.environ.get(STEP_ENV)
    if not target:
        return
    _seen[step] += 1
    name, _, nth = target.partition("#")
    if name != step or _seen[step] != int(nth or 1):
        return
    marker = os.environ.get(MARK_ENV)
    if marker:
        Path(marker).write_text(f"{step}#{_seen[step]}", encoding="utf-8")
    os.kill(os.getpid(), signal.SIGKILL)
