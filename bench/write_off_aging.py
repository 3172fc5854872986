"""Benchmarks of issue 9: invoices with tax, write-off, aged balances as of a past date — each against a
baseline measured in the same run.

    .venv/bin/python bench/write_off_aging.py                 # full size, SQLite
    .venv/bin/python bench/write_off_aging.py --quick         # a tenth
    .venv/bin/python bench/write_off_aging.py --store postgresql --only aged

1. invoices: post N free-text invoices of 5 lines with sales tax (post_invoices on drafts) vs posting the same
   entries as a general journal (post_journal; each invoice one voucher, the revenue lines with the tax code).
   Ratio of entries/s, target >= 0.3. Full size: 100,000 invoices.
2. write-off: the whole balances of C customers (one open invoice each) written off, journal created and
   posted (settling them) vs bulk posting of the same journal lines without the settlement. Ratio of
   entries/s, target >= 0.25. Full size: 10,000 customers.
3. aged: aged balances as of a past date over K customers and T transactions, half of them settled (a quarter
   after the date), by due date, against one plain pass summing the transactions' open amounts (ratio). Target
   < 2 s. Full size: 100,000 customers, 2,000,000 transactions. The data
   is written straight through the store's bulk writer (vouchers, entries, transactions, settlements).
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

from bilag.invoices.model import Invoice, InvoiceLine  # noqa: E402
from bilag.journal.model import EntryDraft, JournalLine, TransactionDraft, VoucherDraft  # noqa: E402
from bilag.journal.posting import cycle_collection_paused  # noqa: E402
from bilag.services.collections import aged_report  # noqa: E402
from bilag.services.invoices import create_invoices_in, post_invoices  # noqa: E402
from bilag.services.posting import post_journal  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.services.write_off import write_off  # noqa: E402
from bilag.store.bulk import IsoDates, bulk_insert, next_ids  # noqa: E402
from bilag.store.companies import load_company  # noqa: E402
from bilag.store.database import open_store  # noqa: E402
from bilag.store.ledger_writer import write_vouchers  # noqa: E402

START = date(2024, 1, 1)


def company(customers: int) -> dict:
    return {
        "company": {"id": "BENCH", "name": "Collections benchmark", "accounting_currency": "USD"},
        "calendar": {"first_year_start": "2024-01-01", "years": 1},
        "dimensions": ["BusinessUnit", "Department"],
        "accounts": [{"id": "130100", "type": "asset"}, {"id": "222100", "type": "liability"},
                     {"id": "401100", "type": "revenue"}, {"id": "618100", "type": "expense"},
                     {"id": "110110", "type": "asset"}],
        "posting_profiles": {"customer": {"summary_account": "130100-001", "write_off_account": "618100"}},
        "tax_codes": [{"code": "VAT25", "percent": 25, "payable_account": "222100"},
                      {"code": "VAT12", "percent": 12, "payable_account": "222100"}],
        "sales_tax_groups": [{"code": "DOM", "tax_codes": ["VAT25", "VAT12"]}],
        "item_sales_tax_groups": [{"code": "FULL", "tax_codes": ["VAT25"]}, {"code": "FOOD", "tax_codes": ["VAT12"]}],
        "reason_codes": [{"code": "BADDEBT", "customer": True, "default": True}],
        "customers": [{"id": f"C{n:06d}", "currency": "USD"} for n in range(customers)],
    }


def amount(n: int) -> Decimal:
    return Decimal(100 + n % 900) + Decimal(n % 100) / 100


def documents(count: int, customers: int) -> list[Invoice]:
    return [Invoice("customer", f"C{n % customers:06d}", START + timedelta(days=n % 300), [
        InvoiceLine(k + 1, f"401100-{k:03d}-D{n % 6:02d}", amount(n + k), item_sales_tax_group="FULL" if k % 2 else "FOOD")
        for k in range(5)], sales_tax_group="DOM") for n in range(count)]


def journal_of(invoices: list[Invoice]) -> list[JournalLine]:
    """The same entries as a general journal: one voucher per invoice, the revenue lines with their tax code."""
    from bilag.money import percent_share, to_minor

    lines: list[JournalLine] = []
    for n, invoice in enumerate(invoices):
        voucher = f"J{n:07d}"
        total = 0
        for line in invoice.lines:
            net = to_minor(line.amount or Decimal(0))
            percent = Decimal(25) if line.item_sales_tax_group == "FULL" else Decimal(12)
            total += net + percent_share(net, percent)
        lines.append(JournalLine(len(lines) + 1, invoice.invoice_date, "customer", invoice.party_id,
                                 Decimal(total) / 100, None, voucher, "Invoice", "USD", invoice=voucher))
        for line in invoice.lines:
            lines.append(JournalLine(len(lines) + 1, invoice.invoice_date, "ledger", line.ledger_account, None,
                                     line.amount, voucher, "Invoice", "USD",
                                     tax_code="VAT25" if line.item_sales_tax_group == "FULL" else "VAT12"))
    return lines


def bench_invoices(fresh, count: int, customers: int) -> None:
    baseline_engine = fresh("journal")
    setup_company(baseline_engine, company(customers))
    lines = journal_of(documents(count, customers))
    started = time.perf_counter()
    posted = post_journal(baseline_engine, None, "GNJL", lines)
    journal_seconds = time.perf_counter() - started
    journal_rate = posted.entry_count / journal_seconds
    engine = fresh("invoices")
    setup_company(engine, company(customers))
    with cycle_collection_paused(), engine.begin() as connection:
        create_invoices_in(connection, load_company(connection, "BENCH"), documents(count, customers))
    started = time.perf_counter()
    result = post_invoices(engine, None)
    invoice_seconds = time.perf_counter() - started
    invoice_rate = result.posting.entry_count / invoice_seconds
    print(f"invoices: {count:,} invoices of 5 lines with tax, {result.posting.entry_count:,} entries in "
          f"{invoice_seconds:.1f} s = {invoice_rate:,.0f} entries/s; the same entries as a general journal: "
          f"{journal_seconds:.1f} s = {journal_rate:,.0f} entries/s; ratio {invoice_rate / journal_rate:.2f} "
          f"(target >= 0.3)", flush=True)


def open_invoices(engine, customers: int) -> None:
    lines = [JournalLine(n + 1, START + timedelta(days=n % 60), "customer", f"C{n:06d}", amount(n), None, None,
                         "Invoice", "USD", None, "ledger", "401100-001--", invoice=f"I{n:06d}")
             for n in range(customers)]
    post_journal(engine, None, "GNJL", lines)


def bench_write_off(fresh, customers: int) -> None:
    day = date(2024, 6, 30)
    baseline_engine = fresh("write-off-baseline")
    setup_company(baseline_engine, company(customers))
    open_invoices(baseline_engine, customers)
    lines = []
    for n in range(customers):
        lines.append(JournalLine(len(lines) + 1, day, "customer", f"C{n:06d}", None, amount(n), None, "Write off",
                                 "USD", reason="BADDEBT"))
        lines.append(JournalLine(len(lines) + 1, day, "ledger", "618100-001-", amount(n), None, None, "Write off",
                                 "USD"))
    started = time.perf_counter()
    posted = post_journal(baseline_engine, None, "WRITEOFF", lines)
    baseline_seconds = time.perf_counter() - started
    baseline_rate = posted.entry_count / baseline_seconds
    engine = fresh("write-off")
    setup_company(engine, company(customers))
    open_invoices(engine, customers)
    started = time.perf_counter()
    result = write_off(engine, None, day=day, customers=[f"C{n:06d}" for n in range(customers)], post=True)
    seconds = time.perf_counter() - started
    assert result.posting is not None
    entries = result.posting.entry_count
    rate = entries / seconds
    with engine.connect() as connection:
        still_open = connection.exec_driver_sql("SELECT COUNT(*) FROM party_transaction WHERE open_minor <> 0").scalar()
    assert still_open == 0, still_open
    print(f"write-off: {customers:,} customers' balances, journal created and posted and settled, {entries:,} "
          f"entries in {seconds:.1f} s = {rate:,.0f} entries/s; bulk posting of the same lines: "
          f"{baseline_seconds:.1f} s = {baseline_rate:,.0f} entries/s; ratio {rate / baseline_rate:.2f} "
          f"(target >= 0.25)", flush=True)


def build_aged(engine, customers: int, transactions: int) -> None:
    setup_company(engine, company(0))
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO party (company_id, party_type, party_id, name, party_group, "
                                   "dimensions, hold) VALUES " + ", ".join(
                                       f"('BENCH', 'customer', 'C{n:06d}', '', '', '{{}}', 'no')"
                                       for n in range(customers)))
    started = time.perf_counter()
    company_ = None
    invoices = transactions // 2
    with cycle_collection_paused(), engine.begin() as connection:
        company_ = load_company(connection, "BENCH")
        chunk = 200_000
        for first in range(0, transactions, chunk):
            vouchers = []
            for n in range(first, min(transactions, first + chunk)):
                payment = n >= invoices
                k = n - invoices if payment else n
                day = START + timedelta(days=(k % 300) + (20 if payment else 0))
                minor = 10_000 + k % 90_000
                signed = -minor if payment else minor
                party = f"C{k % customers:06d}"
                period = company_.calendar.operating_period(day).id
                entries = [EntryDraft(0, "130100-001-", "130100", "customer_balance", "USD", signed, signed, "",
                                      "customer", party, 0),
                           EntryDraft(0, "110110-001-" if payment else "401100-001--", "110110" if payment
                                      else "401100", "bank" if payment else "ledger_journal", "USD", -signed,
                                      -signed)]
                vouchers.append(VoucherDraft(f"A{n:08d}", "AGE", day, period, "journal", entries, [TransactionDraft(
                    "customer", party, 0, "USD", signed, signed, "130100-001-", "GEN", day,
                    day + timedelta(days=30), f"I{k:08d}" if not payment else None)]))
            write_vouchers(connection, "BENCH", vouchers, next_ids(connection, "BENCH", "batch", 1))
        # Half of the invoices are paid by their payment (transaction ids: invoice k = k + 1, payment = invoices
        # + k + 1), settled 20 days after the invoice: a settlement row for each side, both closed.
        settled = invoices // 2 * 2 // 2
        first_id = next_ids(connection, "BENCH", "settlement", 2 * settled)
        iso = IsoDates()
        rows = []
        for k in range(settled):
            minor = 10_000 + k % 90_000
            day = iso[START + timedelta(days=(k % 300) + 20)]
            rows.append(("BENCH", first_id + 2 * k, 1, k + 1, invoices + k + 1, day, minor, minor, 0, 0, 0, 0, None))
            rows.append(("BENCH", first_id + 2 * k + 1, 1, invoices + k + 1, k + 1, day, -minor, -minor, 0, 0, 0, 0,
                         None))
        from bilag.store import schema
        from bilag.store.transactions import SETTLEMENT_COLUMNS

        bulk_insert(connection, schema.settlement, SETTLEMENT_COLUMNS, rows)
        connection.exec_driver_sql(
            "UPDATE party_transaction SET open_minor = 0, open_accounting_minor = 0, closed_on = "
            "(SELECT MAX(settlement_date) FROM settlement s WHERE s.company_id = party_transaction.company_id AND "
            "s.transaction_id = party_transaction.transaction_id) WHERE company_id = 'BENCH' AND transaction_id IN "
            "(SELECT transaction_id FROM settlement WHERE company_id = 'BENCH')")
    print(f"aged: {transactions:,} transactions for {customers:,} customers written in "
          f"{time.perf_counter() - started:.0f} s", flush=True)


def bench_aged(fresh, customers: int, transactions: int, reuse: str | None = None) -> None:
    if reuse:
        engine = open_store(reuse if "://" in reuse else f"sqlite:///{reuse}")
        with engine.connect() as connection:
            built = bool(connection.exec_driver_sql("SELECT COUNT(*) FROM company WHERE company_id = 'BENCH'").scalar())
        if not built:
            build_aged(engine, customers, transactions)
    else:
        engine = fresh("aged")
        build_aged(engine, customers, transactions)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    server_cpu = _server_cpu_reader(engine)
    # As of a past date (settlements after it count back: 33,340 of the transactions that can be open then were
    # settled after it) and as of a date after everything (nothing to count back).
    for as_of in (date(2024, 7, 1), date.today()):
        _measure_aged(engine, as_of, transactions, server_cpu)


def _server_cpu_reader(engine):
    """On PostgreSQL (a server on this machine, read as its superuser): a function giving the CPU seconds the
    server's processes have used so far — the running ones and, through the postmaster, the finished ones
    (parallel workers end with their query). None where that cannot be read."""
    if engine.dialect.name != "postgresql":
        return None
    try:
        with engine.connect() as connection:
            directory = connection.exec_driver_sql("SHOW data_directory").scalar()
        postmaster = int(Path(directory, "postmaster.pid").read_text().split()[0])
    except Exception:  # noqa: BLE001 - not a local server, or not allowed to read its settings
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def used() -> float:
        total = 0.0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                total += (int(fields[11]) + int(fields[12])) / tick
            elif int(pid) == postmaster:
                total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
        return total
    return used


def _measure_aged(engine, as_of: date, transactions: int, server_cpu) -> None:
    # Baseline, in the same run: one plain pass summing every transaction's open amount (the floor of any
    # set-based report that reads each transaction once).
    # Alternately, best of 3 each; on SQLite the work is done in this process, so its CPU time is the report's
    # own cost on a shared machine; on PostgreSQL the server's CPU time is added when it can be read.
    floor, floor_cpu, timings, cpu = [], [], [], []
    report = None

    def cpu_now() -> float:
        return time.process_time() + (server_cpu() if server_cpu else 0.0)
    for _ in range(3):
        started, started_cpu = time.perf_counter(), cpu_now()
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT SUM(open_accounting_minor) FROM party_transaction "
                                       "WHERE company_id = 'BENCH'").fetchall()
        floor.append(time.perf_counter() - started)
        floor_cpu.append(cpu_now() - started_cpu)
        started, started_cpu = time.perf_counter(), cpu_now()
        report = aged_report(engine, None, as_of)
        timings.append(time.perf_counter() - started)
        cpu.append(cpu_now() - started_cpu)
    assert report is not None
    load = os.getloadavg()[0]
    measured_cpu = engine.dialect.name == "sqlite" or server_cpu is not None
    where = "this process" if engine.dialect.name == "sqlite" else "this process and the server"
    print(f"aged: aged balances as of {as_of} (settlements after it count back) over {transactions:,} "
          f"transactions, {len(report.balances.rows):,} customers with a balance, ties to the ledger: "
          f"{report.difference_minor == 0}; best of 3: {min(timings):.2f} s wall"
          + (f", {min(cpu):.2f} s CPU in {where}" if measured_cpu else "") + " (target < 2 s); a plain pass over "
          f"the transactions: {min(floor):.2f} s wall" + (f", {min(floor_cpu):.2f} s CPU" if measured_cpu else "")
          + f"; ratio {min(timings) / min(floor):.1f} (wall)"
          + (f", {min(cpu) / max(min(floor_cpu), 0.01):.1f} (CPU)" if measured_cpu else "")
          + f"; load average {load:.1f}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="A tenth of the full size.")
    parser.add_argument("--store", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--only", choices=["invoices", "write-off", "aged"])
    parser.add_argument("--reuse", help="SQLite file or database URL of the aged data: built there if missing, else read as it is "
                        "(to measure again without building).")
    parser.add_argument("--divide", type=int, default=1, help="Divide every size by this (a smoke run).")
    options = parser.parse_args()
    scale = (10 if options.quick else 1) * options.divide
    directory = Path(tempfile.mkdtemp(prefix="bilag-bench-"))
    directory.chmod(0o755)  # the PostgreSQL server runs as its own user, in a folder below this one
    server = None
    if options.store == "postgresql":
        server = subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "start", str(directory / "pg"),
                                 str(free_port())], check=True, capture_output=True, text=True).stdout.strip()

    def fresh(name: str):
        if server is None:
            return open_store(f"sqlite:///{directory}/{name}.sqlite")
        from sqlalchemy import create_engine

        admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
        database = name.replace("-", "_")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {database}")
        admin.dispose()
        return open_store(server.rsplit("/", 1)[0] + "/" + database)

    print(f"store {options.store}, {os.cpu_count()} cores, {'quick' if options.quick else 'full size'}", flush=True)
    try:
        if options.only in (None, "invoices"):
            bench_invoices(fresh, 100_000 // scale, 1_000)
        if options.only in (None, "write-off"):
            bench_write_off(fresh, 10_000 // scale)
        if options.only in (None, "aged"):
            bench_aged(fresh, 100_000 // scale, 2_000_000 // scale, options.reuse)
    finally:
        if server is not None:
            subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", str(directory / "pg")], check=False)


if __name__ == "__main__":
    main()
