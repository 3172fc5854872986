"""Settle remainder (domain.md B3.4): the rest of a partly settled transaction goes to the reason code's (or the
parameter's) account in the same settlement, and the transaction ends fully settled."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from bilag.errors import BilagError
from bilag.parties.model import PartyType
from bilag.services.reports import open_transactions
from bilag.services.settle_remainder import settle_with_remainder
from bilag.services.settlement import MarkRequest, Payment

from .collect_support import make_collect_company
from .support import post

ON = {"discount_offset_accounts": "invoice_lines", "settle_remainder": True, "settle_remainder_journal": "SREM"}


def _invoice(engine):
    post(engine, """
        voucher | date       | account_type | account | debit   | offset_account_type | offset_account | invoice
        R-1     | 2024-01-10 | Customer     | C-1     | 1000.00 | Ledger              | 401100-001--   | R-1
    """)


def test_the_remainder_of_a_partial_payment_goes_to_the_reason_codes_account(engine):
    make_collect_company(engine, parameters=ON)
    _invoice(engine)
    result = settle_with_remainder(engine, None, PartyType.customer, "C-1", [MarkRequest(invoice="R-1")],
                                   payment=Payment(D("990.00"), "110110-001-", date=date(2024, 2, 1)),
                                   reason="SMALL")
    assert [(e.ledger_account, D(e.amount_minor).scaleb(-2)) for v in result.remainder.vouchers
            for e in v.draft.entries] == [("130100-002-", D("-10.00")), ("618200-002--", D("10.00"))]
    assert result.remainder.vouchers[0].date == date(2024, 2, 1)
    with engine.connect() as connection:
        assert open_transactions(connection, "USMF", party_id="C-1") == []


def test_an_account_given_or_the_parameter_wins_over_the_reason_code(engine):
    make_collect_company(engine, parameters={**ON, "settle_remainder_account": "618100"})
    _invoice(engine)
    result = settle_with_remainder(engine, None, PartyType.customer, "C-1", [MarkRequest(invoice="R-1")],
                                   payment=Payment(D("999.00"), "110110-001-", date=date(2024, 2, 1)),
                                   reason="SMALL")
    assert result.remainder.vouchers[0].draft.entries[1].ledger_account == "618100-002--"


def test_nothing_left_posts_no_remainder(engine):
    make_collect_company(engine, parameters=ON)
    _invoice(engine)
    result = settle_with_remainder(engine, None, PartyType.customer, "C-1", [MarkRequest(invoice="R-1")],
                                   payment=Payment(D("1000.00"), "110110-001-", date=date(2024, 2, 1)))
    assert result.remainder is None


def test_disabled_or_without_a_journal_or_an_account_it_is_refused_and_writes_nothing(engine):
    make_collect_company(engine)
    _invoice(engine)
    for message in ("not enabled",):
        with pytest.raises(BilagError, match=message):
            settle_with_remainder(engine, None, PartyType.customer, "C-1", [MarkRequest(invoice="R-1")],
                                  payment=Payment(D("990.00"), "110110-001-", date=date(2024, 2, 1)))
    with engine.connect() as connection:
        assert open_transactions(connection, "USMF", party_id="C-1")[0]["open_amount"] == "1000.00"


def test_no_account_anywhere_is_refused(engine):
    make_collect_company(engine, parameters=ON)
    _invoice(engine)
    with pytest.raises(BilagError, match="no settle remainder account") as error:
        settle_with_remainder(engine, None, PartyType.customer, "C-1", [MarkRequest(invoice="R-1")],
                              payment=Payment(D("990.00"), "110110-001-", date=date(2024, 2, 1)), reason="BADDEBT")
    assert error.value.code == "no_remainder_account"
