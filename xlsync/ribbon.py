"""What the ribbon buttons run (macros/XlsyncRibbon.bas → RunPython → these functions).

Each entry point takes the workbook the user is looking at (xlwings' `Book.caller()`; the
add-in's RunPython passes ActiveWorkbook), runs one job of xlsync/jobs/excel.py on it,
shows progress in Excel's status bar and ends with one Chinese message box. No Python
traceback ever reaches the user: a refused run shows its Chinese reason, anything else a
short apology and the path of a log file with the details.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlsync.core.masking import mask_failures, mask_text
from xlsync.errors import XlsyncError
from xlsync.jobs import excel as jobs
from xlsync.jobs.sync import sync
from xlsync.schema import CHECK_SHEET, COUNTY_FILE, STATUS_SHEET

LOG_FILE = Path.home() / ".xlsync" / "excel.log"
TITLE = "xlsync 留守儿童帮扶"
HELP = f"""「留守儿童帮扶」选项卡上的按钮：

在班级台账中：
· 校验本表：检查每一行，把有问题的单元格标上颜色和批注，问题列在「{CHECK_SHEET}」表。您填写的内容不会被改动。
· 计算逾期：在学生档案右侧写出每项帮扶的状态，待办事项列在「{STATUS_SHEET}」表。
· 打印档案：生成本班每名学生的留守儿童档案卡、联系卡和谈心记录卡（可直接打印的工作簿，放在台账旁的「打印档案」文件夹里，并为您打开）。在全校汇总中点时，先问要打印哪个班。

在全校汇总中：
· 汇总全校：读取「班级台账」文件夹里的所有班级台账，重建汇总各表并保存（之前的版本自动备份在 .xlsync/备份/）。
· 学期报告：生成本学期的工作报告工作簿（总体情况、教师考核、班级对比、学困生、关注名单、表彰候选）并打开，同时在旁边生成数字已填好的工作总结 Word 稿。先点过「汇总全校」再点它。
· 同步云端：把最近一次保存的汇总结果（默认脱敏）同步到学校的 Google 表格。
· 新建班级表：新建一个班级台账并登记到 班级 表。

在县教育局（各校报送的文件放在同一个文件夹里）：
· 县级汇总：打开这个文件夹里的任一文件（或上次的「{COUNTY_FILE}」）后点，把文件夹里各校的导出文件汇总成「{COUNTY_FILE}」并打开（学校统计、逾期、数据时效、变更）。与命令 xlsync rollup 完全相同。

没有 Excel（用 WPS 或 LibreOffice）时：双击全校汇总旁的「汇总」脚本，效果与「汇总全校」相同。
出现问题时，提示框会说明原因和改法；详细记录在 {LOG_FILE}。"""


def today() -> dt.date:
    """The as-of date of a click (a function, so a benchmark can pin it)."""
    return dt.date.today()


def caller() -> Any:
    """The workbook the button was clicked in."""
    import xlwings as xw  # only here: everything else works on the objects it returns

    return xw.Book.caller()


def _log(error: BaseException) -> Path:
    """Append the traceback to the log the user is asked to send out: masked, since an error
    message may quote a cell (an ID, a phone, an address)."""
    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    with LOG_FILE.open("a", encoding="utf-8") as log:
        log.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n")
        log.write(mask_text("".join(traceback.format_exception(error))))
    return LOG_FILE


def _half_written(action: str, error: jobs.HalfWritten) -> str:
    """What a job that failed while writing into the book says: what it did about it."""
    if isinstance(error.cause, XlsyncError):
        what = f"{action}没有完成：{error.cause}"
    else:
        what = (
            f"{action}时出了意外的问题，没有完成（详细记录：{_log(error.cause)}，请发给技术老师）"
        )
    if error.undone:
        return f"{what}\n写了一半的内容已经撤销：工作簿已按点按钮时的样子重新打开（点按钮时先保存过一次）。"
    return (
        f"{what}\n工作簿里有写了一半的内容：请关闭这个工作簿并选择「不保存」，再重新打开"
        "（点按钮时已经保存过一次，您填写的内容都在文件里）。"
    )


def button(action: str) -> Callable[[Callable[..., str]], Callable[..., None]]:
    """Run the decorated job on the caller with status-bar progress; end with a message box."""

    def decorate(job: Callable[..., str]) -> Callable[..., None]:
        @functools.wraps(job)
        def run(*args: Any) -> None:
            book = caller()
            app = book.app
            app.status_bar = f"xlsync：正在{action}……"
            try:
                message, mode = job(book, *args), "info"
            except XlsyncError as error:
                message, mode = f"{action}没有完成：{error}", "critical"
            except jobs.HalfWritten as error:
                message, mode = _half_written(action, error), "critical"
            except Exception as error:  # the user gets a message box, the details go to the log
                message, mode = (
                    (
                        f"{action}时出了意外的问题，您的工作簿没有被改坏。请把这个文件发给技术老师："
                        f"{_log(error)}"
                    ),
                    "critical",
                )
            finally:
                app.status_bar = False  # give the status bar back to Excel
            app.alert(message, title=f"{TITLE} · {action}", mode=mode)

        signature = inspect.signature(
            job
        )  # what RunPython passes: the job's arguments after the book
        run.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])  # type: ignore[attr-defined]
        return run

    return decorate


def _progress(book: Any) -> Callable[[str, int, int, str], None]:
    def show(stage: str, done: int, total: int, current: str) -> None:
        book.app.status_bar = f"xlsync 汇总：{stage} {done}/{total} {current}"

    return show


@button("校验本表")
def validate_book(book: Any) -> str:
    report = jobs.validate_open_book(book, today())
    errors, warnings = jobs.error_count(report)
    if not errors and not warnings:
        return "没有发现问题，做得很好！"
    return (
        f"发现 {errors} 个错误、{warnings} 个提醒，已在表中标出颜色和批注。\n"
        f"逐条的说明和改法在「{CHECK_SHEET}」表，点单元格地址可跳到那一格。改好后再点一次「校验本表」。"
    )


@button("计算逾期")
def overdue_book(book: Any) -> str:
    overdue, soon = jobs.counts(jobs.overdue_open_book(book, today()))
    if not overdue and not soon:
        return "目前没有逾期或即将到期的帮扶事项。"
    return f"已逾期 {overdue} 项，即将到期 {soon} 项。每个孩子的状态在学生档案右侧，待办清单在「{STATUS_SHEET}」表。"


@button("汇总全校")
def consolidate_school(book: Any) -> str:
    result = jobs.consolidate_open_master(book, today(), _progress(book))
    f = result.figures
    lines = [
        f"已汇总 {f['classes']} 个班、{f['children']} 名学生、{f['records']} 条帮扶记录，并已保存。",
        f"{f['children_overdue']} 名学生有逾期的帮扶（共 {f['overdue']} 项），"
        f"即将到期 {f['due_soon']} 项；校验错误 {f['errors']} 个。",
    ]
    if f.get("incidents_open"):  # issue 19.4: the first thing the lead reads
        lines.insert(
            0,
            f"紧急：{f['incidents_open']} 件安全事件还没有报告，请立即报告（见「安全事件汇总」表）。",
        )
    lines += [f"无法读取：{x['file']}（{x['message']}）" for x in mask_failures(result.failed)]
    back = result.write_back
    if back is not None:
        lines.append(f"已更新 {len(back.refreshed)} 个班级台账（{len(back.current)} 个已是最新）。")
        lines += [f"未更新：{m['class']}（{m['reason']}）" for m in back.missed]
    return "\n".join(lines)


@button("学期报告")
def term_report(book: Any) -> str:
    opened = jobs.report_open_master(book, today(), _progress(book))
    result = opened.result
    report, workbook = result.report, result.workbook
    book.app.books.open(str(workbook))
    o, p = report.overview, report.period
    state = "本学期已结束" if p.finished else f"统计到 {p.cutoff:%Y-%m-%d}"
    lines = [
        f"已生成{p.name}工作报告（{state}），已为您打开：{workbook}",
        f"在读学生 {o.children_end} 名，本期帮扶记录 {o.records} 条，期末逾期 {o.overdue_at_end} 项；"
        f"关注名单 {len(report.watch)} 名。",
    ]
    if opened.draft is not None:
        lines.append(
            f"工作总结 Word 稿：{opened.draft}（数字已填好，请用 Word 或 WPS 打开，把黄色底纹处改写成本校的情况）。"
        )
    else:
        lines.append(f"没有生成工作总结 Word 稿：{opened.no_draft}")
    return "\n".join(lines + [f"注意：{note}" for note in result.notes])


@button("同步云端")
def sync_school(book: Any) -> str:
    result = sync(jobs.open_master(book))
    masked = "已脱敏" if result.masked else "未脱敏"
    return f"已把 {result.as_of or '最近一次'} 的汇总结果（{masked}）同步到 Google 表格，更新了 {result.report.changed_cells} 个单元格。"


@button("打印档案")
def print_book(book: Any, class_name: str = "") -> str:
    result = jobs.print_open_book(book, today(), joined(class_name).strip())
    book.app.books.open(str(result.workbook))
    lines = [
        f"已生成 {len(result.cards)} 名学生（{result.term}）的留守儿童档案卡、联系卡和谈心记录卡，"
        f"已为您打开：{result.workbook}",
        "按 Ctrl+P 打印（选“打印整个工作簿”）。身份证号只印后 4 位。",
    ]
    gaps = result.gaps
    if gaps:
        lines.append(f"{len(gaps)} 名学生的卡片有空项，已留空格可手写：")
        lines += gaps[:5] + ([f"……另有 {len(gaps) - 5} 名"] if len(gaps) > 5 else [])
    return "\n".join(lines + result.notes)


def joined(text: str) -> str:
    """Text as the VBA's PyText sends it, with each UTF-16 surrogate pair (a rare character
    such as 𠮷, sent as two \\u escapes) joined back into its one character."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@button("新建班级表")
def new_class(book: Any, class_name: str, teacher: str) -> str:
    class_name, teacher = joined(class_name), joined(teacher)
    made = jobs.new_class_in_open_master(book, class_name, teacher)
    added = f"，并把 {teacher} 加入了 教师 表" if made.teacher_added else ""
    book.app.books.open(str(made.workbook))
    return f"已新建班级台账「{made.workbook.name}」（已为您打开），并在 班级 表登记{added}。请把它交给班主任填写。"


@button("县级汇总")
def rollup_county(book: Any) -> str:
    """Issue 23.5: the folder of the clicked workbook (a school's file, or the last 县汇总)
    rolled up by the very job `xlsync rollup` runs; the 县汇总 is (re)opened. Clicked in the
    县汇总 itself, it is saved (as every button does) and closed so the job can replace it."""
    from xlsync.jobs.county import county_rollup  # with 重复在籍, as the CLI (issue 23.2)
    from xlsync.present_county import county_lines

    path = Path(book.fullname)
    if not path.is_file():
        raise XlsyncError("请先打开各校报送文件夹里的一个文件（或上次的县汇总），再点这个按钮。")
    out, app = path.parent / COUNTY_FILE, book.app
    if path == out:
        book.save()
        book.close()
    try:
        result = county_rollup(path.parent, out, today(), progress=_progress(book))
    finally:
        if out.is_file():
            app.books.open(str(out))
    lines = [text for text, _ in county_lines(result)]
    return "\n".join(lines[:-1])  # the last line says how to open the workbook: it is open


@button("查看使用说明")
def show_help(book: Any) -> str:
    return HELP
