"""What a workbook made by an earlier template lacks of the current one (issue 19.7).

Every column and sheet the schema declares with `since` > 1 came with a later template and
is optional, so an older workbook reads as before. This module names what it lacks — for
`xlsync upgrade` (xlsync/files/upgrade.py), which adds exactly that, and for the one 提示
finding per file that says so. Columns of the first template a teacher deleted are not
"missing" here: she may have removed them on purpose, and a required one is an error already.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from xlsync.core.config import SchoolConfig
from xlsync.core.findings import Finding, Place, make_finding
from xlsync.core.normalize import fold
from xlsync.schema import (
    FIRST_SCHOOL_FIELDS,
    MASTER_CONFIG_SHEETS,
    SCHOOL,
    SCHOOL_FIELDS,
    Column,
    Sheet,
)

GOOGLE_PREFIX = "gsheet:"  # how a Google class names its file (xlsync/google/sources.py)
WRITABLE = (".xlsx", ".xlsm")

Positions = Mapping[str, int] | None
"""A sheet's header → 1-based column as read, or None when the workbook lacks the sheet."""


@dataclass(frozen=True)
class Gap:
    """One sheet's share: the whole sheet (`whole`) or the columns its header row lacks."""

    sheet: Sheet
    columns: tuple[Column, ...] = ()
    whole: bool = False


@dataclass(frozen=True)
class Gaps:
    """Everything one workbook lacks of the current template; empty when it is current."""

    sheets: tuple[Gap, ...] = ()
    school_rows: tuple[str, ...] = ()  # 学校信息 settings (项目) the master lacks

    def __bool__(self) -> bool:
        return bool(self.sheets or self.school_rows)

    def parts(self) -> list[str]:
        """Each thing to add, in Chinese, in template order."""
        found = [
            f"工作表「{g.sheet.name}」"
            if g.whole
            else f"「{g.sheet.name}」表的 {'、'.join(c.header for c in g.columns)} 列"
            for g in self.sheets
        ]
        if self.school_rows:
            found.append(f"「{SCHOOL.name}」表的 {'、'.join(self.school_rows)} 项")
        return found


def is_later(part: Column | Sheet) -> bool:
    """A column or sheet that a template after the first one added."""
    return part.since > 1


def sheet_gap(spec: Sheet, positions: Positions) -> Gap | None:
    """What of `spec` a workbook lacks, given where its header row was found (None: no sheet)."""
    if not positions:
        return Gap(spec, whole=True) if is_later(spec) else None
    missing = tuple(c for c in spec.columns if is_later(c) and c.header not in positions)
    return Gap(spec, missing) if missing else None


def missing_school_rows(items: Iterable[object]) -> tuple[str, ...]:
    """The 学校信息 settings added after the first template that are not among `items`."""
    present = {fold(item) for item in items}
    later = SCHOOL_FIELDS[len(FIRST_SCHOOL_FIELDS) :]
    return tuple(name for name in later if fold(name) not in present)


def gaps_of(
    specs: Sequence[Sheet], found: Mapping[str, Positions], school_items: Iterable[object] = ()
) -> Gaps:
    """The gaps of a workbook whose sheets `specs` were found as `found` (by sheet name);
    `school_items` are the master's 学校信息 项目, when it has that sheet."""
    sheets = tuple(g for s in specs if (g := sheet_gap(s, found.get(s.name))) is not None)
    rows = missing_school_rows(school_items) if found.get(SCHOOL.name) else ()
    return Gaps(sheets, rows)


def template_made(specs: Sequence[Sheet], found: Mapping[str, Positions]) -> bool:
    """Whether a workbook has every sheet of `specs` the first template had."""
    return all(found.get(s.name) for s in specs if not is_later(s))


def without_sheets(gaps: Gaps) -> Gaps:
    """`gaps` without the whole sheets (only the columns and settings)."""
    return Gaps(tuple(g for g in gaps.sheets if not g.whole), gaps.school_rows)


def outdated_finding(file: str, gaps: Gaps, master: bool = False) -> Finding | None:
    """The one 提示 of a workbook the current template would add to (None when it is current)."""
    if not gaps:
        return None
    name = file[len(GOOGLE_PREFIX) :] if file.startswith(GOOGLE_PREFIX) else PurePath(file).name
    return make_finding(
        "template-outdated",
        Place(file, ""),
        name=name,
        missing="；".join(gaps.parts()),
        how=how_to_upgrade(file, master),
    )


def how_to_upgrade(file: str, master: bool = False) -> str:
    """What the person who keeps `file` can do to bring it up to the current template."""
    if file.startswith(GOOGLE_PREFIX):
        return (
            "请照新建班级的 Google 表格，在这份表格里加上同名的列或工作表（表头文字一字不差）；"
            "xlsync upgrade 只升级 Excel 文件。"
        )
    if not file.lower().endswith(WRITABLE):
        return "请先在 Excel 或 WPS 中把它另存为 .xlsx，再用 xlsync upgrade 升级。"
    if master:
        return (
            "请先保存并关闭全校汇总，再在它所在的文件夹运行 xlsync upgrade"
            "（会一并升级全校汇总和班级台账目录里的台账），原有内容一律不变。"
        )
    return (
        "请先保存并关闭台账，再双击台账文件夹里的「升级台账」（或运行 xlsync upgrade 台账文件）；"
        "原有内容一律不变，新列加在已有各列的右边。"
    )


def master_finding(config: SchoolConfig) -> Finding | None:
    """The 提示 of a master made by an earlier template (None for the seed defaults)."""
    if config.source is None:
        return None
    found = {name: table.positions or None for name, table in config.tables.items()}
    items = config.table(SCHOOL).raw.get("项目", [])
    gaps = gaps_of(MASTER_CONFIG_SHEETS, found, list(items))
    return outdated_finding(config.source, gaps, master=True)
