"""Figures that mean what they say (issue 17.3): the headline counts children with an overdue
item and the on-time share of the periods that were due, by rule; rates are cut, never
rounded up to 100 %; a rate with nothing due yet is empty, not 0 %. Checked against a
day-by-day recount (tests/test_obligations_reference.py) and the master's own lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict

import pytest
from hypothesis import given, settings
from openpyxl import load_workbook
from test_obligations_reference import (
    cases,
    event_spans,
    festival_cases,
    festival_spans,
    judge,
    spans,
)

from xlsync.core.calendar import read_calendar, read_rules
from xlsync.core.duties import rate
from xlsync.core.obligations import Child, tallies
from xlsync.core.roster import children_of
from xlsync.core.validate import ClassInput
from xlsync.demo import DemoSize, generate_school
from xlsync.files.reader import read_class_workbook
from xlsync.files.school import read_master
from xlsync.present import percent
from xlsync.schema import CLASS_DIR, EVENT_PERIODS

AS_OF = dt.date(2026, 12, 10)


def reference_tally(child: Child, rule, cal, as_of: dt.date) -> tuple[int, int]:
    """(due, met) day by day: a period is due once it has ended (before as-of) and counts for
    the child (the reference judges it overdue when nothing at all was recorded); it is met
    when the reference, given the child's real records, finds nothing overdue in it."""
    bare = dataclasses.replace(child, records={})
    if rule.period in EVENT_PERIODS:  # issue 19.5: one period per triggering absence
        found = event_spans(rule, child)
    else:
        found = (
            festival_spans(child, cal, as_of) if rule.period == "节日" else spans(rule, cal, as_of)
        )
    due = met = 0
    for start, end in found:
        if end >= as_of or judge(bare, rule, cal, start, end, as_of) is None:
            continue
        due += 1
        met += judge(child, rule, cal, start, end, as_of) is None
    return due, met


def engine_tally(child: Child, rule, cal, as_of: dt.date) -> tuple[int, int]:
    [found] = tallies([child], [rule], cal, as_of)
    return found.due, found.met


@settings(max_examples=300, deadline=None)
@given(cases())
def test_due_and_met_periods_equal_the_day_by_day_reference(case):
    cal, rule, child, as_of = case
    assert engine_tally(child, rule, cal, as_of) == reference_tally(child, rule, cal, as_of)


@settings(max_examples=200, deadline=None)
@given(festival_cases())
def test_festival_due_and_met_equal_the_day_by_day_reference(case):
    cal, rule, child, as_of = case
    assert engine_tally(child, rule, cal, as_of) == reference_tally(child, rule, cal, as_of)


def test_rates_are_cut_never_rounded_up():
    assert rate(997, 1000) == 0.997 and rate(9996, 10000) == 0.999 and rate(2, 3) == 0.666
    assert rate(0, 0) is None and rate(5, 5) == 1.0
    assert percent(0.9996) == "99.9%" and percent(rate(399, 400)) == "99.7%"
    assert percent(1.0) == "100%" and percent(0.5) == "50%" and percent(None) == "—"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo school consolidated on AS_OF: (master path, its workbook, the CLI's summary)."""
    from click.testing import CliRunner

    from xlsync.cli import cli

    master = generate_school(tmp_path_factory.mktemp("fig") / "学校", AS_OF, DemoSize(4, 12), 11)
    summary = CliRunner().invoke(cli, ["consolidate", str(master), "--as-of", AS_OF.isoformat()])
    assert summary.exit_code in (0, 1), summary.output
    return master, load_workbook(master), summary.stdout


def recount(master) -> dict[str, dict[str, list[int]]]:
    """{class: {rule label: [due, met]}} by the day-by-day reference over every 在读 child."""
    config = read_master(master)
    rules, cal = read_rules(config), read_calendar(config)
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for path in sorted((master.parent / CLASS_DIR).glob("*.xlsx")):
        item = ClassInput(read_class_workbook(path, f"{CLASS_DIR}/{path.name}"), path.stem)
        for child in children_of(item):
            for rule in rules:
                if _judged(rule, child) and _applies(rule, child):
                    due, met = reference_tally(child, rule, cal, AS_OF)
                    out[path.stem][rule.label][0] += due
                    out[path.stem][rule.label][1] += met
    return out


def _judged(rule, child: Child) -> bool:
    """在读 children; for the 控辍保学 rules (issue 19.5) 辍学 children too."""
    return child.studying or (rule.period in EVENT_PERIODS and child.status == "辍学")


def _applies(rule, child: Child) -> bool:
    target = rule.target
    if target == "全部":
        return True
    if target == "重点帮扶":
        return child.key_support
    return child.struggling if target == "学困生" else target in child.categories


def cut(met: int, due: int) -> float | None:
    return math.floor(met * 1000 / due) / 1000 if due else None


def overview_rows(wb) -> dict[str, object]:
    return {r[0]: r[1] for r in wb["概览"].iter_rows(min_row=4, values_only=True) if r[0]}


def table(wb, name: str) -> list[dict]:
    rows = list(wb[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def test_headline_children_with_overdue_against_the_overdue_list(demo):
    master, wb, summary = demo
    overdue = {(r["来源文件"], r["来源行"]) for r in table(wb, "逾期清单") if r["状态"] == "已逾期"}
    studying = sum(1 for r in table(wb, "全校档案") if r["在校状态"] == "在读")
    figures = overview_rows(wb)
    assert figures["有逾期帮扶的学生（人）"] == len(overdue) > 0
    assert figures["有逾期帮扶的学生占在读学生"] == cut(len(overdue), studying)
    items = sum(1 for r in table(wb, "逾期清单") if r["状态"] == "已逾期")
    assert figures["已逾期项数（每名学生每个没做的周期算一项）"] == items > len(overdue)
    assert f"{len(overdue)} 名学生有逾期的帮扶" in summary and f"共 {items} 项" in summary
    by_class = [r for r in table(wb, "班级统计") if r["班级"] != "合计"]
    assert sum(r["有逾期的学生"] for r in by_class) == len(overdue)


def test_on_time_share_by_rule_against_the_day_by_day_recount(demo):
    master, wb, summary = demo
    counted = recount(master)
    school: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for rules in counted.values():
        for label, (due, met) in rules.items():
            school[label][0] += due
            school[label][1] += met
    figures = overview_rows(wb)
    labels = [r.label for r in read_rules(read_master(master))]
    for label in labels:
        due, met = school.get(label, [0, 0])
        assert figures[f"　{label} 按时率"] == cut(met, due), label
    assert any(figures[f"　{label} 按时率"] is None for label in labels)  # 送温暖: not due yet
    total_due, total_met = (sum(v[i] for v in school.values()) for i in (0, 1))
    assert figures["本学年按时完成率（已到期的帮扶中按时完成的）"] == cut(total_met, total_due)
    assert f"本学年按时完成率 {percent(cut(total_met, total_due))}" in summary
    for row in (r for r in table(wb, "班级统计") if r["班级"] != "合计"):
        for label in labels:
            due, met = counted[row["班级"]].get(label, [0, 0])
            assert row[f"{label} 本学年按时率"] == cut(met, due), (row["班级"], label)


def test_nothing_due_yet_is_an_empty_cell_not_zero(demo):
    _, wb, _ = demo
    rates = [k for k in table(wb, "班级统计")[0] if k.endswith("本学年按时率")]
    yearly = [k for k in rates if "每学年" in k]
    assert yearly and all(r[k] is None for r in table(wb, "班级统计") for k in yearly)
    assert all(r[k] != 0 or r[k] is None for r in table(wb, "班级统计") for k in yearly)


def test_charts_follow_the_tables_order_with_values_on_the_bars(demo):
    master, wb, _ = demo
    charts = wb["概览"]._charts
    assert len(charts) == 2
    for chart in charts:
        assert chart.x_axis.scaling.orientation == "maxMin"  # first row of the table on top
        assert chart.dataLabels is not None and chart.dataLabels.showVal
    rows = list(wb["概览"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "本学年按时完成率（按帮扶事项）")
    labels = [r.label for r in read_rules(read_master(master))]
    assert [r[0] for r in rows[start + 1 : start + 1 + len(labels)]] == labels


def test_the_countif_check_is_a_hidden_row(demo):
    _, wb, _ = demo
    ws = wb["概览"]
    [row] = [c.row for c in ws["A"] if c.value == "已逾期项数（按逾期清单重算）"]
    assert ws.row_dimensions[row].hidden
    visible = [c.row for c in ws["A"] if c.value and not ws.row_dimensions[c.row].hidden]
    assert row not in visible
