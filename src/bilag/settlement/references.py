"""Finding a customer/vendor transaction by reference (pure): the one lookup every service uses.

A reference is `#N`, the open transaction numbered N (the `transaction` column of the open transactions
report), or an invoice number, or a voucher number. An invoice number wins over a voucher number: the
transactions whose invoice is the reference, and only when there are none, those of the voucher so numbered.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ..errors import InvalidInput


class Named(Protocol):
    """What the lookup reads of a transaction (an OpenTransaction, or a row with these columns)."""

    @property
    def transaction_id(self) -> int: ...
    @property
    def invoice(self) -> str | None: ...
    @property
    def voucher_number(self) -> str: ...


T = TypeVar("T", bound=Named)


def transaction_number(reference: str) -> int | None:
    """N of `#N`; None for anything else (an invoice or voucher number). `#` and no digits is refused."""
    if not reference.startswith("#"):
        return None
    if not reference[1:].isdigit():
        raise InvalidInput(f"'{reference}' is not a transaction number (#N)", code="bad_reference")
    return int(reference[1:])


@dataclass(frozen=True)
class Reference:
    """What names a transaction: its number, or an invoice and/or voucher number."""

    transaction_id: int | None = None
    invoice: str | None = None
    voucher: str | None = None

    @classmethod
    def of(cls, text: str) -> Reference:
        """`#N`, else the text as an invoice or a voucher number."""
        number = transaction_number(text)
        return cls(transaction_id=number) if number is not None else cls(invoice=text, voucher=text)

    def __str__(self) -> str:
        return self.invoice or self.voucher or f"#{self.transaction_id}"


def named_by(transactions: Iterable[T], reference: Reference) -> list[T]:
    """The transactions `reference` names, in the order given (none, one, or several: the parts of a split
    invoice, a voucher with several invoices)."""
    candidates = list(transactions)
    if reference.transaction_id is not None:
        return [t for t in candidates if t.transaction_id == reference.transaction_id]
    by_invoice = [t for t in candidates if reference.invoice and t.invoice == reference.invoice]
    if by_invoice:
        return by_invoice
    return [t for t in candidates if reference.voucher and t.voucher_number == reference.voucher]
