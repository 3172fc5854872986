"""Migration 0021 on a database with data: revaluations posted before it (when only the transactions kept their
unrealized amount and the settlements the share they reversed) are copied into the history of unrealized changes,
so that the aged balances in the accounting currency tie to the ledger after the upgrade — on every store (on
Citus the copy reads distributed tables into a table distributed afterwards, as opening an existing cluster's
store does)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import inspect

from bilag.services.revaluation import revalue_open_transactions
from bilag.store.citus import has_citus, undistributed_tables
from bilag.store.database import migrate

from .support import downgrade_to
from .test_aging_unrealized import C1, _aged, _eur_invoice, _pay_40_eur


def _down_to_0020(engine) -> None:
    """The schema (and so the data) as before 0021: its tables and columns dropped."""
    downgrade_to(engine, "0020")
    assert "unrealized_change" not in inspect(engine).get_table_names()


def test_revaluations_before_0021_are_in_the_aged_balances_after_it(engine):
    _eur_invoice(engine)  # C-3: EUR 100.00 at 1.10 = 110.00 USD, due 1/10; C-1: USD 500.00 due 3/1
    revalue_open_transactions(engine, None, date(2024, 1, 31))  # at 1.20: +10.00 unrealized
    _pay_40_eur(engine)  # 2/15 at 1.15: 4.00 of the 10.00 reversed
    expected = {"2024-01-31": ({("C-1", "USD"): C1,
                                ("C-3", "USD"): ["0.00", "120.00", "0.00", "0.00", "0.00", "120.00"]},
                               "620.00", "620.00"),
                "2024-02-15": ({("C-1", "USD"): C1,
                                ("C-3", "USD"): ["0.00", "0.00", "72.00", "0.00", "0.00", "72.00"]},
                               "572.00", "572.00")}
    assert {day: _aged(engine, day) for day in expected} == expected
    _down_to_0020(engine)

    migrate(engine)  # what opening the store does: upgrade to the head (and on Citus distribute the new tables)

    with engine.connect() as connection:
        if has_citus(connection):  # the new tables distributed like the others, the copy in them
            assert undistributed_tables(connection) == []
        copied = connection.exec_driver_sql(
            "SELECT u.change_date, u.change_minor, t.invoice FROM unrealized_change u JOIN party_transaction t ON "
            "t.company_id = u.company_id AND t.transaction_id = u.transaction_id").all()
        following = connection.exec_driver_sql(
            "SELECT next_value FROM number_sequence WHERE code = 'unrealized_change'").scalar()
        largest = connection.exec_driver_sql("SELECT MAX(change_id) FROM unrealized_change").scalar()
    # One row on the revaluation's date: the amount before the payment took its share (6.00 left + 4.00 reversed).
    assert [(str(day), int(minor), invoice) for day, minor, invoice in copied] == [("2024-01-31", 1000, "I-4")]
    assert int(following) == int(largest) + 1
    assert {day: _aged(engine, day) for day in expected} == expected
    assert _aged(engine, "2024-01-30")[1:] == ("110.00", "110.00")
    # A revaluation after the upgrade adds to the copied history (60.00 EUR at 1.25 = 75.00: +3.00).
    revalue_open_transactions(engine, None, date(2024, 2, 29))
    assert _aged(engine, "2024-02-29") == ({("C-1", "USD"): C1,
                                            ("C-3", "USD"): ["0.00", "0.00", "75.00", "0.00", "0.00", "75.00"]},
                                           "575.00", "575.00")
    assert _aged(engine, "2024-02-15")[1:] == ("572.00", "572.00")
