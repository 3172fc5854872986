"""Use case: post a journal, then settle what it marks and what automatic settlement takes. One database
transaction; a rejection writes nothing.

Posting itself (check, number, write) is `services.ledger_posting`, which knows nothing of settlement; this
module calls both, so that neither imports the other (docs/architecture.md).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from ..company import Company
from ..errors import IdempotencyConflict
from ..journal.model import JournalLine, TransactionDraft, VoucherDraft
from ..journal.posting import PostingContext, cycle_collection_paused, plan_posting
from ..parties.model import PartyType
from ..store import schema as s
from ..store.companies import load_company, resolve_company_id, user_groups
from . import posting_apart
from .api_requests import KeptAnswer
from .company_transaction import in_company_transaction
from .ledger_posting import (  # noqa: F401 - PostedVoucher, PostingResult and the checks keep their old home too
    PostedVoucher,
    PostingResult,
    check_before_writing,
    recheck_periods,
    write_plan,
)
from .settle_named import settle_marked_invoices
from .settlement import settle_automatically_in
from .users import record_batch_user


def fingerprint(journal_name: str, lines: list[JournalLine]) -> str:
    digest = hashlib.sha256(journal_name.encode())
    for line in lines:
        digest.update(repr(tuple(getattr(line, f) for f in line.__slots__)).encode())
    return digest.hexdigest()


def validate_journal(engine: Engine, company_id: str | None, journal_name: str, lines: list[JournalLine], *,
                     one_voucher: bool | None = None, user: str | None = None, source: str | None = None) -> list[str]:
    """Check everything posting would check; returns the warnings, raises JournalRejected with every problem."""
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        context = PostingContext(journal_name, one_voucher=one_voucher, source=source,
                                 user_groups=user_groups(connection, company_id, user))
        plan = plan_posting(company, lines, context)
        check_before_writing(connection, company, plan.vouchers, source, plan.warnings)
        return plan.warnings


def post_lines(connection: Connection, company: Company, journal_name: str, lines: list[JournalLine], *,
               one_voucher: bool | None = None, groups: frozenset[str] = frozenset(), source: str | None = None,
               kind: str = "journal", batch_id: int | None = None, automatic_settlement: bool = True,
               tax_direction: str | None = None) -> PostingResult:
    """Post inside an open transaction (for services that combine posting with other work)."""
    context = PostingContext(journal_name, one_voucher=one_voucher, user_groups=groups, source=source, kind=kind,
                             tax_direction=tax_direction)
    if (batch_id is None and posting_apart.wanted(connection, company, lines, context)
            and settled_automatically(company) is None):
        result = posting_apart.post_apart(connection, company, lines, context)
        if result is not None:
            return result
    plan = plan_posting(company, lines, context)
    return post_plan(connection, company, plan.vouchers, plan.warnings, source=source, batch_id=batch_id,
                     automatic_settlement=automatic_settlement)


def post_plan(connection: Connection, company: Company, vouchers: list[VoucherDraft], warnings: list[str], *,
              source: str | None = None, batch_id: int | None = None, automatic_settlement: bool = True
              ) -> PostingResult:
    result = write_plan(connection, company, vouchers, warnings, source=source, batch_id=batch_id)
    posted = result.vouchers
    settle_lines = [(v, t, tid) for v in posted if v.transaction_ids
                    for t, tid in zip(v.draft.transactions, v.transaction_ids) if t.settle_invoice]
    if settle_lines:
        result.settlements = settle_marked_invoices(connection, company, settle_lines, source=source)
    if automatic_settlement:
        _settle_automatically_after_posting(connection, company, posted, result)
    return result


def settled_automatically(company: Company) -> Callable[[TransactionDraft], bool] | None:
    """Whether a new transaction is settled at once: the AR/AP parameter, or the Settlement flag of its posting
    profile (None: no transaction is)."""
    if company.parameter("automatic_settlement"):
        return lambda transaction: True
    flagged = {(r.profile, r.party_type.value) for r in company.posting_profiles.all() if r.settle_automatically}
    if not flagged:
        return None
    return lambda transaction: (transaction.posting_profile, transaction.party_type) in flagged


def settles_after_posting(company: Company, vouchers: list[VoucherDraft]) -> bool:
    """Whether posting these vouchers settles anything: a line naming its invoice, or automatic settlement."""
    automatic = settled_automatically(company)
    return any(t.settle_invoice or (automatic is not None and automatic(t))
               for voucher in vouchers for t in voucher.transactions)


def _settle_automatically_after_posting(connection, company, posted, result) -> None:
    automatic = settled_automatically(company)
    if automatic is None:
        return
    touched: dict[str, set[str]] = {}
    for voucher in posted:
        for transaction in voucher.draft.transactions:
            if not transaction.settle_invoice and automatic(transaction):
                touched.setdefault(transaction.party_type, set()).add(transaction.party_id)
    for party_type, party_ids in sorted(touched.items()):
        result.automatic_settlements.append(
            settle_automatically_in(connection, company, PartyType(party_type), sorted(party_ids)))


def post_journal(engine: Engine, company_id: str | None, journal_name: str, lines: list[JournalLine], *,
                 one_voucher: bool | None = None, user: str | None = None, idempotency_key: str | None = None,
                 source: str | None = None, answer: KeptAnswer | None = None) -> PostingResult:
    """Validate and post a journal in one transaction. The same idempotency key posts once. An HTTP request's
    key (`answer`) is claimed and answered in the same transaction. The collector pauses over the whole posting
    (journal/posting.py says why): settling named invoices and writing the rows allocate as much as planning."""
    def work(connection: Connection, company: Company, groups: dict[str, frozenset[str]]) -> PostingResult:
        if answer is not None:
            answer.claim(connection)
        print_key = fingerprint(journal_name, lines) if idempotency_key else None
        if idempotency_key:
            previous = connection.execute(select(s.posting_request).where(
                s.posting_request.c.company_id == company.id,
                s.posting_request.c.idempotency_key == idempotency_key)).first()
            if previous is not None:
                if previous.fingerprint != print_key:
                    raise IdempotencyConflict(
                        f"idempotency key {idempotency_key} was used for a different journal (batch "
                        f"{previous.batch_id}); nothing was posted")
                return _replayed(previous)
        result = post_lines(connection, company, journal_name, lines, one_voucher=one_voucher,
                            groups=groups.get(user or "", frozenset()), source=source)
        if idempotency_key:
            connection.execute(insert(s.posting_request).values(
                company_id=company.id, idempotency_key=idempotency_key, fingerprint=print_key,
                batch_id=result.batch_id, result=json.dumps(result.summary())))
        record_batch_user(connection, company.id, [result.batch_id], user)
        if answer is not None:
            answer.keep(connection, result)
        return result

    with cycle_collection_paused():
        return in_company_transaction(engine, company_id, [user] if user else [], work)


def _replayed(previous) -> PostingResult:
    summary = json.loads(previous.result)
    result = PostingResult(previous.batch_id, [], summary.get("warnings", []))
    result.replayed_summary = summary  # type: ignore[attr-defined]
    return result
