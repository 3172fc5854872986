"""Use case: settle open customer/vendor transactions, with or without a new payment."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Connection, Engine

from ..company import Company
from ..errors import SettlementError
from ..journal.model import JournalLine
from ..limits import fit_text
from ..money import MoneyFormatError, parse_amount, parse_minor
from ..parties.model import PartyType, module_of
from ..settlement.references import Reference, named_by
from ..settlement.rules import Mark, OpenTransaction, SettlementOptions, plan_settlement
from ..store.bulk import driver_rows_together, is_citus, is_postgres, next_ids, unindexed
from ..store.companies import load_company, resolve_company_id, user_groups
from ..store.ledger_writer import AfterWriting, assign_voucher_numbers, write_vouchers
from ..store.stored_journals import marked_in_open_journals, marked_in_open_journals_statement, marked_in_rows
from ..store.transactions import (
    attach_discount_history,
    attach_distributions,
    attach_open_distributions,
    load_named_transactions,
    load_transactions,
    may_post_to_own_dimensions,
    named_distributions_statement,
    named_transactions_of,
    named_transactions_statements,
    other_company_with_invoice,
    record_settlement,
)
from .company_transaction import in_company_transaction
from .ledger_posting import PostedVoucher, post_lines_only
from .settle_result import SettleResult
from .users import record_batch_user


@dataclass
class Payment:
    amount: Decimal
    bank_account: str
    voucher: str | None = None
    currency: str | None = None
    date: date | None = None
    journal_name: str = "PAYMENT"
    description: str = "Payment"
    exchange_rate: Decimal | None = None


@dataclass
class MarkRequest:
    invoice: str | None = None
    voucher: str | None = None
    transaction_id: int | None = None
    amount_to_settle: Decimal | None = None
    cash_discount: Decimal | None = None
    use_cash_discount: str | None = None
    alternative_discount_account: str | None = None
    cross_rate: Decimal | None = None
    full_settlement: bool = False


# Automatic settlement of this many parties or fewer reads their transactions by name (the party index); of more,
# the ledger's open transactions, kept for the parties named.
PARTIES_READ_BY_NAME = 1000


def _reference(request: MarkRequest) -> Reference:
    return Reference(request.transaction_id, request.invoice, request.voucher)


def mark_of(reference: str) -> MarkRequest:
    """A mark of an invoice or voucher number, or of #N (settlement.references)."""
    named = Reference.of(reference)
    return MarkRequest(transaction_id=named.transaction_id, invoice=named.invoice, voucher=named.voucher)


def _find(open_transactions: list[OpenTransaction], request: MarkRequest, party: str) -> OpenTransaction:
    """The one open transaction a mark names (settlement.references.named_by: by its number, else by invoice,
    else by voucher). A reference that names several (the parts of a split invoice, a voucher with several
    invoices) is refused with their numbers, so that the user can mark the one meant as #number.
    """
    reference = _reference(request)
    matches = named_by(open_transactions, reference)
    if len(matches) == 1:
        return matches[0]
    if matches:
        numbers = ", ".join(f"#{t.transaction_id}" for t in matches)
        raise SettlementError(f"{reference} names {len(matches)} open transactions of {party} ({numbers}); "
                              f"mark the one meant by its number, as #{matches[0].transaction_id}",
                              code="ambiguous_reference")
    raise SettlementError(f"no open transaction {reference} of {party}", code="not_open_transaction")


def settle_in(connection: Connection, company: Company, party_type: PartyType, party_id: str,
              marks: list[MarkRequest], *, payment: Payment | None = None, options: SettlementOptions | None = None,
              primary_transaction_id: int | None = None, groups: frozenset[str] = frozenset(),
              source: str | None = None, day: date | None = None,
              primary_mark: MarkRequest | None = None) -> SettleResult:
    """Settle inside an open transaction. Everything is refused together if any rule fails.

    The primary transaction (whose date and rate the settlement uses) is the new payment, else `primary`
    (`primary_mark`: an open payment or credit note of the account), else the latest marked payment or credit
    note.
    """
    options = options or SettlementOptions()
    if payment is not None and primary_mark is not None:
        raise SettlementError("a new payment is the primary transaction: name a primary one only when settling "
                              "without a new payment", code="bad_primary")
    party = company.party(party_type, party_id)
    if party is None:
        raise SettlementError(f"{party_type.value} {party_id} does not exist", code="unknown_account")
    payment_result = None
    requests = marks + ([primary_mark] if primary_mark is not None else [])
    # On PostgreSQL what the settlement reads because of its marks alone goes in one round trip: the new payment's
    # writes (whose own transaction is read with them), else the read of the named transactions.
    read_ahead = bool(marks) and is_postgres(connection) and not is_citus(connection)
    read = None
    if payment is not None:  # the payment's posting takes the batch number, with its checks (one round trip)
        # ids[0][2][0]: the number of the payment voucher's first (only) transaction.
        after = AfterWriting(lambda ids: _named_reads(company.id, party_type, party_id, requests, ids[0][2][0],
                                                      postgres=True, read_ahead=True)) if read_ahead else None
        payment_result = _post_payment(connection, company, party_type, party_id, payment, day, groups, source,
                                       None, after=after)
        batch_id = payment_result.batch_id
        primary_transaction_id = payment_result.vouchers[0].transaction_ids[0]
        read = after.rows if after is not None else None
    else:
        batch_id = next_ids(connection, company.id, "batch", 1)
    if read is None:
        read = driver_rows_together(connection, _named_reads(
            company.id, party_type, party_id, requests, primary_transaction_id, postgres=is_postgres(connection),
            read_ahead=read_ahead))
    mine, marked_read, distributions_read = _named_open_transactions(connection, company.id, party_type, party_id,
                                                                     requests, read, read_ahead=read_ahead)
    if primary_mark is not None and primary_transaction_id is None:
        try:
            primary_transaction_id = _find(mine, primary_mark, f"{party_type.value} {party_id}").transaction_id
        except SettlementError as error:
            if error.code == "not_open_transaction":
                _explain_missing(connection, company.id, party_type, party_id, primary_mark)
            raise
        # Naming the primary among the marks too is the same thing said twice.
        marks = [m for m in marks if not _names(m, primary_transaction_id, mine)]
    primary = None
    if primary_transaction_id is not None:
        primary = next((t for t in mine if t.transaction_id == primary_transaction_id), None)
        if primary is None:
            raise SettlementError("the payment to settle with is not open", code="not_open_transaction")
    chosen: list[Mark] = []
    marked_cache: dict = {} if marked_read is None else {"all": marked_read}

    def marked_elsewhere() -> dict:
        if "all" not in marked_cache:
            marked_cache["all"] = marked_in_open_journals(connection, company.id, [(party_type.value, party_id)])
        return marked_cache["all"]

    for request in marks:
        try:
            transaction = _find(mine, request, f"{party_type.value} {party_id}")
        except SettlementError as error:
            if error.code == "not_open_transaction":
                _explain_missing(connection, company.id, party_type, party_id, request)
            raise
        elsewhere = marked_elsewhere().get((party_type.value, party_id, f"#{transaction.transaction_id}"))
        if transaction.invoice and not elsewhere:
            elsewhere = marked_elsewhere().get((party_type.value, party_id, transaction.invoice))
        if elsewhere:
            raise SettlementError(
                f"{transaction.invoice or '#' + str(transaction.transaction_id)} of {party_type.value} {party_id} "
                f"is marked for settlement in journal {', '.join(map(str, elsewhere))}, which is not posted; post "
                f"or change that journal first", code="marked_elsewhere")
        chosen.append(Mark(transaction, request.amount_to_settle, request.cash_discount, request.use_cash_discount,
                           request.alternative_discount_account, request.cross_rate, request.full_settlement))
    attach_distributions(connection, company.id, [m.transaction for m in chosen] + ([primary] if primary else []),
                         read=distributions_read)
    attach_discount_history(connection, company.id, [m.transaction for m in chosen])
    attach_taxes_for_discount(connection, company, [m.transaction for m in chosen])

    def period_of(day_: date) -> int:
        from ..calendar.periods import check_posting_allowed

        module = party_type.module
        return check_posting_allowed(company.calendar.operating_period(day_), day_, module, groups).id

    plan = plan_settlement(company, primary, chosen, options, period_of)
    party.check_settlement_hold(plan.date)
    posted_voucher = None
    voucher_id = None
    if plan.voucher is not None:
        assign_voucher_numbers(connection, company, [plan.voucher])
        ids = write_vouchers(connection, company.id, [plan.voucher], batch_id, source)
        voucher_id = ids[0][0]
        posted_voucher = PostedVoucher(voucher_id, plan.voucher.number, plan.voucher.series, plan.voucher.date,
                                       plan.voucher.kind, plan.voucher)
    record_settlement(connection, company.id, list(plan.changes.values()), plan.date, batch_id, plan.parts, voucher_id)
    vouchers = (payment_result.vouchers if payment_result else []) + ([posted_voucher] if posted_voucher else [])
    return SettleResult(batch_id, plan.date, payment_result, posted_voucher, plan, vouchers)


def _names(request: MarkRequest, transaction_id: int, transactions: list[OpenTransaction]) -> bool:
    try:
        return _find(transactions, request, "").transaction_id == transaction_id
    except SettlementError:
        return False


def _named_reads(company_id: str, party_type: PartyType, party_id: str, requests: list[MarkRequest],
                 primary_transaction_id: int | None, *, postgres: bool, read_ahead: bool
                 ) -> list[tuple[str, Sequence]]:
    """The reads of _named_open_transactions (`?` marks): the account's open transactions with the numbers and
    invoices named, locked; with `read_ahead` (PostgreSQL) also the transactions marked in open journals and the
    offsets of the named transactions' vouchers."""
    ids = [r.transaction_id for r in requests if r.transaction_id is not None]
    if primary_transaction_id is not None:
        ids.append(primary_transaction_id)
    invoices = [r.invoice for r in requests if r.transaction_id is None and r.invoice]
    statements: list[tuple[str, Sequence]] = [*named_transactions_statements(
        company_id, party_type.value, party_id, ids=ids, invoices=invoices, lock=True, postgres=postgres)]
    if read_ahead:
        statements += [marked_in_open_journals_statement(company_id, (party_type.value, party_id)),
                       named_distributions_statement(company_id, party_type.value, party_id, ids, invoices)]
    return statements


def _named_open_transactions(connection: Connection, company_id: str, party_type: PartyType, party_id: str,
                             requests: list[MarkRequest], rows: list[list[tuple]], *, read_ahead: bool
                             ) -> tuple[list[OpenTransaction], dict | None, tuple | None]:
    """The account's open transactions that the marks can name (_find looks no further), locked: by number and
    invoice first (`rows`: what _named_reads read); by voucher number only for marks whose invoice names none (an
    invoice number wins). With `read_ahead`, also the transactions marked in open journals
    (marked_in_open_journals) and the offsets read (attach_distributions' `read`); else None."""
    postgres = is_postgres(connection)
    marked, distributions = None, None
    if read_ahead:
        *rows, marking_rows, offset_rows = rows
    found = named_transactions_of(rows, postgres)
    if read_ahead:
        marked, distributions = marked_in_rows(marking_rows), ({t.voucher_id for t in found}, offset_rows)
    open_invoices = {t.invoice for t in found}
    vouchers = [r.voucher for r in requests
                if r.transaction_id is None and r.voucher and (not r.invoice or r.invoice not in open_invoices)]
    if vouchers:
        known = {t.transaction_id for t in found}
        found += [t for t in load_named_transactions(connection, company_id, party_type.value, party_id,
                                                     vouchers=vouchers, lock=True) if t.transaction_id not in known]
    return found, marked, distributions


def _explain_missing(connection, company_id, party_type, party_id, request) -> None:
    """A marked reference that is not open: another account's, or already settled — say which."""
    what = request.invoice or request.voucher or request.transaction_id
    reference = _reference(request)
    others = [t for t in load_transactions(connection, company_id, party_type=party_type.value, open_only=True,
                                           ids=[request.transaction_id] if request.transaction_id is not None else None)
              if t.party_id != party_id]
    for t in named_by(others, reference)[:1]:
        raise SettlementError(f"{what} belongs to {party_type.value} {t.party_id}, not {party_id}",
                              code="other_party")
    closed = load_transactions(connection, company_id, party_type=party_type.value, party_id=party_id)
    for t in named_by(closed, reference)[:1]:
        raise SettlementError(f"transaction {t.voucher_number} ({t.invoice or 'no invoice'}) of "
                              f"{party_type.value} {party_id} is already settled", code="already_settled")
    if request.invoice:
        elsewhere = other_company_with_invoice(connection, company_id, party_type.value, request.invoice)
        if elsewhere:
            raise SettlementError(f"{what} is a transaction of company {elsewhere}, not of {company_id}: "
                                  f"settlement stays within one legal entity", code="other_company")


def _post_payment(connection, company, party_type, party_id, payment, day, groups, source, batch_id, after=None):
    payment_day = payment.date or day
    if payment_day is None:
        raise SettlementError("the payment needs a date", code="bad_date")
    party = company.party(party_type, party_id)
    currency = (payment.currency or party.currency or company.accounting_currency).upper()
    try:
        amount = parse_amount(payment.amount, company.decimals(currency))
        parse_minor(amount, company.decimals(currency))  # within the largest amount (limits.py)
    except MoneyFormatError as error:
        raise SettlementError(f"the payment amount {error} for {currency}", code="bad_amount") from None
    if amount <= 0:
        raise SettlementError("the payment amount must be positive", code="bad_amount")
    # A vendor payment debits the vendor; a customer payment credits the customer.
    debit, credit = (amount, None) if party_type == PartyType.vendor else (None, amount)
    line = JournalLine(1, payment_day, party_type.value, party_id, debit, credit, payment.voucher,
                       payment.description, currency, payment.exchange_rate, "bank", payment.bank_account)
    # The payment is for the marked transactions: automatic settlement must not take it first.
    return post_lines_only(connection, company, payment.journal_name, [line], groups=groups, source=source,
                           kind="settlement", batch_id=batch_id, after=after)


def settle(engine: Engine, company_id: str | None, party_type: PartyType, party_id: str, marks: list[MarkRequest],
           *, payment: Payment | None = None, options: SettlementOptions | None = None, user: str | None = None,
           day: date | None = None, primary: MarkRequest | None = None) -> SettleResult:
    def work(connection: Connection, company: Company, groups: dict[str, frozenset[str]]) -> SettleResult:
        result = settle_in(connection, company, party_type, party_id, marks, payment=payment, options=options,
                           groups=groups.get(user or "", frozenset()), day=day, primary_mark=primary)
        record_batch_user(connection, company.id, [result.batch_id], user)
        return result

    return in_company_transaction(engine, company_id, [user] if user else [], work)


@dataclass
class ReversalResult:
    batch_id: int
    reversed_batch: int
    date: date
    voucher: PostedVoucher | None
    vouchers: list[PostedVoucher] = field(default_factory=list)


def reverse_settlement_in(connection: Connection, company: Company, batch_id: int, *, date_option: str = "latest",
                          selected_date: date | None = None, today: date | None = None,
                          groups: frozenset[str] = frozenset()) -> ReversalResult:
    """Reverse a settlement: a new voucher negates its postings and both sides reopen (AX-REVS).

    The invoice and the payment themselves stay posted. A settlement that a later one depends on
    cannot be reversed before that later one.
    """
    from ..calendar.periods import check_posting_allowed
    from ..journal.model import EntryDraft, VoucherDraft
    from ..store.transactions import (
        entries_of_vouchers,
        later_settlements,
        load_settlement_batch,
        mark_batch_reversed,
        reopen_transactions,
    )

    rows = load_settlement_batch(connection, company.id, batch_id)
    if not rows:
        raise SettlementError(f"settlement {batch_id} does not exist", code="unknown_settlement")
    if rows[0].reversed_by_batch is not None:
        raise SettlementError(f"settlement {batch_id} is reversed already (by {rows[0].reversed_by_batch})",
                              code="already_reversed")
    transaction_ids = sorted({r.transaction_id for r in rows})
    blocking = later_settlements(connection, company.id, batch_id, transaction_ids)
    if blocking:
        raise SettlementError(
            f"settlement {batch_id} cannot be reversed: later settlement {blocking[0].batch_id} depends on the same "
            f"transactions; reverse that one first", code="later_settlement_depends")
    transactions = load_transactions(connection, company.id, ids=transaction_ids, lock=True)
    original_date = rows[0].settlement_date
    # Never before the settlement itself: between the two dates the ledger and the subledger would differ.
    latest_transaction = max([t.posting_date for t in transactions] + [original_date])
    if date_option == "today":
        day = today or date.today()
        if day < latest_transaction:
            raise SettlementError(f"today ({day}) is earlier than the settlement or its transactions "
                                  f"({latest_transaction})", code="selected_date_too_early")
    elif date_option == "selected":
        if selected_date is None:
            raise SettlementError("reversal date 'selected' needs a date", code="bad_settlement_date")
        if selected_date < latest_transaction:
            raise SettlementError(f"the reversal date {selected_date} is earlier than the settlement or its most "
                                  f"recent transaction ({latest_transaction})", code="selected_date_too_early")
        day = selected_date
    elif date_option == "latest":
        day = original_date
    else:
        raise SettlementError("the reversal date is latest, today or selected", code="bad_settlement_date")
    party_type = transactions[0].party_type
    period = check_posting_allowed(company.calendar.operating_period(day), day,
                                   module_of(party_type), groups)
    reversal_batch = next_ids(connection, company.id, "batch", 1)
    voucher_ids = sorted({r.voucher_id for r in rows if r.voucher_id is not None})
    entries: list[EntryDraft] = []
    index_of: dict[int, int] = {}
    for entry in entries_of_vouchers(connection, company.id, voucher_ids):
        index_of[entry.entry_id] = len(entries)
        entries.append(EntryDraft(0, entry.ledger_account, entry.main_account, entry.posting_type, entry.currency,
                                  -entry.amount_minor, -entry.accounting_minor, fit_text(f"Reversal: {entry.description}"),
                                  entry.party_type, entry.party_id))
    posted = None
    if entries:
        draft = VoucherDraft(None, "SETTLEMENT", day, period.id, "reversal", entries, [],
                             f"Reversal of settlement {batch_id}",
                             taxes=_reversed_taxes(connection, company.id, voucher_ids, index_of))
        assign_voucher_numbers(connection, company, [draft])
        ids = write_vouchers(connection, company.id, [draft], reversal_batch)
        posted = PostedVoucher(ids[0][0], draft.number, draft.series, draft.date, draft.kind, draft)
    reopen_transactions(connection, company.id, rows)
    mark_batch_reversed(connection, company.id, batch_id, reversal_batch)
    return ReversalResult(reversal_batch, batch_id, day, posted, [posted] if posted else [])


def _reversed_taxes(connection: Connection, company_id: str, voucher_ids: list[int], index_of: dict[int, int]):
    """The tax a settlement restated (cash discount on sales tax), restated back by its reversal."""
    from sqlalchemy import select

    from ..journal.model import TaxDraft
    from ..store import schema as s
    from ..store.transactions import chunks

    x = s.tax_transaction
    taxes = []
    for chunk in chunks(voucher_ids):
        for row in connection.execute(select(x).where(x.c.company_id == company_id, x.c.voucher_id.in_(chunk))
                                      .order_by(unindexed(x.c.tax_transaction_id))):
            index = index_of[row.entry_id]
            taxes.append(TaxDraft(row.tax_code, row.direction, index, index, transaction_id=row.transaction_id,
                                  base_minor=-row.base_minor, base_accounting_minor=-row.base_accounting_minor))
    return taxes


def reverse_settlement(engine: Engine, company_id: str | None, batch_id: int, *, date_option: str = "latest",
                       selected_date: date | None = None, today: date | None = None,
                       user: str | None = None) -> ReversalResult:
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        result = reverse_settlement_in(connection, company, batch_id, date_option=date_option,
                                       selected_date=selected_date, today=today,
                                       groups=user_groups(connection, company_id, user))
        record_batch_user(connection, company_id, [result.batch_id], user)
        return result


def preview_settlement(engine: Engine, company_id: str | None, party_type: PartyType, party_id: str,
                       marks: list[MarkRequest], *, payment: Payment | None = None,
                       options: SettlementOptions | None = None, user: str | None = None,
                       day: date | None = None, primary: MarkRequest | None = None) -> SettleResult:
    """Exactly what `settle` would post — computed by the same code in a transaction that is rolled back."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            company_id = resolve_company_id(connection, company_id)
            company = load_company(connection, company_id)
            return settle_in(connection, company, party_type, party_id, marks, payment=payment, options=options,
                             groups=user_groups(connection, company_id, user), day=day, primary_mark=primary)
        finally:
            transaction.rollback()


@dataclass
class AutomaticResult:
    settlements: int
    vouchers: list[PostedVoucher]
    batch_ids: list[int]


def attach_taxes_for_discount(connection: Connection, company: Company, transactions: list[OpenTransaction]) -> None:
    """With cash discount on sales tax, the invoices that may take a cash discount carry their posted tax."""
    if not company.parameter("cash_discount_on_sales_tax"):
        return
    wanted = [t for t in transactions if t.cash_discount_code and t.open_minor and t.is_invoice()]
    if not wanted:
        return
    from ..store.tax import taxes_of_transactions

    found = taxes_of_transactions(connection, company.id, [t.transaction_id for t in wanted])
    for t in wanted:
        t.taxes = tuple((x.tax_code, x.ledger_account, x.direction, x.base_minor, x.tax_minor)
                        for x in found.get(t.transaction_id, []))


def settle_automatically_in(connection: Connection, company: Company, party_type: PartyType,
                            party_ids: list[str] | None = None, *, groups: frozenset[str] = frozenset(),
                            priority: list[str] | None = None) -> AutomaticResult:
    """Set-based automatic settlement of every open payment of the accounts (all accounts when None)."""
    from ..calendar.periods import check_posting_allowed
    from ..settlement.automatic import plan_automatic
    from ..store.transactions import update_open_amounts, write_settlement_rows

    module = party_type.module
    by_name = sorted(set(party_ids)) if party_ids is not None and len(party_ids) <= PARTIES_READ_BY_NAME else None
    transactions = load_transactions(connection, company.id, party_type=party_type.value, open_only=True, lock=True,
                                     party_ids=by_name)
    if party_ids is not None and by_name is None:
        wanted = set(party_ids)
        transactions = [t for t in transactions if t.party_id in wanted]
    if party_ids is None:
        attach_open_distributions(connection, company.id, party_type.value, transactions)
    else:
        attach_distributions(connection, company.id, transactions, needed=may_post_to_own_dimensions)
    attach_taxes_for_discount(connection, company, transactions)

    checked: dict[date, int] = {}

    def period_of(day_: date) -> int:
        if day_ not in checked:
            checked[day_] = check_posting_allowed(company.calendar.operating_period(day_), day_, module, groups).id
        return checked[day_]

    priority = priority or list(company.parameter("settlement_priority") or ["due_date", "cash_discount"])
    if "transaction_type" in priority:
        from ..store.collection_documents import transaction_types

        types = transaction_types(connection, company.id, [t.transaction_id for t in transactions
                                                           if t.open_minor and t.is_invoice()])
        for t in transactions:
            found = types.get(t.transaction_id)
            if found:
                t.transaction_type = found
    automatic = plan_automatic(company, transactions, period_of, priority)
    if not automatic.plans:
        return AutomaticResult(0, [], [])
    first_batch = next_ids(connection, company.id, "batch", len(automatic.plans))
    drafts = [plan.voucher for plan in automatic.plans if plan.voucher is not None]
    assign_voucher_numbers(connection, company, drafts)
    voucher_ids: dict[int, int] = {}
    posted: list[PostedVoucher] = []
    if drafts:
        ids = iter(write_vouchers(connection, company.id, drafts, first_batch))
        for index, plan in enumerate(automatic.plans):
            if plan.voucher is not None:
                voucher_id = next(ids)[0]
                voucher_ids[index] = voucher_id
                posted.append(PostedVoucher(voucher_id, plan.voucher.number, plan.voucher.series, plan.voucher.date,
                                            plan.voucher.kind, plan.voucher))
    update_open_amounts(connection, company.id, automatic.update_rows)
    rows: list[tuple] = []
    for index, plan in enumerate(automatic.plans):
        rows.extend((first_batch + index, plan.date, part, voucher_ids.get(index)) for part in plan.parts)
    write_settlement_rows(connection, company.id, rows)
    # One batch id per settlement, so that each can be reversed on its own.
    return AutomaticResult(len(automatic.plans), posted,
                           [first_batch + i for i in range(len(automatic.plans))])


def settle_automatically(engine: Engine, company_id: str | None, party_type: PartyType,
                         party_ids: list[str] | None = None, *, user: str | None = None,
                         priority: list[str] | None = None) -> AutomaticResult:
    from ..journal.posting import cycle_collection_paused

    with cycle_collection_paused(), engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        result = settle_automatically_in(connection, company, party_type, party_ids,
                                         groups=user_groups(connection, company_id, user), priority=priority)
        record_batch_user(connection, company_id, result.batch_ids, user)
        return result
