"""The audit trail of master-data changes (issue 13): who changed which record, when, before and after.

Master data changes through services/masterdata.py (add, change, delete, apply), the set-up commands that add
accounts, customers, vendors and exchange rates, the period services and the user services; each records its
changes here in its own transaction, so a rejected change leaves no entry and an accepted one always does.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from ..limits import fit_text
from ..store import schema as s
from ..store.bulk import is_postgres, next_ids
from ..store.companies import resolve_company_id

GLOBAL = ""  # the company_id of changes that belong to no company (users)
_GLOBAL_COUNTER_LOCK = 0x62696C6167  # 'bilag': the transaction-scoped lock of the users' audit counter


@dataclass(frozen=True)
class AuditChange:
    kind: str
    key: str
    action: str  # added | changed | deleted
    before: dict | None = None
    after: dict | None = None


def _json(value: dict | None) -> str | None:
    if value is None:
        return None

    def plain(item):
        if isinstance(item, (date, datetime)):
            return item.isoformat()
        if isinstance(item, Decimal):
            return str(item)
        return str(item)

    return json.dumps(value, sort_keys=True, default=plain, ensure_ascii=False)


def record_changes(connection: Connection, company_id: str, user: str | None, changes: list[AuditChange]) -> None:
    """Write the changes, stamped now (UTC) with the user, in the caller's transaction."""
    changes = [c for c in changes if c.action in ("added", "changed", "deleted")]
    if not changes:
        return
    counter_company = company_id or None
    if counter_company is None:  # users: a counter of their own, outside every company
        if is_postgres(connection):  # two such changes at once would both take the largest id + 1
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_GLOBAL_COUNTER_LOCK})")
        row = connection.execute(select(s.audit_entry.c.audit_id).where(s.audit_entry.c.company_id == GLOBAL)
                                 .order_by(s.audit_entry.c.audit_id.desc()).limit(1)).first()
        first = (row[0] + 1) if row else 1
    else:
        first = next_ids(connection, company_id, "audit", len(changes))
    stamp = datetime.now(UTC).isoformat(timespec="microseconds")
    connection.execute(insert(s.audit_entry), [
        {"company_id": company_id, "audit_id": first + index, "changed_at": stamp, "user_name": user,
         "kind": change.kind, "record_key": fit_text(change.key.strip(), "name"), "action": change.action,
         "before": _json(change.before), "after": _json(change.after)}
        for index, change in enumerate(changes)])


def audit_trail(engine: Engine, company_id: str | None, *, kind: str | None = None, key: str | None = None,
                users: bool = False, limit: int | None = None) -> list[dict]:
    """The company's audit entries (with users, the changes of users instead), newest first."""
    with engine.connect() as connection:
        company = GLOBAL if users else resolve_company_id(connection, company_id)
        t = s.audit_entry
        query = select(t).where(t.c.company_id == company)
        if kind:
            query = query.where(t.c.kind == kind)
        if key:
            query = query.where(t.c.record_key == key)
        query = query.order_by(t.c.audit_id.desc())
        if limit:
            query = query.limit(limit)
        rows = connection.execute(query).all()
    return [{"id": r.audit_id, "company": r.company_id or None, "at": r.changed_at, "user": r.user_name,
             "kind": r.kind, "key": r.record_key, "action": r.action,
             "before": json.loads(r.before) if r.before else None,
             "after": json.loads(r.after) if r.after else None} for r in rows]
