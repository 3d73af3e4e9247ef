"""Find what a command works on: class workbook files, the master, each file's 班级."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path

from xlsync.core.config import SchoolConfig
from xlsync.errors import XlsyncError
from xlsync.files.disk import read_error
from xlsync.files.reader import READABLE_SUFFIXES
from xlsync.schema import CLASSES, MASTER_FILE, PRINT_DIR, RETURN_DIR

_SKIPPED_PREFIXES = ("~$", ".")


def _is_class_file(path: Path) -> bool:
    return (
        path.suffix.lower() in READABLE_SUFFIXES
        and path.name != MASTER_FILE
        and not path.name.startswith(_SKIPPED_PREFIXES)
    )


def class_files(paths: Iterable[Path]) -> list[Path]:
    """The class workbooks named by `paths`: files as given, folders searched (hidden skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += folder_class_files(path)
        else:
            found.append(path)  # a missing or wrong file is reported by the reader
    if not found:
        raise XlsyncError("没有找到班级台账文件。请写出台账文件，或放有台账的文件夹。")
    return list(dict.fromkeys(found))


def folder_class_files(folder: Path) -> list[Path]:
    """The class workbooks in a folder and its subfolders (hidden ones, 返回各班, which holds
    copies, and 打印档案, which holds printouts, skipped); may be none. A folder that cannot be
    listed is refused: skipping it would drop its classes unseen."""
    if not os.access(folder, os.R_OK | os.X_OK):
        raise read_error(folder, PermissionError(errno.EACCES, "cannot list the folder"))
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and _is_class_file(p)
        and not any(
            part.startswith(".") or part in (RETURN_DIR, PRINT_DIR)
            for part in p.relative_to(folder).parts
        )
    )


def master_in(given: Path) -> Path:
    """The master a command was given: a workbook as it is, or the school folder's 全校汇总.xlsx
    (`xlsync consolidate 演示学校` works like `xlsync consolidate 演示学校/全校汇总.xlsx`)."""
    if not given.is_dir():
        return given
    if (given / MASTER_FILE).is_file():
        return given / MASTER_FILE
    raise XlsyncError(
        f"「{given}」是一个文件夹，在里面没有找到全校汇总工作簿 {MASTER_FILE}。{_master_hint(given)}"
        f"请写出全校汇总工作簿的路径，或放有 {MASTER_FILE} 的学校文件夹。"
    )


def _master_hint(folder: Path) -> str:
    """Where the master may be instead: a renamed copy in the folder, or the folder above (the
    班级台账 folder given for the school's)."""
    near = sorted(p.name for p in folder.glob("*汇总*.xls*") if not p.name.startswith("~$"))
    if near:
        return f"文件夹里有「{'」「'.join(near[:3])}」，如果是它，请写出它的完整路径。"
    above = folder.resolve().parent / MASTER_FILE
    return f"上一级文件夹里有「{above}」，是要用它吗？" if above.is_file() else ""


def find_master(explicit: Path | None, paths: Iterable[Path], cwd: Path) -> Path | None:
    """--master, else 全校汇总.xlsx in the working folder, then beside and above the inputs."""
    if explicit is not None:
        if not explicit.is_file():
            raise XlsyncError(f"找不到全校汇总工作簿「{explicit}」，请检查 --master 的路径。")
        return explicit
    candidates = [cwd]
    for path in paths:
        start = path.resolve() if path.is_dir() else path.resolve().parent
        candidates += [start, *start.parents]
    for folder in candidates:
        if (folder / MASTER_FILE).is_file():
            return folder / MASTER_FILE
    return None


def class_name_for(path: Path, config: SchoolConfig, master: Path | None) -> str:
    """The 班级 row whose 台账来源 names `path` (same file first, else same file name),
    else the file name without its extension."""
    return (
        class_names(config, master).get(path.resolve())
        or class_names(config, master).get(Path(path.name))
        or path.stem
    )


def class_names(config: SchoolConfig, master: Path | None) -> dict[Path, str]:
    """Resolved 台账来源 path → 班级, and bare file name → 班级 (computed once per config)."""
    cached = config.derived.get("class_names")
    if cached is not None and cached[0] == master:
        return cached[1]
    classes = config.table(CLASSES).data
    root = master.parent / config.class_dir if master else None
    names: dict[Path, str] = {}
    for name, source in zip(classes["班级"], classes["台账来源"], strict=False):
        if name and source:
            names.setdefault(Path(Path(source).name), name)
            if root is not None:
                names[(root / source).resolve()] = name
    config.derived["class_names"] = (master, names)
    return names


def inside(path: Path, folder: Path) -> bool:
    """True when `path`, symlinks followed, lies in `folder`."""
    return path.resolve().is_relative_to(folder.resolve())


def class_folder(master: Path, config: SchoolConfig, classes_dir: Path | None = None) -> Path:
    return classes_dir or master.parent / config.class_dir


def school_class_files(
    master: Path, config: SchoolConfig, classes_dir: Path | None = None
) -> list[tuple[Path, str]]:
    """(file, 班级) for every class of the 班级 sheet and every workbook in the class folder.

    Registered files come first, in sheet order; a registered file that is missing is still
    listed (the run reports it). 台账来源 values that are not file names (a Google Sheet) are
    left to the sync.
    """
    folder = class_folder(master, config, classes_dir)
    classes = config.table(CLASSES).data
    found: dict[Path, str] = {}
    for name, source in zip(classes["班级"], classes["台账来源"], strict=False):
        if name and source and Path(source).suffix.lower() in READABLE_SUFFIXES:
            found.setdefault(folder / source, name)
    if folder.is_dir():  # an empty folder is fine: the classes may all live in Google Sheets
        for path in folder_class_files(folder):
            found.setdefault(path, class_name_for(path, config, master))
    return list(found.items())
