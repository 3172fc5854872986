"""The write-off journal of domain.md B7.2 (pure): which lines, grouped how, with which amounts.

One voucher per customer and currency. In it:
- a customer line per (currency, financial dimensions, posting profile) for the open amount of the group's
  transactions, on the other side (a debit balance gives a credit line, a credit balance a debit line); it
  carries the reason code and marks the transactions (#N), so that posting it settles them;
- a write-off line per (currency, dimensions, posting profile) to the write-off account (the reason code's
  own account, else the posting profile's), with the dimensions of the written-off transactions; it includes
  the sales tax unless the tax is written off separately;
- with separate sales tax, a tax line per (tax account, dimensions, sales tax code): the tax of the open
  amounts (each transaction's tax times its open share, rounded half up per transaction and code).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..errors import InvalidInput
from ..journal.model import JournalLine
from ..limits import fit_text
from ..money import divide_half_up, format_minor


@dataclass(frozen=True)
class OriginalTax:
    """The tax of the written-off transaction's document for one code (as posted: output tax negative)."""

    tax_code: str
    ledger_account: str
    direction: str
    base_minor: int
    tax_minor: int


def remaining_taxes(amount_minor: int, taxes: list[OriginalTax],
                    taxed_settlements: list[tuple[int, int, list[OriginalTax]]]) -> tuple[int, list[OriginalTax]]:
    """The amount and tax of a transaction left after the taxed documents settled against it (credit notes).

    taxed_settlements: (amount settled off the transaction, the offset document's amount, its taxes). A credit
    note restates its own tax (a credit of the VAT12 line takes VAT12 away, not a share of every code);
    payments carry no tax, and what is left is then shared by the open amount (write_off_lines).
    """
    left: dict[tuple[str, str, str], list[int]] = {}
    for tax in taxes:
        found = left.setdefault((tax.tax_code, tax.ledger_account, tax.direction), [0, 0])
        found[0] += tax.base_minor
        found[1] += tax.tax_minor
    for settled, offset_amount, offset_taxes in taxed_settlements:
        amount_minor -= settled
        for tax in offset_taxes:
            found = left.setdefault((tax.tax_code, tax.ledger_account, tax.direction), [0, 0])
            found[0] += _share(tax.base_minor, -settled, offset_amount)
            found[1] += _share(tax.tax_minor, -settled, offset_amount)
    return amount_minor, [OriginalTax(code, account, direction, base, tax)
                          for (code, account, direction), (base, tax) in left.items()]


@dataclass
class WriteOffItem:
    transaction_id: int
    party_id: str
    currency: str
    amount_minor: int  # as posted, signed (a customer invoice positive)
    open_minor: int  # what is written off
    ledger_account: str  # the customer summary account with its dimensions
    posting_profile: str
    dimensions: tuple[tuple[str, str], ...]  # of the transaction (its summary account's)
    write_off_account: str  # the account with the transaction's dimensions filled in
    invoice: str | None = None
    taxes: list[OriginalTax] = field(default_factory=list)


@dataclass(frozen=True)
class TaxLine:
    """A tax line of the journal: what posting it restates (kept as tax transactions when it posts)."""

    line_no: int
    tax_code: str
    direction: str
    base_minor: int  # the written-off base, signed like the tax line


@dataclass
class WriteOffJournal:
    lines: list[JournalLine]
    tax_lines: list[TaxLine]
    description: str


def _share(amount: int, open_minor: int, total: int) -> int:
    """amount × open / total, rounded half up (signs kept)."""
    if open_minor == total:
        return amount
    sign = -1 if (amount < 0) != ((open_minor < 0) != (total < 0)) else 1
    return sign * divide_half_up(abs(amount) * abs(open_minor), abs(total))


def write_off_lines(items: list[WriteOffItem], *, day: date, reason: str, separate_sales_tax: bool,
                    decimals: dict[str, int], party_names: dict[str, str] | None = None,
                    comment: str = "", party_type: str = "customer",
                    heading: str = "Write off transactions for") -> WriteOffJournal:
    """The journal lines (B7.2). Settle remainder (B3.4) uses the same lines for a vendor or a customer, with
    its own heading."""
    if not items:
        raise InvalidInput("nothing to write off: no open transactions", code="nothing_to_write_off")
    names = party_names or {}
    lines: list[JournalLine] = []
    tax_lines: list[TaxLine] = []
    by_voucher: dict[tuple[str, str], list[WriteOffItem]] = {}
    for item in items:
        if item.open_minor == 0:
            continue
        if separate_sales_tax and not item.taxes and (item.amount_minor > 0) == (party_type == "customer"):
            raise InvalidInput(
                f"transaction #{item.transaction_id} ({item.invoice or 'no invoice'}) of {party_type} {item.party_id} "
                f"has no sales tax data: it was posted without a sales tax code, so its tax cannot be written off "
                f"separately; write it off without separate sales tax", code="no_tax_data")
        by_voucher.setdefault((item.party_id, item.currency), []).append(item)
    if not by_voucher:
        raise InvalidInput("nothing to write off: the transactions have no open amount", code="nothing_to_write_off")
    for (party_id, currency), group in sorted(by_voucher.items()):
        places = decimals.get(currency, 2)
        description = f"{heading} {party_id} {names.get(party_id, '')}".strip()
        if comment:
            description = f"{description}: {comment}"
        customer: dict[tuple, list[WriteOffItem]] = {}
        for item in group:
            customer.setdefault((item.dimensions, item.posting_profile), []).append(item)
        write_off: dict[tuple, int] = {}
        taxes: dict[tuple, list[int]] = {}
        for (_dimensions, profile), members in customer.items():
            total = sum(m.open_minor for m in members)
            for member in members:
                tax_total = 0
                if separate_sales_tax:
                    for tax in member.taxes:
                        share = _share(tax.tax_minor, member.open_minor, member.amount_minor)
                        base = _share(tax.base_minor, member.open_minor, member.amount_minor)
                        found = taxes.setdefault((tax.ledger_account, tax.tax_code, tax.direction), [0, 0])
                        found[0] -= share  # the tax line reverses the tax as posted
                        found[1] -= base
                        tax_total -= share
                key = (member.write_off_account, profile)
                write_off[key] = write_off.get(key, 0) + member.open_minor - tax_total
            marks = ",".join(f"#{m.transaction_id}" for m in sorted(members, key=lambda m: m.transaction_id))
            lines.append(_line(len(lines) + 1, day, party_type, party_id, -total, currency, places, description,
                               reason=reason, settle_invoice=marks, posting_profile=profile))
        for (account, _profile), amount in write_off.items():
            if amount:
                lines.append(_line(len(lines) + 1, day, "ledger", account, amount, currency, places, description,
                                   reason=reason))
        for (account, code, direction), (amount, base) in sorted(taxes.items()):
            if amount:
                line_no = len(lines) + 1
                lines.append(_line(line_no, day, "ledger", account, amount, currency, places,
                                   fit_text(f"Sales tax {code}: {description}")))
                tax_lines.append(TaxLine(line_no, code, direction, base))
    return WriteOffJournal(lines, tax_lines, f"Write-off {day.isoformat()} ({reason})")


def _line(line_no: int, day: date, account_type: str, account: str, amount_minor: int, currency: str, places: int,
          description: str, **fields) -> JournalLine:
    amount = Decimal(format_minor(abs(amount_minor), places))
    debit, credit = (amount, None) if amount_minor > 0 else (None, amount)
    return JournalLine(line_no, day, account_type, account, debit, credit, None, fit_text(description), currency,
                       **fields)
