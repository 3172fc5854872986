"""Reports as data: trial balance, voucher inquiry, ledger journal report, open transactions.

Rendering (text, JSON, CSV) belongs to the interfaces. The trial balance reads the balances table
(O(accounts)), plus the entries of a period cut by an as-of date inside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import PeriodKind
from ..errors import InvalidInput, NotFound
from ..money import format_minor
from ..parties.model import is_invoice
from ..settlement.discounts import discount_to_take_minor, full_discount_minor
from ..store import schema as s
from ..store.bulk import unindexed
from ..store.companies import load_company, load_periods, load_reporting_context, resolve_company_id


@dataclass(frozen=True)
class TrialBalanceLine:
    account: str
    name: str
    currency: str
    debit_minor: int
    credit_minor: int
    decimals: int

    @property
    def balance_minor(self) -> int:
        return self.debit_minor - self.credit_minor

    def as_dict(self) -> dict:
        return {"account": self.account, "name": self.name, "currency": self.currency,
                "debit": format_minor(self.debit_minor, self.decimals),
                "credit": format_minor(self.credit_minor, self.decimals),
                "balance": format_minor(self.balance_minor, self.decimals)}


def trial_balance_in(connection: Connection, company_id: str, *, as_of: date | None = None,
                     date_from: date | None = None, by: str = "ledger_account",
                     currency_mode: str = "accounting", include_closing: bool = True) -> list[TrialBalanceLine]:
    """Balances per account as of a date (or movements in [date_from, as_of]); debit and credit columns.

    `include_closing=False` leaves out the closing periods (the year-end closing entries), to show the
    profit and loss accounts of the last month before they are closed.
    """
    if by not in ("ledger_account", "main_account"):
        raise InvalidInput("by is ledger_account or main_account", code="bad_option")
    if currency_mode not in ("accounting", "transaction"):
        raise InvalidInput("currency is accounting or transaction", code="bad_option")
    if date_from and as_of and date_from > as_of:
        raise InvalidInput(f"the period runs from {date_from} to {as_of}: the start is after the end",
                           code="bad_option")
    company = load_reporting_context(connection, company_id)
    periods = load_periods(connection, company_id)
    key_column = s.balance.c.ledger_account if by == "ledger_account" else s.balance.c.main_account
    amount_column = s.balance.c.accounting_minor if currency_mode == "accounting" else s.balance.c.amount_minor
    # Periods wholly inside [date_from, as_of] are read from the balances table; a period cut by either
    # date (at most the first and the last month, and a closing period sharing its dates) from its entries.
    whole, partial = [], []
    first_year = None if date_from else _first_year_carried(connection, company_id, periods, as_of)
    for period in periods:
        if (date_from and period.end < date_from) or (as_of and period.start > as_of):
            continue
        if first_year is not None and period.year < first_year:
            continue  # a closed year's balances arrive as the next year's opening vouchers (year-end close)
        if not include_closing and period.kind == PeriodKind.closing:
            continue
        if (date_from is None or period.start >= date_from) and (as_of is None or period.end <= as_of):
            whole.append(period.id)
        else:
            partial.append(period)
    totals: dict[tuple[str, str], int] = {}
    group_currency = s.balance.c.currency if currency_mode == "transaction" else None
    columns = [key_column] + ([group_currency] if group_currency is not None else [])
    if whole:
        query = select(*columns, func.sum(amount_column)).where(
            s.balance.c.company_id == company_id, s.balance.c.period_id.in_(whole)).group_by(*columns)
        for row in connection.execute(query):
            currency = row[1] if group_currency is not None else company.accounting_currency
            totals[(row[0], currency)] = totals.get((row[0], currency), 0) + int(row[-1])
    e = s.ledger_entry
    entry_key = e.c.ledger_account if by == "ledger_account" else e.c.main_account
    entry_amount = e.c.accounting_minor if currency_mode == "accounting" else e.c.amount_minor
    for period in partial:
        low = max(period.start, date_from) if date_from else period.start
        high = min(period.end, as_of) if as_of else period.end
        entry_columns = [entry_key] + ([e.c.currency] if currency_mode == "transaction" else [])
        query = select(*entry_columns, func.sum(entry_amount)).where(
            e.c.company_id == company_id, e.c.period_id == period.id, e.c.posting_date >= low,
            e.c.posting_date <= high).group_by(*entry_columns)
        for row in connection.execute(query):
            currency = row[1] if currency_mode == "transaction" else company.accounting_currency
            totals[(row[0], currency)] = totals.get((row[0], currency), 0) + int(row[-1])
    lines = []
    for (account, currency), amount in sorted(totals.items()):
        if amount == 0:
            continue
        name = company.account_names.get(account.split("-")[0], "")
        lines.append(TrialBalanceLine(account, name, currency, max(amount, 0), max(-amount, 0),
                                      company.decimals(currency)))
    return lines


def _first_year_carried(connection: Connection, company_id: str, periods, as_of: date | None) -> int | None:
    """After a year-end close, the balances as of a later date start at the next year's opening period."""
    years = [p.year for p in periods if as_of is None or p.start <= as_of]
    if not years:
        return None
    current = max(years)
    closed = [row[0] for row in connection.execute(select(s.close_run.c.year).where(
        s.close_run.c.company_id == company_id, s.close_run.c.kind == "year_end", s.close_run.c.status == "posted",
        s.close_run.c.year < current))]
    return max(closed) + 1 if closed else None


def trial_balance(engine: Engine, company_id: str | None = None, **options) -> list[TrialBalanceLine]:
    with engine.connect() as connection:
        return trial_balance_in(connection, resolve_company_id(connection, company_id), **options)


def _load_vouchers(connection: Connection, company_id: str, *, voucher_number: str | None = None,
                   series: str | None = None, date_from: date | None = None, date_to: date | None = None,
                   batch_id: int | None = None, limit: int | None = None) -> dict[int, tuple]:
    """voucher_id -> (voucher row, [entry rows]) in posting order; entries read in chunks of ids."""
    v, e = s.voucher, s.ledger_entry
    query = select(v.c.voucher_id, v.c.voucher_number, v.c.series, v.c.posting_date, v.c.kind, v.c.batch_id,
                   v.c.description).where(v.c.company_id == company_id)
    if voucher_number:
        query = query.where(v.c.voucher_number == voucher_number)
    if series:
        query = query.where(v.c.series == series)
    if date_from:
        query = query.where(v.c.posting_date >= date_from)
    if date_to:
        query = query.where(v.c.posting_date <= date_to)
    if batch_id is not None:
        query = query.where(v.c.batch_id == batch_id)
    # What the caller names — a number, a journal name, a range of dates — is read by its index and sorted here; the
    # whole journal (or a page of it) in key order.
    named = voucher_number or series or date_from or date_to
    query = query.order_by(unindexed(v.c.voucher_id) if named else v.c.voucher_id)
    if limit:
        query = query.limit(limit)
    vouchers: dict[int, tuple] = {row.voucher_id: (row, []) for row in connection.execute(query)}
    ids = list(vouchers)
    for chunk_start in range(0, len(ids), 5000):
        chunk = ids[chunk_start:chunk_start + 5000]
        rows = connection.execute(select(e).where(e.c.company_id == company_id, e.c.voucher_id.in_(chunk))
                                  .order_by(unindexed(e.c.entry_id)))
        for row in rows:
            vouchers[row.voucher_id][1].append(row)
    return vouchers


def _entry_dict(company, row) -> dict:
    accounting_decimals = company.decimals(company.accounting_currency)
    return {
        "account": row.ledger_account, "posting_type": row.posting_type, "currency": row.currency,
        "amount": format_minor(row.amount_minor, company.decimals(row.currency)),
        "amount_accounting": format_minor(row.accounting_minor, accounting_decimals),
        "debit": format_minor(max(row.accounting_minor, 0), accounting_decimals),
        "credit": format_minor(max(-row.accounting_minor, 0), accounting_decimals),
        "description": row.description, "party_type": row.party_type, "party": row.party_id,
    }


def _voucher_dict(company, header, entries) -> dict:
    decimals = company.decimals(company.accounting_currency)
    return {"voucher": header.voucher_number, "series": header.series, "date": header.posting_date.isoformat(),
            "kind": header.kind, "batch": header.batch_id, "description": header.description,
            "entries": [_entry_dict(company, row) for row in entries],
            "debit": format_minor(sum(r.accounting_minor for r in entries if r.accounting_minor > 0), decimals),
            "credit": format_minor(-sum(r.accounting_minor for r in entries if r.accounting_minor < 0), decimals)}


def voucher_entries(connection: Connection, company_id: str, *, voucher_number: str | None = None,
                    series: str | None = None, date_from: date | None = None, date_to: date | None = None,
                    batch_id: int | None = None, limit: int | None = None) -> list[dict]:
    """Vouchers with their entries, in posting order (voucher inquiry and ledger journal report).

    Each entry carries its amount in transaction and accounting currency and its debit or credit in the
    accounting currency; each voucher its debit and credit totals.
    """
    company = load_company(connection, company_id)
    vouchers = _load_vouchers(connection, company_id, voucher_number=voucher_number, series=series,
                              date_from=date_from, date_to=date_to, batch_id=batch_id, limit=limit)
    return [_voucher_dict(company, header, entries) for header, entries in vouchers.values()]


def open_transactions(connection: Connection, company_id: str, *, party_type: str | None = None,
                      party_id: str | None = None, include_closed: bool = False) -> list[dict]:
    """Customer/vendor transactions with the settle form's fields (domain.md B5.1); closed ones on request.

    Due date and cash discount date are those fixed at posting (payment terms' days and the discount code's
    days after the document date). The cash discount amount is the full discount of the first code, signed
    like the transaction; the amount to take is what remains of it after discounts already taken — zero
    when the transaction never takes a discount, or is a credit note while credit-note discounts are off.
    """
    if party_type is not None:
        party_type = str(getattr(party_type, "value", party_type))
    from ..store.stored_journals import marked_in_open_journals

    company = load_company(connection, company_id)
    marked = marked_in_open_journals(
        connection, company_id, [(party_type, party_id)] if party_type is not None and party_id is not None else None)
    t, v = s.party_transaction, s.voucher
    query = select(t, v.c.voucher_number).join(v, and_(v.c.company_id == t.c.company_id,
                                                          v.c.voucher_id == t.c.voucher_id)).where(
        t.c.company_id == company_id)
    if party_type:
        query = query.where(t.c.party_type == party_type)
    if party_id:
        query = query.where(t.c.party_id == party_id)
    if not include_closed:
        query = query.where(t.c.open_minor != 0)
    query = query.order_by(unindexed(t.c.transaction_id) if party_id else t.c.transaction_id)
    accounting_decimals = company.decimals(company.accounting_currency)
    credit_note_discounts = bool(company.parameter("cash_discount_credit_notes"))
    holds: dict[tuple[str, str], dict] = {}
    result = []
    for row in connection.execute(query):
        decimals = company.decimals(row.currency)
        discount = _discount_shown(company, row)
        hold = holds.get((row.party_type, row.party_id))
        if hold is None:
            hold = holds[row.party_type, row.party_id] = _hold_of(company, row.party_type, row.party_id)
        result.append({
            "transaction": row.transaction_id,
            "party_type": row.party_type, "party": row.party_id, "voucher": row.voucher_number,
            "invoice": row.invoice, "date": row.posting_date.isoformat(), "document_date": row.document_date.isoformat(),
            "due_date": row.due_date.isoformat(), "currency": row.currency,
            "amount": format_minor(row.amount_minor, decimals),
            "amount_accounting": format_minor(row.accounting_minor, accounting_decimals),
            "open_amount": format_minor(row.open_minor, decimals),
            "open_amount_accounting": format_minor(row.open_accounting_minor, accounting_decimals),
            "cash_discount_code": row.cash_discount_code,
            "cash_discount_date": row.cash_discount_date.isoformat() if row.cash_discount_date else None,
            "cash_discount_amount": format_minor(discount, decimals),
            "cash_discount_taken": format_minor(row.cash_discount_taken_minor, decimals),
            "cash_discount_to_take": format_minor(_discount_to_take(row, discount, credit_note_discounts), decimals),
            "use_cash_discount": row.use_cash_discount,
            "last_revaluation_date": row.last_revaluation_date.isoformat() if row.last_revaluation_date else None,
            "last_revaluation_rate": row.last_revaluation_rate, "last_revaluation_voucher": row.last_revaluation_voucher,
            "payment_release_date": row.payment_release_date.isoformat() if row.payment_release_date else None,
            "closed_on": row.closed_on.isoformat() if row.closed_on else None,
            "tax_code": row.tax_code,
            **hold,
            "marked_elsewhere": [f"journal {j}" for j in marked.get((row.party_type, row.party_id, row.invoice), [])]
            if row.invoice else [],
        })
    return result


def open_counts(connection: Connection, company_id: str) -> dict[tuple[str, str], int]:
    """(party type, party) -> how many of its transactions are open, counted by the store (a dashboard needs the
    counts, not a million transactions)."""
    t = s.party_transaction
    return {(row[0], row[1]): row[2] for row in connection.execute(
        select(t.c.party_type, t.c.party_id, func.count()).where(t.c.company_id == company_id, t.c.open_minor != 0)
        .group_by(t.c.party_type, t.c.party_id))}


# What the settle form shows of each open transaction (open_transactions gives all of it).
_SETTLE_FORM_COLUMNS = ("transaction_id", "party_type", "invoice", "posting_date", "due_date", "currency",
                        "amount_minor", "open_minor", "cash_discount_code", "cash_discount_date",
                        "cash_discount_taken_minor", "use_cash_discount")


def settle_form_transactions(connection: Connection, company_id: str, party_type: str, party_id: str) -> list[dict]:
    """One customer's or vendor's open transactions with the settle form's columns only — the same values as
    open_transactions, read and built for just those columns: a thousand rows in a fraction of the time."""
    from ..store.stored_journals import marked_in_open_journals

    company = load_company(connection, company_id)
    marked = marked_in_open_journals(connection, company_id, [(party_type, party_id)])
    t, v = s.party_transaction, s.voucher
    query = (select(*(t.c[name] for name in _SETTLE_FORM_COLUMNS), v.c.voucher_number)
             .join(v, and_(v.c.company_id == t.c.company_id, v.c.voucher_id == t.c.voucher_id))
             .where(t.c.company_id == company_id, t.c.party_type == party_type, t.c.party_id == party_id,
                    t.c.open_minor != 0).order_by(unindexed(t.c.transaction_id)))
    credit_note_discounts = bool(company.parameter("cash_discount_credit_notes"))
    result = []
    for row in connection.execute(query).all():
        decimals = company.decimals(row.currency)
        discount = _discount_shown(company, row)
        result.append({
            "transaction": row.transaction_id, "voucher": row.voucher_number, "invoice": row.invoice,
            "date": row.posting_date.isoformat(), "due_date": row.due_date.isoformat(), "currency": row.currency,
            "amount": format_minor(row.amount_minor, decimals), "open_amount": format_minor(row.open_minor, decimals),
            "cash_discount_date": row.cash_discount_date.isoformat() if row.cash_discount_date else None,
            "cash_discount_to_take": format_minor(_discount_to_take(row, discount, credit_note_discounts), decimals),
            "marked_elsewhere": [f"journal {j}" for j in marked.get((party_type, party_id, row.invoice), [])]
            if row.invoice else [],
        })
    return result


def _hold_of(company, party_type: str, party_id: str) -> dict:
    """The customer's/vendor's hold, as the settle form shows it beside each transaction."""
    from ..parties.model import PartyType

    party = company.party(PartyType(party_type), party_id)
    hold = party.hold.value if party is not None else None
    release = party.hold_release_date.isoformat() if party is not None and party.hold_release_date else None
    return {"hold": hold, "hold_release_date": release}


def _discount_shown(company, row) -> int:
    """The first code's full discount, signed like the transaction, as the settle form shows it."""
    code = company.cash_discounts.get(row.cash_discount_code or "")
    if code is None:
        return 0
    minor = full_discount_minor(abs(row.amount_minor), code.percent)
    return -minor if row.amount_minor < 0 else minor


def _discount_to_take(row, discount_minor: int, credit_note_discounts: bool) -> int:
    """Cash discount amount to take = discount amount − discount already taken (B5.2, API-CD1/2).

    Nothing is left to take on a closed transaction, and never more than what is open.
    """
    if discount_minor == 0 or row.use_cash_discount == "never" or row.open_minor == 0:
        return 0
    if not is_invoice(row.party_type, row.amount_minor) and not credit_note_discounts:
        return 0
    sign = -1 if discount_minor < 0 else 1
    return sign * discount_to_take_minor(discount_minor, row.cash_discount_taken_minor, row.open_minor)


def ledger_journal_report(engine: Engine, company_id: str | None, *, date_from: date | None = None,
                          date_to: date | None = None, series: str | None = None) -> dict:
    """Seed 002's Ledger journal report: every voucher of the range with its entries and totals.

    Debit and credit are in the accounting currency: per entry, per voucher, per journal name, per posting
    type and overall. A period-end review reads the totals per journal name and per posting type first.
    """
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(f"the range runs from {date_from} to {date_to}: the start is after the end",
                           code="bad_option")
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        loaded = _load_vouchers(connection, company_id, date_from=date_from, date_to=date_to, series=series)
    decimals = company.decimals(company.accounting_currency)
    journals: dict[str, list[int]] = {}  # journal name -> [vouchers, debit, credit]
    posting_types: dict[str, list[int]] = {}  # posting type -> [entries, debit, credit]
    debit = credit = entry_count = 0
    for header, entries in loaded.values():
        journal = journals.setdefault(header.series, [0, 0, 0])
        journal[0] += 1
        for row in entries:
            side_debit, side_credit = max(row.accounting_minor, 0), max(-row.accounting_minor, 0)
            journal[1] += side_debit
            journal[2] += side_credit
            kind = posting_types.setdefault(row.posting_type, [0, 0, 0])
            kind[0] += 1
            kind[1] += side_debit
            kind[2] += side_credit
            debit += side_debit
            credit += side_credit
            entry_count += 1
    return {"company": company_id, "currency": company.accounting_currency,
            "from": date_from.isoformat() if date_from else None, "to": date_to.isoformat() if date_to else None,
            "journal_name": series,
            "vouchers": [_voucher_dict(company, header, entries) for header, entries in loaded.values()],
            "journals": [{"journal_name": name, "vouchers": n, "debit": format_minor(d, decimals),
                          "credit": format_minor(c, decimals)} for name, (n, d, c) in sorted(journals.items())],
            "posting_types": [{"posting_type": name, "entries": n, "debit": format_minor(d, decimals),
                               "credit": format_minor(c, decimals)} for name, (n, d, c) in sorted(posting_types.items())],
            "voucher_count": len(loaded), "entry_count": entry_count,
            "debit": format_minor(debit, decimals), "credit": format_minor(credit, decimals)}


def find_voucher(engine: Engine, company_id: str | None, number: str) -> list[dict]:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        found = voucher_entries(connection, company_id, voucher_number=number)
        _attach_reversal_links(connection, company_id, number, found)
    if not found:
        raise NotFound(f"voucher {number} does not exist", code="unknown_voucher")
    return found


def _attach_reversal_links(connection: Connection, company_id: str, number: str, vouchers: list[dict]) -> None:
    """The voucher inquiry names the voucher that reverses a voucher, and the one a reversal reverses."""
    from .voucher_reversal import reversal_links

    ids = {series: voucher_id for voucher_id, series in connection.execute(
        select(s.voucher.c.voucher_id, s.voucher.c.series).where(s.voucher.c.company_id == company_id,
                                                                 s.voucher.c.voucher_number == number))}
    links = reversal_links(connection, company_id, list(ids.values()))
    for voucher in vouchers:
        voucher.update(links.get(ids.get(voucher["series"], -1), {}))


def balance_differences(connection: Connection, company_id: str) -> list[dict]:
    """Where the balances table disagrees with the sum of the ledger entries, per (account, currency, period).

    Empty when the table is right: a consistency check for operators and tests, which reads every entry
    (O(entries)) — the reports themselves never do.
    """
    b, e = s.balance, s.ledger_entry
    stored = {(r.ledger_account, r.currency, r.period_id): (int(r.amount_minor), int(r.accounting_minor))
              for r in connection.execute(select(b.c.ledger_account, b.c.currency, b.c.period_id, b.c.amount_minor,
                                                 b.c.accounting_minor).where(b.c.company_id == company_id))}
    summed = {(r[0], r[1], r[2]): (int(r[3]), int(r[4])) for r in connection.execute(
        select(e.c.ledger_account, e.c.currency, e.c.period_id, func.sum(e.c.amount_minor),
               func.sum(e.c.accounting_minor)).where(e.c.company_id == company_id)
        .group_by(e.c.ledger_account, e.c.currency, e.c.period_id))}
    differences = []
    for key in sorted(set(stored) | set(summed)):
        have, want = stored.get(key, (0, 0)), summed.get(key, (0, 0))
        if have != want:
            differences.append({"account": key[0], "currency": key[1], "period_id": key[2],
                                "stored_minor": have[0], "stored_accounting_minor": have[1],
                                "entries_minor": want[0], "entries_accounting_minor": want[1]})
    return differences
