"""Exchange rates: accounting-currency units per `per` units of a currency, valid from a date."""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..errors import InvalidInput

DEFAULT_RATE_TYPE = "default"
ZERO_DECIMAL_CURRENCIES = {"JPY", "ISK", "KRW", "CLP", "VND"}


@dataclass(frozen=True)
class ExchangeRate:
    currency: str
    valid_from: date
    rate: Decimal  # quoted per `per` units
    per: int = 1
    rate_type: str = DEFAULT_RATE_TYPE

    @property
    def per_unit(self) -> Decimal:
        return self.rate / self.per if self.per != 1 else self.rate


class RateTable:
    def __init__(self, accounting_currency: str, rates: list[ExchangeRate]):
        self.accounting_currency = accounting_currency
        self._dates: dict[tuple[str, str], list[date]] = {}
        self._rates: dict[tuple[str, str], list[ExchangeRate]] = {}
        for rate in sorted(rates, key=lambda r: r.valid_from):
            key = (rate.rate_type, rate.currency)
            self._dates.setdefault(key, []).append(rate.valid_from)
            self._rates.setdefault(key, []).append(rate)
        self._cache: dict[tuple[str, date, str], Decimal] = {}

    def rate(self, currency: str, day: date, rate_type: str = DEFAULT_RATE_TYPE) -> Decimal:
        """Accounting-currency units per one unit of `currency` on `day`."""
        if currency == self.accounting_currency:
            return Decimal(1)
        cache_key = (currency, day, rate_type)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        key = (rate_type, currency)
        dates = self._dates.get(key)
        if not dates and rate_type != DEFAULT_RATE_TYPE:
            return self.rate(currency, day)
        index = bisect.bisect_right(dates or [], day) - 1
        if not dates or index < 0:
            raise InvalidInput(
                f"no exchange rate for {currency} on {day.isoformat()}", code="no_exchange_rate"
            )
        value = self._rates[key][index].per_unit
        self._cache[cache_key] = value
        return value

    def knows(self, currency: str) -> bool:
        return currency == self.accounting_currency or any(c == currency for _, c in self._rates)
