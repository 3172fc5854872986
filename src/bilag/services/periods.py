"""Use cases: list fiscal periods, change a period's status or module access, for one or many companies.

The state transitions live in calendar/periods.py; this module finds the period, checks the input and writes.
A mass update (domain.md B4.2, "Mass update") changes the same period of several companies in one
transaction: if any company refuses (no such period, another calendar, a permanently closed period),
nothing changes anywhere.
"""
from __future__ import annotations

import json
from datetime import UTC, date

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import (
    ACCESS_ALL,
    ACCESS_NONE,
    ALL_MODULES,
    MODULES,
    FiscalPeriod,
    PeriodKind,
    PeriodStatus,
    module_access,
    transition,
)
from ..errors import InvalidInput
from ..store import schema as s
from ..store.companies import load_periods, resolve_company_id


def parse_status(text: object) -> PeriodStatus:
    """`open`, `on_hold`, `permanently_closed`; the form's labels ("On hold", "Permanently closed") too."""
    key = str(text).strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return PeriodStatus(key)
    except ValueError:
        raise InvalidInput(f"status is open, on_hold or permanently_closed, not {text}", code="bad_status") from None


def parse_module(text: str | None) -> str:
    """A module name, or `*` (also None or "all") for every module."""
    if text is None or str(text).strip() in ("", ALL_MODULES) or str(text).strip().lower() == "all":
        return ALL_MODULES
    key = str(text).strip().lower().replace(" ", "_").replace("-", "_")
    if key not in MODULES:
        raise InvalidInput(f"module is one of {', '.join(MODULES)} or * for all, not {text}", code="bad_module")
    return key


def _access_level(connection: Connection, company_id: str, access: object) -> str:
    """All, None (any case) or the name of a user group of the company."""
    text = str(access).strip()
    if text.lower() in (ACCESS_ALL, ACCESS_NONE):
        return text.lower()
    known = connection.execute(select(s.user_group_member.c.user_group).where(
        s.user_group_member.c.company_id == company_id, s.user_group_member.c.user_group == text).limit(1)).first()
    if known is None:
        raise InvalidInput(f"company {company_id} has no user group {text}; access is all, none or a user group",
                           code="unknown_user_group")
    return text


def _find_period(periods: list[FiscalPeriod], company_id: str, day: date | None,
                 period_name: str | None) -> FiscalPeriod:
    if period_name:
        period = next((p for p in periods if p.name == period_name), None)
    elif day is not None:
        period = next((p for p in periods if p.kind == PeriodKind.operating and p.start <= day <= p.end), None)
    else:
        raise InvalidInput("name a period or a date inside it", code="no_period")
    if period is None:
        what = f"named {period_name}" if period_name else f"holds {day}"
        raise InvalidInput(f"company {company_id}: no fiscal period {what}", code="no_period")
    return period


def _describe(company_id: str, period: FiscalPeriod) -> dict:
    return {"company": company_id, "period": period.name, "year": period.year, "number": period.number,
            "kind": period.kind.value, "start": period.start.isoformat(), "end": period.end.isoformat(),
            "status": period.status.value, "access": {m: module_access(period, m) for m in MODULES},
            "stored_access": dict(period.access)}


def _change(connection: Connection, company_id: str, period: FiscalPeriod, status: object | None,
            access: object | None, module: str | None, user: str | None = None) -> FiscalPeriod:
    """Apply a status and/or access change to one period (the transition rules decide), and write it."""
    values = {}
    changed = period
    if status is not None and str(status).strip():
        changed = transition(changed, parse_status(status))
        values["status"] = changed.status.value
    if access is not None:
        target = parse_module(module)
        level = _access_level(connection, company_id, access)
        # Setting every module replaces the per-module entries: "all modules: All" opens every module.
        current = {ALL_MODULES: level} if target == ALL_MODULES else {**changed.access, target: level}
        changed = FiscalPeriod(changed.id, changed.year, changed.number, changed.name, changed.start, changed.end,
                               changed.kind, changed.status, current)
        values["access"] = json.dumps(current, sort_keys=True)
    if values:
        connection.execute(update(s.fiscal_period).where(s.fiscal_period.c.company_id == company_id,
                                                         s.fiscal_period.c.period_id == period.id).values(**values))
        _log_changes(connection, company_id, period, changed, user)
    return changed


def _log_changes(connection: Connection, company_id: str, before: FiscalPeriod, after: FiscalPeriod,
                 user: str | None) -> None:
    """Who changed what, when (the mass update's change log); unchanged values are not logged."""
    from datetime import datetime

    from ..store.bulk import next_ids

    rows = []
    if before.status != after.status:
        rows.append(("status", before.status.value, after.status.value))
    if before.access != after.access:
        rows.append(("access", json.dumps(before.access, sort_keys=True), json.dumps(after.access, sort_keys=True)))
    if not rows:
        return
    first = next_ids(connection, company_id, "period_change", len(rows))
    stamp = datetime.now(UTC).isoformat(timespec="microseconds")
    from .audit import AuditChange, record_changes

    record_changes(connection, company_id, user, [AuditChange("period", before.name, "changed",
                                                              {field: old for field, old, _ in rows},
                                                              {field: new for field, _, new in rows})])
    connection.execute(insert(s.period_change), [
        {"company_id": company_id, "change_id": first + index, "period_id": before.id, "period_name": before.name,
         "field": field, "old_value": old, "new_value": new, "user_name": user, "changed_at": stamp}
        for index, (field, old, new) in enumerate(rows)])


def period_changes(engine: Engine, company_ids: list[str] | None = None, *, period_name: str | None = None) -> list[dict]:
    """The change log of period status and module access, oldest first, for the companies named (or all)."""
    with engine.connect() as connection:
        query = select(s.period_change)
        if company_ids:
            query = query.where(s.period_change.c.company_id.in_(
                [resolve_company_id(connection, c) for c in company_ids]))
        if period_name:
            query = query.where(s.period_change.c.period_name == period_name)
        rows = connection.execute(query.order_by(s.period_change.c.changed_at, s.period_change.c.company_id,
                                                 s.period_change.c.change_id)).all()
    return [{"company": r.company_id, "period": r.period_name, "field": r.field, "from": r.old_value,
             "to": r.new_value, "user": r.user_name, "at": r.changed_at} for r in rows]


def set_period_status(engine: Engine, company_id: str | None, day: date | None, status: str | None, *,
                      access: str | None = None, module: str | None = None, period_name: str | None = None,
                      user: str | None = None) -> dict:
    """Change the status and/or module access of the period holding `day` (or named `period_name`)."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        period = _find_period(load_periods(connection, company_id), company_id, day, period_name)
        changed = _change(connection, company_id, period, status, access, module, user)
        return _describe(company_id, changed)


def update_periods(engine: Engine, company_ids: list[str], *, day: date | None = None, period_name: str | None = None,
                   status: str | None = None, access: str | None = None, module: str | None = None,
                   user: str | None = None) -> list[dict]:
    """Mass update: the same period of several companies, all in one transaction or none.

    Only companies on the same calendar take part: the period found in each must have the first one's
    dates, as the form lists only the legal entities that use the selected calendar.
    """
    if not company_ids:
        raise InvalidInput("name at least one company", code="company_required")
    if (status is None or not str(status).strip()) and access is None:
        raise InvalidInput("give a status or a module access to set", code="nothing_to_update")
    results = []
    with engine.begin() as connection:
        first: FiscalPeriod | None = None
        for company_id in dict.fromkeys(company_ids):
            company_id = resolve_company_id(connection, company_id)
            period = _find_period(load_periods(connection, company_id), company_id, day, period_name)
            if first is None:
                first = period
            elif (period.start, period.end, period.kind) != (first.start, first.end, first.kind):
                raise InvalidInput(
                    f"company {company_id}: period {period.name} runs {period.start}..{period.end}, not "
                    f"{first.start}..{first.end}; it uses another fiscal calendar", code="other_calendar")
            results.append(_describe(company_id, _change(connection, company_id, period, status, access, module, user)))
    return results


def list_periods(engine: Engine, company_id: str | None = None, *, year: int | None = None,
                 status: str | None = None) -> list[dict]:
    """The fiscal periods of a company in calendar order, with status and effective access per module."""
    wanted = parse_status(status) if status else None
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        periods = load_periods(connection, company_id)
    periods = sorted(periods, key=lambda p: (p.start, p.number))
    return [_describe(company_id, p) for p in periods
            if (year is None or p.year == year) and (wanted is None or p.status == wanted)]


def close_year_periods(connection: Connection, company_id: str, year: int, user: str | None = None) -> None:
    """Set every period of a fiscal year permanently closed (year-end close option; best practice: don't)."""
    for period in load_periods(connection, company_id):
        if period.year == year:
            _change(connection, company_id, period, PeriodStatus.permanently_closed.value, None, None, user)
