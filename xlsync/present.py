"""Plain-text reports for a teacher: lines with a tone the CLI may colour (no click here).

What is printed lands in terminals, CI logs, screenshots and chats: findings are shown masked
(`Finding.masked`), as are the messages of files that could not be read."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from itertools import groupby
from pathlib import Path

from xlsync.core.findings import ERROR, NOTICE, WARNING, Finding
from xlsync.core.incidents import Incident, unreported
from xlsync.core.masking import mask_message
from xlsync.core.obligations import DONE, OPEN, OVERDUE, SOON, Item
from xlsync.core.todo import (
    CURRENT,
    EARLIER,
    RECENT,
    Folded,
    missed_when,
    section_of,
    section_title,
    todo,
)
from xlsync.jobs.check import CheckResult
from xlsync.jobs.consolidate import ConsolidateResult
from xlsync.jobs.overdue import OverdueResult
from xlsync.jobs.sync import SyncResult
from xlsync.jobs.upgrade import UpgradeResult
from xlsync.jobs.validate import ValidateResult
from xlsync.jobs.write_back import WriteBack
from xlsync.schema import INCIDENT_SUMMARY

Line = tuple[str, str]  # (text, tone): tone is "error", "warning", "ok", "title" or ""


def percent(rate: float | None) -> str:
    """A rate as 99.7% or 100%: cut to 0.1 %, never rounded up (99.96 % is not 100%)."""
    if rate is None:
        return "—"
    tenths = math.floor(rate * 1000 + 1e-9)
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"


MASKED_NOTE = (
    "为保护孩子的个人信息，上面的身份证号、电话、出生日期等只显示一部分；"
    "原样内容在台账的“校验结果”表和单元格批注里（加上 --annotate 标出）。"
)


def _finding_line(found: Finding) -> Line:
    f = found.masked()
    mark, tone = ("✗", "error") if f.severity == ERROR else ("!", "warning")
    if f.severity == NOTICE:
        mark, tone = "i", ""
    where = f"{f.cell or (f'第{f.row}行' if f.row else '')} {f.column}".strip()
    return f"    {mark} {where}：{f.message}" if where else f"    {mark} {f.message}", tone


def validation_lines(result: ValidateResult) -> Iterator[Line]:
    """Grouped by file and sheet, each file headed by its counts and 建档率."""
    for note in result.inputs.notes:
        yield f"提示：{note}", "warning"
    by_file = {k: list(v) for k, v in groupby(result.report.findings, key=lambda f: f.file)}
    for info in result.report.files:
        found = by_file.get(info["file"], [])
        yield (
            f"{info['file']}（{info['class']}）  学生 {info['children']} 人 · "
            f"记录 {info['records']} 条 · 建档率 {percent(info['complete_rate'])}",
            "title",
        )
        if not found:
            yield "    没有发现问题。", "ok"
        for sheet, rows in groupby(found, key=lambda f: f.sheet):
            yield f"  {sheet}", ""
            yield from (_finding_line(f) for f in rows)
    yield from _failures(result.inputs.failed)
    yield _total(result), "error" if result.exit_code else "ok"
    if any(f.masked().message != f.message for f in result.report.findings):
        yield MASKED_NOTE, ""
    for path in result.annotated:
        if path in by_file:
            yield f"已在「{path}」中标出问题单元格，并更新了“校验结果”表。", "ok"
        else:
            yield f"「{path}」没有需要标出的问题（没有上次的标记时，文件不会被改写）。", "ok"


def _failures(failed: list[dict[str, str]]) -> Iterator[Line]:
    if failed:
        yield "无法读取或写入的文件：", "error"
        for item in failed:
            yield f"    ✗ {mask_message(item['message'])}", "error"


def _counts(found: list[Finding]) -> str:
    """「2 个错误，1 个警告」, with 「，1 个提示」 only when there is one (issue 19.7)."""
    count = {s: sum(f.severity == s for f in found) for s in (ERROR, WARNING, NOTICE)}
    notices = f"，{count[NOTICE]} 个提示" if count[NOTICE] else ""
    return f"{count[ERROR]} 个错误，{count[WARNING]} 个警告{notices}"


def _total(result: ValidateResult) -> str:
    return (
        f"合计：{len(result.report.files)} 个文件，{_counts(result.report.findings)}"
        + (f"，{len(result.inputs.failed)} 个文件无法处理" if result.inputs.failed else "")
        + "。"
    )


def _current_line(i: Item) -> Line:
    mark, tone = ("!", "warning") if i.status == SOON else ("·", "")
    return f"    {mark} {i.child}  {i.rule}：{i.status}（截止 {i.due}）", tone


def _recent_line(i: Item) -> Line:
    when = f"{missed_when(i)}漏做（截止 {i.due}，已过 {i.days_overdue} 天）"
    return f"    ✗ {i.child}  {i.rule}：{when}", "error"


def _folded_line(f: Folded) -> Line:
    return f"    ✗ {f.item.child}  {f.item.rule}：{f.text}", "error"


def todo_lines(items: list[Item], everything: bool = False) -> Iterator[Line]:
    """One teacher's to-do list in the order of the 逾期提醒 sheet (core/todo.py); the earlier
    misses only counted unless `everything`."""
    plan = todo(items)
    if plan.empty:
        yield "    本期帮扶都已完成，也没有漏做。", "ok"
        return
    yield f"  {section_title(CURRENT, len(plan.current))}", ""
    yield from (_current_line(i) for i in plan.current)
    if plan.recent:
        yield f"  {section_title(RECENT, len(plan.recent))}", ""
        yield from (_recent_line(i) for i in plan.recent)
    if plan.earlier:
        yield f"  {section_title(EARLIER, len(plan.earlier))}", ""
        if everything:
            yield from (_folded_line(f) for f in plan.earlier)
        else:
            yield f"    （加 --all 列出这 {len(plan.earlier)} 行）", ""


def _teacher_order(pair: tuple[str, list[Item]]) -> tuple:
    teacher, items = pair
    statuses = [i.status for i in items]
    return (-statuses.count(OVERDUE), -statuses.count(SOON), teacher)


def _teacher_line(teacher: str, items: list[Item]) -> Line:
    statuses = [i.status for i in items]
    recent = sum(1 for i in items if section_of(i) == RECENT)
    classes = "、".join(dict.fromkeys(i.class_name for i in items))
    return (
        f"{teacher}（{classes}）：已逾期 {statuses.count(OVERDUE)} 项（近四周 {recent} 项），"
        f"即将到期 {statuses.count(SOON)} 项，待完成 {statuses.count(OPEN)} 项，"
        f"本期已完成 {statuses.count(DONE)} 项",
        "title",
    )


def overdue_lines(result: OverdueResult, everything: bool = False) -> Iterator[Line]:
    """One block per teacher (most overdue first), each a to-do list: this period's items, the
    misses of the last four weeks, and the earlier misses folded (listed only if `everything`)."""
    for note in result.inputs.notes:
        yield f"提示：{note}", "warning"
    yield f"帮扶待办与逾期（截至 {result.as_of}）", "title"
    yield from incident_lines(result.incidents)
    by_teacher: dict[str, list[Item]] = {}
    for item in result.items:
        by_teacher.setdefault(item.teacher, []).append(item)
    for teacher, items in sorted(by_teacher.items(), key=_teacher_order):
        yield _teacher_line(teacher, items)
        yield from todo_lines(items, everything)
    yield from _school_lines(result)
    yield from _failures(result.inputs.failed)
    for path in result.written:
        yield f"已更新「{path}」的状态列和“逾期提醒”表。", "ok"


def incident_lines(incidents: Sequence[Incident]) -> Iterator[Line]:
    """Unreported 安全事件 before anything else (issue 19.4); no child is named on a screen."""
    waiting = unreported(incidents)
    if waiting:
        yield f"紧急：{len(waiting)} 件安全事件还没有报告（发现当天就要报告）：", "error"
    for i in waiting:
        late = f"已过 {i.days} 天" if i.days else "今天发现"
        yield f"    ✗ {i.class_name} {i.sheet}第{i.row}行：{i.when}，{late}。", "error"
    if waiting:
        yield "    请立即报告公安、民政、教育局等，报告后填上报告对象和报告时间。", "error"


def _school_lines(result: OverdueResult) -> Iterator[Line]:
    school = result.school
    whole = school.classes is None
    yield (
        f"{'全校' if whole else '、'.join(school.classes or ()) or '所读班级'}："
        f"在读 {school.studying} 人，辍学 {school.dropped_out} 人，"
        f"建档率 {percent(school.complete_rate)}，巩固率 {percent(school.retention_rate)}。",
        "title",
    )
    if school.teachers_without_child:
        names = "、".join(
            f"{t['teacher']}（{t['role'] or '党员'}）" for t in school.teachers_without_child
        )
        yield (
            f"{'' if whole else '这些班的'}还没有结对帮扶学生的班主任或党员教师：{names}。"
            "每名教师至少结对一名学生。",
            "warning",
        )
    if not whole and result.inputs.config.teacher_names:  # no 教师 sheet: nothing to judge
        yield "只读了这些班的台账，其他班教师的结对情况要在全校汇总时才能核对。", ""


def consolidation_lines(result: ConsolidateResult) -> Iterator[Line]:
    """The short summary after 汇总: totals, findings, overdue, rates, files, where the master is."""
    f = result.figures
    if result.unchanged:
        yield f"班级台账和日期都没有变化，全校汇总无需更新：{result.master}", "ok"
        return
    yield (
        f"汇总完成（截至 {result.as_of}）：{f['classes']} 个班，{f['children']} 名学生，"
        f"{f['records']} 条帮扶记录。",
        "title",
    )
    if f.get("incidents_open"):
        where = "、".join(f"{k} {v}" for k, v in f["incidents_open_by_class"].items())
        yield (
            f"紧急：{f['incidents_open']} 件安全事件还没有报告：{where}。"
            f"请立即报告（见“{INCIDENT_SUMMARY}”表）。",
            "error",
        )
    yield (
        f"校验：{f['errors']} 个错误，{f['warnings']} 个警告"
        + (f"，{f['notices']} 个提示" if f.get("notices") else "")
        + "（见“校验问题”表）。",
        "error" if f["errors"] else "ok",
    )
    yield (
        f"逾期：{f['children_overdue']} 名学生有逾期的帮扶（占在读学生 "
        f"{percent(f['children_overdue_share'])}），共 {f['overdue']} 项（每名学生每个没做的周期算一项）；"
        f"{f['due_soon']} 项即将到期（见“逾期清单”表）。",
        "error" if f["overdue"] else "ok",
    )
    yield _on_time_line(f), ""
    yield f"建档率 {percent(f['complete_rate'])}，巩固率 {percent(f['retention_rate'])}。", ""
    for path in f["stale_files"]:
        yield f"使用了上次汇总时的数据：{path}", "warning"
    yield from _failures(result.failed)
    yield from _write_back_lines(result.write_back)
    yield from _cache_line(result)
    yield f"全校汇总：{result.master}", "ok"


def _cache_line(result: ConsolidateResult) -> Iterator[Line]:
    """Said only when some class came from the cache (a file that fell back to its last good
    data has its own line above)."""
    stale = set(result.figures["stale_files"]) - set(result.parsed)
    cached = result.figures["classes"] - len(set(result.parsed)) - len(stale)
    if cached <= 0:
        return
    if result.parsed:
        yield (
            f"本次重新读取 {len(result.parsed)} 个台账，"
            f"其余 {cached} 个没有变化的台账直接用了上次读取的结果（缓存）。",
            "",
        )
    else:
        yield f"台账都没有变化，{cached} 个台账直接用了上次读取的结果（缓存）。", ""


def _on_time_line(f: dict) -> str:
    """本学年按时完成率, overall and by rule (rules with nothing due yet are left out)."""
    rules = "、".join(f"{r} {percent(v)}" for r, v in f["on_time_by_rule"].items() if v is not None)
    if f["on_time_rate"] is None:
        return "本学年按时完成率：还没有到期的帮扶。"
    return f"本学年按时完成率 {percent(f['on_time_rate'])}（已到期的帮扶中按时完成的）：{rules}。"


def check_lines(result: CheckResult) -> Iterator[Line]:
    """What 检查台账 shows in its window: each workbook's problems and due work, and whether
    it was updated; then where to look."""
    evaluated = result.evaluated
    for item in evaluated.inputs.items:
        file = item.book.file
        found = [f for f in evaluated.report.findings if f.file == file]
        errors = sum(f.severity == ERROR for f in found)
        due = [i.status for i in evaluated.items if i.file == file]
        waiting = unreported(i for i in evaluated.incidents if i.file == file)
        urgent = f"紧急：{len(waiting)} 件安全事件还没有报告！" if waiting else ""
        state = (
            "已更新台账"
            if file in result.refreshed
            else "台账已是最新，没有改动"
            if file in result.current
            else "台账没有更新"
        )
        yield (
            f"{item.class_name}（{Path(file).name}）：{urgent}{_counts(found)}；"
            f"{due.count(OVERDUE)} 项已逾期，{due.count(SOON)} 项即将到期。{state}。",
            "error" if errors or waiting else "ok",
        )
        for notice in (f for f in found if f.severity == NOTICE):  # e.g. 升级台账 (19.7)
            yield f"    提示：{notice.masked().message}", ""
    yield from _failures(evaluated.inputs.failed)
    if evaluated.inputs.items:
        yield "打开台账：看“校验结果”表改正问题，看“逾期提醒”表安排这周的帮扶。", ""


def _write_back_lines(done: WriteBack | None) -> Iterator[Line]:
    """Which class workbooks 汇总 refreshed, and which it could not (with why)."""
    if done is None:
        yield "这次没有更新班级台账（已关闭“汇总时更新班级台账”）。", ""
        return
    if done.refreshed:
        names = "、".join(Path(n).name for n in done.refreshed)
        yield f"已更新 {len(done.refreshed)} 个班级台账的状态列、逾期提醒和校验标记：{names}", "ok"
    if done.current:
        yield f"{len(done.current)} 个班级台账已是最新，没有改动。", ""
    for missed in done.missed:
        message = mask_message(missed["message"])
        yield f"未更新：{missed['class']}（{missed['reason']}）。{message}", "warning"
    if done.returned and (done.refreshed or done.current):
        yield f"更新后的台账已复制到「{done.returned}」，可以把里面的文件发回各班。", ""
    if done.copy_error:
        yield f"没能更新“返回各班”文件夹：{done.copy_error}", "warning"


def sync_lines(result: SyncResult) -> Iterator[Line]:
    """What a sync did (or, with --dry-run, would do)."""
    r = result.report
    verb = "将会" if r.dry_run else "已"
    yield (
        f"{'（试运行，没有写入）' if r.dry_run else ''}Google 表格「{result.spreadsheet}」"
        f"{verb}更新 {r.changed_cells} 个单元格（数据截至 {result.as_of or '未知'}）。",
        "title",
    )
    if not result.as_of:
        yield "全校汇总里没有记下数据截至日期：请重新运行 汇总全校，再同步一次。", "warning"
    if r.tabs_added:
        yield f"{verb}新建工作表：{'、'.join(r.tabs_added)}", ""
    if r.tabs_grown:
        yield f"{verb}扩大工作表：{'、'.join(r.tabs_grown)}", ""
    how = (
        "读取整个表格逐格核对"
        if r.full_read
        else "只读取 同步信息 表，按上次同步的记录只发送变了的行"
    )
    yield (
        f"共 {r.requests} 个请求，发送 {r.bytes_sent / 1024:.0f} KB，"
        f"接收 {r.bytes_received / 1024:.0f} KB（{how}）。",
        "",
    )
    yield (
        "个人信息已脱敏（身份证号、学籍号换成无法还原的代号，出生日期只留年份，电话只显示首尾几位，住址只到乡镇）。"
        if result.masked
        else "注意：学校信息 表设置了不脱敏，身份证号、电话和住址是完整的。",
        "ok" if result.masked else "warning",
    )


def upgrade_lines(result: UpgradeResult) -> Iterator[Line]:
    """What `xlsync upgrade` added (or, on a dry run, would add) to each workbook."""
    verb = "将加上" if result.dry_run else "已加上"
    for done in result.files:
        kind = "全校汇总" if done.master else "班级台账"
        if not done.gaps:
            yield f"{done.path}（{kind}）：已是最新模板，不用升级。", "ok"
            continue
        yield f"{done.path}（{kind}）{verb}：", "title"
        for part in done.gaps.parts():
            yield f"    + {part}", ""
    yield from _failures(result.failed)
    for folder in result.launchers:
        yield f"已在「{folder}」放上「升级台账」，以后双击它就能升级这个文件夹里的台账。", ""
    yield from _upgrade_summary(result)


def _upgrade_summary(result: UpgradeResult) -> Iterator[Line]:
    if result.dry_run:
        yield "以上只是预览，没有改动任何文件。去掉 --dry-run 再运行一次即可升级。", "title"
        return
    written = sum(u.written for u in result.files)
    yield (
        f"升级完成：{written} 个文件已升级（原文件已备份，xlsync restore 可以恢复），"
        f"{len(result.files) - written} 个已是最新。原有内容一律没有改动；"
        "台账的状态列和逾期提醒会在下次检查台账或汇总时更新。",
        "error" if result.failed else "ok",
    )
