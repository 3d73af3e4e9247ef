"""Issue 23.2: a keyed county pseudonym (县级比对码) in `xlsync export`, and `xlsync rollup`'s
list of children on file in more than one school (重复在籍), without the county seeing IDs.

甲小学 and 丙小学 are generated from the same seed (the same children, e.g. a child whose 学籍
was not moved when the family moved), 乙小学 from another; each school has its own school key
(.xlsync/school.key), so their 学生编号 differ and only the county's key can match them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xlsync.core.county_match import KEY_VARIABLE, county_id, county_pseudonym
from xlsync.demo import DemoSize, generate_school
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.export import export

AS_OF = dt.date(2026, 11, 30)
KEY = "县教育局-2026-比对密钥-7f3a"
OTHER_KEY = "另一个县的密钥-0000-abcd"
SCHOOLS = {"甲小学": 21, "乙小学": 22, "丙小学": 21}


@pytest.fixture(scope="module")
def masters(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("county_match")
    made = {}
    for name, seed in SCHOOLS.items():
        master = generate_school(root / name, AS_OF, DemoSize(2, 6), seed=seed, school=name)
        consolidate(master, as_of=AS_OF, no_write_back=True)
        made[name] = master
    return made


def exported(masters, folder: Path, key: str | None, monkeypatch, *names: str) -> Path:
    """Each school's masked export into `folder`, with `key` as the county key (or none)."""
    if key is None:
        monkeypatch.delenv(KEY_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(KEY_VARIABLE, key)
    for name in names or SCHOOLS:
        export(masters[name], folder / f"{name}.xlsx")
    return folder


def children(path: Path) -> list[dict[str, Any]]:
    rows = list(load_workbook(path, read_only=True)["全校档案"].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def typed_ids(master: Path) -> list[tuple[str, str]]:
    """(身份证号, 学籍号) of each child as the school typed them (the master's 全校档案)."""
    return [(str(k["身份证号"] or ""), str(k["学籍号"] or "")) for k in children(master)]


def test_the_same_child_in_two_schools_has_one_pseudonym_with_one_key(masters, tmp_path, mp):
    folder = exported(masters, tmp_path, KEY, mp)
    first, third = children(folder / "甲小学.xlsx"), children(folder / "丙小学.xlsx")
    codes = [k["县级比对码"] for k in first]
    assert all(c and c.startswith("C") and len(c) == 17 for c in codes)
    assert codes == [k["县级比对码"] for k in third]
    assert [k["学生编号"] for k in first] != [k["学生编号"] for k in third]  # school keys differ
    assert not set(codes) & {k["县级比对码"] for k in children(folder / "乙小学.xlsx")}


def test_the_small_match_sheet_holds_only_what_the_county_compares(masters, tmp_path, mp):
    folder = exported(masters, tmp_path, KEY, mp, "甲小学")
    rows = list(load_workbook(folder / "甲小学.xlsx", read_only=True)["县级比对"].values)
    assert rows[0] == ("县级比对码", "班级", "姓名", "在校状态")
    kids = children(folder / "甲小学.xlsx")
    assert rows[1:] == [(k["县级比对码"], k["班级"], k["姓名"], k["在校状态"]) for k in kids]
    bare = exported(masters, tmp_path / "无密钥", None, mp, "甲小学")
    assert "县级比对" not in load_workbook(bare / "甲小学.xlsx", read_only=True).sheetnames


def test_another_key_gives_other_pseudonyms(masters, tmp_path, mp):
    ours = exported(masters, tmp_path / "a", KEY, mp, "甲小学")
    theirs = exported(masters, tmp_path / "b", OTHER_KEY, mp, "甲小学")
    a = [k["县级比对码"] for k in children(ours / "甲小学.xlsx")]
    b = [k["县级比对码"] for k in children(theirs / "甲小学.xlsx")]
    assert all(a) and all(b) and not set(a) & set(b)


def test_without_a_key_there_is_no_column(masters, tmp_path, mp):
    folder = exported(masters, tmp_path, None, mp, "甲小学")
    assert "县级比对码" not in children(folder / "甲小学.xlsx")[0]
    mp.setenv(KEY_VARIABLE, KEY)
    export(masters["甲小学"], tmp_path / "完整.xlsx", masked=False)  # the full export has it too
    assert all(k["县级比对码"] for k in children(tmp_path / "完整.xlsx"))


def test_the_pseudonym_is_no_plain_hash_of_the_id_and_the_key_is_written_nowhere(
    masters, tmp_path, mp
):
    folder = exported(masters, tmp_path, KEY, mp, "甲小学")
    codes = {k["县级比对码"][1:] for k in children(folder / "甲小学.xlsx")}
    ids = [i or s for i, s in typed_ids(masters["甲小学"])]
    assert ids and all(ids)
    for number in ids:
        for digest in ("md5", "sha1", "sha256", "sha512"):
            plain = hashlib.new(digest, number.encode()).hexdigest()
            assert not any(code in plain for code in codes), digest
    assert county_pseudonym(ids[0], "", b"") not in codes | {""}  # nor an HMAC with no key
    written = [folder / "甲小学.xlsx", *masters["甲小学"].parent.rglob("*")]
    for path in (p for p in written if p.is_file()):
        data = _contents(path)
        assert KEY.encode() not in data and KEY.encode("utf-16-le") not in data, path


def _contents(path: Path) -> bytes:
    """A file's bytes, and for a zip (xlsx) its members' bytes as well."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zipped:
            data += b"".join(zipped.read(n) for n in zipped.namelist())
    return data


def test_a_short_key_is_refused_in_chinese(masters, run, tmp_path, mp):
    mp.setenv(KEY_VARIABLE, "123456")
    result = run("export", masters["甲小学"], "--out", tmp_path / "x.xlsx")
    assert result.exit_code == 2 and "太短" in result.output and KEY_VARIABLE in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_a_national_student_number_matches_the_id_inside_it():
    number = "110101201509010017"
    assert county_id(number, "") == county_id("", "G" + number) == number
    assert county_id(" 11010120150901001x ", "") == "11010120150901001X"
    assert county_id("", "L2026000123") == "学籍号:L2026000123"
    assert county_id("", "") == ""


# ---- rollup: 重复在籍


def duplicates(folder: Path) -> list[dict[str, Any]]:
    rows = list(
        load_workbook(folder / "县汇总.xlsx", read_only=True)["重复在籍"].iter_rows(
            values_only=True
        )
    )
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def recount(folder: Path) -> dict[str, set[tuple[str, str]]]:
    """县级比对码 → {(school, class)} over the exports, counted with openpyxl."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in folder.glob("*小学.xlsx"):
        for kid in children(path):
            found[kid["县级比对码"]].add((path.stem, kid["班级"]))
    return {code: places for code, places in found.items() if len(places) > 1}


def test_rollup_lists_children_on_file_in_two_schools_with_both_classes(masters, run, tmp_path, mp):
    folder = exported(masters, tmp_path, KEY, mp)
    mp.delenv(KEY_VARIABLE)  # the county needs no key to compare pseudonyms
    result = run("rollup", folder, "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    listed: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in duplicates(folder):
        listed[row["县级比对码"]].add((row["学校"], row["班级"]))
        assert row["学校数"] == 2 and row["情况"].startswith("多校均为在读")
    expected = recount(folder)
    assert listed == expected and len(expected) == 12
    assert all({s for s, _ in places} == {"甲小学", "丙小学"} for places in listed.values())
    assert "12 名学生同时在两所及以上学校" in result.output
    assert run("rollup", folder, "--format", "json").stdout.count('"duplicates": 12') == 1


def test_without_a_key_rollup_matches_nobody_and_says_why(masters, run, tmp_path, mp):
    folder = exported(masters, tmp_path, None, mp)
    result = run("rollup", folder, "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0 and "没有县级比对码" in result.output
    rows = duplicates(folder)
    assert len(rows) == 1 and KEY_VARIABLE in rows[0]["县级比对码"]  # the note, no child


def test_a_school_that_sent_its_master_is_matched_with_the_county_key(masters, run, tmp_path, mp):
    folder = exported(masters, tmp_path, KEY, mp, "甲小学")
    shutil.copy(masters["丙小学"], folder / "丙小学.xlsx")  # the master itself, IDs unmasked
    assert run("rollup", folder, "--as-of", AS_OF.isoformat()).exit_code == 0
    assert {r["学校"] for r in duplicates(folder)} == {"甲小学", "丙小学"}
    assert len({r["县级比对码"] for r in duplicates(folder)}) == 12


@pytest.fixture
def mp(monkeypatch):
    return monkeypatch
