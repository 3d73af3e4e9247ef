"""The master kept encrypted: with XLSYNC_MASTER_PASSWORD set, every command reads and writes
it; without the password it is refused; LibreOffice opens it with the password only."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import needs_uno, open_in_libreoffice, student, write_class_book
from msoffcrypto import OfficeFile

from xlsync.files.protect import PASSWORD_ENV


def _encrypted(path: Path) -> bool:
    with path.open("rb") as stream:
        return OfficeFile(stream).is_encrypted()


@pytest.fixture
def school(tmp_path, run, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "德育2026")
    folder = tmp_path / "学校"
    assert run("init", folder, "--school", "加密小学", "--year", "2026-2027").exit_code == 0
    assert run("new-class", folder, "--class", "三年级2班", "--teacher", "张老师").exit_code == 0
    write_class_book(folder / "班级台账" / "三年级2班.xlsx", students=[student()])
    return folder


def test_every_command_works_on_an_encrypted_master(school, run, tmp_path):
    master = school / "全校汇总.xlsx"
    assert _encrypted(master)
    for day in ("2026-11-30", "2026-12-01"):
        result = run("consolidate", master, "--as-of", day)
        assert result.exit_code in (0, 1), result.stderr
    assert _encrypted(master)
    assert run("export", master, "--out", tmp_path / "县局.xlsx").exit_code == 0
    assert run("validate", school / "班级台账", "--as-of", "2026-11-30").exit_code == 0


def test_without_the_password_the_master_is_refused(school, run, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    result = run("consolidate", school / "全校汇总.xlsx", "--as-of", "2026-11-30")
    assert result.exit_code == 2 and PASSWORD_ENV in result.stderr
    monkeypatch.setenv(PASSWORD_ENV, "错的")
    result = run("consolidate", school / "全校汇总.xlsx", "--as-of", "2026-11-30")
    assert result.exit_code == 2 and "密码不对" in result.stderr


@pytest.mark.soffice
@needs_uno
def test_libreoffice_opens_the_encrypted_master_with_the_password_only(school, run):
    master = school / "全校汇总.xlsx"
    run("consolidate", master, "--as-of", "2026-11-30")

    def lo(*password: str) -> str:
        return open_in_libreoffice(master, *password)

    assert lo("德育2026").startswith("OPENED")
    assert lo() == "NOT OPENED"
