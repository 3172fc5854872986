"""Use case: foreign currency revaluation of open customer/vendor transactions (AR/AP, domain.md B6.1)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import check_posting_allowed
from ..company import Company
from ..journal.model import VoucherDraft
from ..settlement.revaluation import plan_revaluation, revaluation_entries
from ..store.bulk import next_ids, is_postgres
from ..store.companies import load_company, resolve_company_id, user_groups
from ..store.ledger_writer import assign_voucher_numbers, write_vouchers
from ..store.transactions import attach_distributions, load_transactions
from .posting import PostedVoucher


@dataclass
class RevaluationResult:
    revalued: int
    voucher: PostedVoucher | None

    @property
    def vouchers(self) -> list[PostedVoucher]:
        return [self.voucher] if self.voucher else []


def revalue_in(connection: Connection, company: Company, considered: date, rate_date: date, *,
               method: str = "standard", dimensions: str = "posting", party_type: str | None = None,
               groups: frozenset[str] = frozenset()) -> RevaluationResult:
    transactions = load_transactions(connection, company.id, party_type=party_type, open_only=True, lock=True)
    revaluations = plan_revaluation(company, transactions, considered, rate_date, method)
    if not revaluations:
        return RevaluationResult(0, None)
    attach_distributions(connection, company.id, [r.transaction for r in revaluations])
    period = company.calendar.operating_period(considered)
    for module in sorted({"accounts_payable" if r.transaction.party_type == "vendor" else "accounts_receivable"
                          for r in revaluations}):
        check_posting_allowed(period, considered, module, groups)
    entries = []
    for revaluation in revaluations:
        entries.extend(revaluation_entries(company, revaluation, dimensions))
    draft = VoucherDraft(None, "REVALUATION", considered, period.id, "revaluation", entries, [],
                         f"Foreign currency revaluation {considered.isoformat()}")
    assign_voucher_numbers(connection, company, [draft])
    batch = next_ids(connection, company.id, "batch", 1)
    voucher_id = write_vouchers(connection, company.id, [draft], batch)[0][0]
    rows = [(r.delta_minor, considered, str(r.rate), draft.number, company.id, r.transaction.transaction_id)
            for r in revaluations]
    sql = ("UPDATE party_transaction SET unrealized_minor = unrealized_minor + {p}, last_revaluation_date = {p}, "
           "last_revaluation_rate = {p}, last_revaluation_voucher = {p}, version = version + 1 "
           "WHERE company_id = {p} AND transaction_id = {p}")
    if is_postgres(connection):
        with connection.connection.dbapi_connection.cursor() as cursor:
            cursor.executemany(sql.format(p="%s"), rows)
    else:
        connection.exec_driver_sql(sql.format(p="?"), rows)
    return RevaluationResult(len(revaluations), PostedVoucher(voucher_id, draft.number, draft.series, draft.date,
                                                              draft.kind, draft))


def revalue_open_transactions(engine: Engine, company_id: str | None, considered: date, rate_date: date | None = None,
                              *, method: str = "standard", dimensions: str = "posting", party_type: str | None = None,
                              user: str | None = None, simulate: bool = False) -> RevaluationResult:
    """Post the revaluation; with `simulate`, compute the same voucher and write nothing."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            company_id = resolve_company_id(connection, company_id)
            company = load_company(connection, company_id)
            result = revalue_in(connection, company, considered, rate_date or considered, method=method,
                                dimensions=dimensions, party_type=party_type,
                                groups=user_groups(connection, company_id, user))
        except BaseException:
            transaction.rollback()
            raise
        if simulate:
            transaction.rollback()
        else:
            transaction.commit()
        return result
