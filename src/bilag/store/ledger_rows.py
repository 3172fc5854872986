"""The rows a posting writes — vouchers, ledger entries, customer/vendor transactions, sales tax — and what they
change: the balances' deltas and the chains' heads. Pure: made from the planned vouchers and the first id of each
counter, so that they can be made where the ids are not reserved (services/posting_apart.py: in a child process
while this one writes the chunk before) as where they are (ledger_writer.write_vouchers)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

from ..errors import InvalidInput
from ..journal.chain import GENESIS, voucher_hash
from ..journal.model import VoucherDraft
from ..limits import TEXT_LIMITS
from .bulk import IsoDates

# Descriptions are written as they are, never cut: what users type is refused longer by the readers (bad input
# naming file, line and field), what bilag generates is made to fit by limits.fit_text. A longer one reaching the
# writer (a caller of the Python API that built its own drafts) is refused here, before anything is written.
DESCRIPTION_LIMIT = TEXT_LIMITS["description"]


def _too_long(voucher: VoucherDraft, what: str | None, text: str) -> None:
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise InvalidInput(f"voucher {voucher.number or '(new)'} (series {voucher.series}){', ' + what if what else ''}: "
                       f"the description '{shown}' is {len(text):,} characters long; it holds at most "
                       f"{DESCRIPTION_LIMIT}", code="too_long")


@dataclass(slots=True)
class LedgerRows:
    """What ledger_rows makes. tax_rows are lists whose id (column 1) the writer sets once it has them."""

    voucher_rows: list[tuple]
    entry_rows: list[tuple]
    transaction_rows: list[tuple]
    tax_rows: list[list]
    deltas: dict[tuple, list[int]]  # (ledger account, currency, period id, main account) -> [amount, accounting]
    ids: list[tuple[int, Sequence[int], list[int]]]  # per voucher: its id, its entries' ids, its transactions'
    moves: dict[str, tuple[int, str]]  # series -> (its last voucher's id, the chain's new head)


def ledger_rows(company_id: str, vouchers: list[VoucherDraft], batch_id: int | list[int], voucher_id: int,
                entry_id: int, transaction_id: int, heads: dict[str, str],
                deltas: dict[tuple, list[int]] | None = None) -> LedgerRows:
    """The vouchers' rows, their ids counted from the first ones given; `heads` (series -> hash) is moved along
    each series' chain. `batch_id`: one batch for all, or one per voucher. `deltas`: the balances' deltas to add
    these vouchers' to (a journal written a chunk at a time); a new dict without."""
    voucher_rows: list[tuple] = []
    entry_rows: list[tuple] = []
    transaction_rows: list[tuple] = []
    tax_rows: list[list] = []
    deltas = {} if deltas is None else deltas
    ids: list[tuple[int, Sequence[int], list[int]]] = []
    last_of_series: dict[str, int] = {}
    # Dates go to the driver as ISO text, made once per date: it is what SQLite stores (and SQLAlchemy's
    # Date reads back) and what COPY parses; the driver would otherwise adapt the same date per row.
    iso_dates = IsoDates()
    append_entry, delta_of = entry_rows.append, deltas.get
    for voucher, batch in zip(vouchers, batch_id if isinstance(batch_id, list) else repeat(batch_id)):
        period_id = voucher.period_id
        day = iso_dates[voucher.date]
        description = voucher.description or ""
        if len(description) > DESCRIPTION_LIMIT:
            _too_long(voucher, None, description)
        voucher_row = (company_id, voucher_id, voucher.series, voucher.number, day, period_id, voucher.kind,
                       batch, description)
        first_entry = entry_id
        first_row = len(entry_rows)
        for entry in voucher.entries:
            ledger_account, main_account, currency = entry.ledger_account, entry.main_account, entry.currency
            amount_minor, accounting_minor, text = entry.amount_minor, entry.accounting_minor, entry.description
            if len(text) > DESCRIPTION_LIMIT:
                _too_long(voucher, f"entry {entry.line_no}", text)
            append_entry((company_id, entry_id, voucher_id, day, period_id, ledger_account, main_account,
                          entry.posting_type, currency, amount_minor, accounting_minor, text, entry.party_type,
                          entry.party_id))
            entry_id += 1
            delta = delta_of((ledger_account, currency, period_id, main_account))
            if delta is None:
                deltas[(ledger_account, currency, period_id, main_account)] = [amount_minor, accounting_minor]
            else:
                delta[0] += amount_minor
                delta[1] += accounting_minor
        # Tamper evidence: the voucher's hash over its rows and its predecessor's hash (journal/chain.py).
        previous = heads.get(voucher.series, GENESIS)
        heads[voucher.series] = chained = voucher_hash(previous, voucher_row, entry_rows[first_row:])
        voucher_rows.append((company_id, voucher_id, voucher.series, voucher.number, day, period_id, voucher.kind,
                             batch, description, previous, chained))
        last_of_series[voucher.series] = voucher_id
        transaction_ids = []
        for t in voucher.transactions:
            if len(t.description) > DESCRIPTION_LIMIT:
                _too_long(voucher, "its customer/vendor transaction", t.description)
            transaction_rows.append((
                company_id, transaction_id, t.party_type, t.party_id, voucher_id, first_entry + t.entry_index,
                day, iso_dates[t.document_date], iso_dates[t.due_date], t.invoice, t.document_number,
                t.description, t.currency, t.amount_minor, t.accounting_minor, str(t.exchange_rate),
                t.amount_minor, t.accounting_minor, t.ledger_account, t.posting_profile, t.cash_discount_code,
                iso_dates[t.cash_discount_date], 0, "normal", 0, 1, t.tax_code,
            ))
            transaction_ids.append(transaction_id)
            transaction_id += 1
        if voucher.taxes:
            tax_rows.extend(_tax_rows(company_id, voucher, voucher_id, first_entry, day, transaction_ids))
        ids.append((voucher_id, range(first_entry, entry_id), transaction_ids))
        voucher_id += 1
    moves = {series: (last_of_series[series], heads[series]) for series in last_of_series}
    return LedgerRows(voucher_rows, entry_rows, transaction_rows, tax_rows, deltas, ids, moves)


def _tax_rows(company_id: str, voucher: VoucherDraft, voucher_id: int, first_entry: int, day: str,
              transaction_ids: list[int]) -> list[list]:
    """The tax of each line and code; a tax without its own transaction belongs to the voucher's only one."""
    only = transaction_ids[0] if len(transaction_ids) == 1 else None
    rows = []
    entries = voucher.entries
    for tax in voucher.taxes:
        base = entries[tax.base_index]
        entry = entries[tax.tax_index] if tax.tax_index is not None else None
        transaction_id = transaction_ids[tax.transaction_index] if tax.transaction_index is not None else only
        if tax.transaction_id is not None:
            transaction_id = tax.transaction_id
        base_minor = base.amount_minor if tax.base_minor is None else tax.base_minor
        base_accounting = base.accounting_minor if tax.base_accounting_minor is None else tax.base_accounting_minor
        rows.append([company_id, 0, voucher_id, first_entry + (tax.tax_index if entry is not None and tax.tax_index is not None else tax.base_index),
                     transaction_id, day, tax.tax_code, tax.direction,
                     entry.ledger_account if entry else base.ledger_account, base.currency, base_minor,
                     entry.amount_minor if entry else 0, base_accounting, entry.accounting_minor if entry else 0])
    return rows
