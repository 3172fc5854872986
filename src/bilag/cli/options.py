"""Parsing option values shared by the command modules: a bad value is a clear InvalidInput, never a traceback."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import overload

from ..errors import InvalidInput


@overload
def parse_decimal(text: str, option: str) -> Decimal: ...
@overload
def parse_decimal(text: str | None, option: str) -> Decimal | None: ...
def parse_decimal(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"{option}: '{text}' is not a number", code="bad_amount") from None
    if not value.is_finite():
        raise InvalidInput(f"{option}: '{text}' is not a number", code="bad_amount")
    return value


@overload
def parse_date(text: str, option: str) -> date: ...
@overload
def parse_date(text: str | None, option: str) -> date | None: ...
def parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option} '{text}' is not a date (YYYY-MM-DD)", code="bad_date") from None
