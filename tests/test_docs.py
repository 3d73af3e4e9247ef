"""The README's reference sections are generated; this fails when they are stale or incomplete."""

from __future__ import annotations

from pathlib import Path

from xlsync.cli import cli
from xlsync.core.findings import CATALOG
from xlsync.docgen import SECTIONS, render

README = Path(__file__).parent.parent / "README.md"


def test_readme_generated_sections_are_current():
    text = README.read_text(encoding="utf-8")
    for name in SECTIONS:
        assert f"<!-- generated:{name} -->" in text, name
    assert render(text) == text, "run `python -m xlsync.docgen` to refresh README.md"


def test_every_command_and_code_is_documented():
    text = README.read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"### xlsync {name}" in text
    for code in CATALOG:
        assert f"`{code}`" in text
