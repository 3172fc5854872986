"""Use case: foreign currency revaluation of open customer/vendor transactions (AR/AP, domain.md B6.1).

The considered date finds the transactions open on it: one settled after that date counts as open for
what it was then. Its revaluation is posted on the considered date; the share of the part settled since is
reversed again on the date of that settlement (which had reversed the unrealized amount of its own time),
so that the ledger shows the revalued open items as of the considered date and nothing of them after.
One database transaction for every company of the run; a simulation writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import check_posting_allowed
from ..company import Company
from ..journal.model import EntryDraft, VoucherDraft
from ..ledger.carry import carried
from ..money import format_minor
from ..parties.model import PartyType, module_of
from ..settlement.revaluation import (
    Revaluation,
    SettledSince,
    as_of_considered_date,
    plan_revaluation,
    revaluation_entries,
    settled_share_entries,
)
from ..store import schema as s
from ..store.bulk import next_ids
from ..store.companies import user_groups
from ..store.ledger_writer import assign_voucher_numbers, write_vouchers
from ..store.transactions import (
    attach_distributions,
    load_transactions,
    record_revaluations,
    record_unrealized_changes,
)
from .company_runs import for_each_company
from .ledger_posting import PostedVoucher


@dataclass
class RevaluationResult:
    revalued: int
    voucher: PostedVoucher | None
    company_id: str = ""
    report_rows: list[dict] = field(default_factory=list)
    later_vouchers: list[PostedVoucher] = field(default_factory=list)  # settled-since reversals

    @property
    def vouchers(self) -> list[PostedVoucher]:
        return ([self.voucher] if self.voucher else []) + self.later_vouchers

    def report(self) -> list[dict]:
        """The revaluation report: per transaction the open amount, rate, value before and after, and the
        unrealized amount reversed and posted (B6.1: the report of the run)."""
        return self.report_rows


def _settled_since(connection: Connection, company_id: str, considered: date,
                   party_type: str | None) -> dict[int, SettledSince]:
    st, t = s.settlement, s.party_transaction
    query = (select(st.c.transaction_id, func.sum(st.c.settled_minor), func.sum(st.c.settled_accounting_minor),
                    func.sum(st.c.unrealized_reversed_minor), func.max(st.c.settlement_date))
             .join(t, (t.c.company_id == st.c.company_id) & (t.c.transaction_id == st.c.transaction_id))
             .where(st.c.company_id == company_id, st.c.settlement_date > considered,
                    st.c.reversed_by_batch.is_(None), t.c.posting_date <= considered,
                    t.c.currency != select(s.company.c.accounting_currency).where(
                        s.company.c.company_id == company_id).scalar_subquery()))
    if party_type:
        query = query.where(t.c.party_type == party_type)
    found = {}
    for transaction_id, settled, settled_accounting, reversed_unrealized, last in connection.execute(
            query.group_by(st.c.transaction_id)):
        if settled or settled_accounting:
            last_date = last if isinstance(last, date) else date.fromisoformat(str(last))
            found[transaction_id] = SettledSince(int(settled), int(settled_accounting), int(reversed_unrealized or 0),
                                                 last_date)
    return found


def _report_row(company: Company, revaluation: Revaluation, since: SettledSince | None) -> dict:
    t = revaluation.transaction
    accounting = company.decimals(company.accounting_currency)
    before = t.open_accounting_minor + t.unrealized_minor
    return {"company": company.id, "party_type": t.party_type, "party": t.party_id, "voucher": t.voucher_number,
            "invoice": t.invoice, "currency": t.currency,
            "open_amount": format_minor(t.open_minor, company.decimals(t.currency)), "rate": str(revaluation.rate),
            "before": format_minor(before, accounting), "after": format_minor(before + revaluation.delta_minor, accounting),
            "reversed": format_minor(-t.unrealized_minor, accounting),
            "unrealized": format_minor(t.unrealized_minor + revaluation.delta_minor, accounting),
            "change": format_minor(revaluation.delta_minor, accounting),
            "settled_since": since.last_date.isoformat() if since else None}


def revalue_in(connection: Connection, company: Company, considered: date, rate_date: date, *,
               method: str = "standard", dimensions: str = "posting", party_type: str | None = None,
               groups: frozenset[str] = frozenset(), posting_profile: str | None = None) -> RevaluationResult:
    transactions = load_transactions(connection, company.id, party_type=party_type, open_only=True, lock=True)
    since = _settled_since(connection, company.id, considered, party_type)
    loaded = {t.transaction_id for t in transactions}
    closed_since = sorted(set(since) - loaded)
    if closed_since:
        transactions.extend(load_transactions(connection, company.id, ids=closed_since, lock=True))
    views = [as_of_considered_date(t, since.get(t.transaction_id)) for t in transactions]
    revaluations = plan_revaluation(company, views, considered, rate_date, method)
    if not revaluations:
        return RevaluationResult(0, None, company.id)
    attach_distributions(connection, company.id, [r.transaction for r in revaluations])
    if posting_profile:  # "Use posting profile from: Select": the chosen profile's summary account
        for r in revaluations:
            party = company.party(PartyType(r.transaction.party_type), r.transaction.party_id)
            if party is not None:
                account = company.posting_profiles.lookup(party, posting_profile).summary_account
                account = carried(company.chart, account, r.transaction.ledger_account).display
                r.transaction = replace(r.transaction, ledger_account=account)
    period = company.calendar.operating_period(considered)
    modules = sorted({module_of(r.transaction.party_type)
                      for r in revaluations})
    for module in modules:
        check_posting_allowed(period, considered, module, groups)
    assert period is not None
    entries: list[EntryDraft] = []
    later: dict[date, list[EntryDraft]] = {}
    changes = []
    for revaluation in revaluations:
        entries.extend(revaluation_entries(company, revaluation, dimensions))
        change = revaluation.delta_minor
        settled = since.get(revaluation.transaction.transaction_id)
        if settled is not None:
            extra, remaining_change = settled_share_entries(company, revaluation, settled, dimensions)
            later.setdefault(settled.last_date, []).extend(extra)
            change += remaining_change
        changes.append((revaluation, change))
    drafts = [VoucherDraft(None, "REVALUATION", considered, period.id, "revaluation", entries, [],
                           f"Foreign currency revaluation {considered.isoformat()}")]
    for day, extra_entries in sorted(later.items()):
        later_period = company.calendar.operating_period(day)
        for module in modules:
            check_posting_allowed(later_period, day, module, groups)
        assert later_period is not None
        if extra_entries:
            drafts.append(VoucherDraft(None, "REVALUATION", day, later_period.id, "revaluation", extra_entries, [],
                                       f"Revaluation of {considered.isoformat()}: part settled on {day.isoformat()}"))
    assign_voucher_numbers(connection, company, drafts)
    batch = next_ids(connection, company.id, "batch", 1)
    ids = write_vouchers(connection, company.id, drafts, batch)
    number = drafts[0].number
    record_revaluations(connection, company.id, considered, number or "",
                        [(r.transaction.transaction_id, change, str(r.rate)) for r, change in changes])
    # The history aged balances read: the change on the considered date, and the settled-since share's change on
    # the date of its own voucher (the GL has them on those dates).
    later_numbers = {d.date: d.number or "" for d in drafts[1:]}
    history = [(r.transaction.transaction_id, considered, number or "", r.delta_minor) for r, _ in changes]
    history += [(r.transaction.transaction_id, since[r.transaction.transaction_id].last_date,
                 later_numbers.get(since[r.transaction.transaction_id].last_date, ""), change - r.delta_minor)
                for r, change in changes if r.transaction.transaction_id in since]
    record_unrealized_changes(connection, company.id, history)
    posted = [PostedVoucher(voucher_id, d.number or "", d.series, d.date, d.kind, d)
              for d, (voucher_id, _entries, _transactions) in zip(drafts, ids)]
    report = [_report_row(company, r, since.get(r.transaction.transaction_id)) for r in revaluations]
    return RevaluationResult(len(revaluations), posted[0], company.id, report, posted[1:])


def revalue_open_transactions(engine: Engine, company_id: str | None, considered: date, rate_date: date | None = None,
                              *, method: str = "standard", dimensions: str = "posting", party_type: str | None = None,
                              user: str | None = None, simulate: bool = False,
                              posting_profile: str | None = None) -> RevaluationResult:
    """Post the revaluation; with `simulate`, compute the same voucher and write nothing."""
    return revalue_companies(engine, [company_id], considered, rate_date, method=method, dimensions=dimensions,
                             party_type=party_type, user=user, simulate=simulate, posting_profile=posting_profile)[0]


def revalue_companies(engine: Engine, company_ids: list[str | None], considered: date, rate_date: date | None = None,
                      *, method: str = "standard", dimensions: str = "posting", party_type: str | None = None,
                      user: str | None = None, simulate: bool = False,
                      posting_profile: str | None = None) -> list[RevaluationResult]:
    """Revalue several companies in one transaction: all post, or none (a simulation posts nothing)."""
    return for_each_company(engine, company_ids, lambda connection, company: revalue_in(
        connection, company, considered, rate_date or considered, method=method, dimensions=dimensions,
        party_type=party_type, groups=user_groups(connection, company.id, user), posting_profile=posting_profile),
        dry_run=simulate)
