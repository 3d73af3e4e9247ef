"""Workbooks that once broke something, kept under tests/data/ and named after what they broke."""

from __future__ import annotations

import shutil
from pathlib import Path

DATA = Path(__file__).parent / "data"


def test_half_filled_row_does_not_crash_overdue(run, tmp_path):
    """A row with only a name read back as NaN through pandas' iterrows and crashed child_key."""
    path = shutil.copy(DATA / "regression-half-filled-row-nan.xlsx", tmp_path / "班.xlsx")
    result = run("overdue", path, "--as-of", "2026-11-30", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "只有名字" in result.stdout


def test_openpyxl_uses_its_standard_library_xml_path_even_with_lxml_installed():
    """lxml (brought by python-docx) changed formula results in openpyxl's writes: xlsync fixes it."""
    import subprocess
    import sys

    import openpyxl.xml

    assert openpyxl.xml.LXML is False
    probe = "import xlsync.cli, openpyxl.xml; print(openpyxl.xml.LXML)"
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert shown.stdout.strip() == "False"
