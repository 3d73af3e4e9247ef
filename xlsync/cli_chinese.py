"""click's own words in Chinese: usage lines, headings, help of --help, and usage errors.

click passes every string it shows through `gettext` (`from gettext import gettext as _` in
each of its modules, looked up when the string is needed). `in_chinese()` points those names
at a small in-code catalog for the duration of one command line, so help and errors are
Chinese whatever the computer's language, and nothing outside the CLI is affected. A string
missing from the catalog stays English; tests/test_cli_chinese.py catches that on every
command's help and on the usage errors a teacher makes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

OPTIONS_METAVAR = "[选项]"
CLOSING = "，。、；：？！）」』”"  # never begins a line
SUBCOMMAND_METAVAR = "命令 [参数]..."

MESSAGES: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示这段帮助。",
    "Show the version and exit.": "显示 xlsync 的版本号。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "(dynamic)": "（运行时决定）",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行「{command} {option}」查看用法。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "No such option {name!r}.": "没有这个选项：{name}。",
    "No such command {name!r}.": "没有这个命令：{name}。",
    "Invalid value for {param_hint}: {message}": "{param_hint}的取值不对：{message}",
    "Invalid value: {message}": "取值不对：{message}",
    "Option {name!r} does not take a value.": "选项 {name} 后面不用写取值。",
    "Value must be an iterable.": "取值的个数不对。",
    "{value!r} is not a valid {number_type}.": "「{value}」不是数字。",
    "{value} is not in the range {range}.": "{value} 超出了范围（{range}）。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "「{value}」不是 是/否 的取值。",
    "{name} {filename!r} does not exist.": "「{filename}」不存在。",
    "{name} {filename!r} is a file.": "「{filename}」是一个文件，这里要写文件夹。",
    "{name} {filename!r} is a directory.": "「{filename}」是一个文件夹，这里要写文件。",
    "{name} {filename!r} is not readable.": "「{filename}」没有读取权限。",
    "{name} {filename!r} is not writable.": "「{filename}」没有写入权限。",
    "{name} {filename!r} is not executable.": "「{filename}」不能运行。",
    "Could not open file {filename!r}: {message}": "打不开文件「{filename}」：{message}",
    "unknown error": "未知错误",
    "Aborted!": "已取消。",
    "Repeat for confirmation": "请再输入一次",
    "Error: The two entered values do not match.": "错误：两次输入的不一样，请重新输入。",
    "Error: invalid input": "错误：输入的内容不对",
    "Do you want to continue?": "要继续吗？",
    "Press any key to continue...": "按任意键继续……",
}

# ngettext: keyed by the singular; one Chinese form serves both.
PLURALS: dict[str, str] = {
    "Got unexpected extra argument ({args})": "多出了参数：{args}",
    "Did you mean {possibility}?": "是不是要写{possibility}？",
    "Option {name!r} requires an argument.": "选项 {name} 后面要写上取值。",
    "Takes {nargs} values but 1 was given.": "要写 {nargs} 个取值，只写了 1 个。",
    "{value!r} is not {choice}.": "「{value}」不是可选的取值，可选：{choices}。",
    "{value!r} does not match the format {format}.": "「{value}」的格式不对，应写成 {formats}。",
    "{len_type} values are required, but {len_value} was given.": (
        "要写 {len_type} 个取值，写了 {len_value} 个。"
    ),
}

_MODULES: tuple[ModuleType, ...] = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
)


def gettext(message: str) -> str:
    """click's string in Chinese, or as it is when the catalog lacks it."""
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return PLURALS.get(singular) or (singular if count == 1 else plural)


@contextmanager
def in_chinese() -> Iterator[None]:
    """click speaks Chinese inside the block (its gettext names point at the catalog)."""
    saved = [
        (module, name, getattr(module, name))
        for module in _MODULES
        for name in ("_", "ngettext")
        if hasattr(module, name)
    ]
    for module, name, _old in saved:
        setattr(module, name, gettext if name == "_" else ngettext)
    try:
        yield
    finally:
        for module, name, old in saved:
            setattr(module, name, old)


def tidy(message: str) -> str:
    """click's quoting and full stops in Chinese: 'x' → 「x」, a closing '.' → 。"""
    message = re.sub(r"'([^'\n]*)'", r"「\1」", message).replace("」, 「", "」、「")
    message = re.sub(r"(?<=[」\u4e00-\u9fff])\.(?=\s|$)", "。", message).replace("。 ", "。")
    return re.sub(r"(?<=[\u4e00-\u9fff]) 「", "「", message)


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def joined(text: str) -> str:
    """The lines of a docstring paragraph as one line: no space where a line break fell
    between two Chinese characters."""
    text = re.sub(r"(?<=[^\x00-\x7f])\s*\n\s*(?=[^\x00-\x7f])", "", text)
    return " ".join(text.split())


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns: breaks between Chinese characters or at spaces."""
    lines, line, last = [], "", ""
    for unit in re.findall(r"[\x21-\x7e]+|\s+|.", joined(text)):
        if line and display_width(line + unit) > width:
            # closing punctuation never begins a line: it takes the word before it along
            carried = last if unit in CLOSING and len(last) < len(line) else ""
            lines.append(line[: len(line) - len(carried)].rstrip())
            line = (carried + unit).lstrip()
        else:
            line += unit
        last = unit
    return lines + [line.rstrip()] if line.strip() else lines


class ChineseFormatter(click.HelpFormatter):
    """click's help layout measured in terminal columns (a Chinese character takes two), with
    a Chinese colon after headings and 用法： before the usage line."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        paragraphs = [p for p in text.split("\n\n") if p.strip()]
        for number, paragraph in enumerate(paragraphs):
            lines = wrap(paragraph, self.width - self.current_indent)
            self.write(("\n" if number else "") + "".join(f"{indent}{x}\n" for x in lines))

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max(display_width(r[0]) for r in rows), col_max) + col_spacing
        for term, text in rows:
            self.write(f"{'':>{self.current_indent}}{term}")
            gap = first_col - display_width(term)
            pad = " " * (first_col + self.current_indent)
            self.write(" " * gap if gap >= col_spacing else "\n" + pad)
            lines = wrap(text, max(self.width - first_col - self.current_indent, 10)) or [""]
            self.write("\n".join([lines[0]] + [pad + x for x in lines[1:]]) + "\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, MESSAGES["Usage:"] if prefix is None else prefix)


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


def first_sentence(command: click.Command) -> str:
    """A command's line in its group's list: its help up to the first 。 (click looks for a
    '. ' and cuts by characters, which turns a long Chinese sentence into '...')."""
    text = joined((command.short_help or command.help or "").split("\n\n")[0])
    return re.split(r"(?<=。)", text, maxsplit=1)[0]


class ChineseCommand(click.Command):
    """A command whose help reads 用法：xlsync validate [选项] 台账..."""

    context_class = ChineseContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)

    def get_short_help_str(self, limit: int = 45) -> str:
        return first_sentence(self)


class ChineseGroup(click.Group):
    """A group of ChineseCommands (and of groups like itself)."""

    context_class = ChineseContext
    command_class = ChineseCommand
    group_class = type  # subgroups are of the parent's class

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)

    def get_short_help_str(self, limit: int = 45) -> str:
        return first_sentence(self)
