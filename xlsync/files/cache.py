"""The consolidation cache beside the master (.xlsync/cache/): parsed class workbooks keyed by
content hash, the last good data of each file, the previous run's fingerprint and snapshot.

It holds derived copies of the same personal data as the master, so it shares its protection:
data files (`books/*.json.z`, `state.json.z`) are JSON, never pickle, and are encrypted with
the master's password when one is set (XLSYNC_MASTER_PASSWORD); `index.json` holds only hashes
(of paths and contents) and the fingerprint of xlsync's code, so that a parse made by other
code is never served. Deleting the folder is always safe (the next run re-reads everything).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import xlsync
from xlsync import __version__
from xlsync.core.classbook import ClassBook
from xlsync.core.tables import Table
from xlsync.files import cache_codec as codec
from xlsync.files.protect import password
from xlsync.files.safe_write import atomic_write

CACHE_DIR = Path(".xlsync") / "cache"
BOOK_SUFFIX = ".json.z"


@cache
def code_fingerprint() -> str:
    """The version, python-calamine's version and a hash of xlsync's own source: a parse or a
    run made by other code (a stricter normaliser, a new rule, a new schema, another cache
    format) is never served from the cache."""
    package = Path(xlsync.__file__).parent
    digest = hashlib.sha256(f"{__version__}|{version('python-calamine')}".encode())
    for source in sorted(package.rglob("*.py")):
        digest.update(str(source.relative_to(package)).encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def content_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _hashed(path: Path) -> str:
    """How the index names a file: a hash, so that no name or path is kept in clear."""
    return hashlib.sha256(str(path).encode()).hexdigest()


def _bytes(data: bytes) -> Callable[[Path], None]:
    """A writer for atomic_write."""

    def write(temp: Path) -> None:
        temp.write_bytes(data)

    return write


class Cache:
    """Read at the start of a run, saved at its end."""

    def __init__(self, master: Path, school_year: int | None = None) -> None:
        self.folder = master.parent / CACHE_DIR
        self.index_path = self.folder / "index.json"
        self.state_path = self.folder / f"state{BOOK_SUFFIX}"
        self.school_year = school_year  # dates typed without a year are read in it
        self.code = f"{code_fingerprint()}|{school_year}"
        self.index: dict[str, Any] = self._load_index()
        self.key = self._key()
        self.state: dict[str, Any] = self._read(self.state_path) or {}
        if not self.index["files"]:  # other code (or a new cache): the last run proves nothing
            self.state.pop("fingerprint", None)
        self.used: set[str] = set()
        self.pieces: set[str] = set()  # piece files this run read or wrote

    def _load_index(self) -> dict[str, Any]:
        """The index when the same reading code and protection wrote it, else a fresh one."""
        try:
            index = json.loads(self.index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            index = {}
        same = isinstance(index, dict) and index.get("code") == self.code
        if same and index.get("sealed") == (password() is not None):
            return index
        return {"code": self.code, "sealed": password() is not None, "files": {}}

    def _key(self) -> bytes | None:
        if password() is None:
            return None
        self.index.setdefault("salt", os.urandom(16).hex())
        return codec.derive_key(password() or "", bytes.fromhex(self.index["salt"]))

    def _read(self, path: Path) -> Any:
        try:
            return codec.unseal(path.read_bytes(), self.key)
        except (OSError, codec.CacheDataError):
            return None

    def _book_path(self, path: Path, digest: str) -> Path:
        return self._book_file(_hashed(path), digest)

    def _book_file(self, hashed: str, digest: str) -> Path:
        """Named by code, file and content, so that no other code's parse is ever found."""
        key = hashlib.sha256(f"{self.code}\n{hashed}\n{digest}".encode()).hexdigest()
        return self.folder / "books" / f"{key}{BOOK_SUFFIX}"

    def _book_text(self, path: Path, digest: str) -> bytes | None:
        try:
            return codec.unseal_bytes(self._book_path(path, digest).read_bytes(), self.key)
        except (OSError, codec.CacheDataError):
            return None

    def book(self, path: Path, digest: str) -> ClassBook | None:
        """The parsed workbook of this exact file content, if an earlier run kept it."""
        text = self._book_text(path, digest)
        try:
            book = codec.book_from_json(text) if text is not None else None
        except codec.CacheDataError:
            book = None
        if book is not None:
            self.used.add(str(path))
        return book

    def keep(self, path: Path, digest: str, book: ClassBook) -> None:
        """Remember a freshly parsed workbook as the last good data of `path`."""
        try:
            text, _ = codec.book_json(book)
        except TypeError:  # a value the data format cannot hold: parse again next time
            return
        self._keep_text(path, digest, text)

    def keep_refreshed(self, path: Path, digest: str, before: str, students: Table) -> bool:
        """Remember the content `digest` of `path`, which xlsync has just refreshed from the
        content `before` and whose class tables but 学生档案 read exactly as before, as the book
        kept of `before` with `students` for its 学生档案. False (nothing kept) when that book
        is not here or its 学生档案's typed data differ."""
        text = self._book_text(path, before)
        try:
            new = codec.with_students(text, students) if text is not None else None
        except TypeError:  # a value the data format cannot hold
            return False
        if new is None:
            return False
        self._keep_text(path, digest, new)
        return True

    def _keep_text(self, path: Path, digest: str, text: bytes) -> None:
        target = self._book_path(path, digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, _bytes(codec.seal_bytes(text, self.key)))
        self.index["files"][_hashed(path)] = digest
        self.index.setdefault("tables", {})[digest] = codec.tables_hash(text)
        self.used.add(str(path))

    def tables_digest(self, digest: str) -> str | None:
        """A hash of what `keep` stored of the tables after 学生档案 of the book with content
        hash `digest` (None when this cache did not keep it): two books with the same hash hold
        the same 帮扶记录, 学业帮扶计划, 安全事件 and 缺勤与劝返."""
        found = self.index.get("tables", {}).get(digest)
        return found if isinstance(found, str) else None

    def last_good(self, path: Path) -> tuple[str, ClassBook] | None:
        """(content hash, data) of the last version of `path` that a run read successfully."""
        digest = self.index["files"].get(_hashed(path))
        book = self.book(path, digest) if digest else None
        return (digest, book) if book is not None else None

    def piece(self, name: str) -> Any:
        """What `keep_piece` stored under `name` (a class's part of the master), else None."""
        path = self._piece_path(name)
        found = self._read(path)
        if found is not None:
            self.pieces.add(path.name)
        return found

    def keep_piece(self, name: str, value: Any) -> None:
        """Store a class's part of the master under `name` (its key says what it depends on)."""
        path = self._piece_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, _bytes(codec.seal(value, self.key)))
        self.pieces.add(path.name)

    def text_piece(self, name: str) -> str | None:
        """The text `keep_text_piece` stored under `name` (rows of sheet XML), else None."""
        path = self._piece_path(name)
        try:
            text = codec.unseal_bytes(path.read_bytes(), self.key).decode()
        except (OSError, UnicodeDecodeError, codec.CacheDataError):
            return None
        self.pieces.add(path.name)
        return text

    def keep_text_piece(self, name: str, text: str) -> None:
        """Store a text (not JSON: a class's rows of XML are read back in a tenth the time)."""
        path = self._piece_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, _bytes(codec.seal_bytes(text.encode(), self.key)))
        self.pieces.add(path.name)

    def same_content(self, digest: str, as_before: str) -> None:
        """Record that the file content `digest` (a class file xlsync has just refreshed) holds
        the same teacher tables as `as_before`: the pieces made for one serve the other."""
        aliases = self.index.setdefault("aliases", {})
        aliases[digest] = aliases.get(as_before, as_before)

    def pieces_digest(self, digest: str) -> str:
        """The content hash under which the pieces of this file content are kept."""
        return str(self.index.get("aliases", {}).get(digest, digest))

    def _piece_path(self, name: str) -> Path:
        key = hashlib.sha256(f"{self.code}\n{name}".encode()).hexdigest()
        return self.folder / "pieces" / f"{key}{BOOK_SUFFIX}"

    def get(self, key: str) -> Any:
        return self.state.get(key)

    def set(self, key: str, value: Any) -> None:
        self.state[key] = value

    def save(self) -> None:
        """Write the index, then the state (last: a run killed before it counts as not having
        happened); drop parsed books no file points at any more."""
        self.folder.mkdir(parents=True, exist_ok=True)
        current = set(self.index["files"].values())
        for kind in ("aliases", "tables"):
            kept = self.index.get(kind, {})
            self.index[kind] = {d: value for d, value in kept.items() if d in current}
        atomic_write(self.index_path, _bytes(json.dumps(self.index).encode()))
        atomic_write(self.state_path, _bytes(codec.seal(self.state, self.key)))
        self._sweep()

    def _sweep(self) -> None:
        """Remove books of files no longer indexed, pieces this run did not use, and any
        pickle an older version left."""
        books = self.folder / "books"
        wanted = {self._book_file(h, d).name for h, d in self.index["files"].items()}
        for stale in books.glob("*") if books.is_dir() else []:
            if stale.name not in wanted:
                stale.unlink(missing_ok=True)
        pieces = self.folder / "pieces"
        for stale in pieces.glob("*") if pieces.is_dir() else []:
            if stale.name not in self.pieces:
                stale.unlink(missing_ok=True)
