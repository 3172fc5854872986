"""Use case: post several journals in one database transaction (group commit), each as if it were posted alone.

A server whose clients each post a small journal pays, per journal, for a transaction of its own: the company's
counters held, the periods read again, the chain heads moved, the commit. Posted together, journals share all of
that, and each still gets its own batch, voucher numbers, answer and Idempotency-Key.

"As if posted alone" is kept by only putting together what cannot tell the difference, and posting the rest one by
one (services.posting.post_journal) in the order given:
- a journal that does not plan (its refusal is made alone, with what its key says);
- a journal that settles something as it posts (a line naming its invoice, automatic settlement): settling reads
  what the journals before it posted;
- a journal whose voucher number another journal of the group types too, or whose key another one has;
- everything, when the ledger refuses or warns about something of the group (a voucher or vendor invoice number
  used before, a period closed meanwhile), when a key turns out to be used already, or when writing fails: the
  group's transaction is rolled back and each journal is posted alone, so that each refusal is its own.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy.engine import Connection, Engine

from ..company import Company
from ..errors import BilagError
from ..journal.model import JournalLine
from ..journal.posting import PostingContext, PostingPlan, cycle_collection_paused, plan_posting
from ..store.bulk import forget_kept_rows_check
from ..store.companies import load_company_kept
from ..store.ledger_writer import AfterWriting, write_vouchers
from .api_requests import KeptAnswer, all_kept, keep_answers_statement
from .ledger_posting import PostingResult, posted_vouchers, prepare_to_write
from .posting import post_journal, settles_after_posting
from .users import batch_user_statement


@dataclass
class JournalRequest:
    """One journal to post, as post_journal takes it."""

    journal_name: str
    lines: list[JournalLine]
    one_voucher: bool | None = None
    user: str | None = None
    source: str | None = None
    answer: KeptAnswer | None = None


class _Apart(Exception):
    """Something of the group must be told journal by journal: post each alone."""


def post_journals(engine: Engine, company_id: str, requests: list[JournalRequest]) -> list[PostingResult | Exception]:
    """Each journal's outcome, in order: its PostingResult, or what posting it alone raised (a refusal, or
    api_requests.Replayed for a key answered before)."""
    outcomes: list[PostingResult | Exception | None] = [None] * len(requests)
    alone = list(range(len(requests)))
    if len(requests) > 1 or (requests and requests[0].answer is not None):  # a request's key is kept with one statement here
        try:
            alone = _post_together(engine, company_id, requests, outcomes)
        except Exception:  # noqa: BLE001 - whatever it was, each journal posted alone tells its own outcome
            outcomes = [None] * len(requests)
            alone = list(range(len(requests)))
            for request in requests:  # the answers made for the group were rolled back with it
                if request.answer is not None:
                    request.answer.body = None
    for index in alone:
        request = requests[index]
        try:
            outcomes[index] = post_journal(engine, company_id, request.journal_name, request.lines,
                                           one_voucher=request.one_voucher, user=request.user, source=request.source,
                                           answer=request.answer)
        except Exception as outcome:  # noqa: BLE001 - the outcome of this journal, raised again by its caller
            outcomes[index] = outcome
    return cast(list[PostingResult | Exception], outcomes)  # every index is filled by now


def _post_together(engine: Engine, company_id: str, requests: list[JournalRequest],
                   outcomes: list) -> list[int]:
    """Post in one transaction the journals that can go together, filling their outcomes; the others' indexes."""
    with cycle_collection_paused(), engine.begin() as connection:
        # The company as kept, its check sent with the first round trip (company_transaction says why): a check
        # that fails, like any error here, posts each journal alone, on the company loaded again; a refusal made
        # from stale data is made again alone. A group that writes nothing never reads it: forgotten below.
        company, groups_of, _check = load_company_kept(connection, company_id,
                                                       [request.user for request in requests if request.user])
        try:
            return _plan_and_write(connection, company, groups_of, requests, outcomes)
        finally:
            forget_kept_rows_check(connection)


def _plan_and_write(connection: Connection, company: Company, groups_of: dict[str, frozenset[str]],
                    requests: list[JournalRequest], outcomes: list) -> list[int]:
    """_post_together's work in its transaction."""
    groups: dict[str | None, frozenset[str]] = {None: frozenset()}
    groups.update(groups_of)
    together: list[tuple[int, PostingPlan]] = []
    alone: list[int] = []
    numbers: set[tuple[str, str]] = set()
    keys: set[str] = set()
    for index, request in enumerate(requests):
        key = request.answer.key if request.answer is not None else None
        if key in keys:  # a retry beside its first request: after that one commits, it gets its answer
            alone.append(index)
            continue
        try:
            plan = plan_posting(company, request.lines, PostingContext(
                request.journal_name, one_voucher=request.one_voucher, user_groups=groups.get(request.user, frozenset()),
                source=request.source))
        except BilagError:
            alone.append(index)
            continue
        typed = {(voucher.series, voucher.number) for voucher in plan.vouchers if voucher.number}
        if typed & numbers or settles_after_posting(company, plan.vouchers):
            alone.append(index)
            continue
        numbers |= typed
        if key is not None:
            keys.add(key)
        together.append((index, plan))
    if not together:  # nothing was written: each posts alone
        return list(range(len(requests)))
    vouchers = [voucher for _, plan in together for voucher in plan.vouchers]
    warnings: list[str] = []
    first_batch, reserved = prepare_to_write(connection, company, vouchers, None, warnings, len(together))
    if warnings:
        raise _Apart("a check warns: each journal gets its own warning")
    batch_ids = [first_batch + n for n, (_, plan) in enumerate(together) for _ in plan.vouchers]
    answers: list[tuple] = []

    def who_posted_and_answers(ids) -> list[tuple[str, Sequence]]:
        """Each journal's result, from the ids written; who posted and the kept answers, to go with the rows
        (one round trip on PostgreSQL)."""
        posted = iter(posted_vouchers(vouchers, ids))
        batches_by_user: dict[str | None, list[int]] = defaultdict(list)
        for n, (index, plan) in enumerate(together):
            result = outcomes[index] = PostingResult(first_batch + n, [next(posted) for _ in plan.vouchers],
                                                     plan.warnings)
            request = requests[index]
            batches_by_user[request.user].append(result.batch_id)
            if request.answer is not None:
                answers.append(request.answer.answered_row(result))
        statements: list[tuple[str, Sequence]] = [
            statement for user, batches in batches_by_user.items()
            if (statement := batch_user_statement(company.id, batches, user)) is not None]
        if answers:
            statements.append(keep_answers_statement(answers))
        return statements

    after = AfterWriting(who_posted_and_answers)
    write_vouchers(connection, company.id, vouchers, batch_ids, named_refusals=False, reserved=reserved,
                   after=after)
    if answers and not all_kept(answers, after.rows[-1]):
        raise _Apart("an Idempotency-Key was used already")
    return alone
