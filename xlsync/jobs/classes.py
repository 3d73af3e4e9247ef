"""The new-class job: a class workbook as a file, or as tabs in a teacher's Google Sheet."""

from __future__ import annotations

from pathlib import Path

from xlsync.files.school import NewClass, create_class, plan_class, register_class
from xlsync.google.sources import PREFIX, google_id
from xlsync.jobs.inputs import Google


def new_class(
    folder: Path,
    class_name: str,
    teacher: str,
    google_sheet: str | None = None,
    google: Google | None = None,
) -> NewClass:
    """Make the class workbook and register it in the master's 班级 and 教师 sheets."""
    if google_sheet is None:
        return create_class(folder, class_name, teacher)
    from xlsync.google.class_sheets import (
        create_class_tabs,  # gspread: imported only when used
    )

    sid = google_id(google_sheet) or google_sheet
    plan = plan_class(folder, class_name, teacher)
    create_class_tabs((google or Google()).client(), sid, plan.teachers)
    register_class(plan, PREFIX + sid)
    return NewClass(Path(PREFIX + sid), plan.master, plan.teacher_added)
