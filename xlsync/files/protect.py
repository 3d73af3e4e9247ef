"""Password-protected workbooks: the master can be kept encrypted (Office encryption, which
Excel, WPS and LibreOffice open with the password).

When XLSYNC_MASTER_PASSWORD is set, xlsync decrypts an encrypted workbook in memory when it
reads it, and encrypts the master when it writes it. Without it, an encrypted workbook is
refused with a message saying how to give the password.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from xlsync.errors import XlsyncError

PASSWORD_ENV = "XLSYNC_MASTER_PASSWORD"
EXPORT_PASSWORD_ENV = "XLSYNC_EXPORT_PASSWORD"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def password() -> str | None:
    return os.environ.get(PASSWORD_ENV) or None


_READING_EXPORTS: ContextVar[bool] = ContextVar("reading_exports", default=False)


@contextmanager
def reading_exports() -> Iterator[None]:
    """While reading the schools' exports (issue 23: `xlsync rollup`), an encrypted file is
    also tried with the export password. Only then: a workbook xlsync may rewrite is never
    opened with it, so it is never re-encrypted with another password."""
    token = _READING_EXPORTS.set(True)
    try:
        yield
    finally:
        _READING_EXPORTS.reset(token)


def read_passwords() -> list[str]:
    """The passwords an encrypted workbook is tried with: the master's, then (reading the
    schools' exports) the export's."""
    names = (PASSWORD_ENV, EXPORT_PASSWORD_ENV) if _READING_EXPORTS.get() else (PASSWORD_ENV,)
    return [key for name in names if (key := os.environ.get(name))]


def plain(path: Path, data: bytes) -> bytes:
    """The workbook's bytes, decrypted when it is an encrypted .xlsx/.xlsm."""
    if data[:8] != OLE_MAGIC or path.suffix.lower() not in (".xlsx", ".xlsm"):
        return data
    keys = read_passwords()
    if not keys:
        raise XlsyncError(
            f"「{path}」设置了打开密码。请设置环境变量 {_names()} 为这个密码后再运行，"
            "或在 Excel 中取消密码（文件 → 信息 → 保护工作簿）。"
        )
    for key in keys:
        decrypted = _decrypted(data, key)
        if decrypted is not None:
            return decrypted
    raise XlsyncError(f"「{path}」的密码不对（环境变量 {_names()}），或文件已损坏。")


def _names() -> str:
    """The environment variable(s) a password is read from here."""
    return f"{EXPORT_PASSWORD_ENV}（或 {PASSWORD_ENV}）" if _READING_EXPORTS.get() else PASSWORD_ENV


def _decrypted(data: bytes, key: str) -> bytes | None:
    """`data` decrypted with `key`; None when the key does not open it."""
    import msoffcrypto

    out = io.BytesIO()
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=key)
        office.decrypt(out)
    except Exception:  # msoffcrypto raises several types for a wrong password or a damaged file
        return None
    return out.getvalue()


def protected(data: bytes) -> bytes:
    """The master's bytes as they are saved: encrypted when a password is set."""
    key = password()
    return data if key is None else _encrypt(data, key)


def _encrypt(data: bytes, key: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(key, out)
    return out.getvalue()


def encrypted_like(path: Path, original: bytes, data: bytes) -> bytes:
    """`data` encrypted with the password when the file it replaces was encrypted (a class
    workbook as much as the master): a password is never silently removed."""
    if original[:8] != OLE_MAGIC or data[:8] == OLE_MAGIC:
        return data
    key = password()
    if key is None:  # not reachable: reading the original needed it
        raise XlsyncError(f"「{path}」设置了打开密码，请设置环境变量 {PASSWORD_ENV} 后再运行。")
    return _encrypt(data, key)
