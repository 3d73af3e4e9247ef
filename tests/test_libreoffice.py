"""Files written by another program: LibreOffice re-saves the template and a filled class
workbook as .xls, .ods and .xlsx; the reader must get the same rows back and the drop-downs
must survive."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import needs_soffice, plan, record, student, write_class_book
from openpyxl import load_workbook

from xlsync.files.reader import read_class_workbook

pytestmark = [needs_soffice, pytest.mark.soffice]
FORMATS = {"xls": "xls:MS Excel 97", "ods": "ods", "xlsx": "xlsx:Calc MS Excel 2007 XML"}


def convert(sources: list[Path], target: str, outdir: Path, profile: Path) -> None:
    """Run LibreOffice headless; its own profile folder keeps parallel runs apart."""
    outdir.mkdir(exist_ok=True)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            FORMATS[target],
            "--outdir",
            str(outdir),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    base = tmp_path_factory.mktemp("lo")
    filled = write_class_book(
        base / "filled.xlsx",
        students=[
            student(),
            student(
                姓名="李小红",
                性别="女",
                学业情况="差",
                儿童类别="留守儿童、单亲家庭",
                身份证号="",
                监护人年龄=70,
            ),
        ],
        records=[record(), record(日期="2026-10-08", 帮扶类型="家访", 内容摘要="了解祖孙生活")],
        plans=[plan(学生姓名="李小红")],
    )
    template = Path(__file__).parent.parent / "workbook_templates" / "班级台账.xlsx"
    for target in FORMATS:
        convert([filled, template], target, base / target, base / "profile")
    return base, filled


def _typed_rows(path: Path) -> list[list[dict]]:
    book = read_class_workbook(path)
    return [t.data.reset_index().to_dict("records") for t in book.tables]


@pytest.mark.parametrize("target", list(FORMATS))
def test_reader_gets_the_same_rows_back(converted, target):
    base, filled = converted
    again = base / target / f"filled.{target}"
    assert _typed_rows(again) == _typed_rows(filled)
    assert read_class_workbook(again).findings == []


def _list_validations_xlsx(path: Path) -> set[str]:
    ws = load_workbook(path)["学生档案"]
    return {v.formula1 for v in ws.data_validations.dataValidation if v.type == "list"}


def test_drop_downs_survive_a_libreoffice_resave_as_xlsx(converted):
    base, _ = converted
    lists = _list_validations_xlsx(base / "xlsx" / "班级台账.xlsx")
    assert '"男,女"' in lists and '"在读,转出,休学,辍学,毕业"' in lists


def test_drop_downs_survive_as_ods(converted):
    base, _ = converted
    content = zipfile.ZipFile(base / "ods" / "班级台账.ods").read("content.xml").decode()
    assert "cell-content-is-in-list(&quot;男&quot;;&quot;女&quot;)" in content


def test_drop_downs_survive_as_xls(converted):
    base, _ = converted
    convert([base / "xls" / "班级台账.xls"], "xlsx", base / "xls-back", base / "profile")
    lists = _list_validations_xlsx(base / "xls-back" / "班级台账.xlsx")
    assert '"男,女"' in lists
