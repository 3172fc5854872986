"""Use cases on open customer/vendor transactions that post nothing: reorganise (split, merge), payment holds.

Reorganising changes how an open amount is due, never the ledger: the parts of a split keep the
voucher, invoice and distribution of the original, so settlement accounting still follows the invoice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine

from ..errors import InvalidInput, NotFound
from ..money import allocate, from_minor, to_minor
from ..parties.model import Hold, PartyType
from ..settlement.references import Reference, named_by
from ..store import schema as s
from ..store.bulk import next_ids, unindexed
from ..store.companies import load_company, resolve_company_id

_T = s.party_transaction


@dataclass
class SplitPart:
    due_date: date
    amount: Decimal | None = None  # magnitude in the transaction's currency
    percent: Decimal | None = None


def _find(connection, company_id, party_type: PartyType, party_id: str, reference: str):
    """The transactions an invoice or voucher number names, or #N: the transaction numbered N
    (settlement.references.named_by chooses among the rows that carry the reference)."""
    wanted = Reference.of(reference)
    if wanted.transaction_id is not None:
        named = _T.c.transaction_id == wanted.transaction_id
    else:
        named = (_T.c.invoice == reference) | (s.voucher.c.voucher_number == reference)
    query = select(_T, s.voucher.c.voucher_number).join(
        s.voucher, (s.voucher.c.company_id == _T.c.company_id) & (s.voucher.c.voucher_id == _T.c.voucher_id)
    ).where(_T.c.company_id == company_id, _T.c.party_type == party_type.value, _T.c.party_id == party_id,
            named).order_by(unindexed(_T.c.transaction_id))
    rows = named_by(connection.execute(query), wanted)
    if not rows:
        raise NotFound(f"{party_type.value} {party_id} has no transaction {reference}", code="not_open_transaction")
    return rows


def split_transaction(engine: Engine, company_id: str | None, party_type: PartyType, party_id: str, reference: str,
                      parts: list[SplitPart]) -> list[int]:
    """Split an unsettled open transaction into parts with their own due dates; the remainder must be 0."""
    if len(parts) < 2:
        raise InvalidInput("a split needs at least two parts", code="bad_split")
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        rows = [r for r in _find(connection, company_id, party_type, party_id, reference) if r.open_minor]
        if len(rows) != 1:
            raise InvalidInput(f"{reference} has {len(rows)} open parts; name one transaction", code="bad_split")
        row = rows[0]
        if row.open_minor != row.amount_minor or row.cash_discount_taken_minor:
            raise InvalidInput(f"{reference} is partly settled; only an unsettled transaction can be split",
                               code="bad_split")
        decimals = company.decimals(row.currency)
        total = abs(row.amount_minor)
        sign = 1 if row.amount_minor > 0 else -1
        percents = [p.percent for p in parts if p.percent is not None]
        given = [p.amount for p in parts if p.amount is not None]
        if len(percents) == len(parts):
            if sum(percents) != 100:
                raise InvalidInput(f"the percentages add up to {sum(percents)}, not 100 "
                                   f"(the remainder must be 0)", code="split_remainder")
            magnitudes = allocate(total, percents)
        elif len(given) == len(parts):
            magnitudes = [to_minor(abs(amount), decimals) for amount in given]
            if sum(magnitudes) != total:
                remainder = from_minor(total - sum(magnitudes), decimals)
                raise InvalidInput(f"the parts leave a remainder of {remainder} {row.currency}; it must be 0",
                                   code="split_remainder")
        else:
            raise InvalidInput("give every part an amount, or every part a percentage", code="bad_split")
        amounts = [sign * m for m in magnitudes]
        accountings = allocate(row.accounting_minor, magnitudes)
        # A revaluation's unrealized amount is shared too: each part's settlement reverses only its own (FX1).
        unrealized = allocate(row.unrealized_minor, magnitudes)
        first_new = next_ids(connection, company_id, "transaction", len(parts) - 1)
        connection.execute(update(_T).where(_T.c.company_id == company_id,
                                            _T.c.transaction_id == row.transaction_id).values(
            amount_minor=amounts[0], accounting_minor=accountings[0], open_minor=amounts[0],
            open_accounting_minor=accountings[0], unrealized_minor=unrealized[0], due_date=parts[0].due_date,
            version=row.version + 1))
        base = {k: getattr(row, k) for k in _T.c.keys()}
        new_rows = []
        for index, (amount, accounting, part, part_unrealized) in enumerate(
                zip(amounts[1:], accountings[1:], parts[1:], unrealized[1:])):
            values = dict(base, transaction_id=first_new + index, amount_minor=amount, accounting_minor=accounting,
                          open_minor=amount, open_accounting_minor=accounting, unrealized_minor=part_unrealized,
                          due_date=part.due_date, split_from=row.transaction_id, version=1)
            new_rows.append(values)
        connection.execute(s.party_transaction.insert(), new_rows)
        ids = [row.transaction_id] + [first_new + i for i in range(len(parts) - 1)]
        _split_unrealized_history(connection, company_id, row.transaction_id, ids, magnitudes)
        return ids


def _split_unrealized_history(connection, company_id: str, transaction_id: int, ids: list[int],
                              magnitudes: list[int]) -> None:
    """Each recorded change of the unrealized amount shared among the parts as the amount is (aged balances as of a
    date add each part's own)."""
    from ..store.transactions import record_unrealized_changes

    u = s.unrealized_change
    history = connection.execute(select(u.c.change_date, u.c.voucher_number, u.c.change_minor).where(
        u.c.company_id == company_id, u.c.transaction_id == transaction_id).order_by(unindexed(u.c.change_id))
    ).fetchall()
    if not history:
        return
    connection.execute(delete(u).where(u.c.company_id == company_id, u.c.transaction_id == transaction_id))
    rows = []
    for day, voucher, change in history:
        day = date.fromisoformat(day) if isinstance(day, str) else day
        rows += [(part, day, voucher, share) for part, share in zip(ids, allocate(int(change), magnitudes))]
    record_unrealized_changes(connection, company_id, rows)


def merge_transactions(engine: Engine, company_id: str | None, party_type: PartyType, party_id: str,
                       reference: str, due_date: date | None = None) -> int:
    """Merge the unsettled open parts of one transaction (made by splits) back into one."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        rows = [r for r in _find(connection, company_id, party_type, party_id, reference) if r.open_minor]
        entries = {r.entry_id for r in rows}
        if len(rows) < 2 or len(entries) != 1:
            raise InvalidInput(f"{reference} has no split parts to merge", code="bad_merge")
        if any(r.open_minor != r.amount_minor for r in rows):
            raise InvalidInput(f"a part of {reference} is partly settled; settle or reverse it first", code="bad_merge")
        keep = rows[0]
        amount = sum(r.amount_minor for r in rows)
        accounting = sum(r.accounting_minor for r in rows)
        connection.execute(update(_T).where(_T.c.company_id == company_id,
                                            _T.c.transaction_id == keep.transaction_id).values(
            amount_minor=amount, accounting_minor=accounting, open_minor=amount, open_accounting_minor=accounting,
            unrealized_minor=sum(r.unrealized_minor for r in rows),
            due_date=due_date or min(r.due_date for r in rows), version=keep.version + 1))
        connection.execute(delete(_T).where(_T.c.company_id == company_id,
                                            _T.c.transaction_id.in_([r.transaction_id for r in rows[1:]])))
        connection.execute(update(s.unrealized_change).where(
            s.unrealized_change.c.company_id == company_id,
            s.unrealized_change.c.transaction_id.in_([r.transaction_id for r in rows[1:]])).values(
            transaction_id=keep.transaction_id))
        return keep.transaction_id


def set_payment_release_date(engine: Engine, company_id: str | None, party_type: PartyType, party_id: str,
                             reference: str, release_date: date | None) -> None:
    """Invoice payment hold: no payment settles the invoice before the release date (None clears it)."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        rows = [r for r in _find(connection, company_id, party_type, party_id, reference) if r.open_minor] or \
            _find(connection, company_id, party_type, party_id, reference)
        if len(rows) > 1:
            numbers = ", ".join(f"#{r.transaction_id}" for r in rows)
            raise InvalidInput(f"{reference} names {len(rows)} transactions of {party_type.value} {party_id} "
                               f"({numbers}); name the one meant by its number, as #{rows[0].transaction_id}",
                               code="ambiguous_reference")
        connection.execute(update(_T).where(_T.c.company_id == company_id,
                                            _T.c.transaction_id.in_([r.transaction_id for r in rows]))
                           .values(payment_release_date=release_date))


def set_hold(engine: Engine, company_id: str | None, party_type: PartyType, party_id: str, hold: str,
             release_date: date | None = None) -> None:
    if hold not in Hold.__members__:
        raise InvalidInput(f"hold is one of {', '.join(Hold.__members__)}", code="bad_hold")
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        result = connection.execute(update(s.party).where(
            s.party.c.company_id == company_id, s.party.c.party_type == party_type.value,
            s.party.c.party_id == party_id).values(hold=hold, hold_release_date=release_date))
        if result.rowcount != 1:
            raise NotFound(f"{party_type.value} {party_id} does not exist", code="unknown_account")
