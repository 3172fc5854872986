"""Load on PostgreSQL (issue 13, item 7): 8 concurrent posters and 8 concurrent settlers, then the invariants.

    .venv/bin/python bench/trust_load.py                  # 60 seconds, 8 posters + 8 settlers
    .venv/bin/python bench/trust_load.py --seconds 15     # a short run (a shared machine)

Posters post vendor invoices (one voucher each, through post_journal); settlers pay and settle open invoices
of random vendors (through settle, a new payment each). Afterwards: no deadlock failed a request; every voucher
number of each journal name is used once and without gaps; every voucher balances; the vendor subledger ties to
the payables account; every settled invoice is settled once (open amount zero, one settlement); the hash chains
verify. Throughput is printed against single-threaded posting measured in the same run (the baseline).
"""
from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import text  # noqa: E402

from bilag.errors import BilagError  # noqa: E402
from bilag.journal.model import JournalLine  # noqa: E402
from bilag.parties.model import PartyType  # noqa: E402
from bilag.services.posting import post_journal  # noqa: E402
from bilag.services.settlement import MarkRequest, Payment, settle  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.services.verify import verify_ledger  # noqa: E402
from bilag.store.database import open_store  # noqa: E402

VENDORS = 200
DAY = date(2024, 1, 10)


def company() -> dict:
    return {
        "company": {"id": "LOAD", "name": "Load", "accounting_currency": "USD"},
        "calendar": {"first_year_start": "2024-01-01", "years": 1},
        "accounts": [{"id": "110110", "type": "asset"}, {"id": "200110", "type": "liability"},
                     {"id": "606300", "type": "expense"}],
        "posting_profiles": {"vendor": {"summary_account": "200110"}},
        "journal_names": [{"name": "APINV"}, {"name": "PAYMENT"}],
        "vendors": [{"id": f"V{n:04d}", "currency": "USD"} for n in range(VENDORS)],
    }


def invoice(number: int) -> list[JournalLine]:
    amount = Decimal(100 + number % 900) + Decimal(number % 100) / 100
    vendor = f"V{number % VENDORS:04d}"
    return [JournalLine(1, DAY, "vendor", vendor, None, amount, None, f"Invoice {number}", "USD", None, "ledger",
                        "606300", invoice=f"INV{number:08d}")]


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.outcomes: Counter[str] = Counter()

    def add(self, outcome: str) -> None:
        with self.lock:
            self.outcomes[outcome] += 1


def poster(engine, numbers, stop: threading.Event, counts: Counts) -> None:
    while not stop.is_set():
        number = next(numbers)
        try:
            post_journal(engine, "LOAD", "APINV", invoice(number))
            counts.add("invoice posted")
        except BilagError as error:
            counts.add(f"poster refused: {error.code}")
        except Exception as error:  # noqa: BLE001 - a deadlock or any other failure is what this bench counts
            counts.add(f"poster FAILED: {type(error).__name__}")


def settler(url_engine, seed: int, stop: threading.Event, counts: Counts) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        vendor = f"V{rng.randrange(VENDORS):04d}"
        with url_engine.connect() as connection:
            row = connection.execute(text(
                "SELECT invoice, -open_minor FROM party_transaction WHERE company_id = 'LOAD' AND party_type = "
                "'vendor' AND party_id = :v AND open_minor < 0 ORDER BY transaction_id LIMIT 1"), {"v": vendor}).first()
        if row is None:
            time.sleep(0.01)
            continue
        amount = Decimal(row[1]).scaleb(-2)
        try:
            settle(url_engine, "LOAD", PartyType.vendor, vendor, [MarkRequest(invoice=row[0])],
                   payment=Payment(amount, "110110", None, "USD", DAY))
            counts.add("invoice settled")
        except BilagError as error:  # another settler took it first: a clear refusal, nothing written
            counts.add(f"settler refused: {error.code}")
        except Exception as error:  # noqa: BLE001
            counts.add(f"settler FAILED: {type(error).__name__}")


def invariants(engine) -> list[str]:
    problems = []
    with engine.connect() as c:
        for series, count, low, high, distinct in c.execute(text(
                "SELECT series, COUNT(*), MIN(voucher_number), MAX(voucher_number), COUNT(DISTINCT voucher_number) "
                "FROM voucher WHERE company_id = 'LOAD' GROUP BY series")):
            numbers = sorted(int(n[len(series):]) for (n,) in c.execute(text(
                "SELECT voucher_number FROM voucher WHERE company_id = 'LOAD' AND series = :s"), {"s": series}))
            if numbers != list(range(1, len(numbers) + 1)) or distinct != count:
                problems.append(f"series {series}: voucher numbers have gaps or repeats ({low}..{high}, {count})")
        unbalanced = c.execute(text("SELECT COUNT(*) FROM (SELECT voucher_id FROM ledger_entry WHERE company_id = "
                                    "'LOAD' GROUP BY voucher_id HAVING SUM(accounting_minor) <> 0) x")).scalar_one()
        if unbalanced:
            problems.append(f"{unbalanced} vouchers do not balance")
        open_total = c.execute(text("SELECT COALESCE(SUM(open_accounting_minor), 0) FROM party_transaction WHERE "
                                    "company_id = 'LOAD' AND party_type = 'vendor'")).scalar_one()
        payables = c.execute(text("SELECT COALESCE(SUM(accounting_minor), 0) FROM balance WHERE company_id = 'LOAD' "
                                  "AND main_account = '200110'")).scalar_one()
        if open_total != payables:
            problems.append(f"subledger {open_total} does not tie to payables {payables}")
        twice = c.execute(text("SELECT COUNT(*) FROM (SELECT transaction_id FROM settlement WHERE company_id = 'LOAD' "
                               "AND reversed_by_batch IS NULL GROUP BY transaction_id HAVING COUNT(*) > 1) x")).scalar_one()
        if twice:
            problems.append(f"{twice} transactions settled more than once")
        negative = c.execute(text("SELECT COUNT(*) FROM party_transaction WHERE company_id = 'LOAD' AND "
                                  "open_minor > 0 AND amount_minor < 0")).scalar_one()
        if negative:
            problems.append(f"{negative} invoices over-settled")
    [report] = verify_ledger(engine, "LOAD")
    problems += [finding.message for finding in report.findings]
    return problems


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(url: str, seconds: float, posters: int, settlers: int) -> None:
    engine = open_store(url)
    setup_company(engine, company())
    counter = iter(range(10**9))
    # Baseline: one poster alone, for a tenth of the run.
    lock = threading.Lock()

    def numbers():
        while True:
            with lock:
                yield next(counter)

    shared = numbers()
    alone = Counts()
    stop = threading.Event()
    single = threading.Thread(target=poster, args=(engine, shared, stop, alone))
    started = time.perf_counter()
    single.start()
    time.sleep(max(3.0, seconds / 10))
    stop.set()
    single.join()
    single_rate = alone.outcomes["invoice posted"] / (time.perf_counter() - started)
    counts = Counts()
    stop = threading.Event()
    threads = [threading.Thread(target=poster, args=(engine, shared, stop, counts)) for _ in range(posters)]
    threads += [threading.Thread(target=settler, args=(engine, seed, stop, counts)) for seed in range(settlers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    posted, settled = counts.outcomes["invoice posted"], counts.outcomes["invoice settled"]
    print(f"  {posters} posters + {settlers} settlers for {elapsed:.1f} s: {posted:,} invoices posted "
          f"({posted / elapsed:,.1f}/s), {settled:,} settled ({settled / elapsed:,.1f}/s)")
    print(f"  baseline, one poster alone: {single_rate:,.1f} invoices/s; ratio (all posts + settlements) : "
          f"baseline = {(posted + settled) / elapsed / single_rate:.2f}")
    for outcome, count in sorted(counts.outcomes.items()):
        print(f"    {outcome}: {count:,}")
    failures = sum(count for outcome, count in counts.outcomes.items() if "FAILED" in outcome)
    problems = invariants(engine)
    print(f"  failures (deadlocks or errors): {failures}; invariants: "
          + ("all hold (numbers gapless, vouchers balance, subledger ties, settled once, chains verify)"
             if not problems else "; ".join(problems)))
    engine.dispose()
    if failures or problems:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--posters", type=int, default=8)
    parser.add_argument("--settlers", type=int, default=8)
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a throw-away cluster)")
    args = parser.parse_args()
    print(f"PostgreSQL, {args.posters} posters and {args.settlers} settlers, {args.seconds:g} s")
    if args.url:
        run(args.url, args.seconds, args.posters, args.settlers)
        return
    cluster = f"/tmp/bilag-load-pg-{os.getpid()}"
    server = subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "start", cluster, str(free_port())],
                            check=True, capture_output=True, text=True).stdout.strip()
    try:
        run(server, args.seconds, args.posters, args.settlers)
    finally:
        subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", cluster], check=False)


if __name__ == "__main__":
    main()
