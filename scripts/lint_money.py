"""The money rule of the gate (`make lint`): no float in src/bilag.

Money is Decimal in Python and integer minor units in storage (DESIGN.md). ruff's banned-api rule cannot name a
builtin, so this check walks the syntax tree instead: it refuses a call of `float(...)` and a float literal
(`0.5`, `1e3`) anywhere under the given roots. Reading a float that arrives from outside (a YAML or spreadsheet
cell) is fine: `isinstance(x, float)` and `repr(x)` are not refused. A line that truly needs a float (none does
today) says so with `# money: float-ok` and a reason.

Usage: python scripts/lint_money.py [ROOT ...]   (default: src/bilag). Exit 1 and one line per finding.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ALLOW = "# money: float-ok"


def findings(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text, filename=str(path))):
        what = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
            what = "float(...) call"
        elif isinstance(node, ast.Constant) and type(node.value) is float:
            what = f"float literal {node.value!r}"
        if what and ALLOW not in lines[node.lineno - 1]:
            found.append(f"{path}:{node.lineno}:{node.col_offset + 1}: {what}: money is Decimal, never float")
    return found


def main(roots: list[str]) -> int:
    paths = [path for root in map(Path, roots or ["src/bilag"])
             for path in ([root] if root.is_file() else sorted(root.rglob("*.py")))]
    problems = [f for path in paths for f in findings(path)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
