"""One use case over several companies in one transaction: all of them post, or none does."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine

from ..company import Company
from ..store.companies import load_company, resolve_company_id

T = TypeVar("T")


def for_each_company(engine: Engine, company_ids: Iterable[str | None], work: Callable[[Connection, Company], T], *,
                     dry_run: bool = False) -> list[T]:
    """Run `work` for each company (each named once, in order) in one transaction; any error rolls every company
    back. With `dry_run` (a preview, a simulation) the results are worked out and then rolled back."""
    results: list[T] = []
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            for company_id in dict.fromkeys(company_ids):
                results.append(work(connection, load_company(connection, resolve_company_id(connection, company_id))))
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    return results
