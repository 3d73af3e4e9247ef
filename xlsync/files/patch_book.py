"""The package-level writer of a class workbook's first refresh: xlsync's parts are added to
the .xlsx package without openpyxl loading and saving the whole workbook.

Loading every class workbook with openpyxl, drawing into it and saving it again was most of
汇总's write-back (benchmarks/README.md). A workbook xlsync has not written into yet — no
逾期提醒, 校验结果 or xlsync标记, no status columns, no notes in 学生档案 — gets instead:
the status block as new cells of 学生档案 (the other cells keep their bytes), the new sheets
as new parts, the marks as new formats of the marked cells, their notes as a new comments
part, the widened checks as a new <dataValidations>, and formats appended to xl/styles.xml.
Every other part is carried over byte for byte. What is written is what files/render.py would
draw from the same specs (tests/test_patch_book.py compares both cell by cell). Anything
unusual raises `NotPlain`, and the caller refreshes the workbook through openpyxl as before.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import python_calamine
from openpyxl.styles import PatternFill
from openpyxl.styles.fills import Fill
from openpyxl.xml.functions import fromstring

from xlsync.core.calendar import Rule
from xlsync.core.findings import Finding
from xlsync.core.left_behind import Facts
from xlsync.core.obligations import Item
from xlsync.core.render import class_book as spec_of
from xlsync.core.render.spec import Caption, SheetSpec
from xlsync.core.status_view import MARKS_SHEET, StatusContext, owned_columns
from xlsync.core.tables import Grid, Table
from xlsync.files.annotate import AUTHOR, MARKS_OWNED, fill_xml
from xlsync.files.app_props import APP_PART, print_name, with_new_sheets
from xlsync.files.kept import Owned
from xlsync.files.ooxml import relationships, rels_path, sheet_parts
from xlsync.files.status_columns import status_owned
from xlsync.files.xlsx_checks import widened, with_checks
from xlsync.files.xlsx_owned import (
    OwnedSheet,
    comments_vml,
    comments_xml,
    conditional_xml,
    formats,
    marks_sheet,
    table_sheet,
)
from xlsync.files.xlsx_sheet import SheetCells, add_columns, cell_xml, insert_after_data
from xlsync.files.xlsx_styles import NotPlain, StyleBook, xml_of
from xlsync.schema import CHECK_SHEET, STATUS_SHEET, STUDENT_LIST

_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_PRIORITY = re.compile(rb'\bpriority="(\d+)"')


@dataclass
class Patched:
    """The new package, what the writer owns in it, and the sheets whose cells it changed
    (the post-write check compares those; the others' <sheetData> is the original's bytes),
    and the original's grids as python-calamine read them (the check needs them again)."""

    data: bytes
    owned: Owned
    changed: frozenset[str]
    grids: dict[str, Grid]


def patch_class_book(
    content: bytes,
    table: Table,
    rules: Sequence[Rule],
    items: Sequence[Item],
    findings: Sequence[Finding],
    context: StatusContext,
) -> Patched:
    """xlsync's parts added to a class workbook it has not written into (NotPlain otherwise)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return _Patch(archive, content, table).run(rules, items, findings, context)


class _Patch:
    def __init__(self, archive: zipfile.ZipFile, content: bytes, table: Table) -> None:
        self.archive, self.table = archive, table
        self.names = set(archive.namelist())
        self.parts = sheet_parts(archive)
        if {STATUS_SHEET, CHECK_SHEET, MARKS_SHEET} & set(self.parts):
            raise NotPlain("xlsync has written into this workbook before")
        if any(p not in self.names or not p.startswith("xl/") for p in self.parts.values()):
            raise NotPlain("a sheet part outside xl/")
        self.workbook = archive.read("xl/workbook.xml")
        if not self.workbook.lstrip().startswith(b"<") or re.search(
            rb"<\w+:workbook\b", self.workbook
        ):
            raise NotPlain("a workbook part written another way")
        self.styles_part = _styles_part(archive)
        self.book = StyleBook(archive.read(self.styles_part))
        self.xml = {name: archive.read(part) for name, part in self.parts.items()}
        if any(re.search(rb"<\w+:worksheet\b", x) for x in self.xml.values()):
            raise NotPlain("a sheet part with a prefixed namespace")
        self.grids = _grids(content)
        self.edits: dict[str, bytes] = {}
        self.new_parts: dict[str, bytes] = {}
        self.overrides: list[tuple[str, str]] = []
        self.added: list[tuple[str, str, OwnedSheet, str]] = []  # name, part, sheet, state

    def run(
        self,
        rules: Sequence[Rule],
        items: Sequence[Item],
        findings: Sequence[Finding],
        context: StatusContext,
    ) -> Patched:
        students = self.table.source_sheet
        cells = self._students(students)
        status = self._status(cells, students, rules, items, context.facts)
        todo = spec_of.todo_spec(items, students, context.caption, context.incidents)
        self._add(STATUS_SHEET, table_sheet(todo, self.book))
        self._widen()
        marked = self._marks(cells, students, findings, context.caption) if findings else set()
        self.xml[students] = cells.to_xml()
        changed = frozenset({students} | marked)
        return Patched(self._package(), _owned(status), changed, self.grids)

    def _students(self, students: str) -> SheetCells:
        xml = self.xml.get(students)
        if xml is None or b"<legacyDrawing" in xml or b"<tableParts" in xml:
            raise NotPlain("学生档案 with notes or a table")
        return SheetCells(xml)

    def _status(
        self,
        cells: SheetCells,
        students: str,
        rules: Sequence[Rule],
        items: Sequence[Item],
        facts: Facts | None,
    ) -> SheetSpec:
        grid = _padded(self.grids.get(students, []), cells.max_row, cells.max_column)
        header = self.table.header_row
        if owned_columns(grid[header - 1] if len(grid) >= header else []):
            raise NotPlain("status columns written before")
        spec = spec_of.status_spec(
            students, grid, header, self.table.data.index, rules, items, facts
        )
        if spec.clear:
            raise NotPlain("an old status block to clear")
        self._block(cells, spec)
        priorities = [int(p) for p in _PRIORITY.findall(cells.xml)]
        made = conditional_xml(spec, self.book, max(priorities, default=0) + 1)
        cells.around(lambda xml: add_columns(xml, spec.widths))
        if made:
            cells.around(lambda xml: insert_after_data(xml, "conditionalFormatting", made))
        return spec

    def _block(self, cells: SheetCells, spec: SheetSpec) -> None:
        """The status block's cells: values, and formats put over the cells' own (as openpyxl's
        `cell.fill = …` keeps a cell's border and alignment)."""
        values = {
            (spec.origin[0] + r, spec.origin[1] + c): v
            for r, row in enumerate(spec.rows)
            for c, v in enumerate(row)
        }
        made: dict[tuple, int] = {}
        for (row, column), fmt in formats(spec).items():
            key = (cells.style(row, column), fmt.font, fmt.fill, fmt.number_format)
            if key not in made:
                made[key] = self.book.derive(key[0], fmt.font, fmt.fill, fmt.number_format)
            cells.put(row, column, cell_xml(row, column, values.get((row, column)), made[key]))

    def _widen(self) -> None:
        roster = _defined_name(self.workbook, STUDENT_LIST)
        sheets = {n: x for n, x in self.xml.items() if n not in (STATUS_SHEET,)}
        done = widened(sheets, self.grids, roster)
        for name, checks in done.checks.items():
            self.edits[name] = checks
        if done.roster is not None:
            self.workbook = _set_defined_name(self.workbook, STUDENT_LIST, done.roster)

    def _marks(
        self, cells: SheetCells, students: str, findings: Sequence[Finding], caption: Caption
    ) -> set[str]:
        """Marked cells refilled, their notes, xlsync标记 and 校验结果; the sheets marked."""
        names = [*self.parts, STATUS_SHEET, MARKS_SHEET]
        sheets = {students: cells}
        rows: list[list[str]] = [list(spec_of.MARKS_HEADER)]
        notes: dict[str, list[tuple[str, str, int, int, int]]] = {}
        for mark in spec_of.marks(findings, names):
            if mark.sheet not in sheets:
                sheets[mark.sheet] = self._cells(mark.sheet)
            marked, (row, column) = sheets[mark.sheet], _position(mark.cell)
            xf = marked.style(row, column)
            original = fill_xml(Fill.from_tree(fromstring(self.book.fill_of(xf))))
            rows.append([mark.sheet, mark.cell, original])
            fill = xml_of(PatternFill("solid", fgColor=mark.fill))
            marked.restyle(row, column, self.book.derive(xf, fill=fill))
            height = 40 + 40 * mark.note.count("\n· ")
            notes.setdefault(mark.sheet, []).append((mark.cell, mark.note, row, column, height))
        self._add(MARKS_SHEET, marks_sheet(rows), "veryHidden")
        self._add(CHECK_SHEET, table_sheet(spec_of.check_spec(findings, names, caption), self.book))
        for sheet, found in notes.items():
            self._notes(sheets[sheet], sheet, found)
        for sheet, marked in sheets.items():
            self.xml[sheet] = marked.to_xml()
        return set(sheets)

    def _cells(self, sheet: str) -> SheetCells:
        xml = self.xml.get(sheet)
        if xml is None or b"<legacyDrawing" in xml:
            raise NotPlain(f"a mark on {sheet}, which has notes")
        return SheetCells(xml)

    def _notes(
        self, cells: SheetCells, sheet: str, notes: list[tuple[str, str, int, int, int]]
    ) -> None:
        """A comments part and its drawing for the notes on one sheet (it had none)."""
        part = self.parts[sheet]
        if rels_path(part) in self.names and relationships(self.archive, part):
            raise NotPlain(f"{sheet} has relationships")
        used = self.names | set(self.new_parts)
        number = _free(used, "xl/comments/comment{}.xml")
        while f"xl/drawings/commentsDrawing{number}.vml" in used:
            number += 1
        comments = f"xl/comments/comment{number}.xml"
        vml = f"xl/drawings/commentsDrawing{number}.vml"
        self.new_parts[comments] = comments_xml([(c, t) for c, t, *_ in notes], AUTHOR)
        self.new_parts[vml] = comments_vml([(r, c, 320, h) for _, _, r, c, h in notes])
        self.new_parts[rels_path(part)] = (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="xlsyncNotes" Type="{_TYPES}comments" Target="/{comments}"/>'
            f'<Relationship Id="xlsyncNotesVml" Type="{_TYPES}vmlDrawing" Target="/{vml}"/>'
            "</Relationships>"
        ).encode()
        self.overrides.append((comments, _COMMENTS_TYPE))
        element = f'<legacyDrawing xmlns:r="{_TYPES[:-1]}" r:id="xlsyncNotesVml"/>'.encode()
        cells.around(lambda xml: insert_after_data(xml, "legacyDrawing", element))

    def _add(self, name: str, sheet: OwnedSheet, state: str = "visible") -> None:
        used = self.names | {p for _, p, _, _ in self.added}
        number = _free(used, "xl/worksheets/sheet{}.xml")
        self.added.append((name, f"xl/worksheets/sheet{number}.xml", sheet, state))

    def _package(self) -> bytes:
        for name, checks in self.edits.items():
            self.xml[name] = with_checks(self.xml[name], checks)
        edits = {
            self.parts[n]: x for n, x in self.xml.items() if x != self.archive.read(self.parts[n])
        }
        workbook, rels, types = self.workbook, self._rels(), self._types()
        workbook = _with_sheets(workbook, self.added, len(self.parts), rels[1])
        edits.update({"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": rels[0]})
        edits.update({"[Content_Types].xml": types, self.styles_part: self.book.to_bytes()})
        if APP_PART in self.names:  # its lists of sheets and print names, brought up to date
            edits[APP_PART] = self._app(self.archive.read(APP_PART))
        new = {part: sheet.xml for _, part, sheet, _ in self.added}
        new.update(self.new_parts)
        return _zip(self.archive, edits, new)

    def _app(self, xml: bytes) -> bytes:
        shown = [(name, sheet) for name, _, sheet, state in self.added if state == "visible"]
        names = [
            print_name(name, label)
            for name, sheet in shown
            for label, _, hidden in sheet.names
            if not hidden
        ]
        return with_new_sheets(xml, [name for name, _, _, _ in self.added], names)

    def _rels(self) -> tuple[bytes, list[str]]:
        rels = self.archive.read("xl/_rels/workbook.xml.rels")
        ids = []
        for n, (_, part, _, _) in enumerate(self.added, start=1):
            rid = f"rIdXlsync{n}"
            ids.append(rid)
            entry = f'<Relationship Id="{rid}" Type="{_TYPES}worksheet" Target="/{part}"/>'
            rels = rels.replace(b"</Relationships>", entry.encode() + b"</Relationships>", 1)
        return rels, ids

    def _types(self) -> bytes:
        types = self.archive.read("[Content_Types].xml")
        entries = [(p, _SHEET_TYPE) for _, p, _, _ in self.added] + self.overrides
        added = "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in entries)
        if self.new_parts and b'Extension="vml"' not in types:
            added += f'<Default Extension="vml" ContentType="{_VML_TYPE}"/>'
        return types.replace(b"</Types>", added.encode() + b"</Types>", 1)


def _owned(status: SheetSpec) -> Owned:
    mine = status_owned(status)
    return lambda sheet, row, column: mine(sheet, row, column) or MARKS_OWNED(sheet, row, column)


def _styles_part(archive: zipfile.ZipFile) -> str:
    for _, target in relationships(archive, "xl/workbook.xml").items():
        if target.endswith("styles.xml") and target in archive.namelist():
            return target
    raise NotPlain("no styles part")


def _grids(content: bytes) -> dict[str, Grid]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {
        name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for name in book.sheet_names
    }


def _padded(grid: Grid, rows: int, columns: int) -> list[list]:
    """The grid as openpyxl would give its values: as many rows and columns as cell elements."""
    width = max(columns, max((len(r) for r in grid), default=0))
    out = [list(r) + [None] * (width - len(r)) for r in grid]
    out += [[None] * width for _ in range(rows - len(out))]
    return [[None if v == "" else v for v in row] for row in out]


def _position(cell: str) -> tuple[int, int]:
    found = re.match(r"([A-Z]+)(\d+)$", cell)
    if found is None:
        raise NotPlain(f"cell {cell}")
    column = 0
    for letter in found.group(1):
        column = column * 26 + ord(letter) - 64
    return int(found.group(2)), column


def _free(used: set[str], pattern: str) -> int:
    number = 1
    while pattern.format(number) in used:
        number += 1
    return number


_NAME = re.compile(rb"<definedName\b([^>]*)>(.*?)</definedName>", re.S)


def _defined_name(workbook: bytes, name: str) -> str | None:
    for attrs, text in _NAME.findall(workbook):
        if f'name="{name}"'.encode() in attrs and b"localSheetId" not in attrs:
            return html.unescape(text.decode())
    return None


def _set_defined_name(workbook: bytes, name: str, value: str) -> bytes:
    element = f'<definedName name="{name}">{escape(value)}</definedName>'.encode()
    for match in _NAME.finditer(workbook):
        if f'name="{name}"'.encode() in match.group(1) and b"localSheetId" not in match.group(1):
            return workbook[: match.start()] + element + workbook[match.end() :]
    return _append_names(workbook, [element])


def _append_names(workbook: bytes, elements: list[bytes]) -> bytes:
    if not elements:
        return workbook
    body = b"".join(elements)
    if b"</definedNames>" in workbook:
        return workbook.replace(b"</definedNames>", body + b"</definedNames>", 1)
    if re.search(rb"<definedNames\s*/>", workbook):
        return re.sub(
            rb"<definedNames\s*/>", b"<definedNames>" + body + b"</definedNames>", workbook, count=1
        )
    return workbook.replace(b"</sheets>", b"</sheets><definedNames>" + body + b"</definedNames>", 1)


def _with_sheets(
    workbook: bytes, added: list[tuple[str, str, OwnedSheet, str]], count: int, ids: list[str]
) -> bytes:
    """workbook.xml with the new sheets listed last and their print and filter names."""
    if b"</sheets>" not in workbook:
        raise NotPlain("no sheets list")

    taken = [int(n) for n in re.findall(rb'\bsheetId="(\d+)"', workbook)]
    entries, names = [], []
    for n, ((name, _, sheet, state), rid) in enumerate(zip(added, ids, strict=True)):
        sheet_id = max(taken, default=0) + 1 + n
        entries.append(
            f'<sheet xmlns:r="{_TYPES[:-1]}" name={quoteattr(name)} sheetId="{sheet_id}" '
            f'state="{state}" r:id="{rid}"/>'
        )
        for label, refers, hidden in sheet.names:
            flag = ' hidden="1"' if hidden else ""
            names.append(
                f'<definedName name="{label}" localSheetId="{count + n}"{flag}>{escape(refers)}</definedName>'.encode()
            )
    workbook = workbook.replace(b"</sheets>", "".join(entries).encode() + b"</sheets>", 1)
    return _append_names(workbook, names)


def _zip(archive: zipfile.ZipFile, edits: dict[str, bytes], new: dict[str, bytes]) -> bytes:
    """The package with its edited and new parts, every part deflated at level 1, as
    ooxml.edit_sheets does: a third of level 6's time for a fifth more bytes (benchmarks/
    README.md, "The write-back's cost"); Excel and WPS deflate it their way on their next save."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in archive.infolist():
            if info.filename in new:
                continue
            body = edits.get(info.filename)
            body = body if body is not None else archive.read(info.filename)
            target.writestr(info, body, compresslevel=1)
        for name, body in new.items():
            target.writestr(name, body)
    return out.getvalue()
