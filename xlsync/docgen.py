"""Generate the README's reference sections so they cannot drift from the code.

`python -m xlsync.docgen` rewrites the blocks between `<!-- generated:NAME -->` and
`<!-- /generated:NAME -->` in README.md; tests/test_docs.py fails when they are stale.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from xlsync.core.findings import CATALOG
from xlsync.schema import CLASS_SHEETS, MASTER_CONFIG_SHEETS, Column, Sheet


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rule(col: Column) -> str:
    parts = []
    if col.required:
        parts.append("必填")
    elif col.required_if:
        parts.append(f"{col.required_if[0]} 含 {col.required_if[1].replace('|', '或')} 时必填")
    if col.choices:
        parts.append(" / ".join(col.choices))
    if col.retired:
        parts.append("仍可读、不在下拉中：" + " / ".join(col.retired))
    if col.or_filled:
        parts.append("或填 " + "、".join(col.or_filled))
    if col.roster_list:
        parts.append("下拉：学生档案中的姓名（名称 学生名单），只提示不拦截")
    if col.default:
        parts.append(f"默认 {col.default}")
    if col.hint:
        parts.append(col.hint)
    return "；".join(parts)


def sheet_table(sheet: Sheet) -> str:
    rows = [
        f"**{sheet.name}** — {sheet.purpose}",
        "",
        f"Drop-downs and checks cover {sheet.rows:,} rows under the header.",
        "",
        "| 列 | 别名 | 类型 | 规则 |",
        "|---|---|---|---|",
    ]
    for col in sheet.columns:
        rows.append(
            f"| {col.header} | {'、'.join(col.aliases)} | {col.kind.value} | {_cell(_rule(col))} |"
        )
    return "\n".join(rows)


def schema_section(sheets: tuple[Sheet, ...]) -> str:
    return "\n\n".join(sheet_table(s) for s in sheets)


def codes_section() -> str:
    rows = ["| code | 级别 | 含义 | 提示文字模板 |", "|---|---|---|---|"]
    for kind in CATALOG.values():
        rows.append(f"| `{kind.code}` | {kind.severity} | {kind.title} | {_cell(kind.template)} |")
    return "\n".join(rows)


def cli_section() -> str:
    import click
    from click.testing import (
        CliRunner,  # click is the CLI's dependency, not the library's
    )

    from xlsync.cli import cli

    runner = CliRunner()
    blocks = []
    for name in sorted(cli.commands):
        command = cli.commands[name]
        paths = [[name]] + (
            [[name, sub] for sub in sorted(command.commands)]
            if isinstance(command, click.Group)
            else []
        )
        for words in paths:
            text = runner.invoke(cli, [*words, "--help"], prog_name="xlsync").output.rstrip()
            blocks.append(f"### xlsync {' '.join(words)}\n\n```\n{text}\n```")
    return "\n\n".join(blocks)


def dev_help_section() -> str:
    from xlsync.dev_help import DEV_HELP

    return f"```\n{DEV_HELP.rstrip()}\n```"


SECTIONS: dict[str, Callable[[], str]] = {
    "class-schema": lambda: schema_section(CLASS_SHEETS),
    "master-schema": lambda: schema_section(MASTER_CONFIG_SHEETS),
    "codes": codes_section,
    "cli": cli_section,
    "dev-help": dev_help_section,
}


def _fill(content: str, match: re.Match[str]) -> str:
    return match.group(1) + content + "\n" + match.group(2)


def render(readme: str) -> str:
    """`readme` with every generated block replaced by fresh content."""
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.S)
        readme = pattern.sub(partial(_fill, make()), readme)
    return readme


def main(path: str = "README.md") -> None:
    readme = Path(path)
    readme.write_text(render(readme.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
