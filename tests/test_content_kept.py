"""Issue 14 (1, 2, 3, 9): the class-book writers keep everything a teacher had in the file —
or refuse, in Chinese, and leave it as it was. The odd files are made here by scripts."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import msoffcrypto
import pytest
import python_calamine
from conftest import libreoffice_resave, needs_soffice, record, student
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from xlsync.core.idcard import make_id
from xlsync.errors import XlsyncError
from xlsync.files.kept import ensure_kept, keep_formula_results, lost, owning
from xlsync.files.protect import OLE_MAGIC, PASSWORD_ENV
from xlsync.schema import CHECK_SHEET, STATUS_SHEET, STUDENTS

AS_OF = "2026-11-30"
WRITES = (("validate", "--annotate"), ("overdue", "--write"))


def _book(class_book, **changes):
    """A class book with findings to mark (a missing 性别) and obligations to write."""
    return class_book(
        students=[student(**changes), student(姓名="李小红", 性别="")],
        records=[record(日期=dt.date(2026, 11, 20))],
    )


def _write(run, command: tuple[str, str], path: Path):
    return run(command[0], path, "--as-of", AS_OF, command[1])


def _grids(data: bytes) -> dict[str, list]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {n: book.get_sheet_by_name(n).to_python() for n in book.sheet_names}


def _rezip(path: Path, edit) -> None:
    """Rewrite every part of the package at `path` through edit(name, bytes) → bytes."""
    with zipfile.ZipFile(path) as source:
        parts = [
            (info.filename, edit(info.filename, source.read(info))) for info in source.infolist()
        ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, body in parts:
            if body is not None:
                target.writestr(name, body)


# 14.1 Strict Open XML ---------------------------------------------------------------------

STRICT = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": (
        b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    ),
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    ),
    b"http://schemas.openxmlformats.org/drawingml/2006/main": (
        b"http://purl.oclc.org/ooxml/drawingml/main"
    ),
}


def strict_copy(path: Path) -> Path:
    """Turn a transitional workbook into a "Strict Open XML" one, as Excel saves it."""

    def edit(name: str, body: bytes) -> bytes:
        for old, new in STRICT.items():
            body = body.replace(old, new)
        if name == "xl/workbook.xml":
            body = body.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
        return body

    _rezip(path, edit)
    return path


@pytest.mark.parametrize("command", WRITES)
def test_strict_open_xml_is_refused_in_chinese_and_left_as_it_was(class_book, run, command):
    path = strict_copy(_book(class_book))
    assert "学生档案" in _grids(path.read_bytes())  # python-calamine (validate) reads it
    data = path.read_bytes()
    result = _write(run, command, path)
    assert result.exit_code == 2, result.stdout
    assert "Strict Open XML" in result.stdout and "另存为" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert path.read_bytes() == data


def test_the_post_condition_alone_stops_a_package_read_as_empty(class_book, run, monkeypatch):
    """Without the Strict check, openpyxl reads the file as empty; the comparison of what was
    read with what would be written still refuses (a check of the result, not of formats)."""
    monkeypatch.setattr("xlsync.files.safe_write.refuse_strict", lambda path, data: None)
    path = strict_copy(_book(class_book))
    data = path.read_bytes()
    result = _write(run, WRITES[0], path)
    assert result.exit_code == 2
    assert "没有改写" in result.stdout and "工作表「学生档案」" in result.stdout
    assert path.read_bytes() == data


def test_the_post_condition_names_a_changed_cell_and_allows_owned_ones(class_book):
    path = _book(class_book)
    before = path.read_bytes()
    wb = load_workbook(path)
    wb[STUDENTS.name]["A2"] = "别人"
    changed = io.BytesIO()
    wb.save(changed)
    with pytest.raises(XlsyncError, match="「学生档案」的 A2"):
        ensure_kept(path, before, changed.getvalue(), owning(frozenset()))
    ensure_kept(path, before, changed.getvalue(), owning(frozenset(), {STUDENTS.name: {1}}))


# 14.2 Content openpyxl would drop --------------------------------------------------------

THREADED = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
    '<threadedComment ref="A2" dT="2026-11-01T08:00:00.00" personId="{0}" id="{1}">'
    "<text>家访时奶奶说孩子最近不爱说话</text></threadedComment></ThreadedComments>"
).encode()
PERSONS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
    '<person displayName="张老师" id="{0}" userId="zhang" providerId="None"/></personList>'
).encode()
SPARKLINES = (
    '<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    "<x14:sparklineGroup><x14:sparklines><x14:sparkline><xm:f>学生档案!A2:C2</xm:f>"
    "<xm:sqref>D20</xm:sqref></x14:sparkline></x14:sparklines></x14:sparklineGroup>"
    "</x14:sparklineGroups></ext></extLst>"
).encode()
ICON_SET = (
    b'<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    b'<x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    b'<x14:cfRule type="iconSet" priority="1" id="{1}"><x14:iconSet iconSet="3Triangles">'
    b'<x14:cfvo type="percent"><xm:f>0</xm:f></x14:cfvo><x14:cfvo type="percent"><xm:f>33</xm:f>'
    b'</x14:cfvo><x14:cfvo type="percent"><xm:f>67</xm:f></x14:cfvo></x14:iconSet></x14:cfRule>'
    b"<xm:sqref>E2:E9</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings>"
    b"</ext></extLst>"
)


def _with_threaded_comment(path: Path) -> Path:
    def edit(name: str, body: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return body.replace(
                b"</Types>",
                b'<Override PartName="/xl/threadedComments/threadedComment1.xml" ContentType='
                b'"application/vnd.ms-excel.threadedcomments+xml"/><Override PartName='
                b'"/xl/persons/person.xml" ContentType="application/vnd.ms-excel.person+xml"/></Types>',
            )
        return body

    _rezip(path, edit)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/threadedComments/threadedComment1.xml", THREADED)
        archive.writestr("xl/persons/person.xml", PERSONS)
        archive.writestr(
            "xl/worksheets/_rels/sheet2.xml.rels",
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/relationships"><Relationship Id="rIdT" Type='
            b'"http://schemas.microsoft.com/office/2017/10/relationships/threadedComment" '
            b'Target="../threadedComments/threadedComment1.xml"/></Relationships>',
        )
    return path


def _with_extension(path: Path, ext: bytes) -> Path:
    def edit(name: str, body: bytes) -> bytes:
        if re.match(r"xl/worksheets/sheet\d+\.xml$", name) and b"<sheetData" in body:
            return body.replace(b"</worksheet>", ext + b"</worksheet>")
        return body

    _rezip(path, edit)
    return path


@pytest.mark.parametrize("command", WRITES)
@pytest.mark.parametrize(
    ("make", "named"),
    [
        (_with_threaded_comment, "可回复批注"),
        (lambda p: _with_extension(p, SPARKLINES), "迷你图"),
        (lambda p: _with_extension(p, ICON_SET), "图标集"),
    ],
    ids=["threaded-comments", "sparklines", "icon-sets"],
)
def test_content_openpyxl_drops_is_named_in_chinese_and_the_file_kept(
    class_book, run, command, make, named
):
    path = make(_book(class_book))
    load_workbook(path)  # still a workbook openpyxl opens (the guard, not a crash, refuses)
    data = path.read_bytes()
    result = _write(run, command, path)
    assert result.exit_code == 2 and named in result.stdout, result.stdout
    assert "无法原样保留" in result.stdout
    assert path.read_bytes() == data


@pytest.mark.parametrize("command", WRITES)
def test_rich_text_in_a_cell_keeps_its_runs(class_book, run, command):
    path = _book(class_book)
    wb = load_workbook(path)
    note = next(c for c in wb[STUDENTS.name][1] if c.value == "备注")
    red = InlineFont(b=True, color="FFFF0000")
    wb[STUDENTS.name].cell(row=2, column=note.column).value = CellRichText(
        "奶奶说", TextBlock(red, "每周三要去医院"), "，请注意接送"
    )
    wb.save(path)
    assert _write(run, command, path).exit_code in (0, 1)
    after = load_workbook(path, rich_text=True)[STUDENTS.name].cell(row=2, column=note.column)
    assert isinstance(after.value, CellRichText)
    bold = [b for b in after.value if isinstance(b, TextBlock)]
    assert [b.text for b in bold] == ["每周三要去医院"] and bold[0].font.b
    assert bold[0].font.color.rgb == "FFFF0000"


# 14.3 Formula results ----------------------------------------------------------------------

BIRTHS = [dt.date(2015, 3, day) for day in range(1, 7)]
BIRTH_FROM_ID = "=DATE(MID({id}{row},7,4),MID({id}{row},11,2),MID({id}{row},13,2))"


def _formula_dates_resaved_by_libreoffice(class_book, tmp_path: Path) -> Path:
    """出生日期 computed from 身份证号 by formulas, then opened and saved by LibreOffice so the
    file carries the results (as a file saved by Excel or WPS does)."""
    source = class_book(
        name="公式.xlsx",
        students=[
            student(姓名=f"学生{i}", 身份证号=make_id("430102", BIRTHS[i], 7, "男"), 出生日期=None)
            for i in range(6)
        ],
        records=[record(学生姓名="学生0")],
    )
    wb = load_workbook(source)
    ws = wb[STUDENTS.name]
    header = {c.value: c.column_letter for c in ws[1]}
    for row in range(2, 8):
        ws[f"{header['出生日期']}{row}"] = BIRTH_FROM_ID.format(id=header["身份证号"], row=row)
    wb.save(source)
    return libreoffice_resave(source, tmp_path / "lo")


@needs_soffice
def test_formula_results_survive_overdue_write(class_book, run, tmp_path):
    path = _formula_dates_resaved_by_libreoffice(class_book, tmp_path)
    grid = _grids(path.read_bytes())[STUDENTS.name]
    column = grid[0].index("出生日期")
    births = [r[column] for r in grid[1:]]
    assert births == BIRTHS  # LibreOffice saved the results
    assert run("overdue", path, "--as-of", AS_OF, "--write").exit_code == 0
    after = _grids(path.read_bytes())
    assert [r[column] for r in after[STUDENTS.name][1:]] == births
    assert STATUS_SHEET in after
    cell = load_workbook(path)[STUDENTS.name].cell(row=2, column=column + 1)
    assert str(cell.value).startswith("=DATE(")  # still the formula
    result = run("validate", path, "--as-of", AS_OF)
    assert "出生日期 必须填写" not in result.stdout and result.exit_code == 0, result.stdout


# 14.9 Encryption ---------------------------------------------------------------------------


def _encrypt(path: Path, password: str) -> None:
    out = io.BytesIO()
    office = OOXMLFile(io.BytesIO(path.read_bytes()))
    office.encrypt(password, out)
    path.write_bytes(out.getvalue())


def _decrypt(path: Path, password: str) -> bytes:
    office = msoffcrypto.OfficeFile(io.BytesIO(path.read_bytes()))
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("command", "sheet"), zip(WRITES, (CHECK_SHEET, STATUS_SHEET), strict=True)
)
def test_an_encrypted_class_book_is_written_encrypted_with_its_password(
    class_book, run, monkeypatch, command, sheet
):
    path = _book(class_book)
    _encrypt(path, "校园2026")
    monkeypatch.setenv(PASSWORD_ENV, "校园2026")
    assert _write(run, command, path).exit_code in (0, 1)
    assert path.read_bytes()[:8] == OLE_MAGIC
    assert sheet in _grids(_decrypt(path, "校园2026"))


EXCEL_FORMULAS = (
    b'<sheetData><row r="1"><c r="A1"><v>2</v></c><c r="B1"><f t="shared" ref="B1:B2" si="0">'
    b'A1*2</f><v>4</v></c><c r="C1" t="str"><f>A1&amp;"x"</f><v>2x</v></c></row>'
    b'<row r="2"><c r="A2"><v>3</v></c><c r="B2"><f t="shared" si="0"/><v>6</v></c>'
    b'<c r="C2"><f>A2*2</f><v>6</v></c></row></sheetData>'
)


def test_formula_results_as_excel_saves_them_shared_and_text_are_restored(tmp_path):
    """Excel writes shared formulas (openpyxl expands them) and text results (t="str")."""
    path = tmp_path / "公式.xlsx"
    wb = Workbook()
    wb.active.title = "表"
    wb.save(path)
    _rezip(
        path,
        lambda name, body: (
            re.sub(rb"<sheetData\s*/>|<sheetData>.*</sheetData>", EXCEL_FORMULAS, body, flags=re.S)
            if name == "xl/worksheets/sheet1.xml"
            else body
        ),
    )
    original = path.read_bytes()
    saved = io.BytesIO()
    load_workbook(path).save(saved)
    assert _grids(saved.getvalue())["表"] == [[2], [3]]  # openpyxl drops them
    kept = keep_formula_results(original, saved.getvalue(), lambda s, r, c: (r, c) == (2, 3))
    assert _grids(kept)["表"] == [[2, 4, "2x"], [3, 6, ""]]  # C2 owned by the writer: not copied


def test_new_class_on_a_strict_master_is_refused_in_chinese(school, run):
    master = strict_copy(school / "全校汇总.xlsx")
    data = master.read_bytes()
    result = run("new-class", school, "--class", "三年级3班", "--teacher", "李老师")
    assert result.exit_code == 2 and "Strict Open XML" in result.stderr, result.output
    assert master.read_bytes() == data


def test_a_package_that_cannot_be_read_back_counts_as_losing_everything(class_book):
    """If what a writer produced does not even read back, the check refuses it like any loss
    (a Chinese message from the writer), rather than ending in a reader's traceback."""
    before = class_book(students=[student()]).read_bytes()
    assert lost(before, b"PK\x03\x04 not a whole zip", owning(set())) == [
        "整个工作簿（写出的文件读不回来）"
    ]
    assert lost(before, before, owning(set())) == []
