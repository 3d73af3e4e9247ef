"""Children on file in two schools (issue 23.2, a 控辍保学 concern), without the county seeing IDs.

Each school's export carries a county pseudonym of each child (县级比对码): HMAC-SHA256 of the
child's ID with a key the county gives every school (XLSYNC_COUNTY_KEY), truncated to 64 bits.
The same child has the same pseudonym in every school that uses the same key; without the key
nobody can compute it from an ID (unlike a plain hash of an ID, which anyone can rebuild by
hashing every possible ID of the county). `xlsync rollup` then lists the pseudonyms found in
more than one school (重复在籍). Pure: values and grids in, values and rows out.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xlsync.core.idcard import ID_FORM
from xlsync.core.normalize import fold
from xlsync.core.tables import Grid
from xlsync.errors import XlsyncError

PSEUDONYM_HEADER = "县级比对码"
KEY_VARIABLE = "XLSYNC_COUNTY_KEY"
MIN_KEY_LENGTH = 16  # characters: a short key could be guessed, and with it every ID rebuilt
DUPLICATES_SHEET = "重复在籍"
_DOMAIN = b"xlsync-county-v1|"  # so this HMAC never equals one made for another purpose
_AFTER = "学生编号"  # the column of 全校档案 the pseudonym follows


def county_id(id_number: Any, student_number: Any) -> str:
    """The ID a child is matched by across schools: the 身份证号, else the one inside a national
    学籍号 (G + the 身份证号), else the 学籍号 itself; '' when the row has neither."""
    number = fold(id_number).upper()
    if ID_FORM.match(number):
        return number
    student = fold(student_number).upper()
    if student[:1] in ("G", "J", "L") and ID_FORM.match(student[1:]):
        return student[1:]
    return f"学籍号:{student}" if student else ""


def county_pseudonym(id_number: Any, student_number: Any, key: bytes) -> str:
    """C + the first 16 hex digits (64 bits) of HMAC-SHA256(key, the child's county_id)."""
    text = county_id(id_number, student_number)
    if not text:
        return ""
    digest = hmac.new(key, _DOMAIN + text.encode(), hashlib.sha256).hexdigest()
    return "C" + digest[:16]


def with_pseudonyms(shown: Grid, typed: Grid, key: bytes) -> list[list[Any]]:
    """全校档案 as it leaves (`shown`, masked or not) with the 县级比对码 column after 学生编号,
    computed from the IDs of the same rows as typed (`typed`, the master's); a grid that
    already has the column is returned as it is."""
    if not shown:
        return []
    header = [str(h) if h is not None else "" for h in shown[0]]
    if PSEUDONYM_HEADER in header:
        return [list(r) for r in shown]
    at = header.index(_AFTER) + 1 if _AFTER in header else len(header)
    typed_header = [str(h) for h in typed[0]]
    ids = [typed_header.index(h) if h in typed_header else None for h in ("身份证号", "学籍号")]
    rows = [[*header[:at], PSEUDONYM_HEADER, *header[at:]]]
    for row, source in zip(shown[1:], typed[1:], strict=True):
        cells = [source[i] if i is not None and i < len(source) else None for i in ids]
        rows.append([*row[:at], county_pseudonym(cells[0], cells[1], key), *row[at:]])
    return rows


MATCH_SHEET = "县级比对"  # the export's small sheet rollup reads instead of 全校档案
MATCH_COLUMNS = (PSEUDONYM_HEADER, "班级", "姓名", "在校状态")


def match_sheet(children: Grid) -> list[list[Any]]:
    """县级比对: the four columns of 全校档案 (with 县级比对码) that 重复在籍 needs, for each child
    with a pseudonym — so the county reads 4 columns of this sheet, not 60 of 全校档案."""
    header = [str(h) for h in children[0]] if children else []
    if PSEUDONYM_HEADER not in header:
        return []
    at = [header.index(name) if name in header else None for name in MATCH_COLUMNS]
    rows = [[r[i] if i is not None and i < len(r) else None for i in at] for r in children[1:]]
    return [list(MATCH_COLUMNS), *(r for r in rows if r[0])]


@dataclass(frozen=True)
class OnFile:
    """One child row of one school, as the county may see it."""

    pseudonym: str
    school: str
    code: str
    class_name: str
    name: str
    status: str
    as_of: Any  # the school's 汇总 date


def children_on_file(grid: Grid, school: str, code: str, as_of: Any) -> list[OnFile]:
    """The rows of a school's 全校档案 that carry a 县级比对码."""
    if not grid or PSEUDONYM_HEADER not in [str(h) for h in grid[0]]:
        return []
    at = {str(h): i for i, h in enumerate(grid[0])}

    def cell(row: Sequence[Any], name: str) -> str:
        i = at.get(name)
        return "" if i is None or i >= len(row) or row[i] is None else str(row[i]).strip()

    return [
        OnFile(
            cell(r, PSEUDONYM_HEADER),
            school,
            code,
            cell(r, "班级"),
            cell(r, "姓名"),
            cell(r, "在校状态"),
            as_of,
        )
        for r in grid[1:]
        if cell(r, PSEUDONYM_HEADER)
    ]


DUPLICATE_HEADER = (
    "县级比对码",
    "学校数",
    "情况",
    "学校",
    "学校代码",
    "班级",
    "姓名",
    "在校状态",
    "汇总截至",
)
BOTH_STUDYING = "多校均为在读：请核实学籍，是否重复在籍或人籍分离"
MOVED = "转学或离校：请核对去向是否已在另一校在读"


def duplicates(children: Iterable[OnFile]) -> list[list[Any]]:
    """重复在籍: one row per school of each pseudonym on file in more than one school (keyed by
    学校代码 or name); pseudonyms with more schools 在读 first."""
    by_child: dict[str, dict[str, OnFile]] = {}
    for child in children:
        by_child.setdefault(child.pseudonym, {}).setdefault(child.code or fold(child.school), child)
    groups = [list(g.values()) for g in by_child.values() if len(g) > 1]
    groups.sort(key=lambda g: (-_studying(g), g[0].pseudonym))
    rows: list[list[Any]] = [list(DUPLICATE_HEADER)]
    for group in groups:
        situation = BOTH_STUDYING if _studying(group) > 1 else MOVED
        for c in sorted(group, key=lambda c: fold(c.school)):
            rows.append(
                [
                    c.pseudonym,
                    len(group),
                    situation,
                    c.school,
                    c.code or None,
                    c.class_name,
                    c.name,
                    c.status,
                    c.as_of,
                ]
            )
    return rows


def _studying(group: Sequence[OnFile]) -> int:
    return sum(1 for c in group if c.status in ("", "在读"))


def duplicate_count(rows: Sequence[Sequence[Any]]) -> int:
    """How many children 重复在籍 lists (its rows are one per school)."""
    return len({r[0] for r in rows[1:] if len(r) > 1})


def read_key(environ: Mapping[str, str]) -> bytes | None:
    """The county key from the environment; None when unset; a too short one is refused."""
    text = environ.get(KEY_VARIABLE, "").strip()
    if not text:
        return None
    if len(text) < MIN_KEY_LENGTH:
        raise XlsyncError(
            f"县级比对密钥（环境变量 {KEY_VARIABLE}）太短：至少要 {MIN_KEY_LENGTH} 个字符。"
            "请向县教育局要正确的密钥，原样设置后再运行。"
        )
    return text.encode()
