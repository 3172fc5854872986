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
from .entries import summary_entry, unrealized_entries
from .model import OpenTransaction

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
    previous = t.unrealized_minor
    new = previous + revaluation.delta_minor
    entries = []
    # B6.1: re-revaluing reverses the previous unrealized amount (on the account it went to) and posts the new
    # one, two records in the same voucher — a later gain first takes back the earlier loss on the loss account.
    if previous:
        entries.append(summary_entry(t, 0, -previous, "Reversal of foreign currency revaluation"))
        entries.extend(unrealized_entries(company, t, previous, dimensions, "Reversal of unrealized exchange ",
                                          loss=-previous > 0))
    if new:
        entries.append(summary_entry(t, 0, new, "Foreign currency revaluation"))
        entries.extend(unrealized_entries(company, t, -new, dimensions, "Unrealized exchange "))
    return entries


@dataclass(frozen=True)
class SettledSince:
    """What settlements after the considered date took of a transaction (not reversed): its open amount, its
    accounting value and the unrealized amount they reversed (rule FX1), and the last of their dates."""

    settled_minor: int
    settled_accounting_minor: int
    unrealized_reversed_minor: int
    last_date: date


def as_of_considered_date(t: OpenTransaction, since: SettledSince | None) -> OpenTransaction:
    """The transaction as it stood on the considered date: what was settled after it counts as open (B6.1)."""
    if since is None:
        return t
    from dataclasses import replace

    return replace(t, open_minor=t.open_minor + since.settled_minor,
                   open_accounting_minor=t.open_accounting_minor + since.settled_accounting_minor,
                   unrealized_minor=t.unrealized_minor + since.unrealized_reversed_minor)


def settled_share_entries(company: Company, revaluation: Revaluation, since: SettledSince,
                          dimensions: str = "posting") -> tuple[list[EntryDraft], int]:
    """For the part settled after the considered date (dated the last such settlement): that settlement
    reversed its share of the unrealized amount of the time; the revaluation replaced that amount, so the
    share of the new one is reversed instead and the old share put back. Returns the entries and the change
    of the transaction's remaining unrealized amount they make (summary terms)."""
    t = revaluation.transaction  # as of the considered date
    previous = t.unrealized_minor
    new = previous + revaluation.delta_minor
    old_share = since.unrealized_reversed_minor
    new_share = int(round_half_up(Decimal(new) * Decimal(since.settled_minor) / Decimal(t.open_minor), 0)) \
        if t.open_minor else 0
    entries: list[EntryDraft] = []
    if old_share:
        entries.append(summary_entry(t, 0, old_share, "Settled since the revaluation: earlier unrealized amount"))
        entries.extend(unrealized_entries(company, t, -old_share, dimensions, "Settled since: unrealized exchange ",
                                          loss=-previous > 0))
    if new_share:
        entries.append(summary_entry(t, 0, -new_share, "Settled since the revaluation: its unrealized amount"))
        entries.extend(unrealized_entries(company, t, new_share, dimensions, "Settled since: unrealized exchange ",
                                          loss=-new > 0))
    return entries, old_share - new_share
