"""Recognising a class kept in Google Sheets (`gsheet:ID` or a Sheets URL) — without importing
gspread, which every command would otherwise pay for at start-up."""

from __future__ import annotations

import re

PREFIX = "gsheet:"
_URL = re.compile(r"docs\.google\.com/spreadsheets/d/([A-Za-z0-9_-]+)")


def google_id(source: str) -> str | None:
    """The spreadsheet id of a 台账来源 like `gsheet:ID` or a Google Sheets URL, else None."""
    text = str(source).strip()
    if text.startswith(PREFIX):
        return text[len(PREFIX) :]
    match = _URL.search(text)
    return match.group(1) if match else None
