"""Cash discount rules (domain.md B5.2): which discount applies, and how much of it a settlement takes."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..money import ZERO, round_half_up
from ..parties.model import CashDiscountCode

NORMAL, ALWAYS, NEVER = "normal", "always", "never"
USE_CASH_DISCOUNT = (NORMAL, ALWAYS, NEVER)
_HUNDRED = Decimal(100)


def applicable_percent(codes: dict[str, CashDiscountCode], code: str | None, document_date: date, day: date,
                       use: str = NORMAL) -> Decimal:
    """The percent of the first code in the chain whose discount date is not passed (exactly one is granted).

    Always takes the first code's percent whatever the date; Never takes none.
    """
    if not code or use == NEVER:
        return ZERO
    seen = set()
    current = codes.get(code)
    first = current
    while current is not None and current.code not in seen:
        seen.add(current.code)
        if day <= current.discount_date(document_date):
            return current.percent
        current = codes.get(current.next_code) if current.next_code else None
    if use == ALWAYS and first is not None:
        return first.percent
    return ZERO


def full_discount(amount: Decimal, percent: Decimal, decimals: int = 2) -> Decimal:
    """The whole discount of an invoice amount (magnitudes), rounded per line."""
    return round_half_up(abs(amount) * percent / _HUNDRED, decimals)


def partial_discount(amount_to_settle: Decimal, percent: Decimal, decimals: int = 2) -> Decimal:
    """Rule D1: an amount A paid at rate p earns A·p/(1−p), so that A + discount settles A/(1−p)."""
    if percent <= 0:
        return ZERO
    p = percent / _HUNDRED
    return round_half_up(abs(amount_to_settle) * p / (1 - p), decimals)


def discount_for_payment(open_amount: Decimal, amount_to_settle: Decimal | None, available: Decimal | None,
                         percent: Decimal, already_taken: Decimal, full_discount_amount: Decimal, *,
                         partial_payments: bool, use: str, decimals: int = 2) -> tuple[Decimal, Decimal]:
    """Return (amount settled by payment, discount) for one invoice, magnitudes.

    open_amount: what is open on the invoice; amount_to_settle: what the user entered (None = default);
    available: what the payment still has for this invoice, in the invoice's currency (None = unlimited).
    """
    open_amount = abs(open_amount)
    remaining_discount = max(full_discount_amount - already_taken, ZERO) if percent > 0 else ZERO
    remaining_discount = min(remaining_discount, open_amount)
    full_pay = open_amount - remaining_discount
    wanted = full_pay if amount_to_settle is None else min(abs(amount_to_settle), open_amount)
    if available is not None:
        wanted = min(wanted, available)
    if wanted >= full_pay:
        return full_pay, remaining_discount
    if percent <= 0 or use == NEVER:
        return wanted, ZERO
    if not partial_payments and use != ALWAYS:
        return wanted, ZERO
    discount = min(partial_discount(wanted, percent, decimals), remaining_discount, open_amount - wanted)
    return wanted, discount
