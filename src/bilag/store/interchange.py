"""Interchange settings (issue 15): per company, kind and key, a JSON mapping of what the files need and the
ledger does not keep (a SAF-T account's grouping, a tax code's standard code, a bank account's IBAN, ...)."""
from __future__ import annotations

import json

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from . import schema as s

KINDS = ("saft_company", "saft_account", "saft_tax_code", "saft_dimension", "saft_party", "bank_account",
         "vendor_bank")


def load_settings(connection: Connection, company_id: str, kind: str) -> dict[str, dict]:
    t = s.interchange_setting
    rows = connection.execute(select(t.c.key, t.c.value).where(t.c.company_id == company_id, t.c.kind == kind))
    return {key: json.loads(value) for key, value in rows}


def save_settings(connection: Connection, company_id: str, kind: str, values: dict[str, dict], *,
                  merge: bool = True) -> None:
    """Write settings of one kind (set-based); `merge` keeps the fields of an existing setting not named."""
    if not values:
        return
    t = s.interchange_setting
    current = load_settings(connection, company_id, kind) if merge else {}
    rows = []
    for key, value in values.items():
        merged = {**current.get(key, {}), **value} if merge else dict(value)
        rows.append({"company_id": company_id, "kind": kind, "key": str(key),
                     "value": json.dumps(merged, sort_keys=True, default=str)})
    keys = [row["key"] for row in rows]
    for start in range(0, len(keys), 500):
        connection.execute(delete(t).where(t.c.company_id == company_id, t.c.kind == kind,
                                           t.c.key.in_(keys[start:start + 500])))
    connection.execute(insert(t), rows)
