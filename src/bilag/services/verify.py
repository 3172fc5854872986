"""Verifying the ledger's tamper evidence (issue 13): every company's voucher hash chains recomputed; and sealing
the vouchers posted before the chain existed (migration 0012), once, recorded in the audit trail."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from ..errors import BilagError
from ..store.companies import company_ids, resolve_company_id
from ..store.ledger_writer import ENTRY_COLUMNS, HASHED_VOUCHER_COLUMNS
from ..store.voucher_chain import (
    ChainReport,
    SealedSeries,
    lock_company_writers,
    seal_series,
    unchained_series,
    verify_company,
)


def verify_ledger(engine: Engine, company_id: str | None = None, *, every_company: bool = False) -> list[ChainReport]:
    """One report per company (the named one, the only one, or with every_company all of them)."""
    with engine.connect() as connection:
        ids = company_ids(connection) if every_company else [resolve_company_id(connection, company_id)]
        return [verify_company(connection, company, HASHED_VOUCHER_COLUMNS, ENTRY_COLUMNS) for company in ids]


@dataclass(frozen=True)
class SealReport:
    company_id: str
    series: list[SealedSeries]

    @property
    def sealed(self) -> int:
        return sum(item.sealed for item in self.series)


def seal_ledger(engine: Engine, company_id: str | None = None, *, every_company: bool = False,
                user: str | None = None) -> list[SealReport]:
    """Chain the vouchers posted before tamper evidence (no hash: migration 0012), in one transaction.

    Per company, with its writers held: the chains are verified first, and a company whose chained vouchers show
    a break is refused (sealing would vouch for the change); then every series with vouchers without a hash is
    chained from its first voucher in voucher order (store/voucher_chain.seal_series) and the seal is recorded in
    the company's audit trail (kind voucher-chain, the series as key, the head before and after). The seal vouches
    for the vouchers as they are when it runs: run it right after upgrading. A ledger without such vouchers is
    left as it is (nothing recorded)."""
    with engine.begin() as connection:
        ids = company_ids(connection) if every_company else [resolve_company_id(connection, company_id)]
        reports = []
        for company in ids:
            lock_company_writers(connection, company)
            report = verify_company(connection, company, HASHED_VOUCHER_COLUMNS, ENTRY_COLUMNS)
            if report.findings:
                raise BilagError(f"company {company}: the ledger was changed outside bilag, so its vouchers are not "
                                 f"sealed (the seal would vouch for the change); nothing was written:\n"
                                 + "\n".join(f"  - {f.message}" for f in report.findings), code="ledger_tampered")
            sealed = [seal_series(connection, company, series, HASHED_VOUCHER_COLUMNS, ENTRY_COLUMNS)
                      for series in sorted(unchained_series(connection, company))]
            if sealed:
                from .audit import AuditChange, record_changes

                record_changes(connection, company, user, [AuditChange(
                    "voucher-chain", item.series, "changed", {"head": item.head_before, "unchained": item.sealed},
                    {"head": item.head_after, "sealed": item.sealed, "rechained": item.rechained,
                     "first": item.first, "last": item.last}) for item in sealed])
            reports.append(SealReport(company, sealed))
        return reports
