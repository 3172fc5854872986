"""Scale-out benchmark: the same posting load on plain PostgreSQL, on Citus with 2 workers, and on Citus after
adding a third worker and rebalancing, in one run.

    .venv/bin/python bench/citus_scale.py                       # 50 companies, 8 workers, 2,000,000 entries
    .venv/bin/python bench/citus_scale.py --entries 200000      # a smaller load (say so when quoting it)

The load: `--companies` legal entities, each set up alike (a calendar, 20 expense accounts, 100 vendors, one
journal name), and `--workers` posting processes, each owning the companies i with i % workers == its number
(the way an application would route requests by legal entity). Each worker posts its companies' journals in
turn, `--lines-per-journal` lines each (vouchers of one vendor credit and three expense debits: an entry per
line), through `post_journal`, the service the CLI and the API call. The journals are built before the clock
starts; the clock runs from the moment every worker is ready until the last one is done.

Phases (each on a fresh throw-away cluster, fsync off, all nodes on this machine):
  postgresql   one server (scripts/pg-cluster)
  citus-2      a coordinator + 2 workers (scripts/citus-cluster), the tables distributed by company_id
  rebalance    a third worker added (citus_add_node) and citus_rebalance_start() + citus_rebalance_wait() timed;
               the ledger is checked whole afterwards
  citus-3      the same load again on the 3 workers (the tables already hold citus-2's rows)
Also the latency of one small posting (one voucher, sequentially) on each store: the routing overhead per
use case, without the parallelism.

On a machine with fewer cores than nodes the nodes share the CPUs: read the ratios as the cost of routing
through the coordinator, not as a speed-up (docs/performance.md, docs/citus.md).
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import text  # noqa: E402

from bilag.journal.model import JournalLine  # noqa: E402
from bilag.services.posting import post_journal  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.store.database import create_store_engine, open_store  # noqa: E402

JOURNAL_NAME = "APINV"
YEAR_START = date(2024, 1, 1)
EXPENSE_ACCOUNTS = [str(600000 + 100 * n) for n in range(20)]
VENDORS = 100
LINES_PER_VOUCHER = 4


def company_ids(count: int) -> list[str]:
    return [f"C{n:03d}" for n in range(1, count + 1)]


def company_setup(company_id: str) -> dict:
    return {
        "company": {"id": company_id, "name": f"Company {company_id}", "accounting_currency": "USD"},
        "calendar": {"first_year_start": YEAR_START.isoformat(), "years": 1},
        "accounts": [{"id": "110110", "name": "Bank", "type": "asset"},
                     {"id": "200110", "name": "Accounts payable", "type": "liability"}]
                    + [{"id": account, "name": f"Expense {account}", "type": "expense"} for account in EXPENSE_ACCOUNTS],
        "posting_profiles": {"vendor": {"summary_account": "200110"}},
        "payment_terms": [{"code": "Net30", "days": 30}],
        "vendors": [{"id": f"V{n:04d}", "name": f"Vendor {n}", "currency": "USD", "payment_terms": "Net30"}
                    for n in range(1, VENDORS + 1)],
        "journal_names": [{"name": JOURNAL_NAME, "description": "Vendor invoices"}],
    }


def journal(line_count: int, rng: random.Random, first_invoice: int) -> list[JournalLine]:
    days = [YEAR_START + timedelta(days=n) for n in range(366)]
    lines: list[JournalLine] = []
    for number in range(first_invoice, first_invoice + line_count // LINES_PER_VOUCHER):
        day = days[rng.randrange(366)]
        invoice = f"INV{number:08d}"
        amounts = [Decimal(rng.randrange(100, 500000)).scaleb(-2) for _ in range(LINES_PER_VOUCHER - 1)]
        lines.append(JournalLine(0, day, "Vendor", f"V{rng.randrange(1, VENDORS + 1):04d}", credit=sum(amounts),
                                 description=invoice, invoice=invoice))
        lines.extend(JournalLine(0, day, "Ledger", rng.choice(EXPENSE_ACCOUNTS), debit=amount, description=invoice)
                     for amount in amounts)
    for line_no, line in enumerate(lines, start=1):
        line.line_no = line_no
    return lines


# ---------------------------------------------------------------- clusters

def free_ports(count: int) -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            first = sock.getsockname()[1]
        try:
            for port in range(first + 1, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        if first + count <= 65535:
            return first


class Cluster:
    def __init__(self, script: str, workers: int = 0):
        self.script = str(ROOT / "scripts" / script)
        self.directory = Path(tempfile.gettempdir()) / f"bilag-bench-{script}-{free_ports(1)}"
        self.port = free_ports(workers + 2)
        arguments = [self.script, "start", str(self.directory), str(self.port)] + ([str(workers)] if workers else [])
        self.url = subprocess.run(arguments, check=True, capture_output=True, text=True).stdout.strip()
        self.workers = workers

    def add_worker(self) -> None:
        self.workers += 1
        subprocess.run([self.script, "add-worker", str(self.directory), str(self.port + self.workers)],
                       check=True, capture_output=True, text=True)

    def stop(self) -> None:
        subprocess.run([self.script, "stop", str(self.directory)], check=False)


# ---------------------------------------------------------------- the load

def worker(url: str, companies: list[str], lines_per_company: int, lines_per_journal: int, seed: int,
           phase: int, ready, results) -> None:
    rng = random.Random(seed)
    engine = create_store_engine(url)
    journals = []
    for company in companies:
        first_invoice = 1 + phase * 10**7  # each phase its own invoice numbers (a vendor invoice posts once)
        done = 0
        while done < lines_per_company:
            count = min(lines_per_journal, lines_per_company - done)
            journals.append((company, journal(count, rng, first_invoice + done)))
            done += count
    # companies in turn, as requests would arrive
    by_company: dict[str, list] = {}
    for company, lines in journals:
        by_company.setdefault(company, []).append(lines)
    order = []
    while any(by_company.values()):
        for company in companies:
            if by_company[company]:
                order.append((company, by_company[company].pop(0)))
    ready.wait()
    started = time.perf_counter()
    entries = 0
    for company, lines in order:
        entries += post_journal(engine, company, JOURNAL_NAME, lines).entry_count
    results.put((time.perf_counter() - started, entries))
    engine.dispose()


def setup_worker(url: str, companies: list[str]) -> None:
    engine = create_store_engine(url)
    for company in companies:
        setup_company(engine, company_setup(company))
    engine.dispose()


def run_load(url: str, options, label: str, phase: int = 0) -> float:
    companies = company_ids(options.companies)
    share = [companies[w::options.workers] for w in range(options.workers)]
    per_company = options.entries // options.companies
    share = [companies_of for companies_of in share if companies_of]
    context = mp.get_context("fork")
    ready = context.Barrier(len(share) + 1)
    results = context.Queue()
    processes = [context.Process(target=worker, args=(url, companies_of, per_company, options.lines_per_journal,
                                                      options.seed + w, phase, ready, results))
                 for w, companies_of in enumerate(share)]
    for process in processes:
        process.start()
    ready.wait()  # every worker has built its journals
    started = time.perf_counter()
    outcomes = []
    while len(outcomes) < len(processes):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if any(process.exitcode for process in processes):
                for process in processes:
                    process.terminate()
                raise SystemExit(f"{label}: a posting worker failed") from None
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
        if process.exitcode:
            raise SystemExit(f"{label}: a posting worker failed (exit {process.exitcode})")
    entries = sum(count for _, count in outcomes)
    assert entries == per_company * options.companies, (entries, per_company * options.companies)
    rate = entries / seconds
    print(f"  {label:12s} {entries:,} entries in {seconds:7.1f} s: {rate:9,.0f} entries/s", flush=True)
    return rate


def set_up(url: str, options) -> None:
    engine = open_store(url)  # migrates; on Citus also distributes the tables by company_id
    engine.dispose()
    companies = company_ids(options.companies)
    context = mp.get_context("fork")
    processes = [context.Process(target=setup_worker, args=(url, companies[w::options.workers]))
                 for w in range(options.workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        if process.exitcode:
            raise SystemExit(f"setting up the companies failed (exit {process.exitcode})")


def small_posting_latency(url: str, count: int) -> float:
    """Median seconds of posting one two-line voucher, one after the other (one company)."""
    engine = create_store_engine(url)
    times = []
    for n in range(count):
        lines = [JournalLine(1, date(2024, 3, 1), "Vendor", "V0001", credit=Decimal("10.00"), invoice=f"S{n}"),
                 JournalLine(2, date(2024, 3, 1), "Ledger", EXPENSE_ACCOUNTS[0], debit=Decimal("10.00"))]
        started = time.perf_counter()
        post_journal(engine, "C001", JOURNAL_NAME, lines)
        times.append(time.perf_counter() - started)
    engine.dispose()
    return statistics.median(times)


def ledger_totals(url: str) -> tuple[int, int, int]:
    engine = create_store_engine(url)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT count(*), coalesce(sum(accounting_minor), 0), "
                                      "coalesce(sum(abs(accounting_minor)), 0) FROM ledger_entry")).one()
    engine.dispose()
    return tuple(row)


def placements(url: str) -> dict[int, int]:
    """ledger_entry shard -> the port of the worker holding it (each stands for its co-located shard group)."""
    engine = create_store_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT shardid, nodeport FROM pg_dist_shard JOIN pg_dist_placement USING (shardid) "
            "JOIN pg_dist_node USING (groupid) WHERE logicalrelid = 'ledger_entry'::regclass")).all()
    engine.dispose()
    return dict(rows)


def spread(placed: dict[int, int]) -> str:
    counts: dict[int, int] = {}
    for port in placed.values():
        counts[port] = counts.get(port, 0) + 1
    return "/".join(str(counts[port]) for port in sorted(counts))


def rebalance(cluster: Cluster) -> float:
    engine = create_store_engine(cluster.url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        started = time.perf_counter()
        connection.execute(text("SELECT citus_rebalance_start()"))
        connection.execute(text("SELECT citus_rebalance_wait()"))
        seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2_000_000, help="ledger entries per phase")
    parser.add_argument("--companies", type=int, default=50)
    parser.add_argument("--workers", type=int, default=8, help="parallel posting processes")
    parser.add_argument("--lines-per-journal", type=int, default=2000)
    parser.add_argument("--small", type=int, default=200, help="single-voucher postings timed for the latency")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    options.entries -= options.entries % (options.companies * LINES_PER_VOUCHER)
    print(f"{options.companies} companies, {options.workers} posting workers, {options.entries:,} entries per phase, "
          f"journals of {options.lines_per_journal} lines", flush=True)

    figures: dict[str, float] = {}
    postgres = Cluster("pg-cluster")
    try:
        set_up(postgres.url, options)
        figures["postgresql"] = run_load(postgres.url, options, "postgresql")
        figures["latency postgresql"] = small_posting_latency(postgres.url, options.small)
    finally:
        postgres.stop()

    citus = Cluster("citus-cluster", workers=2)
    try:
        set_up(citus.url, options)
        figures["citus-2"] = run_load(citus.url, options, "citus-2")
        figures["latency citus"] = small_posting_latency(citus.url, options.small)
        before, placed_before = ledger_totals(citus.url), placements(citus.url)
        citus.add_worker()
        seconds = rebalance(citus)
        after, placed_after = ledger_totals(citus.url), placements(citus.url)
        assert after == before, (before, after)
        moved = sum(placed_before[shard] != placed_after[shard] for shard in placed_before)
        figures["rebalance"] = seconds
        print(f"  rebalance    {moved} shard groups moved in {seconds:.1f} s (shards per worker "
              f"{spread(placed_before)} -> {spread(placed_after)}); {after[0]:,} entries intact", flush=True)
        figures["citus-3"] = run_load(citus.url, options, "citus-3", phase=1)
    finally:
        citus.stop()

    base = figures["postgresql"]
    print("\nthroughput (entries/s) and ratio to plain PostgreSQL in this run:")
    for label in ("postgresql", "citus-2", "citus-3"):
        print(f"  {label:12s} {figures[label]:9,.0f}   {figures[label] / base:.2f}")
    print(f"one-voucher posting, median of {options.small}: PostgreSQL {figures['latency postgresql'] * 1000:.1f} ms, "
          f"Citus {figures['latency citus'] * 1000:.1f} ms "
          f"(+{(figures['latency citus'] - figures['latency postgresql']) * 1000:.1f} ms routing)")
    print(f"rebalance after adding a third worker: {figures['rebalance']:.1f} s")


if __name__ == "__main__":
    main()
