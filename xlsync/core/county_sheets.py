"""The tables of the county workbook (学校统计, 逾期, 数据时效, 变更) and the rollup's JSON,
made from a combined `County`. Pure: rows of values; the writer styles them."""

from __future__ import annotations

from typing import Any

from xlsync.core.county import County
from xlsync.core.tables import Grid


def school_table(county: County) -> Grid:
    """学校统计: a header, one row per school, the 合计 row."""
    raise NotImplementedError


def county_json(county: County) -> dict[str, Any]:
    """The rollup's JSON document (documented in README, 'JSON documents')."""
    raise NotImplementedError
