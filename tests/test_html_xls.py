"""Web pages named .xls (issue 18.5): an HTML table exported by a 学籍 or 资助 platform is read
like a sheet (title rows, aliases, merged cells); the XML Spreadsheet 2003 form is named with
the way to turn it into .xlsx."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from xlsync.core.idcard import make_id
from xlsync.files.html_table import HTML, SPREADSHEET_XML, html_grids, sniff
from xlsync.files.reader import read_class_workbook

ID = make_id("430102", dt.date(2015, 3, 1), 7, "男")


def export_page(charset: str = "gb2312", meta: bool = True) -> str:
    """What such a platform writes: a title row spanning the table, headers in <th>, an ID
    kept as text by mso-number-format, &nbsp; in empty cells."""
    head = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if meta else ""
    )
    return f"""<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head>{head}
<style>td {{mso-number-format:"\\@";}}</style></head><body>
<table border="1">
<tr><td colspan="8" align="center"><b>某某镇中心小学 三年级2班 留守儿童花名册</b></td></tr>
<tr><th>序号</th><th>学生姓名</th><th>性别</th><th>出生日期</th><th>身份证号</th>
<th>儿童类别</th><th>监护人姓名</th><th>监护人电话</th></tr>
<tr><td>1</td><td>王小明</td><td>男</td><td>2015-03-01</td><td style="mso-number-format:'\\@'">{ID}</td>
<td>留守儿童</td><td>王德贵</td><td>13812345678</td></tr>
<tr><td>2</td><td>李&nbsp;小红</td><td>女</td><td>2015/9/1</td><td>&nbsp;</td>
<td>孤儿</td><td>李大山</td><td>0731-84561234</td></tr>
</table></body></html>"""


@pytest.mark.parametrize(
    "encoded",
    [
        export_page().encode("gbk"),
        export_page("utf-8").encode(),
        b"\xef\xbb\xbf" + export_page(meta=False).encode(),
        export_page(meta=False).encode("gbk"),  # GBK that says nothing: decoded as GB18030
    ],
    ids=["gbk-declared", "utf8-declared", "utf8-bom", "gbk-undeclared"],
)
def test_a_web_page_named_xls_is_read_as_its_table(tmp_path, encoded):
    path = tmp_path / "学籍系统导出.xls"
    path.write_bytes(encoded)
    book = read_class_workbook(path)
    data = book.students.data
    assert list(data.index) == [3, 4]  # Excel row numbers under the title row
    assert list(data["姓名"]) == ["王小明", "李小红"]  # alias 学生姓名; &nbsp; folded away
    assert data.at[3, "身份证号"] == ID  # 18 digits as text: nothing lost to a number
    assert data.at[4, "出生日期"] == dt.date(2015, 9, 1)
    assert book.students.extra_columns == ["序号"]
    assert book.students.place(3, "身份证号").cell == "E3"


def test_validate_reports_the_page_like_any_class_file(tmp_path, run):
    path = tmp_path / "三年级2班.xls"
    path.write_bytes(export_page().encode("gbk"))
    result = run("validate", path, "--as-of", "2026-11-30", "--format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1 and doc["files"][0]["children"] == 2
    codes = {i["code"] for i in doc["issues"]}
    assert codes == {"column-missing", "required-conditional"}  # a roster export: no 提示
    assert "CalamineError" not in result.stdout + result.stderr


def test_xml_spreadsheet_2003_is_named_with_the_way_to_convert_it(tmp_path, run):
    path = tmp_path / "资助名单.xls"
    path.write_text(
        '<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S">'
        "</Worksheet></Workbook>",
        encoding="utf-8",
    )
    result = run("validate", path)
    assert result.exit_code == 2
    assert "XML 电子表格 2003" in result.output and "另存为" in result.output


def test_a_page_without_a_table_says_so(tmp_path, run):
    path = tmp_path / "导出.xls"
    path.write_text("<!DOCTYPE html><html><body>会话已过期，请重新登录</body></html>", "utf-8")
    result = run("validate", path)
    assert result.exit_code == 2 and "网页（HTML）文件，里面没有表格" in result.output


def test_sniff_tells_pages_from_workbooks():
    assert sniff(export_page().encode("gbk")) == HTML
    assert sniff(b"\xff\xfe" + "<table><tr><td>1</td></tr></table>".encode("utf-16-le")) == HTML
    assert (
        sniff(
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
        )
        == SPREADSHEET_XML
    )
    assert sniff(b"PK\x03\x04rest") is None and sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") is None
    assert sniff("姓名,性别\n王小明,男\n".encode()) is None


def test_rows_and_cells_without_their_end_tags_are_read_as_browsers_do():
    page = "<table><tr><td>姓名<td>性别<tr><td>王小明<td>男</table><p>页脚</p>"
    assert html_grids(page.encode()) == {"表1": [["姓名", "性别"], ["王小明", "男"]]}


def test_merged_cells_leave_empty_cells_as_in_excel():
    page = (
        "<table><caption>名单</caption>"
        '<tr><td rowspan="2">甲</td><td colspan="2">乙</td><td rowspan="2">丁</td></tr>'
        "<tr><td>丙</td><td>戊</td></tr>"
        "<tr><td>1</td><td>2<br>3</td><td>4</td><td>5</td></tr></table>"
    )
    assert html_grids(page.encode()) == {
        "名单": [
            ["甲", "乙", None, "丁"],
            [None, "丙", "戊", None],
            ["1", "2 3", "4", "5"],
        ]
    }
