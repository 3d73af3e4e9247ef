"""Deterministic fault injection for the kill tests.

Steps of a write that must survive a crash call `reached("step-name")`. When the environment
variable XLSYNC_FAULT names that step, the process first records the step in the file named
by XLSYNC_FAULT_MARK (so a test can prove the kill landed where it says) and then kills
itself with SIGKILL: no cleanup, no `finally`, as a power cut or a killed process. Unset, a
step costs one dictionary look-up. The steps are listed in docs/reliability.md.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

STEP_ENV, MARK_ENV = "XLSYNC_FAULT", "XLSYNC_FAULT_MARK"


def reached(step: str) -> None:
    """Die here, hard, if this is the step the environment names."""
    if os.environ.get(STEP_ENV) != step:
        return
    marker = os.environ.get(MARK_ENV)
    if marker:
        Path(marker).write_text(step, encoding="utf-8")
    os.kill(os.getpid(), signal.SIGKILL)
