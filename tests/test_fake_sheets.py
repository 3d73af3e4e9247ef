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


def test_rows_inserted_and_deleted_as_google_does(fake):
    """insertDimension / deleteDimension (what the known-rows sync sends; deleted through
    gspread's own delete_rows): cells move, the grid grows and shrinks, inserted rows take the
    formats of the row they inherit from."""
    book = open_client(session=requests.Session()).open_by_key(SID)
    sheet = book.add_worksheet("名单", rows=5, cols=3)
    sheet.update([["姓名"], ["甲"], ["乙"]], "A1", raw=True)
    tab = fake.tab(SID, "名单")
    tab.formats[(1, 0)] = {"numberFormat": {"type": "DATE"}}

    def insert(at: int, before: bool) -> None:
        span = {"sheetId": sheet.id, "dimension": "ROWS", "startIndex": at, "endIndex": at + 1}
        book.batch_update(
            {"requests": [{"insertDimension": {"range": span, "inheritFromBefore": before}}]}
        )

    insert(2, True)
    sheet.update([["丙"]], "A3", raw=True)
    assert fake.values(SID, "名单") == [["姓名"], ["甲"], ["丙"], ["乙"]] and tab.rows == 6
    assert tab.formats[(2, 0)] == tab.formats[(1, 0)] and (3, 0) not in tab.formats
    insert(1, False)  # inheriting from after: the row that moves down
    assert tab.formats[(1, 0)] == tab.formats[(2, 0)] == {"numberFormat": {"type": "DATE"}}
    sheet.update([["丁"]], "A2", raw=True)
    assert fake.values(SID, "名单") == [["姓名"], ["丁"], ["甲"], ["丙"], ["乙"]]
    sheet.delete_rows(2, 3)
    assert fake.values(SID, "名单") == [["姓名"], ["丙"], ["乙"]] and tab.rows == 5


@pytest.mark.parametrize(
    "request_body",
    [
        {"deleteDimension": {"range": {"dimension": "ROWS", "startIndex": 0, "endIndex": 6}}},
        {"deleteDimension": {"range": {"dimension": "ROWS", "startIndex": 3, "endIndex": 9}}},
        {"deleteDimension": {"range": {"dimension": "ROWS", "startIndex": 3, "endIndex": 3}}},
        {"deleteDimension": {"range": {"dimension": "ROWS", "startIndex": 3}}},
        {"insertDimension": {"range": {"dimension": "ROWS", "startIndex": 7, "endIndex": 8}}},
        {
            "insertDimension": {
                "range": {"dimension": "ROWS", "startIndex": 0, "endIndex": 1},
                "inheritFromBefore": True,
            }
        },
    ],
    ids=["all rows", "past the grid", "empty", "unbounded", "past the end", "before row 0"],
)
def test_dimension_requests_google_refuses_are_refused_whole(fake, request_body):
    """Deleting every row, ranges beyond the grid or empty or unbounded, inserting past the
    end, inheriting from before index 0: 400 INVALID_ARGUMENT, and nothing applied."""
    book = open_client(session=requests.Session()).open_by_key(SID)
    sheet = book.add_worksheet("名单", rows=5, cols=3)
    sheet.update([["姓名"], ["甲"], ["乙"]], "A1", raw=True)
    ((kind, spec),) = request_body.items()
    spec["range"]["sheetId"] = sheet.id
    with pytest.raises(APIError) as caught:
        book.batch_update(
            {
                "requests": [
                    {
                        "insertDimension": {
                            "range": {
                                "sheetId": sheet.id,
                                "dimension": "ROWS",
                                "startIndex": 1,
                                "endIndex": 2,
                            }
                        }
                    },
                    request_body,
                ]
            }
        )
    assert caught.value.response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert (
        fake.values(SID, "名单") == [["姓名"], ["甲"], ["乙"]] and fake.tab(SID, "名单").rows == 5
    )
