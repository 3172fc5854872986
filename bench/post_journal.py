"""Posting benchmark: journal lines through the service layer versus the raw driver, in one run.

    .venv/bin/python bench/post_journal.py              # 1,000,000 lines, SQLite and PostgreSQL
    .venv/bin/python bench/post_journal.py --quick      # 100,000 lines
    .venv/bin/python bench/post_journal.py --lines 200000 --store sqlite --profile /tmp/post.prof

The journal is a vendor-invoice journal: vouchers of one vendor line (credit) and three expense lines
with dimensions (debits), in USD (the accounting currency) or EUR with the line's own exchange rate.
It is posted with `post_journal`, the service that the CLI and the API call. The baseline inserts the
very ledger_entry rows that posting wrote into a fresh database of the same schema with the raw driver
(`sqlite3.executemany`, PostgreSQL `COPY`), in one transaction. Their parent voucher rows are loaded
first, untimed, so that the foreign key from ledger_entry to voucher is checked in both runs alike.
A second baseline inserts every row posting wrote — vouchers, entries, customer/vendor transactions and
balances, the same tables — the same way, timed whole, into another fresh database. On SQLite both raw
runs get the settings of the store's connections, and the page cache the store gives a batch this large
(store/bulk.py bulk_page_cache).

Only ratios measured in one run mean anything (docs/performance.md); absolute rates vary by machine.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import psycopg  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from bilag.journal.model import JournalLine  # noqa: E402
from bilag.services.posting import post_journal  # noqa: E402
from bilag.services.reports import trial_balance  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.store.bulk import BULK_PAGE_CACHE_FROM, BULK_PAGE_CACHE_KIB  # noqa: E402
from bilag.store.database import open_store  # noqa: E402
from bilag.store.ledger_writer import ENTRY_COLUMNS, TRANSACTION_COLUMNS, VOUCHER_COLUMNS  # noqa: E402

COMPANY = "BENCH"
COMPANY_COLUMNS = ("company_id", "name", "accounting_currency", "parameters")
BALANCE_COLUMNS = ("company_id", "ledger_account", "currency", "period_id", "main_account", "amount_minor",
                   "accounting_minor")
JOURNAL_NAME = "APINV"
YEAR_START = date(2024, 1, 1)
BUSINESS_UNITS = [f"{n:03d}" for n in range(1, 5)]  # 4
DEPARTMENTS = [f"D{n:02d}" for n in range(1, 7)]  # 6
COST_CENTERS = 20  # each belongs to one business unit and department, as in a real cost-centre tree
EXPENSE_ACCOUNTS = 197  # + accounts payable, bank, retained earnings = 200 main accounts
VENDORS = 5000
LINES_PER_VOUCHER = 4


# --- the company ---------------------------------------------------------------------------------------------

def cost_center_tree(rng: random.Random) -> list[tuple[str, str, str]]:
    """(cost centre, its business unit, its department)."""
    return [(f"CC{n:03d}", rng.choice(BUSINESS_UNITS), rng.choice(DEPARTMENTS)) for n in range(1, COST_CENTERS + 1)]


def expense_account_ids() -> list[str]:
    return [str(600000 + 100 * n) for n in range(EXPENSE_ACCOUNTS)]


def company_setup(rng: random.Random, cost_centers) -> dict:
    accounts = [
        {"id": "110110", "name": "Bank", "type": "asset"},
        {"id": "200110", "name": "Accounts payable", "type": "liability"},
        {"id": "300200", "name": "Retained earnings", "type": "equity"},
    ] + [{"id": account, "name": f"Expense {account}", "type": "expense"} for account in expense_account_ids()]
    vendors = []
    for n in range(1, VENDORS + 1):
        vendor = {"id": f"V{n:05d}", "name": f"Vendor {n}", "currency": "EUR" if n % 3 == 0 else "USD",
                  "payment_terms": "Net30", "dimensions": {"BusinessUnit": rng.choice(BUSINESS_UNITS)}}
        if n % 4 == 0:
            vendor["cash_discount"] = "2D10"
        vendors.append(vendor)
    return {
        "company": {"id": COMPANY, "name": "Benchmark Inc.", "accounting_currency": "USD"},
        "calendar": {"first_year_start": YEAR_START.isoformat(), "years": 1},
        "dimensions": [
            {"name": "BusinessUnit", "values": BUSINESS_UNITS},
            {"name": "Department", "values": DEPARTMENTS},
            {"name": "CostCenter", "values": [cc for cc, _, _ in cost_centers]},
        ],
        "account_structures": [
            {"name": "BalanceSheet", "main_accounts": "100000..399999", "segments": ["BusinessUnit", "Department"]},
            {"name": "ProfitLoss", "main_accounts": "400000..999999",
             "segments": ["BusinessUnit", "Department", "CostCenter"]},
        ],
        "accounts": accounts,
        "posting_profiles": {"vendor": {"summary_account": "200110"}},
        "cash_discounts": [{"code": "2D10", "percent": 2, "days": 10}],
        "payment_terms": [{"code": "Net30", "days": 30}],
        "vendors": vendors,
        "exchange_rates": [{"currency": "EUR", "date": YEAR_START.isoformat(), "rate": "1.0850"}],
        "journal_names": [{"name": JOURNAL_NAME, "description": "Vendor invoices"}],
    }


# --- the journal ---------------------------------------------------------------------------------------------

def vendor_invoice_journal(line_count: int, rng: random.Random, cost_centers) -> list[JournalLine]:
    """Vouchers of 1 vendor line + 3 expense lines; a third of them in EUR at the day's rate (4 decimals)."""
    expense_accounts = expense_account_ids()
    days = [YEAR_START + timedelta(days=n) for n in range(366)]
    eur_rate_of_day = {day: Decimal(10500 + rng.randrange(0, 700)).scaleb(-4) for day in days}
    cents = [Decimal(n).scaleb(-2) for n in range(0, 100)]
    lines: list[JournalLine] = []
    for invoice_number in range(1, line_count // LINES_PER_VOUCHER + 1):
        day = days[rng.randrange(366)]
        vendor = f"V{rng.randrange(1, VENDORS + 1):05d}"
        in_euro = invoice_number % 3 == 0
        currency, rate = ("EUR", eur_rate_of_day[day]) if in_euro else ("USD", None)
        invoice = f"INV{invoice_number:07d}"
        expense_lines = []
        total = Decimal(0)
        for _ in range(LINES_PER_VOUCHER - 1):
            amount = Decimal(rng.randrange(1, 5000)) + cents[rng.randrange(100)]
            total += amount
            cost_center, business_unit, department = cost_centers[rng.randrange(COST_CENTERS)]
            account = f"{rng.choice(expense_accounts)}-{business_unit}-{department}-{cost_center}"
            expense_lines.append(JournalLine(0, day, "Ledger", account, debit=amount,
                                             description=invoice, currency=currency, exchange_rate=rate))
        lines.append(JournalLine(0, day, "Vendor", vendor, credit=total,
                                 description=invoice, currency=currency, exchange_rate=rate, invoice=invoice))
        lines.extend(expense_lines)
    for number, line in enumerate(lines, start=1):  # line numbers as a journal file would give them
        line.line_no = number
    return lines


# --- stores --------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    """A throw-away cluster (scripts/pg-cluster), fsync off like the one the tests use."""

    def __init__(self):
        self.directory = Path(tempfile.gettempdir()) / f"bilag-bench-pg-{free_port()}"
        self.url = subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "start", str(self.directory),
                                   str(free_port())], check=True, capture_output=True, text=True).stdout.strip()

    def database(self, name: str) -> str:
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name}")
            connection.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name

    def drop(self, name: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name}")

    def stop(self):
        subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", str(self.directory)], check=False)


def fetch_rows(engine, table: str, columns, order_by: str) -> list[tuple]:
    """The rows posting wrote, as the raw driver returns them (the baseline inserts exactly these)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order_by}")
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        raw.close()


# --- one store -----------------------------------------------------------------------------------------------

def backend_cpu_seconds(pids) -> float:
    """CPU time (user + system) of PostgreSQL server processes on this machine, from /proc."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    """CPU seconds of this process's children that ended: a large journal's planning child on SQLite
    (services/posting_apart.py) is part of what a posting costs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def watch_backends(engine) -> set[int]:
    """The server process of every connection the engine opens (PostgreSQL), to count its CPU time."""
    pids: set[int] = set()
    if engine.dialect.name == "postgresql":
        def remember(dbapi_connection, _record):
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.add(cursor.fetchone()[0])
            dbapi_connection.commit()
        event.listen(engine, "connect", remember)
        engine.dispose()
    return pids


def post_through_service(url: str, setup: dict, lines: list[JournalLine], profile: str | None,
                         sqlite_cache_mib: int | None = None) -> tuple[float, float, object]:
    """Wall and CPU seconds of one post_journal call (CPU: this process and its children plus, on PostgreSQL,
    its server processes: the machine is shared, and CPU time is what the call costs whatever else runs)."""
    engine = open_store(url)
    backends = watch_backends(engine)
    if sqlite_cache_mib and engine.dialect.name == "sqlite":
        # What-if for the store's settings: a larger page cache on every connection (the raw run copies it).
        event.listen(engine, "connect",
                     lambda dbapi_connection, _record: dbapi_connection.execute(
                         f"PRAGMA cache_size=-{sqlite_cache_mib * 1024}"))
        engine.dispose()
    setup_company(engine, setup)
    profiler = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), time.process_time() + backend_cpu_seconds(backends) + children_cpu()
    if profiler:
        profiler.enable()
    result = post_journal(engine, COMPANY, JOURNAL_NAME, lines)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() + backend_cpu_seconds(backends) + children_cpu() - cpu_started
    if profiler:
        profiler.dump_stats(profile)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    assert result.entry_count == len(lines), (result.entry_count, len(lines))
    return seconds, cpu_seconds, engine


def check_ledger(engine, line_count: int) -> None:
    """The posted ledger is whole: every line an entry, every voucher balanced, balances equal to entries."""
    with engine.connect() as connection:
        entries, accounting_total = connection.execute(text(
            "SELECT count(*), sum(accounting_minor) FROM ledger_entry")).one()
        unbalanced = connection.execute(text(
            "SELECT count(*) FROM (SELECT voucher_id FROM ledger_entry GROUP BY voucher_id "
            "HAVING sum(accounting_minor) <> 0) AS v")).scalar()
        by_entries = dict(connection.execute(text(
            "SELECT ledger_account || '/' || currency, sum(amount_minor) FROM ledger_entry "
            "GROUP BY ledger_account, currency")).all())
        by_balances = dict(connection.execute(text(
            "SELECT ledger_account || '/' || currency, sum(amount_minor) FROM balance "
            "GROUP BY ledger_account, currency")).all())
    assert entries == line_count, (entries, line_count)
    assert accounting_total == 0 and unbalanced == 0, (accounting_total, unbalanced)
    assert by_entries == by_balances, "the balances table does not match the entries"


def time_trial_balance(engine, repeat: int = 5) -> tuple[float, int]:
    """Best of `repeat`: the report a user opens most, over the whole year."""
    best, lines = float("inf"), []
    for _ in range(repeat):
        started = time.perf_counter()
        lines = trial_balance(engine, COMPANY)
        best = min(best, time.perf_counter() - started)
    assert sum(line.balance_minor for line in lines) == 0
    return best, len(lines)


SQLITE_SETTINGS = ("journal_mode", "synchronous", "foreign_keys", "cache_size", "temp_store", "mmap_size")


def store_settings(engine) -> dict[str, object]:
    """The SQLite settings of the store's own connections, for the raw connection to use as well."""
    with engine.connect() as connection:
        return {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in SQLITE_SETTINGS}


def raw_sqlite_insert(path: Path, settings: dict, parents: dict[str, tuple], timed: dict[str, tuple]
                      ) -> tuple[float, float]:
    """Load `parents` untimed, then insert the `timed` tables (name -> (columns, rows)) in one timed transaction."""
    open_store(f"sqlite:///{path}").dispose()  # the same schema, made by the same migrations
    connection = sqlite3.connect(path, isolation_level=None)
    for name, value in settings.items():
        connection.execute(f"PRAGMA {name}={value}")
    insert = "INSERT INTO {} ({}) VALUES ({})"
    connection.execute("BEGIN")
    for table, (columns, rows) in parents.items():
        connection.executemany(insert.format(table, ", ".join(columns), ", ".join("?" * len(columns))), rows)
    connection.execute("COMMIT")
    started, cpu_started = time.perf_counter(), time.process_time()
    connection.execute("BEGIN")
    for table, (columns, rows) in timed.items():
        connection.executemany(insert.format(table, ", ".join(columns), ", ".join("?" * len(columns))), rows)
    connection.execute("COMMIT")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    connection.close()
    return seconds, cpu_seconds


def raw_postgres_copy(url: str, parents: dict[str, tuple], timed: dict[str, tuple]) -> tuple[float, float]:
    open_store(url).dispose()
    with psycopg.connect(url) as connection:
        with connection.cursor() as cursor:
            for table, (columns, rows) in parents.items():
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        connection.commit()
        backend = [connection.execute("SELECT pg_backend_pid()").fetchone()[0]]
        started, cpu_started = time.perf_counter(), time.process_time() + backend_cpu_seconds(backend)
        with connection.cursor() as cursor:
            for table, (columns, rows) in timed.items():
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        connection.commit()
        return (time.perf_counter() - started,
                time.process_time() + backend_cpu_seconds(backend) - cpu_started)


def run_store(store: str, url_for, drop, setup, lines, options, figures) -> None:
    """Post and insert raw `repeat` times, alternately, each into a fresh database; keep the best of each."""
    line_count = len(lines)
    post_times, raw_times, post_cpus, raw_cpus, all_times, all_cpus = [], [], [], [], [], []
    parents = entries = settings = written = None
    trial_seconds = trial_lines = None
    for attempt in range(options.repeat):
        seconds, cpu_seconds, engine = post_through_service(url_for(f"posted{attempt}"), setup, lines,
                                               options.profile if attempt == 0 and not figures else None,
                                               options.sqlite_cache_mib)
        post_times.append(seconds)
        post_cpus.append(cpu_seconds)
        if attempt == 0:
            check_ledger(engine, line_count)
            trial_seconds, trial_lines = time_trial_balance(engine)
            if store == "postgresql":
                # Right after the batch the planner has no statistics on the new rows yet; autovacuum
                # would analyze them within a minute. Both figures are printed.
                with engine.connect() as connection:
                    connection.exec_driver_sql("ANALYZE balance")
                    connection.exec_driver_sql("ANALYZE ledger_entry")
                    connection.commit()
                analyzed_seconds, _ = time_trial_balance(engine)
                print(f"  trial balance {trial_seconds * 1000:.1f} ms before ANALYZE, "
                      f"{analyzed_seconds * 1000:.1f} ms after", flush=True)
                trial_seconds = analyzed_seconds
            parents = {"company": (COMPANY_COLUMNS, fetch_rows(engine, "company", COMPANY_COLUMNS, "company_id")),
                       "voucher": (VOUCHER_COLUMNS, fetch_rows(engine, "voucher", VOUCHER_COLUMNS, "voucher_id"))}
            entries = fetch_rows(engine, "ledger_entry", ENTRY_COLUMNS, "entry_id")
            written = {"voucher": parents["voucher"], "ledger_entry": (ENTRY_COLUMNS, entries),
                       "party_transaction": (TRANSACTION_COLUMNS, fetch_rows(engine, "party_transaction",
                                                                             TRANSACTION_COLUMNS, "transaction_id")),
                       "balance": (BALANCE_COLUMNS, fetch_rows(engine, "balance", BALANCE_COLUMNS,
                                                               "ledger_account, currency, period_id"))}
            settings = store_settings(engine) if store == "sqlite" else None
            if settings is not None and line_count >= BULK_PAGE_CACHE_FROM:
                settings["cache_size"] = -BULK_PAGE_CACHE_KIB  # what the store gives a batch this large
        engine.dispose()
        drop(f"posted{attempt}")
        raw_url = url_for(f"raw{attempt}")
        all_url = url_for(f"all{attempt}")
        if store == "sqlite":
            raw = raw_sqlite_insert(Path(raw_url.removeprefix("sqlite:///")), settings, parents,
                                    {"ledger_entry": (ENTRY_COLUMNS, entries)})
            every = raw_sqlite_insert(Path(all_url.removeprefix("sqlite:///")), settings,
                                      {"company": parents["company"]}, written)
        else:
            raw = raw_postgres_copy(raw_url, parents, {"ledger_entry": (ENTRY_COLUMNS, entries)})
            every = raw_postgres_copy(all_url, {"company": parents["company"]}, written)
        raw_times.append(raw[0])
        raw_cpus.append(raw[1])
        all_times.append(every[0])
        all_cpus.append(every[1])
        drop(f"raw{attempt}")
        drop(f"all{attempt}")
        print(f"  {store} run {attempt + 1}: post_journal {seconds:.2f} s (CPU {cpu_seconds:.2f} s), "
              f"raw {raw[0]:.2f} s (CPU {raw[1]:.2f} s), raw every table {every[0]:.2f} s (CPU {every[1]:.2f} s)",
              flush=True)
    baseline = "sqlite3.executemany" if store == "sqlite" else "COPY"
    seconds, raw_seconds = min(post_times), min(raw_times)
    cpu_seconds, raw_cpu_seconds = min(post_cpus), min(raw_cpus)
    rate, raw_rate = line_count / seconds, line_count / raw_seconds
    cpu_rate, raw_cpu_rate = line_count / cpu_seconds, line_count / raw_cpu_seconds
    all_rate, all_cpu_rate = line_count / min(all_times), line_count / min(all_cpus)
    figures.append((store, rate, baseline, raw_rate, trial_seconds, trial_lines, cpu_rate, raw_cpu_rate, all_rate,
                    all_cpu_rate))
    print(f"{store:10s} post_journal {rate:10,.0f} rows/s ({seconds:.2f} s)   {baseline} {raw_rate:10,.0f} rows/s "
          f"({raw_seconds:.2f} s)   ratio {rate / raw_rate:.2f}   trial balance {trial_seconds * 1000:.1f} ms "
          f"({trial_lines} lines)", flush=True)
    print(f"{store:10s} per CPU second: post_journal {cpu_rate:10,.0f} rows ({cpu_seconds:.2f} s)   {baseline} "
          f"{raw_cpu_rate:10,.0f} rows ({raw_cpu_seconds:.2f} s)   CPU ratio {cpu_rate / raw_cpu_rate:.2f}", flush=True)
    print(f"{store:10s} against every row posting wrote (vouchers, entries, transactions, balances), {baseline}: "
          f"{line_count / all_rate:.2f} s (CPU {line_count / all_cpu_rate:.2f} s)   ratio {rate / all_rate:.2f}   "
          f"CPU ratio {cpu_rate / all_cpu_rate:.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="journal lines (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 lines")
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=1, help="runs per store, the best one counts (default 1)")
    parser.add_argument("--sqlite-cache-mib", type=int, metavar="N",
                        help="what if the store set PRAGMA cache_size to N MiB (both runs use it)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the first posting call into FILE")
    parser.add_argument("--keep", action="store_true", help="keep the databases (the SQLite directory is printed)")
    options = parser.parse_args()
    line_count = 100_000 if options.quick else options.lines
    line_count -= line_count % LINES_PER_VOUCHER
    rng = random.Random(options.seed)
    cost_centers = cost_center_tree(rng)
    setup = company_setup(rng, cost_centers)
    started = time.perf_counter()
    lines = vendor_invoice_journal(line_count, rng, cost_centers)
    print(f"{len(lines):,} journal lines in {len(lines) // LINES_PER_VOUCHER:,} vouchers "
          f"({VENDORS:,} vendors, {EXPENSE_ACCOUNTS + 3} main accounts, 3 dimensions, USD and EUR); "
          f"built in {time.perf_counter() - started:.1f} s", flush=True)
    figures: list = []
    directory = Path(tempfile.mkdtemp(prefix="bilag-bench-"))

    def sqlite_file(name: str) -> Path:
        return directory / f"{name}.sqlite"

    def drop_sqlite(name: str) -> None:
        if not options.keep:
            for suffix in ("", "-wal", "-shm"):
                sqlite_file(name).with_name(sqlite_file(name).name + suffix).unlink(missing_ok=True)

    try:
        if options.store in ("sqlite", "both"):
            run_store("sqlite", lambda name: f"sqlite:///{sqlite_file(name)}", drop_sqlite, setup, lines, options,
                      figures)
        if options.store in ("postgresql", "both"):
            cluster = PostgresCluster()
            try:
                run_store("postgresql", lambda name: cluster.database(f"bench_{name}"),
                          lambda name: None if options.keep else cluster.drop(f"bench_{name}"), setup, lines, options,
                          figures)
            finally:
                cluster.stop()
    finally:
        if options.keep:
            print(f"SQLite files kept in {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    print()
    print("| Store | post_journal | raw driver | ratio | per CPU second | CPU ratio | every table: CPU ratio "
          "| trial balance |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for (store, rate, baseline, raw_rate, trial_seconds, trial_lines, cpu_rate, raw_cpu_rate, all_rate,
         all_cpu_rate) in figures:
        print(f"| {store} | {rate:,.0f} rows/s | {baseline}: {raw_rate:,.0f} rows/s | {rate / raw_rate:.2f} | "
              f"{cpu_rate:,.0f} / {raw_cpu_rate:,.0f} rows | {cpu_rate / raw_cpu_rate:.2f} | "
              f"{cpu_rate / all_cpu_rate:.2f} (wall {rate / all_rate:.2f}) | "
              f"{trial_seconds * 1000:.1f} ms ({trial_lines} lines) |")


if __name__ == "__main__":
    main()
