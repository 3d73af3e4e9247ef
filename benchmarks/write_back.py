"""汇总 with and without the write-back into the class workbooks (phases c0 and c of run.py).

    python benchmarks/write_back.py --size M                 # build the school, measure c0 and c
    python benchmarks/write_back.py --size M --school DIR    # reuse (or first build) DIR's school

Only the two phases issue 16's last target compares (c/c0 ≤ 2), each in a fresh process on its
own copy of the same generated school, c0 first, as `run.py` does; with --school the generated
school is kept in DIR, so a before/after pair can measure the same school back to back.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import SIZES, build, measure, run_consolidate  # noqa: E402


def pristine(size: str, keep: Path | None, work: Path) -> Path:
    """The generated school: built once into `keep` when given, else into `work`."""
    folder = keep if keep is not None else work / "pristine"
    if not (folder / "全校汇总.xlsx").exists():
        build(folder, SIZES[size])
    return folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["S", "M", "L", "quick"], default="M")
    parser.add_argument("--school", type=Path, help="keep the generated school here")
    options = parser.parse_args(argv)
    size = SIZES[options.size]
    with tempfile.TemporaryDirectory(prefix="xlsync-wb-") as folder:
        work = Path(folder)
        school = pristine(options.size, options.school, work)
        for name in ("without", "with"):
            shutil.copytree(school, work / name)
        c0 = measure(run_consolidate, work / "without" / "全校汇总.xlsx", size.as_of, True)
        c = measure(run_consolidate, work / "with" / "全校汇总.xlsx", size.as_of)
    print("| phase | seconds | CPU seconds | peak MiB |\n|---|---:|---:|---:|")
    for label, (seconds, peak, _, cpu) in (("c0. --no-write-back", c0), ("c. write-back", c)):
        print(f"| {label} | {seconds:.2f} | {cpu:.2f} | {peak:.0f} |")
    print(f"\nc/c0 wall {c[0] / c0[0]:.2f}, c/c0 CPU {c[3] / c0[3]:.2f} (target ≤ 2)")


if __name__ == "__main__":
    main()
