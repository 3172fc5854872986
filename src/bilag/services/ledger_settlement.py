"""Use cases: ledger settlement by hand and automatically, unsettling, and the inquiry of open and settled
ledger entries (domain.md B4.1). The automatic run covers the fiscal year up to the run date (LSET)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ..close.ledger_settlement import LedgerEntry, check_manual, match_automatically
from ..errors import InvalidInput, NotFound
from ..money import format_minor
from ..store import schema as s
from ..store.bulk import next_ids
from ..store.companies import load_company, resolve_company_id


def _settled_ids(connection: Connection, company_id: str) -> set[int]:
    ls = s.ledger_settlement
    return {row[0] for row in connection.execute(select(ls.c.entry_id).where(
        ls.c.company_id == company_id, ls.c.unsettled_on.is_(None)))}


def _entries(connection: Connection, company_id: str, *, main_accounts: list[str] | None = None,
             date_from: date | None = None, date_to: date | None = None,
             ids: list[int] | None = None) -> list[LedgerEntry]:
    e = s.ledger_entry
    query = select(e.c.entry_id, e.c.ledger_account, e.c.main_account, e.c.posting_date, e.c.posting_type,
                   e.c.accounting_minor).where(e.c.company_id == company_id)
    if main_accounts:
        query = query.where(e.c.main_account.in_(main_accounts))
    if date_from:
        query = query.where(e.c.posting_date >= date_from)
    if date_to:
        query = query.where(e.c.posting_date <= date_to)
    if ids is not None:
        query = query.where(e.c.entry_id.in_(ids))
    return [LedgerEntry(*row) for row in connection.execute(query.order_by(e.c.entry_id))]


def _write(connection: Connection, company_id: str, groups: list[list[LedgerEntry]], day: date,
           user: str | None) -> list[int]:
    if not groups:
        return []
    first = next_ids(connection, company_id, "ledger_settlement", len(groups))
    rows = [{"company_id": company_id, "settlement_id": first + index, "entry_id": entry.entry_id,
             "main_account": entry.main_account, "settled_on": day, "user_name": user, "unsettled_on": None}
            for index, group in enumerate(groups) for entry in group]
    connection.execute(insert(s.ledger_settlement), rows)
    return list(range(first, first + len(groups)))


def settle_ledger_entries(engine: Engine, company_id: str | None, entry_ids: list[int], *, day: date,
                          user: str | None = None) -> int:
    """Settle the given entries against each other (one main account, netting to zero); returns the settlement."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        entries = _entries(connection, company_id, ids=sorted(set(entry_ids)))
        missing = sorted(set(entry_ids) - {e.entry_id for e in entries})
        if missing:
            raise NotFound(f"no ledger entry {', '.join(map(str, missing))}", code="unknown_entry")
        taken = sorted(_settled_ids(connection, company_id) & {e.entry_id for e in entries})
        if taken:
            raise InvalidInput(f"ledger entr{'y' if len(taken) == 1 else 'ies'} {', '.join(map(str, taken))} "
                               f"already settled", code="already_settled")
        check_manual(entries)
        return _write(connection, company_id, [entries], day, user)[0]


def settle_ledger_automatically(engine: Engine, company_id: str | None, run_date: date, *,
                                main_accounts: list[str] | None = None, same_dimensions: bool = False,
                                window_days: int | None = None, posting_type: str | None = None,
                                user: str | None = None) -> list[int]:
    """Match equal debit and credit amounts from the start of the fiscal year to the run date."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        year = company.calendar.year_of(run_date)
        if year is None:
            raise InvalidInput(f"{run_date.isoformat()} is not in any fiscal period", code="no_period")
        start = company.calendar.year_bounds(year)[0]
        settled = _settled_ids(connection, company_id)
        entries = [e for e in _entries(connection, company_id, main_accounts=main_accounts, date_from=start,
                                       date_to=run_date) if e.entry_id not in settled]
        by_id = {e.entry_id: e for e in entries}
        pairs = match_automatically(entries, same_dimensions=same_dimensions, window_days=window_days,
                                    posting_type=posting_type)
        return _write(connection, company_id, [[by_id[d], by_id[c]] for d, c in pairs], run_date, user)


def unsettle_ledger(engine: Engine, company_id: str | None, settlement_id: int, *, day: date) -> int:
    ls = s.ledger_settlement
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        done = connection.execute(update(ls).where(ls.c.company_id == company_id, ls.c.settlement_id == settlement_id,
                                                   ls.c.unsettled_on.is_(None)).values(unsettled_on=day))
        if not done.rowcount:
            raise NotFound(f"no ledger settlement {settlement_id} in force", code="unknown_settlement")
        return int(done.rowcount)


def ledger_settlement_inquiry(engine: Engine, company_id: str | None, main_account: str, *,
                              status: str = "all", date_to: date | None = None) -> list[dict]:
    """The entries of a main account with their ledger settlement: open, settled or all."""
    if status not in ("open", "settled", "all"):
        raise InvalidInput("status is open, settled or all", code="bad_option")
    e, ls = s.ledger_entry, s.ledger_settlement
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        company.chart.main_account(main_account)
        decimals = company.decimals(company.accounting_currency)
        query = (select(e.c.entry_id, e.c.posting_date, e.c.ledger_account, e.c.posting_type, e.c.accounting_minor,
                        e.c.description, ls.c.settlement_id, ls.c.settled_on)
                 .select_from(e.outerjoin(ls, and_(ls.c.company_id == e.c.company_id, ls.c.entry_id == e.c.entry_id,
                                                   ls.c.unsettled_on.is_(None))))
                 .where(e.c.company_id == company_id, e.c.main_account == main_account))
        if date_to:
            query = query.where(e.c.posting_date <= date_to)
        rows = []
        for row in connection.execute(query.order_by(e.c.posting_date, e.c.entry_id)):
            settled = row.settlement_id is not None
            if (status == "open" and settled) or (status == "settled" and not settled):
                continue
            rows.append({"entry": row.entry_id, "date": row.posting_date.isoformat(), "account": row.ledger_account,
                         "posting_type": row.posting_type, "amount": format_minor(row.accounting_minor, decimals),
                         "description": row.description, "settlement": row.settlement_id,
                         "settled_on": row.settled_on.isoformat() if row.settled_on else None})
        return rows


def open_entry_count(connection: Connection, company_id: str, date_to: date) -> tuple[int, int]:
    """(accounts that use ledger settlement, their entries up to the date not settled) for the checklist."""
    e, ls = s.ledger_entry, s.ledger_settlement
    accounts = sorted({row[0] for row in connection.execute(select(ls.c.main_account).where(
        ls.c.company_id == company_id).distinct())})
    if not accounts:
        return 0, 0
    settled = _settled_ids(connection, company_id)
    ids = [row[0] for row in connection.execute(select(e.c.entry_id).where(
        e.c.company_id == company_id, e.c.main_account.in_(accounts), e.c.posting_date <= date_to,
        e.c.accounting_minor != 0))]
    return len(accounts), sum(1 for i in ids if i not in settled)
