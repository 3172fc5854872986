"""Reports as data: trial balance, voucher inquiry, ledger journal report, open transactions.

Rendering (text, JSON, CSV) belongs to the interfaces. The trial balance reads the balances table
(O(accounts)), plus the entries of a period cut by an as-of date inside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection, Engine

from ..errors import InvalidInput, NotFound
from ..money import format_minor
from ..store import schema as s
from ..store.companies import load_company, load_periods, resolve_company_id


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
                     currency_mode: str = "accounting") -> list[TrialBalanceLine]:
    """Balances per account as of a date (or movements in [date_from, as_of]); debit and credit columns."""
    if by not in ("ledger_account", "main_account"):
        raise InvalidInput("by is ledger_account or main_account", code="bad_option")
    if currency_mode not in ("accounting", "transaction"):
        raise InvalidInput("currency is accounting or transaction", code="bad_option")
    company = load_company(connection, company_id)
    periods = load_periods(connection, company_id)
    key_column = s.balance.c.ledger_account if by == "ledger_account" else s.balance.c.main_account
    amount_column = s.balance.c.accounting_minor if currency_mode == "accounting" else s.balance.c.amount_minor
    whole, partial = [], []
    for period in periods:
        if date_from and period.end < date_from and period.kind.value != "opening":
            continue
        if date_from and period.start < date_from:
            partial.append(period)
            continue
        if as_of is None or period.end <= as_of:
            whole.append(period.id)
        elif period.start <= as_of:
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
        main = company.chart.main_accounts.get(account.split("-")[0])
        lines.append(TrialBalanceLine(account, main.name if main else "", currency, max(amount, 0), max(-amount, 0),
                                      company.decimals(currency)))
    return lines


def trial_balance(engine: Engine, company_id: str | None = None, **options) -> list[TrialBalanceLine]:
    with engine.connect() as connection:
        return trial_balance_in(connection, resolve_company_id(connection, company_id), **options)


def voucher_entries(connection: Connection, company_id: str, *, voucher_number: str | None = None,
                    series: str | None = None, date_from: date | None = None, date_to: date | None = None,
                    batch_id: int | None = None, limit: int | None = None) -> list[dict]:
    """Vouchers with their entries, in posting order (voucher inquiry and ledger journal report)."""
    company = load_company(connection, company_id)
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
    query = query.order_by(v.c.voucher_id)
    if limit:
        query = query.limit(limit)
    vouchers = {row.voucher_id: {"voucher": row.voucher_number, "series": row.series,
                                 "date": row.posting_date.isoformat(), "kind": row.kind, "batch": row.batch_id,
                                 "description": row.description, "entries": []}
                for row in connection.execute(query)}
    if not vouchers:
        return []
    ids = list(vouchers)
    accounting = company.accounting_currency
    for chunk_start in range(0, len(ids), 5000):
        chunk = ids[chunk_start:chunk_start + 5000]
        rows = connection.execute(select(e).where(e.c.company_id == company_id, e.c.voucher_id.in_(chunk))
                                  .order_by(e.c.entry_id))
        for row in rows:
            vouchers[row.voucher_id]["entries"].append({
                "account": row.ledger_account, "posting_type": row.posting_type, "currency": row.currency,
                "amount": format_minor(row.amount_minor, company.decimals(row.currency)),
                "amount_accounting": format_minor(row.accounting_minor, company.decimals(accounting)),
                "description": row.description, "party_type": row.party_type, "party": row.party_id,
            })
    return list(vouchers.values())


def open_transactions(connection: Connection, company_id: str, *, party_type: str | None = None,
                      party_id: str | None = None, include_closed: bool = False) -> list[dict]:
    company = load_company(connection, company_id)
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
    query = query.order_by(t.c.transaction_id)
    accounting_decimals = company.decimals(company.accounting_currency)
    result = []
    for row in connection.execute(query):
        decimals = company.decimals(row.currency)
        discount = _discount_shown(company, row)
        result.append({
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
            "use_cash_discount": row.use_cash_discount,
            "last_revaluation_date": row.last_revaluation_date.isoformat() if row.last_revaluation_date else None,
            "last_revaluation_rate": row.last_revaluation_rate, "last_revaluation_voucher": row.last_revaluation_voucher,
            "payment_release_date": row.payment_release_date.isoformat() if row.payment_release_date else None,
            "closed_on": row.closed_on.isoformat() if row.closed_on else None,
        })
    return result


def _discount_shown(company, row) -> int:
    """The first code's full discount, signed like the transaction, as the settle form shows it."""
    code = company.cash_discounts.get(row.cash_discount_code or "")
    if code is None:
        return 0
    from ..settlement.discounts import full_discount
    from ..money import from_minor, to_minor

    decimals = company.decimals(row.currency)
    amount = full_discount(from_minor(row.amount_minor, decimals), code.percent, decimals)
    minor = to_minor(amount, decimals)
    return -minor if row.amount_minor < 0 else minor


def ledger_journal_report(engine: Engine, company_id: str | None, *, date_from: date | None = None,
                          date_to: date | None = None, series: str | None = None) -> dict:
    """Seed 002's Ledger journal report: every voucher of the range with its entries and totals."""
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        vouchers = voucher_entries(connection, company_id, date_from=date_from, date_to=date_to, series=series)
    decimals = company.decimals(company.accounting_currency)
    debit = credit = 0
    from ..money import parse_amount, to_minor

    for voucher in vouchers:
        vd = vc = 0
        for entry in voucher["entries"]:
            minor = to_minor(parse_amount(entry["amount_accounting"], decimals), decimals)
            if minor > 0:
                vd += minor
            else:
                vc -= minor
        voucher["debit"] = format_minor(vd, decimals)
        voucher["credit"] = format_minor(vc, decimals)
        debit += vd
        credit += vc
    return {"company": company_id, "currency": company.accounting_currency,
            "from": date_from.isoformat() if date_from else None, "to": date_to.isoformat() if date_to else None,
            "vouchers": vouchers, "debit": format_minor(debit, decimals), "credit": format_minor(credit, decimals)}


def find_voucher(engine: Engine, company_id: str | None, number: str) -> list[dict]:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        found = voucher_entries(connection, company_id, voucher_number=number)
    if not found:
        raise NotFound(f"voucher {number} does not exist", code="unknown_voucher")
    return found
