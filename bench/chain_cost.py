"""The cost of the voucher hash chain (issue 13) in one run: the same journal posted with the chain and with the
hash replaced by a constant, alternately, each into a fresh SQLite database; the ratio of the two times.

    .venv/bin/python bench/chain_cost.py [--lines 30000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

import post_journal as bench  # noqa: E402

from bilag.store import ledger_rows  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(2024)
    cost_centers = bench.cost_center_tree(rng)
    setup = bench.company_setup(rng, cost_centers)
    lines = bench.vendor_invoice_journal(args.lines, rng, cost_centers)
    chained = ledger_rows.voucher_hash
    times: dict[str, list[float]] = {"with the chain": [], "without": []}
    with tempfile.TemporaryDirectory(prefix="bilag-chain-") as directory:
        for round_number in range(args.rounds):
            for label in ("with the chain", "without"):
                ledger_rows.voucher_hash = chained if label == "with the chain" else (lambda *_: "0" * 64)
                url = f"sqlite:///{directory}/{round_number}-{label.replace(' ', '-')}.sqlite"
                seconds, engine = bench.post_through_service(url, setup, lines, None)
                engine.dispose()
                times[label].append(seconds)
    ledger_rows.voucher_hash = chained
    best = {label: min(values) for label, values in times.items()}
    print(f"{args.lines:,} lines, best of {args.rounds}: with the chain {best['with the chain']:.2f} s "
          f"({args.lines / best['with the chain']:,.0f} lines/s), without {best['without']:.2f} s "
          f"({args.lines / best['without']:,.0f} lines/s); ratio {best['without'] / best['with the chain']:.3f}")


if __name__ == "__main__":
    main()
