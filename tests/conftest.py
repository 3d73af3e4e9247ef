"""Small fixtures shared by the tests: a fresh school, and class workbooks filled with rows."""

from __future__ import annotations

# isort: off
import xlsync  # noqa: F401  (first: it fixes openpyxl's XML backend before openpyxl loads)

# isort: on

import datetime as dt
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

# As xlsync/__init__.py does, before the first import of openpyxl (the next line): openpyxl's
# own XML path even where lxml is installed, so the tests see the files the CLI writes.
os.environ.setdefault("OPENPYXL_LXML", "False")
from openpyxl import Workbook  # noqa: E402

from xlsync.cli import cli
from xlsync.core.idcard import make_id
from xlsync.files.school import create_class, create_school
from xlsync.files.templates import build_class_workbook
from xlsync.schema import RECORDS, STUDENTS, STUDY_PLANS

Row = Mapping[str, Any]


def student(**changes: Any) -> dict[str, Any]:
    """A valid 学生档案 row (as a teacher would type it); keyword arguments override fields."""
    row = {c.header: c.example for c in STUDENTS.columns}
    row.update(
        姓名="王小明",
        出生日期=dt.date(2015, 3, 1),
        建档日期=dt.date(2026, 9, 1),
        身份证号=make_id("430102", dt.date(2015, 3, 1), 7, "男"),
        学籍号="",
        帮扶教师="张老师",
    )
    row.update(changes)
    return row


def record(**changes: Any) -> dict[str, Any]:
    """A valid 帮扶记录 row; keyword arguments override fields."""
    row = {c.header: c.example for c in RECORDS.columns}
    row.update(日期=dt.date(2026, 9, 15), 帮扶教师="张老师")
    row.update(changes)
    return row


def plan(**changes: Any) -> dict[str, Any]:
    row = {c.header: c.example for c in STUDY_PLANS.columns}
    row.update(changes)
    return row


def fill_sheet(workbook: Workbook, sheet: str, rows: Sequence[Row]) -> None:
    """Append rows under the template's header, by header name."""
    ws = workbook[sheet]
    headers = [c.value for c in ws[1]]
    for row in rows:
        ws.append([row.get(h) for h in headers])


def write_class_book(
    path: Path, students: Sequence[Row] = (), records: Sequence[Row] = (), plans: Sequence[Row] = ()
) -> Path:
    """A class workbook from the template holding the given rows."""
    wb = build_class_workbook(["张老师"])
    fill_sheet(wb, STUDENTS.name, students)
    fill_sheet(wb, RECORDS.name, records)
    fill_sheet(wb, STUDY_PLANS.name, plans)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


@pytest.fixture
def class_book(tmp_path: Path) -> Callable[..., Path]:
    """Factory: class_book(students=[...], records=[...], name='三年级2班.xlsx') → path."""

    def make(name: str = "三年级2班.xlsx", **rows: Sequence[Row]) -> Path:
        return write_class_book(tmp_path / name, **rows)

    return make


@pytest.fixture
def school(tmp_path: Path) -> Path:
    """A school folder with a master and one class (三年级2班, 张老师)."""
    folder = tmp_path / "学校"
    create_school(folder, "测试小学", "2026-2027")
    create_class(folder, "三年级2班", "张老师")
    return folder


@pytest.fixture
def run() -> Callable[..., Any]:
    """Invoke the CLI in-process; returns click's Result (stdout and stderr kept apart)."""
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


SID = "1SchoolSheet"


@pytest.fixture(scope="session")
def server():
    """The loopback fake of the Sheets API (tests/fake_sheets.py)."""
    from fake_sheets import serve

    fake, httpd, root = serve()
    yield fake, root
    httpd.shutdown()


@pytest.fixture
def fake(server, monkeypatch):
    """A clean fake holding one empty spreadsheet SID, reached through XLSYNC_SHEETS_API, with
    retries made fast (their delays are recorded in fake.delays)."""
    from xlsync.google.transport import RetryPolicy, SchoolHTTPClient

    state, root = server
    state.books.clear()
    state.log.clear()
    state.faults.clear()
    state.token_error = ""
    state.create(SID)
    monkeypatch.setenv("XLSYNC_SHEETS_API", root)
    delays: list[float] = []
    monkeypatch.setattr(
        SchoolHTTPClient,
        "policy",
        RetryPolicy(base_delay=0.01, max_delay=0.05, timeout=(2, 2), sleep=delays.append),
    )
    state.delays = delays
    return state


LO_OPEN = Path(__file__).parent / "lo_open.py"
needs_uno = pytest.mark.skipif(
    not shutil.which("soffice") or not Path("/usr/lib/python3/dist-packages/uno.py").exists(),
    reason="needs LibreOffice and Debian's python3-uno",
)


def open_in_libreoffice(path: Path, *arguments: str) -> str:
    """ "OPENED <first cell>" or "NOT OPENED": LibreOffice, through UNO, opening `path`
    (arguments: a password, --filter=NAME, --basic; see tests/lo_open.py)."""
    import subprocess

    done = subprocess.run(
        ["/usr/bin/python3", str(LO_OPEN), str(path), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr


def libreoffice_resave(path: Path, outdir: Path) -> Path:
    """`path` opened and saved again as .xlsx by LibreOffice, into `outdir` (its own profile)."""
    import subprocess

    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{outdir}/profile",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(outdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return outdir / path.name


def built_school(folder: Path, classes: int, children: int, seed: int) -> Path:
    """A generated school, consolidated as of 2026-11-30; returns its folder."""
    from xlsync.demo import DemoSize, generate_school
    from xlsync.jobs.consolidate import consolidate

    as_of = dt.date(2026, 11, 30)
    consolidate(generate_school(folder, as_of, DemoSize(classes, children), seed=seed), as_of=as_of)
    return folder


needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)
