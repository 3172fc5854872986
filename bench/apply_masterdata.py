"""Applying master data to a company in use (issue 7): `bilag apply` adding and changing N vendors, against the
baseline of setting the same N vendors up with the company (set-up's own bulk insert), in the same run.

    .venv/bin/python bench/apply_masterdata.py [--quick] [--count N]
"""
from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bilag.services.masterdata import apply_setup  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.store.database import open_store  # noqa: E402
from support import seed_setup  # noqa: E402


def vendors(count: int, suffix: str = "") -> list[dict]:
    return [{"id": f"V{i:06d}", "name": f"Vendor {i}{suffix}", "currency": "USD", "payment_terms": None}
            for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2,000 vendors instead of 20,000")
    parser.add_argument("--count", type=int)
    args = parser.parse_args()
    count = args.count or (2_000 if args.quick else 20_000)
    with tempfile.TemporaryDirectory() as scratch:
        engine = open_store(f"sqlite:///{scratch}/bench.sqlite")
        base = seed_setup()
        rows = [{k: v for k, v in vendor.items() if v is not None} for vendor in vendors(count)]
        started = time.perf_counter()
        setup_company(engine, {**copy.deepcopy(base), "vendors": rows})
        baseline = time.perf_counter() - started
        second = {**copy.deepcopy(base), "company": {**base["company"], "id": "APPLY"}, "vendors": []}
        setup_company(engine, second)
        started = time.perf_counter()
        added = apply_setup(engine, "APPLY", {"vendors": rows})
        adding = time.perf_counter() - started
        changed_rows = [{**row, "name": row["name"] + " Ltd"} for row in rows]
        started = time.perf_counter()
        changed = apply_setup(engine, "APPLY", {"vendors": changed_rows})
        changing = time.perf_counter() - started
    assert {c.action for c in added} == {"added"} and {c.action for c in changed} == {"changed"}
    print(f"{count:,} vendors (SQLite)")
    print(f"  baseline: set up with the company  {baseline:7.2f} s  {count / baseline:10,.0f} vendors/s")
    print(f"  apply, all new                     {adding:7.2f} s  {count / adding:10,.0f} vendors/s  "
          f"ratio {baseline / adding:.2f}")
    print(f"  apply, all changed                 {changing:7.2f} s  {count / changing:10,.0f} vendors/s  "
          f"ratio {baseline / changing:.2f}")


if __name__ == "__main__":
    main()
