"""汇总's write-back: after the school is evaluated, every class workbook gets its own status
columns, 逾期提醒 and check marks (what `overdue --write` and `validate --annotate` write),
through the safe writer, in one save per file.

A class file that is open, or that the safe writer refuses, is listed and left exactly as it
was; it never stops the master. A class read from older data (open in Excel, unreadable) is
not written: its statuses would come from data older than the file. Each refreshed file is
also copied to 返回各班 beside the master, the one folder the 德育主任 sends back to teachers
who keep their workbook on their own computer (by WeChat, QQ or USB).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import Any

from xlsync.core.classbook import CLASS_BOOK_ORDER, ClassBook, assemble_class_book
from xlsync.core.consolidate import ClassResult, SchoolResult
from xlsync.core.findings import Finding
from xlsync.core.incidents import Incident
from xlsync.core.left_behind import facts_of, settings_of
from xlsync.core.masking import mask_failures
from xlsync.core.obligations import Item
from xlsync.core.status_view import StatusContext
from xlsync.core.tables import Table, empty_table
from xlsync.errors import XlsyncError
from xlsync.files.cache import Cache, code_fingerprint, content_digest
from xlsync.files.disk import disk_error
from xlsync.files.reader import read_class_workbook
from xlsync.files.safe_write import atomic_write, lock_files
from xlsync.google.sources import google_id
from xlsync.jobs.inputs import Google
from xlsync.jobs.pieces import same_class_content
from xlsync.jobs.refresh_files import FileJob, FileOutcome, refresh_files
from xlsync.schema import RETURN_DIR, WRITE_BACK_SETTING

OPEN = "正在被打开"


def wanted(info: dict[str, str], no_write_back: bool) -> bool:
    """Write back unless this run says not to, or 学校信息 says 否 (the default is 是)."""
    return not no_write_back and info.get(WRITE_BACK_SETTING, "") != "否"


@dataclass
class ClassFile:
    """Where one class of this run lives: a file, or a Google Sheet (gsheet:ID)."""

    key: Path
    name: str  # how the master names it
    class_name: str
    digest: str  # of the content read; replaced by the refreshed file's


@dataclass
class WriteBack:
    """What the write-back did, class by class."""

    refreshed: list[str] = field(default_factory=list)  # rewritten this run
    current: list[str] = field(default_factory=list)  # already up to date, left alone
    missed: list[dict[str, str]] = field(default_factory=list)  # class, file, reason, message
    returned: str = ""  # the 返回各班 folder, when it holds copies
    copy_error: str = ""  # why 返回各班 could not be brought up to date

    def to_dict(self) -> dict[str, Any]:
        return {
            "refreshed": self.refreshed,
            "current": self.current,
            "not_refreshed": mask_failures(self.missed),
            "return_folder": self.returned,
            "return_folder_error": self.copy_error,
        }

    def missed_text(self) -> str:
        """未更新 line of 概览: 二年级2班（正在被打开）、…"""
        return "、".join(f"{m['class']}（{m['reason']}）" for m in self.missed)


def write_back(
    school: SchoolResult,
    files: dict[str, ClassFile],
    master: Path,
    cache: Cache,
    google: Google,
    progress: Callable[[str, int, int, str], None] | None = None,
) -> WriteBack:
    """Refresh every class workbook read fresh in this run; list the others (in class order)."""
    plan = _Plan(school, files, cache, google, progress)
    plan.run()
    done = plan.done()
    try:
        done.returned = _return_copies(done, files, master)
    except XlsyncError as error:  # the copies are a convenience: never a reason to stop
        done.copy_error = str(error)
    return done


class _Plan:
    """The write-back of one run: what each class needs, the refreshes, and their outcomes
    (kept by class position, so the lists keep the classes' order whoever refreshed them)."""

    def __init__(
        self,
        school: SchoolResult,
        files: dict[str, ClassFile],
        cache: Cache,
        google: Google,
        progress: Callable[[str, int, int, str], None] | None,
    ) -> None:
        self.school, self.files, self.cache, self.google = school, files, cache, google
        self.progress = progress
        self.outcomes: dict[int, tuple[str, ClassFile, str, str]] = {}  # kind, target, why, text
        self.markers: dict[int, str] = {}
        self.reported = 0

    def run(self) -> None:
        """Decide each class; refresh Google classes here, files through refresh_files."""
        findings = _by_file(self.school.findings)
        remembered = self.cache.get("write_back") or {}
        jobs: list[tuple[int, ClassFile, FileJob]] = []
        for position, result in enumerate(self.school.classes):
            target = self.files.get(result.item.book.file)
            if target is None:
                continue
            if result.stale_reason:
                why = _stale_reason(target)
                self._settle(position, "missed", target, _stale_message(target), why)
                continue
            file = result.item.book.file
            mine = self.school.class_items(result), findings.get(file, [])
            self.markers[position] = _inputs_digest(self.school, *mine)
            if remembered.get(target.name) == [target.digest, self.markers[position]]:
                self._settle(position, "current", target)  # our own last write, nothing new
            elif google_id(str(target.key)):
                self._google(position, result, target, mine)
            else:
                jobs.append((position, target, self._job(result, target, mine)))
        refresh_files(
            [job for _, _, job in jobs],
            lambda index, outcome: self._file_done(jobs[index][0], jobs[index][1], outcome),
        )

    def _job(
        self, result: ClassResult, target: ClassFile, mine: tuple[list[Item], list[Finding]]
    ) -> FileJob:
        school, book = self.school, result.item.book
        caption = school.config.caption(result.item.class_name, school.as_of)
        facts = facts_of(book.students, school.as_of, school.config)
        return FileJob(
            target.key,
            target.name,
            book.students,
            school.rules,
            *mine,
            StatusContext(caption, facts, _incidents_of(school, book.file)),
            self.cache.school_year,
            target.digest,
        )

    def _google(
        self,
        position: int,
        result: ClassResult,
        target: ClassFile,
        mine: tuple[list[Item], list[Finding]],
    ) -> None:
        from xlsync.google.class_sheets import fetch_class_grids, refresh_class

        try:
            client, sid = self.google.client(), google_id(str(target.key)) or ""
            book, school = result.whole().item.book, self.school  # marks need every sheet
            facts = facts_of(book.students, school.as_of, school.config)
            incidents = _incidents_of(school, book.file)
            context = StatusContext(facts=facts, incidents=incidents)
            refresh_class(client, sid, book, school.rules, *mine, context)
            grids = fetch_class_grids(client, sid)
        except (XlsyncError, OSError) as error:
            failure = error if isinstance(error, XlsyncError) else disk_error(target.key, error)
            self._settle(position, "missed", target, str(failure))
            return
        book = assemble_class_book(grids, target.name, self.cache.school_year)
        self._keep(position, target, FileOutcome(True, grids_digest(grids), book))
        self._settle(position, "refreshed", target)

    def _file_done(self, position: int, target: ClassFile, outcome: FileOutcome) -> None:
        if outcome.error:
            self._settle(position, "missed", target, outcome.error)
            return
        if outcome.changed:
            self._keep(position, target, outcome)
        self._settle(position, "refreshed" if outcome.changed else "current", target)

    def _keep(self, position: int, target: ClassFile, outcome: FileOutcome) -> None:
        """The refreshed content becomes the class's last good data (its new 学生档案 with the
        tables kept of the content read, when nothing else reads differently, files/readback.py)."""
        key, digest, book, students = target.key, outcome.digest, outcome.book, outcome.students
        if students is None or not self.cache.keep_refreshed(key, digest, target.digest, students):
            if book is None:  # the book kept of the content read is gone: read the file again
                book = read_class_workbook(key, target.name, self.cache.school_year)
                digest = content_digest(key)
            self.cache.keep(key, digest, book)
        now = book.students if book is not None else students
        assert now is not None
        self._keep_pieces(position, target, digest, now, book)
        target.digest = digest

    def _keep_pieces(
        self, position: int, target: ClassFile, digest: str, now: Table, book: ClassBook | None
    ) -> None:
        """Keep the class's pieces of the master for the refreshed content `digest` when its
        teacher tables read as before (jobs/pieces.py): 学生档案 compared with the one in
        memory, the tables after it by the hash of what the cache stored of them; the whole
        older book is read again only when a hash is not known (`book` is then the new one)."""
        result = self.school.classes[position]
        old, new = self.cache.tables_digest(target.digest), self.cache.tables_digest(digest)
        if old is not None and new is not None:
            before = result.item.book.students
            same = old == new and same_class_content(_students_of(before), _students_of(now))
        else:
            same = book is not None and same_class_content(result.whole().item.book, book)
        if same:
            self.cache.same_content(digest, target.digest)

    def _settle(
        self, position: int, kind: str, target: ClassFile, message: str = "", reason: str = ""
    ) -> None:
        """Record one class's outcome; a written or current class is remembered as such."""
        if kind == "missed":
            reason = reason or _reason(target, message)
        elif position in self.markers:
            remembered = self.cache.get("write_back") or {}
            entry = [target.digest, self.markers[position]]
            self.cache.set("write_back", {**remembered, target.name: entry})
        self.outcomes[position] = (kind, target, reason, message)
        self.reported += 1
        if self.progress:
            total = len(self.school.classes)
            self.progress("更新班级台账", self.reported, total, target.class_name)

    def done(self) -> WriteBack:
        done = WriteBack()
        for position in sorted(self.outcomes):
            kind, target, reason, message = self.outcomes[position]
            if kind == "missed":
                _miss(done, target, reason, message)
            else:
                (done.refreshed if kind == "refreshed" else done.current).append(target.name)
        return done


def _students_of(students: Table) -> ClassBook:
    """A book of its 学生档案 only (and empty other tables)."""
    empty = (empty_table(spec, students.file) for spec in CLASS_BOOK_ORDER[1:])
    return ClassBook(students.file, students, *empty)


def _by_file(things: Sequence[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for thing in things:
        grouped.setdefault(thing.file, []).append(thing)
    return grouped


def _incidents_of(school: SchoolResult, file: str) -> list[Incident]:
    """A class's 安全事件: they follow from its file and the as-of date, which the skip compares."""
    return [i for i in school.incidents if i.file == file]


def grids_digest(grids: dict[str, list[list[Any]]]) -> str:
    """The content hash of a class kept in Google Sheets, from its fetched grids."""
    return hashlib.sha256(json.dumps(grids, sort_keys=True, default=str).encode()).hexdigest()


_ITEM = attrgetter(*(f.name for f in fields(Item)))
_FINDING = attrgetter(*(f.name for f in fields(Finding)))


def _inputs_digest(school: SchoolResult, items: list[Item], findings: list[Finding]) -> str:
    """Everything a class's written blocks are drawn from, besides the file itself: a hash of
    the repr of every field (a date's repr names the day, a text's is quoted), which costs a
    tenth of hashing their JSON."""
    parts = (
        code_fingerprint(),
        school.as_of,
        school.rules,
        settings_of(school.config),  # the 留守 columns' threshold
        [_ITEM(i) for i in items],
        [_FINDING(f) for f in findings],
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _miss(done: WriteBack, target: ClassFile, reason: str, message: str) -> None:
    done.missed.append(
        {"class": target.class_name, "file": target.name, "reason": reason, "message": message}
    )


def _stale_reason(target: ClassFile) -> str:
    return OPEN if _is_open(target) else "读取失败，用的是上次的数据"


def _stale_message(target: ClassFile) -> str:
    if _is_open(target):
        return "这个台账正在 Excel（或 WPS）中打开，xlsync 没有改动它；保存并关闭后再汇总一次就会更新。"
    return "这次没能读取这个台账（原因见上），所以没有更新它；改好后再汇总一次就会更新。"


def _reason(target: ClassFile, message: str) -> str:
    """A few words for 概览; the whole message goes to the summary."""
    if _is_open(target):
        return OPEN
    kept = re.search(r"无法原样保留的内容：([^。；]+)", message)
    return f"含有 xlsync 无法原样保留的{kept.group(1)}" if kept else "没能写入，原因见汇总结果"


def _is_open(target: ClassFile) -> bool:
    return not google_id(str(target.key)) and bool(lock_files(target.key))


def _return_copies(done: WriteBack, files: dict[str, ClassFile], master: Path) -> str:
    """Mirror each up-to-date class file into 返回各班; drop the copy of a class not brought
    up to date (so an old copy is never sent back as new)."""
    folder = master.parent / RETURN_DIR
    current = set(done.refreshed) | set(done.current)
    local = [f for f in files.values() if not google_id(str(f.key))]
    if not local or not (current or folder.is_dir()):
        return ""
    for target in local:
        _mirror(target.key, folder / target.key.name, target.name in current)
    return str(folder)


def _mirror(source: Path, copy: Path, wanted_copy: bool) -> None:
    try:
        if not wanted_copy:
            copy.unlink(missing_ok=True)
        elif not copy.is_file() or copy.read_bytes() != source.read_bytes():
            copy.parent.mkdir(exist_ok=True)
            atomic_write(copy, _copier(source))
    except OSError as error:
        raise disk_error(copy, error) from None


def _copier(source: Path) -> Callable[[Path], object]:
    return lambda temp: shutil.copyfile(source, temp)
