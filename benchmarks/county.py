"""Benchmark of `xlsync rollup` (issue 23.4): a county of generated school exports.

    python benchmarks/county.py                       # 30 / 100 / 300 schools
    python benchmarks/county.py --parquet             # and the largest again with --parquet
    python benchmarks/county.py --quick               # 3 / 6 schools of tiny templates

Three template schools (村小 6 classes × 15 children, 完小 12 × 25, 中心校 24 × 35, a whole
school year of records) are made the real way once: the demo generator, `consolidate`, and
`xlsync export` with a county key. Each template's sheets are written once more with
xlsxwriter, with marks where a school's own values go (`base_grids`); each of the N schools is
then stamped from that base (`stamp`): only the shared strings change (name, 学校代码, 汇总
date, 县级比对码, 2 children in 200 also on file in a neighbouring school), every other part is
copied compressed. 300 schools take seconds, not the 50 minutes of 300 real 汇总. `layout()`
compares a file with the real export it came from (sheets, headers, rows, the kinds of value
in each column): `generate` asserts it for the first school of each template and
tests/test_county_bench.py for schools written from a fresh real export, so these files
cannot drift from what `xlsync export` writes.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import itertools
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import xlsxwriter  # noqa: E402

from xlsync.core.county_match import KEY_VARIABLE  # noqa: E402
from xlsync.demo import DemoSize, generate_school  # noqa: E402
from xlsync.files.reader import load_grids  # noqa: E402

Grid = list[list[Any]]
YEAR_END = dt.date(2027, 6, 30)
KEY = "benchmark-county-key-2027"
TEMPLATES = {  # name → (classes, children a class); school i uses TEMPLATE_OF[i % 10]
    "村小": (6, 15),
    "完小": (12, 25),
    "中心校": (24, 35),
}
TEMPLATE_OF = ("中心校", "完小", "完小", "完小", "完小", "村小", "村小", "村小", "村小", "村小")
QUICK = {"村小": (2, 4), "完小": (3, 4), "中心校": (4, 4)}
SHARED_EVERY = 200  # one child in this many is also on file in the school before


# ------------------------------------------------------------------ templates (the real way)


def make_template(folder: Path, name: str, classes: int, children: int, seed: int) -> Path:
    """A real school export: demo school, 汇总 as of the year's end, `export` with the key."""
    from xlsync.jobs.consolidate import consolidate
    from xlsync.jobs.export import export

    size = DemoSize(classes, children, calls_per_week=1.8)
    master = generate_school(folder / name, YEAR_END, size, seed=seed, school=name)
    consolidate(master, as_of=YEAR_END, no_write_back=True)
    before = os.environ.get(KEY_VARIABLE)
    os.environ[KEY_VARIABLE] = KEY
    try:
        export(master, folder / f"{name}.xlsx")
    finally:
        os.environ.pop(KEY_VARIABLE) if before is None else os.environ.update(
            {KEY_VARIABLE: before}
        )
    return folder / f"{name}.xlsx"


# ------------------------------------------------------------------ one school, written directly


def school_name(number: int) -> str:
    return f"第{number + 1:03d}号小学"


NAME_MARK, CODE_MARK, DATE_MARK = "@@学校名称@@", "@@学校代码@@", "@@汇总截至@@"
_CODE = re.compile(r"<t>C[0-9a-f]{16}</t>")


def base_grids(template: Mapping[str, Grid], source: str) -> dict[str, Grid]:
    """The template export's sheets with marks where each school's own values go (学校名称,
    学校代码 and 汇总截至 of 导出信息, the name in 概览's title); stamped per school."""
    grids = {sheet: [list(r) for r in grid] for sheet, grid in template.items()}
    marks = {"学校名称": NAME_MARK, "学校代码": CODE_MARK, "汇总截至": DATE_MARK}
    for row in grids["导出信息"]:
        row[1] = marks.get(str(row[0]), row[1])
    grids["概览"][0][0] = str(grids["概览"][0][0]).replace(source, NAME_MARK)
    return grids


def county_code(number: int, index: int) -> str:
    """School `number`'s 县级比对码 of its `index`-th child with one; of every SHARED_EVERY, the
    first is also the school before's second, so 2 in SHARED_EVERY are on file in two schools."""
    place = index % SHARED_EVERY
    child = {
        0: f"pair|{number}|{index}",
        1: f"pair|{number + 1}|{index - 1}",
    }.get(place, f"own|{number}|{index}")
    return "C" + hashlib.sha256(child.encode()).hexdigest()[:16]


def stamp(base: Path, out: Path, number: int) -> None:
    """School `number`'s export from the base file: only the shared strings change (its name,
    code, 汇总 date — every 7th school's a month old, stale — and its 县级比对码); every other
    part is copied compressed as it is, which is what makes 300 schools take seconds."""
    as_of = YEAR_END - dt.timedelta(days=(number % 7 == 6) * 30)
    values = {NAME_MARK: school_name(number), CODE_MARK: f"43{number + 1:08d}"}
    values[DATE_MARK] = as_of.isoformat()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != SHARED_STRINGS:
                _copy_compressed(source, target, info)
                continue
            text = _stamped(source.read(info).decode(), values, number)
            target.writestr(info, text.encode(), zipfile.ZIP_DEFLATED)


SHARED_STRINGS = "xl/sharedStrings.xml"


def _stamped(text: str, values: Mapping[str, str], number: int) -> str:
    """The shared strings with the marks replaced and the n-th 县级比对码 made school number's."""
    for mark, value in values.items():
        text = text.replace(mark, value)
    codes = itertools.count()
    return _CODE.sub(lambda _: f"<t>{county_code(number, next(codes))}</t>", text)


def _copy_compressed(
    source: zipfile.ZipFile, target: zipfile.ZipFile, info: zipfile.ZipInfo
) -> None:
    """One zip member copied without inflating and deflating it again (zipfile has no public
    call for that; the local header is rebuilt from the member's ZipInfo)."""
    assert source.fp is not None and target.fp is not None
    source.fp.seek(info.header_offset)
    header = source.fp.read(30)
    skip = int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    source.fp.seek(info.header_offset + 30 + skip)
    data = source.fp.read(info.compress_size)
    copied = copy.copy(info)
    copied.flag_bits &= ~0x08  # sizes and CRC are in the header, no data descriptor follows
    copied.header_offset = target.fp.tell()
    target.fp.write(copied.FileHeader())
    target.fp.write(data)
    target.filelist.append(copied)
    target.NameToInfo[copied.filename] = copied
    target.start_dir = target.fp.tell()  # where zipfile writes the next member
    target._didModify = True  # type: ignore[attr-defined]


def write_school(path: Path, grids: Mapping[str, Grid]) -> None:
    """The sheets as `xlsync export` writes them: values only, text stays text (no formulas, no
    links), dates as dates."""
    options = {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd",
    }
    with xlsxwriter.Workbook(str(path), options) as workbook:
        for name, grid in grids.items():
            sheet = workbook.add_worksheet(name)
            for row, values in enumerate(grid):
                sheet.write_row(row, 0, [None if v == "" else v for v in values])


def generate(
    folder: Path, templates: Mapping[str, Path], count: int, cycle: Sequence[str] = TEMPLATE_OF
) -> float:
    """`count` school exports in `folder`, school i from template cycle[i % len(cycle)]; the
    first of each template is checked against it. Returns the seconds it took."""
    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    bases = {}
    for name in dict.fromkeys(cycle):
        bases[name] = folder.parent / f".base-{name}.xlsx"
        write_school(bases[name], base_grids(load_grids(templates[name]), name))
    for number in range(count):
        kind = cycle[number % len(cycle)]
        path = folder / f"{school_name(number)}.xlsx"
        stamp(bases[kind], path, number)
        if number < len(cycle) and kind not in cycle[:number]:
            assert layout(path) == layout(templates[kind]), f"{path.name} differs from {kind}"
    return time.perf_counter() - start


# ------------------------------------------------------------------ the layout both must share


def _kind(value: Any) -> str:
    if value is None or value == "":
        return "blank"
    if isinstance(value, dt.datetime | dt.date):
        return "date"
    return "number" if isinstance(value, int | float) else "text"


def layout(path: Path) -> dict[str, Any]:
    """What a reader relies on: sheets in order; per sheet its header (概览 and 导出信息: their
    first column, the labels), its number of rows and the kinds of value in each column."""
    found: dict[str, Any] = {"sheets": []}
    for name, grid in load_grids(path).items():
        found["sheets"].append(name)
        labelled = name in ("概览", "导出信息")
        header = [r[0] if r else None for r in grid[1:]] if labelled else grid[0] if grid else []
        kinds = [sorted({_kind(r[i]) for r in grid[1:] if i < len(r)}) for i in range(len(header))]
        found[name] = {"header": header, "rows": len(grid), "kinds": [] if labelled else kinds}
    return found


def layout_codes(path: Path) -> list[str]:
    """The 县级比对码 of a school file's 全校档案, in row order (blank ones left out)."""
    grid = load_grids(path, lambda name: name == "全校档案")["全校档案"]
    at = [str(h) for h in grid[0]].index("县级比对码")
    return [str(r[at]) for r in grid[1:] if r[at]]


# ------------------------------------------------------------------ measuring


def rollup_once(folder: Path, parquet: Path | None) -> dict[str, Any]:
    """A cold rollup of `folder` (no previous county workbook or snapshot)."""
    from xlsync.jobs.county import county_rollup

    shutil.rmtree(folder / ".xlsync", ignore_errors=True)
    (folder / "县汇总.xlsx").unlink(missing_ok=True)
    result = county_rollup(folder, as_of=YEAR_END, parquet=parquet)
    return {"schools": len(result.county.schools), "duplicates": result.duplicates}


def county_subset(source: Path, folder: Path, count: int) -> Path:
    """The first `count` schools of `source`, linked (not copied) into `folder`."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in sorted(source.glob("*.xlsx"))[:count]:
        os.link(path, folder / path.name)
    return folder


def county_table(counts: Iterable[int], work: Path, quick: bool, parquet: bool) -> Iterator[str]:
    """The table's lines, each as soon as it is measured. The templates and the schools are
    made in `work` unless they are there from an earlier run (`--work`)."""
    from run import measure

    counts = sorted(counts)
    sizes = QUICK if quick else TEMPLATES
    templates = {
        name: work / "templates" / f"{name}.xlsx"
        if (work / "templates" / f"{name}.xlsx").is_file()
        else make_template(work / "templates", name, *size, seed=number + 1)
        for number, (name, size) in enumerate(sizes.items())
    }
    made = len(list((work / "all").glob("*.xlsx"))) >= counts[-1]
    seconds = 0.0 if made else generate(work / "all", templates, counts[-1])
    children = {name: len(load_grids(p)["全校档案"]) - 1 for name, p in templates.items()}
    yield (
        f"County rollup: {counts[-1]} school exports "
        + ("from an earlier run" if made else f"written in {seconds:.1f} s")
        + f" (templates: {children} children; schools cycle {'/'.join(TEMPLATE_OF)})"
    )
    yield ""
    yield "| schools | seconds | CPU s | ms per school | peak MiB | 重复在籍 children |"
    yield "|---:|---:|---:|---:|---:|---:|"
    for count in counts:
        folder = county_subset(work / "all", work / f"county-{count}", count)
        wall, peak, facts, cpu = measure(rollup_once, folder, None)
        yield (
            f"| {facts['schools']} | {wall:.2f} | {cpu:.2f} | {1000 * wall / count:.0f} | "
            f"{peak:.0f} | {facts['duplicates']} |"
        )
    if parquet:
        folder = work / f"county-{counts[-1]}"
        wall, peak, facts, cpu = measure(rollup_once, folder, work / "parquet")
        yield (
            f"| {facts['schools']} + --parquet | {wall:.2f} | {cpu:.2f} | "
            f"{1000 * wall / counts[-1]:.0f} | {peak:.0f} | {facts['duplicates']} |"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", default="30,100,300", help="comma-separated counts")
    parser.add_argument("--parquet", action="store_true", help="also the largest with --parquet")
    parser.add_argument("--quick", action="store_true", help="3 and 6 tiny schools (for CI)")
    parser.add_argument("--work", type=Path, help="keep (and reuse) the generated county here")
    options = parser.parse_args(argv)
    counts = (3, 6) if options.quick else tuple(int(n) for n in options.schools.split(","))
    with tempfile.TemporaryDirectory(prefix="xlsync-county-") as folder:
        work = options.work or Path(folder)
        for line in county_table(counts, work, options.quick, options.parquet):
            print(line, flush=True)


if __name__ == "__main__":
    main()
