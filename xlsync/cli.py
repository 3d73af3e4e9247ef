"""The `xlsync` command: thin click commands over the library.

Each command parses its options, calls one library function and prints the result in
Chinese. An `XlsyncError` becomes one line on stderr and exit code 2; click's own usage
errors are put into Chinese too. The library never imports click.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

import click
from click.exceptions import NoArgsIsHelpError

from xlsync import __version__
from xlsync.addin.build import build_addin
from xlsync.addin.install import install_addin, uninstall_addin
from xlsync.cli_chinese import ChineseGroup, in_chinese, tidy
from xlsync.core.school_year import school_year_of
from xlsync.demo import DemoSize
from xlsync.dev_help import DEV_HELP, DEV_HELP_HINT
from xlsync.errors import XlsyncError
from xlsync.files.backup import KEEP, backups_of
from xlsync.files.discover import master_in
from xlsync.files.launchers import BAT, CHECK_BAT, CHECK_COMMAND, COMMAND
from xlsync.files.safe_write import restore_backup
from xlsync.files.school import create_school
from xlsync.files.templates import write_templates
from xlsync.jobs.check import check as check_job
from xlsync.jobs.classes import new_class as new_class_job
from xlsync.jobs.consolidate import consolidate as consolidate_job
from xlsync.jobs.county import county_rollup
from xlsync.jobs.demo import demo as demo_job
from xlsync.jobs.export import export as export_job
from xlsync.jobs.inputs import Google
from xlsync.jobs.overdue import overdue as overdue_job
from xlsync.jobs.print import Selection, print_dossiers
from xlsync.jobs.sync import parse_interval, run_every
from xlsync.jobs.sync import sync as sync_job
from xlsync.jobs.upgrade import upgrade as upgrade_job
from xlsync.jobs.validate import validate as validate_job
from xlsync.present import (
    check_lines,
    consolidation_lines,
    overdue_lines,
    sync_lines,
    upgrade_lines,
    validation_lines,
)
from xlsync.present_county import county_lines
from xlsync.schema import CLASS_DIR, COUNTY_FILE, MASTER_FILE

USAGE_EXIT = 2
TONES: dict[str, dict[str, Any]] = {
    "error": {"fg": "red"},
    "warning": {"fg": "yellow"},
    "ok": {"fg": "green"},
    "title": {"bold": True},
}


def _usage_in_chinese(error: click.UsageError) -> str:
    if isinstance(error, NoArgsIsHelpError):  # a bare `xlsync` or `xlsync addin`: its help
        return error.format_message()
    where = error.ctx.command_path if error.ctx else "xlsync"
    return f"命令写法有误：{tidy(error.format_message())}\n运行「{where} --help」查看用法。"


class XlsyncGroup(ChineseGroup):
    """A group whose help and errors are Chinese: usage errors and `XlsyncError` exit with 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except XlsyncError as error:
            click.echo(f"错误：{error}", err=True)
            ctx.exit(USAGE_EXIT)

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        with in_chinese():
            code = self._run(*args, **kwargs)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, *args: Any, **kwargs: Any) -> int:
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
            code = result if isinstance(result, int) else 0
        except click.UsageError as error:
            click.echo(_usage_in_chinese(error), err=True)
            code = USAGE_EXIT
        except click.ClickException as error:
            click.echo(f"错误：{tidy(error.format_message())}", err=True)
            code = error.exit_code
        except click.Abort:
            click.echo("已取消。", err=True)
            code = 1
        return code


def _parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"「{value}」不是日期，请写成 2026-11-30 这样。") from None


class MasterPath(click.Path):
    """全校汇总 as a command takes it: the workbook, or the school folder that holds it."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        given = super().convert(value, param, ctx)  # a Path: path_type=Path
        return master_in(given if isinstance(given, Path) else Path(os.fsdecode(given)))


def reading_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """PATH... plus --master, --as-of and --format, shared by every reading command."""
    decorators: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.argument(
            "paths", nargs=-1, required=True, metavar="台账...", type=click.Path(path_type=Path)
        ),
        click.option(
            "--master",
            type=MasterPath(),
            default=None,
            metavar="全校汇总",
            help="全校汇总工作簿或它所在的学校文件夹（默认：在当前文件夹和台账所在文件夹及其上级中查找 全校汇总.xlsx）",
        ),
        as_of_option,
        format_option,
        credentials_option,
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def as_of_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as-of",
        "as_of",
        callback=_parse_day,
        default=None,
        metavar="YYYY-MM-DD",
        help="按哪一天计算（默认：今天）",
    )(func)


def credentials_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--credentials",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar="密钥文件",
        help="Google 服务账号密钥文件（只有班级台账放在 Google 表格里时才需要）",
    )(func)


def format_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format",
        "output",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="输出格式：text 给人看，json 给程序用",
    )(func)


class TerminalProgress:
    """Files read so far and the current file, on stderr; redrawn in place on a terminal."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()

    def __call__(self, stage: str, done: int, total: int, current: str) -> None:
        bar = "#" * (20 * done // total) + "-" * (20 - 20 * done // total)
        line = f"{stage} [{bar}] {done}/{total} {current}"
        if self.live:
            click.echo("\r" + line.ljust(70), nl=done == total, err=True)
        elif done == total or done % max(1, total // 10) == 0:
            click.echo(line, err=True)


def emit(output: str, result: Any, lines: Callable[[Any], Iterable[tuple[str, str]]]) -> None:
    """Print `result` as one JSON document, or as coloured text lines."""
    if output == "json":
        for note in getattr(result, "notes", []):
            click.echo(f"提示：{note}", err=True)
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
        return
    for text, tone in lines(result):
        click.secho(text, **TONES.get(tone, {}))


def folder_argument(func: Callable[..., Any]) -> Callable[..., Any]:
    """The school folder (where 全校汇总.xlsx lives) as the first argument."""
    return click.argument(
        "folder", metavar="学校文件夹", type=click.Path(file_okay=False, path_type=Path)
    )(func)


@click.group(
    cls=XlsyncGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=f"每个命令的用法：xlsync 命令 --help\n\n{DEV_HELP_HINT}",
)
@click.version_option(
    __version__, prog_name="xlsync", message="%(prog)s %(version)s", help="显示 xlsync 的版本号。"
)
def cli() -> None:
    """xlsync：留守儿童帮扶台账的校验、逾期提醒与全校汇总。"""


@cli.command()
@folder_argument
@click.option("--school", required=True, metavar="名称", help="学校名称，如 某某镇中心小学")
@click.option(
    "--year", default=None, metavar="学年", help="学年，如 2026-2027（默认：今天所在的学年）"
)
def init(folder: Path, school: str, year: str | None) -> None:
    """在 学校文件夹 中创建全校汇总工作簿和班级台账目录。"""
    year = year or school_year_of(dt.date.today())
    master = create_school(folder, school, year)
    click.echo(
        f"已创建学校「{school}」（{year} 学年）：\n  全校汇总：{master}\n"
        f"  班级台账目录：{master.parent / CLASS_DIR}\n"
        f"  没有 Excel（用 WPS）时双击汇总：{master.parent / BAT}（Windows）、{master.parent / COMMAND}（macOS）\n"
        f"  班主任双击检查台账：{master.parent / CLASS_DIR / CHECK_BAT}（Windows）、{CHECK_COMMAND}（macOS）\n"
        f"下一步：xlsync new-class {folder} --class 三年级2班 --teacher 张老师"
    )


@cli.command("new-class")
@folder_argument
@click.option("--class", "class_name", required=True, metavar="班级", help="班级名称，如 三年级2班")
@click.option("--teacher", required=True, metavar="姓名", help="班主任姓名")
@click.option(
    "--google",
    "google_sheet",
    default=None,
    metavar="表格ID或网址",
    help="把班级台账建在这个 Google 表格里（先新建一个空表格并共享给服务账号）",
)
@credentials_option
def new_class(
    folder: Path, class_name: str, teacher: str, google_sheet: str | None, credentials: Path | None
) -> None:
    """从模板新建一个班级台账（Excel 文件或 Google 表格），并登记到全校汇总的 班级 和 教师 表。"""
    made = new_class_job(folder, class_name, teacher, google_sheet, Google(credentials))
    added = f"，并把 {teacher} 加入了 教师 表" if made.teacher_added else ""
    click.echo(f"已新建班级台账：{made.workbook}\n已在 {made.master.name} 的 班级 表登记{added}。")


@cli.command()
@reading_options
@click.option(
    "--annotate", is_flag=True, help="把问题写回台账：标出问题单元格、加批注，并生成“校验结果”表"
)
@click.pass_context
def validate(
    ctx: click.Context,
    paths: tuple[Path, ...],
    master: Path | None,
    as_of: dt.date | None,
    output: str,
    credentials: Path | None,
    annotate: bool,
) -> None:
    """检查班级台账（一个或几个文件，或整个文件夹）中每一行填得是否正确。"""
    result = validate_job(list(paths), master, as_of, annotate, Google(credentials))
    emit(output, result, validation_lines)
    ctx.exit(result.exit_code)


@cli.command()
@reading_options
@click.option(
    "--write", is_flag=True, help="把状态写回台账：学生档案右侧的状态列（带颜色）和“逾期提醒”表"
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="也逐行列出本学年更早的漏做（默认只列本期待办和近四周漏做，更早的只给行数）",
)
@click.pass_context
def overdue(
    ctx: click.Context,
    paths: tuple[Path, ...],
    master: Path | None,
    as_of: dt.date | None,
    output: str,
    credentials: Path | None,
    write: bool,
    everything: bool,
) -> None:
    """算出每名学生的帮扶待办：本期待办、近四周漏做、更早的漏做（按帮扶教师列出）。"""
    result = overdue_job(list(paths), master, as_of, write, Google(credentials))
    emit(output, result, partial(overdue_lines, everything=everything))
    ctx.exit(result.exit_code)


@cli.command()
@click.argument("paths", nargs=-1, metavar="[台账]...", type=click.Path(path_type=Path))
@click.option(
    "--master",
    type=MasterPath(),
    default=None,
    metavar="全校汇总",
    help="全校汇总工作簿或它所在的学校文件夹（默认：在台账所在文件夹及其上级中查找 全校汇总.xlsx）",
)
@as_of_option
@format_option
@click.pass_context
def check(
    ctx: click.Context,
    paths: tuple[Path, ...],
    master: Path | None,
    as_of: dt.date | None,
    output: str,
) -> None:
    """检查台账：检查并更新班级台账（默认：当前文件夹里的全部台账），标出问题、写好状态列和逾期提醒。班级台账目录里的「检查台账」双击时运行的就是它。"""
    result = check_job(list(paths) or [Path.cwd()], master, as_of)
    emit(output, result, check_lines)
    ctx.exit(result.exit_code)


@cli.command()
@click.argument("master", required=False, metavar="[全校汇总]", type=MasterPath())
@click.option(
    "--classes",
    "classes_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="文件夹",
    help="班级台账所在的文件夹（默认：全校汇总 学校信息 表中的 班级台账目录）",
)
@as_of_option
@format_option
@credentials_option
@click.option(
    "--allow-outside",
    is_flag=True,
    help="允许读取班级台账目录之外的台账（台账来源含 ../、绝对路径或指向外面的链接时）",
)
@click.option(
    "--no-write-back",
    is_flag=True,
    help="这一次只重建全校汇总，不更新各班台账里的状态列、逾期提醒和校验标记",
)
@click.pass_context
def consolidate(
    ctx: click.Context,
    master: Path | None,
    classes_dir: Path | None,
    as_of: dt.date | None,
    output: str,
    credentials: Path | None,
    allow_outside: bool,
    no_write_back: bool,
) -> None:
    """汇总：校验全校所有班级台账，算出逾期，重建全校汇总工作簿，并更新各班台账的状态列、逾期提醒和校验标记。"""
    result = consolidate_job(
        master,
        classes_dir,
        as_of,
        TerminalProgress(),
        Google(credentials),
        allow_outside,
        no_write_back=no_write_back,
    )
    emit(output, result, consolidation_lines)
    ctx.exit(result.exit_code)


@cli.command()
@click.argument(
    "folder",
    required=False,
    default="xlsync-demo",
    metavar="[文件夹]",
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--classes",
    default=12,
    show_default=True,
    metavar="数量",
    type=click.IntRange(1, 2000),
    help="班级数",
)
@click.option(
    "--children",
    default=25,
    show_default=True,
    metavar="人数",
    type=click.IntRange(5, 200),
    help="每班学生数",
)
@click.option(
    "--seed",
    default=2026,
    show_default=True,
    metavar="数字",
    type=int,
    help="随机种子（相同种子生成相同的学校）",
)
@as_of_option
@format_option
@click.pass_context
def demo(
    ctx: click.Context,
    folder: Path,
    classes: int,
    children: int,
    seed: int,
    as_of: dt.date | None,
    output: str,
) -> None:
    """生成一所演示学校（不需要网络和 Excel），并对它运行一次汇总。"""
    result = demo_job(folder, as_of, DemoSize(classes, children), seed, TerminalProgress())
    emit(output, result, consolidation_lines)
    if output == "text":
        click.echo(
            "用 Excel、WPS 或 LibreOffice 打开上面的全校汇总，先看“概览”和“逾期清单”两张表。"
        )


@cli.command("print")
@click.argument(
    "paths", nargs=-1, required=True, metavar="台账或全校汇总...", type=click.Path(path_type=Path)
)
@click.option("--class", "classes", multiple=True, metavar="班级", help="只打印这个班（可写几次）")
@click.option(
    "--child",
    "children",
    multiple=True,
    metavar="学生",
    help="只打印这名学生：姓名、身份证号或学籍号（可写几次）",
)
@click.option(
    "--term", default=None, metavar="学期", help="学期名称（默认：--as-of 那天所在的学期）"
)
@click.option("--full", is_flag=True, help="身份证号、学籍号完整打印（默认只印后 4 位）")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF")
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    metavar="文件",
    help="打印用的工作簿（.xlsx），或放它的文件夹（默认：全校汇总旁的 打印档案 文件夹）",
)
@click.option(
    "--master",
    type=MasterPath(),
    default=None,
    metavar="全校汇总",
    help="全校汇总工作簿或它所在的学校文件夹（默认：在台账所在文件夹及其上级中查找 全校汇总.xlsx）",
)
@as_of_option
@credentials_option
@click.pass_context
def print_cards(
    ctx: click.Context,
    paths: tuple[Path, ...],
    classes: tuple[str, ...],
    children: tuple[str, ...],
    term: str | None,
    full: bool,
    pdf: bool,
    out: Path | None,
    master: Path | None,
    as_of: dt.date | None,
    credentials: Path | None,
) -> None:
    """打印档案：生成每名学生的留守儿童档案卡、联系卡和谈心记录卡（一个可直接打印的工作簿，可加 PDF）。"""
    select = Selection(classes, children, term, full)
    result = print_dossiers(list(paths), select, master, as_of, out, pdf, Google(credentials))
    for note in result.notes:
        click.echo(f"提示：{note}", err=True)
    for failed in result.failed:
        click.secho(f"没有读到：{failed['file']}：{failed['message']}", fg="yellow", err=True)
    for line in result.gaps:
        click.secho(line, fg="yellow", err=True)
    click.echo(
        f"已生成 {len(result.cards)} 名学生（{result.term}）的档案卡、联系卡和谈心记录卡：{result.workbook}"
    )
    if result.pdf:
        click.echo(f"PDF：{result.pdf}")
    ctx.exit(result.exit_code)


@cli.command()
@click.argument("master", required=False, metavar="[全校汇总]", type=MasterPath())
@click.option(
    "--spreadsheet",
    metavar="表格ID",
    help="Google 表格 ID（默认：学校信息 表中的 Google 表格 ID）",
)
@click.option(
    "--credentials",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="密钥文件",
    help="Google 服务账号密钥文件（默认：学校信息 表中的 凭据文件）",
)
@click.option("--dry-run", is_flag=True, help="只报告会改动什么，不写入 Google 表格")
@click.option(
    "--force", is_flag=True, help="表格由另一份全校汇总同步过时，仍然同步（本校汇总换了位置或电脑）"
)
@click.option(
    "--every",
    default=None,
    metavar="间隔",
    help="每隔多久同步一次（如 30m 是 30 分钟，1h 是 1 小时），一直运行到按 Ctrl+C",
)
@format_option
@click.pass_context
def sync(
    ctx: click.Context,
    master: Path | None,
    spreadsheet: str | None,
    credentials: Path | None,
    dry_run: bool,
    force: bool,
    every: str | None,
    output: str,
) -> None:
    """把全校汇总（脱敏后）同步到共享的 Google 表格。"""

    def once() -> Any:
        return sync_job(master, spreadsheet, credentials, dry_run, force=force)

    if every is None:
        emit(output, once(), sync_lines)
        return
    interval = parse_interval(every)
    if interval < 60:
        raise XlsyncError("同步间隔至少 1 分钟（Google 每分钟最多 60 个请求）。")
    log_path = (master or Path(MASTER_FILE)).resolve().parent / ".xlsync" / "sync.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)

    def log(line: str, ok: bool) -> None:
        click.secho(line, fg=None if ok else "yellow")
        with log_path.open("a", encoding="utf-8") as stream:
            stream.write(line + "\n")

    click.echo(f"每 {every} 同步一次，按 Ctrl+C 停止。日志：{log_path}")
    try:
        run_every(interval, once, log)
    except KeyboardInterrupt:
        click.echo("已停止同步。")


@cli.command()
@click.argument("master", metavar="全校汇总", type=MasterPath())
@click.option(
    "--out",
    "out",
    required=True,
    metavar="文件",
    type=click.Path(dir_okay=False, path_type=Path),
    help="导出的文件（.xlsx）",
)
@click.option("--masked/--full", default=True, help="脱敏（默认，与同步相同的规则）或完整导出")
@click.option("--encrypt", is_flag=True, help="用密码加密导出文件（会提示输入密码）")
def export(master: Path, out: Path, masked: bool, encrypt: bool) -> None:
    """导出全校汇总的结果（默认脱敏），交给县教育局等；可加密码。"""
    password = None
    if encrypt:
        password = os.environ.get("XLSYNC_EXPORT_PASSWORD") or click.prompt(
            "请输入导出文件的密码", hide_input=True, confirmation_prompt="请再输入一次"
        )
    result = export_job(master, out, masked, password)
    click.echo(
        f"已导出 {result.sheets} 张表到「{result.path}」"
        f"（{'已脱敏' if masked else '未脱敏，含完整个人信息'}{'，已加密码' if password else ''}）。"
    )
    if not masked and not password:
        click.secho(
            "注意：这份文件含有学生的完整个人信息，请加密码（--encrypt）或妥善保管。", fg="yellow"
        )


# ---- issue 23: the county rollup (H6)
@cli.command()
@click.argument("folder", metavar="文件夹", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    "out",
    default=None,
    metavar="文件",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"县汇总工作簿（默认：文件夹里的 {COUNTY_FILE}）",
)
@click.option(
    "--stale-days",
    default=14,
    show_default=True,
    metavar="天数",
    type=click.IntRange(0, 3650),
    help="学校的汇总早于这么多天，就列入「数据时效」",
)
@click.option(
    "--parquet",
    default=None,
    metavar="文件夹",
    type=click.Path(file_okay=False, path_type=Path),
    help="另存一份脱敏的 Parquet 数据（按学校分区），供市、省的数据平台读取",
)
@as_of_option
@format_option
@click.pass_context
def rollup(
    ctx: click.Context,
    folder: Path,
    out: Path | None,
    stale_days: int,
    parquet: Path | None,
    as_of: dt.date | None,
    output: str,
) -> None:
    """县级汇总：读取文件夹里各校报送的文件（xlsync export 导出的文件，或全校汇总），生成县汇总工作簿：学校统计、逾期、数据时效、变更。"""
    result = county_rollup(folder, out, as_of, stale_days, TerminalProgress(), parquet)
    emit(output, result, county_lines)
    ctx.exit(result.exit_code)


@cli.command()
@click.argument("paths", nargs=-1, metavar="[台账或文件夹]...", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="只列出每个文件要加上的列和工作表，不改动文件")
@format_option
@click.pass_context
def upgrade(ctx: click.Context, paths: tuple[Path, ...], dry_run: bool, output: str) -> None:
    """升级台账：给旧版模板做的班级台账和全校汇总加上新版的列、工作表和学校信息设置（默认：当前文件夹里的全校汇总和全部台账）。原有内容一律不变，改写前自动备份。"""
    result = upgrade_job(list(paths) or [Path.cwd()], dry_run)
    emit(output, result, upgrade_lines)
    ctx.exit(result.exit_code)


@cli.command()
@click.argument("file", metavar="文件", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--pick", type=int, default=None, metavar="编号", help="恢复列表中的第几个备份（不写则只列出）"
)
def restore(file: Path, pick: int | None) -> None:
    """列出或恢复 xlsync 改写前自动保存的备份（在文件旁的 .xlsync/备份/ 中）。"""
    found = backups_of(file)
    if not found:
        raise XlsyncError(
            f"「{file}」没有备份。xlsync 每次改写工作簿之前都会在旁边的 .xlsync/备份/ 里保存一份。"
        )
    if pick is None:
        click.echo(f"「{file}」的备份（最新的在前，保留最近 {KEEP} 份）：")
        for number, backup in enumerate(found, start=1):
            click.echo(f"  {number}. {backup.taken:%Y-%m-%d %H:%M:%S}  {backup.path}")
        click.echo(f"恢复其中一份：xlsync restore {file} --pick 编号")
        return
    if not 1 <= pick <= len(found):
        raise XlsyncError(f"没有第 {pick} 个备份，请在 1 到 {len(found)} 之间选择。")
    restore_backup(found[pick - 1].path, file)
    click.echo(
        f"已用 {found[pick - 1].taken:%Y-%m-%d %H:%M:%S} 的备份恢复「{file}」（恢复前的版本也已备份）。"
    )


@cli.command(hidden=True)  # a developer's command: listed by `xlsync help-dev`
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("workbook_templates"),
    show_default=True,
    metavar="文件夹",
    help="模板输出目录",
)
def templates(out: Path) -> None:
    """（开发用）按表结构的定义重新生成 workbook_templates 中的两个模板。"""
    for path in write_templates(out):
        click.echo(f"已生成：{path}")


@cli.command("help-dev")
def help_dev() -> None:
    """高级用法（给信息管理员和开发者）：Google 表格里的台账、密钥、代理和开发用命令。"""
    click.echo(DEV_HELP, nl=False)


@cli.command()
@click.argument(
    "master",
    required=False,
    metavar="[全校汇总]",
    type=MasterPath(),
)
@click.option(
    "--term", default=None, metavar="学期名称", help="哪个学期（学期 表中的名称，如 2026秋季学期）"
)
@click.option("--year", is_flag=True, help="整个学年（学期 表中的全部学期）")
@click.option("--docx", is_flag=True, help="同时写出工作总结 Word 稿（数字已填好，可修改的草稿）")
@as_of_option
@format_option
@credentials_option
@click.option(
    "--allow-outside",
    is_flag=True,
    help="允许读取班级台账目录之外的台账（与汇总时的同名选项相同）",
)
@click.pass_context
def report(
    ctx: click.Context,
    master: Path | None,
    term: str | None,
    year: bool,
    docx: bool,
    as_of: dt.date | None,
    output: str,
    credentials: Path | None,
    allow_outside: bool,
) -> None:
    """学期/学年工作报告：在全校汇总旁写出 工作报告_<学期>.xlsx（总体情况、教师考核、班级对比、学困生、关注名单、表彰候选）。默认是 --as-of 当天所在的学期。"""
    from xlsync.jobs.report import make_report
    from xlsync.jobs.report_draft import add_draft
    from xlsync.present_report import report_lines

    result = make_report(
        master,
        term,
        year,
        as_of,
        TerminalProgress(),
        Google(credentials),
        allow_outside=allow_outside,
    )
    if docx:
        add_draft(result)
    emit(output, result, report_lines)
    ctx.exit(result.exit_code)


@cli.group(cls=XlsyncGroup)
def addin() -> None:
    """Excel 加载项（功能区「留守儿童帮扶」）：生成、安装、卸载。"""


def addin_folder_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--dir",
        "folder",
        type=click.Path(file_okay=False, path_type=Path),
        metavar="文件夹",
        default=None,
        help="放加载项的文件夹（默认：Excel 的启动文件夹 XLSTART）",
    )(func)


@addin.command("build")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    metavar="文件",
    default=Path("xlsync.xlam"),
    show_default=True,
    help="生成的加载项文件（或放它的文件夹）",
)
def addin_build(out: Path) -> None:
    """从 xlsync 自带的宏源文件生成 xlsync.xlam（不需要 Excel；相同的源文件生成相同的文件）。"""
    click.echo(f"已生成 Excel 加载项：{build_addin(out)}")


@addin.command("install")
@addin_folder_option
def addin_install(folder: Path | None) -> None:
    """安装加载项到 Excel 的启动文件夹，并让它使用当前这个 Python。安装前请退出 Excel。"""
    done = install_addin(folder=folder)
    click.echo(
        f"已安装 Excel 加载项：{done.addin}\n加载项使用的 Python：{done.interpreter}（设置在 {done.config}）"
    )
    for path in done.extra:
        click.echo(f"已放入 RunPython 所需的脚本：{path}")
    click.secho("请重新打开 Excel，功能区上会出现「留守儿童帮扶」选项卡。", fg="green")


@addin.command("uninstall")
@addin_folder_option
def addin_uninstall(folder: Path | None) -> None:
    """从 Excel 的启动文件夹删除加载项和它的设置。卸载前请退出 Excel。"""
    removed = uninstall_addin(folder=folder)
    for path in removed:
        click.echo(f"已删除：{path}")
    click.echo("已卸载 Excel 加载项。" if removed else "没有找到已安装的 xlsync 加载项。")


def main() -> None:
    """Console entry point."""
    cli()


if __name__ == "__main__":
    main()
