"""Damaged and hostile inputs (tests/data/hostile/, made by tests/hostile.py) end in a clear
finding or a clear Chinese error with exit code 2 — within 60 s and 3 GiB of address space,
with no traceback and no file written."""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "data" / "hostile"
LIMIT_SECONDS, LIMIT_BYTES = 60, 3 << 30
REFUSED = {  # exit 2 with a Chinese reason
    "truncated-zip.xlsx": "已损坏",
    "not-a-workbook.xlsx": "不是有效的",
    "empty-file.xlsx": "不是有效的",
    "xml-entity-bomb.xlsx": "无法读取",
    "zip-bomb.xlsx": "解压后",
    "binary-garbage.csv": "编码无法识别",
    "xml-spreadsheet-2003.xls": "XML 电子表格 2003",
    "cell-at-XFD1048576.xlsx": "已用范围是 1048576 行 × 16384 列",
    **{  # the same far cell spelled six ways a regex misses (python-calamine aborts on each)
        name: "已用范围是 1048576 行 × 16384 列"
        for name in (
            "far-cell-t-before-r.xlsx",
            "far-cell-single-quotes.xlsx",
            "far-cell-spaces-around-equals.xlsx",
            "far-cell-lowercase.xlsx",
            "far-cell-x-prefix.xlsx",
            "far-cell-without-r.xlsx",
        )
    },
}


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_hostile_input(name, tmp_path):
    shutil.copy(CORPUS / name, tmp_path / name)
    before = _snapshot(tmp_path)
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "xlsync.cli", "validate", name, "--as-of", "2026-11-30"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=LIMIT_SECONDS,
        preexec_fn=_limit,
    )
    assert time.monotonic() - start < LIMIT_SECONDS
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "panicked" not in output, output
    assert result.returncode in (0, 1, 2), output
    if name in REFUSED:
        assert result.returncode == 2 and REFUSED[name] in output, output
    else:
        assert result.returncode in (0, 1) and "合计：1 个文件" in output, output
    assert _snapshot(tmp_path) == before


def test_the_corpus_is_what_the_generator_makes(tmp_path, monkeypatch):
    import hostile

    monkeypatch.setattr(hostile, "CORPUS", tmp_path)
    hostile.generate()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in CORPUS.iterdir())


def test_a_far_cell_in_one_class_does_not_abort_the_school(school):
    """One class file python-calamine would abort on: 汇总 names it, goes on, leaves no lock."""
    shutil.copy(CORPUS / "far-cell-x-prefix.xlsx", school / "班级台账" / "三年级2班.xlsx")
    result = subprocess.run(
        [sys.executable, "-m", "xlsync.cli", "consolidate", "全校汇总.xlsx"],
        cwd=school,
        capture_output=True,
        text=True,
        timeout=LIMIT_SECONDS,
        preexec_fn=_limit,
    )
    output = result.stdout + result.stderr
    assert result.returncode in (0, 1, 2) and "Traceback" not in output, output
    assert "三年级2班.xlsx" in output and "1048576 行 × 16384 列" in output, output
    assert not (school / ".xlsync" / "consolidate.lock").exists()
