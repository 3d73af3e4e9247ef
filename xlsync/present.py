"""Plain-text reports for a teacher: lines with a tone the CLI may colour (no click here)."""

from __future__ import annotations

from itertools import groupby
from typing import Iterator

from xlsync.core.findings import ERROR, Finding
from xlsync.jobs.validate import ValidateResult

Line = tuple[str, str]  # (text, tone): tone is "error", "warning", "ok", "title" or ""


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _finding_line(f: Finding) -> Line:
    mark, tone = ("✗", "error") if f.severity == ERROR else ("!", "warning")
    where = f"{f.cell or f'第{f.row}行'} {f.column}".strip()
    return f"    {mark} {where}：{f.message}", tone


def validation_lines(result: ValidateResult) -> Iterator[Line]:
    """Grouped by file and sheet, each file headed by its counts and 建档率."""
    for note in result.inputs.notes:
        yield f"提示：{note}", "warning"
    by_file = {k: list(v) for k, v in groupby(result.report.findings, key=lambda f: f.file)}
    for info in result.report.files:
        found = by_file.get(info["file"], [])
        yield (f"{info['file']}（{info['class']}）  学生 {info['children']} 人 · "
               f"记录 {info['records']} 条 · 建档率 {percent(info['complete_rate'])}", "title")
        if not found:
            yield "    没有发现问题。", "ok"
        for sheet, rows in groupby(found, key=lambda f: f.sheet):
            yield f"  {sheet}", ""
            yield from (_finding_line(f) for f in rows)
    yield from _failures(result.inputs.failed)
    yield _total(result), "error" if result.exit_code else "ok"
    for path in result.annotated:
        yield f"已在「{path}」中标出问题单元格，并更新了“校验结果”表。", "ok"


def _failures(failed: list[dict[str, str]]) -> Iterator[Line]:
    if failed:
        yield "无法读取或写入的文件：", "error"
        for item in failed:
            yield f"    ✗ {item['message']}", "error"


def _total(result: ValidateResult) -> str:
    errors = len(result.report.errors)
    warnings = len(result.report.findings) - errors
    return (f"合计：{len(result.report.files)} 个文件，{errors} 个错误，{warnings} 个警告"
            + (f"，{len(result.inputs.failed)} 个文件无法处理" if result.inputs.failed else "") + "。")
