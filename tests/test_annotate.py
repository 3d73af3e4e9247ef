"""validate --annotate: marks written, then replaced without touching anything the teacher did."""

from __future__ import annotations

from conftest import record, student
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from xlsync.files.annotate import ERROR_FILL, MARKS_SHEET, fill_xml
from xlsync.schema import CHECK_SHEET, CLASS_SHEETS, HELP_SHEET

TEACHER_FILL = PatternFill("solid", fgColor="00B0F0")
TEACHER_SHEETS = [HELP_SHEET, *[s.name for s in CLASS_SHEETS]]


def snapshot(path):
    """(sheet, cell) → (value, fill, comment text, comment author) for every teacher cell."""
    wb = load_workbook(path)
    cells = {}
    for name in TEACHER_SHEETS:
        for row in wb[name].iter_rows():
            for c in row:
                comment = (c.comment.text, c.comment.author) if c.comment else None
                cells[(name, c.coordinate)] = (c.value, fill_xml(c.fill), comment)
    return cells


def edit(path, changes):
    wb = load_workbook(path)
    changes(wb)
    wb.save(path)


def test_annotate_then_teacher_edits_then_annotate_again(class_book, run):
    path = class_book(
        students=[student(), student(姓名="李", 身份证号="", 监护人电话="12345")],
        records=[record()],
    )

    def teacher_before(wb):
        ws = wb["学生档案"]
        ws["AA2"].fill = TEACHER_FILL
        ws["B2"].comment = Comment("记得家访", "张老师")
        ws["A3"].comment = Comment("小名叫李娃", "张老师")

    edit(path, teacher_before)
    before = snapshot(path)

    result = run("validate", path, "--as-of", "2026-11-30", "--annotate")
    assert result.exit_code == 1, result.stderr
    first = snapshot(path)
    marked = {("学生档案", "A3"), ("学生档案", "P3")}
    for key, (value, fill, comment) in before.items():
        assert first[key][0] == value, key  # no value ever changes
        if key not in marked:
            assert first[key] == (value, fill, comment), key
    assert first[("学生档案", "A3")][1:] == (fill_xml(ERROR_FILL), ("小名叫李娃", "张老师"))
    assert first[("学生档案", "P3")][1] == fill_xml(ERROR_FILL)
    assert "电话「12345」不是有效号码" in first[("学生档案", "P3")][2][0]
    wb = load_workbook(path)
    assert wb[MARKS_SHEET].sheet_state == "veryHidden"
    links = [c.hyperlink.location for c in wb[CHECK_SHEET]["C"][1:] if c.hyperlink]
    assert links == ["'学生档案'!A3", "'学生档案'!P3"]

    def teacher_between(wb):
        ws = wb["学生档案"]
        ws["P3"] = "13812345678"  # fixes the phone; Excel keeps the cell's fill as it was
        ws["C2"].fill = TEACHER_FILL
        ws["D2"].comment = Comment("户口本核对过", "张老师")

    edit(path, teacher_between)
    edited = snapshot(path)

    run("validate", path, "--as-of", "2026-11-30", "--annotate")
    second = snapshot(path)
    for key, (value, fill, comment) in edited.items():
        assert second[key][0] == value, key
        if key not in marked:
            assert second[key] == (value, fill, comment), key
    assert second[("学生档案", "P3")][1:] == before[("学生档案", "P3")][1:]  # stale mark gone
    assert second[("学生档案", "A3")][1] == fill_xml(ERROR_FILL)  # still wrong, still marked
    wb = load_workbook(path)
    assert [c.value for c in wb[CHECK_SHEET]["C"][1:]] == ["A3"]
    assert wb.sheetnames.count(CHECK_SHEET) == 1 and wb.sheetnames.count(MARKS_SHEET) == 1


def test_clean_workbook_with_nothing_to_mark_is_not_rewritten_at_all(class_book, run):
    path = class_book(students=[student()], records=[record()])
    data, stat = path.read_bytes(), path.stat()
    result = run("validate", path, "--as-of", "2026-11-30", "--annotate")
    assert result.exit_code == 0 and "没有需要标出的问题" in result.stdout
    assert path.read_bytes() == data and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert not (path.parent / ".xlsync").exists()  # not even a backup was needed


def test_annotate_refuses_an_open_workbook_and_csv(class_book, run, tmp_path):
    path = class_book(students=[student(姓名="李")])
    (path.parent / f"~${path.name}").write_text("x")
    data = path.read_bytes()
    result = run("validate", path, "--annotate")
    assert result.exit_code == 2 and "正在 Excel" in result.stdout
    assert path.read_bytes() == data
    csv = tmp_path / "学生档案.csv"
    csv.write_text("姓名,性别\n王小明,男\n", encoding="utf-8")
    result = run("validate", csv, "--annotate")
    assert result.exit_code == 2 and "另存为 .xlsx" in result.stdout
