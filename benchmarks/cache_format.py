"""Cost of the cache's data format on the size-M school (60 classes × 40 children, a school
year of records): pickle (the format before) against the JSON codec, plain and encrypted, for
every parsed class workbook. Run: PYTHONPATH=. python benchmarks/cache_format.py"""

from __future__ import annotations

import datetime as dt
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlsync.demo import DemoSize, generate_school
from xlsync.files import cache_codec as codec
from xlsync.files.reader import read_class_workbook

SCHOOL = Path("/tmp/xlsync-bench-cache-M")


def best_of_3(work: Callable[[], Any]) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(3):
        start = time.perf_counter()
        out = work()
        best = min(best, time.perf_counter() - start)
    return best, out


def measure(label: str, dump: Callable, load: Callable, books: list) -> None:
    write, blobs = best_of_3(lambda: [dump(b) for b in books])
    read, _ = best_of_3(lambda: [load(x) for x in blobs])
    size = sum(map(len, blobs)) / 2**20
    print(f"| {label} | {write:.2f} | {read:.2f} | {size:.1f} |")


def main() -> None:
    if not SCHOOL.exists():
        generate_school(SCHOOL, dt.date(2027, 6, 30), DemoSize(60, 40), seed=1)
    books = [read_class_workbook(p) for p in sorted((SCHOOL / "班级台账").rglob("*.xlsx"))]
    key = codec.derive_key("password", b"0" * 16)
    print(f"{len(books)} books\n\n| format | write s | read s | MiB |\n|---|---:|---:|---:|")
    measure("pickle", lambda b: pickle.dumps(b, protocol=5), pickle.loads, books)
    for name, k in (("JSON", None), ("JSON + AES-GCM", key)):
        measure(
            name,
            lambda b, k=k: codec.seal(codec.book_data(b), k),
            lambda d, k=k: codec.book_from_data(codec.unseal(d, k)),
            books,
        )
    start = time.perf_counter()
    codec.derive_key("password", b"1" * 16)
    print(f"\nscrypt key derivation (once per run): {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
