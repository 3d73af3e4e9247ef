"""Telling a class workbook from the school master by its sheet names, so a file given where
the other kind belongs is refused with what it is — not with a puzzling complaint about a
missing 学期 or 学生档案 sheet."""

from __future__ import annotations

from collections.abc import Iterable

from xlsync.core.config import is_config_sheet
from xlsync.core.normalize import fold
from xlsync.errors import XlsyncError
from xlsync.schema import CLASS_SHEETS, MASTER_FILE, RESULT_SHEETS

CLASS_NOT_MASTER = "这是班级台账，不是全校汇总"
MASTER_NOT_CLASS = "这是全校汇总，不是班级台账"
_CLASS_NAMES = frozenset(s.name for s in CLASS_SHEETS)
_RESULT_NAMES = frozenset(RESULT_SHEETS)


def looks_like_master(sheets: Iterable[str]) -> bool:
    return any(is_config_sheet(n) or fold(n) in _RESULT_NAMES for n in sheets)


def looks_like_class_book(sheets: Iterable[str]) -> bool:
    return any(fold(n) in _CLASS_NAMES for n in sheets)


def check_master(sheets: Iterable[str], path: object) -> None:
    """Refuse a class workbook given as the master."""
    sheets = list(sheets)
    if looks_like_class_book(sheets) and not looks_like_master(sheets):
        raise XlsyncError(
            f"「{path}」：{CLASS_NOT_MASTER}。这里要写全校汇总工作簿（{MASTER_FILE}）的路径，"
            "它一般在班级台账文件夹的上一级。"
        )


def check_class_book(sheets: Iterable[str], path: object) -> None:
    """Refuse the master given as a class workbook."""
    sheets = list(sheets)
    if looks_like_master(sheets) and not looks_like_class_book(sheets):
        raise XlsyncError(
            f"「{path}」：{MASTER_NOT_CLASS}。这里要写班级台账的文件或文件夹；"
            "全校汇总用 --master 指定，检查全校请用 xlsync consolidate。"
        )
