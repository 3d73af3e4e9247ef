"""files/cache.py: the cache is data only (no pickle), encrypted with the master's password,
and its index holds no personal data (the code fingerprint: tests/test_consolidate.py)."""

from __future__ import annotations

import datetime as dt
import pickle
import shutil
import zlib
from pathlib import Path

import pytest

import xlsync.files.cache_codec as codec
from xlsync.demo import DemoSize, generate_school
from xlsync.files.protect import PASSWORD_ENV
from xlsync.files.reader import read_class_workbook
from xlsync.jobs.consolidate import consolidate

AS_OF = dt.date(2026, 11, 30)
PERSONAL = ("身份证号", "父亲电话", "母亲电话", "监护人电话", "家庭住址")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cache") / "学校"
    generate_school(folder, AS_OF, DemoSize(3, 10), seed=11)
    return folder


@pytest.fixture
def school(pristine, tmp_path) -> Path:
    shutil.copytree(pristine, tmp_path / "学校")
    return tmp_path / "学校"


def _class_files(school: Path) -> list[Path]:
    """The class workbooks (not the backups 汇总's write-back keeps under .xlsync)."""
    folder = school / "班级台账"
    return sorted(p for p in folder.rglob("*.xlsx") if ".xlsync" not in p.relative_to(folder).parts)


def _personal_values(school: Path) -> set[str]:
    values = set()
    for path in _class_files(school):
        data = read_class_workbook(path).students.data
        for column in PERSONAL:
            values |= {str(v) for v in data[column] if v not in (None, "") and len(str(v)) >= 7}
    assert len(values) > 20
    return values


def _cache_files(school: Path) -> list[Path]:
    return [p for p in (school / ".xlsync" / "cache").rglob("*") if p.is_file()]


def _readable_forms(data: bytes) -> list[str]:
    """The file as text, and its body decompressed if it is a plain compressed one."""
    forms = [data.decode("utf-8", "replace")]
    for start in range(0, 8):
        try:
            forms.append(zlib.decompress(data[start:]).decode("utf-8", "replace"))
        except zlib.error:
            continue
    return forms


def test_an_encrypted_masters_cache_holds_nothing_in_clear(school, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "校长的密码")
    master = school / "全校汇总.xlsx"
    personal = _personal_values(school)
    assert len(consolidate(master, as_of=AS_OF).parsed) == len(_class_files(school))
    files = _cache_files(school)
    assert len(files) >= len(_class_files(school)) + 2
    for path in files:
        for text in _readable_forms(path.read_bytes()):
            leaked = [v for v in personal if v in text]
            assert not leaked, (path.name, leaked[:3])
    # the run after reads the encrypted copies back (nothing parsed again)
    assert consolidate(master, as_of=AS_OF + dt.timedelta(days=1)).parsed == []


def test_without_the_password_the_cache_cannot_be_read(school, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "校长的密码")
    master = school / "全校汇总.xlsx"
    consolidate(master, as_of=AS_OF)
    from xlsync.files.cache import Cache

    monkeypatch.setenv(PASSWORD_ENV, "别的密码")
    other = Cache(master)
    assert other.get("snapshot") is None
    assert all(other.book(p, d) is None for p, d in _index_pairs(school, other))
    monkeypatch.delenv(PASSWORD_ENV)
    plain = Cache(master)
    assert plain.get("snapshot") is None and plain.index["files"] == {}


def _index_pairs(school: Path, cache) -> list[tuple[Path, str]]:
    from xlsync.files.cache import content_digest

    return [(p, content_digest(p)) for p in _class_files(school)]


def test_the_index_holds_no_personal_data_or_names(school):
    master = school / "全校汇总.xlsx"
    consolidate(master, as_of=AS_OF)
    text = (school / ".xlsync" / "cache" / "index.json").read_text(encoding="utf-8")
    leaked = [v for v in _personal_values(school) if v in text]
    assert not leaked and "班级台账" not in text and ".xlsx" not in text


class _Planted:
    """What an attacker would write into a shared folder: unpickling it creates a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_planted_pickle_is_never_loaded(school, tmp_path):
    master = school / "全校汇总.xlsx"
    consolidate(master, as_of=AS_OF)
    marker = tmp_path / "code-ran"
    books = school / ".xlsync" / "cache" / "books"
    payload = pickle.dumps(_Planted(marker))
    planted = list(books.iterdir())
    assert planted
    for path in planted:  # every stored book, under its own name
        path.write_bytes(payload)
        path.with_name(path.name.split(".")[0] + ".pickle").write_bytes(payload)
    again = consolidate(master, as_of=AS_OF + dt.timedelta(days=1))
    assert not marker.exists(), "a pickle from the shared folder was loaded"
    assert len(again.parsed) == len(_class_files(school))  # parsed anew instead
    assert not list(books.glob("*.pickle")), "left-over pickles are removed"


def test_a_cached_book_is_the_parsed_book(pristine):
    """The data format gives back every table as parsed: values and their types, index,
    columns, findings (dates, tuples of multi-choice values, numbers, None)."""
    for path in _class_files(pristine):
        book = read_class_workbook(path)
        again = codec.book_from_data(codec.unseal(codec.seal(codec.book_data(book), None), None))
        for table, copy in zip(book.tables, again.tables, strict=True):
            for frame, other in ((table.raw, copy.raw), (table.data, copy.data)):
                assert frame.equals(other) and list(frame.columns) == list(other.columns)
                assert list(frame.index) == list(other.index)
                assert frame.index.dtype == other.index.dtype
                assert [type(v) for v in frame.values.ravel()] == [
                    type(v) for v in other.values.ravel()
                ]
            assert table.findings == copy.findings and table.positions == copy.positions
