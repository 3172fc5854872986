"""Settling what a posted write-off journal wrote off, set-based.

A write-off's customer line is exactly the open amount of the transactions it marks (`#N,#M`), in their
currency. When that still holds at posting — the marked transactions are open for exactly that amount and that
accounting value, carry no unrealized revaluation, and are not dated after the write-off — the settlement
posts nothing: every one of them closes against the line's new transaction, one settlement batch per line,
written in bulk (10,000 customers' balances in one statement per table). Anything else (a changed journal,
an exchange difference to book, a hold) goes through the ordinary settlement, one line at a time.
"""
from __future__ import annotations

from sqlalchemy.engine import Connection

from ..company import Company
from ..parties.model import PartyType
from ..settlement.rules import OpenTransaction, SettledPart, SettlementPlan
from ..store.bulk import next_ids
from ..store.transactions import load_transactions, update_open_amounts, write_settlement_rows


def _marks(settle_invoice: str | None) -> list[int] | None:
    if not settle_invoice:
        return None
    parts = [part.strip() for part in settle_invoice.split(",")]
    if not all(part.startswith("#") and part[1:].isdigit() for part in parts):
        return None
    return [int(part[1:]) for part in parts]


def settle_written_off(connection: Connection, company: Company, settle_lines: list) -> tuple[list, list]:
    """(the lines left for the ordinary settlement, the settlements made here)."""
    from .settle_result import SettleResult

    candidates = [(line, _marks(line[1].settle_invoice)) for line in settle_lines]
    fast = [(line, marks) for line, marks in candidates if marks is not None]
    if not fast:
        return settle_lines, []
    wanted = [tid for (_, _, tid), _ in fast] + [m for _, marks in fast for m in marks]
    found = {t.transaction_id: t for t in load_transactions(connection, company.id, ids=wanted, lock=True)}
    seen: set[int] = set()
    chosen: list[tuple[tuple, OpenTransaction, list[OpenTransaction]]] = []
    for line, marks in fast:
        posted, draft, new_id = line
        new = found.get(new_id)
        marked = [found.get(m) for m in marks]
        day = posted.date
        party = company.party(PartyType(draft.party_type), draft.party_id)
        ok = (new is not None and party is not None and not party.settlement_held(day)
              and len(set(marks)) == len(marks) and not (set(marks) & seen) and all(
                  m is not None and m.party_type == draft.party_type and m.party_id == draft.party_id
                  and m.currency == new.currency and m.open_minor != 0 and m.unrealized_minor == 0
                  and m.posting_date <= day for m in marked))
        if ok:
            assert new is not None
            ok = (sum(m.open_minor for m in marked if m) == -new.open_minor
                  and sum(m.open_accounting_minor for m in marked if m) == -new.open_accounting_minor
                  and new.open_minor == new.amount_minor)
        if ok and new is not None:
            seen.update(marks)
            chosen.append((line, new, [m for m in marked if m is not None]))
    if not chosen:
        return settle_lines, []
    handled = {id(line) for line, _, _ in chosen}
    first_batch = next_ids(connection, company.id, "batch", len(chosen))
    update_rows: list[tuple] = []
    settlement_rows: list[tuple] = []
    results = []
    for index, ((posted, _draft, _new_id), new, marked_open) in enumerate(chosen):
        day = posted.date
        parts = []
        for m in marked_open:
            parts.append(SettledPart(m.transaction_id, new.transaction_id, m.open_minor, m.open_accounting_minor))
            parts.append(SettledPart(new.transaction_id, m.transaction_id, -m.open_minor, -m.open_accounting_minor))
            update_rows.append((0, 0, 0, 0, day, m.transaction_id, m.version))
        update_rows.append((0, 0, 0, 0, day, new.transaction_id, new.version))
        settlement_rows.extend((first_batch + index, day, part, None) for part in parts)
        results.append(SettleResult(first_batch + index, day, None, None, SettlementPlan(day, parts, {}, None)))
    update_open_amounts(connection, company.id, update_rows)
    write_settlement_rows(connection, company.id, settlement_rows)
    return [line for line in settle_lines if id(line) not in handled], results
