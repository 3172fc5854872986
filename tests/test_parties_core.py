"""What a party type, a hold, payment terms, cash discount codes and posting profiles decide, pure and exact
(parties/model.py). Fast tests without a store: `make mutation` runs them for bilag.parties (issue 14)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bilag.errors import HoldForbids, InvalidInput
from bilag.parties.model import (
    CashDiscountCode,
    Hold,
    Party,
    PartyType,
    PaymentTerms,
    PostingProfileRule,
    PostingProfiles,
    invoice_sign,
    is_invoice,
    module_of,
)

D = date.fromisoformat


def test_what_a_party_type_decides():
    assert PartyType.customer.balance_posting_type == "customer_balance"
    assert PartyType.vendor.balance_posting_type == "vendor_balance"
    assert PartyType.customer.module == module_of("customer") == "accounts_receivable"
    assert PartyType.vendor.module == module_of("vendor") == "accounts_payable"
    assert PartyType.customer.invoice_sign == invoice_sign("customer") == 1
    assert PartyType.vendor.invoice_sign == invoice_sign("vendor") == -1
    assert is_invoice("customer", 1) and not is_invoice("customer", 0) and not is_invoice("customer", -1)
    assert is_invoice("vendor", -1) and not is_invoice("vendor", 0) and not is_invoice("vendor", 1)


def test_terms_and_discount_dates():
    assert PaymentTerms("Net30", 30).due_date(D("2024-01-31")) == D("2024-03-01")
    code = CashDiscountCode("2D10", Decimal("2"), 10, "1D20", "520200")
    assert code.discount_date(D("2024-01-25")) == D("2024-02-04")
    assert (code.next_code, code.main_account) == ("1D20", "520200")
    assert CashDiscountCode("X", Decimal(1), 0).next_code is None


def party(hold: Hold, release: str | None = None, party_type=PartyType.vendor) -> Party:
    return Party(party_type, "1001", hold=hold, hold_release_date=D(release) if release else None)


@pytest.mark.parametrize("hold, invoice_refused, payment_refused", [
    (Hold.no, False, False), (Hold.never, False, False), (Hold.requisition, False, False),
    (Hold.invoice, True, False), (Hold.payment, False, True), (Hold.all, True, True),
])
def test_what_a_hold_forbids(hold, invoice_refused, payment_refused):
    day = D("2024-03-01")
    for is_inv, refused, what in ((True, invoice_refused, "an invoice"), (False, payment_refused, "a payment")):
        if refused:
            with pytest.raises(HoldForbids) as error:
                party(hold).check_hold(is_invoice=is_inv, day=day)
            assert str(error.value) == f"vendor 1001 is on hold ({hold.value}); {what} cannot be posted"
            # the release date ends the hold on that day, not before
            party(hold, "2024-03-01").check_hold(is_invoice=is_inv, day=day)
            with pytest.raises(HoldForbids):
                party(hold, "2024-03-02").check_hold(is_invoice=is_inv, day=day)
        else:
            party(hold).check_hold(is_invoice=is_inv, day=day)


def test_hold_all_stops_settlement_until_its_release_date():
    day = D("2024-03-01")
    assert party(Hold.all).settlement_held(day)
    assert party(Hold.all, "2024-03-02").settlement_held(day)
    assert not party(Hold.all, "2024-03-01").settlement_held(day)
    party(Hold.all, "2024-03-01").check_settlement_hold(day)  # released that day
    with pytest.raises(HoldForbids):
        party(Hold.all, "2024-03-02").check_settlement_hold(day)
    for hold in (Hold.no, Hold.invoice, Hold.payment, Hold.never, Hold.requisition):
        assert not party(hold).settlement_held(day)
        party(hold).check_settlement_hold(day)
    with pytest.raises(HoldForbids) as error:
        party(Hold.all, party_type=PartyType.customer).check_settlement_hold(day)
    assert str(error.value) == ("customer 1001 is on hold (all); its transactions cannot be settled before the "
                                "hold is lifted")


def test_posting_profiles_table_then_group_then_all():
    rules = [
        PostingProfileRule("GEN", PartyType.customer, "all", "", "130100"),
        PostingProfileRule("GEN", PartyType.customer, "group", "DOM", "130200"),
        PostingProfileRule("GEN", PartyType.customer, "table", "US-1", "130300", "618100", True),
        PostingProfileRule("EXP", PartyType.customer, "all", "", "130900"),
        PostingProfileRule("GEN", PartyType.vendor, "all", "", "200100"),
    ]
    profiles = PostingProfiles(rules, {PartyType.customer: "GEN"})
    us1 = Party(PartyType.customer, "US-1", group="DOM")
    us2 = Party(PartyType.customer, "US-2", group="DOM")
    us3 = Party(PartyType.customer, "US-3", group="EXPORT")
    assert profiles.lookup(us1).summary_account == "130300"
    assert profiles.lookup(us1).settle_automatically and profiles.lookup(us1).write_off_account == "618100"
    assert profiles.lookup(us2).summary_account == "130200"
    assert profiles.lookup(us3).summary_account == "130100"
    assert profiles.lookup(us3, "EXP").summary_account == "130900"
    assert profiles.lookup(Party(PartyType.customer, "US-4", posting_profile="EXP")).summary_account == "130900"
    assert profiles.lookup(Party(PartyType.vendor, "V-1")).summary_account == "200100"  # no default: GEN
    assert PostingProfiles(rules, {PartyType.customer: "EXP"}).lookup(us1).summary_account == "130900"
    assert len(profiles.all()) == 5 and profiles.all()[0].scope == "all"
    with pytest.raises(InvalidInput) as refused:
        profiles.lookup(Party(PartyType.vendor, "V-1"), "EXP")
    assert (refused.value.code, str(refused.value)) == ("no_posting_profile", "no posting profile EXP for vendor V-1")
    assert PostingProfileRule("GEN", PartyType.vendor, "all", "", "1").write_off_account is None
    assert not PostingProfileRule("GEN", PartyType.vendor, "all", "", "1").settle_automatically
