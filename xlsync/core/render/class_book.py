"""The specs of xlsync's parts of a class workbook: the status block of 学生档案, 逾期提醒,
the marks on offending cells and 校验结果. Every writer draws these, so a teacher sees the same
whichever button she pressed."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from xlsync.core.calendar import Rule
from xlsync.core.findings import ERROR, NOTICE, Finding
from xlsync.core.incidents import Incident
from xlsync.core.left_behind import Facts
from xlsync.core.master_view import DATE_FORMAT, HEADER_FILL, STATUS_STYLES, hidden_columns
from xlsync.core.obligations import DONE, OVERDUE, SOON, Item
from xlsync.core.render.layout import (
    BOLD,
    LINE_POINTS,
    PADDING,
    Column,
    figures,
    fill_page,
    measure_rows,
    page_plan,
    row_heights,
    text_width,
)
from xlsync.core.render.spec import (
    CONTAINS,
    GREATER_THAN,
    NO_CAPTION,
    Box,
    Caption,
    CondRule,
    Link,
    Look,
    Mark,
    SheetSpec,
)
from xlsync.core.status_view import (
    CHECK_HEADERS,
    NOTE_MARK,
    SUMMARY_HEADERS,
    TODO_HEADERS,
    block_start,
    check_rows,
    owned_columns,
    status_block,
    todo_rows,
)
from xlsync.schema import CHECK_SHEET, STATUS_SHEET

ERROR_FILL, WARNING_FILL = STATUS_STYLES["已逾期"][0], STATUS_STYLES["即将到期"][0]
COUNT_STYLE = STATUS_STYLES[OVERDUE]  # 漏做次数 > 0 looks like 已逾期
STATE_STATUSES = (SOON, DONE)  # what a rule's column can say of this period (待完成 stays plain)
SECTION_LOOK = Look(fill="DDEBF7", bold=True)  # a section title of 逾期提醒: light blue, bold
NOTICE_FILL = "DDEBF7"  # the 级别 of a 提示 in 校验结果: light blue, nothing is wrong
ALARM_LOOK = Look(fill=ERROR_FILL, font=STATUS_STYLES[OVERDUE][1], bold=True)  # 安全事件 title
LINK_FONT = "0563C1"
HEADER_LOOK = Look(fill=HEADER_FILL, bold=True, centred=True, wrap=True)
WRAP = Look(wrap=True)
CENTRED = Look(centred=True)  # a column of numbers or dates
MARKS_HEADER = ["工作表", "单元格", "原填充"]


def status_rules(box: Box, statuses: Iterable[str] = tuple(STATUS_STYLES)) -> list[CondRule]:
    """Colour each cell of `box` by the status text it contains."""
    return [CondRule(box, CONTAINS, s, *STATUS_STYLES[s]) for s in statuses]


def _runs(columns: Iterable[int]) -> list[tuple[int, int]]:
    """Contiguous runs (first, last) of sorted column numbers."""
    runs: list[list[int]] = []
    for column in sorted(columns):
        if runs and runs[-1][1] == column - 1:
            runs[-1][1] = column
        else:
            runs.append([column, column])
    return [(a, b) for a, b in runs]


def status_spec(
    sheet: str,
    grid: Sequence[Sequence[Any]],
    header_row: int,
    data_rows: Iterable[int],
    rules: Sequence[Rule],
    items: Sequence[Item],
    facts: Facts | None = None,
) -> SheetSpec:
    """The status block of 学生档案: placed by `block_start`, replacing the old one; `facts`
    (the two 留守 definitions, issue 19.2) lead it when given."""
    data_rows = list(data_rows)
    owned = owned_columns(grid[header_row - 1] if len(grid) >= header_row else [])
    start = block_start(grid, header_row, owned)
    width = max((len(r) for r in grid), default=0)
    last = max([len(grid), header_row + 1, *data_rows])
    stale = set(owned) | set(range(start, width + 1)) if owned else set()
    headers, values = status_block(data_rows, rules, items, facts)
    end = start + len(headers) - 1
    spec = SheetSpec(
        sheet,
        [headers] + [values.get(r, [None] * len(headers)) for r in range(header_row + 1, last + 1)],
        origin=(header_row, start),
        whole=False,
        clear=[Box(header_row, a, last, b) for a, b in _runs(stale)],
        looks=[
            (Box(header_row, start, header_row, end), Look(fill=HEADER_FILL, bold=True)),
            (Box(header_row + 1, end - 2, last, end - 2), Look(number_format=DATE_FORMAT)),
        ],
    )
    # Measured, header included, never wrapped: a wrapped cell would make the teacher's rows
    # taller.
    for number, (header, column) in enumerate(
        zip(headers, measure_rows(spec.rows), strict=True), start
    ):
        spec.widths[number] = max(column.width, math.ceil(text_width(header) * BOLD) + PADDING)
    lead = len(facts[0]) if facts else 0
    spec.rules = _block_rules(Box(header_row + 1, start + lead, last, end))
    return spec


def _block_rules(body: Box) -> list[CondRule]:
    """The rule columns coloured by this period's state, 漏做次数 red above 0 (the last three
    columns are 最近截止, 漏做次数, 漏做明细; the facts before `body` stay plain)."""
    rules = []
    if body.last_column - body.column + 1 > len(SUMMARY_HEADERS):
        states = Box(body.row, body.column, body.last_row, body.last_column - 3)
        rules += status_rules(states, STATE_STATUSES)
    count = body.last_column - 1
    rules.append(
        CondRule(Box(body.row, count, body.last_row, count), GREATER_THAN, "0", *COUNT_STYLE)
    )
    return rules


def _table(
    name: str,
    rows: list[list[Any]],
    caption: Caption,
    measured: list[list[Any]] | None = None,
    hidden: tuple[int, ...] = (),
    titles: frozenset[int] = frozenset(),
) -> SheetSpec:
    """A sheet xlsync owns whole, styled as a table: grey header, frozen, filterable, columns
    as wide as their values (long text wrapped where the page has no room for it), every row
    as tall as its lines, printed on A4 with its caption on each page. The rows in `titles`
    run over the empty cells to their right, so they never wrap."""
    last_column, last_row = len(rows[0]), max(len(rows), 2)
    measured = rows if measured is None else measured
    columns = _spanning(fill_page(measured, measure_rows(measured), hidden), rows, titles)
    widths = [c.width for c in columns]
    spec = SheetSpec(
        name,
        rows,
        looks=[(Box(1, 1, 1, last_column), HEADER_LOOK)],
        widths=dict(enumerate(widths, start=1)),
        frozen_rows=1,
        filtered=len(rows) > 1,
        printing=page_plan(_shown(widths, hidden), replace(caption, sheet=name)),
        # every row set: the programs' own 15 pt rows are too short for a line of Chinese
        heights=dict.fromkeys(range(1, len(rows) + 1), LINE_POINTS) | row_heights(rows, columns),
    )
    spec.looks += [
        (Box(2, n, last_row, n), CENTRED)
        for n in range(1, last_column + 1)
        if figures(r[n - 1] for r in rows[1:] if n <= len(r))
    ]
    if any(c.wrap for c in columns):  # every cell of the row then reads from the top
        body = [r for r in range(2, last_row + 1) if r not in titles]
        spec.looks += [(Box(a, 1, b, last_column), WRAP) for a, b in _runs(body)]
    return spec


def _spanning(columns: list[Column], rows: list[list[Any]], titles: frozenset[int]) -> list[Column]:
    """`columns` with the widest one grown until each title (bold, in column A, running over
    the empty cells to its right) fits across the table: the print area ends at its edge."""
    longest = max((text_width(rows[n - 1][0]) * BOLD for n in titles), default=0.0)
    short = math.ceil(longest + PADDING - sum(c.width for c in columns))
    if short <= 0:
        return columns
    widest = max(range(len(columns)), key=lambda n: columns[n].width)
    grown = list(columns)
    grown[widest] = replace(columns[widest], width=columns[widest].width + short)
    return grown


def _shown(widths: list[float], hidden: tuple[int, ...]) -> list[float]:
    """The widths a printed page holds: a hidden column takes no room."""
    return [0.0 if n in hidden else w for n, w in enumerate(widths, start=1)]


def _link(spec: SheetSpec, row: int, column: int, sheet: str, cell: str) -> None:
    spec.links.append(Link(row, column, sheet, cell))
    spec.looks.append((Box(row, column, row, column), Look(font=LINK_FONT)))


def todo_spec(
    items: Sequence[Item],
    source_sheet: str,
    caption: Caption = NO_CAPTION,
    incidents: Sequence[Incident] = (),
) -> SheetSpec:
    """逾期提醒: any unreported 安全事件 under a red title, then the to-do list in its three
    sections (core/todo.py), each under a light blue title row, statuses coloured, each line
    linked to the child's 学生档案 row (an event's line to its 安全事件 row)."""
    lines = todo_rows(items, incidents)
    rows = [list(TODO_HEADERS)] + [line.values for line in lines]
    # A section title runs over the empty cells to its right: it sets no width.
    lines_only = [rows[0]] + [line.values for line in lines if not line.title]
    titles = frozenset(n for n, line in enumerate(lines, start=2) if line.title)
    spec = _table(STATUS_SHEET, rows, caption, lines_only, titles=titles)
    last, width = max(2, len(lines) + 1), len(TODO_HEADERS)
    spec.looks.append((Box(2, 5, last, 5), Look(number_format=DATE_FORMAT)))
    spec.rules = status_rules(Box(2, 1, last, 1))
    for row, line in enumerate(lines, start=2):
        if line.title:
            spec.looks.append((Box(row, 1, row, width), ALARM_LOOK if line.alarm else SECTION_LOOK))
        elif line.source_row is not None:
            _link(spec, row, width, line.sheet or source_sheet, f"A{line.source_row}")
    return spec


def check_spec(
    findings: Sequence[Finding], sheets: Sequence[str], caption: Caption = NO_CAPTION
) -> SheetSpec:
    """校验结果: every finding, its level coloured, linked to its cell when it has one; the
    finding codes (for JSON and support) in a hidden last column."""
    hidden = tuple(hidden_columns(CHECK_HEADERS))
    spec = _table(CHECK_SHEET, check_rows(findings), caption, hidden=hidden)
    spec.hidden_columns = hidden
    for row, f in enumerate(findings, start=2):
        fill = ERROR_FILL if f.severity == ERROR else WARNING_FILL
        fill = NOTICE_FILL if f.severity == NOTICE else fill  # a 提示 (issue 19.7)
        spec.looks.append((Box(row, 1, row, 1), Look(fill=fill)))
        if f.cell and f.sheet in sheets:
            _link(spec, row, 3, f.sheet, f.cell)
    return spec


def note_text(found: Sequence[Finding]) -> str:
    return NOTE_MARK + "\n" + "\n".join(f"· {f.message}" for f in found)


def marks(findings: Sequence[Finding], sheets: Sequence[str]) -> list[Mark]:
    """One mark per offending cell: red for an error there, else yellow, with every message."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.cell and finding.sheet in sheets:
            by_cell[(finding.sheet, finding.cell)].append(finding)
    return [
        Mark(
            sheet,
            cell,
            ERROR_FILL if any(f.severity == ERROR for f in found) else WARNING_FILL,
            note_text(found),
        )
        for (sheet, cell), found in by_cell.items()
    ]
