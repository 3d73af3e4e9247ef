"""Benchmarks for 汇总 (consolidation), the Google Sheets sync, and how both scale.

    python benchmarks/run.py                 # size M: the table of phases a–e, ratios, targets
    python benchmarks/run.py --size S|M|L    # 12 / 60 / 600 classes
    python benchmarks/run.py --sheets        # also: requests and bytes per sync (vs naive, vs a full read)
    python benchmarks/run.py --scale         # also: time and memory for 6 … 120 classes
    python benchmarks/run.py --excel         # also: 汇总全校 through the xlwings test engine
    python benchmarks/run.py --county        # also: xlsync rollup of 30/100/300 schools (county.py)
    python benchmarks/run.py --large         # also: the L school (600 classes), cold and e0
    python benchmarks/run.py --quick         # all of it on tiny schools (for CI)

Each phase runs in a fresh process, so its peak memory (ru_maxrss) is its own. Schools come
from the demo generator (xlsync/demo.py) with a fixed seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # tests/fake_sheets.py is the loopback fake

# Imported here, not in the phases: a spawned child imports this module before its clock starts.
import pandas as pd  # noqa: E402
import python_calamine  # noqa: E402
import xlsxwriter  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from xlsync.demo import DemoSize, generate_school  # noqa: E402
from xlsync.files.master_writer import OWNED_SHEETS  # noqa: E402
from xlsync.files.reader import load_grids  # noqa: E402
from xlsync.jobs.consolidate import consolidate  # noqa: E402


@dataclass(frozen=True)
class Size:
    classes: int
    children: int
    calls_per_week: float
    as_of: dt.date


YEAR_END = dt.date(2027, 6, 30)
SIZES = {
    "quick": Size(3, 10, 1.0, YEAR_END),
    "S": Size(12, 25, 1.8, YEAR_END),
    "M": Size(60, 40, 1.8, YEAR_END),
    "L": Size(600, 20, 1.0, dt.date(2026, 12, 31)),
}
SCALE = (6, 12, 30, 60, 120)
QUICK_SCALE = (2, 4, 8)


# ------------------------------------------------------------------ measuring


def peak_mib() -> float:
    """This process's peak resident memory. VmHWM belongs to the process image; ru_maxrss on
    Linux also counts the parent's peak from before exec, which misled an early run."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for (汇总's helper process)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _child(queue: Any, fn: Callable[..., Any], args: tuple) -> None:
    start, cpu = time.perf_counter(), cpu_seconds()
    result = fn(*args)
    seconds = time.perf_counter() - start
    queue.put((seconds, peak_mib(), result, cpu_seconds() - cpu))


def measure(fn: Callable[..., Any], *args: Any) -> tuple[float, float, Any, float]:
    """(seconds, peak MiB, result, CPU seconds) of fn(*args) in a fresh process. The CPU time
    does not move with the load other programs put on the machine as wall time does, and it
    counts the work of 汇总's helper process too."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, fn, args))
    process.start()
    seconds, peak, result, cpu = queue.get()
    process.join()
    return seconds, peak, result, cpu


# ------------------------------------------------------------------ the phases (run in children)


def build(folder: Path, size: Size, seed: int = 1) -> Path:
    return generate_school(
        folder,
        size.as_of,
        DemoSize(size.classes, size.children, calls_per_week=size.calls_per_week),
        seed=seed,
    )


def io_floor(school: Path, done_master: Path, out: Path) -> dict:
    """a. python-calamine reading every sheet of every class file, plus xlsxwriter writing the
    master's cells without formatting. The cells to write are loaded before the clock starts."""
    cells = load_grids(done_master, lambda name: name in OWNED_SHEETS)
    start = time.perf_counter()
    rows = 0
    for path in sorted((school / "班级台账").glob("*.xlsx")):
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            rows += len(book.get_sheet_by_name(name).to_python())
    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    for name, grid in cells.items():
        sheet = workbook.add_worksheet(name)
        for number, row in enumerate(grid):
            sheet.write_row(number, 0, ["" if v is None else v for v in row])
    workbook.close()
    return {"rows_read": rows, "seconds_inside": time.perf_counter() - start}


def naive(school: Path, out: Path) -> dict:
    """b. What a user would write: pandas.read_excel (openpyxl) per file, concat, to_excel.
    It validates nothing and computes nothing."""
    frames: dict[str, list] = {"学生档案": [], "帮扶记录": [], "学业帮扶计划": []}
    for path in sorted((school / "班级台账").glob("*.xlsx")):
        for sheet in frames:
            frame = pd.read_excel(path, sheet_name=sheet, engine="openpyxl")
            frame.insert(0, "班级", path.stem)
            frames[sheet].append(frame)
    with pd.ExcelWriter(out) as writer:
        for sheet, parts in frames.items():
            pd.concat(parts).to_excel(writer, sheet_name=sheet, index=False)
        engine = writer.engine
    return {"engine": engine}


def run_consolidate(master: Path, as_of: dt.date, no_write_back: bool = False) -> dict:
    result = consolidate(master, as_of=as_of, no_write_back=no_write_back)
    return {
        "parsed": result.parsed,
        "unchanged": result.unchanged,
        "records": result.figures["records"],
        "children": result.figures["children"],
    }


def change_one_class(master: Path, as_of: dt.date) -> str:
    path = sorted((master.parent / "班级台账").glob("*.xlsx"))[
        len(list((master.parent / "班级台账").glob("*.xlsx"))) // 2
    ]
    workbook = load_workbook(path)
    sheet = workbook["帮扶记录"]
    sheet.append([as_of, sheet["B2"].value, None, "谈心", sheet["E2"].value, "谈学习计划"])
    workbook.save(path)
    return f"班级台账/{path.name}"


# ------------------------------------------------------------------ reports


def consolidation_table(size_name: str, work: Path) -> list[str]:
    size = SIZES[size_name]
    pristine = work / "pristine"
    build(pristine, size)
    cold_dir, done = work / "cold", work / "cold" / "全校汇总.xlsx"
    shutil.copytree(pristine, cold_dir)
    shutil.copytree(pristine, work / "master-only")
    c0 = measure(run_consolidate, work / "master-only" / "全校汇总.xlsx", size.as_of, True)
    c = measure(run_consolidate, done, size.as_of)
    a = measure(io_floor, pristine, done, work / "floor.xlsx")
    b = measure(naive, pristine, work / "naive.xlsx")
    d = measure(run_consolidate, done, size.as_of)
    changed = change_one_class(done, size.as_of)
    e = measure(run_consolidate, done, size.as_of)
    changed0 = change_one_class(work / "master-only" / "全校汇总.xlsx", size.as_of)
    e0 = measure(run_consolidate, work / "master-only" / "全校汇总.xlsx", size.as_of, True)
    facts = c[2]
    lines = [
        f"size {size_name}: {size.classes} classes, {facts['children']} children, "
        f"{facts['records']} records; {os.cpu_count()} cores; pandas wrote with {b[2]['engine']}",
        "",
        "| phase | seconds | CPU seconds | peak MiB |",
        "|---|---:|---:|---:|",
    ]
    for label, (seconds, peak, _, cpu) in (
        ("a. I/O floor (calamine read + xlsxwriter write)", a),
        ("b. naive pandas pipeline", b),
        ("c0. xlsync consolidate --no-write-back, cold", c0),
        ("c. xlsync consolidate, cold (also refreshes every class workbook)", c),
        ("d. re-run, nothing changed", d),
        ("e. re-run, one class changed", e),
        ("e0. re-run --no-write-back, one class changed", e0),
    ):
        lines.append(f"| {label} | {seconds:.2f} | {cpu:.2f} | {peak:.0f} |")
    ratios = {
        "c0/a": c0[0] / a[0],
        "b/c0": b[0] / c0[0],
        "b/c0 CPU": b[3] / c0[3],
        "c/c0": c[0] / c0[0],
        "c/c0 CPU": c[3] / c0[3],
        "d/c": d[0] / c[0],
        "e/c": e[0] / c[0],
        "e/c CPU": e[3] / c[3],
        "e0/c0": e0[0] / c0[0],
        "e0/c0 CPU": e0[3] / c0[3],
    }
    lines += ["", "| ratio | value | target | met |", "|---|---:|---|---|"]
    targets = {
        "c0/a": ("≤ 2", ratios["c0/a"] <= 2),
        "b/c0": ("≥ 2", ratios["b/c0"] >= 2),
        "b/c0 CPU": ("≥ 2 (CPU time: the load moves it less)", ratios["b/c0 CPU"] >= 2),
        "c/c0": ("≤ 2 (write-back)", ratios["c/c0"] <= 2),
        "c/c0 CPU": ("(CPU time, helper included)", ratios["c/c0 CPU"] <= 2),
        "d/c": ("≤ 0.05", ratios["d/c"] <= 0.05),
        "e/c": ("≤ 0.25 (issue 22)", ratios["e/c"] <= 0.25),
        "e/c CPU": ("≤ 0.25 (CPU time)", ratios["e/c CPU"] <= 0.25),
        "e0/c0": ("≤ 0.25 (issue 22)", ratios["e0/c0"] <= 0.25),
        "e0/c0 CPU": ("≤ 0.25 (CPU time)", ratios["e0/c0 CPU"] <= 0.25),
    }
    for name, value in ratios.items():
        target, met = targets[name]
        lines.append(f"| {name} | {value:.3f} | {target} | {'yes' if met else 'NO'} |")
    only = e[2]["parsed"] == [changed]  # after a run that refreshed every class file
    lines.append(
        f"| e re-read | {len(e[2]['parsed'])} file(s) | re-parses only the changed file | "
        f"{'yes' if only else 'NO'} |"
    )
    peak = max(x[1] for x in (c0, c, d, e, e0))
    lines.append(
        f"| peak memory of xlsync | {peak:.0f} MiB | ≤ 400 MiB (issue 22) | "
        f"{'yes' if peak <= 400 else 'NO'} |"
    )
    lines.append(
        f"\ne re-parsed: {e[2]['parsed']} (changed: {changed}); d unchanged: {d[2]['unchanged']}"
        f"; e0 re-parsed: {e0[2]['parsed']} (changed: {changed0})"
    )
    return lines


def sheets_table(size_name: str, work: Path) -> list[str]:
    """Requests and bytes per sync of the master, initial and after a one-class change,
    against the loopback fake, beside a naive gspread-dataframe push of every sheet."""
    import requests
    from fake_sheets import serve
    from gspread_dataframe import set_with_dataframe

    from xlsync.google.client import open_client
    from xlsync.jobs.sync import master_tables, sync

    size = SIZES[size_name]
    master = work / "cold" / "全校汇总.xlsx"
    fake, server, root = serve()
    os.environ["XLSYNC_SHEETS_API"] = root
    fake.create("xlsync")
    fake.create("naive")

    def traffic(run: Callable[[], Any]) -> tuple[int, int, float]:
        before, start = len(fake.log), time.perf_counter()
        run()
        sent = fake.log[before:]
        return len(sent), sum(len(body) for _, _, body in sent), time.perf_counter() - start

    def naive_push() -> None:
        book = open_client(session=requests.Session()).open_by_key("naive")
        tables, _ = master_tables(master, masked=True)
        titles = [w.title for w in book.worksheets()]
        for title, rows in tables.items():
            sheet = book.worksheet(title) if title in titles else book.add_worksheet(title, 10, 10)
            width = max((len(r) for r in rows), default=1)
            frame = pd.DataFrame([list(r) + [""] * (width - len(r)) for r in rows])
            set_with_dataframe(sheet, frame, include_column_header=False, resize=True)

    def ours() -> None:
        sync(master, "xlsync", session=requests.Session())

    rows = [("initial", traffic(ours), traffic(naive_push))]
    change_one_class(master, size.as_of)
    run_consolidate(master, size.as_of)
    rows.append(("after one class changed", traffic(ours), traffic(naive_push)))
    server.shutdown()
    lines = [
        f"Google Sheets sync of the {size_name} master (loopback fake; masked):",
        "",
        "| sync | xlsync requests | xlsync KiB | naive requests | naive KiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, mine, theirs in rows:
        lines.append(
            f"| {label} | {mine[0]} | {mine[1] / 1024:.0f} | {theirs[0]} | {theirs[1] / 1024:.0f} |"
        )
    largest = max(len(body) for _, path, body in fake.log if "xlsync" in path) / 1024
    lines.append(f"\nlargest xlsync request body: {largest:.0f} KiB (limit 2,048 KiB)")
    return lines


def known_sync_table(size_name: str, work: Path) -> list[str]:
    """Issue 22.3: requests and bytes both ways per sync of the master with the record of the
    last sync (read 同步信息, send the keyed row diff) and without it (today's full read), when
    nothing changed and after one record was added to a class in the middle of the school."""
    import requests
    from fake_sheets import serve

    from xlsync.google.record import record_path
    from xlsync.jobs.sync import sync

    size = SIZES[size_name]
    folder = work / "known-sync"
    shutil.copytree(work / "cold", folder)
    master = folder / "全校汇总.xlsx"
    fake, server, root = serve()
    os.environ["XLSYNC_SHEETS_API"] = root
    record = record_path(master)

    def once(sheet: str, remembered: bool) -> tuple[int, float, float, float, bool]:
        kept = record.read_bytes() if record.exists() else None
        if not remembered:
            record.unlink(missing_ok=True)  # what every sync did before the record existed
        start = time.perf_counter()
        report = sync(master, sheet, session=requests.Session()).report
        seconds = time.perf_counter() - start
        if not remembered and kept is not None:  # the remembered sheet's record, back
            record.write_bytes(kept)
        return (
            report.requests,
            report.bytes_sent / 1024,
            report.bytes_received / 1024,
            seconds,
            report.full_read,
        )

    for sheet in ("known", "full"):
        fake.create(sheet)
    once("full", False)
    once("known", True)
    rows = [("nothing changed", once("known", True), once("full", False))]
    change_one_class(master, size.as_of)
    run_consolidate(master, size.as_of)
    rows.append(("one record added mid-school", once("known", True), once("full", False)))
    server.shutdown()
    lines = [
        f"Sync with and without the record of the last sync, {size_name} master (loopback fake; "
        "masked; seconds include the in-process fake):",
        "",
        "| sync | with record: requests | KiB sent | KiB received | s | "
        "full read (before): requests | KiB sent | KiB received | s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, mine, full in rows:
        assert not mine[4] and full[4], (label, mine, full)
        lines.append(
            f"| {label} | {mine[0]} | {mine[1]:,.1f} | {mine[2]:,.1f} | {mine[3]:.2f} | "
            f"{full[0]} | {full[1]:,.1f} | {full[2]:,.1f} | {full[3]:.2f} |"
        )
    (_, unchanged, _), (_, added, _) = rows
    targets = [
        (
            "unchanged: ≤ 1 request, ≤ 64 KiB both ways",
            unchanged[0] <= 1 and unchanged[1] + unchanged[2] <= 64,
        ),
        (
            "one record: ≤ 3 requests, ≤ 256 KiB both ways",
            added[0] <= 3 and added[1] + added[2] <= 256,
        ),
    ]
    lines += ["", "| target | met |", "|---|---|"]
    lines += [f"| {label} | {'yes' if met else 'NO'} |" for label, met in targets]
    return lines


def excel_table(size_name: str, work: Path) -> list[str]:
    """汇总全校 of the add-in on the master, through the xlwings test engine: the Python time and
    how many calls would cross to Excel (each a COM or AppleScript round trip in real Excel)."""
    import excel_engine as xe

    import xlsync.ribbon as entry

    size = SIZES[size_name]
    folder = work / "excel"
    shutil.copytree(work / "pristine", folder)
    book = xe.load(folder / "全校汇总.xlsx")
    xe.state(book).save = lambda path=None, password=None: None  # not Excel's cost
    entry.caller = lambda: book
    entry.today = lambda: size.as_of
    xe.CALLS.clear(), xe.ROWS.clear()
    start = time.perf_counter()
    entry.consolidate_school()
    seconds = time.perf_counter() - start
    alert = xe.state(book.app).alerts[-1]
    assert alert["mode"] == "info", alert["prompt"]
    lines = [
        f"汇总全校 (Excel add-in) on the {size_name} school through the xlwings test engine:",
        "",
        f"Python time {seconds:.2f} s (xlwings calls cost nothing here)",
        "",
        "| calls to Excel | count |",
        "|---|---:|",
    ]
    lines += [f"| {kind} | {count} |" for kind, count in sorted(xe.CALLS.items())]
    lines.append(f"| total | {sum(xe.CALLS.values())} |")
    lines.append(f"\nmost rows in one call: {dict(sorted(xe.ROWS.items()))}")
    return lines


def scale_table(counts: tuple[int, ...], work: Path) -> list[str]:
    lines = [
        "Scale: cold consolidation, 40 children a class, a full school year",
        "",
        "| classes | children | records | seconds | ms per class | peak MiB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for count in counts:
        folder = work / f"scale-{count}"
        master = build(folder, Size(count, 40, 1.8, YEAR_END))
        seconds, peak, facts, _ = measure(run_consolidate, master, YEAR_END)
        lines.append(
            f"| {count} | {facts['children']} | {facts['records']} | {seconds:.2f} | "
            f"{1000 * seconds / count:.0f} | {peak:.0f} |"
        )
    return lines


def large_table(size_name: str, work: Path) -> list[str]:
    """Issue 22.2: the large school (L, 600 classes of 20), cold and after one class changed,
    without the write-back: time per class (linear?) and peak memory (≤ 1 GiB)."""
    size = SIZES[size_name]
    master = build(work / f"large-{size_name}", size)
    c0 = measure(run_consolidate, master, size.as_of, True)
    change_one_class(master, size.as_of)
    e0 = measure(run_consolidate, master, size.as_of, True)
    lines = [
        f"Large school ({size_name}): {size.classes} classes, {c0[2]['children']} children, "
        f"{c0[2]['records']} records, --no-write-back",
        "",
        "| phase | seconds | CPU seconds | ms CPU per class | peak MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, (seconds, peak, _, cpu) in (("c0. cold", c0), ("e0. one class changed", e0)):
        lines.append(
            f"| {label} | {seconds:.1f} | {cpu:.1f} | {1000 * cpu / size.classes:.0f} | {peak:.0f} |"
        )
    peak = max(c0[1], e0[1])
    lines.append(
        f"\npeak {peak:.0f} MiB (≤ 1024: {'yes' if peak <= 1024 else 'NO'}); "
        f"e0/c0 CPU {e0[3] / c0[3]:.3f}"
    )
    return lines


CURVE = (("M", SIZES["M"]), ("120 × 40", Size(120, 40, 1.8, YEAR_END)), ("L", SIZES["L"]))


def curve_table(work: Path, sizes: tuple[tuple[str, Size], ...] = CURVE) -> list[str]:
    """Issue 22.2: how peak memory grows with the school, cold (c0) and after one class changed
    (e0), both --no-write-back, each in a fresh process; flat means L within ~15 % of M."""
    lines = [
        "Memory curve (--no-write-back; peak is the phase process's VmHWM):",
        "",
        "| school | children | records | c0 CPU s | c0 MiB | e0 CPU s | e0 MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    peaks = []
    for label, size in sizes:
        master = build(work / f"curve-{size.classes}", size)
        c0 = measure(run_consolidate, master, size.as_of, True)
        change_one_class(master, size.as_of)
        e0 = measure(run_consolidate, master, size.as_of, True)
        facts = c0[2]
        lines.append(
            f"| {label} | {facts['children']:,} | {facts['records']:,} | {c0[3]:.1f} | "
            f"{c0[1]:.0f} | {e0[3]:.1f} | {e0[1]:.0f} |"
        )
        peaks.append(max(c0[1], e0[1]))
    growth = peaks[-1] / peaks[0] - 1
    lines.append(f"\nlargest school's peak vs the first's: {100 * growth:+.0f} % (flat: ≤ +15 %)")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["S", "M", "L"], default="M")
    parser.add_argument("--quick", action="store_true", help="tiny schools, every part (for CI)")
    parser.add_argument("--sheets", action="store_true", help="also measure the Google Sheets sync")
    parser.add_argument("--scale", action="store_true", help="also measure 6 … 120 classes")
    parser.add_argument(
        "--excel", action="store_true", help="also run 汇总全校 through the xlwings test engine"
    )
    parser.add_argument(  # issue 23.4 (H7): the county rollup, benchmarks/county.py
        "--county", action="store_true", help="also: xlsync rollup of 30/100/300 school exports"
    )
    parser.add_argument(
        "--large", action="store_true", help="also the L school (600 classes), cold and e0"
    )
    parser.add_argument(
        "--curve", action="store_true", help="only the memory curve: M, 120 classes, L (c0, e0)"
    )
    options = parser.parse_args(argv)
    if options.curve:
        with tempfile.TemporaryDirectory(prefix="xlsync-bench-") as folder:
            print("\n".join(curve_table(Path(folder))), flush=True)
        return
    size = "quick" if options.quick else options.size
    with tempfile.TemporaryDirectory(prefix="xlsync-bench-") as folder:
        work = Path(folder)
        print("\n".join(consolidation_table(size, work)), flush=True)
        if options.sheets or options.quick:
            print("\n" + "\n".join(sheets_table(size, work)), flush=True)
            print("\n" + "\n".join(known_sync_table(size, work)), flush=True)
        if options.excel or options.quick:
            print("\n" + "\n".join(excel_table(size, work)), flush=True)
        if options.large or options.quick:
            large = "quick" if options.quick else "L"
            print("\n" + "\n".join(large_table(large, work)), flush=True)
        if options.scale or options.quick:
            print(
                "\n" + "\n".join(scale_table(QUICK_SCALE if options.quick else SCALE, work)),
                flush=True,
            )
        if options.county:
            from county import county_table  # benchmarks/county.py

            print("\n" + "\n".join(county_table((30, 100, 300), work, False, True)), flush=True)


if __name__ == "__main__":
    main()
