"""The Word draft 工作总结 of a 工作报告 and the 「学期报告」 button (issue 21.2, 21.3): on a
generated school, `xlsync report --docx` writes a .docx whose text (read back by python-docx,
and by pdftotext from LibreOffice's PDF) holds the report's numbers under the four headings a
工作总结 has, names no child, and the button, run through the real xlwings API on the test
engine, writes and opens the report of the current term."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import excel_engine as xe
import pytest

import xlsync.ribbon as entry
from xlsync.core.work_summary import compose, pct, problems_found
from xlsync.demo import DemoSize, generate_school
from xlsync.files.soffice import to_pdf
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.report import make_report
from xlsync.jobs.report_draft import add_draft
from xlsync.schema import MASTER_FILE

AS_OF = dt.date(2026, 11, 30)
HEADINGS = ["一、基本情况", "二、主要工作", "三、存在问题", "四、下一步打算"]


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> Path:
    """A small demo school, 汇总 run: the master."""
    folder = tmp_path_factory.mktemp("draft") / "学校"
    generate_school(folder, AS_OF, DemoSize(3, 8), seed=7)
    consolidate(folder / MASTER_FILE, as_of=AS_OF)
    return folder / MASTER_FILE


@pytest.fixture
def master(school, tmp_path) -> Path:
    shutil.copytree(school.parent, tmp_path / "s")
    return tmp_path / "s" / MASTER_FILE


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def numbers_of(report) -> list[str]:
    """What the draft must show: the overview's counts and rates, every rule's figures, every
    teacher's line and every class's records."""
    o = report.overview
    found = [str(n) for n in (o.children_start, o.children_end, o.new_files, o.records)]
    found += [pct(o.retention_rate), pct(o.complete_rate), *(pct(s.rate) for s in o.shares)]
    found += [f"{c.rule}" for c in report.coverage if c.due]
    found += [pct(c.on_time_rate) for c in report.coverage if c.due]
    found += [f"{t.talks_done}/{t.talks_due}" for t in report.teachers] + [
        t.teacher for t in report.teachers
    ]
    return found + [str(c.records) for c in report.classes]


def child_names(report) -> set[str]:
    return {x.child for x in (*report.watch, *report.struggling, *report.candidates)}


def test_the_cli_writes_a_draft_with_the_reports_numbers_and_no_child(master, run):
    result = run("report", master, "--as-of", AS_OF, "--docx")
    assert result.exit_code == 0, result.output
    draft = master.parent / "工作总结_2026秋季学期.docx"
    assert f"已写出：{draft}" in result.output
    report = make_report(master, as_of=AS_OF, write=False).report
    text = docx_text(draft)
    for expected in numbers_of(report):
        assert expected in text, expected
    headings = [p.text for p in docx.Document(str(draft)).paragraphs if p.style.name == "Heading 1"]
    assert headings == HEADINGS  # the order a 工作总结 takes
    for problem in problems_found(report):
        assert problem in text
    assert not [name for name in child_names(report) if name in text]  # the draft leaves the school
    assert len(docx.Document(str(draft)).inline_shapes) == 2  # by month; on time by rule


def test_json_lists_the_draft_among_the_outputs(master, run):
    import json

    result = run("report", master, "--as-of", AS_OF, "--docx", "--format", "json")
    outputs = json.loads(result.stdout)["outputs"]
    assert [Path(p).name for p in outputs] == [
        "工作报告_2026秋季学期.xlsx",
        "工作总结_2026秋季学期.docx",
    ]


def test_a_draft_the_lead_edited_is_kept_and_the_new_one_numbered(master, run):
    run("report", master, "--as-of", AS_OF, "--docx")
    draft = master.parent / "工作总结_2026秋季学期.docx"
    edited = docx.Document(str(draft))
    edited.paragraphs[3].text = "本学期我校坚持“四个一”结对帮扶。"
    edited.save(str(draft))
    kept = draft.read_bytes()
    result = run("report", master, "--as-of", AS_OF, "--docx")
    assert result.exit_code == 0 and draft.read_bytes() == kept
    assert (master.parent / "工作总结_2026秋季学期（2）.docx").is_file()


def test_without_python_docx_the_cli_says_what_to_install(master, run, monkeypatch):
    monkeypatch.setitem(sys.modules, "docx", None)  # as if python-docx were not installed
    result = run("report", master, "--as-of", AS_OF, "--docx")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert 'pip install "xlsync[report]"' in result.stderr and "python-docx" in result.stderr
    assert (master.parent / "工作报告_2026秋季学期.xlsx").is_file()  # the workbook needs neither
    assert not (master.parent / "工作总结_2026秋季学期.docx").exists()


def test_a_past_terms_draft_says_the_term_has_ended(master):
    result = make_report(master, as_of=dt.date(2027, 3, 1), term="2026秋季学期", write=False)
    outline = compose(result.report)
    assert (
        "本期已结束" in outline.text() and outline.title == "2026秋季学期留守儿童关爱帮扶工作总结"
    )
    assert outline.blocks[-1].text == "2027年1月22日"  # dated at the term's end


@pytest.mark.soffice
@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="needs LibreOffice (with Writer) and poppler-utils",
)
def test_libreoffice_converts_the_draft_with_the_numbers_in_its_text(master):
    result = make_report(master, as_of=AS_OF)
    pdf = to_pdf(add_draft(result))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    text = "".join(text.split())  # pdftotext spaces Latin and Chinese apart as it likes
    for expected in [*HEADINGS, *numbers_of(result.report)]:
        assert expected in text, expected


def clicked(monkeypatch, path: Path):
    book = xe.load(path)
    monkeypatch.setattr(entry, "caller", lambda: book)
    monkeypatch.setattr(entry, "today", lambda: AS_OF)
    return book


def test_the_button_writes_and_opens_the_current_terms_report_and_draft(master, monkeypatch):
    book = clicked(monkeypatch, master)
    entry.term_report()
    workbook = master.parent / "工作报告_2026秋季学期.xlsx"
    draft = master.parent / "工作总结_2026秋季学期.docx"
    state = xe.state(book.app)
    assert state.books.opened == [str(workbook)] and workbook.is_file() and draft.is_file()
    alert = state.alerts[-1]
    assert (
        alert["mode"] == "info"
        and str(draft) in alert["prompt"]
        and "统计到 2026-11-30" in alert["prompt"]
    )
    assert xe.state(book).saves == 1  # the master saved first: the report reads what the lead sees
    assert any("统计" in str(s) for s in state.status_history) and book.app.status_bar is False
    report = make_report(master, as_of=AS_OF, write=False).report
    assert f"期末逾期 {report.overview.overdue_at_end} 项" in alert["prompt"]


def test_the_button_without_python_docx_still_gives_the_workbook(master, monkeypatch):
    book = clicked(monkeypatch, master)
    monkeypatch.setitem(sys.modules, "docx", None)
    entry.term_report()
    alert = xe.state(book.app).alerts[-1]
    assert alert["mode"] == "info" and "没有生成工作总结 Word 稿" in alert["prompt"]
    assert 'pip install "xlsync[report]"' in alert["prompt"]
    assert xe.state(book.app).books.opened == [str(master.parent / "工作报告_2026秋季学期.xlsx")]


def test_the_button_before_any_consolidation_says_what_to_run_first(tmp_path, monkeypatch):
    fresh = generate_school(tmp_path / "新学校", AS_OF, DemoSize(2, 4), seed=3)
    book = clicked(monkeypatch, fresh)
    entry.term_report()
    alert = xe.state(book.app).alerts[-1]
    assert alert["mode"] == "critical" and "汇总全校" in alert["prompt"]
    assert xe.state(book.app).books.opened == []


def test_the_button_in_a_class_workbook_points_to_the_master(master, monkeypatch):
    klass = next((master.parent / "班级台账").glob("*.xlsx"))
    book = clicked(monkeypatch, klass)
    entry.term_report()
    alert = xe.state(book.app).alerts[-1]
    assert alert["mode"] == "critical" and "全校汇总" in alert["prompt"]
