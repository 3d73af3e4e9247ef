"""Masking by what a value is (issue 15.1, 15.2): IDs and phones in any spelling, addresses in
free text, personal fields in 变更记录, keyed pseudonyms instead of IDs, birth year only; and
the same for every log the product writes."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlsync.core.findings import Report
from xlsync.core.masking import mask_cell, mask_rows, mask_text, pseudonym
from xlsync.errors import XlsyncError
from xlsync.jobs.validate import ValidateResult

KEY = b"k" * 32
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
HEADERS = ["班级", "姓名", "身份证号", "学籍号", "出生日期", "家庭住址", "父亲电话", "备注", "详情"]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_the_reported_spellings_are_masked():
    for typed in ("138-1234-5678", "+86137-1111-2222", "431122-2019-0522-0047"):
        assert _digits(typed)[-11:] not in _digits(mask_text(typed)), typed
    assert "1112" not in mask_text("431122 ****1112 0061")
    assert mask_text("１３８１２３４５６７８") == "138****5678"


def test_dates_and_run_times_are_not_masked():
    """汇总时间 on 概览 (and the sync's and export's times) read as they were written, not
    as `********:37`; a phone typed after a date is still masked."""
    for kept in (
        "截至 2026-11-29\u3000汇总时间 2026-11-29 11:37",
        "2026/11/29 09:05:33",
        "导出时间：2026.11.29 9:05",
    ):
        assert mask_text(kept) == kept
    assert "5678" not in mask_text("2026-11-29 138 1234 5678")


def test_address_cut_near_the_start_not_at_the_first_乡_anywhere():
    assert mask_cell("某某县石门村五组27号(近乡", "家庭住址") == "某某县石……"
    assert mask_cell("某某县青山镇龙井村2组", "家庭住址") == "某某县青山镇"
    note = "家访地址：某某县青山镇石桥村8组27号，孩子很好"
    assert "石桥村" not in mask_text(note) and "孩子很好" in mask_text(note)


def test_change_details_of_personal_fields_do_not_leave():
    detail = "家庭住址：某某县青山镇龙井村2组 → 某某县青山镇石桥村8组27号；留守类型：父母均外出 → 父亲外出"
    masked = mask_cell(detail, "详情")
    assert "龙井村" not in masked and "石桥村" not in masked and "家庭住址：已修改" in masked
    assert "父亲外出" in masked


def test_ids_become_keyed_pseudonyms_and_birth_dates_years():
    rows = mask_rows(
        [
            ["身份证号", "学籍号", "出生日期"],
            ["430102201905220047", "G430102201905220047", "2019-05-22"],
        ],
        KEY,
    )
    assert (
        rows[1][0] == pseudonym("430102201905220047", KEY) != pseudonym("430102201905220047", b"x")
    )
    assert re.fullmatch(r"P[0-9a-f]{12}", rows[1][0]) and rows[1][2] == 2019
    assert "0522" not in str(rows[1])


def _spellings(digits: str) -> st.SearchStrategy[str]:
    sep = st.sampled_from(["", " ", "-", ".", "－", "　"])
    return st.tuples(sep, st.booleans()).map(
        lambda p: (p[0].join(digits[i : i + 4] for i in range(0, len(digits), 4))).translate(
            FULLWIDTH if p[1] else {}
        )
    )


phones = st.from_regex(r"1[3-9]\d{9}", fullmatch=True)
ids = st.from_regex(
    r"[1-6]\d{5}(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])\d{3}[0-9X]", fullmatch=True
)
addresses = st.builds(
    lambda v, g, n: f"某某县青山镇{v}村{g}组{n}号",
    st.sampled_from(["龙井", "石门", "石桥", "白沙"]),
    st.integers(1, 12),
    st.integers(1, 99),
)


@settings(max_examples=150, deadline=None)
@given(
    secret=st.one_of(phones, ids).flatmap(lambda d: st.tuples(st.just(d), _spellings(d))),
    address=addresses,
    column=st.sampled_from(HEADERS),
    prefix=st.sampled_from(["", "电话", "联系+86", "身份证 ", "（"]),
)
def test_no_personal_value_survives_in_any_column_or_free_text(secret, address, column, prefix):
    digits, typed = secret
    row = ["三年级1班", "张三", "", "", "", "", "", "", ""]
    row[HEADERS.index(column)] = f"{prefix}{typed}，住{address}"
    masked = str(mask_rows([HEADERS, row], KEY)[1][HEADERS.index(column)])
    kept = _digits(masked.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    if column not in ("身份证号", "学籍号"):  # those are pseudonyms: hex, not the typed digits
        assert len(kept) <= (7 if len(digits) == 11 else 4), masked  # phone 3+4, ID nothing
    assert digits[6:10] + digits[3:7] not in kept and address[6:] not in masked


def _no_window_of(digits: str, text: str) -> bool:
    """No 7 consecutive digits of `digits` in one number of `text` (separators ignored, a star
    breaks a number: a masked phone keeps 3 and 4 digits apart); timestamps are left out."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", " ", text)
    runs = [_digits(r) for r in re.findall(r"\d[\d\s\-－.()+]*", text)]
    return not any(digits[i : i + 7] in run for run in runs for i in range(len(digits) - 6))


def _google_refusal(quoted: str) -> Exception:
    """What gspread raises for a 400 whose message quotes a value sent (Google's messages do)."""
    import json

    import requests
    from gspread.exceptions import APIError

    response = requests.Response()
    response.status_code = 400
    response._content = json.dumps(
        {
            "error": {
                "code": 400,
                "message": f"Invalid value '{quoted}'",
                "status": "INVALID_ARGUMENT",
            }
        }
    ).encode()
    return APIError(response)


def _logs(typed: str, folder: Path) -> list[str]:
    """Every log the product writes, each fed an error that quotes `typed`: the error a sync
    prints (through google_errors), the `sync --every` log (run_every), the Excel add-in's log
    (ribbon._log), the failed-file lines of the CLI text and JSON, and the classes 汇总 could
    not write back (text and JSON)."""
    from xlsync import ribbon
    from xlsync.google.client import google_errors
    from xlsync.jobs.sync import run_every
    from xlsync.jobs.write_back import WriteBack
    from xlsync.present import _write_back_lines, validation_lines

    lines: list[str] = []

    def once():
        with google_errors("1SchoolSheet"):
            raise _google_refusal(typed)

    with pytest.raises(XlsyncError) as refused:  # what `xlsync sync` prints (and cron logs)
        once()
    lines.append(str(refused.value))
    run_every(60, once, lambda line, ok: lines.append(line), sleep=lambda s: None, max_runs=1)
    with mock.patch.object(ribbon, "LOG_FILE", folder / "excel.log"):
        written = ribbon._log(ValueError(f"could not convert string to float: '{typed}'"))
    failed = [{"file": "三年级1班.xlsx", "message": f"「三年级1班.xlsx」无法读取（{typed}）"}]
    result = SimpleNamespace(
        inputs=SimpleNamespace(master=None, notes=[], failed=failed),
        report=Report(),
        annotated=[],
        exit_code=2,
    )
    text = [line for line, _ in validation_lines(result)]
    as_json = ValidateResult(dt.date(2026, 11, 30), result.inputs, Report()).to_dict()
    back = WriteBack(missed=[{"class": "三年级1班", "file": "三年级1班.xlsx", "reason": "写入失败",
                              "message": failed[0]["message"]}])  # fmt: skip
    text += [line for line, _ in _write_back_lines(back)]  # 汇总's summary, its write-back part
    return [
        *lines,
        written.read_text(encoding="utf-8"),
        *text,
        str(as_json["failed_files"]),
        str(back.to_dict()["not_refreshed"]),
    ]


@settings(max_examples=60, deadline=None)
@given(
    secret=st.one_of(phones, ids).flatmap(lambda d: st.tuples(st.just(d), _spellings(d))),
    address=addresses,
)
def test_no_personal_value_reaches_a_log(secret, address):
    digits, typed = secret
    with tempfile.TemporaryDirectory() as folder:
        logs = _logs(f"{typed}，住{address}", Path(folder))
    assert len(logs) >= 6 and "Invalid value" in logs[0] + logs[1] and "ValueError" in logs[2]
    for log in logs:
        assert _no_window_of(digits, log) and address[6:] not in log, log


def test_a_named_illness_leaves_the_school_as_yes_only():
    """重病 (issue 19.3) may name the illness: health data that only 是/否 of leaves."""
    rows = [
        ["姓名", "重病"],
        ["王小明", "白血病，在省儿童医院治疗"],
        ["李华", "否"],
        ["赵强", "是"],
    ]
    assert [r[1] for r in mask_rows(rows)[1:]] == ["是", "否", "是"]
    assert mask_cell("先天性心脏病", "重病") == "是"
