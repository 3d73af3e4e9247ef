"""The validate job: check class workbooks, optionally mark the findings in them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsync.core.findings import Report
from xlsync.core.masking import mask_failures
from xlsync.core.validate import ClassInput, validate_classes
from xlsync.files.annotate import annotate_workbook
from xlsync.jobs.inputs import Google, Inputs, load_inputs, write_each

INPUT_EXIT = 2


@dataclass
class ValidateResult:
    as_of: dt.date
    inputs: Inputs
    report: Report
    annotated: list[str] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        return self.inputs.notes

    @property
    def exit_code(self) -> int:
        return INPUT_EXIT if self.inputs.failed else self.report.exit_code

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "master": str(self.inputs.master) if self.inputs.master else None,
            **self.report.to_dict(),
            "failed_files": mask_failures(self.inputs.failed),
            "annotated": self.annotated,
        }


def validate(
    paths: Sequence[Path],
    master: Path | None = None,
    as_of: dt.date | None = None,
    annotate: bool = False,
    google: Google | None = None,
) -> ValidateResult:
    """Validate the class workbooks named by `paths` (files, folders or Google Sheets)."""
    as_of = as_of or dt.date.today()
    inputs = load_inputs(paths, master, as_of, google=google)
    result = ValidateResult(as_of, inputs, validate_classes(inputs.items, inputs.config, as_of))
    if annotate:

        def mine(item: ClassInput) -> list:
            return [f for f in result.report.findings if f.file == item.book.file]

        result.annotated = write_each(
            inputs,
            lambda item, path: annotate_workbook(
                path, mine(item), inputs.config.caption(item.class_name, as_of)
            ),
            lambda item, client, sid: _annotate_sheet(client, sid, item.book, mine(item)),
        )
    return result


def _annotate_sheet(client: Any, sid: str, book: Any, findings: list) -> None:
    from xlsync.google.class_sheets import annotate  # gspread: imported only when used

    annotate(client, sid, book, findings)
