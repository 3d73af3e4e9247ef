"""The class workbooks of one 汇总 run (jobs/consolidate.py): found and hashed first (cheap),
then loaded one at a time — from the cache when their content was parsed before, else parsed
and kept; one that cannot be read falls back to its last good data, marked stale."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from xlsync.core.classbook import ClassBook, assemble_class_book
from xlsync.core.config import SchoolConfig
from xlsync.core.consolidate import ClassResult
from xlsync.core.validate import ClassInput
from xlsync.errors import XlsyncError
from xlsync.files.cache import Cache, content_digest
from xlsync.files.discover import class_folder, inside, school_class_files
from xlsync.files.disk import reading
from xlsync.files.reader import read_class_workbook
from xlsync.files.safe_write import lock_files
from xlsync.google.sources import PREFIX
from xlsync.jobs.inputs import Google, google_classes
from xlsync.jobs.write_back import grids_digest

Progress = Callable[[str, int, int, str], None]  # (stage, done, total, current item)


def shown_path(path: Path, master: Path) -> str:
    """How the master names a class file: relative to the master's folder when inside it."""
    try:
        return path.resolve().relative_to(master.parent.resolve()).as_posix()
    except ValueError:
        return str(path)


@dataclass
class Source:
    """One class workbook found for this run: its content hash, and how to get its tables."""

    key: Path  # the file, or gsheet:ID, as the cache knows it
    name: str  # how the master names it
    class_name: str
    digest: str = ""
    stale: str = ""  # why older data are used ("" when current)
    load: Callable[[], ClassBook] | None = None  # None: unreadable, no older data
    error: str = ""


def _cached_or(
    cache: Cache, key: Path, digest: str, parse: Callable[[], ClassBook], parsed: list[str]
) -> Callable[[], ClassBook]:
    """Load from the cache when this content was parsed before, else parse and keep it."""

    def load() -> ClassBook:
        book = cache.book(key, digest)
        if book is None:
            book = parse()
            parsed.append(book.file)
            cache.keep(key, digest, book)
        return book

    return load


def _file_source(
    path: Path,
    class_name: str,
    master: Path,
    cache: Cache,
    parsed: list[str],
    confined_to: Path | None,
) -> Source:
    name = shown_path(path, master)
    if confined_to is not None and not inside(path, confined_to):
        raise XlsyncError(
            f"台账来源「{path}」在班级台账目录「{confined_to}」之外（或是指向目录外的链接），"
            "xlsync 没有读取。如确需读取，请在命令后加 --allow-outside。"
        )
    with reading(path):  # no permission to the file or to its folder, a network drive gone
        if not path.exists():
            raise XlsyncError(
                f"找不到班级台账「{path}」，请检查 班级 表的台账来源，或把文件放回班级台账目录。"
            )
        digest = content_digest(path)
    stale = "文件正在 Excel 中打开，用的是它最近一次保存的内容" if lock_files(path) else ""
    return Source(
        path,
        name,
        class_name,
        digest,
        stale,
        _cached_or(
            cache, path, digest, lambda: read_class_workbook(path, name, cache.school_year), parsed
        ),
    )


def _sheet_source(
    sid: str, class_name: str, google: Google, cache: Cache, parsed: list[str]
) -> Source:
    """A class kept in Google Sheets is fetched every run (one request) and typed when changed."""
    from xlsync.google.class_sheets import (
        fetch_class_grids,  # gspread: imported only when used
    )

    grids = fetch_class_grids(google.client(), sid)
    key = Path(PREFIX + sid)
    digest = grids_digest(grids)
    return Source(
        key,
        str(key),
        class_name,
        digest,
        "",
        _cached_or(
            cache,
            key,
            digest,
            lambda: assemble_class_book(grids, str(key), cache.school_year),
            parsed,
        ),
    )


def _survey(
    master: Path,
    classes_dir: Path | None,
    cache: Cache,
    config: SchoolConfig,
    google: Google,
    parsed: list[str],
    allow_outside: bool,
) -> list[Source]:
    """Every class workbook with its content hash (cheap: nothing is parsed yet)."""
    found: list[tuple[Path, str, Callable[[], Source]]] = []
    folder = class_folder(master, config, classes_dir)
    for path, class_name in school_class_files(master, config, classes_dir):
        found.append(
            (
                path,
                class_name,
                partial(
                    _file_source,
                    path,
                    class_name,
                    master,
                    cache,
                    parsed,
                    None if allow_outside else folder,
                ),
            )
        )
    for sid, class_name in google_classes(config):
        key = Path(PREFIX + sid)
        found.append(
            (
                key,
                class_name,
                partial(_sheet_source, sid, class_name, google, cache, parsed),
            )
        )
    if not found:
        raise XlsyncError(
            f"没有找到班级台账：班级台账目录「{folder}」里没有台账文件，班级 表也没有登记"
            "台账来源。请把各班台账放进这个目录，或在 班级 表登记（可以是 gsheet:表格ID）。"
        )
    sources = []
    for path, class_name, make in found:
        try:
            sources.append(make())
        except XlsyncError as error:
            older = cache.last_good(path)
            name = str(path) if path.name.startswith(PREFIX) else shown_path(path, master)
            sources.append(
                Source(path, name, class_name, error=str(error))
                if older is None
                else Source(path, name, class_name, older[0], str(error), partial(_same, older[1]))
            )
    return sources


def _same(book: ClassBook) -> ClassBook:
    return book


def _load(
    sources: list[Source], cache: Cache, progress: Progress | None
) -> tuple[list[ClassResult], list[dict[str, str]]]:
    """The tables of every source; one that fails to parse falls back to its last good data."""
    failed: list[dict[str, str]] = []
    return [result for result, _ in _loaded(sources, cache, progress, failed)], failed


Loaded = tuple[ClassResult, Callable[[], ClassBook] | None]  # and how to read it again


def _loaded(
    sources: list[Source], cache: Cache, progress: Progress | None, failed: list[dict[str, str]]
) -> Iterator[Loaded]:
    """Each source's tables in turn (one that fails to parse: its last good data); the ones
    that cannot be read at all are added to `failed`."""
    for number, source in enumerate(sources, start=1):
        if progress:
            progress("读取班级台账", number, len(sources), Path(source.name).name)
        if source.load is None:
            failed.append({"file": source.name, "message": source.error})
            continue
        try:
            book = source.load()
        except XlsyncError as error:
            older = cache.last_good(source.key)
            if older is None:
                failed.append({"file": source.name, "message": str(error)})
            else:
                item = ClassInput(older[1], source.class_name)
                yield ClassResult(item, str(error), older[0]), None  # kept whole: rare
        else:
            item = ClassInput(book, source.class_name)
            yield ClassResult(item, source.stale, source.digest), source.load
