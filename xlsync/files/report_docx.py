"""The Word draft (.docx) of an `Outline`, laid out as a Chinese school document.

A4, 宋体 body text with a two-character first-line indent, 黑体/楷体 headings, tables with
a shaded header row, charts as images (xlsync/files/charts.py), captions 表N above tables
and 图N below figures, page numbers in the footer. Placeholders (the prose the lead writes)
are highlighted so none is handed in by mistake.

The lead edits the draft, so a draft that anyone has changed (or has open) is never
overwritten: a new run then writes the next free name, 工作总结_…（2）.docx. A draft is known
to be untouched when its text part still has the digest xlsync stored in its properties.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from xlsync.core.outline import Block, Cell, Chart, Heading, Outline, Paragraph, Table
from xlsync.errors import XlsyncError
from xlsync.files import charts
from xlsync.files.safe_write import atomic_write, lock_files

MISSING = (
    "生成 Word 稿需要 python-docx 和 matplotlib，这台电脑还没有安装。"
    '请先运行：pip install "xlsync[report]"，再运行一次。工作报告工作簿不需要它们，已照常生成。'
)
BODY_FONT, HEADING_FONTS = "宋体", {1: "黑体", 2: "楷体"}
MARK = "xlsync-draft:"  # core property `identifier`: MARK + sha256 of word/document.xml
PICTURE_CM = 14.5
TEXT_CM = 14.6  # A4 less the margins
CELL_PADDING_CM = 0.4  # Word's default cell margins, left and right, and a little air


def require_libraries() -> None:
    """python-docx and matplotlib, or a Chinese message saying how to install them."""
    try:
        import docx  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError:
        raise XlsyncError(MISSING) from None


def write_draft(outline: Outline, path: Path) -> Path:
    """Write the draft to `path`, or to the next free name when `path` was edited; the path used."""
    require_libraries()
    images = {id(chart): charts.render(chart) for chart in outline.charts()}
    target = free_path(path)
    atomic_write(target, lambda temp: _save(outline, images, temp))
    return target


def free_path(path: Path) -> Path:
    """`path`, unless someone changed that draft or has it open: then 名（2）.docx, （3）, …"""
    candidate, number = path, 1
    while candidate.exists() and not untouched(candidate):
        number += 1
        candidate = path.with_name(f"{path.stem}（{number}）{path.suffix}")
    return candidate


def untouched(path: Path) -> bool:
    """True when the draft at `path` is as xlsync wrote it and nobody has it open."""
    if lock_files(path):
        return False
    try:
        with zipfile.ZipFile(path) as package:
            body = package.read("word/document.xml")
            core = package.read("docProps/core.xml").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return f"{MARK}{hashlib.sha256(body).hexdigest()}" in core


def _save(outline: Outline, images: dict[int, bytes], temp: Path) -> None:
    from docx import Document

    document = Document()
    _page_setup(document)
    _styles(document)
    _title(document, outline)
    numbers = {"表": 0, "图": 0}
    for block in outline.blocks:
        _add(document, block, images, numbers)
    document.core_properties.title = outline.title
    document.core_properties.author = "xlsync"
    document.save(str(temp))
    _seal(temp)


def _seal(temp: Path) -> None:
    """Store the digest of the text part in core.xml, so a later run can tell an edit."""
    with zipfile.ZipFile(temp) as package:
        parts = {info: package.read(info) for info in package.infolist()}
    digest = hashlib.sha256(next(v for k, v in parts.items() if k.filename == "word/document.xml"))
    stamp = f"<dc:identifier>{MARK}{digest.hexdigest()}</dc:identifier></cp:coreProperties>"
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as package:
        for info, data in parts.items():
            if info.filename == "docProps/core.xml":
                data = data.decode("utf-8").replace("</cp:coreProperties>", stamp).encode("utf-8")
            package.writestr(info, data)


def _page_setup(document: Any) -> None:
    from docx.shared import Cm

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(3.18)
    footer = section.footer.paragraphs[0]
    footer.alignment = 1  # centred
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页")


def _field(paragraph: Any, code: str) -> None:
    """A Word field (PAGE, …) that Word, WPS and LibreOffice fill in when they lay out the page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (
        ("begin", None),
        (None, code),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText" if text == code else "w:t")
            element.text = text
        run._r.append(element)


def _east_asian(style_or_run: Any, name: str) -> None:
    """Set the font for Chinese text too (python-docx's font.name sets only the Latin one)."""
    from docx.oxml.ns import qn

    style_or_run.font.name = name
    fonts = style_or_run.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _styles(document: Any) -> None:
    from docx.shared import Pt, RGBColor

    normal = document.styles["Normal"]
    _east_asian(normal, BODY_FONT)
    normal.font.size = Pt(12)  # 小四
    normal.paragraph_format.line_spacing = 1.5
    for level, font in HEADING_FONTS.items():
        style = document.styles[f"Heading {level}"]
        _east_asian(style, font)
        style.font.size = Pt(16 if level == 1 else 14)  # 三号, 四号
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.bold = level == 1
        style.font.italic = False
        style.paragraph_format.space_before = Pt(12 if level == 1 else 6)
        style.paragraph_format.space_after = Pt(6)


def _title(document: Any, outline: Outline) -> None:
    from docx.shared import Pt

    title = document.add_paragraph()
    title.alignment = 1
    run = title.add_run(outline.title)
    run.bold, run.font.size = True, Pt(18)  # 小二: a term's title fits one line
    _east_asian(run, BODY_FONT)
    if outline.subtitle:
        line = document.add_paragraph()
        line.alignment = 1
        line.add_run(outline.subtitle).font.size = Pt(10.5)


def _add(document: Any, block: Block, images: dict[int, bytes], numbers: dict[str, int]) -> None:
    if isinstance(block, Heading):
        document.add_heading(block.text, level=block.level)
    elif isinstance(block, Paragraph):
        _paragraph(document, block)
    elif isinstance(block, Table):
        numbers["表"] += 1
        _table(document, block, numbers["表"])
    elif isinstance(block, Chart):
        numbers["图"] += 1
        _picture(document, block, images[id(block)], numbers["图"])


def _paragraph(document: Any, block: Paragraph) -> None:
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(6)  # air below a table or a figure
    if block.align == "right":
        paragraph.alignment = 2
    else:
        paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters
    run = paragraph.add_run(block.text)
    if block.placeholder:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _caption(document: Any, text: str) -> None:
    from docx.shared import Pt

    caption = document.add_paragraph()
    caption.alignment = 1
    caption.paragraph_format.keep_with_next = True  # a table's caption stays on its page
    run = caption.add_run(text)
    run.bold, run.font.size = True, Pt(10.5)  # 五号


def _table(document: Any, block: Table, number: int) -> None:
    from docx.shared import Pt

    _caption(document, f"表{number} {block.caption}")
    table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = "Table Grid"
    table.alignment = 1
    size = Pt(10.5 if len(block.header) <= 6 else 9)  # 五号; 小五 for a wide table
    for r, row in enumerate([block.header, *block.rows]):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            paragraph = cell.paragraphs[0]
            paragraph.alignment = 1
            paragraph.paragraph_format.line_spacing = 1.0
            paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(2)
            run = paragraph.add_run(_cell_text(value))
            run.font.size, run.bold = size, r == 0
        if r == 0:
            _shade(table.rows[0])
    _widths(table, block, size.pt)
    if block.note:
        note = document.add_paragraph()
        note.add_run(block.note).font.size = Pt(9)


def _widths(table: Any, block: Table, points: float) -> None:
    """Columns as wide as their longest value (a header may wrap onto two lines) plus the
    cell's padding, stretched or squeezed together to fill the line."""
    from docx.shared import Cm

    em = points / 72 * 2.54  # cm
    need = [
        max(
            _ems(str(block.header[c])) / 2 + 1,
            *(_ems(_cell_text(row[c])) for row in block.rows),
        )
        * em
        + CELL_PADDING_CM
        for c in range(len(block.header))
    ]
    table.autofit = False
    for c, width in enumerate(need):
        column = table.columns[c]
        column.width = Cm(TEXT_CM * width / sum(need))  # the grid LibreOffice and WPS read
        for cell in column.cells:
            cell.width = column.width  # the cells Word reads


def _ems(text: str) -> float:
    """Width in ems: a Chinese character is one, a digit or Latin letter about 0.6."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in text)


def _shade(row: Any) -> None:
    """A grey header row, repeated at the top of every page the table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(repeat)
    for cell in row.cells:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), "D9D9D9")
        cell._tc.get_or_add_tcPr().append(shading)


def _cell_text(value: Cell) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _picture(document: Any, block: Chart, png: bytes, number: int) -> None:
    from docx.shared import Cm

    document.add_picture(io.BytesIO(png), width=Cm(PICTURE_CM))
    document.paragraphs[-1].alignment = 1
    document.paragraphs[-1].paragraph_format.keep_with_next = True  # with its caption below
    _caption(document, f"图{number} {block.caption}")
