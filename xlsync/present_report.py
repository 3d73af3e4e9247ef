"""The Chinese summary `xlsync report` prints after writing a 工作报告 (issue 21)."""

from __future__ import annotations

from collections.abc import Iterator

from xlsync.jobs.report import ReportResult
from xlsync.present import percent

Line = tuple[str, str]


def report_lines(result: ReportResult) -> Iterator[Line]:
    """Period, children, records, 考核, the lists, notes and the files written."""
    r = result.report
    o, p = r.overview, r.period
    state = "已结束" if p.finished else f"统计到 {p.cutoff:%Y-%m-%d}"
    if p.cutoff < p.start:
        state = "尚未开始"
    yield f"{r.school}{p.name}工作报告（{p.start:%Y-%m-%d} 至 {p.end:%Y-%m-%d}，{state}）", "title"
    yield (
        f"在读学生：期初 {o.children_start} 名，期末 {o.children_end} 名，本期新建档 {o.new_files} 名；"
        f"巩固率 {percent(o.retention_rate)}，建档率 {percent(o.complete_rate)}。",
        "",
    )
    yield (
        f"本期帮扶记录 {o.records} 条（{o.actions} 人次）；期末逾期 {o.overdue_at_end} 项。",
        ("error" if o.overdue_at_end else "ok"),
    )
    met = sum(1 for t in r.teachers if t.met_all)
    yield f"教师考核：{len(r.teachers)} 名教师，{met} 名全部达标。", ""
    yield (
        f"关注名单 {len(r.watch)} 名学生，学困生 {len(r.struggling)} 名，"
        f"表彰候选 {len(r.candidates)} 名（是否表彰请在工作簿中填写）。",
        "",
    )
    for note in r.notes:
        yield f"注意：{note}", "warning"
    for path in result.outputs:
        yield f"已写出：{path}", "ok"
