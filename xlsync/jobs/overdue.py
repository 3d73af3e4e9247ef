"""The overdue job: what is due and overdue for each child, optionally written back."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsync.core.calendar import Rule, read_calendar, read_rules
from xlsync.core.duties import SchoolDuties, school_duties
from xlsync.core.findings import Report
from xlsync.core.incidents import Incident, school_incidents
from xlsync.core.left_behind import facts_of
from xlsync.core.masking import mask_failures, pseudonym
from xlsync.core.obligations import OVERDUE, Child, Item, evaluate
from xlsync.core.roster import children_of
from xlsync.core.status_view import StatusContext
from xlsync.core.todo import section_of
from xlsync.core.validate import ClassInput, complete_rate, validate_classes
from xlsync.files.school_key import school_key
from xlsync.files.status_columns import write_status
from xlsync.jobs.inputs import Google, Inputs, load_inputs, write_each

INPUT_EXIT = 2


@dataclass
class OverdueResult:
    as_of: dt.date
    inputs: Inputs
    rules: list[Rule]
    children: list[Child]
    items: list[Item]
    school: SchoolDuties
    report: Report = field(default_factory=Report)
    written: list[str] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)  # issue 19.4: every 安全事件

    @property
    def notes(self) -> list[str]:
        return self.inputs.notes

    @property
    def exit_code(self) -> int:
        return INPUT_EXIT if self.inputs.failed else 0

    def overdue_counts(self) -> Counter:
        return Counter((i.file, i.row) for i in self.items if i.status == OVERDUE)

    def to_dict(self) -> dict[str, Any]:
        """The JSON: read by scripts and pasted anywhere, so no child's ID or birth date in it:
        `child_key` is the school's keyed pseudonym (the synced sheet's 学生编号)."""
        counts, shown = self.overdue_counts(), _key_shown(self.inputs.master)
        return {
            "as_of": self.as_of.isoformat(),
            "master": str(self.inputs.master) if self.inputs.master else None,
            "items": [
                {**i.to_dict(), "child_key": shown(i.child_key), "section": section_of(i)}
                for i in self.items
            ],
            "children": [
                {
                    "class": c.class_name,
                    "child": c.name,
                    "child_key": shown(c.key),
                    "teacher": c.teacher,
                    "status": c.status,
                    "file": c.file,
                    "row": c.row,
                    "overdue_count": counts[(c.file, c.row)],
                }
                for c in self.children
            ],
            "school": self.school.to_dict(),
            "failed_files": mask_failures(self.inputs.failed),
            "written": self.written,
            "incidents": [i.to_dict() for i in self.incidents],
        }


def _key_shown(master: Path | None) -> Callable[[str], str]:
    """A child's key as the JSON shows it: keyed with the school's key, the same pseudonym as
    the sync's 学生编号; without a master (no key to keep) or a writable folder for one, empty."""
    try:
        key = school_key(master) if master else None
    except OSError:
        key = None
    return lambda text: pseudonym(text, key)


def overdue(
    paths: Sequence[Path],
    master: Path | None = None,
    as_of: dt.date | None = None,
    write: bool = False,
    google: Google | None = None,
) -> OverdueResult:
    """Evaluate every obligation of the class workbooks named by `paths` as of `as_of`."""
    as_of = as_of or dt.date.today()
    inputs = load_inputs(paths, master, as_of, google=google)
    rules, calendar = read_rules(inputs.config), read_calendar(inputs.config)
    children = [child for item in inputs.items for child in children_of(item)]
    items = evaluate(children, rules, calendar, as_of)
    report = validate_classes(inputs.items, inputs.config, as_of)
    rate = complete_rate([i.book for i in inputs.items], report.findings)
    read = [item.class_name for item in inputs.items]
    duties = school_duties(inputs.config, children, rate, read)
    result = OverdueResult(as_of, inputs, rules, children, items, duties, report)
    result.incidents = school_incidents(inputs.items, as_of)
    if write:

        def mine(item: ClassInput, found: Sequence[Any] = items) -> list[Any]:
            return [i for i in found if i.file == item.book.file]

        result.written = write_each(
            inputs,
            lambda item, path: write_status(
                path,
                item.book.students,
                rules,
                mine(item),
                StatusContext(
                    inputs.config.caption(item.class_name, as_of),
                    facts_of(item.book.students, as_of, inputs.config),
                    mine(item, result.incidents),
                ),
            ),
            lambda item, client, sid: _write_sheet(
                client,
                sid,
                item.book.students,
                rules,
                mine(item),
                StatusContext(
                    facts=facts_of(item.book.students, as_of, inputs.config),
                    incidents=mine(item, result.incidents),
                ),
            ),
        )
    return result


def _write_sheet(
    client: Any,
    sid: str,
    table: Any,
    rules: list[Rule],
    items: list[Item],
    context: StatusContext,
) -> None:
    from xlsync.google.class_sheets import (
        write_status,  # gspread: imported only when used
    )

    write_status(client, sid, table, rules, items, context)
