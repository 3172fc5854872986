"""Ledger settlement (domain.md B4.1, LSET): equal debit and credit amounts matched automatically, by hand,
unsettled; the inquiry of open and settled entries; the close checklist counts what is still open."""
from __future__ import annotations

from datetime import date

import pytest

from bilag.close.ledger_settlement import LedgerEntry, match_automatically
from bilag.errors import BilagError
from bilag.services.close_workspace import close_checklist
from bilag.services.ledger_settlement import (
    ledger_settlement_inquiry,
    settle_ledger_automatically,
    settle_ledger_entries,
    unsettle_ledger,
)
from bilag.services.setup import setup_company

from .support import post
from .test_year_end import company


def entry(entry_id, amount, day=1, account="199000-001", posting_type="ledger_journal"):
    return LedgerEntry(entry_id, account, account.split("-")[0], date(2024, 1, day), posting_type, amount)


def test_equal_absolute_amounts_match_once_in_date_order_within_the_window():
    entries = [entry(1, 5000), entry(2, -5000, 3), entry(3, 5000, 4), entry(4, -2500, 5), entry(5, -5000, 20),
               entry(6, 2500, 6, "199000-002")]
    assert match_automatically(entries) == [(1, 2), (6, 4), (3, 5)]
    assert match_automatically(entries, same_dimensions=True) == [(1, 2), (3, 5)]
    assert match_automatically(entries, window_days=10) == [(1, 2), (6, 4)]  # 3 and 5 lie 16 days apart
    assert match_automatically(entries, posting_type="other") == []


@pytest.fixture
def clearing(engine):
    setup = company()
    setup["accounts"].append({"id": "199000", "name": "Clearing", "type": "asset"})
    setup_company(engine, setup)
    post(engine, """
        account_type | account    | debit  | credit | offset_account | date
        Ledger       | 199000-001 | 400.00 |        | 110110-001     | 2024-01-05
        Ledger       | 199000-001 |        | 400.00 | 110110-001     | 2024-01-09
        Ledger       | 199000-001 | 250.00 |        | 110110-001     | 2024-01-10
        Ledger       | 199000-001 |        | 100.00 | 110110-001     | 2024-01-11
        Ledger       | 199000-001 |        | 150.00 | 110110-001     | 2024-01-12
    """)
    return engine


def test_automatic_then_by_hand_then_unsettle_and_the_inquiry(clearing):
    assert len(settle_ledger_automatically(clearing, None, date(2024, 1, 31), main_accounts=["199000"])) == 1
    open_rows = ledger_settlement_inquiry(clearing, None, "199000", status="open")
    assert [row["amount"] for row in open_rows] == ["250.00", "-100.00", "-150.00"]
    tasks = {row["task"]: row for row in close_checklist(clearing, [None], period_name="2024-P01")}
    assert tasks[4]["ready"] == "no" and "3 unsettled entries" in tasks[4]["checks"]
    ids = [row["entry"] for row in open_rows]
    with pytest.raises(BilagError) as error:
        settle_ledger_entries(clearing, None, ids[:2], day=date(2024, 1, 31))  # 250.00 - 100.00 is not zero
    assert error.value.code == "bad_ledger_settlement"
    settlement = settle_ledger_entries(clearing, None, ids, day=date(2024, 1, 31))
    assert ledger_settlement_inquiry(clearing, None, "199000", status="open") == []
    with pytest.raises(BilagError) as error:
        settle_ledger_entries(clearing, None, ids, day=date(2024, 1, 31))
    assert error.value.code == "already_settled"
    assert unsettle_ledger(clearing, None, settlement, day=date(2024, 2, 1)) == 3
    assert len(ledger_settlement_inquiry(clearing, None, "199000", status="open")) == 3
    assert len(ledger_settlement_inquiry(clearing, None, "199000", status="settled")) == 2


def test_the_year_end_close_refuses_a_ledger_settlement_across_years_and_its_reversal_settled_openings(engine):
    """B4.3 (YEFAQ), awareness between ledger settlement and year-end close: a 2024 entry settled against a 2025
    one stops the close of 2024; opening balances of 2025 that are settled stop reversing the close."""
    from bilag.services.year_end import close_year, reverse_year_end_close

    setup = company(years=3)
    setup["accounts"].append({"id": "199000", "name": "Clearing", "type": "asset"})
    setup_company(engine, setup)
    post(engine, """
        account_type | account    | debit  | credit | offset_account | date
        Ledger       | 199000-001 | 400.00 |        | 110110-001     | 2024-12-20
        Ledger       | 199000-001 |        | 400.00 | 110110-001     | 2025-01-09
        Ledger       | 199000-001 | 250.00 |        | 110110-001     | 2024-12-21
    """)
    rows = ledger_settlement_inquiry(engine, None, "199000", status="open")
    across = settle_ledger_entries(engine, None, [rows[0]["entry"], rows[2]["entry"]], day=date(2025, 1, 9))
    with pytest.raises(BilagError, match=f"ledger settlement {across} matches entries of 2024 with entries of another "
                                         r"year \(vouchers .*\); unsettle it before closing 2024") as refused:
        close_year(engine, None, 2024)
    assert refused.value.code == "ledger_settlement_crosses_years"
    unsettle_ledger(engine, None, across, day=date(2025, 1, 10))
    close_year(engine, None, 2024)  # nothing crosses the year now
    # The 2025 opening balance of 199000 (650.00) settled against the 2025 credit of 400.00 and a new 250.00.
    post(engine, """
        account_type | account    | debit | credit | offset_account | date
        Ledger       | 199000-001 |       | 250.00 | 110110-001     | 2025-01-15
    """)
    open_2025 = [row for row in ledger_settlement_inquiry(engine, None, "199000", status="open")
                 if row["date"] >= "2025-01-01"]
    assert sorted(row["amount"] for row in open_2025) == ["-250.00", "-400.00", "650.00"]
    opening = settle_ledger_entries(engine, None, [row["entry"] for row in open_2025], day=date(2025, 1, 15))
    with pytest.raises(BilagError, match=f"the opening balances of 2025 are ledger-settled \\(settlement {opening}\\)"):
        reverse_year_end_close(engine, None, 2024)
    unsettle_ledger(engine, None, opening, day=date(2025, 1, 16))
    assert reverse_year_end_close(engine, None, 2024).vouchers
