"""Property: the aged balances at random past dates tie to the customer summary accounts in the ledger, and
equal what the transactions had open then — after random invoices, payments, settlements (with cash discounts
and exchange differences) and reversals (the random runs of test_settlement_properties)."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, note
from hypothesis import strategies as st

from bilag.services.collections import aged_report

from .test_settlement_properties import (  # noqa: F401
    SETTINGS,
    _as_int,
    _day,
    documents,
    fresh_sqlite,
    operations,
    operations_without_revaluation,
    parameter_sets,
    rows,
    run_sequence,
)

YEAR_START = date(2024, 1, 1)


def open_then(engine, as_of: date) -> dict[str, int]:
    """Per customer: accounting amounts posted by the date less the settlements in force at the date."""
    posted = rows(engine, "SELECT transaction_id, party_id, posting_date, accounting_minor FROM party_transaction "
                          "WHERE party_type = 'customer'")
    reversed_on = {batch: _day(day) for batch, day in rows(engine, "SELECT batch_id, posting_date FROM voucher "
                                                                   "WHERE kind = 'reversal'")}
    party_of = {t: party for t, party, _, _ in posted}
    totals: dict[str, int] = {}
    for _, party, posting_date, amount in posted:
        if _day(posting_date) <= as_of:
            totals[party] = totals.get(party, 0) + _as_int(amount)
    for t, day, amount, batch in rows(engine, "SELECT transaction_id, settlement_date, settled_accounting_minor, "
                                              "reversed_by_batch FROM settlement"):
        if t not in party_of or _day(day) > as_of:
            continue
        if batch is not None and reversed_on.get(batch, _day(day)) <= as_of:
            continue
        posted_on = next(_day(p) for tid, _, p, _ in posted if tid == t)
        if posted_on <= as_of:
            totals[party_of[t]] = totals.get(party_of[t], 0) - _as_int(amount)
    return {party: amount for party, amount in totals.items() if amount}


@SETTINGS
@given(parameters=parameter_sets, documents_=st.lists(documents(), min_size=4, max_size=10),
       # Without revaluations (the test below has them): the totals compare with open amounts at the own rates.
       operations_=st.lists(operations_without_revaluation, min_size=8, max_size=20),
       offsets=st.lists(st.integers(min_value=0, max_value=120), min_size=3, max_size=6))
def test_aged_balances_at_random_past_dates_tie_to_the_ledger(fresh_sqlite, parameters, documents_,  # noqa: F811
                                                               operations_, offsets):
    engine = fresh_sqlite()
    try:
        run = run_sequence(engine, parameters, documents_, operations_)
        note("\n".join(run.log))
        for offset in offsets:
            as_of = YEAR_START + timedelta(days=offset)
            report = aged_report(engine, None, as_of)
            note(f"as of {as_of}: subledger {report.subledger_minor}, ledger {report.ledger_minor}")
            assert report.difference_minor == 0
            assert {row.party_id: row.total for row in report.balances.rows} == open_then(engine, as_of)
            by_due_date = aged_report(engine, None, as_of, basis="document_date", accounting_currency=False)
            assert sum(sum(row.periods) - row.total for row in by_due_date.balances.rows) == 0
    finally:
        engine.dispose()


@SETTINGS
@given(parameters=parameter_sets, documents_=st.lists(documents(), min_size=4, max_size=10),
       operations_=st.lists(operations, min_size=8, max_size=20),
       offsets=st.lists(st.integers(min_value=0, max_value=120), min_size=3, max_size=6))
def test_with_revaluations_aged_balances_at_random_past_dates_tie_to_the_ledger(
        fresh_sqlite, parameters, documents_, operations_, offsets):  # noqa: F811
    """Revaluations among the operations: the unrealized amounts in force at each date are part of the aged
    balances in the accounting currency, and the tie holds (in the transaction currency, the tie's total too)."""
    engine = fresh_sqlite()
    try:
        run = run_sequence(engine, parameters, documents_, operations_)
        note("\n".join(run.log))
        for offset in offsets:
            as_of = YEAR_START + timedelta(days=offset)
            report = aged_report(engine, None, as_of)
            note(f"as of {as_of}: subledger {report.subledger_minor}, ledger {report.ledger_minor}")
            assert report.difference_minor == 0
            in_currency = aged_report(engine, None, as_of, accounting_currency=False)
            assert in_currency.difference_minor == 0
    finally:
        engine.dispose()
