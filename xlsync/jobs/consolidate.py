"""The consolidate job (汇总): read every class workbook, validate, evaluate, rebuild the master.

Incremental: a class workbook whose bytes did not change is taken from the cache instead of
being parsed again, and when neither the inputs nor the as-of date changed the master is not
rewritten. A class workbook that is missing, unreadable or open in Excel does not stop the
run: it is listed, and its last good data (if a run ever read it) are used, marked stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from xlsync.core.calendar import read_calendar, read_rules
from xlsync.core.changes import changes, snapshot
from xlsync.core.config import SchoolConfig
from xlsync.core.consolidate import (
    SchoolResult,
    class_stats,
    dropout_report,
    incident_list,
    issue_list,
    overdue_list,
    overview,
    school_children,
    school_records,
    teacher_stats,
)
from xlsync.core.duties import school_duties
from xlsync.core.incidents import school_incidents
from xlsync.core.masking import mask_failures
from xlsync.core.upgrade import master_finding
from xlsync.core.validate import complete_rate, validate_classes
from xlsync.errors import XlsyncError
from xlsync.files import master_writer as mw
from xlsync.files.backup import folder_of
from xlsync.files.cache import Cache, code_fingerprint
from xlsync.files.disk import ensure_writable
from xlsync.files.lock import FileLock
from xlsync.files.ooxml import sheet_parts
from xlsync.files.protect import plain
from xlsync.files.safe_write import ensure_not_open, ensure_rewritable
from xlsync.files.school import read_master
from xlsync.jobs.class_pass import ClassPass, School
from xlsync.jobs.inputs import Google
from xlsync.jobs.school_rows import overdue_table
from xlsync.jobs.sources import Progress, Source, _loaded, _survey
from xlsync.jobs.write_back import ClassFile, WriteBack, wanted, write_back
from xlsync.schema import MASTER_FILE

WriteMaster = Callable[[dict[str, pd.DataFrame], dict[str, Any], dict[str, str]], None]


@dataclass
class MasterTarget:
    """Where 汇总 takes the configuration from and writes the owned sheets to: the master file
    (the CLI), or the master open in Excel (the add-in, see xlsync/excel/)."""

    read_config: Callable[[], SchoolConfig]
    check: Callable[[], None]  # refuse before the work, so that a refusal costs nothing
    write: WriteMaster  # (tables by sheet, figures, meta)
    skip_unchanged: Callable[[], bool] = lambda: False  # may an unchanged run leave it as it is?
    streams: bool = False  # takes 帮扶记录汇总 as per-class pieces (mw.Streamed), not a DataFrame


def file_target(master: Path) -> MasterTarget:
    def check() -> None:
        ensure_not_open(master)
        ensure_writable(master)
        ensure_writable(folder_of(master) / master.name)  # its backup: before any write-back
        ensure_rewritable(master, mw.OWNED_SHEETS)

    return MasterTarget(
        lambda: read_master(master),
        check,
        lambda tables, figures, meta: mw.write_master(master, tables, figures, meta),
        lambda: _owned_sheets_present(master),
        streams=True,
    )


@dataclass
class ConsolidateResult:
    master: Path
    as_of: dt.date
    figures: dict[str, Any]
    failed: list[dict[str, str]]
    parsed: list[str] = field(default_factory=list)
    unchanged: bool = False
    write_back: WriteBack | None = None  # None: the class workbooks were not to be written

    @property
    def exit_code(self) -> int:
        troubled = self.failed or self.figures["stale_files"] or self.figures["errors"]
        return 1 if troubled else 0

    def to_dict(self) -> dict[str, Any]:
        f = self.figures
        return {
            "master": str(self.master),
            "as_of": self.as_of.isoformat(),
            "classes": f["classes"],
            "children": f["children"],
            "records": f["records"],
            "issues": f["errors"] + f["warnings"] + f["notices"],
            "errors": f["errors"],
            "warnings": f["warnings"],
            "notices": f["notices"],
            "overdue": f["overdue"],
            "children_overdue": f["children_overdue"],
            "on_time_rate": f["on_time_rate"],
            "on_time_by_rule": f["on_time_by_rule"],
            "due_soon": f["due_soon"],
            "complete_rate": f["complete_rate"],
            "retention_rate": f["retention_rate"],
            "left_behind": f.get("left_behind"),  # issue 19.2
            "incidents": f.get("incidents", 0),  # issue 19.4: 安全事件, all / late / unreported
            "incidents_late": f.get("incidents_late", 0),
            "incidents_open": f.get("incidents_open", 0),
            "failed_files": mask_failures(self.failed),
            "stale_files": f["stale_files"],
            "parsed_files": self.parsed,
            "unchanged": self.unchanged,
            "write_back": self.write_back.to_dict() if self.write_back else None,
        }


def _fingerprint(
    config: SchoolConfig, sources: list[Source], as_of: dt.date, writing_back: bool
) -> str:
    """Changes whenever anything the master (or the write-back) is built from changes."""
    parts = {
        "code": code_fingerprint(),
        "as_of": as_of.isoformat(),
        "write_back": writing_back,
        "config": {
            n: t.raw.to_json(date_format="iso", default_handler=str)
            for n, t in config.tables.items()
        }
        | {"info": config.info},
        "classes": [(s.name, s.class_name, s.stale, s.digest, s.error) for s in sources],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _owned_sheets_present(master: Path) -> bool:
    with zipfile.ZipFile(io.BytesIO(plain(master, master.read_bytes()))) as archive:
        return set(mw.OWNED_SHEETS) <= set(sheet_parts(archive))


def consolidate(
    master: Path | None = None,
    classes_dir: Path | None = None,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    google: Google | None = None,
    allow_outside: bool = False,
    target: MasterTarget | None = None,
    no_write_back: bool = False,
) -> ConsolidateResult:
    """Rebuild the owned sheets of the master from every class workbook of the school (written
    to the master file, or to `target`), and refresh each class workbook's own status columns,
    逾期提醒 and marks (unless `no_write_back`, or 学校信息 says 否)."""
    as_of = as_of or dt.date.today()
    master = master or Path.cwd() / MASTER_FILE
    if not master.is_file():
        raise XlsyncError(
            f"找不到全校汇总工作簿「{master}」。请写出它的路径，或先运行 xlsync init。"
        )
    master = master.absolute()  # the cache knows class files by path, whatever the cwd
    with FileLock(master.parent / ".xlsync" / "consolidate.lock", "汇总"):
        return _consolidate(
            master,
            classes_dir,
            as_of,
            progress,
            google or Google(),
            allow_outside,
            target or file_target(master),
            no_write_back,
        )


def _consolidate(
    master: Path,
    classes_dir: Path | None,
    as_of: dt.date,
    progress: Progress | None,
    google: Google,
    allow_outside: bool,
    target: MasterTarget,
    no_write_back: bool,
) -> ConsolidateResult:
    config = target.read_config()
    rules, calendar = read_rules(config), read_calendar(config)
    cache = Cache(master, calendar.first_year)
    parsed: list[str] = []
    sources = _survey(master, classes_dir, cache, config, google, parsed, allow_outside)
    writing_back = wanted(config.info, no_write_back)
    fingerprint = _fingerprint(config, sources, as_of, writing_back)
    if fingerprint == cache.get("fingerprint") and target.skip_unchanged():
        return ConsolidateResult(master, as_of, cache.get("figures"), cache.get("failed"), [], True)
    target.check()
    school, done = _evaluate(
        (config, rules, calendar, as_of), sources, cache, progress, target.streams
    )
    back = _write_back(school, sources, master, cache, google, progress) if writing_back else None
    kids = school_children(school) if done.kids is None else None  # else streamed by class
    counts = kids if done.kids is None else done.kids.counts
    figures = overview(school, counts) | {"not_refreshed": back.missed_text() if back else ""}
    texts = kids if done.kids is None else done.kids.texts()
    now = snapshot(texts, school.items, school.item_facts.names)
    log = changes(cache.get("snapshot"), now)
    _rebuild(target, school, kids, figures, log, done)
    fingerprint = _fingerprint(config, sources, as_of, writing_back)  # refreshed files' digests
    for key, value in (
        ("fingerprint", fingerprint),
        ("snapshot", now),
        ("figures", figures),
        ("failed", school.failed),
    ):
        cache.set(key, value)
    cache.save()
    return ConsolidateResult(master, as_of, figures, school.failed, parsed, write_back=back)


def _write_back(
    school: SchoolResult,
    sources: list[Source],
    master: Path,
    cache: Cache,
    google: Google,
    progress: Progress | None,
) -> WriteBack:
    """Refresh the class workbooks; a refreshed file's new digest goes back into its source."""
    files = {s.name: ClassFile(s.key, s.name, s.class_name, s.digest) for s in sources}
    done = write_back(school, files, master, cache, google, progress)
    for source in sources:
        source.digest = files[source.name].digest
    return done


def _evaluate(
    school: School,
    sources: list[Source],
    cache: Cache,
    progress: Progress | None,
    streams: bool,
) -> tuple[SchoolResult, ClassPass]:
    """Validate and evaluate every class, one at a time (jobs/class_pass.py), then what spans
    the school: the pure core's part of 汇总 (and the class pass, whose per-class pieces make
    the streamed sheets)."""
    config, rules, calendar, as_of = school
    done, failed = ClassPass(cache, school, streams), list[dict[str, str]]()
    for result, reload in _loaded(sources, cache, progress, failed):
        done.add(result, reload)
    items_in = [r.item for r in done.results]
    report = validate_classes(items_in, config, as_of, done.findings_of)
    outdated = master_finding(config)  # the master's own 提示 (issue 19.7), in 校验问题
    findings = [*report.findings, *([outdated] if outdated else [])]
    children = [c for found in done.children for c in found]
    rate = complete_rate([i.book for i in items_in], report.findings)
    duties = school_duties(config, children, rate, [i.class_name for i in items_in])
    evaluated = SchoolResult(
        as_of,
        config,
        calendar,
        rules,
        done.results,
        findings,
        done.sorted_items(),
        duties,
        failed,
        school_incidents(items_in, as_of),
        done.children,
        done.tallies,
        done.facts,
        done.items_of,
    )
    return evaluated, done


def _rebuild(
    target: MasterTarget,
    school: SchoolResult,
    kids: pd.DataFrame | None,
    figures: dict[str, Any],
    log: pd.DataFrame,
    done: ClassPass,
) -> None:
    """Write the owned sheets of the master: 帮扶记录汇总, 全校档案 and 逾期清单 from per-class
    parts when the target streams (jobs/school_rows.py), else as DataFrames."""
    streamed = done.records is not None and done.kids is not None
    tables = {
        mw.CHILDREN: kids if kids is not None else done.kids.table() if done.kids else None,
        mw.RECORDS: done.records.table() if done.records is not None else school_records(school),
        mw.OVERDUE_LIST: overdue_table(school) if streamed else overdue_list(school),
        mw.INCIDENT_LIST: incident_list(school),
        mw.CLASS_STATS: class_stats(school),
        mw.TEACHER_STATS: teacher_stats(school),
        mw.ISSUES: issue_list(school),
        mw.CHANGES: log,
        mw.DROPOUT_REPORT: dropout_report(school),
    }
    meta = {
        "school": school.config.info.get("学校名称") or "本校",
        "as_of": school.as_of.isoformat(),
        "ran_at": mw.now_text(),
    }
    target.write(tables, figures, meta)
