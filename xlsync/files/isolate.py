"""Read an odd workbook in a child process: the second layer behind the far-cell guard.

python-calamine is native code; on some malformed files it does not raise but aborts the whole
process ("memory allocation of … bytes failed", exit 134), which in 汇总 would take the
school's run down, name no file and leave the lock behind. The guard (files/extent.py) refuses
what it can see; a file it finds odd (cells not spelled as spreadsheet programs write them, a
dimension that lies, counts larger than the file, an .xls or .ods it cannot measure) is read
in a child process under a memory limit, so a crash there is one Chinese message naming the
file and the run goes on. Normal files are read in the process itself.

The child is a plain `python -c` (not multiprocessing, which re-runs the parent's main script
and cannot start from every kind of main); the work and its result travel pickled over its
stdin and stdout: between two processes of this program, never read from a file.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import xlsync
from xlsync.errors import XlsyncError

T = TypeVar("T")
CHILD_MEMORY = 4 << 30  # address space of the child: a runaway allocation fails, not the PC
_START = "from xlsync.files.isolate import child_main; child_main()"


def in_child(path: Path, work: Callable[..., T], *args: object) -> T:
    """`work(*args)` (a module-level function) run in a fresh child process; a crash of the
    child is a Chinese `XlsyncError` naming `path`; an `XlsyncError` raised by `work` comes
    back as it is."""
    done = subprocess.run(
        [sys.executable, "-c", _START],
        input=pickle.dumps((work, args)),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # a native crash prints a backtrace a teacher cannot use
        env=child_env(),
        creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        check=False,
    )
    if done.returncode != 0 or not done.stdout:
        raise XlsyncError(
            f"「{path}」无法读取：读取它时读取程序异常退出（文件中有损坏或异常的内容），"
            "xlsync 跳过了它。请在 Excel 中打开它，另存为新的 .xlsx 文件后再试。"
        )
    kind, value = pickle.loads(done.stdout)
    if kind == "refused":
        raise XlsyncError(value)
    if kind == "bug":
        raise RuntimeError(f"xlsync 子进程出错：\n{value}")  # a bug in xlsync shows as one
    return value


def child_env() -> dict[str, str]:
    """The parent's environment, with this copy of xlsync first on the child's import path."""
    env = dict(os.environ)
    root = str(Path(xlsync.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def child_main() -> None:
    """The child: cap memory, run the work read from stdin, write its outcome to stdout."""
    _limit_memory()
    work, args = pickle.load(sys.stdin.buffer)
    outcome: tuple[str, Any]
    try:
        outcome = ("ok", work(*args))
    except XlsyncError as error:
        outcome = ("refused", str(error))
    except Exception:  # noqa: BLE001 - handed to the parent, which raises it
        outcome = ("bug", traceback.format_exc())
    sys.stdout.buffer.write(pickle.dumps(outcome))


def _limit_memory() -> None:
    """Cap the child's address space where the system allows (not on Windows)."""
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = CHILD_MEMORY if hard == resource.RLIM_INFINITY else min(CHILD_MEMORY, hard)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
