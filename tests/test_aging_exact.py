"""The aged balances equal the plain computation, per customer and aging period, at every date of a history with
partial and full settlements, a foreign-currency invoice and a settlement reversed later — on both stores (the
store's one-pass query with look-ups only for touched transactions, issue 9 item 3's speed work)."""
from __future__ import annotations

from datetime import date, timedelta

from bilag.collections.aging import AgingPeriods
from bilag.services.collections import aged_report
from bilag.services.settlement import reverse_settlement

from .test_aging import _history
from .test_settlement_properties import _as_int, _day, rows


def plain(engine, as_of: date, basis: str, accounting: bool) -> dict[tuple[str, str, int], int]:
    """Per (customer, currency, period): each transaction posted by the date, less the settlements in force then
    (dated by then; a reversed one only until its reversal voucher's date, never if the reversal posted none)."""
    periods = AgingPeriods.of(basis)
    reversed_on = {batch: _day(day) for batch, day in rows(engine, "SELECT batch_id, MIN(posting_date) FROM voucher "
                                                                   "WHERE kind = 'reversal' GROUP BY batch_id")}
    settled: dict[int, int] = {}
    for t, day, amount, accounting_amount, batch in rows(
            engine, "SELECT transaction_id, settlement_date, settled_minor, settled_accounting_minor, "
                    "reversed_by_batch FROM settlement"):
        if _day(day) > as_of or (batch is not None and reversed_on.get(batch, _day(day)) <= as_of):
            continue
        settled[t] = settled.get(t, 0) + _as_int(accounting_amount if accounting else amount)
    totals: dict[tuple[str, str, int], int] = {}
    for t, party, posted, document, due, currency, amount, accounting_amount in rows(
            engine, "SELECT transaction_id, party_id, posting_date, document_date, due_date, currency, amount_minor, "
                    "accounting_minor FROM party_transaction WHERE party_type = 'customer'"):
        if _day(posted) > as_of:
            continue
        open_then = _as_int(accounting_amount if accounting else amount) - settled.get(t, 0)
        if open_then:
            key = (party, "USD" if accounting else currency,
                   periods.index_of(as_of, _day(due if basis == "due_date" else document)))
            totals[key] = totals.get(key, 0) + open_then
    return {key: amount for key, amount in totals.items() if amount}


def reported(engine, as_of: date, basis: str, accounting: bool) -> dict[tuple[str, str, int], int]:
    report = aged_report(engine, None, as_of, basis=basis, accounting_currency=accounting)
    return {(row.party_id, row.currency, index): amount for row in report.balances.rows
            for index, amount in enumerate(row.periods) if amount}


def test_every_date_every_period_equals_the_plain_computation(engine):
    result = _history(engine)
    reverse_settlement(engine, None, result.batch_id, date_option="selected", selected_date=date(2024, 3, 20))
    day = date(2023, 12, 30)
    checked = 0
    while day <= date(2024, 4, 10):
        for basis in ("due_date", "document_date"):
            for accounting in (True, False):
                assert reported(engine, day, basis, accounting) == plain(engine, day, basis, accounting), (
                    day, basis, accounting)
                checked += 1
        day += timedelta(days=5)
    assert checked == 84
    assert plain(engine, date(2024, 2, 10), "due_date", True) == {
        ("C-1", "USD", 0): 50000, ("C-1", "USD", 1): 100000, ("C-2", "USD", 1): 20000, ("C-3", "USD", 2): 11000}
