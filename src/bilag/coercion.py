"""Input coercion: values read from YAML, JSON or a form (set-up files, scenario steps, API bodies) made into
typed values. Each refuses a bad value with one InvalidInput that names where it was (`accounts[3].type`, with
the file's line when known); none touches the store. The set-up service, the scenario runner and the API use it.

Numbers: `as_decimal` reads a plain ASCII decimal number ("1234.50", "-0.5"; not "1e3", not other scripts'
digits); a float from YAML is read by its shortest repr, so 0.1 is 0.1 and never 0.1000000000000000055.
Thousands separators are not numbers here. Dates are ISO YYYY-MM-DD only. The limits are bilag.limits.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from .errors import InvalidInput
from .limits import check_percent, check_rate, decimal_of, iso_date

_CURRENCY_CODE = re.compile(r"[A-Za-z]{1,3}")  # ISO 4217 has three letters; the store holds up to three


def located(where: str, item: object) -> str:
    """`accounts[3]`, with the line of the item when it was read from a file (scenario/loader.py)."""
    line = getattr(item, "line", None)
    if not line or where.endswith(f"(line {line})"):  # callers may have located it already
        return where
    return f"{where} (line {line})"


def checked_keys(item: object, keys: tuple[set[str], set[str]], where: str) -> dict:
    """A set-up record as a mapping with its required keys and no unknown ones; `where` is already located."""
    if not isinstance(item, dict):
        raise InvalidInput(f"{where}: expected a mapping, got {type(item).__name__}", code="bad_setup")
    required, optional = keys
    unknown = set(item) - required - optional
    if unknown:
        raise InvalidInput(f"{where}: unknown key {', '.join(sorted(map(str, unknown)))}", code="unknown_key")
    missing = required - set(item)
    if missing:
        raise InvalidInput(f"{where}: missing key {', '.join(sorted(missing))}", code="missing_key")
    return item


def as_list(value: object, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"{located(where, value)}: expected a list, got {type(value).__name__}", code="bad_setup")
    return value


def as_mapping(value: object, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: expected a mapping, got {type(value).__name__}", code="bad_setup")
    return value


def as_int(value: object, where: str) -> int:
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise InvalidInput(f"{where}: '{value}' is not a whole number", code="bad_number")
    try:
        return int(str(value).strip()) if not isinstance(value, (int, float)) else int(value)
    except ValueError:
        raise InvalidInput(f"{where}: '{value}' is not a whole number", code="bad_number") from None


def as_bool(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y"):
        return True
    if text in ("0", "false", "no", "n", ""):
        return False
    raise InvalidInput(f"{where}: '{value}' is not true or false", code="bad_setup")


def as_currency(value: object, where: str) -> str:
    code = str(value).strip()
    if not _CURRENCY_CODE.fullmatch(code):
        raise InvalidInput(f"{where}: '{value}' is not a currency code (up to three letters, as USD)",
                           code="unknown_currency")
    return code.upper()


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_id(value: object, where: str, max_length: int) -> str:
    """An id is text: `0010` stays 0010 (scenario/loader.py keeps YAML numbers with leading zeros as text)."""
    if isinstance(value, float):
        raise InvalidInput(f"{where}: the id {value!r} reads as a number; quote it ('{value}')", code="bad_setup")
    text = "" if value is None else str(value).strip()
    if not text:
        raise InvalidInput(f"{where}: the id is blank", code="bad_setup")
    if len(text) > max_length:
        raise InvalidInput(f"{where}: '{_shown(text)}' is {len(text):,} characters long; at most {max_length}",
                           code="too_long")
    return text


def as_text(value: object, where: str, max_length: int, default: str = "") -> str:
    """A free text (a name, a description) no longer than its field holds."""
    text = default if value is None else str(value)
    if len(text) > max_length:
        raise InvalidInput(f"{where}: '{_shown(text)}' is {len(text):,} characters long; at most {max_length}",
                           code="too_long")
    return text


def as_date(value: object, where: str) -> date:
    try:
        return iso_date(value)
    except ValueError:
        raise InvalidInput(f"{where}: '{_shown(value)}' is not an ISO date (YYYY-MM-DD)", code="bad_date") from None


def as_decimal(value: object, where: str) -> Decimal:
    try:
        return decimal_of(value)
    except ValueError as why:
        raise InvalidInput(f"{where}: '{_shown(value)}' {why}", code="bad_number") from None


def as_rate(value: object, where: str) -> Decimal:
    """An exchange rate within the limits (positive, below 10^12, at most 16 decimals)."""
    rate = as_decimal(value, where)
    try:
        check_rate(rate)
    except ValueError as why:
        raise InvalidInput(f"{where}: the rate '{_shown(value)}' {why}", code="bad_exchange_rate") from None
    return rate


def as_percent(value: object, where: str, *, below_100: bool = False, above_0: bool = False,
               code: str = "bad_setup") -> Decimal:
    """A percentage from 0 to 100 (below 100 with below_100, above 0 with above_0), at most 6 decimals."""
    percent = as_decimal(value, where)
    try:
        check_percent(percent, upper_inclusive=not below_100, lower_inclusive=not above_0)
    except ValueError as why:
        raise InvalidInput(f"{where}: the percent '{_shown(value)}' {why}", code=code) from None
    return percent
