"""Verifying the ledger's tamper evidence (issue 13): every company's voucher hash chains recomputed."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from ..store.companies import company_ids, resolve_company_id
from ..store.ledger_writer import ENTRY_COLUMNS, HASHED_VOUCHER_COLUMNS
from ..store.voucher_chain import ChainReport, verify_company


def verify_ledger(engine: Engine, company_id: str | None = None, *, every_company: bool = False) -> list[ChainReport]:
    """One report per company (the named one, the only one, or with every_company all of them)."""
    with engine.connect() as connection:
        ids = company_ids(connection) if every_company else [resolve_company_id(connection, company_id)]
        return [verify_company(connection, company, HASHED_VOUCHER_COLUMNS, ENTRY_COLUMNS) for company in ids]
