"""The benchmark script runs end to end in --quick mode (no timing is asserted here: speed
and memory are measured in benchmarks/, see benchmarks/README.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parent.parent / "benchmarks" / "run.py"


def test_quick_benchmark_prints_every_table():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    out = result.stdout
    for phase in (
        "a. I/O floor",
        "b. naive pandas pipeline",
        "c0. xlsync consolidate --no-write-back, cold",
        "c. xlsync consolidate, cold (also refreshes every class workbook)",
        "d. re-run, nothing changed",
        "e. re-run, one class changed",
        "e0. re-run --no-write-back, one class changed",  # issue 22.1's e/c
    ):
        assert phase in out
    for ratio in ("| c0/a |", "| b/c0 |", "| c/c0 |", "| d/c |", "| e/c |", "peak memory"):
        assert ratio in out
    assert "| e/c |" in out and "re-parses only the changed file | yes |" in out
    assert "| e0/c0 |" in out and "| e0/c0 CPU |" in out and "≤ 400 MiB (issue 22)" in out
    assert "Large school (quick)" in out and "| e0. one class changed |" in out
    assert "xlsync requests" in out and "| 8 | 320 |" in out
    assert "汇总全校 (Excel add-in)" in out and "| total |" in out
