"""Class workbooks near the size limits, written as sheet XML directly (seconds, not minutes).

    python tests/large_books.py OUT.xlsx [ROWS]   # a 学生档案 with ROWS formatted empty rows

The file is what a teacher gets by selecting whole columns of 学生档案 and giving them a border
or a fill: a few real children, then ROWS (default 299,000, just under the row limit) rows of
cells with a style and no value. benchmarks/README.md times `xlsync validate` on it;
tests/test_large_files.py checks what the readers and writers do with it.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import record, student, write_class_book  # noqa: E402

from xlsync.core.tables import column_letter  # noqa: E402
from xlsync.files.ooxml import sheet_parts  # noqa: E402

ROWS, COLUMNS = 299_000, 25


_letters = column_letter


def _empty_rows(first: int, count: int, columns: int) -> bytes:
    """`count` rows from `first` on, each with `columns` styled cells holding nothing."""
    letters = [_letters(c) for c in range(1, columns + 1)]
    rows = []
    for row in range(first, first + count):
        cells = "".join(f'<c r="{letter}{row}" s="1"/>' for letter in letters)
        rows.append(f'<row r="{row}" spans="1:{columns}" s="1" customFormat="1">{cells}</row>')
    return "".join(rows).encode()


def formatted_empty_rows(path: Path, rows: int = ROWS, columns: int = COLUMNS) -> Path:
    """A valid class workbook whose 学生档案 ends in `rows` formatted empty rows."""
    children = [student(姓名=f"学生{i:02d}", 身份证号="") for i in range(10)]
    write_class_book(path, students=children, records=[record(学生姓名="学生00")])
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    part = sheet_parts(source)["学生档案"]
    xml = source.read(part)
    last = max(int(n) for n in re.findall(rb'<row r="(\d+)"', xml))
    xml = xml.replace(b"</sheetData>", _empty_rows(last + 1, rows, columns) + b"</sheetData>")
    xml = re.sub(rb'(<dimension ref="A1:[A-Z]+)\d+"', rb'\g<1>%d"' % (last + rows), xml)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, xml if info.filename == part else source.read(info))
    path.write_bytes(out.getvalue())
    return path


if __name__ == "__main__":
    made = formatted_empty_rows(Path(sys.argv[1]), *(int(n) for n in sys.argv[2:3]))
    print(f"{made}: {made.stat().st_size / (1 << 20):.1f} MB")
