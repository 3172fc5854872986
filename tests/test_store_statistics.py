"""A bulk write that at least doubles a PostgreSQL table analyzes it (store/bulk.py): reads right after a first
import are planned for the table's real size, not for a small table of unknown content."""
from __future__ import annotations

import time

from bilag.journal.parsing import lines_from_records
from bilag.services.posting import post_journal
from bilag.store.bulk import _FIRST_LOOK as FIRST_LOOK
from bilag.store.bulk import COPY_FROM

from .support import make_company, only_on_postgresql_itself


def reltuples(engine, table: str) -> float:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"SELECT reltuples FROM pg_class WHERE relname = '{table}'").scalar()


def test_a_first_bulk_posting_leaves_statistics_for_the_planner(engine):
    only_on_postgresql_itself(engine, "PostgreSQL's planner statistics (on Citus each shard's are its worker's)")
    make_company(engine)
    count = COPY_FROM * 2
    records = [{"voucher": f"VI{n:05d}", "account_type": "Vendor", "account": "1001", "credit": "10.00",
                "invoice": f"VI{n:05d}", "offset_account_type": "Ledger", "offset_account": "606300-001--",
                "date": "2024-01-05"} for n in range(count)]
    assert reltuples(engine, "party_transaction") < 1
    post_journal(engine, "USMF", "GNJL", lines_from_records(records))
    assert reltuples(engine, "party_transaction") == count
    assert reltuples(engine, "ledger_entry") == 2 * count
    small = [{**records[0], "voucher": "ONE", "invoice": "ONE"}]
    post_journal(engine, "USMF", "GNJL", lines_from_records(small))  # a few rows: no ANALYZE
    assert reltuples(engine, "party_transaction") == count


def analyze_count(engine, table: str) -> int:
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        return connection.exec_driver_sql(
            f"SELECT analyze_count FROM pg_stat_user_tables WHERE relname = '{table}'").scalar()


def test_vouchers_posted_one_at_a_time_analyze_their_tables_as_they_grow(engine):
    """The API's and the CLI's one-voucher postings write with small INSERTs, never COPY: once a table has
    doubled (here from nothing to FIRST_LOOK rows) the posting analyzes it (bulk.keep_statistics), so that the
    foreign-key checks of each entry stop scanning every voucher."""
    only_on_postgresql_itself(engine, "PostgreSQL's planner statistics (on Citus each shard's are its worker's)")
    make_company(engine)
    record = {"account_type": "Ledger", "account": "110110-001--", "debit": "10.00",
              "offset_account_type": "Ledger", "offset_account": "606300-001--", "date": "2024-01-05"}
    for n in range(FIRST_LOOK // 2 - 1):
        post_journal(engine, "USMF", "GNJL", lines_from_records([{**record, "voucher": f"V{n:05d}"}]))
    time.sleep(1.1)  # PostgreSQL's statistics of changes reach its views within a second
    assert (analyze_count(engine, "voucher"), analyze_count(engine, "ledger_entry")) == (0, 0)
    for n in range(FIRST_LOOK // 2 - 1, FIRST_LOOK + 2):
        post_journal(engine, "USMF", "GNJL", lines_from_records([{**record, "voucher": f"V{n:05d}"}]))
    deadline = time.monotonic() + 5
    while analyze_count(engine, "voucher") == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert analyze_count(engine, "voucher") == 1
    assert analyze_count(engine, "ledger_entry") == 1  # two entries a voucher: analyzed at its first look
    assert reltuples(engine, "voucher") >= FIRST_LOOK // 2
