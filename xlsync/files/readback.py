"""What 汇总 keeps of a class file it has just refreshed, taken from the post-write check's read
of the bytes written (files/kept.py `Readback`) instead of reading the file once more.

Most often every class table but 学生档案 reads exactly as in the file before the refresh: the
refresh only adds xlsync's own sheets and status columns and refills marked cells. Then only
the new 学生档案 is typed, and the cache stores it with the other tables it kept of the file
before (files/cache.py `keep_refreshed`) — typing and storing a class's 帮扶记录 again was a
fifth of the write-back's time on M (benchmarks/README.md, "The write-back's cost"). That
holds exactly when every class sheet is taken from the same sheet of both packages and each
such sheet's cells, formula errors included, are equal value for value and type for type: a
table is a function of its sheet's cells (`build_table`). Otherwise the whole book is typed
from the grids, as the reader would.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from xlsync.core.classbook import ClassBook, sheet_picks
from xlsync.core.tables import Grid, Table, build_table
from xlsync.core.workbook_kind import check_class_book
from xlsync.files.kept import Readback
from xlsync.files.reader import with_errors, written_class_book
from xlsync.schema import CLASS_SHEETS, STUDENTS

_STUDENTS_AT = next(i for i, spec in enumerate(CLASS_SHEETS) if spec is STUDENTS)


@dataclass
class Written:
    """A refreshed file as read back: its content hash, and its whole book or, when every
    other class table reads as in the file before (content `before`), its 学生档案 only."""

    digest: str
    book: ClassBook | None = None
    students: Table | None = None


def written(
    path: Path, readback: Readback, name: str, school_year: int | None, read_digest: str
) -> Written:
    """What the refresh of `path` (read by this run as content `read_digest`) wrote, from the
    post-write check's read of it."""
    assert readback.after is not None
    digest = hashlib.sha256(readback.raw).hexdigest()
    grids = readback.after
    students = _students_only(path, readback, name, school_year, read_digest)
    if students is not None:
        return Written(digest, students=students)
    return Written(digest, written_class_book(path, readback.written, grids, name, school_year))


def _students_only(
    path: Path, readback: Readback, name: str, school_year: int | None, read_digest: str
) -> Table | None:
    """The new 学生档案, when it is all that differs from the content this run read."""
    before, after = readback.before, readback.after
    if before is None or after is None or readback.original_digest != read_digest:
        return None
    with_errors(path, readback.written, after)
    with_errors(path, readback.original, before)
    check_class_book(after, name)
    picks = sheet_picks(after)
    if picks != sheet_picks(before):
        return None
    sheet = picks[_STUDENTS_AT]
    others = [s for i, s in enumerate(picks) if s is not None and i != _STUDENTS_AT]
    if sheet is None or not all(_same_cells(before[s], after[s]) for s in others):
        return None
    return build_table(after[sheet], STUDENTS, name, sheet, school_year)


def _same_cells(old: Grid, new: Grid) -> bool:
    """Equal grids, value for value and type for type (1, 1.0 and True are equal in Python)."""
    return (
        old is new
        or len(old) == len(new)
        and all(
            a == b and list(map(type, a)) == list(map(type, b))
            for a, b in zip(old, new, strict=True)
        )
    )
