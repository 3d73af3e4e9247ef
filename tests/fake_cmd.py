"""A small stand-in for cmd.exe, enough to run xlsync's own .bat launchers on Linux.

It knows the statements those scripts use (echo, rem, chcp, cd /d, set "X=…", if [not]
exist / defined / errorlevel, goto and labels, pause, start, timeout, exit /b, and running a
program) with cmd's expansion of %VAR%, %~1, %~dp0 and %%; any other line is an error, so a
launcher that grows a construct this fake does not know fails its test instead of passing.
`start` is recorded, not run; `pause` reads one line of stdin, as a key press.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


class UnknownStatement(Exception):
    pass


@dataclass
class Cmd:
    script: Path
    args: list[str]
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    started: list[str] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    errorlevel: int = 0
    cwd: Path = field(default_factory=Path.cwd)

    def expand(self, text: str) -> str:
        text = text.replace("%~dp0", str(self.script.parent) + os.sep)
        text = re.sub(r"%~(\d)", lambda m: self._arg(int(m.group(1))).strip('"'), text)
        text = re.sub(r"%(\w+)%", lambda m: self.env.get(m.group(1), ""), text)
        return text.replace("%%", "%")

    def _arg(self, number: int) -> str:
        return self.args[number - 1] if 0 < number <= len(self.args) else ""

    def run(self, stdin_lines: list[str]) -> int:
        lines = self.script.read_bytes().decode("utf-8").split("\r\n")
        labels = {ln[1:].strip(): i for i, ln in enumerate(lines) if ln.startswith(":")}
        self.stdin = stdin_lines
        number = 0
        while number < len(lines):
            jump = self.statement(lines[number].strip(), lines, number, labels)
            if isinstance(jump, tuple):
                return jump[1]
            number = jump if jump is not None else number + 1
        return self.errorlevel

    def statement(self, line: str, lines: list[str], number: int, labels: dict[str, int]):
        if not line or line.startswith((":", "rem ", "@echo off", "chcp ", "timeout ")):
            return None
        if line.startswith("if errorlevel "):
            level = int(line.split()[2])
            end = lines.index(")", number)
            if self.errorlevel >= level:
                for inner in lines[number + 1 : end]:
                    done = self.statement(inner.strip(), lines, number, labels)
                    if isinstance(done, tuple):
                        return done
            return end + 1
        if line.startswith("goto "):
            return labels[line[5:].strip()]
        if line.startswith("exit /b "):
            return ("exit", int(line.split()[2]))
        self.simple(line, labels)
        return None

    def simple(self, line: str, labels: dict[str, int]) -> None:
        if m := re.fullmatch(r'if (not )?exist "([^"]*)" (.*)', line):
            exists = (self.cwd / self.expand(m.group(2))).exists()
            if exists != bool(m.group(1)):
                self.simple(m.group(3), labels)  # only one-statement bodies are used
            return
        if m := re.fullmatch(r"if not defined (\w+) (.*)", line):
            if not self.env.get(m.group(1)):
                self.simple(m.group(2), labels)
            return
        if m := re.fullmatch(r'set "(\w+)=(.*)"', line):
            self.env[m.group(1)] = self.expand(m.group(2))
            return
        if line.startswith("cd /d "):
            self.cwd = Path(self.expand(line[6:]).strip('"'))
            return
        if line == "echo.":
            self.out.append("")
            return
        if line.startswith("echo "):
            self.out.append(self.expand(line[5:]))
            return
        if line in ("pause", "pause >nul"):
            self.stdin.pop(0) if self.stdin else None
            return
        if line.startswith("start "):
            self.started.append(shlex.split(self.expand(line))[-1])
            return
        if line.startswith(('"', "xlsync ")):
            self.program(shlex.split(self.expand(line)))
            return
        raise UnknownStatement(line)

    def program(self, argv: list[str]) -> None:
        if argv[0] == "xlsync":  # on PATH: the console script
            argv = [sys.executable, "-m", "xlsync", *argv[1:]]
        done = subprocess.run(
            argv, cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=300
        )
        self.out += (done.stdout + done.stderr).splitlines()
        self.errorlevel = done.returncode
