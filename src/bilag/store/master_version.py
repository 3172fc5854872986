"""The company's master-data version: a stamp that every write to its master data renews.

A process keeps the company it loaded (store.companies.load_company) while the stamp it reads at the start
of a use case is the one it loaded with; any change to the master data — set-up, `bilag add/change/...`,
periods, rates, from this process or another — writes a new stamp in the same database transaction, so the
next use case anywhere loads the company again.

The stamp is renewed here, at the one place every statement passes (a SQLAlchemy cursor event on every
engine), not by each service that writes master data: a service added later cannot forget it. Writes that go
around SQLAlchemy (COPY on PostgreSQL) renew it themselves (store.bulk.bulk_insert).

The stamp is a random 62-bit number rather than a counter: a change rolled back, or a database recreated
under the same name, can never bring back a stamp that a process holds for other data.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# The tables store.companies.load_company reads: a write to any of them is a change of the company's master data.
MASTER_TABLES = frozenset({
    "company", "currency", "main_account", "dimension", "dimension_value", "account_structure", "exchange_rate",
    "party", "posting_profile", "cash_discount", "payment_terms", "journal_name", "bank_account",
    "system_account", "tax_code", "fiscal_period",
})

_WRITE = re.compile(r"\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?\s*(?:\(([^)]*)\))?", re.IGNORECASE)
_RENEWING = "bilag_renewing_master_version"


def new_stamp() -> int:
    return secrets.randbits(62) or 1


def renew(connection: Connection, company_ids: Iterable[str] | None) -> None:
    """A new stamp for the companies (every company of the database when None), in the connection's transaction.

    Written with the driver's own cursor: it passes no SQLAlchemy event, so it cannot call itself."""
    raw = connection.connection.dbapi_connection
    assert raw is not None
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = f"UPDATE company SET master_version = {mark}"
    params: list = [new_stamp()]
    if company_ids is not None:
        ids = sorted(set(company_ids))
        if not ids:
            return
        sql += f" WHERE company_id IN ({', '.join([mark] * len(ids))})"
        params.extend(ids)
    cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
    finally:
        cursor.close()


def _company_ids(match: re.Match, parameters, context, executemany: bool) -> set[str] | None:
    """The companies a write names, when it can be told from its parameters; None: unknown (renew them all)."""
    found: set[str] = set()
    compiled = getattr(context, "compiled", None)
    if compiled is not None and context.compiled_parameters:
        # Core statements: an insert's `company_id`, a where clause's `company_id_1` (the names are the same in
        # every row of an executemany).
        bound = context.compiled_parameters
        names = [name for name in bound[0]
                 if name == "company_id" or (name.startswith("company_id_") and name[11:].isdigit())]
        for name in names:
            found.update(row[name] for row in bound)
        return found or None
    columns = match.group(3)
    if match.group(1).upper().startswith("INSERT") and columns:  # driver SQL: INSERT INTO t (a, b) VALUES ...
        names = [c.strip().strip('"').lower() for c in columns.split(",")]
        if "company_id" in names:
            position = names.index("company_id")
            rows = parameters if executemany else [parameters]
            try:
                for row in rows:
                    if isinstance(row, dict):
                        return None
                    # a multi-row VALUES list repeats the columns
                    found.update(row[i] for i in range(position, len(row), len(names)))
            except (TypeError, IndexError):
                return None
            return found or None
    return None


def _after_cursor_execute(connection, _cursor, statement, parameters, context, executemany) -> None:
    match = _WRITE.match(statement)
    if match is None or match.group(2).lower() not in MASTER_TABLES:
        return
    if connection.info.get(_RENEWING):
        return
    if "master_version" in statement and match.group(2).lower() == "company":
        return  # a stamp written on purpose (a migration)
    connection.info[_RENEWING] = True
    try:
        renew(connection, _company_ids(match, parameters, context, executemany))
    finally:
        connection.info[_RENEWING] = False


def install() -> None:
    """Listen on every engine of the process (idempotent)."""
    if not event.contains(Engine, "after_cursor_execute", _after_cursor_execute):
        event.listen(Engine, "after_cursor_execute", _after_cursor_execute)


install()
