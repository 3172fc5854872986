"""The layers of docs/architecture.md: no import circles, and the pure core does no I/O."""
from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PURE = ("money", "calendar", "fx", "ledger", "parties", "journal", "settlement", "company", "errors", "sie")
IO = ("sqlalchemy", "psycopg", "alembic", "bilag.store", "bilag.services", "bilag.cli", "bilag.scenario")


def _graph() -> dict[str, set[str]]:
    """module -> the bilag modules it imports (anywhere in the file: lazy imports count too)."""
    modules = {}
    for path in (SRC / "bilag").rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                    targets.add(module)
                    targets.update(f"{module}.{alias.name}" for alias in node.names)
                else:
                    targets.add(node.module or "")
        graph[name] = targets
    return {name: {t for t in targets if t in graph and t != name} | {t for t in targets if t not in graph}
            for name, targets in graph.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected sets of two or more bilag modules (Tarjan)."""
    internal = {n: {t for t in ts if t in graph} for n, ts in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(internal[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(internal):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles():
    assert _circles(_graph()) == []


def test_the_circle_finder_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_pure_core_does_no_io():
    graph = _graph()
    offending = {name: sorted(t for t in targets if t.startswith(IO))
                 for name, targets in graph.items() if name.split(".")[1:2] and name.split(".")[1] in PURE}
    assert {name: found for name, found in offending.items() if found} == {}


def test_posting_does_not_know_settlement():
    graph = _graph()
    assert not {t for t in graph["bilag.services.ledger_posting"] if t.startswith("bilag.services.settlement")}
    assert not {t for t in graph["bilag.services.settlement"] if t == "bilag.services.posting"}
