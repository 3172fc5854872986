"""The set-based parts of a settlement run: the offsets read with one join, and the open-amount updates
collapsed per transaction (COPY + UPDATE FROM on PostgreSQL above 200 rows), on both stores."""
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from bilag.errors import ConcurrencyConflict
from bilag.journal.model import JournalLine
from bilag.services.posting import post_journal
from bilag.services.settlement import settle_automatically
from bilag.store.transactions import (
    attach_distributions,
    attach_open_distributions,
    load_transactions,
    may_post_to_own_dimensions,
    update_open_amounts,
)

from .support import post
from .test_settlement_support import VENDOR, assert_ledger_ties, company, open_amounts, transactions

CODES = [{"code": "2D30", "percent": 2, "days": 30}]


def _invoices_and_half_payments(engine, count: int):
    """`count` invoices of one vendor, each of two expense lines, each paid by two payments of half."""
    company(engine, cash_discounts=CODES, vendors=[{"id": "3057", "currency": "USD", "cash_discount": "2D30"}])
    start = date(2024, 1, 2)
    lines, payments = [], []
    for n in range(count):
        day = start + timedelta(days=n % 20)
        amount = D(100 + n)
        lines += [JournalLine(3 * n + 1, day, "vendor", "3057", None, amount, f"I{n:04d}", "Invoice", "USD",
                              invoice=f"I{n:04d}"),
                  JournalLine(3 * n + 2, day, "ledger", f"606300-00{1 + n % 4}--", amount - 10, None, f"I{n:04d}",
                              "Supplies", "USD"),
                  JournalLine(3 * n + 3, day, "ledger", "606300-005--", D(10), None, f"I{n:04d}", "Freight",
                              "USD")]
        half = (amount * D("0.98") / 2).quantize(D("0.01"))
        for part in range(2):
            payments.append(JournalLine(2 * n + part + 1, day + timedelta(days=5), "vendor", "3057", half, None,
                                        f"P{n:04d}{part}", "Payment", "USD", None, "bank", "110110-001-"))
    post_journal(engine, None, "GNJL", lines)
    post_journal(engine, None, "GNJL", payments)


def test_the_joined_read_gives_every_open_invoice_the_offsets_the_per_voucher_read_gives(engine):
    _invoices_and_half_payments(engine, 30)
    post(engine, """
        voucher | account_type | account      | debit  | credit | invoice
        ONE-1   | Vendor       | 3057         |        | 100.00 | J1
        ONE-1   | Vendor       | 3057         |        | 50.00  | J2
        ONE-1   | Ledger       | 606300-002-- | 90.00  |        |
        ONE-1   | Ledger       | 606300-003-- | 60.00  |        |
    """)
    with engine.connect() as connection:
        joined = load_transactions(connection, "USMF", party_type="vendor", open_only=True)
        per_voucher = load_transactions(connection, "USMF", party_type="vendor", open_only=True)
        attach_open_distributions(connection, "USMF", "vendor", joined)
        attach_distributions(connection, "USMF", per_voucher, needed=may_post_to_own_dimensions)
    assert [t.distribution for t in joined] == [t.distribution for t in per_voucher]
    # a voucher with two vendor lines: both invoices follow all of its offsets, in entry order
    assert {t.invoice: t.distribution for t in joined if t.invoice in ("J1", "J2")} == {
        "J1": [("606300-002--", 9000), ("606300-003--", 6000)], "J2": [("606300-002--", 9000), ("606300-003--", 6000)]}


def test_an_automatic_run_that_settles_invoices_twice_updates_each_once_with_its_versions(engine):
    _invoices_and_half_payments(engine, 120)  # 360 transactions: above the COPY threshold on PostgreSQL

    result = settle_automatically(engine, None, VENDOR)

    assert result.settlements == 240
    assert set(open_amounts(engine, VENDOR, "3057").values()) == {"0.00"}
    with engine.connect() as connection:
        versions = {t.invoice or t.voucher_number: t.version
                    for t in load_transactions(connection, "USMF", party_type="vendor")}
    assert {versions[f"I{n:04d}"] for n in range(120)} == {3}  # read at 1, settled twice
    assert {v for k, v in versions.items() if k.startswith("P")} == {2}
    discounts = {k: t["cash_discount_taken"] for k, t in transactions(engine, VENDOR, "3057").items() if k[0] == "I"}
    assert discounts["I0000"] == "-2.00"  # 2 % of 100.00, in two halves
    assert_ledger_ties(engine)


@pytest.mark.parametrize("rows", [3, 250])
def test_a_stale_version_in_a_bulk_update_is_a_conflict_and_changes_nothing(engine, rows):
    _invoices_and_half_payments(engine, rows)
    with engine.connect() as connection:
        open_ = load_transactions(connection, "USMF", party_type="vendor", open_only=True)[:rows]
    update = [(0, 0, 0, 0, date(2024, 3, 1), t.transaction_id, t.version) for t in open_]
    update[-1] = update[-1][:6] + (update[-1][6] + 1,)  # someone changed this one since it was read
    with pytest.raises(ConcurrencyConflict):
        with engine.begin() as connection:
            update_open_amounts(connection, "USMF", update)
    assert "0.00" not in set(open_amounts(engine, VENDOR, "3057").values())


def test_settlement_rows_take_the_counters_next_numbers_in_order(engine):
    """record_settlement numbers a settlement's rows from the company's counter, in the order of its parts (on
    PostgreSQL on the server, in the updates' round trip); the first settlement of a company makes the counter,
    and the next reservation starts after the rows."""
    from bilag.services.settlement import MarkRequest, settle
    from bilag.store.bulk import next_ids

    _invoices_and_half_payments(engine, 2)
    numbers = []
    for invoice, payments in (("I0000", ("P00000",)), ("I0001", ("P00010",))):
        settle(engine, "USMF", VENDOR, "3057", [MarkRequest(invoice=invoice)]
               + [MarkRequest(voucher=payment) for payment in payments])
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT settlement_id, transaction_id, batch_id FROM settlement "
                                              "ORDER BY settlement_id").fetchall()
        numbers.append(rows)
    first, second = numbers
    assert [row[0] for row in first] == list(range(1, len(first) + 1)), first  # the counter made at 1
    assert [row[0] for row in second[len(first):]] == list(range(len(first) + 1, len(second) + 1))
    assert len({row[2] for row in second[len(first):]}) == 1 and second[-1][2] != first[-1][2]
    with engine.begin() as connection:
        assert next_ids(connection, "USMF", "settlement", 1) == len(second) + 1


