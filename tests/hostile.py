"""Generate the corpus of damaged and hostile class workbooks in tests/data/hostile/.

    python tests/hostile.py        # rewrites the corpus (seeded: the same files every time)

Each file is named after what it is. tests/test_hostile_inputs.py runs `xlsync validate` on
every one of them under a time and memory limit.
"""

from __future__ import annotations

import io
import random
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).parent))
from conftest import record, student, write_class_book  # noqa: E402

CORPUS = Path(__file__).parent / "data" / "hostile"
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    'uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)


def _valid(path: Path) -> bytes:
    write_class_book(
        path,
        students=[student(), student(姓名="李小红", 性别="女", 身份证号="")],
        records=[record()],
    )
    return path.read_bytes()


def _rewrite(data: bytes, change: dict[str, bytes | None]) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = change.get(info.filename, source.read(info.filename))
            if body is not None:
                target.writestr(info, body)
        for name, body in change.items():
            if name not in source.namelist() and body is not None:
                target.writestr(name, body)
    return out.getvalue()


def _sheet_book(path: Path, build) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "学生档案"
    ws.append(["姓名", "性别", "出生日期", "监护人姓名"])
    ws.append(["王小明", "男", "2015-03-01", "王德贵"])
    build(wb, ws)
    wb.save(path)


NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FAR = b"<is><t>\xe8\xbf\x9c\xe5\xa4\x84</t></is>"  # 远处
# A cell typed at XFD1048576, spelled six ways a regex for `<c r="..."` misses (issue 14.6).
FAR_CELL_SPELLINGS = {
    "far-cell-t-before-r.xlsx": b'<row r="1048576"><c t="inlineStr" r="XFD1048576">'
    + FAR
    + b"</c></row>",
    "far-cell-single-quotes.xlsx": b"<row r='1048576'><c r='XFD1048576' t='inlineStr'>"
    + FAR
    + b"</c></row>",
    "far-cell-spaces-around-equals.xlsx": b'<row r = "1048576"><c r = "XFD1048576" t="inlineStr">'
    + FAR
    + b"</c></row>",
    "far-cell-lowercase.xlsx": b'<row r="1048576"><c r="xfd1048576" t="inlineStr">'
    + FAR
    + b"</c></row>",
    "far-cell-x-prefix.xlsx": b'<x:row xmlns:x="'
    + NS
    + b'" r="1048576"><x:c r="XFD1048576" t="inlineStr"><x:is><x:t>far</x:t></x:is></x:c></x:row>',
    "far-cell-without-r.xlsx": b'<row r="1048576">' + b"<c><v>1</v></c>" * 16384 + b"</row>",
}


def _far_cell(path: Path, row_xml: bytes) -> None:
    """A small sheet with `row_xml` appended to its sheetData."""
    _sheet_book(path, lambda wb, ws: None)
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    sheet = sheet.replace(b"</sheetData>", row_xml + b"</sheetData>")
    path.write_bytes(_rewrite(path.read_bytes(), {"xl/worksheets/sheet1.xml": sheet}))


def _zip_bomb(path: Path, gigabytes: float = 1.2) -> None:
    """A workbook whose sheet inflates from about a megabyte to over a gigabyte."""
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            for _ in range(int(gigabytes * 1024)):
                stream.write(chunk)


WEB_PAGE = (  # what 学籍/资助 platforms export as .xls: an HTML table (issue 18.5)
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
    '<body><table border="1"><tr><td colspan="4">三年级2班 留守儿童花名册</td></tr>'
    "<tr><th>学生姓名</th><th>性别</th><th>出生日期</th><th>监护人姓名</th></tr>"
    "<tr><td>王小明</td><td>男</td><td>2015-03-01</td><td>王德贵</td></tr></table></body></html>"
)
XML_2003 = (
    '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
    "<Worksheet><Table><Row><Cell><Data>姓名</Data></Cell></Row></Table></Worksheet></Workbook>"
)


def generate() -> list[Path]:
    rng = random.Random(2026)
    CORPUS.mkdir(parents=True, exist_ok=True)
    for old in CORPUS.iterdir():
        old.unlink()
    base = _valid(CORPUS / "valid-reference.xlsx")
    (CORPUS / "valid-reference.xlsx").unlink()
    files = {
        "truncated-zip.xlsx": base[: len(base) // 2],
        "corrupt-zip-bytes.xlsx": base[:600]
        + bytes(rng.randrange(256) for _ in range(400))
        + base[1000:],
        "not-a-workbook.xlsx": "这不是工作簿，只是一段文字。".encode(),
        "empty-file.xlsx": b"",
        "no-content-types.xlsx": _rewrite(base, {"[Content_Types].xml": None}),
        "wrong-content-types.xlsx": _rewrite(
            base, {"[Content_Types].xml": b"<Types>nonsense</Types>"}
        ),
        "xml-entity-bomb.xlsx": _rewrite(base, {"xl/sharedStrings.xml": BILLION_LAUGHS.encode()}),
        "gbk.csv": "姓名,性别,出生日期\n王小明,男,2015-03-01\n".encode("gbk"),
        "utf8.csv": "姓名,性别,出生日期\n王小明,男,2015-03-01\n".encode(),
        "utf8-bom.csv": "姓名,性别,出生日期\n王小明,男,2015-03-01\n".encode("utf-8-sig"),
        "binary-garbage.csv": bytes(rng.randrange(256) for _ in range(3000)),
        "web-page-gbk.xls": WEB_PAGE.encode("gbk"),
        "web-page-utf8-bom.xls": b"\xef\xbb\xbf" + WEB_PAGE.replace("gb2312", "utf-8").encode(),
        "xml-spreadsheet-2003.xls": XML_2003.encode(),
    }
    for name, data in files.items():
        (CORPUS / name).write_bytes(data)
    _sheet_book(CORPUS / "cell-at-XFD1048576.xlsx", lambda wb, ws: ws.cell(1048576, 16384, "远处"))
    _sheet_book(CORPUS / "merged-header-cells.xlsx", lambda wb, ws: ws.merge_cells("A1:B1"))
    _sheet_book(
        CORPUS / "formula-error-cells.xlsx",
        lambda wb, ws: setattr(ws["B2"], "data_type", "e") or ws.__setitem__("B2", "#REF!"),
    )
    _sheet_book(
        CORPUS / "ten-megabyte-text-cell.xlsx",
        lambda wb, ws: ws.__setitem__("E2", "字" * ((10 << 20) // 3)),
    )

    def hidden(wb, ws):
        wb.active = wb.index(wb.create_sheet("说明", 0))
        ws.sheet_state = "hidden"
        wb.create_sheet("秘密").sheet_state = "veryHidden"

    _sheet_book(CORPUS / "hidden-and-very-hidden-sheets.xlsx", hidden)
    _sheet_book(
        CORPUS / "sheet-name-with-spaces-and-punctuation.xlsx",
        lambda wb, ws: setattr(ws, "title", " 学生档案（2026·秋） "),
    )
    _sheet_book(CORPUS / "dimension-claims-whole-sheet.xlsx", lambda wb, ws: None)
    claim = CORPUS / "dimension-claims-whole-sheet.xlsx"
    claim.write_bytes(
        _rewrite(
            claim.read_bytes(),
            {
                "xl/worksheets/sheet1.xml": zipfile.ZipFile(claim)
                .read("xl/worksheets/sheet1.xml")
                .replace(b'<dimension ref="A1:D2"/>', b'<dimension ref="A1:XFD1048576"/>')
            },
        )
    )
    for name, row_xml in FAR_CELL_SPELLINGS.items():
        _far_cell(CORPUS / name, row_xml)
    _zip_bomb(CORPUS / "zip-bomb.xlsx")
    return sorted(CORPUS.iterdir())


if __name__ == "__main__":
    for path in generate():
        print(f"{path.stat().st_size:>10}  {path.name}")
