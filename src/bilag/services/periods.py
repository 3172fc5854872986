"""Use case: change a period's status or module access (state transitions from calendar/periods.py)."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from ..calendar.periods import PeriodStatus, transition
from ..errors import InvalidInput
from ..store import schema as s
from ..store.companies import load_periods, resolve_company_id


def set_period_status(engine: Engine, company_id: str | None, day: date, status: str | None, *,
                      access: str | None = None, module: str | None = None, period_name: str | None = None) -> dict:
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        periods = load_periods(connection, company_id)
        if period_name:
            period = next((p for p in periods if p.name == period_name), None)
        else:
            period = next((p for p in periods if p.kind.value == "operating" and p.start <= day <= p.end), None)
        if period is None:
            raise InvalidInput(f"no fiscal period {'named ' + period_name if period_name else 'holds ' + str(day)}",
                               code="no_period")
        values = {}
        if status:
            try:
                new_status = PeriodStatus(str(status))
            except ValueError:
                raise InvalidInput(f"status is open, on_hold or permanently_closed, not {status}",
                                   code="bad_status") from None
            period = transition(period, new_status)
            values["status"] = period.status.value
        if access is not None:
            current = dict(period.access)
            current[module or "*"] = str(access)
            values["access"] = json.dumps(current)
        if values:
            connection.execute(update(s.fiscal_period).where(s.fiscal_period.c.company_id == company_id,
                                                             s.fiscal_period.c.period_id == period.id).values(**values))
        row = connection.execute(select(s.fiscal_period).where(s.fiscal_period.c.company_id == company_id,
                                                               s.fiscal_period.c.period_id == period.id)).first()
        return {"period": row.name, "status": row.status, "access": json.loads(row.access)}
