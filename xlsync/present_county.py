"""The lines issue 23.2/23.3 add to the rollup's Chinese summary (present_rollup.py): children
on file in two schools, schools without 县级比对码, where the Parquet tables are."""

from __future__ import annotations

from collections.abc import Iterator

from xlsync.core.county_match import DUPLICATES_SHEET, KEY_VARIABLE
from xlsync.jobs.county import CountyResult
from xlsync.present_rollup import rollup_lines


def county_lines(result: CountyResult) -> Iterator[tuple[str, str]]:
    """(text, tone) lines: the rollup's summary, then 重复在籍 and Parquet before the last two."""
    lines = list(rollup_lines(result))
    yield from lines[:-2]
    yield from _duplicate_lines(result)
    if result.parquet:
        yield f"Parquet 数据（已脱敏，按学校分区）：{result.parquet}", ""
    yield from lines[-2:]


def _duplicate_lines(result: CountyResult) -> Iterator[tuple[str, str]]:
    if result.duplicates:
        yield (
            f"有 {result.duplicates} 名学生同时在两所及以上学校的名册上，见「{DUPLICATES_SHEET}」表"
            "（控辍保学：请核实学籍）。",
            "warning",
        )
    if result.without_codes and len(result.without_codes) == len(result.county.schools):
        yield f"各校文件都没有县级比对码（{KEY_VARIABLE} 未设置），没有比对重复在籍。", ""
    elif result.without_codes:
        names = "、".join(result.without_codes)
        yield f"这些学校的文件没有县级比对码，没有参加重复在籍比对：{names}", "warning"
