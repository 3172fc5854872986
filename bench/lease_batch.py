"""Lease batch benchmark: 10,000 leases x 12 months of payments, interest and depreciation (360,000
schedule lines) created and posted in one batch, against bulk posting of the same entries, in one run.

    .venv/bin/python bench/lease_batch.py                 # 10,000 leases, SQLite
    .venv/bin/python bench/lease_batch.py --leases 1000   # a quick look
    .venv/bin/python bench/lease_batch.py --profile /tmp/lease.prof
    .venv/bin/python bench/lease_batch.py --pay-to-vendor # a book that pays to vendor: payments are vendor invoices

Timed for bilag: confirming the leases (classification and schedule computation, schedule rows written)
plus the batch (`create_lease_journals` with post=True: journal lines from the schedules, posting, the
journal links of every schedule line). The leases are added and their initial recognition posted before,
untimed. The baseline posts the very same journal lines with `post_journal` (the service that bulk-posts
any journal) into a fresh database of the same company set-up. Only the ratio means anything
(docs/performance.md): target < 20 s for bilag and baseline / bilag >= 0.3.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.lease_support import ACCOUNTS, lease_setup  # noqa: E402

from bilag.lease.entries import LeasePostingContext, schedule_lines  # noqa: E402
from bilag.lease.model import Classification, Framework, Lease, LeasePostingProfile, PaymentLine  # noqa: E402
from bilag.lease.schedule import compute_schedule  # noqa: E402
from bilag.services.leases import (  # noqa: E402
    add_leases,
    confirm_leases,
    create_lease_journals,
    setup_company_with_leases,
)
from bilag.services.posting import post_journal  # noqa: E402
from bilag.store.database import open_store  # noqa: E402

SCHEDULES = ["payment", "interest", "depreciation"]
THROUGH = date(2024, 12, 31)


VENDORS = 100  # a book that pays to vendor: the leases' vendors, one in turn


def setup() -> dict:
    data = lease_setup(calendar={"first_year_start": "2024-01-01", "years": 2})
    data["lease_books"] = [{"id": "IFRS16", "framework": "ifrs16", "short_term_months": 0},
                           {"id": "VENDOR", "framework": "ifrs16", "short_term_months": 0, "pay_to_vendor": True}]
    data["vendors"] = [{"id": f"V{n:03d}", "currency": "USD", "payment_terms": "Net30"} for n in range(VENDORS)]
    data["payment_terms"] = [{"code": "Net30", "days": 30}]
    return data


def records(count: int, pay_to_vendor: bool = False) -> list[dict]:
    return [{"id": f"L{n:06d}", "book": "VENDOR" if pay_to_vendor else "IFRS16", "group": "CARS",
             "commencement": "2024-01-01",
             "payments": [{"amount": f"{500 + n % 1500}.{n % 100:02d}", "frequency": "monthly", "periods": 12}],
             "annuity": "arrears", "compounding": "monthly", "rate": f"{2 + n % 7}.5",
             "useful_life_months": 12 + n % 24, **({"vendor": f"V{n % VENDORS:03d}"} if pay_to_vendor else {})}
            for n in range(count)]


def same_lines(count: int, pay_to_vendor: bool = False):
    """The journal lines the batch makes, from the same core functions, for the baseline."""
    profile = LeasePostingProfile("STD", dict(ACCOUNTS))
    lines = []
    for record in records(count, pay_to_vendor):
        payment = record["payments"][0]
        lease = Lease(record["id"], "IFRS16", "CARS", date(2024, 1, 1),
                      (PaymentLine(Decimal(payment["amount"]), "monthly", 12),), Decimal(record["rate"]),
                      annuity=record["annuity"], useful_life_months=record["useful_life_months"])
        schedule = compute_schedule(lease, Classification.finance, Framework.ifrs16)
        context = LeasePostingContext(lease.id, Classification.finance, profile, "USD", 2, pay_to_vendor,
                                      record.get("vendor"))
        for name in SCHEDULES:
            for row in schedule.rows:
                lines.extend(schedule_lines(context, name, row))
    for number, line in enumerate(lines, start=1):
        line.line_no = number
    return lines


class _PostingClock:
    """The CPU time the batch spends posting (services.leases._post_entries: the planner and the voucher
    writer, shared with every posting) and writing its schedule links, so that what is the lease batch's
    own (selecting schedule lines, making the entries, the links) is printed apart."""

    def __init__(self) -> None:
        import bilag.services.leases as leases

        self.posting = self.links = 0.0
        self._leases = leases
        self._post, self._bulk = leases._post_entries, leases.bulk_insert

        def post(*args, **kwargs):
            started = time.process_time()
            try:
                return self._post(*args, **kwargs)
            finally:
                self.posting += time.process_time() - started

        def bulk(connection, table, *args, **kwargs):
            started = time.process_time()
            try:
                return self._bulk(connection, table, *args, **kwargs)
            finally:
                if table.name == "lease_journal_entry":
                    self.links += time.process_time() - started

        leases._post_entries, leases.bulk_insert = post, bulk

    def reset(self) -> None:
        self.posting = self.links = 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leases", type=int, default=10_000)
    parser.add_argument("--profile")
    parser.add_argument("--pay-to-vendor", action="store_true",
                        help="the leases' book pays to vendor: their payments are vendor invoices")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bilag-lease-bench-") as folder:
        engine = open_store(f"sqlite:///{folder}/lease.sqlite")
        setup_company_with_leases(engine, setup())
        started = time.perf_counter()
        add_leases(engine, None, records(args.leases, args.pay_to_vendor), confirm=False)
        added = time.perf_counter() - started
        profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU: the machine is shared
        clock = _PostingClock()
        started, cpu = time.perf_counter(), time.process_time()
        confirm_leases(engine, None)
        confirmed, confirmed_cpu = time.perf_counter() - started, time.process_time() - cpu
        create_lease_journals(engine, None, ["initial_recognition"], THROUGH, post=True)
        clock.reset()
        if profiler:
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        result = create_lease_journals(engine, None, SCHEDULES, THROUGH, post=True)
        batch, batch_cpu = time.perf_counter() - started, time.process_time() - cpu
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
            pstats.Stats(args.profile).sort_stats("cumulative").print_stats(25)
        schedule_line_count = sum(j.lines for j in result.journals)
        lines_read, entries_read = result.lines_read, result.entries_read
        entries = result.entries
        engine.dispose()

        baseline_engine = open_store(f"sqlite:///{folder}/baseline.sqlite")
        setup_company_with_leases(baseline_engine, setup())
        lines = same_lines(args.leases, args.pay_to_vendor)
        started, cpu = time.perf_counter(), time.process_time()
        posted = post_journal(baseline_engine, None, "LEASE", lines)
        baseline, baseline_cpu = time.perf_counter() - started, time.process_time() - cpu
        baseline_engine.dispose()
    total = confirmed + batch
    book = "pays to vendor (payments are vendor invoices)" if args.pay_to_vendor else "pays from a ledger account"
    print(f"leases: {args.leases:,}; the book {book}; schedule lines journalised: {schedule_line_count:,}; "
          f"ledger entries: {entries:,}")
    print(f"add leases (untimed in the target): {added:.2f} s")
    print(f"confirm (classification, schedules): {confirmed:.2f} s")
    print(f"batch create + post: {batch:.2f} s ({entries / batch:,.0f} entries/s)")
    print(f"the batch read {lines_read:,} schedule lines and {entries_read:,} journal entries (those after the "
          f"leases' marks)")
    print(f"bilag total: {total:.2f} s (target < 20 s)")
    print(f"baseline: post_journal of the same {len(lines):,} lines ({posted.entry_count:,} entries): {baseline:.2f} s "
          f"({posted.entry_count / baseline:,.0f} entries/s)")
    print(f"ratio baseline / bilag: {baseline / total:.2f} (target >= 0.3)")
    # SQLite works in this process: its CPU time is the work itself, what the wall time is on an idle machine
    # less the waits for the disk; on a shared machine the wall time mostly measures the wait for a core.
    print(f"CPU time: confirm {confirmed_cpu:.2f} s + batch {batch_cpu:.2f} s = {confirmed_cpu + batch_cpu:.2f} s "
          f"(target < 20 s); baseline {baseline_cpu:.2f} s; ratio {baseline_cpu / (confirmed_cpu + batch_cpu):.2f}")
    own = batch_cpu - clock.posting
    print(f"CPU time of the batch: posting (planner and voucher writer, shared) {clock.posting:.2f} s; the lease "
          f"batch's own (selection, entries, links) {own:.2f} s, of which writing the links {clock.links:.2f} s; "
          f"lease's own with confirm {own + confirmed_cpu:.2f} s = {(own + confirmed_cpu) / baseline_cpu:.2f} x "
          f"the baseline's posting")


if __name__ == "__main__":
    main()
