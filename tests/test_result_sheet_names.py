"""The master's result sheets are named once, in xlsync/schema.py, and both master writers
(the file writer and the Excel add-in's) use those names (review of issue 22)."""

from __future__ import annotations

import xlsync.excel.master as excel_master
import xlsync.files.master_writer as file_master
from xlsync import schema


def test_both_master_writers_use_the_schemas_names():
    named = (
        schema.OVERVIEW_SHEET,
        schema.INCIDENT_SUMMARY,
        schema.OVERDUE_LIST_SHEET,
        schema.CHILDREN_SHEET,
        schema.RECORDS_SHEET,
        schema.CLASS_STATS_SHEET,
        schema.TEACHER_STATS_SHEET,
        schema.ISSUES_SHEET,
        schema.CHANGES_SHEET,
        schema.DROPOUT_REPORT_SHEET,
    )
    assert named == schema.RESULT_SHEETS
    for writer in (file_master, excel_master):
        assert writer.OVERVIEW is schema.OVERVIEW_SHEET
        assert writer.INCIDENT_LIST is schema.INCIDENT_SUMMARY
        assert writer.OVERDUE_LIST is schema.OVERDUE_LIST_SHEET
        assert writer.CLASS_STATS is schema.CLASS_STATS_SHEET
        assert writer.ISSUES is schema.ISSUES_SHEET
    assert file_master.CHILDREN is schema.CHILDREN_SHEET
    assert file_master.RECORDS is schema.RECORDS_SHEET
    assert file_master.CHANGES is schema.CHANGES_SHEET
