"""Text lengths enforced the same on SQLite and PostgreSQL (issue 13).

PostgreSQL refuses a text longer than its VARCHAR(n) with "value too long for type character varying(200)",
naming no field; SQLite keeps 5,000 characters in a VARCHAR(200). Every insert and update built with
SQLAlchemy Core passes here first: a text longer than its column is bad input naming the table and column,
before anything is written. (The bulk writers of posting write what the journal readers checked already.)
"""
from __future__ import annotations

from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.sql.dml import Insert, Update

from ..errors import InvalidInput

_LIMITS: dict[str, dict[str, int]] = {}


def _limits_of(table) -> dict[str, int]:
    limits = _LIMITS.get(table.name)
    if limits is None:
        limits = _LIMITS[table.name] = {
            column.name: column.type.length for column in table.columns
            if isinstance(column.type, String) and column.type.length}
    return limits


def check_row(table, row: dict, where: str | None = None) -> None:
    """Refuse a value longer than its column holds, naming the field (and where it came from, when known)."""
    limits = _limits_of(table)
    for name, value in row.items():
        key = getattr(name, "name", name)
        limit = limits.get(key)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            shown = value if len(value) <= 40 else value[:37] + "..."
            place = f"{where}: " if where else ""
            raise InvalidInput(f"{place}{table.name}.{key} '{shown}' is {len(value):,} characters long; it holds at "
                               f"most {limit}", code="too_long")


def _before_execute(connection, clauseelement, multiparams, params, execution_options):
    if not isinstance(clauseelement, (Insert, Update)):
        return
    table = clauseelement.table
    if not _limits_of(table):
        return
    values = getattr(clauseelement, "_values", None)
    if values:
        check_row(table, {getattr(k, "key", k): getattr(v, "value", None) for k, v in values.items()})
    multi = getattr(clauseelement, "_multi_values", None)
    for group in multi or ():
        for row in group:
            if isinstance(row, dict):
                check_row(table, {getattr(k, "key", k): getattr(v, "value", v) for k, v in row.items()})
    for batch in multiparams:
        rows = batch if isinstance(batch, (list, tuple)) else [batch]
        for row in rows:
            if isinstance(row, dict):
                check_row(table, row)
    if isinstance(params, dict):
        check_row(table, params)


def install(engine: Engine) -> None:
    if not event.contains(engine, "before_execute", _before_execute):
        event.listen(engine, "before_execute", _before_execute)
