"""学期/学年 工作报告 (issue 21): the figures of one period, from the ledger (pure core).

figures.py holds the frozen report (what every writer draws: the workbook, the JSON, the Word
draft); build.py computes it from the class workbooks and the school's configuration.
"""

from xlsync.core.report.figures import TermReport, to_json

__all__ = ["TermReport", "to_json"]
