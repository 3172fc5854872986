"""Bank reconciliation proposals (pure): which open customer (or vendor) transactions a statement line pays.

Rule, in this order, for each statement line (a credit pays customer invoices, a debit vendor invoices):

1. **Reference.** The structured creditor reference or the end-to-end id names an open invoice: its number as
   it is, or its digits with a check digit appended the way Norwegian KID and Swedish OCR references carry one
   (mod 10 / Luhn, or mod 11; OCR may add a length digit before the check digit), or an ISO 11649 RF reference
   (`RFkk` + the invoice number). Invoice numbers written in the unstructured remittance text count too; several
   named invoices are paid in due-date order.
2. **Amount and customer.** Without a reference: the one open invoice whose open amount equals the line's
   amount — of the customer whose name is the payer's when that is known, else of any customer if exactly one
   invoice has that amount. A payer recognised by name without an equal amount pays that customer's invoices
   oldest due date first; with nothing open, the line is an open payment (prepayment) of that customer.

The line's amount is spread over the matched invoices up to their open amounts: `matched` when it pays them
exactly, `partial` when it pays less, `over` when something is left (it stays on the customer as an open
payment), `unmatched` when no customer is found (nothing is proposed; the line waits for the user).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

STATUSES = ("matched", "partial", "over", "unmatched")


@dataclass(frozen=True)
class OpenItem:
    transaction_id: int
    party_type: str
    party_id: str
    party_name: str
    invoice: str | None
    voucher: str
    due_date: date
    currency: str
    open_minor: int  # signed as stored: a customer invoice positive, a vendor invoice negative


@dataclass(frozen=True)
class BankLine:
    line_no: int
    amount_minor: int  # signed: a credit (money in) positive
    currency: str
    reference: str | None = None  # structured creditor reference, else end-to-end id
    remittance: str = ""
    counterparty: str = ""


@dataclass
class Allocation:
    item: OpenItem
    amount_minor: int  # positive: how much of the item's open amount the line pays


@dataclass
class Proposal:
    line: BankLine
    status: str
    party_type: str | None = None
    party_id: str | None = None
    how: str = ""  # reference | remittance | amount | payer
    allocations: list[Allocation] = field(default_factory=list)
    remainder_minor: int = 0  # over: what is left for the customer as an open payment (positive)

    @property
    def matched_minor(self) -> int:
        return sum(a.amount_minor for a in self.allocations)


def luhn_digit(digits: str) -> str:
    """The mod 10 (Luhn) check digit of KID and OCR."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def mod11_digit(digits: str) -> str | None:
    """The mod 11 check digit of KID (weights 2..7 from the right); None where KID has none ('-')."""
    total = sum(int(char) * (2 + index % 6) for index, char in enumerate(reversed(digits)))
    remainder = 11 - total % 11
    if remainder == 11:
        return "0"
    if remainder == 10:
        return None
    return str(remainder)


def reference_keys(invoice: str) -> set[str]:
    """Every form a payer may quote an invoice number in."""
    keys = {invoice.strip().upper(), re.sub(r"[^0-9A-Z]", "", invoice.upper())}
    digits = re.sub(r"\D", "", invoice)
    if digits:
        keys.add(digits)
        keys.add(digits + luhn_digit(digits))
        eleven = mod11_digit(digits)
        if eleven is not None:
            keys.add(digits + eleven)
        with_length = digits + str((len(digits) + 2) % 10)  # OCR with a length digit
        keys.add(with_length + luhn_digit(with_length))
    return keys


def normalised_reference(reference: str) -> str:
    text = re.sub(r"\s", "", reference).upper()
    if re.fullmatch(r"RF\d\d[0-9A-Z]+", text):  # ISO 11649: RF, two check digits, the reference
        return text[4:]
    return text


class ReferenceIndex:
    """Open items by every form of their invoice number, and by voucher number."""

    def __init__(self, items: list[OpenItem]):
        self.by_key: dict[str, list[OpenItem]] = {}
        for item in items:
            keys = reference_keys(item.invoice) if item.invoice else set()
            keys.add(item.voucher.upper())
            for key in keys:
                self.by_key.setdefault(key, []).append(item)

    def find(self, reference: str) -> list[OpenItem]:
        key = normalised_reference(reference)
        found = self.by_key.get(key)
        if found is None and key.lstrip("0") != key:
            found = self.by_key.get(key.lstrip("0"))
        return found or []

    def in_text(self, remittance: str) -> list[OpenItem]:
        found: list[OpenItem] = []
        for token in re.findall(r"[0-9A-Za-z][0-9A-Za-z\-/]*[0-9A-Za-z]|\d", remittance):
            for item in self.by_key.get(token.upper(), []):
                if item not in found:
                    found.append(item)
        return found


def _name_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def propose(lines: list[BankLine], items: list[OpenItem]) -> list[Proposal]:
    """A proposal for every line; an open item is paid by at most the lines that reach it first."""
    open_left = {item.transaction_id: abs(item.open_minor) for item in items}
    by_side = {"customer": [i for i in items if i.party_type == "customer" and i.open_minor > 0],
               "vendor": [i for i in items if i.party_type == "vendor" and i.open_minor < 0]}
    indexes = {side: ReferenceIndex(side_items) for side, side_items in by_side.items()}
    names = {side: {_name_key(i.party_name): i.party_id for i in side_items if i.party_name}
             for side, side_items in by_side.items()}
    proposals = []
    for line in lines:
        side = "customer" if line.amount_minor > 0 else "vendor"
        candidates = [i for i in by_side[side] if i.currency == line.currency and open_left[i.transaction_id] > 0]
        allowed = {i.transaction_id for i in candidates}
        index = indexes[side]
        how, chosen = "", []
        if line.reference:
            chosen = [i for i in index.find(line.reference) if i.transaction_id in allowed]
            how = "reference"
        if not chosen and line.remittance:
            chosen = [i for i in index.in_text(line.remittance) if i.transaction_id in allowed]
            how = "remittance"
        payer = names[side].get(_name_key(line.counterparty)) if line.counterparty else None
        amount = abs(line.amount_minor)
        if not chosen:
            equal = [i for i in candidates if open_left[i.transaction_id] == amount]
            if payer is not None:
                own = [i for i in equal if i.party_id == payer]
                chosen, how = (own[:1], "amount") if own else (
                    sorted((i for i in candidates if i.party_id == payer), key=lambda i: (i.due_date, i.transaction_id)),
                    "payer")
            elif len(equal) == 1:
                chosen, how = equal, "amount"
        if chosen:
            party_ids = {i.party_id for i in chosen}
            if len(party_ids) > 1:  # a reference naming invoices of several customers: keep the first customer's
                chosen = [i for i in chosen if i.party_id == chosen[0].party_id]
            proposals.append(_allocate(line, side, sorted(chosen, key=lambda i: (i.due_date, i.transaction_id)),
                                       how, open_left))
        elif payer is not None:  # a known payer with nothing open: an open payment (prepayment) on the party
            proposals.append(Proposal(line, "over", side, payer, "payer", remainder_minor=amount))
        else:
            proposals.append(Proposal(line, "unmatched"))
    return proposals


def _allocate(line: BankLine, side: str, chosen: list[OpenItem], how: str, open_left: dict[int, int]) -> Proposal:
    left = abs(line.amount_minor)
    proposal = Proposal(line, "matched", side, chosen[0].party_id, how)
    for item in chosen:
        if left == 0:
            break
        take = min(left, open_left[item.transaction_id])
        if take:
            proposal.allocations.append(Allocation(item, take))
            open_left[item.transaction_id] -= take
            left -= take
    total_open = sum(open_left[a.item.transaction_id] for a in proposal.allocations)
    if left > 0:
        proposal.status, proposal.remainder_minor = "over", left
    elif total_open > 0:
        proposal.status = "partial"
    return proposal
