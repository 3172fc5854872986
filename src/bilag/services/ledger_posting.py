"""Posting vouchers to the ledger inside an open transaction: check what only the ledger can tell, number,
write. Knows nothing of settlement: settling what a journal marks is the use case in `services.posting`."""
from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from ..company import Company
from ..errors import JournalRejected
from ..journal.model import JournalLine, TransactionDraft, VoucherDraft
from ..journal.posting import PostingContext, plan_posting
from ..parties.model import is_invoice
from ..store.bulk import driver_rows, marks, next_ids
from ..store.ledger_writer import AfterWriting, assign_voucher_numbers, write_vouchers


@dataclass(slots=True)  # a batch makes one per voucher: slots make that cheap
class PostedVoucher:
    voucher_id: int
    number: str | None  # None only for a draft whose series numbers nothing (never once written)
    series: str
    date: datetime.date
    kind: str
    draft: VoucherDraft
    transaction_ids: list[int] = field(default_factory=list)


@dataclass
class PostingResult:
    batch_id: int
    vouchers: list[PostedVoucher]
    warnings: list[str]
    settlements: list = field(default_factory=list)  # settlement results of settle_invoice lines
    automatic_settlements: list = field(default_factory=list)  # automatic settlement after posting

    @property
    def entry_count(self) -> int:
        return sum(len(v.draft.entries) for v in self.vouchers)

    def summary(self) -> dict:
        return {"batch_id": self.batch_id, "vouchers": [v.number for v in self.vouchers],
                "entries": self.entry_count, "warnings": self.warnings}


def _typed_numbers(vouchers: Sequence[VoucherDraft]) -> dict[str, dict[str, list[VoucherDraft]]]:
    """The voucher numbers typed in the journal, by series."""
    by_series: dict[str, dict[str, list[VoucherDraft]]] = {}
    for voucher in vouchers:
        if voucher.number:
            by_series.setdefault(voucher.series, {}).setdefault(voucher.number, []).append(voucher)
    return by_series


def _taken_numbers_sql(count: int) -> str:
    return f"SELECT voucher_number, posting_date FROM voucher WHERE company_id = ? AND series = ? AND voucher_number IN ({marks(count)})"


def _taken_voucher_numbers(connection, company: Company, vouchers, source, warnings: list[str] | None = None,
                           voucher_reuse: str | None = None, found: dict[str, list] | None = None) -> list:
    """The voucher numbers typed in the journal that posted vouchers of the same series have already, as the
    journal name's check for voucher used sees them (issue 15):

    reject: a number is used once in a series; reject_within_year: once per fiscal year; accept: again on
    another date; warn: again on another date, with a warning. On one date a number is always one voucher.
    """
    from ..errors import Problem
    from ..store.transactions import chunks

    problems = []
    calendar = company.calendar
    for series, given in sorted(_typed_numbers(vouchers).items()):
        policy = voucher_reuse or company.voucher_reuse(series)
        for chunk in chunks(sorted(given)) if found is None else [sorted(given)]:
            rows = (driver_rows(connection, _taken_numbers_sql(len(chunk)), (company.id, series, *chunk))
                    if found is None else found[series])
            for number, posted_on in rows:
                if isinstance(posted_on, str):  # SQLite's driver hands dates back as ISO text
                    posted_on = datetime.date.fromisoformat(posted_on)
                for voucher in given[number]:
                    same_date = voucher.date == posted_on
                    if policy == "reject_within_year":
                        refused = same_date or calendar.year_of(voucher.date) == calendar.year_of(posted_on)
                        why = f"in series {series} in the same fiscal year (on {posted_on})"
                    elif policy in ("accept", "warn"):
                        refused = same_date
                        why = f"in series {series} on {posted_on}"
                    else:
                        refused = True
                        why = f"in series {series}"
                    if refused:
                        problems.append(Problem("duplicate_voucher", f"voucher number {number} is already posted "
                                                f"{why}", voucher=number, line=voucher.first_line, source=source))
                    elif policy == "warn" and warnings is not None:
                        warnings.append(f"voucher number {number} of series {series} is used again: posted on "
                                        f"{posted_on}, now on {voucher.date}")
    return problems


def check_before_writing(connection: Connection, company: Company, vouchers: list[VoucherDraft],
                         source: str | None, warnings: list[str] | None = None,
                         voucher_reuse: str | None = None, taken: dict[str, list] | None = None,
                         posted_invoices: list[tuple] | None = None) -> None:
    """What only the ledger can tell: voucher numbers and vendor invoice numbers already posted. A voucher
    number used again that the check for voucher used lets through with a warning adds it to `warnings`. `taken`:
    the posted numbers of the typed ones by series, and `posted_invoices` the vendor invoices among the journal's,
    read already (prepare_to_write)."""
    problems = (_taken_voucher_numbers(connection, company, vouchers, source, warnings, voucher_reuse, taken)
                + duplicate_vendor_invoices(connection, company, vouchers, source, posted_invoices))
    if problems:
        raise JournalRejected(sorted(problems, key=lambda p: (p.line or 0, p.code)), source)


def write_plan(connection: Connection, company: Company, vouchers: list[VoucherDraft], warnings: list[str], *,
               source: str | None = None, batch_id: int | None = None,
               after: AfterWriting | None = None) -> PostingResult:
    """Check the planned vouchers against the ledger, number and write them; settles nothing. `after`: statements
    sent with the writes (write_vouchers)."""
    first_batch, reserved = prepare_to_write(connection, company, vouchers, source, warnings,
                                             0 if batch_id is not None else 1)
    if batch_id is None:
        batch_id = first_batch
    ids = write_vouchers(connection, company.id, vouchers, batch_id, source, reserved=reserved, after=after)
    return PostingResult(batch_id, posted_vouchers(vouchers, ids), warnings)


def posted_vouchers(vouchers: list[VoucherDraft], ids: list[tuple[int, Sequence[int], list[int]]]
                    ) -> list[PostedVoucher]:
    """The written drafts with the ids write_vouchers gave them."""
    return [PostedVoucher(voucher_id, v.number, v.series, v.date, v.kind, v, transaction_ids)
            for v, (voucher_id, _entries, transaction_ids) in zip(vouchers, ids)]


def post_lines_only(connection: Connection, company: Company, journal_name: str, lines: list[JournalLine], *,
                    one_voucher: bool | None = None, groups: frozenset[str] = frozenset(),
                    source: str | None = None, kind: str = "journal", batch_id: int | None = None,
                    after: AfterWriting | None = None) -> PostingResult:
    """Plan and write, settling nothing (a settlement's own payment: the settlement settles it)."""
    context = PostingContext(journal_name, one_voucher=one_voucher, user_groups=groups, source=source, kind=kind)
    plan = plan_posting(company, lines, context)
    return write_plan(connection, company, plan.vouchers, plan.warnings, source=source, batch_id=batch_id,
                      after=after)


def vendor_invoices(company: Company, vouchers: list[VoucherDraft]
                     ) -> Iterator[tuple[tuple[str, str], VoucherDraft, TransactionDraft]]:
    """The journal's vendor invoices with their (vendor, invoice key), when the AP parameter rejects duplicates.
    Trimmed and case-insensitive: inv-1 is INV-1 (limits.invoice_key)."""
    from ..limits import invoice_key

    if company.parameter("duplicate_vendor_invoice") == "allow":
        return
    for voucher in vouchers:
        for transaction in voucher.transactions:
            if (transaction.party_type == "vendor" and transaction.invoice
                    and is_invoice(transaction.party_type, transaction.amount_minor)):
                yield (transaction.party_id, invoice_key(transaction.invoice)), voucher, transaction


def duplicate_vendor_invoices(connection: Connection, company: Company, vouchers: list[VoucherDraft],
                               source: str | None, posted_invoices: list[tuple] | None = None) -> list:
    """A vendor's invoice number is used once (AP parameter: reject duplicates), in the journal and in the ledger.
    `posted_invoices`: posted_vendor_invoices of the journal's, when read already."""
    from ..errors import Problem
    from ..store.transactions import posted_vendor_invoices

    seen: dict[tuple[str, str], tuple[VoucherDraft, TransactionDraft]] = {}
    problems = []
    for key, voucher, transaction in vendor_invoices(company, vouchers):
        if key not in seen:
            seen[key] = voucher, transaction
            continue
        problems.append(Problem("duplicate_invoice", f"invoice {transaction.invoice} of vendor "
                                f"{transaction.party_id} appears twice in the journal",
                                voucher=voucher.number, line=transaction.line_no, source=source))
    if seen:
        if posted_invoices is None:
            posted_invoices = posted_vendor_invoices(connection, company.id, list(seen))
        for party_id, key, posted in posted_invoices:
            voucher, transaction = seen[(party_id, key)]
            same = "" if transaction.invoice == posted else f" (as {posted})"
            problems.append(Problem("duplicate_invoice", f"invoice {transaction.invoice} of vendor {party_id} is "
                                    f"already posted{same}", voucher=voucher.number, line=transaction.line_no,
                                    source=source))
    return problems


def recheck_periods(connection: Connection, company: Company, vouchers: list[VoucherDraft],
                    groups: frozenset[str] = frozenset()) -> None:
    """Read the vouchers' periods again inside the posting transaction — FOR SHARE on PostgreSQL, so that
    nobody puts them on hold until this posting commits — and refuse if one is no longer open.

    The rules ran on the company as loaded; a period closed by another session since then must still win.
    """
    from ..store.bulk import is_postgres

    period_ids = sorted({v.period_id for v in vouchers})
    if not period_ids:
        return
    _check_periods(vouchers, driver_rows(connection, periods_sql(len(period_ids), is_postgres(connection)),
                                         (company.id, *period_ids)))


def periods_sql(count: int, postgres: bool) -> str:
    return (f"SELECT period_id, status, name FROM fiscal_period WHERE company_id = ? AND period_id IN ({marks(count)})"
            + (" FOR SHARE" if postgres else ""))


def periods_not_open(period_ids: Iterable[int], rows: Sequence[tuple]) -> set[int]:
    """Which of the periods are not open by periods_sql's rows (a period without a row is not)."""
    from ..calendar.periods import PeriodStatus

    current = {period_id: status for period_id, status, _name in rows}
    return {period_id for period_id in period_ids if current.get(period_id) != PeriodStatus.open.value}


def _check_periods(vouchers: Sequence[VoucherDraft], rows: Sequence[tuple]) -> None:
    from ..errors import PeriodNotOpen

    current = {period_id: (status, name) for period_id, status, name in rows}
    # Each of the journal's few periods looked at once; only a period no longer open sends us through the vouchers
    # (a batch of 25,000 vouchers looked up every voucher's period, 25,000 times).
    closed = periods_not_open({voucher.period_id for voucher in vouchers}, rows)
    if not closed:
        return
    for voucher in vouchers:
        row = current.get(voucher.period_id)
        if voucher.period_id in closed:
            status = row[0].replace("_", " ") if row else "missing"
            raise PeriodNotOpen(f"voucher {voucher.number or '(new)'}: period {row[1] if row else voucher.period_id}"
                                f" is {status} now (changed while posting); nothing was posted")


def prepare_to_write(connection: Connection, company: Company, vouchers: list[VoucherDraft], source: str | None,
                     warnings: list[str], batches: int = 1) -> tuple[int, tuple | None]:
    """Everything before writing, in this order: read the periods again (recheck_periods), take `batches` batch
    numbers, check the typed voucher numbers and vendor invoice numbers (check_before_writing), number the vouchers
    without one (assign_voucher_numbers), and on PostgreSQL reserve write_vouchers' ids and read the chain heads.
    Returns the first batch id (0 without batches) and what to give write_vouchers as `reserved`.

    Taking the batch number before the checks holds the company's batch counter (a row lock on PostgreSQL, the write
    lock on SQLite) while the voucher numbers are checked, so that two postings cannot both find a number free: the
    store's unique key covers only a number on one date (a check for voucher used may allow it again on another).
    On PostgreSQL a few vouchers' statements go in one round trip (bulk.pipelined), in the same order, so that the
    locks are taken in the same order as one by one."""
    from ..store.bulk import COPY_FROM, is_citus, is_postgres

    if not vouchers or not is_postgres(connection) or is_citus(connection) or len(vouchers) >= COPY_FROM:
        recheck_periods(connection, company, vouchers)
        first_batch = next_ids(connection, company.id, "batch", batches)
        check_before_writing(connection, company, vouchers, source, warnings)
        assign_voucher_numbers(connection, company, vouchers)
        return first_batch, None
    return _prepare_in_one_round_trip(connection, company, vouchers, source, warnings, batches)


def _prepare_in_one_round_trip(connection: Connection, company: Company, vouchers: list[VoucherDraft],
                               source: str | None, warnings: list[str], batches: int) -> tuple[int, tuple | None]:
    from ..store.bulk import pipelined_rows, reserve_ids_statement
    from ..store.ledger_writer import reserve_statements, reserved_ids, writes_in_one_round_trip
    from ..store.transactions import posted_vendor_invoices_among, vendor_invoice_pairs_statement

    period_ids = sorted({v.period_id for v in vouchers})
    typed = sorted(_typed_numbers(vouchers).items())
    unnumbered: dict[str, int] = {}
    for voucher in vouchers:
        if not voucher.number:
            unnumbered[voucher.series] = unnumbered.get(voucher.series, 0) + 1
    counters = ([("batch", batches)] if batches else []) + [(f"voucher:{series}", count)
                                                             for series, count in sorted(unnumbered.items())]
    statements = [(periods_sql(len(period_ids), True).replace("?", "%s"), (company.id, *period_ids))]
    statements += [reserve_ids_statement(company.id, counter, count) for counter, count in counters[:1]]
    statements += [(_taken_numbers_sql(len(given)).replace("?", "%s"), (company.id, series, *sorted(given)))
                   for series, given in typed]
    statements += [reserve_ids_statement(company.id, counter, count) for counter, count in counters[1:]]
    counters_end = len(statements)
    # The journal's vendor invoices already posted (rule: no duplicates), when one statement asks for them all.
    invoice_keys = sorted({key for key, _voucher, _transaction in vendor_invoices(company, vouchers)})
    ask_invoices = 0 < len(invoice_keys) <= 2000 and all(key.isascii() for _party, key in invoice_keys)
    if ask_invoices:
        statements.append(vendor_invoice_pairs_statement(company.id, invoice_keys, lateral=True))  # not Citus here
    writes_at = len(statements)
    if writes_in_one_round_trip(connection, vouchers):  # write_vouchers' ids and chain heads, locked in its order
        statements += reserve_statements(company.id, vouchers)
    results = pipelined_rows(connection, statements)
    _check_periods(vouchers, results[0])
    # results: the periods, the first counter, the typed numbers' series, the other counters
    head = 1 + (1 if counters else 0)
    reserved = results[1:head] + results[head + len(typed):counters_end]
    firsts = {counter: rows[0][0] - count if rows else next_ids(connection, company.id, counter, count)
              for (counter, count), rows in zip(counters, reserved)}
    check_before_writing(connection, company, vouchers, source, warnings,
                         taken={series: rows for (series, _given), rows in zip(typed, results[head:])},
                         posted_invoices=posted_vendor_invoices_among(results[writes_at - 1], invoice_keys)
                         if ask_invoices else None)
    assign_voucher_numbers(connection, company, vouchers, firsts={counter.removeprefix("voucher:"): first
                                                            for counter, first in firsts.items() if counter != "batch"})
    return firsts.get("batch", 0), (reserved_ids(connection, company.id, vouchers, results[writes_at:])
                                    if len(results) > writes_at else None)
