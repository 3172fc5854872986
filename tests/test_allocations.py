"""Ledger allocations (domain.md B4.5): fixed percentages, a basis, proposals, zero source, refusals."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bilag.errors import BilagError
from bilag.services.allocations import list_allocation_rules, process_allocations, save_allocation_rules
from bilag.services.journals import list_journals_in
from bilag.services.setup import setup_company

from .support import post
from .test_year_end import company

RENT = {"id": "RENT", "description": "Rent to departments", "source": {"accounts": ["606300"],
        "dimensions": {"BusinessUnit": "001"}},
        "destinations": [{"account": "606300-002-20", "percent": 60}, {"account": "606300-003-30", "percent": 40}]}


def nets(vouchers) -> dict[str, Decimal]:
    sums: dict[str, int] = {}
    for voucher in vouchers:
        for entry in voucher.draft.entries:
            sums[entry.ledger_account] = sums.get(entry.ledger_account, 0) + entry.accounting_minor
    return {account: Decimal(minor).scaleb(-2) for account, minor in sums.items() if minor}


@pytest.fixture
def ledger(engine):
    setup_company(engine, {**company(), "allocation_rules": [RENT]})
    post(engine, """
        account_type | account       | debit   | credit | offset_account
        Ledger       | 606300-001-10 | 1000.01 |        | 110110-001
        Ledger       | 401100-002-20 |         | 300.00 | 110110-002
        Ledger       | 401100-002-30 |         | 100.00 | 110110-002
    """, day="2024-01-10")
    return engine


def test_fixed_percentages_move_the_source_balance_to_the_destinations(ledger):
    result = process_allocations(ledger, None, date(2024, 1, 31))
    # 1000.01 split 60/40 by largest remainder: 600.01 + 400.00 (the parts add up to the cent)
    assert nets(result.vouchers) == {"606300-001-10": Decimal("-1000.01"), "606300-002-20": Decimal("600.01"),
                                     "606300-003-30": Decimal("400.00")}
    assert result.vouchers[0].kind == "allocation"
    # the source is now zero: a second run stops with a message and writes nothing
    with pytest.raises(BilagError, match="source balance is zero") as error:
        process_allocations(ledger, None, date(2024, 1, 31))
    assert error.value.code == "zero_source"


def test_a_basis_weighs_destinations_by_the_balances_of_a_dimension_and_a_proposal_posts_nothing(ledger):
    save_allocation_rules(ledger, None, [{
        "id": "BYSALES", "source": {"accounts": ["606300..606399"]}, "offset_account": "606390",
        "basis": {"accounts": ["401100"], "dimension": "Department", "account": "606300"}}])
    proposal = process_allocations(ledger, None, date(2024, 1, 31), rules=["BYSALES"], post=False)
    assert proposal.vouchers == [] and proposal.journal_id is not None
    with ledger.connect() as connection:
        assert [j["posted"] for j in list_journals_in(connection, "USMF")] == [False]
    # sales: department 20 300.00, department 30 100.00 -> 3:1; the offset account 606390 is credited
    assert [(line.account, line.amount_minor) for line in proposal.lines] == [
        ("606390-001-10", -100001), ("606300-001-20", 75001), ("606300-001-30", 25000)]


def test_percentages_over_100_are_refused_and_rules_are_listed(ledger):
    with pytest.raises(BilagError) as error:
        save_allocation_rules(ledger, None, [{**RENT, "id": "TOOMUCH", "destinations": [
            {"account": "606300-002-20", "percent": 70}, {"account": "606300-003-30", "percent": 40}]}])
    assert error.value.code == "allocation_over_100"
    assert [rule["id"] for rule in list_allocation_rules(ledger, None)] == ["RENT"]


def test_under_100_percent_leaves_the_rest_and_zero_source_continue_passes_over(ledger):
    save_allocation_rules(ledger, None, [
        {**RENT, "id": "HALF", "destinations": [{"account": "606300-002-20", "percent": 50}]},
        {**RENT, "id": "EMPTY", "source": {"accounts": ["606399"]}, "zero_source": "continue"}])
    result = process_allocations(ledger, None, date(2024, 1, 31), rules=["HALF", "EMPTY"])
    assert nets(result.vouchers) == {"606300-001-10": Decimal("-500.01"), "606300-002-20": Decimal("500.01")}
