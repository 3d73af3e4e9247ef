"""Writing workbooks without ever losing what a teacher typed.

Three guards, used by every writer: a workbook open in Excel, WPS or LibreOffice (a lock
file beside it) is not overwritten; a workbook holding content openpyxl cannot carry over
is not rewritten in place; and every save is atomic (a temp file in the same folder, then
`os.replace`), so a crash leaves either the old or the new file, never half of one.
"""

from __future__ import annotations

import errno
import gc
import io
import os
import re
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook

from xlsync import faults
from xlsync.errors import XlsyncError
from xlsync.files.backup import back_up
from xlsync.files.disk import disk_error, ensure_writable, is_whole_workbook
from xlsync.files.extent import sheet_extent
from xlsync.files.kept import (
    Owned,
    Readback,
    ensure_kept,
    ensure_same_rows,
    keep_formula_results,
    owning,
    refuse_strict,
)
from xlsync.files.lock import process_alive as _alive
from xlsync.files.ooxml import parts_of_sheets, sheet_parts
from xlsync.files.protect import encrypted_like, plain
from xlsync.files.stamp import FileStamp, ensure_unchanged, read_stamp, remember_read, stamp_of

WRITABLE = (".xlsx", ".xlsm")

# Parts of an .xlsx/.xlsm that openpyxl drops or mangles on a load-and-save round trip.
_UNSUPPORTED_PARTS: tuple[tuple[str, str], ...] = (
    (r"^xl/media/", "图片"),
    (r"^xl/charts/chart", "图表"),
    (r"^xl/pivotTables/", "数据透视表"),
    (r"^xl/ctrlProps/", "表单控件"),
    (r"^xl/activeX/", "ActiveX 控件"),
    (r"^xl/embeddings/", "嵌入对象"),
    (r"^xl/slicers/", "切片器"),
    (r"^xl/timelines/", "日程表"),
    (r"^xl/threadedComments/", "Excel 365 的可回复批注（批注会变成一段英文说明）"),
)
_SHAPE = re.compile(rb"<xdr:sp[ >]")
# Excel 2010+ extensions in a sheet part (its extLst), which openpyxl drops.
_SHEET_EXTENSIONS: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (re.compile(rb"<x14:dataValidations[ >]"), "引用其他工作表的下拉列表（数据验证扩展）"),
    (re.compile(rb"<x14:sparklineGroups[ >]"), "迷你图"),
    (re.compile(rb"<x14:conditionalFormattings[ >]"), "新版条件格式（如图标集、数据条）"),
)


def lock_files(path: Path) -> list[Path]:
    """Lock files that Excel, WPS or LibreOffice keep beside a workbook while it is open."""
    name = path.name
    candidates = {f"~${name}", f"~${name[2:]}", f"~${name[1:]}", f".~{name}", f".~lock.{name}#"}
    return [path.with_name(c) for c in sorted(candidates) if path.with_name(c).exists()]


def ensure_not_open(path: Path) -> None:
    """Refuse to write a workbook that someone has open."""
    if lock_files(path):
        raise XlsyncError(
            f"「{path.name}」正在 Excel（或 WPS、LibreOffice）中打开，xlsync 没有改动它。"
            "请先保存并关闭这个文件，再运行一次。"
        )


def unsupported_content(path: Path, rebuilt_sheets: Iterable[str] = ()) -> list[str]:
    """What `path` holds that openpyxl cannot carry over, in Chinese; empty when none.

    Content pulled in only by `rebuilt_sheets` (sheets xlsync rebuilds, e.g. its own charts
    on 概览) does not count: it is made anew.
    """
    if not path.exists():
        return []
    data = plain(path, path.read_bytes())
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return []
    found: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        ours = parts_of_sheets(archive, rebuilt_sheets)
        names = [n for n in archive.namelist() if n not in ours]
        for pattern, label in _UNSUPPORTED_PARTS:
            if any(re.match(pattern, n) for n in names) and label not in found:
                found.append(label)
        if path.suffix.lower() == ".xlsx" and "xl/vbaProject.bin" in names:
            found.append("宏（VBA，.xlsx 文件不能保存宏）")
        found += _scan_xml(archive, names)
    return found


def _scan_xml(archive: zipfile.ZipFile, names: list[str]) -> list[str]:
    found = []
    drawings = [n for n in names if re.match(r"^xl/drawings/drawing\d+\.xml$", n)]
    if any(_SHAPE.search(archive.read(n)) for n in drawings):
        found.append("形状或文本框")
    sheets = [archive.read(n) for n in names if re.match(r"^xl/worksheets/sheet\d+\.xml$", n)]
    for pattern, label in _SHEET_EXTENSIONS:
        if any(pattern.search(xml) for xml in sheets):
            found.append(label)
    return found


def ensure_rewritable(path: Path, rebuilt_sheets: Iterable[str] = ()) -> None:
    """Refuse to rewrite in place a workbook whose content the writer would drop."""
    found = unsupported_content(path, rebuilt_sheets)
    if found:
        raise XlsyncError(
            f"「{path.name}」中有 xlsync 无法原样保留的内容：{'、'.join(found)}。"
            "为了不丢失这些内容，xlsync 没有改写它。请把这些内容移到另一个文件，"
            "或另存一份不含它们的副本后再试。"
        )


TEMP_MARK = ".xlsync-tmp"
STALE_TEMP_SECONDS = 15 * 60


def _remove_stale_temps(path: Path) -> None:
    """Temp files a killed run left beside `path`: its process is gone, or it is old."""
    for temp in path.parent.glob(f".{path.stem}.*{path.suffix}{TEMP_MARK}"):
        owner = temp.name[len(path.stem) + 2 :].split(".", 1)[0]
        try:
            dead = owner.isdigit() and not _alive(int(owner))
            if dead or time.time() - temp.stat().st_mtime > STALE_TEMP_SECONDS:
                temp.unlink()
        except OSError:
            pass


def atomic_write(
    path: Path, write: Callable[[Path], object], before_replace: Callable[[], None] | None = None
) -> None:
    """Call `write(temp_path)`, then move the temp file over `path` in one step
    (`before_replace` may still refuse, e.g. when the file changed meanwhile)."""
    ensure_not_open(path)
    ensure_writable(path)
    try:
        _write_and_replace(path, write, before_replace)
    except OSError as error:
        failure = disk_error(path, error)
    except Exception as error:
        standing_for = _lxml_io_error(error)
        if standing_for is None:
            raise
        failure = disk_error(path, standing_for)
    else:
        return
    _collect_quietly()  # outside the except block: the traceback no longer holds the writer
    raise failure


def _lxml_io_error(error: Exception) -> OSError | None:
    """The OSError behind lxml's SerialisationError("IO_EFBIG") — how openpyxl's writer
    reports a full disk when lxml is installed (the report extra brings it) — else None."""
    text = str(error)
    if type(error).__name__ != "SerialisationError" or not text.startswith("IO_"):
        return None
    return OSError(getattr(errno, text[3:], errno.EIO), text)


def _collect_quietly() -> None:
    """Finish off what a writer cut off by a full disk left behind (openpyxl's sheet streams,
    whose own cleanup hits the same error and would print it as a traceback): that is the
    error just reported in Chinese, not a new one."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _write_and_replace(
    path: Path, write: Callable[[Path], object], before_replace: Callable[[], None] | None
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(path)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.{os.getpid()}.", suffix=path.suffix + TEMP_MARK, dir=path.parent
    )
    os.close(handle)
    temp = Path(temp_name)
    try:
        write(temp)
        faults.reached("temp-written")
        os.chmod(temp, _mode_for(path))
        with temp.open("rb+") as stream:
            os.fsync(stream.fileno())
        if before_replace is not None:
            before_replace()
        faults.reached("before-replace")
        os.replace(temp, path)
        faults.reached("replaced")
    finally:
        temp.unlink(missing_ok=True)


def _mode_for(path: Path) -> int:
    """The existing file's permissions, or what a plain new file would get (mkstemp gives 0600)."""
    if path.exists():
        return path.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def save_workbook(
    workbook: object,
    path: Path,
    *,
    replacing: bool = True,
    rebuilt_sheets: Iterable[str] = (),
    finish: Callable[[bytes], bytes] | None = None,
    owned: Owned | None = None,
    readback: Readback | None = None,
) -> None:
    """Atomically save an openpyxl workbook to `path` (guards included); `finish` may adjust
    the saved package before it replaces the file. Replacing a file, the new package must hold
    all the old one held except what the writer `owned` (default: the rebuilt sheets); a
    `readback` gets the post-write check's read of what was written."""
    original = path.read_bytes() if replacing and path.exists() else None
    if original is not None:
        ensure_rewritable(path, rebuilt_sheets)
        ensure_not_open(path)
        ensure_writable(path)  # before the backup: a refused write leaves no copy behind
        back_up(path)
    owned = owned or owning(frozenset(rebuilt_sheets))

    def write(temp: Path) -> None:
        workbook.save(temp)  # type: ignore[attr-defined]
        data = temp.read_bytes()
        if original is not None:
            data = keep_formula_results(plain(path, original), data, owned)
        if finish is not None:
            data = finish(data)
        if original is not None:
            ensure_kept(path, plain(path, original), plain(path, data), owned, None, readback)
            data = encrypted_like(path, original, data)
            if readback is not None:
                readback.raw = data
        temp.write_bytes(data)

    atomic_write(path, write, _still_as_read(workbook, path, replacing))


def _still_as_read(workbook: object, path: Path, replacing: bool) -> Callable[[], None]:
    """The check run just before the replace: the file is still the version the workbook was
    loaded from (or, for a new file, still absent), so a save that landed meanwhile is kept."""
    expected = read_stamp(workbook, path) if replacing else None

    def check() -> None:
        if expected is not None:
            ensure_unchanged(path, expected)
        elif not replacing and path.exists():
            raise XlsyncError(
                f"「{path}」在 xlsync 写入期间被别的程序创建了，xlsync 没有覆盖它。"
                "请看看它是不是你要的文件，再重新运行一次。"
            )

    return check


def restore_backup(backup: Path, target: Path) -> None:
    """Put a backup back in place of `target` (whose current version is backed up first)."""
    if not is_whole_workbook(backup):
        raise XlsyncError(
            f"备份「{backup.name}」已损坏，打不开（可能是磁盘满时留下的不完整副本），"
            "xlsync 不会用它恢复。请选另一个备份（xlsync restore 会列出全部备份）。"
        )
    ensure_not_open(target)
    ensure_writable(target)
    back_up(target)
    atomic_write(target, lambda temp: temp.write_bytes(backup.read_bytes()))


@dataclass(frozen=True)
class ReadBook:
    """A workbook file read for the package-level writer: its bytes, decrypted, and stamp."""

    raw: bytes
    content: bytes
    stamp: FileStamp


def read_for_update(path: Path) -> ReadBook:
    """Read a workbook xlsync will patch, with the refusals `open_for_update` makes."""
    _ensure_writable_kind(path)
    ensure_not_open(path)
    raw = path.read_bytes()
    content = plain(path, raw)
    refuse_strict(path, content)
    ensure_small_enough(path, io.BytesIO(content))
    return ReadBook(raw, content, stamp_of(path, raw))


def replace_package(
    path: Path,
    read: ReadBook,
    data: bytes,
    owned: Owned,
    changed: Iterable[str],
    readback: Readback | None = None,
) -> None:
    """Put a patched package (`data`, plain) in place of the file `read` was, with every guard
    of `save_workbook`: refusal of content xlsync would drop, of an open file, a backup, the
    post-write check, and an atomic replace only while the file is still the version read.
    The check compares the `changed` sheets cell by cell; every other sheet must keep its
    <sheetData> byte for byte. A `readback` gets the check's read of what was written."""
    ensure_rewritable(path)
    ensure_not_open(path)
    ensure_writable(path)
    back_up(path)
    compared = set(changed)

    def write(temp: Path) -> None:
        same = ensure_same_rows(path, read.content, data, compared)
        if readback is not None:  # those sheets read as in the original: not read again
            readback.same_rows = same
        ensure_kept(path, read.content, data, owned, compared.__contains__, readback)
        raw = encrypted_like(path, read.raw, data)
        temp.write_bytes(raw)
        if readback is not None:
            readback.raw = raw

    atomic_write(path, write, lambda: ensure_unchanged(path, read.stamp))


def open_for_update(
    path: Path, prepare: Callable[[bytes], bytes | io.BytesIO] = lambda data: data
) -> Workbook:
    """Load a workbook that xlsync will write back (saving it re-checks for content the writer
    would drop, so that is not read twice here); `prepare` as for `load_remembered`."""
    _ensure_writable_kind(path)
    ensure_not_open(path)
    return load_remembered(path, prepare)


def _ensure_writable_kind(path: Path) -> None:
    if path.suffix.lower() not in WRITABLE:
        raise XlsyncError(
            f"「{path.name}」是 {path.suffix} 文件，xlsync 只能写入 .xlsx 或 .xlsm。"
            "请在 Excel 或 WPS 中另存为 .xlsx 后再运行。"
        )


def load_remembered(path: Path, prepare: Callable[[bytes], bytes | io.BytesIO]) -> Workbook:
    """Load `path` (its decrypted bytes passed through `prepare`) and remember the version
    read, so that saving it back refuses when another program saved the file meanwhile."""
    data = path.read_bytes()
    read = stamp_of(path, data)
    content = plain(path, data)
    refuse_strict(path, content)  # openpyxl would read it as an empty workbook
    prepared = prepare(content)
    source = prepared if isinstance(prepared, io.BytesIO) else io.BytesIO(prepared)
    ensure_small_enough(path, source)
    workbook = load_workbook(source, keep_vba=path.suffix.lower() == ".xlsm", rich_text=True)
    remember_read(workbook, path, read)
    return workbook


MAX_REWRITE = 32 << 20  # sheet XML openpyxl loads and saves on a school PC (≈ 500,000 cells)


def ensure_small_enough(path: Path, source: io.BytesIO) -> None:
    """Refuse, before openpyxl loads it (minutes, then a MemoryError), a workbook with a sheet
    too large to rewrite: most often thousands of formatted empty rows under the data."""
    with zipfile.ZipFile(source) as archive:
        names = set(archive.namelist())
        for name, part in sheet_parts(archive).items():
            size = archive.getinfo(part).file_size if part in names else 0
            if size > MAX_REWRITE:
                with archive.open(part) as stream:
                    rows = sheet_extent(stream).rows
                raise XlsyncError(
                    f"「{path.name}」的工作表「{name}」有 {size >> 20} MB，太大，xlsync 无法安全地"
                    f"改写它，所以没有动它（校验和汇总照常进行）。有内容的单元格只到第 {rows} 行，"
                    "下面多半是设置了格式（边框、底色）的空行：请在 Excel 中选中第 "
                    f"{rows + 1} 行，按 Ctrl+Shift+↓ 选到最后一行，右键“删除”，保存后再试。"
                    "如果这些行确实都有数据，请把旧的记录移到另一个工作簿。"
                )
    source.seek(0)
