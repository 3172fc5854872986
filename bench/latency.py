"""One operation at a time as the company grows: per-call latency of `settle()` and of a single-voucher
`post_journal`, with p50 and p99, at growing numbers of open transactions (issue 11).

    .venv/bin/python bench/latency.py                       # 1,000 / 10,000 / 100,000 open invoices, SQLite
    .venv/bin/python bench/latency.py --sizes 1000,1000000  # up to a million (minutes to set up)
    .venv/bin/python bench/latency.py --store postgresql    # a throw-away cluster (scripts/pg-cluster)

Each size is a fresh company of 1,000 vendors whose open vendor invoices are posted in bulk first. Then, one
call at a time: `settle()` of a new payment against one named invoice (the payment is posted and settled in
the call), and `post_journal` of one two-line vendor invoice. Targets: settle p50 < 5 ms, post p50 < 3 ms.
The baselines in the same run: the commit floor (one row inserted and committed through the same engine: on
SQLite with synchronous=FULL an fsync, which no call that writes can beat: its p99 is the disk's tail, the
floor under any call's p99); `read_company`, the full load of the company's master data that every call paid
before company data was kept per process; and the ratio of each p50 to its p50 at the smallest size (1.0 = flat as the company grows). CPU time is printed beside wall time (the
machine may be shared): this process's per call (p50/p99), and on PostgreSQL the server's, as a mean per call.

On PostgreSQL the calls are timed on the company in its steady state: after the bulk set-up the benchmark runs
`VACUUM (ANALYZE)` (4–5 s at 1,000,000), the pass autovacuum would otherwise make over the million new rows of
each table at a moment of its choosing, perhaps during the calls, on one of the machine's two cores. Measured
both ways (docs/performance.md, ninth pass): on a quiet machine no difference; at load ~3 one run without it
was about 1 ms slower per settle, its commit floor's p99 5.7 against 0.7 ms. `--right-after-load` skips it.

`--stored-lines N` gives the company journals kept by its users before the calls: N ledger lines in stored
journals, posted (a stored journal keeps its lines), and an open payment journal of N / 10 lines that mark
invoices for settlement (settle_invoice). No call may read them: a settlement reads its own party's marks only.
"""
from __future__ import annotations

import argparse
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
sys.path.insert(0, str(ROOT / "bench"))

from post_journal import backend_cpu_seconds, watch_backends  # noqa: E402
from settle import free_port, fresh_database  # noqa: E402

from bilag.journal.model import JournalLine  # noqa: E402
from bilag.parties.model import PartyType  # noqa: E402
from bilag.services.journals import create_journal, post_stored_journal  # noqa: E402
from bilag.services.posting import post_journal  # noqa: E402
from bilag.services.settlement import MarkRequest, Payment, settle  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.store.companies import read_company  # noqa: E402
from bilag.store.database import open_store  # noqa: E402

VENDORS = 1000
START = date(2024, 1, 1)
CHUNK = 100_000  # invoice lines per bulk posting while setting up


def company() -> dict:
    return {
        "company": {"id": "BENCH", "name": "Latency benchmark", "accounting_currency": "USD"},
        "calendar": {"first_year_start": "2024-01-01", "years": 1},
        "dimensions": ["BusinessUnit", "Department"],
        "accounts": [{"id": "110110", "type": "asset"}, {"id": "200110", "type": "liability"},
                     {"id": "606300", "type": "expense"}, {"id": "520200", "type": "revenue"}],
        "posting_profiles": {"vendor": {"summary_account": "200110"}},
        "system_accounts": {"vendor_cash_discount": "520200"},
        "vendors": [{"id": f"V{n:05d}", "currency": "USD"} for n in range(VENDORS)],
    }


def invoice_line(n: int, line_no: int) -> JournalLine:
    amount = Decimal(100 + n % 900) + Decimal(n % 100) / 100
    return JournalLine(line_no, START + timedelta(days=n % 60), "vendor", f"V{n % VENDORS:05d}", None, amount,
                       f"INV{n:08d}", f"Invoice {n}", "USD", None, "ledger", f"606300-{n % 4:03d}-D{n % 6:02d}",
                       invoice=f"INV{n:08d}")


def store_journals(engine, lines: int) -> None:
    """`lines` ledger lines in stored journals, posted; an open payment journal of lines // 10 marking lines."""
    for start in range(0, lines, CHUNK):
        journal = create_journal(engine, "BENCH", "GENJRN", [
            JournalLine(n - start + 1, START + timedelta(days=n % 60), "ledger", f"606300-{n % 4:03d}-D{n % 6:02d}",
                        Decimal(10 + n % 90), None, f"GL{n:08d}", f"Accrual {n}", "USD", None, "ledger", "110110")
            for n in range(start, min(lines, start + CHUNK))])
        post_stored_journal(engine, "BENCH", journal)
    if lines // 10:
        create_journal(engine, "BENCH", "APPAY", [
            JournalLine(k + 1, date(2024, 3, 20), "vendor", f"V{k % VENDORS:05d}", Decimal("10.00"), None,
                        f"PP{k:07d}", "Payment proposal", "USD", None, "ledger", "110110", settle_invoice=f"MARK{k:08d}")
            for k in range(lines // 10)])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(url: str, size: int, calls: int, *, steady: bool = True, stored_lines: int = 0) -> dict:
    engine = open_store(url)
    backends = watch_backends(engine)  # PostgreSQL: the server's CPU time counts too
    setup_company(engine, company())
    for start in range(0, size, CHUNK):
        post_journal(engine, "BENCH", "APINV",
                     [invoice_line(n, n - start + 1) for n in range(start, min(size, start + CHUNK))])
    store_journals(engine, stored_lines)
    if steady and engine.dialect.name == "postgresql":
        with engine.connect() as connection:  # VACUUM runs outside a transaction
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")
    with engine.connect() as connection:
        started = time.perf_counter()
        read_company(connection, "BENCH")
        full_load = time.perf_counter() - started
    commit_floor = _commit_floor(engine, calls)
    settle_times: list[float] = []
    post_times: list[float] = []
    # CPU time of this process per call (p50/p99: what the call costs whatever else runs on a shared machine) and,
    # on PostgreSQL, of its server processes over all calls (the kernel counts it in 10 ms ticks: a mean per call).
    settle_cpu: list[float] = []
    post_cpu: list[float] = []
    server_cpu = {"settle": 0.0, "post": 0.0}

    def cpu_now() -> float:
        return time.process_time()

    step = max(1, size // calls)
    for call in range(calls):
        n = call * step
        invoice = invoice_line(n, 1)
        payment = Payment(invoice.credit, "110110", voucher=f"PAY{call:06d}", date=date(2024, 3, 15))
        server = backend_cpu_seconds(backends)  # read before the clock starts: /proc is not the call's cost
        started, cpu = time.perf_counter(), cpu_now()
        settle(engine, "BENCH", PartyType.vendor, invoice.account, [MarkRequest(invoice=invoice.invoice)],
               payment=payment)
        settle_times.append(time.perf_counter() - started)
        settle_cpu.append(cpu_now() - cpu)
        server_cpu["settle"] += backend_cpu_seconds(backends) - server
        line = invoice_line(size + call, 1)
        line.voucher = f"NEW{call:06d}"
        line.invoice = line.voucher
        server = backend_cpu_seconds(backends)
        started, cpu = time.perf_counter(), cpu_now()
        post_journal(engine, "BENCH", "APINV", [line])
        post_times.append(time.perf_counter() - started)
        post_cpu.append(cpu_now() - cpu)
        server_cpu["post"] += backend_cpu_seconds(backends) - server
    engine.dispose()
    # The first call of each loads the company once for the process: reported, not counted in the percentiles.
    return {"full_load": full_load, "first_settle": settle_times[0], "first_post": post_times[0],
            "settle": settle_times[1:], "post": post_times[1:], "floor": commit_floor,
            "settle_cpu": settle_cpu[1:], "post_cpu": post_cpu[1:],
            "server_cpu": {kind: seconds / calls for kind, seconds in server_cpu.items()}}


def _commit_floor(engine, calls: int) -> list[float]:
    """The least a committed write costs on this store and disk: one row inserted and committed through the
    driver (same engine, same durability settings: on SQLite synchronous=FULL, an fsync per commit)."""
    times = []
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS bench_floor (n integer)")
        connection.commit()
        for n in range(calls):
            started = time.perf_counter()
            connection.exec_driver_sql(f"INSERT INTO bench_floor VALUES ({n})")
            connection.commit()
            times.append(time.perf_counter() - started)
    return times


def report(store: str, results: dict[int, dict]) -> None:
    smallest = min(results)
    base_settle = statistics.median(results[smallest]["settle"])
    base_post = statistics.median(results[smallest]["post"])
    print(f"{store}: {'open invoices':>14} | {'settle p50/p99 ms':>18} | {'vs smallest':>11} | "
          f"{'post p50/p99 ms':>16} | {'vs smallest':>11} | {'commit floor p50/p99':>20} | "
          f"{'CPU p50/p99 ms settle | post':>30} | {'server CPU ms/call':>18} | "
          f"{'read_company ms (before: every call)':>36}")
    for size, result in sorted(results.items()):
        s50, s99 = statistics.median(result["settle"]), percentile(result["settle"], 0.99)
        p50, p99 = statistics.median(result["post"]), percentile(result["post"], 0.99)
        print(f"{store}: {size:>14,} | {s50 * 1000:>8.2f} / {s99 * 1000:>7.2f} | {s50 / base_settle:>11.2f} | "
              f"{p50 * 1000:>7.2f} / {p99 * 1000:>6.2f} | {p50 / base_post:>11.2f} | "
              f"{statistics.median(result['floor']) * 1000:>9.2f} / {percentile(result['floor'], 0.99) * 1000:>8.2f} | "
              f"{statistics.median(result['settle_cpu']) * 1000:>6.2f} / {percentile(result['settle_cpu'], 0.99) * 1000:>6.2f}"
              f" | {statistics.median(result['post_cpu']) * 1000:>6.2f} / {percentile(result['post_cpu'], 0.99) * 1000:>6.2f} | "
              f"{result['server_cpu']['settle'] * 1000:>8.2f} / {result['server_cpu']['post'] * 1000:>7.2f} | "
              f"{result['full_load'] * 1000:>36.1f}")
    largest = results[max(results)]
    print(f"{store}: at {max(results):,}: settle p50 {statistics.median(largest['settle']) * 1000:.2f} ms, CPU "
          f"{statistics.median(largest['settle_cpu']) * 1000:.2f} ms (target < 5), post_journal p50 "
          f"{statistics.median(largest['post']) * 1000:.2f} ms, CPU {statistics.median(largest['post_cpu']) * 1000:.2f}"
          f" ms (target < 3); "
          f"the first call of a process loads the company: settle {largest['first_settle'] * 1000:.1f} ms, "
          f"post {largest['first_post'] * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="open invoices per run, comma-separated")
    parser.add_argument("--calls", type=int, default=1000, help="calls of each kind per size")
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--stored-lines", type=int, default=0,
                        help="lines in stored journals (posted) before the calls, and a tenth as many marking lines "
                             "in an open payment journal")
    parser.add_argument("--right-after-load", action="store_true",
                        help="PostgreSQL: time the calls while autovacuum still has the bulk set-up to go through")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    stored = f", {args.stored_lines:,} stored journal lines" if args.stored_lines else ""
    with tempfile.TemporaryDirectory(prefix="bilag-bench-") as directory:
        if args.store in ("sqlite", "both"):
            report("SQLite" + stored, {size: run(f"sqlite:///{directory}/latency{size}.sqlite", size, args.calls,
                                                  stored_lines=args.stored_lines)
                              for size in sizes})
        if args.store in ("postgresql", "both"):
            cluster = f"/tmp/bilag-bench-pg-latency-{free_port()}"
            server = subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "start", cluster, str(free_port())],
                                    check=True, capture_output=True, text=True).stdout.strip()
            try:
                label = ("PostgreSQL, right after load" if args.right_after_load else "PostgreSQL, steady state") + stored
                report(label, {size: run(fresh_database(server, f"latency{size}"), size, args.calls,
                                         steady=not args.right_after_load, stored_lines=args.stored_lines)
                               for size in sizes})
            finally:
                subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", cluster], check=False)


if __name__ == "__main__":
    main()
