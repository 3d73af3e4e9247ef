"""The Chinese summary `xlsync rollup` prints: what was rolled up, then what the clerk should
follow up (files not used, stale or missing schools), then where the workbook is."""

from __future__ import annotations

from collections.abc import Iterator

from xlsync.core.county import (
    DUPLICATE,
    MISSING,
    NAME_VARIANT,
    STALE,
    UNMASKED,
    County,
)
from xlsync.jobs.rollup import RollupResult

_FOLLOW_UP = (  # notice kind → the summary line's lead-in
    (NAME_VARIANT, "学校名称写法不一（已按同一所学校汇总）"),
    (STALE, "汇总过旧"),
    (MISSING, "上次有、这次没有报送"),
    (DUPLICATE, "同一所学校的第二个文件（未使用）"),
    (UNMASKED, "未脱敏的文件（已使用，请学校改报脱敏导出）"),
)


def rollup_lines(result: RollupResult) -> Iterator[tuple[str, str]]:
    """(text, tone) lines of the rollup summary."""
    county = result.county
    yield from _headline(county)
    if county.bad:
        yield f"有 {len(county.bad)} 个文件没有汇总（其余学校照常汇总）：", "error"
        for bad in county.bad:
            yield f"  {bad.source}：{bad.reason}", "error"
    for kind, lead in _FOLLOW_UP:
        found = [n for n in county.notices if n.kind == kind]
        if found:
            names = "、".join(n.source or n.school for n in found)
            yield f"{lead}：{len(found)} 个 —— {names}", "warning"
    if not county.first_rollup:
        yield f"与上次汇总相比有 {len(county.changes)} 项变化，见「变更」表。", ""
    yield f"县汇总：{result.output}", "ok"
    yield "用 Excel、WPS 或 LibreOffice 打开县汇总，先看“学校统计”和“数据时效”两张表。", ""


def _headline(county: County) -> Iterator[tuple[str, str]]:
    f = [s.figures for s in county.schools]
    children = sum(x.children or 0 for x in f)
    studying = sum(x.studying or 0 for x in f)
    overdue = sum(x.overdue or 0 for x in f)
    unreported = sum(x.incidents_open or 0 for x in f)
    yield (
        f"县汇总完成（截至 {county.as_of}）：{len(county.schools)} 所学校，"
        f"{sum(x.classes or 0 for x in f)} 个班，{children} 名学生（在读 {studying} 人），"
        f"已逾期帮扶 {overdue} 项。",
        "title",
    )
    if unreported:
        yield (
            f"【紧急】有 {unreported} 件安全事件学校还没有报告，见「学校统计」的 安全事件未报告 列。",
            "error",
        )
