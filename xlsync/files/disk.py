"""Operating-system failures of the file edge (full disk, read-only folder, name too long) as
one Chinese `XlsyncError` a teacher can act on, instead of an OSError traceback."""

from __future__ import annotations

import errno
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from xlsync.errors import XlsyncError

_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)


def disk_error(path: Path, error: OSError) -> XlsyncError:
    """The Chinese message for `error` met while writing `path` (nothing was replaced)."""
    where = f"「{path}」"
    if error.errno in _FULL:
        why = "磁盘空间不足（或文件超过了系统允许的大小）。请清理磁盘或换一个有空间的文件夹后再试。"
    elif error.errno in _READ_ONLY:
        why = "没有写入权限（文件或文件夹是只读的）。请取消只读，或请电脑管理员给这个文件夹写入权限后再试。"
    elif error.errno == errno.ENAMETOOLONG:
        why = "文件名或路径太长。请把文件夹或文件名改短一些后再试。"
    else:
        why = f"系统报告：{error.strerror or error}。请检查磁盘和文件夹后再试。"
    return XlsyncError(f"无法写入{where}：{why}原来的文件没有被改动。")


def read_error(path: Path, error: OSError) -> XlsyncError:
    """The Chinese message for `error` met while reading `path` (e.g. no permission to read)."""
    if error.errno in _READ_ONLY:
        why = "没有读取权限。请在文件属性里给自己读取权限，或请电脑管理员帮忙后再试。"
    else:
        why = f"系统报告：{error.strerror or error}。请检查文件是否还在、磁盘是否正常后再试。"
    return XlsyncError(f"无法读取「{path}」：{why}")


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Turn an OSError met while reading `path` into its Chinese message."""
    try:
        yield
    except OSError as error:
        raise read_error(path, error) from None


def ensure_writable(path: Path) -> None:
    """Refuse, before any work or backup, to write `path` when the file or its folder is
    read-only: a rename would replace a read-only file (Linux, macOS), which the teacher made
    read-only so that nothing changes it."""
    if path.exists() and not os.access(path, os.W_OK):
        raise XlsyncError(
            f"「{path}」是只读文件，xlsync 没有改动它。如果要让 xlsync 写入，请在文件属性里"
            "取消“只读”（或请电脑管理员给写入权限）后再试。"
        )
    folder = path.parent
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        raise XlsyncError(
            f"文件夹「{folder}」是只读的（没有写入权限），xlsync 无法在里面保存「{path.name}」，"
            "原来的文件没有被改动。请给这个文件夹写入权限（或请电脑管理员帮忙）后再试。"
        )


CFB_MAGIC, CFB_SECTOR = bytes.fromhex("d0cf11e0a1b11ae1"), 512


def is_whole_workbook(path: Path) -> bool:
    """Whether `path` opens as a workbook package: a zip whose every member inflates intact and
    which holds a workbook part (a backup cut short by a full disk does not), or a whole
    compound file (an encrypted workbook: sector-aligned, so a cut one shows)."""
    try:
        with path.open("rb") as stream:
            if stream.read(8) == CFB_MAGIC:
                return path.stat().st_size % CFB_SECTOR == 0
    except OSError:
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            whole = archive.testzip() is None
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return False
    return whole and bool({"xl/workbook.xml", "content.xml"} & names)
