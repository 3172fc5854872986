"""Ledger settlement (domain.md B4.1, LSET; pure): match the debit and credit entries of a ledger account.

Automatic matching pairs one debit with one credit whose absolute accounting-currency amounts are equal (no
partial or one-to-many matching), of the same main account — and of the same ledger account (dimensions)
when asked — optionally within a window of days and of one posting type; earlier entries first. By hand,
any set of entries of one main account whose accounting amounts add up to zero settles together.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..errors import InvalidInput


@dataclass(frozen=True)
class LedgerEntry:
    entry_id: int
    ledger_account: str
    main_account: str
    posting_date: date
    posting_type: str
    accounting_minor: int


def match_automatically(entries: list[LedgerEntry], *, same_dimensions: bool = False, window_days: int | None = None,
                        posting_type: str | None = None) -> list[tuple[int, int]]:
    """(debit entry, credit entry) pairs, each entry in at most one pair."""
    waiting: dict[tuple, list[LedgerEntry]] = {}
    pairs = []
    for entry in sorted(entries, key=lambda e: (e.posting_date, e.entry_id)):
        if entry.accounting_minor == 0 or (posting_type and entry.posting_type != posting_type):
            continue
        account = entry.ledger_account if same_dimensions else entry.main_account
        own = (account, abs(entry.accounting_minor), entry.accounting_minor > 0)
        other = (account, abs(entry.accounting_minor), entry.accounting_minor < 0)
        candidates = waiting.get(other, [])
        while candidates and window_days is not None and \
                (entry.posting_date - candidates[0].posting_date).days > window_days:
            candidates.pop(0)  # too old for this and every later entry
        if candidates:
            match = candidates.pop(0)
            debit, credit = (entry, match) if entry.accounting_minor > 0 else (match, entry)
            pairs.append((debit.entry_id, credit.entry_id))
        else:
            waiting.setdefault(own, []).append(entry)
    return pairs


def check_manual(entries: list[LedgerEntry]) -> None:
    if len(entries) < 2:
        raise InvalidInput("settle at least two ledger entries against each other", code="bad_ledger_settlement")
    mains = {e.main_account for e in entries}
    if len(mains) > 1:
        raise InvalidInput(f"ledger entries of different main accounts ({', '.join(sorted(mains))}) cannot settle "
                           f"against each other", code="bad_ledger_settlement")
    total = sum(e.accounting_minor for e in entries)
    if total:
        raise InvalidInput(f"the entries do not net to zero in the accounting currency (difference {total} minor "
                           f"units); ledger settlement takes no partial amounts", code="bad_ledger_settlement")
