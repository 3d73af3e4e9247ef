"""The report job (`xlsync report`, issue 21): one period's 工作报告 from the ledger.

Reads what 汇总 reads — the master's configuration and every class workbook, through the
same survey and cache (jobs/consolidate.py) — and counts the period from the class
workbooks themselves; the master's rebuilt sheets only prove that 汇总 has run. Writes
`工作报告_<学期>.xlsx` beside the master.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsync.core.calendar import Calendar, read_calendar, read_rules
from xlsync.core.config import SchoolConfig
from xlsync.core.consolidate import ClassResult
from xlsync.core.normalize import fold
from xlsync.core.report.assessment import default_weights
from xlsync.core.report.build import ReportInputs, build_report
from xlsync.core.report.figures import TermReport, Weight, to_json
from xlsync.core.report.period import choose_period
from xlsync.core.tables import build_table, rows
from xlsync.core.validate import validate_classes
from xlsync.errors import XlsyncError
from xlsync.files.cache import Cache
from xlsync.files.reader import MAX_UNPACKED, load_grids
from xlsync.files.school import read_master
from xlsync.jobs.consolidate import _owned_sheets_present
from xlsync.jobs.inputs import Google
from xlsync.jobs.sources import Progress, _load, _survey
from xlsync.schema import ASSESSMENT, CLASSES, MASTER_FILE, REPORT_PREFIX, TEACHERS


@dataclass
class ReportResult:
    """The report, where its workbook was written, and what the lead should know."""

    report: TermReport
    workbook: Path | None
    failed: list[dict[str, str]] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)  # every file written (the Word draft too)

    @property
    def notes(self) -> list[str]:
        """What the lead should know (shown on stderr with --format json)."""
        return list(self.report.notes)

    @property
    def exit_code(self) -> int:
        """1 when a class is missing from the report or counted from older data (as 汇总)."""
        return 1 if self.report.notes else 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON: where it was written, plus every figure of the report."""
        return {
            "workbook": str(self.workbook) if self.workbook else None,
            "outputs": [str(p) for p in self.outputs],
            "failed_files": [f["file"] for f in self.failed],
            **to_json(self.report),
        }


def report_path(master: Path, name: str) -> Path:
    """工作报告_<学期>.xlsx beside the master."""
    return master.parent / f"{REPORT_PREFIX}{name}.xlsx"


def _check_master(master: Path) -> None:
    if not master.is_file():
        raise XlsyncError(
            f"找不到全校汇总工作簿「{master}」。请写出它的路径，或先运行 xlsync init。"
        )
    if not _owned_sheets_present(master):
        raise XlsyncError(
            f"「{master.name}」还没有汇总过。请先运行 xlsync consolidate（或在 Excel 中点"
            "「汇总全校」），再生成工作报告。"
        )


def read_weights(master: Path) -> tuple[tuple[Weight, ...], bool]:
    """The 考核标准 sheet's weights (missing items: 1), or the defaults when there is none."""
    grids = load_grids(master, lambda name: fold(name) == ASSESSMENT.name, MAX_UNPACKED)
    table = (
        build_table(next(iter(grids.values())), ASSESSMENT, str(master), ASSESSMENT.name)
        if grids
        else None
    )
    if table is None:
        return default_weights(), False
    bad = [row for row, r in rows(table.data) if r["考核项目"] is None or r["权重"] is None]
    if bad:
        where = "、".join(f"第 {r} 行" for r in bad)
        raise XlsyncError(
            f"全校汇总「{ASSESSMENT.name}」表{where}的考核项目或权重空着或填错了："
            "考核项目从下拉中选择，权重填 0–100 的整数。改正后再生成报告。"
        )
    typed = {r["考核项目"]: float(r["权重"]) for _, r in rows(table.data)}
    return tuple(Weight(w.item, typed.get(w.item, w.weight)) for w in default_weights()), True


def _inputs(
    master: Path,
    config: SchoolConfig,
    progress: Progress | None,
    google: Google,
    allow_outside: bool,
) -> tuple[Calendar, tuple[list[ClassResult], list[dict[str, str]]]]:
    """The calendar and every class workbook, read as 汇总 reads them (its cache too)."""
    calendar = read_calendar(config)
    cache = Cache(master, calendar.first_year)
    sources = _survey(master, None, cache, config, google, [], allow_outside)
    return calendar, _load(sources, cache, progress)


def make_report(
    master: Path | None = None,
    term: str | None = None,
    year: bool = False,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    google: Google | None = None,
    write: bool = True,
    allow_outside: bool = False,
) -> ReportResult:
    """Build the report of one period (a 学期 by name, the 学年, or the term holding as-of)
    and write its workbook beside the master (unless `write` is False)."""
    from xlsync.files.report_writer import write_report

    as_of = as_of or dt.date.today()
    master = (master or Path.cwd() / MASTER_FILE).absolute()
    _check_master(master)
    config = read_master(master)
    rules = read_rules(config)
    calendar, (results, failed) = _inputs(
        master, config, progress, google or Google(), allow_outside
    )
    period = choose_period(calendar, term, year, as_of)
    items = [r.item for r in results]
    if progress:
        progress("统计", 1, 1, period.name)
    weights, from_sheet = read_weights(master)
    inputs = ReportInputs(
        school=config.info.get("学校名称") or "本校",
        calendar=calendar,
        rules=tuple(rules),
        classes=tuple(items),
        teachers=tuple(config.table(TEACHERS).data.to_dict("records")),
        heads=_heads(config),
        weights=weights,
        weights_from_sheet=from_sheet,
        findings=tuple(validate_classes(items, config, period.cutoff).findings),
        notes=tuple([_failure_note(f) for f in failed] + _stale_notes(results)),
    )
    report = build_report(inputs, period)
    path = report_path(master, period.name) if write else None
    if path is not None:
        write_report(report, path)
    return ReportResult(report, path, failed, [path] if path else [])


def _heads(config: SchoolConfig) -> dict[str, str]:
    data = config.table(CLASSES).data
    return {str(n): str(h or "") for n, h in zip(data["班级"], data["班主任"], strict=False) if n}


def _failure_note(failed: dict[str, str]) -> str:
    return f"班级台账「{failed['file']}」没有读到，报告里不含这个班：{failed['message']}"


def _stale_notes(results: list[ClassResult]) -> list[str]:
    """Classes counted from their last good data (the file could not be read this time)."""
    return [
        f"{r.item.class_name}用的是上次读到的台账内容（{r.stale_reason}）"
        for r in results
        if r.stale_reason
    ]
