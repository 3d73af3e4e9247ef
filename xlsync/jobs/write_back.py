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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsync.core.classbook import assemble_class_book
from xlsync.core.consolidate import ClassResult, SchoolResult
from xlsync.core.findings import Finding
from xlsync.core.left_behind import facts_of, settings_of
from xlsync.core.masking import mask_failures
from xlsync.core.obligations import Item
from xlsync.errors import XlsyncError
from xlsync.files.cache import Cache, code_fingerprint, content_digest
from xlsync.files.disk import disk_error
from xlsync.files.reader import read_class_workbook
from xlsync.files.refresh import refresh_class_workbook
from xlsync.files.safe_write import atomic_write, lock_files
from xlsync.google.sources import google_id
from xlsync.jobs.inputs import Google
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
    """Refresh every class workbook read fresh in this run; list the others."""
    done = WriteBack()
    items, findings = _by_file(school.items), _by_file(school.findings)
    for number, result in enumerate(school.classes, start=1):
        if progress:
            progress("更新班级台账", number, len(school.classes), result.item.class_name)
        target = files.get(result.item.book.file)
        if target is None:
            continue
        if result.stale_reason:
            _miss(done, target, _stale_reason(target), _stale_message(target))
            continue
        file = result.item.book.file
        mine = items.get(file, []), findings.get(file, [])
        _refresh_one(done, school, result, target, mine, cache, google)
    try:
        done.returned = _return_copies(done, files, master)
    except XlsyncError as error:  # the copies are a convenience: never a reason to stop
        done.copy_error = str(error)
    return done


def _by_file(things: Sequence[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for thing in things:
        grouped.setdefault(thing.file, []).append(thing)
    return grouped


def _refresh_one(
    done: WriteBack,
    school: SchoolResult,
    result: ClassResult,
    target: ClassFile,
    mine: tuple[list[Item], list[Finding]],
    cache: Cache,
    google: Google,
) -> None:
    items, findings = mine
    marker = _inputs_digest(school, items, findings)
    remembered = cache.get("write_back") or {}
    if remembered.get(target.name) == [target.digest, marker]:
        done.current.append(target.name)  # our own last write, and nothing new to write
        return
    try:
        changed = _write(school, result, target, items, findings, cache, google)
    except (XlsyncError, OSError) as error:
        message = str(error if isinstance(error, XlsyncError) else disk_error(target.key, error))
        _miss(done, target, _reason(target, message), message)
        return
    (done.refreshed if changed else done.current).append(target.name)
    cache.set("write_back", {**remembered, target.name: [target.digest, marker]})


def _write(
    school: SchoolResult,
    result: ClassResult,
    target: ClassFile,
    items: list[Item],
    findings: list[Finding],
    cache: Cache,
    google: Google,
) -> bool:
    """Write one class; afterwards the cache knows the new content as already read."""
    book, sid = result.item.book, google_id(str(target.key))
    facts = facts_of(book.students, school.as_of, school.config)
    if sid:
        from xlsync.google.class_sheets import fetch_class_grids, refresh_class

        refresh_class(google.client(), sid, book, school.rules, items, findings, facts)
        grids = fetch_class_grids(google.client(), sid)
        target.digest = grids_digest(grids)
        cache.keep(
            target.key, target.digest, assemble_class_book(grids, target.name, cache.school_year)
        )
        return True
    caption = school.config.caption(result.item.class_name, school.as_of)
    if not refresh_class_workbook(
        target.key, book.students, school.rules, items, findings, caption, facts
    ):
        return False
    target.digest = content_digest(target.key)
    cache.keep(
        target.key, target.digest, read_class_workbook(target.key, target.name, cache.school_year)
    )
    return True


def grids_digest(grids: dict[str, list[list[Any]]]) -> str:
    """The content hash of a class kept in Google Sheets, from its fetched grids."""
    return hashlib.sha256(json.dumps(grids, sort_keys=True, default=str).encode()).hexdigest()


def _inputs_digest(school: SchoolResult, items: list[Item], findings: list[Finding]) -> str:
    """Everything a class's written blocks are drawn from, besides the file itself."""
    parts = {
        "code": code_fingerprint(),
        "as_of": school.as_of.isoformat(),
        "rules": [repr(r) for r in school.rules],
        "left_behind": repr(settings_of(school.config)),  # the 留守 columns' threshold
        "items": [i.to_dict() for i in items],
        "findings": [f.to_dict() for f in findings],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


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
