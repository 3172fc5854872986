"""Shared by the period-end use cases: the history of close runs, the years a balance sheet starts from,
and posting period-end vouchers (and their reversals) inside an open transaction."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from ..calendar.periods import FiscalPeriod, PeriodKind, check_posting_allowed
from ..company import Company
from ..errors import NotFound
from ..journal.model import EntryDraft, VoucherDraft
from ..limits import fit_text
from ..store import schema as s
from ..store.bulk import next_ids
from ..store.ledger_writer import assign_voucher_numbers, write_vouchers
from .posting import PostedVoucher


@dataclass(frozen=True)
class CloseRun:
    run_id: int
    kind: str
    year: int | None
    as_of: date
    parameters: dict
    voucher_ids: list[int]
    status: str
    reverses_run: int | None
    reversed_by_run: int | None
    user: str | None
    created_at: str

    def as_dict(self) -> dict:
        return {"run": self.run_id, "kind": self.kind, "year": self.year, "as_of": self.as_of.isoformat(),
                "parameters": self.parameters, "vouchers": self.voucher_ids, "status": self.status,
                "reverses_run": self.reverses_run, "reversed_by_run": self.reversed_by_run, "user": self.user,
                "created_at": self.created_at}


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_run(connection: Connection, company_id: str, kind: str, as_of: date, voucher_ids: list[int], *,
               year: int | None = None, parameters: dict | None = None, user: str | None = None,
               reverses_run: int | None = None) -> int:
    run_id = next_ids(connection, company_id, "close_run", 1)
    connection.execute(insert(s.close_run).values(
        company_id=company_id, run_id=run_id, kind=kind, year=year, as_of=as_of,
        parameters=json.dumps(parameters or {}, sort_keys=True, default=str), voucher_ids=json.dumps(voucher_ids),
        status="reversal" if reverses_run else "posted", reverses_run=reverses_run, user_name=user,
        created_at=now_text()))
    if reverses_run:
        connection.execute(update(s.close_run).where(s.close_run.c.company_id == company_id,
                                                     s.close_run.c.run_id == reverses_run)
                           .values(status="reversed", reversed_by_run=run_id))
    return run_id


def _run(row) -> CloseRun:
    return CloseRun(row.run_id, row.kind, row.year, row.as_of, json.loads(row.parameters), json.loads(row.voucher_ids),
                    row.status, row.reverses_run, row.reversed_by_run, row.user_name, row.created_at)


def load_runs(connection: Connection, company_id: str, kind: str | None = None, *, year: int | None = None,
              active_only: bool = False) -> list[CloseRun]:
    c = s.close_run
    query = select(c).where(c.c.company_id == company_id)
    if kind:
        query = query.where(c.c.kind == kind)
    if year is not None:
        query = query.where(c.c.year == year)
    if active_only:
        query = query.where(c.c.status == "posted")
    return [_run(row) for row in connection.execute(query.order_by(c.c.run_id))]


def load_run(connection: Connection, company_id: str, run_id: int, kind: str) -> CloseRun:
    found = [r for r in load_runs(connection, company_id, kind) if r.run_id == run_id]
    if not found:
        raise NotFound(f"company {company_id} has no {kind.replace('_', ' ')} run {run_id}", code="unknown_run")
    return found[0]


def closed_years(connection: Connection, company_id: str) -> set[int]:
    """The fiscal years with a year-end close in force (not reversed)."""
    return {r.year for r in load_runs(connection, company_id, "year_end", active_only=True) if r.year is not None}


def first_year_carried(company: Company, closed: set[int], year: int) -> int:
    """A balance sheet of `year` starts at the first year after the latest closed one before it: a closed
    year's balances arrive as the next year's opening vouchers, an unclosed year's are read in full."""
    earlier = [y for y in closed if y < year]
    if not earlier:
        return min(p.year for p in company.calendar.periods)
    return max(earlier) + 1


def balance_sheet_periods(company: Company, closed: set[int], year: int) -> list[FiscalPeriod]:
    start = first_year_carried(company, closed, year)
    return [p for p in company.calendar.periods if start <= p.year <= year]


def year_periods(company: Company, year: int) -> list[FiscalPeriod]:
    return [p for p in company.calendar.periods if p.year == year]


def period_for(company: Company, day: date, kind: PeriodKind = PeriodKind.operating) -> FiscalPeriod | None:
    if kind == PeriodKind.operating:
        return company.calendar.operating_period(day)
    year = company.calendar.year_of(day)
    return company.calendar.period_of_kind(year, kind) if year is not None else None


def post_vouchers(connection: Connection, company: Company, drafts: list[VoucherDraft], *,
                  groups: frozenset[str] = frozenset(), module: str = "general_ledger") -> list[PostedVoucher]:
    """Check each voucher's period (rule P1), number and write them in one batch."""
    drafts = [d for d in drafts if d.entries]
    if not drafts:
        return []
    for draft in drafts:
        check_posting_allowed(company.calendar.by_id(draft.period_id), draft.date, module, groups)
    assign_voucher_numbers(connection, company, drafts)
    batch = next_ids(connection, company.id, "batch", 1)
    ids = write_vouchers(connection, company.id, drafts, batch)
    return [PostedVoucher(voucher_id, d.number or "", d.series, d.date, d.kind, d, list(tids))
            for d, (voucher_id, _entries, tids) in zip(drafts, ids)]


def reversal_drafts(connection: Connection, company: Company, voucher_ids: list[int], day: date | None,
                    series: str, description: str) -> list[VoucherDraft]:
    """One reversing voucher per voucher: every entry negated, in the original's period unless `day` is given."""
    if not voucher_ids:
        return []
    v, e = s.voucher, s.ledger_entry
    headers = {row.voucher_id: row for row in connection.execute(
        select(v).where(v.c.company_id == company.id, v.c.voucher_id.in_(voucher_ids)))}
    entries: dict[int, list[EntryDraft]] = {}
    for row in connection.execute(select(e).where(e.c.company_id == company.id, e.c.voucher_id.in_(voucher_ids))
                                  .order_by(e.c.entry_id)):
        entries.setdefault(row.voucher_id, []).append(EntryDraft(
            0, row.ledger_account, row.main_account, row.posting_type, row.currency, -row.amount_minor,
            -row.accounting_minor, fit_text(f"Reversal: {row.description}"), row.party_type, row.party_id))
    drafts = []
    for voucher_id in voucher_ids:
        header = headers[voucher_id]
        if day is None:
            posting_day, period_id = header.posting_date, header.period_id
        else:
            period = company.calendar.operating_period(day)
            if period is None:
                raise NotFound(f"{day.isoformat()} is not in any fiscal period", code="no_period")
            posting_day, period_id = day, period.id
        drafts.append(VoucherDraft(None, series, posting_day, period_id, "reversal", entries.get(voucher_id, []), [],
                                   fit_text(f"{description} {header.voucher_number}")))
    return drafts


def list_runs(engine, company_id: str | None, kind: str | None = None) -> list[dict]:
    from ..store.companies import resolve_company_id

    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        return [run.as_dict() for run in load_runs(connection, company_id, kind)]
