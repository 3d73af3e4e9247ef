"""Findings are data: each kind has a stable code, a severity, a title and a message template.

A `Finding` is one problem at one cell; a `Report` holds them. The CLI's exit code and its
JSON come straight from the report. The README's code table is generated from `CATALOG`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ERROR = "错误"
WARNING = "警告"


@dataclass(frozen=True)
class FindingType:
    """One kind of problem: what it is called and how its message reads."""

    code: str
    severity: str
    title: str
    template: str


def _types(*rows: tuple[str, str, str, str]) -> dict[str, FindingType]:
    return {code: FindingType(code, sev, title, tpl) for code, sev, title, tpl in rows}


CATALOG: dict[str, FindingType] = _types(
    # cell values that cannot be read as their column's type (normalization)
    ("required-missing", ERROR, "必填项为空", "「{column}」必须填写，请补上。"),
    ("date-invalid", ERROR, "日期无法识别",
     "日期「{value}」无法识别，请按 2026-09-01 的格式填写。"),
    ("id-damaged", ERROR, "身份证号已被 Excel 改坏",
     "身份证号「{value}」已被 Excel 当成数字，后几位已经丢失。请把这一列设为“文本”格式，"
     "再照户口本重新输入。"),
    ("choice-invalid", ERROR, "不是可选项",
     "「{value}」不是「{column}」的可选项，请从下拉中选择：{choices}。"),
    ("choice-synonym", WARNING, "写法不规范",
     "「{value}」已按「{normalized}」处理，请改为下拉中的「{normalized}」。"),
    ("int-invalid", ERROR, "不是合理的整数",
     "「{column}」应填 {low}–{high} 的整数，「{value}」不符合，请核对。"),
    ("cell-error", ERROR, "公式出错",
     "单元格显示公式错误「{value}」，请改正公式，或直接填写内容。"),
    ("text-too-long", WARNING, "内容过长",
     "「{column}」有 {length} 个字，超过 {limit} 字，请精简。"),
)


@dataclass(frozen=True)
class Finding:
    """One problem at one place; `row` is the Excel row number, `column` the header text."""

    code: str
    severity: str
    file: str
    sheet: str
    row: int | None
    column: str
    cell: str
    value: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Place:
    """Where a finding points: file, sheet, Excel row, header text, cell address."""

    file: str
    sheet: str
    row: int | None = None
    column: str = ""
    cell: str = ""


def make_finding(code: str, place: Place, value: object = "", **details: object) -> Finding:
    """Build a finding of kind `code` at `place`, filling the message template."""
    kind = CATALOG[code]
    shown = display_value(value)
    message = kind.template.format(value=shown, column=place.column, **details)
    return Finding(kind.code, kind.severity, place.file, place.sheet, place.row,
                   place.column, place.cell, shown, message)


def display_value(value: object, limit: int = 60) -> str:
    """A cell value as a short string for messages (long text is cut, never printed whole)."""
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class Report:
    """Findings of one run, plus a per-file summary; the CLI exit code comes from here."""

    findings: list[Finding] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def to_dict(self) -> dict[str, Any]:
        return {"files": self.files, "issues": [f.to_dict() for f in self.findings]}
