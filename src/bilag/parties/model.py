"""Customers, vendors, their posting profiles, payment terms and cash discount codes."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum

from ..errors import HoldForbids, InvalidInput


class PartyType(str, Enum):
    customer = "customer"
    vendor = "vendor"

    @property
    def balance_posting_type(self) -> str:
        return f"{self.value}_balance"

    @property
    def module(self) -> str:
        return module_of(self.value)

    @property
    def invoice_sign(self) -> int:
        return invoice_sign(self.value)


# One home for what a party type decides. They take the type's text too (transactions carry it as a str).

def module_of(party_type: str) -> str:
    """The module whose period access applies to a customer's or vendor's postings (rule P1)."""
    return "accounts_payable" if party_type == "vendor" else "accounts_receivable"


def invoice_sign(party_type: str) -> int:
    """The sign of an invoice: a vendor's is a credit (negative), a customer's a debit (positive); payments and
    credit notes have the other sign."""
    return -1 if party_type == "vendor" else 1


def is_invoice(party_type: str, amount_minor: int) -> bool:
    """An amount of the invoice sign (zero is no invoice)."""
    return amount_minor < 0 if party_type == "vendor" else amount_minor > 0


class Hold(str, Enum):
    """CustVendorBlocked: what a hold on the account forbids."""

    no = "no"
    invoice = "invoice"
    payment = "payment"
    all = "all"
    requisition = "requisition"
    never = "never"


@dataclass(frozen=True)
class PaymentTerms:
    code: str
    days: int

    def due_date(self, document_date: date) -> date:
        return document_date + timedelta(days=self.days)


@dataclass(frozen=True)
class CashDiscountCode:
    code: str
    percent: Decimal
    days: int
    next_code: str | None = None
    main_account: str | None = None

    def discount_date(self, document_date: date) -> date:
        return document_date + timedelta(days=self.days)


@dataclass(frozen=True)
class PostingProfileRule:
    """One line of a posting profile: Table (one party) > Group > All."""

    profile: str
    party_type: PartyType
    scope: str  # table | group | all
    key: str  # party id, group id, or '' for all
    summary_account: str
    write_off_account: str | None = None
    settle_automatically: bool = False


@dataclass(frozen=True)
class Party:
    party_type: PartyType
    id: str
    name: str = ""
    group: str = ""
    currency: str | None = None
    payment_terms: str | None = None
    cash_discount: str | None = None
    dimensions: dict[str, str] = field(default_factory=dict)
    hold: Hold = Hold.no
    hold_release_date: date | None = None
    posting_profile: str | None = None
    sales_tax_group: str | None = None  # an invoice's when its header names none (before the parameter)
    interest_code: str | None = None  # a customer's interest notes' code (before the interest_code parameter)
    collection_letter_sequence: str | None = None  # its letters' sequence (before collection_letter_sequence)

    def check_hold(self, *, is_invoice: bool, day: date) -> None:
        """Refuse a posting that the hold forbids; a release date ends a payment hold."""
        hold = self.hold
        if hold in (Hold.no, Hold.never, Hold.requisition):
            return
        if self.hold_release_date and day >= self.hold_release_date:
            return
        forbidden = hold == Hold.all or (hold == Hold.invoice and is_invoice) or (hold == Hold.payment and not is_invoice)
        if forbidden:
            what = "an invoice" if is_invoice else "a payment"
            raise HoldForbids(
                f"{self.party_type.value} {self.id} is on hold ({hold.value}); {what} cannot be posted",
            )

    def settlement_held(self, day: date) -> bool:
        """Hold All stops settlement too (B5.4); the other holds concern new postings only."""
        return self.hold == Hold.all and not (self.hold_release_date and day >= self.hold_release_date)

    def check_settlement_hold(self, day: date) -> None:
        if self.settlement_held(day):
            raise HoldForbids(f"{self.party_type.value} {self.id} is on hold (all); its transactions cannot be "
                              f"settled before the hold is lifted")


class PostingProfiles:
    def __init__(self, rules: list[PostingProfileRule], defaults: dict[PartyType, str]):
        self._rules = {(r.profile, r.party_type, r.scope, r.key): r for r in rules}
        self.defaults = defaults

    def lookup(self, party: Party, profile: str | None = None) -> PostingProfileRule:
        profile = profile or party.posting_profile or self.defaults.get(party.party_type) or "GEN"
        for scope, key in (("table", party.id), ("group", party.group), ("all", "")):
            rule = self._rules.get((profile, party.party_type, scope, key))
            if rule:
                return rule
        raise InvalidInput(
            f"no posting profile {profile} for {party.party_type.value} {party.id}", code="no_posting_profile"
        )

    def all(self) -> list[PostingProfileRule]:
        return list(self._rules.values())
