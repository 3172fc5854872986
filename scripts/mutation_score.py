"""Print the mutation score of the last `mutmut run` (make mutation), per module and in total.

Reads `mutmut results --all true`. Mutants listed in docs/equivalent-mutants.txt (one name a line, `#` starts a
comment) are equivalent: no test can tell them from the original, so they are left out of the score and
counted on their own line. Mutants not checked (outside the run's MODULE filter) are not counted.
Exit 1 when the score is below --fail-under (default 0: report only).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

EQUIVALENT = Path("docs/equivalent-mutants.txt")


def results() -> list[tuple[str, str]]:
    out = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "results", "--all", "true"],
                         capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            found.append((name, status))
    return found


def module_of(name: str) -> str:
    # bilag.money.x_round_half_up__mutmut_3 -> bilag.money;  bilag.journal.posting.xǁ_PlannerǁX__mutmut_1 too
    return name.split("__mutmut_")[0].rsplit(".", 1)[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fail-under", type=float, default=0.0)
    args = parser.parse_args()
    equivalent = set()
    if EQUIVALENT.exists():
        equivalent = {line.split("#")[0].strip() for line in EQUIVALENT.read_text().splitlines()} - {""}
    by_module: dict[str, Counter] = defaultdict(Counter)
    survivors = []
    for name, status in results():
        if status == "not checked":
            continue
        if name in equivalent:
            status = "equivalent"
        elif status == "survived":
            survivors.append(name)
        by_module[module_of(name)][status] += 1
    if not by_module:
        print("no mutants checked: run `make mutation` first")
        return 1
    total: Counter = Counter()
    print(f"{'module':40} {'killed':>7} {'survived':>8} {'other':>6} {'equiv.':>6} {'score':>7}")
    for module, counts in sorted(by_module.items()):
        total.update(counts)
        print(_row(module, counts))
    print(_row("TOTAL", total))
    for name in survivors:
        print(f"survived: {name}   (mutmut show {name})")
    return 0 if _score(total) >= args.fail_under else 1


def _score(counts: Counter) -> float:
    """Killed (timeouts and type-check catches count as killed) over every mutant that is not equivalent."""
    killed = counts["killed"] + counts["timeout"] + counts["caught by type check"]
    judged = sum(n for status, n in counts.items() if status != "equivalent")
    return 100.0 * killed / judged if judged else 100.0


def _row(module: str, counts: Counter) -> str:
    killed = counts["killed"] + counts["timeout"] + counts["caught by type check"]
    other = sum(counts.values()) - killed - counts["survived"] - counts["equivalent"]
    return (f"{module:40} {killed:7} {counts['survived']:8} {other:6} {counts['equivalent']:6} "
            f"{_score(counts):6.1f}%")


if __name__ == "__main__":
    sys.exit(main())
