"""A vendor payment proposal (pure): which open vendor invoices to pay on a payment date, and how much.

An open vendor invoice is proposed when it is due by the proposal's due date, or when a cash discount is still
in reach on the payment date (its discount date, or a next code's, not passed). It is left out, with the reason,
when the vendor is on hold for payments (hold `payment` or `all`, until the hold's release date), when the
invoice's payment release date is after the payment date, when the vendor has no bank account to pay to, or when
it is in another currency than the paying bank account. The amount is the open amount less the cash discount
still to take (domain.md B5.2: the first code of the chain whose date is not passed; what was taken before is
deducted), in minor units of the invoice's currency.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..company import Company
from ..parties.model import Hold, PartyType
from ..settlement.discounts import applicable_percent, discount_for_payment_minor, full_discount_minor
from ..settlement.model import OpenTransaction


@dataclass(frozen=True)
class ProposedPayment:
    transaction: OpenTransaction
    vendor_name: str
    pay_minor: int  # positive: what the payment file pays
    discount_minor: int  # positive: the cash discount taken by paying on the payment date
    reason: str  # due | cash discount


@dataclass(frozen=True)
class LeftOut:
    transaction: OpenTransaction
    reason: str


def payment_is_held(company: Company, vendor_id: str, day: date) -> str | None:
    party = company.party(PartyType.vendor, vendor_id)
    if party is None:
        return f"vendor {vendor_id} does not exist"
    if party.hold not in (Hold.payment, Hold.all):
        return None
    if party.hold_release_date and day >= party.hold_release_date:
        return None
    until = f" until {party.hold_release_date.isoformat()}" if party.hold_release_date else ""
    return f"vendor {vendor_id} is on hold ({party.hold.value}){until}"


def propose_payments(company: Company, transactions: list[OpenTransaction], *, payment_date: date,
                     due_until: date, currency: str, payable_vendors: set[str]
                     ) -> tuple[list[ProposedPayment], list[LeftOut]]:
    proposed: list[ProposedPayment] = []
    left_out: list[LeftOut] = []
    partial_payments = bool(company.parameter("cash_discount_partial_payments"))
    for transaction in sorted(transactions, key=lambda t: (t.party_id, t.due_date, t.transaction_id)):
        if transaction.party_type != "vendor" or transaction.open_minor >= 0:
            continue  # not an open vendor invoice (a payment or credit note is not paid out)
        percent = applicable_percent(company.cash_discounts, transaction.cash_discount_code,
                                     transaction.document_date, payment_date, transaction.use_cash_discount)
        full = full_discount_minor(abs(transaction.amount_minor), percent)
        pay, discount = discount_for_payment_minor(
            abs(transaction.open_minor), None, None, percent, abs(transaction.cash_discount_taken_minor), full,
            partial_payments=partial_payments, use=transaction.use_cash_discount)
        due = transaction.due_date <= due_until
        if not due and discount == 0:
            continue  # neither due nor worth paying early: not part of this proposal
        held = payment_is_held(company, transaction.party_id, payment_date)
        if held:
            left_out.append(LeftOut(transaction, held))
        elif transaction.payment_release_date and transaction.payment_release_date > payment_date:
            left_out.append(LeftOut(transaction, f"payment release date {transaction.payment_release_date.isoformat()}"))
        elif transaction.currency != currency:
            left_out.append(LeftOut(transaction, f"in {transaction.currency}, the bank account pays {currency}"))
        elif transaction.party_id not in payable_vendors:
            left_out.append(LeftOut(transaction, f"vendor {transaction.party_id} has no bank account to pay to "
                                                 f"(`bilag payments vendor-account`)"))
        else:
            party = company.party(PartyType.vendor, transaction.party_id)
            proposed.append(ProposedPayment(transaction, (party.name if party else "") or transaction.party_id, pay,
                                            discount, "due" if due else "cash discount"))
    return proposed, left_out
