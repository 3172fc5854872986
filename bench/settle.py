"""Settlement benchmark: automatic settlement of many vendor invoices and payments, in one run.

    .venv/bin/python bench/settle.py               # 100,000 invoices + 100,000 payments, SQLite
    .venv/bin/python bench/settle.py --quick       # 10,000 + 10,000
    .venv/bin/python bench/settle.py --store postgresql
    .venv/bin/python bench/settle.py --store both --currencies 2

Vendor invoices (vendor line + expense line with dimensions), all in USD (the accounting currency) in
one run and with a third of the vendors in EUR in another (`--currencies 1|2|both`, default both); payments
on vendor + bank lines, half within the 2 % discount period, EUR ones at a later rate (so settlement
books cash discounts and realized exchange differences, spread over the invoice dimensions). The
payments journal is posted with `post_journal` and timed: that is the bulk-posting rate of the same
number of lines. Then `settle_automatically` settles everything and is timed. Printed: both rates and
the ratio settlements/s ÷ posted lines/s (target ≥ 0.25). Only ratios measured in one run mean anything.
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

from sqlalchemy import func, select  # noqa: E402

from bilag.journal.model import JournalLine  # noqa: E402
from bilag.parties.model import PartyType  # noqa: E402
from bilag.services.posting import post_journal  # noqa: E402
from bilag.services.settlement import settle_automatically  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.store import schema  # noqa: E402
from bilag.store.database import open_store  # noqa: E402

VENDORS = 5000
START = date(2024, 1, 1)


def eur_vendor(vendor: int, currencies: int) -> bool:
    return currencies == 2 and vendor % 3 == 0


def company(vendors: int, currencies: int = 2) -> dict:
    return {
        "company": {"id": "BENCH", "name": "Settlement benchmark", "accounting_currency": "USD"},
        "calendar": {"first_year_start": "2024-01-01", "years": 1},
        "dimensions": ["BusinessUnit", "Department"],
        "accounts": [{"id": "110110", "type": "asset"}, {"id": "200110", "type": "liability"},
                     {"id": "606300", "type": "expense"}, {"id": "520200", "type": "revenue"},
                     {"id": "801300", "type": "expense"}, {"id": "801200", "type": "revenue"}],
        "posting_profiles": {"vendor": {"summary_account": "200110"}},
        "system_accounts": {"vendor_cash_discount": "520200", "exchange_rate_loss": "801300",
                            "exchange_rate_gain": "801200"},
        "cash_discounts": [{"code": "2D10", "percent": 2, "days": 10}],
        "vendors": [{"id": f"V{n:05d}", "currency": "EUR" if eur_vendor(n, currencies) else "USD",
                     "cash_discount": "2D10"}
                    for n in range(vendors)],
        "exchange_rates": [{"currency": "EUR", "date": "2024-01-01", "rate": "1.14"},
                           {"currency": "EUR", "date": "2024-03-01", "rate": "1.15"}],
    }


def invoices(count: int, vendors: int, currencies: int = 2, offset: int = 0) -> list[JournalLine]:
    lines = []
    for n in range(offset, count):
        vendor = n % vendors
        day = START + timedelta(days=(n // vendors) * 2 % 50)  # each vendor's invoices arrive over the weeks
        amount = Decimal(100 + n % 900) + Decimal(n % 100) / 100
        currency = "EUR" if eur_vendor(vendor, currencies) else "USD"
        lines.append(JournalLine(2 * n + 1, day, "vendor", f"V{vendor:05d}", None, amount, f"INV{n:07d}",
                                 f"Invoice {n}", currency, None, "ledger",
                                 f"606300-{n % 4:03d}-D{n % 6:02d}", invoice=f"INV{n:07d}"))
    return lines


def payments(count: int, vendors: int, invoice_lines: list[JournalLine]) -> list[JournalLine]:
    lines = []
    for n in range(count):
        invoice = invoice_lines[n]
        within_discount = n % 2 == 0
        day = invoice.date + timedelta(days=5 if within_discount else 60)
        amount = invoice.credit * Decimal("0.98") if within_discount else invoice.credit
        amount = amount.quantize(Decimal("0.01"))
        lines.append(JournalLine(n + 1, day, "vendor", invoice.account, amount, None, f"PAY{n:07d}", "Payment",
                                 invoice.currency, None, "bank", "110110"))
    return lines


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(url: str, count: int, vendors: int, currencies: int) -> None:
    engine = open_store(url)
    setup_company(engine, company(vendors, currencies))
    invoice_lines = invoices(count, vendors, currencies)
    post_journal(engine, "BENCH", "APINV", invoice_lines)
    payment_lines = payments(count, vendors, invoice_lines)
    started = time.perf_counter()
    post_journal(engine, "BENCH", "APPAY", payment_lines)
    posting_seconds = time.perf_counter() - started
    posted_lines = 2 * len(payment_lines)  # each payment line posts two entries (vendor and bank)
    started = time.perf_counter()
    result = settle_automatically(engine, "BENCH", PartyType.vendor)
    settle_seconds = time.perf_counter() - started
    with engine.connect() as connection:
        still_open = connection.execute(select(func.count()).select_from(schema.party_transaction)
                                        .where(schema.party_transaction.c.open_minor != 0)).scalar()
    posting_rate = posted_lines / posting_seconds
    settle_rate = result.settlements / settle_seconds
    print(f"  posted {posted_lines:,} payment entries in {posting_seconds:.2f} s: {posting_rate:,.0f} lines/s")
    print(f"  settled {result.settlements:,} payments ({len(result.vouchers):,} settlement vouchers) in "
          f"{settle_seconds:.2f} s: {settle_rate:,.0f} settlements/s; {still_open:,} transactions left open")
    print(f"  ratio settlements/s : posted lines/s = {settle_rate / posting_rate:.2f} (target >= 0.25; a line = "
          f"one ledger entry, as in bench/post_journal.py)")
    journal_line_rate = len(payment_lines) / posting_seconds
    print(f"  (counting each two-sided payment journal line once: {journal_line_rate:,.0f} journal lines/s, "
          f"ratio {settle_rate / journal_line_rate:.2f})")
    engine.dispose()


def fresh_database(server: str, name: str) -> str:
    """A new database in the benchmark's cluster, so that each run starts empty."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 invoices and payments")
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--currencies", choices=("1", "2", "both"), default="both",
                        help="invoices in USD only (1), a third in EUR (2), or a run of each (both)")
    args = parser.parse_args()
    count = 10_000 if args.quick else args.invoices
    vendors = min(VENDORS, max(1, count // 20))
    variants = (1, 2) if args.currencies == "both" else (int(args.currencies),)
    described = {1: "in USD", 2: "a third in EUR"}
    with tempfile.TemporaryDirectory(prefix="bilag-bench-") as directory:
        if args.store in ("sqlite", "both"):
            for currencies in variants:
                print(f"SQLite, {count:,} vendor invoices ({described[currencies]}) and {count:,} payments, "
                      f"{vendors:,} vendors")
                run(f"sqlite:///{directory}/settle{currencies}.sqlite", count, vendors, currencies)
        if args.store in ("postgresql", "both"):
            cluster = f"/tmp/bilag-bench-pg-{os.getpid()}"  # the postgres user must reach it: not under a 0700 dir
            server = subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "start", cluster, str(free_port())],
                                    check=True, capture_output=True, text=True).stdout.strip()
            try:
                for currencies in variants:
                    print(f"PostgreSQL, {count:,} vendor invoices ({described[currencies]}) and {count:,} payments, "
                          f"{vendors:,} vendors")
                    run(fresh_database(server, f"settle{currencies}"), count, vendors, currencies)
            finally:
                subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", cluster], check=False)


if __name__ == "__main__":
    main()
