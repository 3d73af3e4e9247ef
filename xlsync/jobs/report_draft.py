"""The Word draft of a 工作报告 (`xlsync report --docx`, the 「学期报告」 button; issue 21.2):
工作总结_<学期>.docx beside the report workbook, composed in the core (core/work_summary.py)
and laid out by files/report_docx.py."""

from __future__ import annotations

from pathlib import Path

from xlsync.core.work_summary import compose
from xlsync.files.report_docx import write_draft
from xlsync.jobs.report import ReportResult

DRAFT_PREFIX = "工作总结_"


def draft_path(folder: Path, period: str) -> Path:
    return folder / f"{DRAFT_PREFIX}{period}.docx"


def add_draft(result: ReportResult, folder: Path | None = None) -> Path:
    """Write the draft of `result` beside its workbook (or into `folder`) and list it among
    the outputs; an edited draft of the same period is kept and the new one numbered."""
    folder = folder or (result.workbook.parent if result.workbook else Path.cwd())
    path = write_draft(compose(result.report), draft_path(folder, result.report.period.name))
    result.outputs.append(path)
    return path
