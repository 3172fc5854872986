"""One operation at a time in one transaction, on the company data this process keeps (issue 11).

On PostgreSQL, reading the company's master version at the start of each operation was a round trip of its own
before anything else could be sent. Here the operation runs on what the process kept, and the version check
(with the user's groups) travels in front of the operation's first round trip (store.companies.load_company_kept).
When the data changed meanwhile, the transaction is undone and the operation runs once more, loading the company
first as before: no write made with stale data is ever committed, and no refusal made from stale data is
reported — an error raised before the check was read is reported only once the data is known to be current.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine

from ..company import Company
from ..store.bulk import KeptRowsChanged, check_kept_rows_now, forget_kept_rows_check, kept_rows_changed
from ..store.companies import load_company_and_groups, load_company_kept, resolve_company_id

T = TypeVar("T")

Work = Callable[[Connection, Company, dict[str, frozenset[str]]], T]


def in_company_transaction(engine: Engine, company_id: str | None, users: Sequence[str], work: Work[T]) -> T:
    """work(connection, company, groups) in one transaction, committed when it returns."""
    try:
        return _attempt(engine, company_id, users, work, kept=True)
    except KeptRowsChanged:
        return _attempt(engine, company_id, users, work, kept=False)


def _attempt(engine: Engine, company_id: str | None, users: Sequence[str], work: Work[T], *, kept: bool) -> T:
    check = None
    try:
        with engine.begin() as connection:
            try:
                # a named company: loading refuses one that does not exist (no look-up first)
                company_id = company_id or resolve_company_id(connection, company_id)
                if kept:
                    company, groups, check = load_company_kept(connection, company_id, users)
                else:
                    company, groups = load_company_and_groups(connection, company_id, users)
                result = work(connection, company, groups)
                check_kept_rows_now(connection)
                return result
            finally:
                forget_kept_rows_check(connection)
    except KeptRowsChanged:
        raise
    except Exception:
        if check is not None and not check.done:  # the error may come from stale data: read the check now
            with engine.begin() as connection:
                changed = kept_rows_changed(connection, check)
            if changed:
                raise KeptRowsChanged() from None
        raise
