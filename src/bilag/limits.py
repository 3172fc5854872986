"""The limits of every number and text bilag accepts, and the strict readers of numbers and dates (pure).

One set of limits for SQLite and PostgreSQL (docs/limits.md): a value beyond them is bad input, refused before
anything is written, never an overflow in the database.

Amounts are stored as signed 64-bit integers in minor units (largest 9,223,372,036,854,775,807):
- one amount (a journal line, a payment, a converted or taxed amount) is at most MAX_AMOUNT_MINOR,
  999,999,999,999,999 minor units: 9,999,999,999,999.99 in a currency with two decimals;
- one balance row (company, ledger account, currency, period) stays within MAX_BALANCE_MINOR, ten times that;
  a posting that would take one beyond it is refused. The balance update adds at most one such delta to one
  such balance, 2 x 10^16, far below 2^63; any 922 balance rows at the limit still add up inside 64 bits
  (9.2 x 10^18), e.g. every period of 70 years of one account; PostgreSQL adds them as numeric anyway.

Numbers are ASCII decimals with a decimal point or comma, digits maybe grouped in thousands (parse_decimal, the
one reader of numbers). No exponent (`1e3`), no digits of other scripts (Arabic-Indic, full-width), no infinity
or NaN, no `1,000` (a thousand or one?). Dates are ISO `YYYY-MM-DD`.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal

MAX_AMOUNT_MINOR = 10**15 - 1
MAX_BALANCE_MINOR = 10**16 - 1
# Exchange rates: positive, below a trillion (per 1 or per 100 units), with at most 16 decimals.
MAX_RATE = Decimal(10) ** 12
RATE_DECIMALS = 16
# Percentages (cash discount, sales tax, lease interest rates, allocation shares): 0 to 100, at most 6 decimals.
MAX_PERCENT = Decimal(100)
PERCENT_DECIMALS = 6

# Text lengths per field, as the store declares them (tests/test_limits.py checks they agree with schema.py).
TEXT_LIMITS = {
    "company": 20, "account": 120, "main_account": 40, "name": 200, "description": 200, "voucher": 40,
    "invoice": 60, "document_number": 60, "currency": 3, "journal_name": 20, "posting_profile": 20,
    "payment_terms": 20, "cash_discount": 20, "tax_code": 20, "reason": 200, "settle_invoice": 60,
    "party": 40, "dimension": 60, "dimension_value": 60, "user": 60, "code": 20,
}

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# Numbers (parse_decimal, the one reader of numbers people write): one decimal separator (point or comma), or
# groups of three digits with a separator that is not the decimal one. `1,000` and `-1,000` could be either a
# thousand or one: they are refused. Only ASCII digits (re.ASCII: \d would take Arabic-Indic and full-width
# digits), never an exponent.
_GROUP = "[ '\u00a0\u202f]"
_PLAIN = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)", re.ASCII)                   # 1234.50  1234,50
_GROUPED_COMMA = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", re.ASCII)          # 1,234,567.89
_GROUPED_DOT = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?", re.ASCII)           # 1.234.567,89
_GROUPED_SPACE = re.compile(rf"[+-]?\d{{1,3}}(?:{_GROUP}\d{{3}})+(?:[.,]\d*)?", re.ASCII)  # 1 234 567,89
_AMBIGUOUS = re.compile(r"[+-]?\d{1,3},\d{3}", re.ASCII)
_EXPONENT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+", re.ASCII)


def parse_decimal(text: str) -> Decimal:
    """A number as people write it, exactly; raises ValueError saying why the text is not one.

    The one reader of numbers in bilag (journal files, set-up files, the command line, the web pages, the API's
    text values; docs/reliability.md, "Numbers"): `1234.50`, `1234,50` (decimal comma), `1,234.50`,
    `1.234,50`, `1 234,50` (a space, no-break space or apostrophe between thousands), an optional sign.
    `1,000` is refused as ambiguous (a thousands separator or a decimal comma?); so are exponents (`1e3`),
    digits other than 0-9, infinity and NaN.
    """
    cleaned = text.strip()
    if _AMBIGUOUS.fullmatch(cleaned):
        raise ValueError("is ambiguous (a thousands separator or a decimal comma?); write it without the comma, "
                         "or with a decimal point")
    if _PLAIN.fullmatch(cleaned):
        cleaned = cleaned.replace(",", ".")
    elif _GROUPED_COMMA.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    elif _GROUPED_DOT.fullmatch(cleaned):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif _GROUPED_SPACE.fullmatch(cleaned):
        cleaned = re.sub(_GROUP, "", cleaned).replace(",", ".")
    elif _EXPONENT.fullmatch(cleaned):
        raise ValueError("has an exponent; write the number out (1000, not 1e3)")
    elif any(ch.isdigit() and not "0" <= ch <= "9" for ch in cleaned):
        raise ValueError("has digits other than 0-9; write it with ASCII digits")
    else:
        raise ValueError("is not a number")
    return Decimal(cleaned)


def decimal_of(value: object) -> Decimal:
    """parse_decimal of a typed value: a Decimal or int as it is, a float (YAML, XLSX) by its shortest text."""
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("is not a number")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("is not a number")
        return Decimal(repr(value))  # shortest text of the typed number; 1e+16 is 10000000000000000
    return parse_decimal(str(value))


def iso_date(value: object) -> date:
    """An ISO date YYYY-MM-DD (a date or datetime as it is); raises ValueError otherwise (2025-W02, 20250106)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not _ISO_DATE.fullmatch(text):
        raise ValueError("is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a date (YYYY-MM-DD)") from None


def amount_limit_text(decimals: int = 2) -> str:
    """The largest amount in a currency with `decimals` decimals, as people read it: 9,999,999,999,999.99."""
    whole, fraction = divmod(MAX_AMOUNT_MINOR, 10**decimals)
    return f"{whole:,}" + (f".{fraction:0{decimals}d}" if decimals else "")


def check_amount_minor(minor: int, decimals: int = 2) -> None:
    if not -MAX_AMOUNT_MINOR <= minor <= MAX_AMOUNT_MINOR:
        raise ValueError(f"is beyond the largest amount, {amount_limit_text(decimals)}")


def check_rate(rate: Decimal) -> None:
    """An exchange rate: positive, below MAX_RATE, at most RATE_DECIMALS decimals."""
    if not rate.is_finite() or rate <= 0:
        raise ValueError("must be a positive number")
    if rate >= MAX_RATE:
        raise ValueError(f"is too large (an exchange rate is below {MAX_RATE:,})")
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > RATE_DECIMALS:
        raise ValueError(f"has more than {RATE_DECIMALS} decimals")


def check_percent(percent: Decimal, *, upper_inclusive: bool = True, lower_inclusive: bool = True) -> None:
    """A percentage from 0 to 100, at most PERCENT_DECIMALS decimals. Without lower_inclusive it is above 0 (a
    lease's interest rate, an allocation's destination share); without upper_inclusive below 100 (a cash
    discount, a lease's interest rate)."""
    if not percent.is_finite() or percent < 0 or percent > MAX_PERCENT or (
            not upper_inclusive and percent == MAX_PERCENT) or (not lower_inclusive and percent == 0):
        low = "from 0" if lower_inclusive else "above 0"
        raise ValueError(f"must be {low} {'to' if upper_inclusive else 'and below'} 100")
    exponent = percent.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PERCENT_DECIMALS:
        raise ValueError(f"has more than {PERCENT_DECIMALS} decimals")


def check_text(text: str, field: str, limit: int | None = None) -> None:
    """A text no longer than its field holds; raises ValueError naming the length and the limit."""
    limit = limit if limit is not None else TEXT_LIMITS[field]
    if len(text) > limit:
        raise ValueError(f"is {len(text):,} characters long; {field} holds at most {limit}")


SHORTENED = "..."  # ends a generated text shortened to fit its field


def fit_text(text: str, field: str = "description") -> str:
    """A text bilag generates (`Reversal: ` + a description, an allocation's text, a lease event's voucher text)
    or takes from an interchange file (SIE, SAF-T, camt.053), made to fit its field: unchanged when it fits,
    otherwise its first limit - 3 characters and "..." — deterministic, so the same text always shortens the
    same way. Never for what a user types: that is refused when it is too long (check_text)."""
    limit = TEXT_LIMITS[field]
    return text if len(text) <= limit else text[:limit - len(SHORTENED)] + SHORTENED


def invoice_key(invoice: str) -> str:
    """An invoice number as the duplicate check compares it: trimmed, case-insensitive (INV-1 is inv-1)."""
    return invoice.strip().casefold()
