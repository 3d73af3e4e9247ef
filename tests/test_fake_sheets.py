"""The loopback fake answers gspread's own high-level calls the way Google does (so the tests
that use it test xlsync, not the fake)."""

from __future__ import annotations

import pytest
import requests
from conftest import SID
from gspread.exceptions import APIError

from xlsync.google.client import open_client


def test_gspread_high_level_calls(fake):
    book = open_client(session=requests.Session()).open_by_key(SID)
    sheet = book.add_worksheet("名单", rows=5, cols=3)
    sheet.update([["姓名", "电话"], ["王小明", "=1+1"]], "A1", raw=True)
    assert sheet.get_all_values() == [["姓名", "电话"], ["王小明", "=1+1"]]
    assert book.values_batch_get(["'名单'!A2:B2"])["valueRanges"][0]["values"] == [
        ["王小明", "=1+1"]
    ]
    sheet.batch_clear(["A2:B2"])
    assert fake.values(SID, "名单") == [["姓名", "电话"]]
    book.values_clear("'名单'!A1:B1")
    assert fake.values(SID, "名单") == []
    with pytest.raises(APIError) as caught:
        sheet.update([["x"]] * 10, "A1")
    assert caught.value.response.json()["error"]["status"] == "INVALID_ARGUMENT"
    book.del_worksheet(sheet)
    assert [w.title for w in book.worksheets()] == ["Sheet1"]


def test_unknown_spreadsheet_is_404_in_googles_shape(fake):
    with pytest.raises(APIError) as caught:
        open_client(session=requests.Session()).http_client.fetch_sheet_metadata("nope")
    assert caught.value.response.json() == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }
