"""SAF-T export benchmark (issue 15): a year of general ledger entries written as SAF-T Financial 1.30.

    .venv/bin/python bench/saft_export.py --entries 100000     # measure small first
    .venv/bin/python bench/saft_export.py                      # 1,000,000 entries (target: < 30 s)

The company and journal are bench/post_journal.py's (vendor invoices of 4 lines, dimensions, a third in EUR),
posted untimed through `post_journal`. Timed: `export_saft` of the whole year to a file (without the schema
check, which is timed on its own), in a child process whose peak memory (ru_maxrss) is read — once for a tenth
of the year and once for the whole year, so that memory growing with the file would show. The baseline, in the
same run: the raw driver reading the same entry rows (joined to their vouchers, in the export's order) and
writing each as a CSV line, the least any export of these rows can cost.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from post_journal import (  # noqa: E402
    COMPANY,
    JOURNAL_NAME,
    company_setup,
    cost_center_tree,
    vendor_invoice_journal,
)

from bilag.services.posting import post_journal  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.store.database import open_store  # noqa: E402


def build(path: Path, entries: int) -> None:
    rng = random.Random(15)
    cost_centers = cost_center_tree(rng)
    engine = open_store(f"sqlite:///{path}")
    setup_company(engine, company_setup(rng, cost_centers))
    lines = vendor_invoice_journal(entries, rng, cost_centers)
    started = time.perf_counter()
    post_journal(engine, COMPANY, JOURNAL_NAME, lines)
    print(f"posted {len(lines):,} lines in {time.perf_counter() - started:.1f} s (untimed set-up)", flush=True)
    engine.dispose()


def peak_memory_kib() -> int:
    """This process's peak resident memory: VmHWM (reset by exec, unlike ru_maxrss, which Linux carries over from
    the parent that built the million-line journal), else ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def export_child(database: str, output: str, date_to: str, validate: bool) -> None:
    from bilag.interchange.saft.model import RECORDS, SCHEMA_1_30
    from bilag.interchange.xml_files import SCHEMAS, validate_file
    from bilag.services.saft_export import export_saft

    engine = open_store(f"sqlite:///{database}")
    before = peak_memory_kib()
    started = time.perf_counter()
    result = export_saft(engine, COMPANY, output, date(2024, 1, 1), date.fromisoformat(date_to),
                         today=date(2025, 1, 1), validate=False)
    seconds = time.perf_counter() - started
    validate_seconds = None
    if validate:
        started = time.perf_counter()
        validate_file(output, SCHEMAS / SCHEMA_1_30, records=RECORDS)
        validate_seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "lines": result.lines, "transactions": result.transactions,
                      "maxrss_kib": peak_memory_kib(), "before_kib": before,
                      "bytes": os.path.getsize(output), "validate_seconds": validate_seconds}))


def run_child(database: Path, output: Path, date_to: str, validate: bool) -> dict:
    completed = subprocess.run([sys.executable, __file__, "--child", str(database), str(output), date_to]
                               + (["--validate"] if validate else []), check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def baseline(database: Path, output: Path) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    cursor = connection.execute(
        "SELECT v.voucher_number, v.posting_date, e.entry_id, e.main_account, e.ledger_account, e.currency, "
        "e.amount_minor, e.accounting_minor, e.description, e.party_type, e.party_id FROM ledger_entry e "
        "JOIN voucher v ON v.company_id = e.company_id AND v.voucher_id = e.voucher_id WHERE e.company_id = ? "
        "ORDER BY v.series, e.voucher_id, e.entry_id", (COMPANY,))
    with open(output, "w", newline="") as handle:
        writer = csv.writer(handle)
        while rows := cursor.fetchmany(20_000):
            writer.writerows(rows)
    connection.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000, help="ledger entries to post and export")
    parser.add_argument("--child", nargs=3, metavar=("DATABASE", "OUTPUT", "DATE_TO"), help=argparse.SUPPRESS)
    parser.add_argument("--validate", action="store_true", help="also time the XSD check of the written file")
    options = parser.parse_args()
    if options.child:
        export_child(*options.child, options.validate)
        return
    with tempfile.TemporaryDirectory(prefix="bilag-saft-bench-") as directory:
        database, output = Path(directory) / "bench.sqlite", Path(directory) / "saft.xml"
        build(database, options.entries)
        tenth = run_child(database, output, "2024-02-05", False)  # about a tenth of the year's entries
        whole = run_child(database, output, "2024-12-31", False)
        checked = run_child(database, output, "2024-12-31", True) if options.validate else None
        base = baseline(database, Path(directory) / "baseline.csv")
    rate = whole["lines"] / whole["seconds"]
    print(f"SAF-T export of {whole['lines']:,} entries ({whole['transactions']:,} transactions, "
          f"{whole['bytes'] / 1e6:,.0f} MB): {whole['seconds']:.1f} s, {rate:,.0f} entries/s")
    print(f"baseline (raw sqlite3 read + CSV write of the same rows): {base:.1f} s, "
          f"{whole['lines'] / base:,.0f} rows/s; ratio {base / whole['seconds']:.2f}")
    print(f"peak memory of the export process: {tenth['maxrss_kib'] / 1024:.0f} MiB for {tenth['lines']:,} "
          f"entries, {whole['maxrss_kib'] / 1024:.0f} MiB for {whole['lines']:,}")
    if checked is not None:
        print(f"XSD check of the written file (lxml, streaming): {checked['validate_seconds']:.1f} s, peak memory "
              f"of export + check {checked['maxrss_kib'] / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
