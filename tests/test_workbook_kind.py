"""A class workbook given where the master belongs (and the master given as a class workbook)
is refused by what it is, in Chinese, with exit code 2 — not with a puzzling complaint about a
missing 学期 sheet, nor read as a class whose 学生档案 is 全校档案 (issue 17.4)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from xlsync.demo import DemoSize, generate_school
from xlsync.schema import CLASS_DIR

AS_OF = dt.date(2026, 11, 30)
CLASS_NOT_MASTER = "这是班级台账，不是全校汇总"
MASTER_NOT_CLASS = "这是全校汇总，不是班级台账"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A consolidated demo school: (master, one class workbook)."""
    master = generate_school(tmp_path_factory.mktemp("kind") / "学校", AS_OF, DemoSize(2, 5), 4)
    return master, sorted((master.parent / CLASS_DIR).glob("*.xlsx"))[0]


@pytest.mark.parametrize(
    "args",
    [
        ("consolidate", "{class}"),
        ("sync", "{class}", "--dry-run", "--spreadsheet", "x"),
        ("export", "{class}", "--out", "{tmp}/out.xlsx"),
        ("validate", "{class}", "--master", "{class}"),
        ("overdue", "{class}", "--master", "{class}"),
    ],
    ids=lambda a: a[0],
)
def test_a_class_workbook_given_as_the_master(demo, run, tmp_path, args):
    master, book = demo
    before = book.read_bytes()
    words = [a.format(**{"class": book, "tmp": tmp_path}) for a in args]
    result = run(*words) if args[0] in ("export", "sync") else run(*words, "--as-of", AS_OF)
    assert result.exit_code == 2, result.output
    assert CLASS_NOT_MASTER in result.stderr and str(book.name) in result.stderr
    assert "学期" not in result.stderr and "Traceback" not in result.output
    assert book.read_bytes() == before


@pytest.mark.parametrize("command", ["validate", "overdue"])
def test_the_master_given_as_a_class_workbook(demo, run, command):
    master, _ = demo
    result = run(command, master, "--master", master, "--as-of", AS_OF)
    assert result.exit_code == 2, result.output
    assert MASTER_NOT_CLASS in result.stdout and "xlsync consolidate" in result.stdout
    assert "全校档案" not in result.stdout  # not read as a class whose 学生档案 is 全校档案


def test_a_renamed_master_in_a_class_folder_is_named_as_such(demo, run, tmp_path):
    """A copy of the master among the class workbooks is one refused file; the classes are
    still checked."""
    master, book = demo
    folder = tmp_path / "台账"
    folder.mkdir()
    (folder / "全校汇总备份.xlsx").write_bytes(master.read_bytes())
    (folder / book.name).write_bytes(book.read_bytes())
    result = run("validate", folder, "--master", master, "--as-of", AS_OF, "--format", "json")
    found = json.loads(result.stdout)
    assert [f["file"] for f in found["files"]] == [str(folder / book.name)]
    [failed] = found["failed_files"]
    assert failed["file"].endswith("全校汇总备份.xlsx") and MASTER_NOT_CLASS in failed["message"]
