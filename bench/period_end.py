"""Period-end benchmark: year-end close and financial statements over a large ledger, and customer/vendor
revaluation against bulk posting, in one run.

    .venv/bin/python bench/period_end.py                   # 10,000,000 entries; 100,000 open transactions
    .venv/bin/python bench/period_end.py --quick           # 1,000,000 entries; 20,000 open transactions
    .venv/bin/python bench/period_end.py --store postgresql --entries 10000000 --transactions 1000000

Year-end close: a company whose ledger holds ENTRIES entries over 12 months of 2024, on 2,000 ledger
accounts (100 main accounts x 20 business units), written straight into the ledger and balances tables
(the benchmark measures the close, not the loading). Timed: `close_year` (closing + opening vouchers from
the balances table) against the target < 10 s, and the balance sheet and income statement against < 100 ms.

Revaluation: TRANSACTIONS EUR vendor invoices posted with `post_journal` (timed: the bulk-posting rate of
the same number of entries, 2 per invoice) and then revalued at a new rate with `revalue_open_transactions`
(timed). Printed: both rates and the ratio revalued transactions/s : posted entries/s (target >= 0.25).
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bilag.journal.model import JournalLine  # noqa: E402
from bilag.services.posting import post_journal  # noqa: E402
from bilag.services.revaluation import revalue_open_transactions  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.services.statements import balance_sheet, income_statement  # noqa: E402
from bilag.services.year_end import close_year  # noqa: E402
from bilag.store import schema  # noqa: E402
from bilag.store.bulk import bulk_insert  # noqa: E402
from bilag.store.companies import load_company  # noqa: E402
from bilag.store.database import open_store  # noqa: E402
from bilag.store.ledger_writer import ENTRY_COLUMNS, HASHED_VOUCHER_COLUMNS, apply_balance_deltas  # noqa: E402

MAIN_ACCOUNTS = 100  # 50 balance-sheet, 50 profit-and-loss
UNITS = 20


def ledger_company() -> dict:
    accounts = [{"id": f"{100000 + n:06d}", "type": "asset" if n < 40 else "liability"} for n in range(50)]
    accounts += [{"id": f"{400000 + n:06d}", "type": "revenue" if n < 20 else "expense"} for n in range(50)]
    accounts.append({"id": "300200", "type": "equity"})
    return {"company": {"id": "BIG", "name": "Year-end benchmark", "accounting_currency": "USD"},
            "calendar": {"first_year_start": "2024-01-01", "years": 2}, "dimensions": ["BusinessUnit"],
            "accounts": accounts, "system_accounts": {"retained_earnings": "300200"}}


def load_ledger(engine, entries: int) -> None:
    """ENTRIES balanced entries (pairs) written in chunks straight into voucher, ledger_entry and balance."""
    with engine.connect() as connection:
        company = load_company(connection, "BIG")
    periods = {p.number: p for p in company.calendar.periods if p.year == 2024 and p.kind.value == "operating"}
    mains = sorted(company.chart.main_accounts)
    mains.remove("300200")
    chunk = 200_000
    entry_id = voucher_id = 1
    for start in range(0, entries, chunk):
        count = min(chunk, entries - start)
        vouchers, rows, deltas = [], [], {}
        for n in range(start, start + count, 2):
            if n % 1000 == 0 or not vouchers:
                month = 1 + (n // 1000) % 12
                period = periods[month]
                day = (period.start + timedelta(days=n % 28)).isoformat()
                vouchers.append(("BIG", voucher_id, "GNJL", f"V{voucher_id:09d}", day, period.id, "journal", 1, ""))
                voucher_id += 1
            amount = 100 + n % 10_000
            for side, sign in ((n, 1), (n + 7, -1)):
                main = mains[side % MAIN_ACCOUNTS]
                account = f"{main}-U{(side // MAIN_ACCOUNTS) % UNITS:02d}"
                rows.append(("BIG", entry_id, voucher_id - 1, day, period.id, account, main, "ledger_journal", "USD",
                             sign * amount, sign * amount, "", None, None))
                key = (account, "USD", period.id, main)
                delta = deltas.setdefault(key, [0, 0])
                delta[0] += sign * amount
                delta[1] += sign * amount
                entry_id += 1
        with engine.begin() as connection:
            bulk_insert(connection, schema.voucher, HASHED_VOUCHER_COLUMNS, vouchers)  # bulk-loaded: unchained
            bulk_insert(connection, schema.ledger_entry, ENTRY_COLUMNS, rows)
            apply_balance_deltas(connection, "BIG", deltas)
    with engine.begin() as connection:  # the counters the writers would have advanced
        for code, value in (("entry", entry_id), ("voucher", voucher_id)):
            connection.exec_driver_sql(f"DELETE FROM number_sequence WHERE company_id = 'BIG' AND code = '{code}'")
            connection.exec_driver_sql(f"INSERT INTO number_sequence (company_id, code, next_value) VALUES "
                                       f"('BIG', '{code}', {value})")
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE")


def year_end(url: str, entries: int) -> None:
    engine = open_store(url)
    setup_company(engine, ledger_company())
    started = time.perf_counter()
    load_ledger(engine, entries)
    print(f"  loaded {entries:,} ledger entries in {time.perf_counter() - started:.1f} s")
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        balance_sheet(engine, "BIG", date(2024, 12, 31))
        income_statement(engine, "BIG", date(2024, 1, 1), date(2024, 12, 31))
        timings.append((time.perf_counter() - started) / 2)
    print(f"  balance sheet / income statement: {min(timings) * 1000:.1f} ms each (best of 3; target < 100 ms)")
    started = time.perf_counter()
    result = close_year(engine, "BIG", 2024)[0]
    seconds = time.perf_counter() - started
    print(f"  year-end close: {seconds:.2f} s, {sum(len(v.draft.entries) for v in result.vouchers):,} entries in "
          f"{len(result.vouchers)} vouchers (target < 10 s)")
    started = time.perf_counter()
    close_year(engine, "BIG", 2024, delete_existing=True)
    print(f"  rerun deleting the earlier vouchers (reversal + new): {time.perf_counter() - started:.2f} s")
    engine.dispose()


def revaluation(url: str, transactions: int) -> None:
    engine = open_store(url)
    vendors = max(1, min(5000, transactions // 20))
    setup_company(engine, {
        "company": {"id": "FX", "name": "Revaluation benchmark", "accounting_currency": "USD"},
        "calendar": {"first_year_start": "2024-01-01", "years": 1}, "dimensions": ["BusinessUnit"],
        "accounts": [{"id": "200110", "type": "liability"}, {"id": "606300", "type": "expense"},
                     {"id": "801400", "type": "expense"}, {"id": "801600", "type": "revenue"}],
        "posting_profiles": {"vendor": {"summary_account": "200110"}},
        "system_accounts": {"unrealized_loss": "801400", "unrealized_gain": "801600"},
        "vendors": [{"id": f"V{n:05d}", "currency": "EUR"} for n in range(vendors)],
        "exchange_rates": [{"currency": "EUR", "date": "2024-01-01", "rate": "1.14"},
                           {"currency": "EUR", "date": "2024-01-31", "rate": "1.15"}]})
    lines = [JournalLine(n + 1, date(2024, 1, 2 + n % 28), "vendor", f"V{n % vendors:05d}", None,
                         Decimal(100 + n % 900) + Decimal(n % 100) / 100, f"INV{n:08d}", f"Invoice {n}", "EUR", None,
                         "ledger", f"606300-{n % 4:03d}", invoice=f"INV{n:08d}") for n in range(transactions)]
    started = time.perf_counter()
    post_journal(engine, "FX", "APINV", lines)
    posting_seconds = time.perf_counter() - started
    posting_rate = 2 * transactions / posting_seconds
    started = time.perf_counter()
    result = revalue_open_transactions(engine, "FX", date(2024, 1, 31))
    revalue_seconds = time.perf_counter() - started
    revalue_rate = result.revalued / revalue_seconds
    print(f"  posted {2 * transactions:,} invoice entries in {posting_seconds:.2f} s: {posting_rate:,.0f} entries/s")
    print(f"  revalued {result.revalued:,} open transactions in {revalue_seconds:.2f} s: {revalue_rate:,.0f}/s")
    print(f"  ratio revalued transactions/s : posted entries/s = {revalue_rate / posting_rate:.2f} (target >= 0.25)")
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="1,000,000 entries, 20,000 transactions")
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--only", choices=("year_end", "revaluation"), default=None)
    args = parser.parse_args()
    entries = 1_000_000 if args.quick else args.entries
    transactions = 20_000 if args.quick else args.transactions
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    for store in stores:
        with tempfile.TemporaryDirectory(prefix="bilag-bench-") as directory:
            cluster = None
            server = ""
            if store == "postgresql":
                os.chmod(directory, 0o755)  # the cluster's own user (postgres, when run as root) must reach it
                cluster = Path(directory) / "pg"
                server = subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "start", str(cluster), str(free_port())],
                                        check=True, capture_output=True, text=True).stdout.strip()
            try:
                def url(name: str, store: str = store, directory: str = directory, server: str = server) -> str:
                    if store == "sqlite":
                        return f"sqlite:///{directory}/{name}.sqlite"
                    return fresh_database(server, name)

                if args.only in (None, "year_end"):
                    print(f"{store}: year-end close and statements over {entries:,} entries")
                    year_end(url("yearend"), entries)
                if args.only in (None, "revaluation"):
                    print(f"{store}: customer/vendor revaluation of {transactions:,} open transactions")
                    revaluation(url("revaluation"), transactions)
            finally:
                if cluster is not None:
                    subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", str(cluster)], check=False)


if __name__ == "__main__":
    main()
