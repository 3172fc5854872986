"""Aged balances as of any date (past dates: later settlements count as open), by due or document date,
per customer and in total, in accounting or transaction currency; tied to the customer summary accounts."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from bilag.collections.aging import AgingPeriods
from bilag.errors import BilagError
from bilag.parties.model import PartyType
from bilag.services.collections import aged_report, collections_view
from bilag.services.settlement import MarkRequest, Payment, reverse_settlement, settle

from .collect_support import make_collect_company
from .support import post


def test_periods_by_due_date_start_with_current_and_end_open():
    periods = AgingPeriods.of()
    assert periods.labels == ["current", "1-30", "31-60", "61-90", "over 90"]
    as_of = date(2024, 3, 31)
    assert [periods.index_of(as_of, day) for day in (date(2024, 4, 5), date(2024, 3, 31), date(2024, 3, 30),
                                                     date(2024, 3, 1), date(2024, 2, 29), date(2024, 1, 1),
                                                     date(2023, 12, 1))] == [0, 0, 1, 1, 2, 3, 4]
    assert AgingPeriods.of("document_date").labels == ["0-30", "31-60", "61-90", "91-120", "over 120"]
    with pytest.raises(BilagError, match="rising"):
        AgingPeriods.of("due_date", [30, 10])


def _history(engine):
    """C-1: invoice 1,000 due 1/31 (posted 1/1), paid 600 on 2/15 (settled); invoice 500 due 3/1 (posted
    1/31). C-2: invoice 200 due 2/4, paid in full 3/10. C-3: EUR invoice 100 at 1.10 (posted 1/10, due 1/10)."""
    make_collect_company(engine)
    post(engine, """
        voucher | date       | account_type | account | debit   | credit | offset_account_type | offset_account | invoice | due_date   | currency
        I-1     | 2024-01-01 | Customer     | C-1     | 1000.00 |        | Ledger              | 401100-001--   | I-1     | 2024-01-31 |
        I-2     | 2024-01-31 | Customer     | C-1     | 500.00  |        | Ledger              | 401100-001--   | I-2     | 2024-03-01 |
        I-3     | 2024-01-05 | Customer     | C-2     | 200.00  |        | Ledger              | 401100-001--   | I-3     | 2024-02-04 |
        I-4     | 2024-01-10 | Customer     | C-3     | 100.00  |        | Ledger              | 401100-001--   | I-4     | 2024-01-10 | EUR
    """)
    settle(engine, None, PartyType.customer, "C-1", [MarkRequest(invoice="I-1")],
           payment=Payment(D("600.00"), "110110-001-", date=date(2024, 2, 15)))
    return settle(engine, None, PartyType.customer, "C-2", [MarkRequest(invoice="I-3")],
                  payment=Payment(D("200.00"), "110110-001-", date=date(2024, 3, 10)))


def _rows(report) -> dict[tuple[str, str], list[str]]:
    return {(r.party_id, r.currency): [str(D(a).scaleb(-2)) for a in r.periods + [r.total]]
            for r in report.balances.rows}


def test_as_of_a_past_date_later_settlements_count_as_open(engine):
    _history(engine)
    # On 2/10 nothing is paid yet: I-1 10 days overdue, I-2 not due, I-3 6 days overdue, I-4 31 days.
    report = aged_report(engine, None, date(2024, 2, 10))
    assert _rows(report) == {("C-1", "USD"): ["500.00", "1000.00", "0.00", "0.00", "0.00", "1500.00"],
                             ("C-2", "USD"): ["0.00", "200.00", "0.00", "0.00", "0.00", "200.00"],
                             ("C-3", "USD"): ["0.00", "0.00", "110.00", "0.00", "0.00", "110.00"]}
    assert report.subledger_minor == report.ledger_minor == 181000
    # On 3/5: 400 of I-1 (34 days overdue) and I-2 (4 days); C-2 still owes until 3/10.
    report = aged_report(engine, None, date(2024, 3, 5))
    assert _rows(report)[("C-1", "USD")] == ["0.00", "500.00", "400.00", "0.00", "0.00", "900.00"]
    assert ("C-2", "USD") in _rows(report)
    assert report.difference_minor == 0
    # Today's view: C-2 is paid.
    report = aged_report(engine, None, date(2024, 3, 31))
    assert ("C-2", "USD") not in _rows(report)
    assert report.subledger_minor == report.ledger_minor == 101000
    # Before anything was posted: nothing.
    assert aged_report(engine, None, date(2023, 12, 31)).balances.rows == []


def test_transaction_currency_and_document_date_basis(engine):
    _history(engine)
    report = aged_report(engine, None, date(2024, 2, 10), accounting_currency=False, basis="document_date",
                         bounds=[30, 60])
    assert report.balances.periods.labels == ["0-30", "31-60", "over 60"]
    assert _rows(report) == {("C-1", "USD"): ["500.00", "1000.00", "0.00", "1500.00"],
                             ("C-2", "USD"): ["0.00", "200.00", "0.00", "200.00"],
                             ("C-3", "EUR"): ["0.00", "100.00", "0.00", "100.00"]}
    assert report.balances.totals()["USD"][-1] == 170000


def test_a_reversed_settlement_counts_as_settled_between_its_date_and_the_reversal(engine):
    result = _history(engine)
    reverse_settlement(engine, None, result.batch_id, date_option="selected", selected_date=date(2024, 3, 20))
    # The reversal of a settlement without a voucher of its own posts nothing: the payment and invoice reopen.
    assert ("C-2", "USD") in _rows(aged_report(engine, None, date(2024, 3, 31)))


def test_the_collections_view_lists_one_customers_open_items_with_their_period_and_hold(engine):
    _history(engine)
    view = collections_view(engine, None, "C-1", date(2024, 3, 5))
    assert view["hold"] == "no"
    assert [(t["invoice"], t["open_then"], t["period"], t["days"]) for t in view["transactions"]] == [
        ("I-1", 40000, "31-60", 34), ("I-2", 50000, "1-30", 4)]
    with pytest.raises(BilagError, match="customer NOPE does not exist"):
        collections_view(engine, None, "NOPE", date(2024, 3, 5))
