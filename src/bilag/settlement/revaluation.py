"""Foreign currency revaluation of open customer/vendor transactions (domain.md B6.1, pure).

Each open transaction in a foreign currency is valued at the rate of the rate date; the change against
its current value (original value plus earlier unrealized adjustments) is an unrealized gain or loss.
Settlement later reverses the settled part of it (rule FX1) and books the realized difference instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..company import Company
from ..errors import InvalidInput
from ..journal.model import EntryDraft
from ..money import round_half_up
from ..parties.model import PartyType
from .rules import OpenTransaction, spread_over_dimensions, summary_entry

METHODS = ("standard", "minimum", "invoice_date")
DIMENSION_MODES = ("none", "table", "posting")


@dataclass
class Revaluation:
    transaction: OpenTransaction
    delta_minor: int  # change of the summary account's accounting value
    rate: Decimal


def plan_revaluation(company: Company, transactions: list[OpenTransaction], considered: date, rate_date: date,
                     method: str = "standard") -> list[Revaluation]:
    if method not in METHODS:
        raise InvalidInput(f"method is one of {', '.join(METHODS)}", code="bad_option")
    accounting = company.accounting_currency
    scale = Decimal(10) ** company.decimals(accounting)
    result = []
    for t in transactions:
        if t.currency == accounting or t.open_minor == 0 or t.posting_date > considered:
            continue
        if t.last_revaluation_date and t.last_revaluation_date > considered:
            continue  # revalued on a more recent date: left alone (FXAPAR)
        current = t.open_accounting_minor + t.unrealized_minor
        if method == "invoice_date":
            delta = -t.unrealized_minor
            rate = t.exchange_rate
        else:
            rate = company.rates.rate(t.currency, rate_date)
            open_major = Decimal(t.open_minor).scaleb(-company.decimals(t.currency))
            target = int(round_half_up(open_major * rate * scale, 0))
            delta = target - current
            # Minimum posts losses only: the counter entry (−delta) is then a debit, an expense (A8).
            if method == "minimum" and delta >= 0:
                continue
        if delta:
            result.append(Revaluation(t, delta, rate))
    return result


def revaluation_entries(company: Company, revaluation: Revaluation, dimensions: str = "posting") -> list[EntryDraft]:
    """Summary account takes the delta; the unrealized gain/loss account the opposite, by `dimensions`."""
    if dimensions not in DIMENSION_MODES:
        raise InvalidInput(f"dimensions is one of {', '.join(DIMENSION_MODES)}", code="bad_option")
    t = revaluation.transaction
    entries = [summary_entry(t, 0, revaluation.delta_minor, "Foreign currency revaluation")]
    entries.extend(unrealized_entries(company, t, -revaluation.delta_minor, dimensions, "Unrealized exchange "))
    return entries


def unrealized_entries(company: Company, t: OpenTransaction, amount: int, dimensions: str, text: str,
                       loss: bool | None = None) -> list[EntryDraft]:
    """Post `amount` (accounting minor units) to the unrealized loss (debit) or gain (credit) account."""
    if loss is None:
        loss = amount > 0
    purpose = "unrealized_loss" if loss else "unrealized_gain"
    account = company.system_account(purpose)
    if dimensions == "posting" and t.distribution:
        sources = t.distribution
    elif dimensions == "table":
        party = company.party(PartyType(t.party_type), t.party_id)
        main = company.chart.parse(account).main
        sources = [(company.chart.with_dimensions(main, dict(party.dimensions) if party else {}).display, 1)]
    else:
        sources = [(account, 1)]
    entries: list[EntryDraft] = []
    spread_over_dimensions(company, account, sources, purpose, t.currency, 0, amount,
                           text + ("loss" if loss else "gain"), entries)
    return entries
