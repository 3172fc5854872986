"""Payments that name their invoice: a payment journal whose every line carries `settle_invoice`, posted and
settled by one `post_journal`, at growing sizes (issue 11: linear time, >= 0.25 x bulk posting).

    .venv/bin/python bench/settle_invoice.py                     # 1,000 / 10,000 / 100,000 lines, SQLite
    .venv/bin/python bench/settle_invoice.py --sizes 1000,10000  # smaller
    .venv/bin/python bench/settle_invoice.py --store postgresql

Per size, two fresh companies with the same vendor invoices (bench/settle.py's workload: a third of the vendors
in EUR, half the payments within the 2 % discount period, so settlement books cash discounts and exchange
differences). The baseline, in the same run: the same payment lines posted without `settle_invoice` (bulk
posting). Printed: both rates in journal lines/s, their ratio (target >= 0.25), and the time per line at each
size (flat = linear).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from settle import company, free_port, fresh_database, invoices, payments  # noqa: E402

from bilag.services.posting import post_journal  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.store.database import open_store  # noqa: E402


def timed_payments(url: str, count: int, vendors: int, settle: bool) -> tuple[float, int]:
    engine = open_store(url)
    setup_company(engine, company(vendors))
    invoice_lines = invoices(count, vendors)
    post_journal(engine, "BENCH", "APINV", invoice_lines)
    lines = payments(count, vendors, invoice_lines)
    if settle:
        for line, invoice in zip(lines, invoice_lines):
            line.settle_invoice = invoice.invoice
    started = time.perf_counter()
    result = post_journal(engine, "BENCH", "APPAY", lines)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, len(result.settlements)


def run(store: str, make_url, sizes: list[int]) -> None:
    print(f"{store}: {'lines':>8} | {'bulk posting s':>14} | {'with settle_invoice s':>21} | {'lines/s':>8} | "
          f"{'ratio':>5} | {'us per line':>11}")
    for size in sizes:
        vendors = min(5000, max(1, size // 20))
        bulk, _ = timed_payments(make_url(f"bulk{size}"), size, vendors, settle=False)
        named, settled = timed_payments(make_url(f"named{size}"), size, vendors, settle=True)
        assert settled == size, f"{settled} of {size} payments settled"
        print(f"{store}: {size:>8,} | {bulk:>14.2f} | {named:>21.2f} | {size / named:>8,.0f} | "
              f"{bulk / named:>5.2f} | {named / size * 1e6:>11.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="sqlite")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bilag-bench-") as directory:
        if args.store in ("sqlite", "both"):
            run("SQLite", lambda name: f"sqlite:///{directory}/{name}.sqlite", sizes)
        if args.store in ("postgresql", "both"):
            cluster = f"/tmp/bilag-bench-pg-named-{free_port()}"
            server = subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "start", cluster, str(free_port())],
                                    check=True, capture_output=True, text=True).stdout.strip()
            try:
                run("PostgreSQL", lambda name: fresh_database(server, name), sizes)
            finally:
                subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", cluster], check=False)


if __name__ == "__main__":
    main()
