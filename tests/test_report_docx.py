"""The Word draft's parts (issue 21.2): charts drawn with a Chinese font and the same bytes
each time, a .docx that python-docx and LibreOffice read with its numbers, a draft the lead
edited never overwritten, and Chinese messages when a library or a font is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import docx
import pytest

from xlsync.core.outline import Chart, Heading, Outline, Paragraph, Table
from xlsync.errors import XlsyncError
from xlsync.files import charts
from xlsync.files.report_docx import MISSING, free_path, untouched, write_draft
from xlsync.files.soffice import to_pdf

MONTHS = Chart(
    "各月帮扶记录",
    "line",
    ("9月", "10月", "11月"),
    (("谈心", (12, 30, 25)), ("家访", (3, 8, 0))),
    "次",
)
RULES = Chart(
    "各项帮扶按时完成情况",
    "stacked",
    ("谈心", "家访", "送温暖"),
    (("按时", (80.0, 50.0, 30.0)), ("补做", (10.0, 20.0, 0.0)), ("未做", (10.0, 30.0, 70.0))),
    "%",
)
OUTLINE = Outline(
    "2026秋季学期留守儿童关爱帮扶工作总结",
    "演示学校",
    (
        Heading("一、基本情况"),
        Paragraph("本学期全校共有帮扶对象 137 名，巩固率 98.6%。"),
        Paragraph("【请补充：学校概况。】", placeholder=True),
        Table("总体情况", ("项目", "数值"), (("期初人数", 131), ("平均每人记录", 3.25))),
        Heading("（一）结对帮扶", level=2),
        MONTHS,
        Table("各类帮扶", ("帮扶类型", "次数"), (("谈心", 67), ("家访", 11))),
        RULES,
    ),
)


def _drawn(chart: Chart) -> tuple[bytes, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.render(chart)
    return png, [str(w.message) for w in caught]


@pytest.fixture
def no_cjk_font(monkeypatch):
    """A machine without any Chinese font, as far as the font search can tell."""
    monkeypatch.setattr(charts, "FAMILIES", ("No Such Font",))
    monkeypatch.setattr(charts, "FILE_HINTS", ("no-such-font-file",))
    monkeypatch.delenv(charts.FONT_VARIABLE, raising=False)
    charts.cjk_family.cache_clear()
    yield
    charts.cjk_family.cache_clear()


def test_charts_draw_chinese_with_a_cjk_font_and_no_missing_glyph():
    assert "CJK" in charts.cjk_family() or "Hei" in charts.cjk_family()
    for chart in (MONTHS, RULES, Chart("各类帮扶", "bar", ("谈心", "家访"), (("次数", (67, 11)),))):
        png, said = _drawn(chart)
        assert png.startswith(b"\x89PNG") and not [s for s in said if "missing from font" in s]


def test_the_missing_glyph_check_can_fail(monkeypatch):
    """The check above sees tofu: the same chart in a Latin-only font warns of every glyph."""
    monkeypatch.setattr(charts, "cjk_family", lambda: "DejaVu Sans")
    _, said = _drawn(MONTHS)
    assert any("missing from font" in s for s in said)


def test_a_chart_is_the_same_bytes_every_time():
    first = charts.render(MONTHS)
    assert (
        charts.render(MONTHS) == first and b"Software" not in first and b"matplotlib" not in first
    )


def test_without_a_cjk_font_the_message_says_in_chinese_what_to_install(no_cjk_font):
    with pytest.raises(XlsyncError, match="没有找到中文字体") as raised:
        charts.render(MONTHS)
    assert "fonts-noto-cjk" in str(raised.value) and charts.FONT_VARIABLE in str(raised.value)


def test_a_font_file_named_in_the_environment_is_used(no_cjk_font, monkeypatch):
    noto = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not noto.exists():
        pytest.skip("needs fonts-noto-cjk")
    monkeypatch.setenv(charts.FONT_VARIABLE, str(noto))
    assert charts.cjk_family() == "Noto Sans CJK SC"  # the simplified-Chinese face of the file
    assert not [s for s in _drawn(MONTHS)[1] if "missing from font" in s]


def _text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_draft_opens_with_python_docx_with_its_numbers_tables_and_charts(tmp_path):
    path = write_draft(OUTLINE, tmp_path / "工作总结_2026秋季学期.docx")
    document = docx.Document(str(path))
    assert [p.text for p in document.paragraphs[:3]] == [OUTLINE.title, "演示学校", "一、基本情况"]
    assert len(document.tables) == 2 and len(document.inline_shapes) == 2
    text = _text(path)
    for expected in (
        "137",
        "98.6%",
        "131",
        "3.25",
        "67",
        "表1 总体情况",
        "图2 各项帮扶按时完成情况",
    ):
        assert expected in text, expected
    header = document.tables[0].rows[0]._tr
    assert header.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None  # repeated on each page
    (placeholder,) = [p for p in document.paragraphs if p.text.startswith("【")]

    assert placeholder.runs[0].font.highlight_color is not None  # yellow: not handed in unwritten
    assert (
        document.styles["Heading 1"].element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "黑体"
    )


def test_an_untouched_draft_is_replaced_an_edited_one_never(tmp_path):
    path = tmp_path / "工作总结_2026秋季学期.docx"
    assert write_draft(OUTLINE, path) == path and untouched(path)
    assert write_draft(OUTLINE, path) == path  # nobody touched it: written again in place
    edited = docx.Document(str(path))
    edited.add_paragraph("本学期我校开展了亲情电话周活动。")  # the lead's prose
    edited.save(str(path))
    before = path.read_bytes()
    second = write_draft(OUTLINE, path)
    assert second == tmp_path / "工作总结_2026秋季学期（2）.docx" and path.read_bytes() == before
    (tmp_path / "~$作总结_2026秋季学期（2）.docx").write_bytes(b"")  # Word has (2) open
    assert free_path(path) == tmp_path / "工作总结_2026秋季学期（3）.docx"


def test_without_python_docx_the_message_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "docx", None)  # `import docx` now fails as if not installed
    with pytest.raises(XlsyncError) as raised:
        write_draft(OUTLINE, tmp_path / "工作总结.docx")
    assert str(raised.value) == MISSING and 'pip install "xlsync[report]"' in MISSING
    assert not list(tmp_path.iterdir())


@pytest.mark.soffice
@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="needs LibreOffice (with Writer) and poppler-utils",
)
def test_libreoffice_prints_the_draft_with_its_numbers(tmp_path):
    pdf = to_pdf(write_draft(OUTLINE, tmp_path / "工作总结_2026秋季学期.docx"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    text = "".join(text.split())  # pdftotext spaces Latin and Chinese apart as it likes
    for expected in (OUTLINE.title, "基本情况", "137", "98.6%", "3.25", "图2各项帮扶按时完成情况"):
        assert expected in text, expected
    assert "第1页" in text and "第2页" in text  # the page field, filled in by LibreOffice


def test_the_report_extras_lxml_does_not_change_what_openpyxl_writes():
    """python-docx brings lxml, and openpyxl writes through lxml when it can (other bytes: the
    committed templates drift, rewrites of LibreOffice-saved books are refused). Importing
    xlsync keeps openpyxl on its own XML path."""
    code = "import xlsync, lxml, openpyxl.xml; print(openpyxl.xml.LXML)"
    env = {k: v for k, v in os.environ.items() if k != "OPENPYXL_LXML"}
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert shown.stdout.strip() == "False", shown.stderr
