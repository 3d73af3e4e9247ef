"""The package's shape (DESIGN §7): a pure core, edges that call no other edge, jobs over the
edges and front ends over the jobs, and no import cycle between them. Read from the source
with `ast`, so a new import that breaks the shape fails here."""

from __future__ import annotations

import ast
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "xlsync"
BASE = {"schema", "errors", "faults", "xlsync"}  # xlsync: the package root (__version__)
EDGES = {"files", "excel", "google"}
FRONT_ENDS = {"cli", "cli_chinese", "dev_help", "ribbon", "__main__", "docgen"}


def _part(module: str) -> str:
    """The package part a module belongs to: a sub-package or a top-level module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "xlsync"


def imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                if name.startswith("xlsync") and _part(name) != _part(module):
                    found[_part(module)].add(_part(name))
    return found


def test_the_core_imports_no_edge_and_no_outside_library_part():
    assert imports()["core"] <= BASE


def test_no_edge_calls_another_edge_or_a_job():
    for edge in EDGES:
        assert imports()[edge] <= BASE | {"core"}, edge


def test_no_job_or_edge_imports_a_front_end_and_there_is_no_cycle():
    graph = imports()
    for part, used in graph.items():
        if part not in FRONT_ENDS:
            assert not used & FRONT_ENDS, part
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as cycle:  # pragma: no cover - the message names it
        raise AssertionError(f"import cycle: {cycle.args[1]}") from None
