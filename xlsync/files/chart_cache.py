"""The values a chart shows, stored in the chart itself (numCache / strCache).

openpyxl writes a chart's series as bare cell references. Excel and LibreOffice read the cells
again, but a reader that does not (a phone's or a mail program's preview, Quick Look, file
managers' thumbnails) draws a chart from its cached values, and without them an empty one:
the same defect as a formula written without its result. So every chart xlsync writes (概览's
two, the 工作报告's months, the 县汇总's schools most behind) carries what its cells hold; its
categories are text (strRef), as Excel writes them for labels.
"""

from __future__ import annotations

from typing import Any

from openpyxl.chart.data_source import (
    AxDataSource,
    NumData,
    NumVal,
    StrData,
    StrRef,
    StrVal,
)
from openpyxl.utils.cell import range_to_tuple
from openpyxl.worksheet.worksheet import Worksheet

from xlsync.core.formula import Formula


def cache_values(chart: Any, ws: Worksheet) -> None:
    """Store in each series of `chart` (its data on `ws`) its values, labels and title."""
    for series in chart.series:
        if series.val is not None and series.val.numRef is not None:
            values = _cells(ws, series.val.numRef.f)
            points = [NumVal(idx=n, v=v) for n, v in enumerate(values) if _number(v)]
            series.val.numRef.numCache = NumData(ptCount=len(values), pt=points)
        if series.cat is not None:
            ref = series.cat.numRef or series.cat.strRef
            series.cat = AxDataSource(strRef=_text_ref(ws, ref.f))
        if series.tx is not None and series.tx.strRef is not None:
            series.tx.strRef = _text_ref(ws, series.tx.strRef.f)


def _text_ref(ws: Worksheet, ref: str) -> StrRef:
    labels = _cells(ws, ref)
    points = [StrVal(idx=n, v=str(v)) for n, v in enumerate(labels) if v not in (None, "")]
    return StrRef(f=ref, strCache=StrData(ptCount=len(labels), pt=points))


def _cells(ws: Worksheet, ref: str) -> list[Any]:
    """The values of a one-column or one-row reference on `ws` ('概览'!$B$49:$B$58)."""
    _, (left, top, right, bottom) = range_to_tuple(ref)
    values = [c.value for row in ws.iter_rows(top, bottom, left, right) for c in row]
    return [v.cached if isinstance(v, Formula) else v for v in values]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
