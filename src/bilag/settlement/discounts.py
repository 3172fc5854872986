"""Cash discount rules (domain.md B5.2): which discount applies, and how much of it a settlement takes."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ..money import ZERO, divide_half_up, from_minor, percent_share, to_minor
from ..parties.model import CashDiscountCode

NORMAL, ALWAYS, NEVER = "normal", "always", "never"
USE_CASH_DISCOUNT = (NORMAL, ALWAYS, NEVER)


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


def discount_period(codes: dict[str, CashDiscountCode], code: str | None, document_date: date,
                    day: date) -> tuple[date | None, date] | None:
    """The dates of the discount period that `day` falls in: (the day after the previous code's discount date, or
    None for the first code; this code's discount date). None after the last period."""
    seen: set[str] = set()
    current = codes.get(code) if code else None
    start: date | None = None
    while current is not None and current.code not in seen:
        seen.add(current.code)
        end = current.discount_date(document_date)
        if day <= end:
            return start, end
        start = end + timedelta(days=1)
        current = codes.get(current.next_code) if current.next_code else None
    return None


def full_discount(amount: Decimal, percent: Decimal, decimals: int = 2) -> Decimal:
    """The whole discount of an invoice amount (magnitudes), rounded per line."""
    return from_minor(full_discount_minor(to_minor(abs(amount), decimals), percent), decimals)


def partial_discount(amount_to_settle: Decimal, percent: Decimal, decimals: int = 2) -> Decimal:
    """Rule D1: an amount A paid at rate p earns A·p/(1−p), so that A + discount settles A/(1−p)."""
    return from_minor(partial_discount_minor(to_minor(abs(amount_to_settle), decimals), percent), decimals)


def discount_for_payment(open_amount: Decimal, amount_to_settle: Decimal | None, available: Decimal | None,
                         percent: Decimal, already_taken: Decimal, full_discount_amount: Decimal, *,
                         partial_payments: bool, use: str, decimals: int = 2) -> tuple[Decimal, Decimal]:
    """Return (amount settled by payment, discount) for one invoice, magnitudes (see discount_for_payment_minor)."""
    def minor(value: Decimal) -> int:
        return to_minor(abs(value), decimals)

    def optional(value: Decimal | None) -> int | None:
        return None if value is None else minor(value)

    pay, discount = discount_for_payment_minor(
        minor(open_amount), optional(amount_to_settle), optional(available), percent, minor(already_taken),
        minor(full_discount_amount), partial_payments=partial_payments, use=use)
    return from_minor(pay, decimals), from_minor(discount, decimals)


# The same rules in minor units: settlement runs compute them for every invoice.

def full_discount_minor(amount_minor: int, percent: Decimal) -> int:
    return percent_share(amount_minor, percent) if percent > 0 else 0


def partial_discount_minor(amount_minor: int, percent: Decimal) -> int:
    if percent <= 0:
        return 0
    numerator, denominator = percent.as_integer_ratio()
    rest = 100 * denominator - numerator  # (1 − p), scaled like p
    if rest <= 0:
        raise ValueError(f"a cash discount of {percent} % leaves nothing to pay")
    return divide_half_up(abs(amount_minor) * numerator, rest)


def discount_to_take_minor(full_discount_amount: int, already_taken: int, open_minor: int) -> int:
    """Cash discount amount to take = discount amount − discount already taken (B5.2, API-CD1), never more than
    what is open; magnitudes in minor units."""
    return min(max(abs(full_discount_amount) - abs(already_taken), 0), abs(open_minor))


def discount_for_payment_minor(open_minor: int, amount_to_settle: int | None, available: int | None,
                               percent: Decimal, already_taken: int, full_discount_amount: int, *,
                               partial_payments: bool, use: str) -> tuple[int, int]:
    """Return (amount settled by payment, discount) for one invoice, magnitudes in minor units.

    open_minor: what is open on the invoice; amount_to_settle: what the user entered (None = default);
    available: what the payment still has for this invoice, in the invoice's currency (None = unlimited).
    """
    open_minor = abs(open_minor)
    remaining_discount = discount_to_take_minor(full_discount_amount, already_taken, open_minor) if percent > 0 else 0
    full_pay = open_minor - remaining_discount
    wanted = full_pay if amount_to_settle is None else min(abs(amount_to_settle), open_minor)
    if available is not None:
        wanted = min(wanted, available)
    if wanted >= full_pay:
        return full_pay, remaining_discount
    if percent <= 0 or use == NEVER:
        return wanted, 0
    if not partial_payments and use != ALWAYS:
        return wanted, 0
    discount = min(partial_discount_minor(wanted, percent), remaining_discount, open_minor - wanted)
    return wanted, discount
