"""Writing the county workbook (县汇总.xlsx): 学校统计, 逾期 (with its chart), 数据时效, 变更,
then any extra sheets a caller adds (e.g. the children on file in two schools), through the
safe writer (atomic; a 县汇总 open in Excel, or holding sheets the clerk added, is not
overwritten)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from xlsync.core.county import County
from xlsync.core.tables import Grid


def write_county(path: Path, county: County, extra: Mapping[str, Grid] = {}) -> None:
    """Write the county workbook of `county` to `path`; `extra` sheets (name → rows, the first
    row a header) come after the four county sheets, styled like them."""
    raise NotImplementedError
