"""The consolidation cache beside the master (.xlsync/cache/): parsed class workbooks keyed by
content hash, the last good data of each file, the previous run's fingerprint and snapshot.

It holds derived copies of the same personal data as the master, so it lives next to it and
shares its protection; deleting the folder is always safe (the next run re-reads everything).
"""

from __future__ import annotations

import hashlib
import json
import pickle
from functools import cache
from pathlib import Path
from typing import Any

import xlsync
from xlsync import __version__
from xlsync.core.classbook import ClassBook
from xlsync.files.safe_write import atomic_write

CACHE_DIR = Path(".xlsync") / "cache"


@cache
def code_fingerprint() -> str:
    """The version and a hash of xlsync's own source: a parse or a run made by other code
    (a stricter normaliser, a new rule, a new schema) is never served from the cache."""
    package = Path(xlsync.__file__).parent
    digest = hashlib.sha256(__version__.encode())
    for source in sorted(package.rglob("*.py")):
        digest.update(str(source.relative_to(package)).encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def content_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Cache:
    """Read at the start of a run, saved at its end."""

    def __init__(self, master: Path) -> None:
        self.folder = master.parent / CACHE_DIR
        self.index_path = self.folder / "index.json"
        self.index: dict[str, Any] = self._load_index()
        self.used: set[str] = set()

    def _load_index(self) -> dict[str, Any]:
        empty = {"code": code_fingerprint(), "files": {}}
        try:
            index = json.loads(self.index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return empty
        return index if index.get("code") == code_fingerprint() else empty

    def _book_path(self, path: Path, digest: str) -> Path:
        key = hashlib.sha256(f"{path}\n{digest}\n{code_fingerprint()}".encode()).hexdigest()
        return self.folder / "books" / f"{key}.pickle"

    def book(self, path: Path, digest: str) -> ClassBook | None:
        """The parsed workbook of this exact file content, if an earlier run kept it."""
        try:
            with self._book_path(path, digest).open("rb") as stream:
                book = pickle.load(stream)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
            return None
        self.used.add(str(path))
        return book if isinstance(book, ClassBook) else None

    def keep(self, path: Path, digest: str, book: ClassBook) -> None:
        """Remember a freshly parsed workbook as the last good data of `path`."""
        target = self._book_path(path, digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, lambda temp: temp.write_bytes(pickle.dumps(book, protocol=5)))
        self.index["files"][str(path)] = digest
        self.used.add(str(path))

    def last_good(self, path: Path) -> tuple[str, ClassBook] | None:
        """(content hash, data) of the last version of `path` that a run read successfully."""
        digest = self.index["files"].get(str(path))
        book = self.book(path, digest) if digest else None
        return (digest, book) if book is not None else None

    def get(self, key: str) -> Any:
        return self.index.get(key)

    def set(self, key: str, value: Any) -> None:
        self.index[key] = value

    def save(self) -> None:
        """Write the index and drop parsed books no file points at any more."""
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.index, ensure_ascii=False, default=str)
        atomic_write(self.index_path, lambda temp: temp.write_text(text, encoding="utf-8"))
        wanted = {self._book_path(Path(p), d).name for p, d in self.index["files"].items()}
        for stale in (self.folder / "books").glob("*.pickle"):
            if stale.name not in wanted:
                stale.unlink(missing_ok=True)
