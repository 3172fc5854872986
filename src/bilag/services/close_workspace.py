"""Use cases: the period-close workspace — per company and period, the checklist of seed 002 (domain.md
B4.1) as tasks with owner, due date and status, beside the readiness checks the system answers itself."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import FiscalPeriod, PeriodKind, PeriodStatus
from ..errors import InvalidInput, NotFound
from ..store import schema as s
from ..store.companies import load_company, load_periods, resolve_company_id
from .close_runs import load_runs

CHECKLIST = (  # domain.md B4.1, in its order
    "Complete the tasks of the other modules (accounts receivable, accounts payable, inventory)",
    "Verify that all journals are posted",
    "Run foreign currency revaluation (customers, vendors, general ledger)",
    "Settle transactions for each ledger account",
    "Process required allocations",
    "Post period-end adjustments",
    "Journalize transactions and review the ledger journal report",
    "Consolidate",
    "Generate the financial statements",
    "Set the period on hold (optionally restrict it to a user group)",
)
TASK_STATUSES = ("not_started", "in_progress", "completed")


@dataclass(frozen=True)
class Readiness:
    task: int  # the checklist position it answers
    check: str
    ready: bool | None  # None: the system cannot tell
    detail: str


def _period(connection: Connection, company_id: str, period_name: str | None, day: date | None) -> FiscalPeriod:
    periods = load_periods(connection, company_id)
    if period_name:
        found = [p for p in periods if p.name == period_name]
    elif day is not None:
        found = [p for p in periods if p.kind == PeriodKind.operating and p.start <= day <= p.end]
    else:
        raise InvalidInput("name a period or a date inside it", code="no_period")
    if not found:
        raise NotFound(f"company {company_id}: no fiscal period {period_name or day}", code="no_period")
    return found[0]


def readiness(connection: Connection, company_id: str, period: FiscalPeriod) -> list[Readiness]:
    company = load_company(connection, company_id)
    checks = []
    j = s.journal
    unposted = connection.execute(select(func.count()).select_from(j).where(
        j.c.company_id == company_id, j.c.status != "posted")).scalar() or 0
    checks.append(Readiness(2, "unposted journals", unposted == 0, f"{unposted} journal(s) not posted"))
    t = s.party_transaction
    stale = connection.execute(select(func.count()).select_from(t).where(
        t.c.company_id == company_id, t.c.open_minor != 0, t.c.currency != company.accounting_currency,
        t.c.posting_date <= period.end,
        (t.c.last_revaluation_date.is_(None)) | (t.c.last_revaluation_date < period.end))).scalar() or 0
    checks.append(Readiness(3, "customer/vendor revaluation", stale == 0,
                            f"{stale} open foreign-currency transaction(s) not revalued as of {period.end}"))
    flagged = [a for a in company.chart.main_accounts.values() if a.revaluate]
    runs = [r for r in load_runs(connection, company_id, "ledger_revaluation", active_only=True)
            if period.start <= r.as_of <= period.end]
    checks.append(Readiness(3, "general-ledger revaluation", bool(runs) or not flagged,
                            f"{len(runs)} run(s) in the period" if flagged else "no main account is flagged"))
    from .ledger_settlement import open_entry_count

    accounts, unsettled = open_entry_count(connection, company_id, period.end)
    checks.append(Readiness(4, "ledger accounts with unsettled entries", unsettled == 0,
                            f"{unsettled} unsettled entr{'y' if unsettled == 1 else 'ies'} on {accounts} main "
                            f"account(s) that use ledger settlement"))
    rules = connection.execute(select(func.count()).select_from(s.allocation_rule).where(
        s.allocation_rule.c.company_id == company_id, s.allocation_rule.c.active.is_(True))).scalar() or 0
    allocations = [r for r in load_runs(connection, company_id, "allocation", active_only=True)
                   if period.start <= r.as_of <= period.end]
    checks.append(Readiness(5, "allocations processed", bool(allocations) or rules == 0,
                            f"{len(allocations)} allocation run(s) in the period, {rules} active rule(s)"))
    checks.append(Readiness(10, "period on hold", period.status != PeriodStatus.open,
                            f"period {period.name} is {period.status.value.replace('_', ' ')}"))
    return checks


def _ensure_tasks(connection: Connection, company_id: str, period: FiscalPeriod) -> None:
    c = s.close_task
    have = connection.execute(select(func.count()).select_from(c).where(
        c.c.company_id == company_id, c.c.period_name == period.name)).scalar()
    if not have:
        connection.execute(insert(c), [{"company_id": company_id, "period_name": period.name, "position": index,
                                        "title": title, "owner": None, "due_date": None, "status": "not_started"}
                                       for index, title in enumerate(CHECKLIST, start=1)])


def close_checklist(engine: Engine, company_ids: list[str | None], *, period_name: str | None = None,
                    day: date | None = None) -> list[dict]:
    """Tasks (created from the checklist on first use) with the readiness checks of each task."""
    rows = []
    with engine.begin() as connection:
        for company_id in company_ids:
            company_id = resolve_company_id(connection, company_id)
            period = _period(connection, company_id, period_name, day)
            _ensure_tasks(connection, company_id, period)
            checks = readiness(connection, company_id, period)
            c = s.close_task
            for task in connection.execute(select(c).where(c.c.company_id == company_id,
                                                           c.c.period_name == period.name).order_by(c.c.position)):
                answers = [k for k in checks if k.task == task.position]
                ready = None if not answers or any(k.ready is None for k in answers) else all(k.ready for k in answers)
                rows.append({"company": company_id, "period": period.name, "task": task.position, "title": task.title,
                             "owner": task.owner, "due": task.due_date.isoformat() if task.due_date else None,
                             "status": task.status,
                             "ready": {True: "yes", False: "no", None: ""}[ready],
                             "checks": "; ".join(f"{k.check}: {k.detail}" for k in answers)})
    return rows


def update_task(engine: Engine, company_id: str | None, task: int, *, period_name: str | None = None,
                day: date | None = None, status: str | None = None, owner: str | None = None,
                due: date | None = None) -> dict:
    if status is not None and status not in TASK_STATUSES:
        raise InvalidInput(f"a task's status is one of {', '.join(TASK_STATUSES)}, not {status!r}", code="bad_status")
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        period = _period(connection, company_id, period_name, day)
        _ensure_tasks(connection, company_id, period)
        c = s.close_task
        values = {k: v for k, v in (("status", status), ("owner", owner), ("due_date", due)) if v is not None}
        if not values:
            raise InvalidInput("give a status, an owner or a due date", code="nothing_to_update")
        done = connection.execute(update(c).where(c.c.company_id == company_id, c.c.period_name == period.name,
                                                  c.c.position == task).values(**values))
        if not done.rowcount:
            raise NotFound(f"period {period.name} has no task {task} (1..{len(CHECKLIST)})", code="unknown_task")
        return {"company": company_id, "period": period.name, "task": task, **{k: str(v) for k, v in values.items()}}
