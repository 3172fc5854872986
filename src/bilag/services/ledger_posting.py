"""Posting vouchers to the ledger inside an open transaction: check what only the ledger can tell, number,
write. Knows nothing of settlement: settling what a journal marks is the use case in `services.posting`."""
from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from ..company import Company
from ..errors import JournalRejected
from ..journal.model import JournalLine, VoucherDraft
from ..journal.posting import PostingContext, plan_posting
from ..parties.model import is_invoice
from ..store.bulk import driver_rows, marks, next_ids
from ..store.ledger_writer import assign_voucher_numbers, write_vouchers


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


def _taken_voucher_numbers(connection, company: Company, vouchers, source, warnings: list[str] | None = None,
                           voucher_reuse: str | None = None) -> list:
    """The voucher numbers typed in the journal that posted vouchers of the same series have already, as the
    journal name's check for voucher used sees them (issue 15):

    reject: a number is used once in a series; reject_within_year: once per fiscal year; accept: again on
    another date; warn: again on another date, with a warning. On one date a number is always one voucher.
    """
    from ..errors import Problem
    from ..store.transactions import chunks

    by_series: dict[str, dict[str, list[VoucherDraft]]] = {}
    for voucher in vouchers:
        if voucher.number:
            by_series.setdefault(voucher.series, {}).setdefault(voucher.number, []).append(voucher)
    problems = []
    calendar = company.calendar
    for series, given in sorted(by_series.items()):
        policy = voucher_reuse or company.voucher_reuse(series)
        for chunk in chunks(sorted(given)):
            rows = driver_rows(connection, "SELECT voucher_number, posting_date FROM voucher WHERE company_id = ? "
                               f"AND series = ? AND voucher_number IN ({marks(len(chunk))})",
                               (company.id, series, *chunk))
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
                         voucher_reuse: str | None = None) -> None:
    """What only the ledger can tell: voucher numbers and vendor invoice numbers already posted. A voucher
    number used again that the check for voucher used lets through with a warning adds it to `warnings`."""
    problems = (_taken_voucher_numbers(connection, company, vouchers, source, warnings, voucher_reuse)
                + _duplicate_vendor_invoices(connection, company, vouchers, source))
    if problems:
        raise JournalRejected(sorted(problems, key=lambda p: (p.line or 0, p.code)), source)


def write_plan(connection: Connection, company: Company, vouchers: list[VoucherDraft], warnings: list[str], *,
               source: str | None = None, batch_id: int | None = None) -> PostingResult:
    """Check the planned vouchers against the ledger, number and write them; settles nothing."""
    recheck_periods(connection, company, vouchers)
    if batch_id is None:
        # Taking the batch number first holds the company's batch counter (a row lock on PostgreSQL, the write
        # lock on SQLite) while the voucher numbers are checked, so that two postings cannot both find a number
        # free: the store's unique key covers only a number on one date (a check for voucher used may allow it
        # again on another).
        batch_id = next_ids(connection, company.id, "batch", 1)
    check_before_writing(connection, company, vouchers, source, warnings)
    assign_voucher_numbers(connection, company, vouchers)
    ids = write_vouchers(connection, company.id, vouchers, batch_id, source)
    return PostingResult(batch_id, posted_vouchers(vouchers, ids), warnings)


def posted_vouchers(vouchers: list[VoucherDraft], ids: list[tuple[int, Sequence[int], list[int]]]
                    ) -> list[PostedVoucher]:
    """The written drafts with the ids write_vouchers gave them."""
    return [PostedVoucher(voucher_id, v.number, v.series, v.date, v.kind, v, transaction_ids)
            for v, (voucher_id, _entries, transaction_ids) in zip(vouchers, ids)]


def post_lines_only(connection: Connection, company: Company, journal_name: str, lines: list[JournalLine], *,
                    one_voucher: bool | None = None, groups: frozenset[str] = frozenset(),
                    source: str | None = None, kind: str = "journal", batch_id: int | None = None) -> PostingResult:
    """Plan and write, settling nothing (a settlement's own payment: the settlement settles it)."""
    context = PostingContext(journal_name, one_voucher=one_voucher, user_groups=groups, source=source, kind=kind)
    plan = plan_posting(company, lines, context)
    return write_plan(connection, company, plan.vouchers, plan.warnings, source=source, batch_id=batch_id)


def _duplicate_vendor_invoices(connection: Connection, company: Company, vouchers: list[VoucherDraft],
                               source: str | None) -> list:
    """A vendor's invoice number is used once (AP parameter: reject duplicates), in the journal and in the ledger."""
    from ..errors import Problem
    from ..limits import invoice_key
    from ..store.transactions import posted_vendor_invoices

    if company.parameter("duplicate_vendor_invoice") == "allow":
        return []
    seen: dict[tuple[str, str], VoucherDraft] = {}
    problems = []
    for voucher in vouchers:
        for transaction in voucher.transactions:
            if (transaction.party_type != "vendor" or not transaction.invoice
                    or not is_invoice(transaction.party_type, transaction.amount_minor)):
                continue
            # Trimmed and case-insensitive: inv-1 is INV-1 (limits.invoice_key).
            key = (transaction.party_id, invoice_key(transaction.invoice))
            if key in seen:
                problems.append(Problem("duplicate_invoice", f"invoice {transaction.invoice} of vendor "
                                        f"{transaction.party_id} appears twice in the journal",
                                        voucher=voucher.number, line=transaction.line_no, source=source))
            seen[key] = voucher
    if seen:
        for party_id, key, posted in posted_vendor_invoices(connection, company.id, list(seen)):
            voucher = seen[(party_id, key)]
            transaction = next(t for t in voucher.transactions
                               if t.party_id == party_id and t.invoice and invoice_key(t.invoice) == key)
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
    from ..calendar.periods import PeriodStatus
    from ..errors import PeriodNotOpen
    from ..store.bulk import is_postgres

    period_ids = sorted({v.period_id for v in vouchers})
    if not period_ids:
        return
    rows = driver_rows(connection, "SELECT period_id, status, name FROM fiscal_period WHERE company_id = ? AND "
                       f"period_id IN ({marks(len(period_ids))}){' FOR SHARE' if is_postgres(connection) else ''}",
                       (company.id, *period_ids))
    current = {period_id: (status, name) for period_id, status, name in rows}
    open_status = PeriodStatus.open.value
    for voucher in vouchers:
        row = current.get(voucher.period_id)
        if row is None or row[0] != open_status:
            status = row[0].replace("_", " ") if row else "missing"
            raise PeriodNotOpen(f"voucher {voucher.number or '(new)'}: period {row[1] if row else voucher.period_id}"
                                f" is {status} now (changed while posting); nothing was posted")
