"""Reverse a posted voucher (D365's "Reverse transaction"): a new voucher that negates every entry.

- The reversal is dated the original's date unless another is chosen, never earlier; its period must be
  open for the modules it posts in (the user's access groups count).
- The two vouchers are linked both ways (voucher_reversal); a voucher is reversed once; a reversal is
  never reversed itself (post the original again instead).
- Customer/vendor transactions of the voucher must be fully open: one that was settled is refused, naming
  the settlement to reverse first (`bilag settlement reverse BATCH`); one that was revalued likewise. The
  reversal creates the negated transactions and closes them against the originals on the reversal date,
  so that the subledger keeps tying to the summary accounts.
- Only journal vouchers are reversed this way: settlement vouchers are undone by reversing the
  settlement, revaluation vouchers by the next revaluation.

One transaction; a refusal writes nothing. The balances table is updated by the same bulk writer as posting.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import check_posting_allowed
from ..coercion import as_text
from ..company import Company
from ..errors import BilagError, InvalidInput, NotFound, PeriodNotOpen
from ..journal.model import EntryDraft, TransactionDraft, VoucherDraft
from ..limits import fit_text
from ..store import schema as s
from ..store.bulk import next_ids, unindexed
from ..store.companies import load_company, resolve_company_id, user_groups
from ..store.ledger_writer import assign_voucher_numbers, write_vouchers
from ..store.transactions import chunks


class ReversalRefused(BilagError):
    code = "reversal_refused"


@dataclass
class VoucherReversal:
    original: str  # voucher number
    original_id: int
    reversal: str
    reversal_id: int
    date: date
    batch_id: int
    entries: int
    transactions: list[int] = field(default_factory=list)  # the reversal's (closed) transactions

    def as_dict(self) -> dict:
        return {"voucher": self.original, "reversal": self.reversal, "date": self.date.isoformat(),
                "batch": self.batch_id, "entries": self.entries}


PARTIES_PER_READ = 5000


def _find(connection: Connection, company_id: str, number: str, series: str | None):
    v = s.voucher
    query = select(v).where(v.c.company_id == company_id, v.c.voucher_number == number)
    if series:
        query = query.where(v.c.series == series)
    rows = connection.execute(query).all()
    if not rows:
        where = f" in journal name {series}" if series else ""
        raise NotFound(f"voucher {number} does not exist{where}", code="unknown_voucher")
    if len(rows) > 1:
        raise InvalidInput(f"voucher number {number} is used by journal names "
                           f"{', '.join(sorted(r.series for r in rows))}; name one with --journal-name",
                           code="ambiguous_voucher")
    return rows[0]


def reversal_links(connection: Connection, company_id: str, voucher_ids: list[int]) -> dict[int, dict]:
    """voucher id -> {"reversed_by": number} or {"reverses": number}, for the voucher inquiry."""
    if not voucher_ids:
        return {}
    r, v = s.voucher_reversal, s.voucher
    links: dict[int, dict] = {}
    rows = connection.execute(select(r.c.voucher_id, r.c.reversal_voucher_id).where(
        r.c.company_id == company_id,
        r.c.voucher_id.in_(voucher_ids) | r.c.reversal_voucher_id.in_(voucher_ids))).all()
    ids = {i for row in rows for i in row}
    numbers = dict(connection.execute(select(v.c.voucher_id, v.c.voucher_number).where(
        v.c.company_id == company_id, v.c.voucher_id.in_(ids))).all()) if ids else {}
    for original, reversal in rows:
        links.setdefault(original, {})["reversed_by"] = numbers.get(reversal)
        links.setdefault(reversal, {})["reverses"] = numbers.get(original)
    return links


def reverse_voucher_in(connection: Connection, company: Company, number: str, *, series: str | None = None,
                       day: date | None = None, groups: frozenset[str] = frozenset(), reason: str = ""
                       ) -> VoucherReversal:
    head = _find(connection, company.id, number, series)
    r = s.voucher_reversal
    link = connection.execute(select(r).where(r.c.company_id == company.id, (r.c.voucher_id == head.voucher_id)
                                              | (r.c.reversal_voucher_id == head.voucher_id))).first()
    if link is not None and link.reversal_voucher_id == head.voucher_id:
        original = connection.execute(select(s.voucher.c.voucher_number).where(
            s.voucher.c.company_id == company.id, s.voucher.c.voucher_id == link.voucher_id)).scalar()
        raise ReversalRefused(f"voucher {number} is the reversal of voucher {original}; a reversal is not reversed "
                              f"(post the original's lines again instead)", code="reversal_of_reversal")
    if link is not None:
        reversal = connection.execute(select(s.voucher.c.voucher_number).where(
            s.voucher.c.company_id == company.id, s.voucher.c.voucher_id == link.reversal_voucher_id)).scalar()
        raise ReversalRefused(f"voucher {number} is reversed already (by voucher {reversal} on "
                              f"{link.reversal_date})", code="already_reversed")
    if head.kind == "reversal":
        raise ReversalRefused(f"voucher {number} reverses a settlement; a reversal is not reversed",
                              code="reversal_of_reversal")
    if head.kind == "settlement":
        raise ReversalRefused(f"voucher {number} is a settlement voucher: reverse the settlement instead "
                              f"('bilag settlement reverse {head.batch_id}')", code="settlement_voucher")
    # Interest notes, letter fees and fees (issue 9) are reversed like journals; their charge is given back
    # (store/collection_documents.py counts a document only while its voucher is not reversed).
    if head.kind not in ("journal", "interest_note", "collection_letter", "fee"):
        raise ReversalRefused(f"voucher {number} is a {head.kind} voucher and is not reversed by hand",
                              code="not_reversible")
    defaulted = day is None
    day = day or head.posting_date
    if day < head.posting_date:
        raise ReversalRefused(f"the reversal date {day} is earlier than voucher {number} ({head.posting_date}); "
                              f"a reversal is dated the original's date or later", code="reversal_date_too_early")

    e, t = s.ledger_entry, s.party_transaction
    entries = connection.execute(select(e).where(e.c.company_id == company.id, e.c.voucher_id == head.voucher_id)
                                 .order_by(unindexed(e.c.entry_id))).all()
    transactions = _transactions_of(connection, company.id, head.voucher_id, entries)
    _check_transactions_open(connection, company.id, number, transactions)

    period = company.calendar.operating_period(day)
    modules = {"general_ledger"} | {"accounts_payable" if tr.party_type == "vendor" else "accounts_receivable"
                                    for tr in transactions}
    try:
        for module in sorted(modules):
            check_posting_allowed(period, day, module, groups)
    except PeriodNotOpen as error:
        if defaulted:
            raise PeriodNotOpen(f"{error.message}; give the reversal a later date in an open period (--date)",
                                code=error.code) from None
        raise
    assert period is not None  # check_posting_allowed refuses a date outside the calendar

    index_of = {row.entry_id: index for index, row in enumerate(entries)}
    drafts = [EntryDraft(0, row.ledger_account, row.main_account, row.posting_type, row.currency,
                         -row.amount_minor, -row.accounting_minor, fit_text(f"Reversal: {row.description}"),
                         row.party_type, row.party_id) for row in entries]
    transaction_drafts = []
    for row in transactions:
        transaction_drafts.append(TransactionDraft(
            row.party_type, row.party_id, index_of[row.entry_id], row.currency, -row.amount_minor,
            -row.accounting_minor, row.ledger_account, row.posting_profile, row.document_date, row.due_date,
            row.invoice, row.document_number, fit_text(f"Reversal of voucher {number}"), None, None,
            Decimal(row.exchange_rate), None, 0, row.tax_code))
        drafts[index_of[row.entry_id]].transaction_index = len(transaction_drafts) - 1
    draft = VoucherDraft(None, head.series, day, period.id, "reversal", drafts, transaction_drafts,
                         fit_text(f"Reversal of voucher {number}" + (f": {reason}" if reason else "")))
    batch_id = next_ids(connection, company.id, "batch", 1)
    assign_voucher_numbers(connection, company, [draft])
    [(reversal_id, _entry_ids, new_transactions)] = write_vouchers(connection, company.id, [draft], batch_id,
                                                                  f"reversal of voucher {number}")
    # The original transactions and their negations close each other on the reversal date.
    closed = [row.transaction_id for row in transactions] + list(new_transactions)
    if closed:
        connection.execute(update(t).where(t.c.company_id == company.id, t.c.transaction_id.in_(closed))
                           .values(open_minor=0, open_accounting_minor=0, closed_on=day, version=t.c.version + 1))
    connection.execute(insert(r).values(company_id=company.id, voucher_id=head.voucher_id,
                                        reversal_voucher_id=reversal_id, batch_id=batch_id, reversal_date=day,
                                        reason=as_text(reason, f"the reason for reversing voucher {number}", 200)))
    return VoucherReversal(number, int(head.voucher_id), str(draft.number), reversal_id, day, batch_id,
                           len(drafts), list(new_transactions))


def _transactions_of(connection: Connection, company_id: str, voucher_id: int, entries: Sequence) -> list:
    """The voucher's customer/vendor transactions, in id order. No index of party_transaction serves voucher_id (one
    would cost every invoice posted, for a rare correction); every transaction's entry names its party, so the
    voucher's entries give the parties, whose index does — by type, in chunks (an opening-balance voucher may name
    thousands)."""
    t = s.party_transaction
    parties: dict[str, set[str]] = {}
    for row in entries:
        if row.party_id is not None:
            parties.setdefault(row.party_type, set()).add(row.party_id)
    found: list = []
    for party_type, ids in sorted(parties.items()):
        for named in chunks(sorted(ids), PARTIES_PER_READ):
            found += connection.execute(select(t).where(
                t.c.company_id == company_id, t.c.voucher_id == voucher_id, t.c.party_type == party_type,
                t.c.party_id.in_(named))).all()
    return sorted(found, key=lambda row: row.transaction_id)


def _check_transactions_open(connection: Connection, company_id: str, number: str, transactions: Sequence) -> None:
    if not transactions:
        return
    st = s.settlement
    ids = [row.transaction_id for row in transactions]
    # A settlement records a part for each transaction it changes (settlement/rules.py), so the transaction's own
    # parts name every live settlement of it; no index serves offset_transaction_id.
    settled_batches = sorted({batch for chunk in chunks(ids) for batch in connection.execute(
        select(st.c.batch_id).where(st.c.company_id == company_id, st.c.reversed_by_batch.is_(None),
                                    st.c.transaction_id.in_(chunk))).scalars()})
    for row in transactions:
        what = f"{row.party_type} {row.party_id} transaction #{row.transaction_id}" + (
            f" (invoice {row.invoice})" if row.invoice else "")
        if settled_batches or row.open_minor != row.amount_minor:
            batches = ", ".join(str(b) for b in settled_batches) or "?"
            raise ReversalRefused(
                f"voucher {number}: {what} is settled (settlement {batches}); unsettle it first with "
                f"'bilag settlement reverse {settled_batches[0] if settled_batches else 'BATCH'}', then reverse "
                f"the voucher", code="transaction_settled")
        if row.unrealized_minor:
            raise ReversalRefused(f"voucher {number}: {what} was revalued (voucher {row.last_revaluation_voucher}); "
                                  f"it is not reversed by hand", code="transaction_revalued")


def reverse_voucher(engine: Engine, company_id: str | None, number: str, *, series: str | None = None,
                    day: date | None = None, user: str | None = None, reason: str = "") -> VoucherReversal:
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        return reverse_voucher_in(connection, company, number, series=series, day=day,
                                  groups=user_groups(connection, company_id, user), reason=reason)
