"""The check job (检查台账, the teacher's double-click): validate and evaluate class workbooks,
then refresh each with its check marks, status columns and 逾期提醒 in one save — what
`validate --annotate` and `overdue --write` do, in one step and one backup per file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsync.core.left_behind import Facts, facts_of
from xlsync.core.status_view import StatusContext
from xlsync.core.validate import ClassInput
from xlsync.files.refresh import refresh_class_workbook
from xlsync.jobs.inputs import Google, write_each
from xlsync.jobs.overdue import OverdueResult, overdue

INPUT_EXIT = 2


@dataclass
class CheckResult:
    evaluated: OverdueResult  # items, findings (its report), inputs
    refreshed: list[str] = field(default_factory=list)  # rewritten
    current: list[str] = field(default_factory=list)  # already up to date, left alone

    @property
    def notes(self) -> list[str]:
        return self.evaluated.notes

    @property
    def exit_code(self) -> int:
        return INPUT_EXIT if self.evaluated.inputs.failed else self.evaluated.report.exit_code

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.evaluated.to_dict(),
            **self.evaluated.report.to_dict(),
            "refreshed": self.refreshed,
            "current": self.current,
        }


def check(
    paths: Sequence[Path],
    master: Path | None = None,
    as_of: dt.date | None = None,
    google: Google | None = None,
) -> CheckResult:
    """Check the class workbooks named by `paths` and refresh what xlsync writes into them."""
    evaluated = overdue(paths, master, as_of, google=google)
    result = CheckResult(evaluated)
    rules, findings = evaluated.rules, evaluated.report.findings

    def mine(item: ClassInput, found: Sequence[Any]) -> list[Any]:
        return [x for x in found if x.file == item.book.file]

    def facts(item: ClassInput) -> Facts:
        return facts_of(item.book.students, evaluated.as_of, evaluated.inputs.config)

    def to_file(item: ClassInput, path: Path) -> None:
        changed = refresh_class_workbook(
            path,
            item.book.students,
            rules,
            mine(item, evaluated.items),
            mine(item, findings),
            StatusContext(
                evaluated.inputs.config.caption(item.class_name, evaluated.as_of),
                facts(item),
                mine(item, evaluated.incidents),
            ),
        )
        (result.refreshed if changed else result.current).append(item.book.file)

    def to_sheet(item: ClassInput, client: Any, sid: str) -> None:
        from xlsync.google.class_sheets import refresh_class  # gspread: imported only when used

        refresh_class(
            client,
            sid,
            item.book,
            rules,
            mine(item, evaluated.items),
            mine(item, findings),
            StatusContext(facts=facts(item), incidents=mine(item, evaluated.incidents)),
        )
        result.refreshed.append(item.book.file)

    write_each(evaluated.inputs, to_file, to_sheet)
    return result
