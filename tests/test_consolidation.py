"""Consolidation: closing rate for the balance sheet, average rate for P&L, the translation reserve, account
mapping, intercompany eliminations, rerun by reversal, and the refusal of an open period."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bilag.errors import BilagError
from bilag.services.consolidation import consolidate
from bilag.services.periods import update_periods
from bilag.services.setup import setup_company

ACCOUNTS = [{"id": "110110", "type": "asset"}, {"id": "130500", "type": "asset"},
            {"id": "200500", "type": "liability"}, {"id": "401100", "type": "revenue"},
            {"id": "606300", "type": "expense"}]


def member(company_id: str) -> dict:
    return {"company": {"id": company_id, "name": company_id, "accounting_currency": "USD"},
            "calendar": {"first_year_start": "2024-01-01", "years": 1}, "accounts": ACCOUNTS}


def consolidation_company() -> dict:
    return {"company": {"id": "CONS", "name": "Group", "accounting_currency": "EUR"},
            "calendar": {"first_year_start": "2024-01-01", "years": 1},
            "accounts": ACCOUNTS + [{"id": "401000", "type": "revenue"}, {"id": "380000", "type": "equity"},
                                    {"id": "899000", "type": "expense"}],
            "system_accounts": {"translation_reserve": "380000"},
            "exchange_rates": [{"currency": "USD", "date": "2024-01-31", "rate": "0.90"},
                               {"currency": "USD", "date": "2024-01-31", "rate": "0.92", "rate_type": "average"},
                               {"currency": "USD", "date": "2024-02-29", "rate": "0.80"},
                               {"currency": "USD", "date": "2024-02-29", "rate": "0.85", "rate_type": "average"}]}


def journal(engine, company_id, table, day):
    from bilag.journal.parsing import lines_from_pipe_table
    from bilag.services.posting import post_journal

    post_journal(engine, company_id, "GNJL", lines_from_pipe_table(table, default_date=day, source="test"))


def nets(vouchers) -> dict[str, Decimal]:
    sums: dict[str, int] = {}
    for voucher in vouchers:
        for entry in voucher.draft.entries:
            sums[entry.ledger_account] = sums.get(entry.ledger_account, 0) + entry.accounting_minor
    return {account: Decimal(minor).scaleb(-2) for account, minor in sums.items() if minor}


ELIMINATE = [{"id": "IC", "accounts": ["130500", "200500"], "difference_account": "899000"}]


@pytest.fixture
def group(engine):
    setup_company(engine, member("USMF"))
    setup_company(engine, member("USRT"))
    setup_company(engine, consolidation_company())
    journal(engine, "USMF", """
        account_type | account | debit   | offset_account
        Ledger       | 110110  | 1000.00 | 401100
        Ledger       | 130500  | 200.00  | 401100
    """, date(2024, 1, 15))
    journal(engine, "USRT", """
        account_type | account | debit  | offset_account
        Ledger       | 606300  | 200.00 | 200500
    """, date(2024, 1, 15))
    return engine


def test_an_open_period_is_refused(group):
    with pytest.raises(BilagError) as error:
        consolidate(group, "CONS", ["USMF", "USRT"], "2024-P01")
    assert error.value.code == "period_open"


def test_translation_reserve_mapping_and_elimination_then_the_next_period_and_a_rerun(group):
    update_periods(group, ["USMF", "USRT"], period_name="2024-P01", status="on_hold")
    result = consolidate(group, "CONS", ["USMF", "USRT"], "2024-P01", account_map={"401100": "401000"},
                         eliminations=ELIMINATE)
    usmf, usrt, eliminations = result.vouchers
    # USMF: balance sheet at 0.90, sales (mapped to 401000) at the average 0.92, the difference to the reserve
    assert nets([usmf]) == {"110110": Decimal("900.00"), "130500": Decimal("180.00"),
                            "401000": Decimal("-1104.00"), "380000": Decimal("24.00")}
    assert nets([usrt]) == {"200500": Decimal("-180.00"), "606300": Decimal("184.00"), "380000": Decimal("-4.00")}
    assert nets([eliminations]) == {"130500": Decimal("-180.00"), "200500": Decimal("180.00")}
    # February: a sale of 100.00; the balance sheet moves to the new closing rate (delta against what was carried)
    journal(group, "USMF", """
        account_type | account | debit  | offset_account
        Ledger       | 110110  | 100.00 | 401100
    """, date(2024, 2, 10))
    update_periods(group, ["USMF", "USRT"], period_name="2024-P02", status="on_hold")
    february = consolidate(group, "CONS", ["USMF", "USRT"], "2024-P02", account_map={"401100": "401000"},
                           eliminations=ELIMINATE)
    assert nets(february.vouchers[:1]) == {"110110": Decimal("-20.00"), "130500": Decimal("-20.00"),
                                           "401000": Decimal("-85.00"), "380000": Decimal("125.00")}
    assert nets(february.vouchers[2:]) == {"130500": Decimal("20.00"), "200500": Decimal("-20.00")}
    # Rerunning February reverses its result and posts it again: the net change is nothing
    again = consolidate(group, "CONS", ["USMF", "USRT"], "2024-P02", account_map={"401100": "401000"},
                        eliminations=ELIMINATE)
    assert len(again.reversed_runs) == 3 and nets(again.vouchers) == {}


def test_an_unmapped_account_is_named(group):
    update_periods(group, ["USMF"], period_name="2024-P01", status="on_hold")
    with pytest.raises(BilagError, match="maps to 401999"):
        consolidate(group, "CONS", ["USMF"], "2024-P01", account_map={"401100": "401999"})


def test_an_elimination_rule_without_its_keys_is_refused_by_name(group):
    # Found by the schemathesis run: an elimination without an id was an internal error (KeyError).
    update_periods(group, ["USMF", "USRT"], period_name="2024-P01", status="on_hold")
    with pytest.raises(BilagError, match=r"eliminations\[0\]: missing key difference_account, id") as error:
        consolidate(group, "CONS", ["USMF", "USRT"], "2024-P01", eliminations=[{"accounts": ["130500"]}])
    assert error.value.code == "missing_key"
    with pytest.raises(BilagError, match=r"eliminations\[1\].accounts: expected a list, got str"):
        consolidate(group, "CONS", ["USMF", "USRT"], "2024-P01", eliminations=[
            {"id": "IC", "accounts": ["130500"], "difference_account": "401100"},
            {"id": "X", "accounts": "130500", "difference_account": "401100"}])
