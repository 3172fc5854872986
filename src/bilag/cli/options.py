"""Parsing option values shared by the command modules: a bad value is a clear InvalidInput, never a traceback."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Optional

from ..errors import InvalidInput


def parse_decimal(text: Optional[str], option: str) -> Optional[Decimal]:
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"{option}: '{text}' is not a number", code="bad_amount") from None
    if not value.is_finite():
        raise InvalidInput(f"{option}: '{text}' is not a number", code="bad_amount")
    return value


def parse_date(text: Optional[str], option: str) -> Optional[date]:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option} '{text}' is not a date (YYYY-MM-DD)", code="bad_date") from None
