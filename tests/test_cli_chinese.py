"""Everything the CLI itself says is Chinese: every command's --help (click's own words too)
and the usage errors a teacher makes; the advanced usage lives in `xlsync help-dev` only."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from xlsync.cli import cli

# Words that may stay Latin: product names, file-name parts, the date pattern, the values of
# --format. Option names (--master, -h) and command names are taken out before the check.
ALLOWED = {
    "xlsync", "Google", "Excel", "WPS", "LibreOffice", "Windows", "macOS", "Python", "Ctrl",
    "XLSTART", "ID", "xlsx", "xlam", "YYYY", "MM", "DD", "text", "json", "workbook_templates",
    "demo", "PDF", "Parquet", "Word",
}  # fmt: skip
DEVELOPER_WORDS = ("gsheet", "OAuth", "环境变量", "XLSYNC_")


def command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command line of the CLI (hidden commands included), groups first."""
    paths = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


def latin_words(text: str) -> set[str]:
    """Latin words a teacher would read as English: options, commands and allowed names aside."""
    names = {n for path in command_paths() for n in path}
    text = re.sub(r"(?<![\w-])--?[a-z][a-z-]*", " ", text)  # option names
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){name}(?![\w-])", " ", text)
    return set(re.findall(r"[A-Za-z][A-Za-z_]+", text)) - ALLOWED


@pytest.mark.parametrize("words", command_paths(), ids=lambda w: " ".join(w) or "xlsync")
def test_every_help_is_chinese(words):
    result = CliRunner().invoke(cli, [*words, "--help"], prog_name="xlsync")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法：xlsync"), result.output
    assert "选项：" in result.output and "显示这段帮助。" in result.output
    assert latin_words(result.output) == set(), result.output
    for word in DEVELOPER_WORDS:
        assert word not in result.output, (word, result.output)


def test_defaults_and_required_marks_are_chinese():
    demo = CliRunner().invoke(cli, ["demo", "--help"]).output
    assert "[默认：12; 1<=x<=2000]" in demo and "default" not in demo
    export = CliRunner().invoke(cli, ["export", "--help"]).output
    assert "[必填]" in export and "required" not in export


def test_developer_usage_is_in_help_dev():
    """gsheet:, OAuth and the environment variables are documented, for the IT person only."""
    top = CliRunner().invoke(cli, ["--help"]).output
    assert "xlsync help-dev" in top
    result = CliRunner().invoke(cli, ["help-dev"])
    assert result.exit_code == 0
    for word in (*DEVELOPER_WORDS, "XLSYNC_GOOGLE_CREDENTIALS", "XLSYNC_EXPORT_PASSWORD"):
        assert word in result.output, word


USAGE_ERRORS = [
    (["init"], "缺少参数「学校文件夹」"),
    (["export", "全校汇总.xlsx"], "缺少选项「--out」"),
    (["valdate", "x"], "没有这个命令：valdate。是不是要写「validate」？"),
    (["validate", "x", "--anotate"], "没有这个选项：--anotate。是不是要写「--annotate」？"),
    (["validate", "x", "--format", "xml"], "「--format」的取值不对：「xml」不是可选的取值"),
    (["demo", "--classes", "0"], "「--classes」的取值不对：0 超出了范围"),
    (["demo", "--seed", "abc"], "「--seed」的取值不对：「abc」不是数字"),
    (["init", "a", "b", "--school", "x"], "多出了参数：b"),
    (["init", "x", "--school"], "选项 --school 后面要写上取值"),
    (["validate", "x", "--annotate=1"], "选项 --annotate 后面不用写取值"),
    (["restore", "."], "「.」是一个文件夹，这里要写文件"),
    (["validate", "x", "--as-of", "2026"], "「--as-of」的取值不对：「2026」不是日期"),
]


@pytest.mark.parametrize("args,phrase", USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_errors_are_chinese_with_exit_2(args, phrase, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args, prog_name="xlsync")
    assert result.exit_code == 2, result.output
    assert phrase in result.stderr, result.stderr
    assert result.stderr.startswith("命令写法有误：") and "查看用法" in result.stderr
    typed = {w for a in args for w in re.findall(r"[A-Za-z]+", a)}
    assert latin_words(result.stderr) - typed == set(), result.stderr


def test_bare_group_shows_its_chinese_help():
    result = CliRunner().invoke(cli, ["addin"], prog_name="xlsync")
    assert result.exit_code == 2 and result.stderr.startswith("用法：xlsync addin [选项] 命令")
    assert "命令写法有误" not in result.stderr


def test_click_speaks_english_again_outside_xlsync():
    """The catalog is installed for one xlsync command line only, not for the process."""
    CliRunner().invoke(cli, ["--help"])

    @click.command()
    def other() -> None:
        """Another tool."""

    assert "Usage: other [OPTIONS]" in CliRunner().invoke(other, ["--help"]).output


def test_help_lines_up_and_fits_in_terminal_columns():
    """A Chinese character takes two columns: the option texts start in one column and no line
    is wider than the terminal (before, `--master 全校汇总` pushed its text out of line and
    Chinese help ran to twice the width)."""
    from xlsync.cli_chinese import display_width

    for words in command_paths():
        output = CliRunner().invoke(cli, [*words, "--help"], terminal_width=80).output
        lines = output.splitlines()
        assert all(display_width(line) <= 80 for line in lines), output
        starts = {
            display_width(line[: re.search(r"\S  +\S", line).end() - 1])
            for line in lines
            if line.startswith("  -") and re.search(r"\S  +\S", line)
        }
        assert len(starts) <= 1, output
