"""Read any workbook file a school has into grids of raw cells, then into typed tables.

.xlsx/.xlsm/.xls/.ods go through python-calamine (fast, and it reads all four);
.csv is decoded as UTF-8 (with or without BOM) or, failing that, GB18030 (a superset of the
GBK that Chinese Excel and WPS write). Every failure is one Chinese `XlsyncError`.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import python_calamine

from xlsync import faults
from xlsync.core.classbook import ClassBook, assemble_class_book
from xlsync.core.tables import Grid
from xlsync.core.workbook_kind import check_class_book
from xlsync.errors import XlsyncError
from xlsync.files.disk import reading
from xlsync.files.error_cells import error_cells
from xlsync.files.extent import Extent, sheet_extent, trimmed
from xlsync.files.html_table import HTML, html_grids, sniff
from xlsync.files.isolate import in_child
from xlsync.files.ooxml import edit_sheets, sheet_parts
from xlsync.files.protect import plain

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
MAX_UNPACKED = 1 << 30  # bytes a workbook may unpack to (a zip bomb claims far more)
MAX_RATIO = 1000  # compression ratio of one large part beyond which it is a bomb
# Sheet XML one class workbook can hold: 5,000 records come to a few MB; 25 whole columns
# formatted down to row 300,000 (tests/large_books.py, still read: issue 14.7) to 170 MB. A
# part beyond it is refused while it is inflated, whatever the zip header claims (a bomb of
# empty rows stays under MAX_RATIO and MAX_UNPACKED), in about a second and without memory.
CLASS_PART_LIMIT = 256 << 20
MAX_ROWS, MAX_COLUMNS, MAX_CELLS = 300_000, 1_000, 30_000_000  # a sheet's used range
MAX_CSV = 100 << 20
READABLE_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv")
ZIP_MAGIC = b"PK\x03\x04"


def read_class_workbook(
    path: str | Path, name: str | None = None, school_year: int | None = None
) -> ClassBook:
    """The typed tables of one class workbook file; `name` is how findings refer to it and
    `school_year` dates a day typed without its year. The master given instead is refused as
    such."""
    grids = load_grids(path)
    check_class_book(grids, name or path)
    return assemble_class_book(grids, name or str(path), school_year)


def written_class_book(
    path: Path, data: bytes, grids: dict[str, Grid], name: str, school_year: int | None
) -> ClassBook:
    """What `read_class_workbook(path, name, school_year)` gives for the class workbook xlsync
    has just written to `path` as the package `data` (decrypted), taken from the grids
    python-calamine read of `data` for the post-write check (files/kept.py): the formula
    errors are put in and the book is typed, as the reader does. The measuring pass before
    calamine is not repeated: every sheet of `data` is the class file this run has read (and
    measured) already, or xlsync's own few new cells and sheets."""
    with_errors(path, data, grids)
    check_class_book(grids, name)
    return assemble_class_book(grids, name, school_year)


def with_errors(
    path: Path, data: bytes, grids: dict[str, Grid], sheets: Iterable[str] | None = None
) -> None:
    """Put into `grids` (python-calamine's of the package `data`) the text of each formula
    error cell of the named sheets (all when None), where calamine left '' (as the reader)."""
    with _library_errors(path):
        _put_errors(grids, error_cells(io.BytesIO(data), sheets))


def load_grids(
    path: str | Path,
    only: Callable[[str], bool] | None = None,
    part_limit: int = CLASS_PART_LIMIT,
) -> dict[str, Grid]:
    """The sheets of `path` (those `only` accepts) as grids (grid[0][0] is A1), by sheet name;
    a sheet read may unpack to `part_limit` bytes of XML (the master passes a larger one)."""
    path = Path(path)
    _check_readable(path)
    with reading(path):  # no permission to read it, a network drive gone, …
        if path.suffix.lower() == ".csv":
            return {path.stem: _read_csv(path)}
        return _read_workbook(path, only or (lambda name: True), part_limit)


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise XlsyncError(f"找不到文件「{path}」，请检查路径是否写对。")
    if path.is_dir():
        raise XlsyncError(f"「{path}」是文件夹，不是工作簿文件。")
    if path.suffix.lower() not in READABLE_SUFFIXES:
        raise XlsyncError(
            f"「{path}」不是能读取的表格文件，应为 {'、'.join(READABLE_SUFFIXES)} 之一。"
        )


@dataclass
class _Checked:
    """What the checks before calamine found: is the package odd, which sheets to trim."""

    odd: bool = False
    trims: dict[str, int] = field(default_factory=dict)  # sheet → offset of its data end
    erring: set[str] | None = None  # sheets with an error cell (t="e"); None: not measured


def _check_package(
    path: Path, data: bytes, only: Callable[[str], bool], part_limit: int
) -> _Checked:
    """Refuse, before anything unpacks it, a zip bomb or a sheet with a cell typed far away;
    say whether the package is odd enough to be read in a child process (files/isolate.py)
    and which sheets end in many formatted empty rows."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_size(path, archive.infolist())
            checked = _check_ranges(path, archive, only, part_limit)
            for part in (n for n in archive.namelist() if n.lower() == "xl/sharedstrings.xml"):
                _check_unpacked(path, "共享字符串", archive, part, part_limit)
            checked.odd = checked.odd or _odd_strings(archive)
            return checked
    except zipfile.BadZipFile:
        raise XlsyncError(
            f"「{path}」不是有效的 Excel 工作簿（文件内容已损坏或格式不对）。"
        ) from None


def _check_size(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip that would unpack to more than MAX_UNPACKED."""
    total = sum(m.file_size for m in members)
    bomb = any(
        m.file_size > 10 << 20 and m.file_size > MAX_RATIO * max(m.compress_size, 1)
        for m in members
    )
    if total > MAX_UNPACKED or bomb:
        raise XlsyncError(
            f"「{path}」解压后有 {total / (1 << 30):.1f} GB，远超正常的工作簿，"
            "可能已损坏或是恶意文件，xlsync 没有打开它。"
        )


def _check_ranges(
    path: Path, archive: zipfile.ZipFile, only: Callable[[str], bool], part_limit: int
) -> _Checked:
    """Refuse, before python-calamine lays a sheet out (it aborts the process when a sheet's
    used range needs more memory than there is), a sheet with a cell typed far away, or one
    that unpacks to more than `part_limit`."""
    if "xl/workbook.xml" not in archive.namelist():
        return _Checked(odd=True)  # not OOXML (an .ods): not measured here, so read in a child
    checked, erring = _Checked(), set()
    for name, part in sheet_parts(archive).items():
        if only(name) and part in archive.namelist():
            _check_unpacked(path, name, archive, part, part_limit)
            with archive.open(part) as stream:
                extent = sheet_extent(stream)
            _check_range(path, name, extent.rows, extent.columns)
            checked.odd = checked.odd or _odd(extent)
            if extent.errors:
                erring.add(name)
            if extent.data_end is not None and extent.size - extent.data_end > TRIM_AT:
                checked.trims[name] = extent.data_end
    checked.erring = erring
    return checked


def _check_unpacked(path: Path, name: str, archive: zipfile.ZipFile, part: str, limit: int) -> None:
    """Refuse a part that unpacks to more than `limit`: by the size the zip claims, then by
    inflating its deflate stream a megabyte at a time (nothing kept), which a false size in
    the header cannot stop early."""
    info = archive.getinfo(part)
    if info.file_size > limit or _inflated(archive, info, limit) > limit:
        raise XlsyncError(
            f"「{path}」的「{name}」解压后超过 {limit >> 20} MB，远超一本班级台账能有的内容"
            "（5000 条帮扶记录也只有几 MB），多半是下方有成千上万行设了格式的空行，"
            "也可能已损坏或是恶意文件，xlsync 没有读取它。如果这是真的台账，请在 Excel 中选中"
            "最后一行内容下方的所有行，删除后保存，再试一次。"
        )


def _inflated(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> int:
    """Bytes the part's data inflate to, counted up to just past `limit`."""
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return info.compress_size  # stored: the bytes are the content
    raw = archive.fp
    assert raw is not None
    raw.seek(info.header_offset + 26)
    name_length, extra_length = struct.unpack("<HH", raw.read(4))
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    stream, seen, step = zlib.decompressobj(-15), 0, 1 << 20
    while seen <= limit and not stream.eof:
        data = stream.unconsumed_tail or raw.read(step)
        if not data:
            break
        seen += len(stream.decompress(data, step))
    return seen


TRIM_AT = 1 << 20  # bytes of formatted empty rows past the data worth cutting before reading


def _odd(extent: Extent) -> bool:
    """A sheet not spelled as spreadsheet programs write it, or whose <dimension> says less
    than its cells reach or more than the limits: not what calamine is used to reading.
    (A writer that always claims `A1` makes every file of it odd: half a second each.)"""
    claimed = extent.claimed
    lies = claimed is not None and (
        claimed[0] < extent.rows
        or claimed[1] < extent.columns
        or claimed[0] > MAX_ROWS
        or claimed[1] > MAX_COLUMNS
    )
    return not extent.plain or lies


_COUNT = re.compile(rb'\b(?:count|uniqueCount)\s*=\s*["\']\s*(\d+)')


def _odd_strings(archive: zipfile.ZipFile) -> bool:
    """Shared strings claiming more strings than the part could hold (calamine reserves room
    for the count it is told, and aborts when that is absurd)."""
    part = next((n for n in archive.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    if part is None:
        return False
    with archive.open(part) as stream:
        head = stream.read(4096)
    size = archive.getinfo(part).file_size
    return any(int(n) > max(size, MAX_CELLS) for n in _COUNT.findall(head))


def _check_range(path: Path, name: str, height: int, width: int) -> None:
    """Refuse a sheet whose used range would take gigabytes to lay out (a cell typed far away)."""
    if height > MAX_ROWS or width > MAX_COLUMNS or height * width > MAX_CELLS:
        raise XlsyncError(
            f"「{path}」的工作表「{name}」已用范围是 {height} 行 × {width} 列，远超班级台账，"
            "多半是远处有误填的单元格。请在 Excel 中按 Ctrl+End 找到并删除它们后再试。"
        )


SNAPSHOT_TRIES, SNAPSHOT_WAIT = 4, 0.15


def snapshot(path: Path) -> bytes:
    """The file's bytes, read while it did not change; a file being saved (it changes during
    the read, or is not yet a whole zip) is read again a little later."""
    for attempt in range(SNAPSHOT_TRIES):
        before = path.stat()
        data = path.read_bytes()
        after = path.stat()
        steady = (
            (before.st_size, before.st_mtime_ns)
            == (after.st_size, after.st_mtime_ns)
            == (len(data), after.st_mtime_ns)
        )
        whole = data[:4] != ZIP_MAGIC or _is_whole_zip(data)
        if steady and whole:
            return data
        time.sleep(SNAPSHOT_WAIT * (attempt + 1))
    return data  # still not whole: the parser reports it as damaged


def _is_whole_zip(data: bytes) -> bool:
    """True when the zip's central directory (written last) is there and readable."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)):
            return True
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def _read_workbook(path: Path, only: Callable[[str], bool], part_limit: int) -> dict[str, Grid]:
    data = plain(path, snapshot(path))
    if kind := sniff(data):
        return _web_page_grids(path, data, kind, only)
    head = data[:8]
    if path.suffix.lower() != ".xls" and head[:4] != ZIP_MAGIC:
        raise XlsyncError(f"「{path}」不是有效的 Excel 工作簿（文件内容已损坏或格式不对）。")
    zipped = head[:4] == ZIP_MAGIC
    checked = _check_package(path, data, only, part_limit) if zipped else _Checked(True)
    if checked.trims:  # formatted empty rows: calamine and the error scan skip them anyway
        data = edit_sheets(
            data, {n: partial(trimmed, data_end=e) for n, e in checked.trims.items()}
        )
    read = _isolated_grids if checked.odd else _calamine_grids
    grids = read(path, data, only)
    erring = grids.keys() if checked.erring is None else checked.erring & grids.keys()
    if path.suffix.lower() in (".xlsx", ".xlsm") and erring:  # most files: no sheet to scan
        with _library_errors(path):
            found = error_cells(io.BytesIO(data), erring)
        _put_errors(grids, found)
    return grids


def _web_page_grids(
    path: Path, data: bytes, kind: str, only: Callable[[str], bool]
) -> dict[str, Grid]:
    """A web page named .xls is read table by table; the XML Spreadsheet 2003 form is named
    with the way to turn it into .xlsx."""
    if kind != HTML:
        raise XlsyncError(
            f"「{path}」其实是“XML 电子表格 2003”格式的文本文件，不是真正的 Excel 工作簿，"
            "xlsync 不能直接读取。请用 Excel 或 WPS 打开它，另存为“Excel 工作簿 (.xlsx)”后再试。"
        )
    if len(data) > MAX_CSV:
        raise XlsyncError(f"「{path}」有 {len(data) >> 20} MB，远超班级台账，xlsync 没有读取。")
    grids: dict[str, Grid] = {n: g for n, g in html_grids(data).items() if only(n)}
    if not grids:
        raise XlsyncError(
            f"「{path}」其实是网页（HTML）文件，里面没有表格。请从原系统重新导出，"
            "或用 Excel、WPS 打开后另存为“Excel 工作簿 (.xlsx)”。"
        )
    for name, grid in grids.items():
        _check_range(path, name, len(grid), max(map(len, grid), default=0))
    return grids


def _isolated_grids(path: Path, data: bytes, only: Callable[[str], bool]) -> dict[str, Grid]:
    """The grids as `_calamine_grids` gives them, read in a child process (files/isolate.py):
    the sheets measured above, or every sheet of a file that could not be measured."""
    wanted = None
    if data[:4] == ZIP_MAGIC:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" in archive.namelist():
                wanted = frozenset(name for name in sheet_parts(archive) if only(name))
    grids = in_child(path, _grids_in_child, path, data, wanted)
    return {name: grid for name, grid in grids.items() if only(name)}


def _grids_in_child(path: Path, data: bytes, wanted: frozenset[str] | None) -> dict[str, Grid]:
    faults.reached("isolated-read")  # lets a test see that the read ran in the child
    return _calamine_grids(path, data, lambda name: wanted is None or name in wanted)


# What the libraries raise for a damaged file. Only the calls into them are guarded, so a bug
# in xlsync's own code surfaces as the bug it is, never as "the file may be damaged".
DAMAGED = (
    python_calamine.CalamineError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ValueError,
    OverflowError,
    KeyError,
)


@contextmanager
def _library_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except python_calamine.PasswordError:
        raise XlsyncError(
            f"「{path}」设置了打开密码，xlsync 无法读取。请取消密码后再试。"
        ) from None
    except DAMAGED as err:
        raise XlsyncError(
            f"「{path}」无法读取，文件可能已损坏（{type(err).__name__}）。"
            "请在 Excel 中打开后另存为 .xlsx 再试。"
        ) from None


def _calamine_grids(path: Path, data: bytes, only: Callable[[str], bool]) -> dict[str, Grid]:
    """The wanted sheets as python-calamine lays them out, each checked for size first."""
    with _library_errors(path):
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [name for name in book.sheet_names if only(name)]
    grids: dict[str, Grid] = {}
    for name in names:
        with _library_errors(path):
            sheet = book.get_sheet_by_name(name)
        _check_range(path, name, sheet.height, sheet.width)
        with _library_errors(path):
            grids[name] = sheet.to_python(skip_empty_area=False)
    return grids


def _put_errors(grids: dict[str, Grid], errors: dict[str, dict[tuple[int, int], str]]) -> None:
    """Write error texts into the grids where calamine left '' (see files/error_cells.py)."""
    for sheet, cells in errors.items():
        grid = grids.get(sheet)
        for (row, column), text in cells.items():
            if grid is not None and row <= len(grid) and column <= len(grid[row - 1]):
                grid[row - 1][column - 1] = text  # type: ignore[index]


def _read_csv(path: Path) -> Grid:
    if path.stat().st_size > MAX_CSV:
        raise XlsyncError(
            f"「{path}」有 {path.stat().st_size >> 20} MB，远超班级台账，xlsync 没有读取。"
        )
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise XlsyncError(f"「{path}」的文字编码无法识别，请在 Excel 中另存为 UTF-8 CSV 或 .xlsx。")
    rows: list[list[Any]] = list(csv.reader(io.StringIO(text, newline="")))
    return rows
