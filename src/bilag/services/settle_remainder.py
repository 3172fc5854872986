"""Use case: settle with remainder (domain.md B3.4). Settle the marked transactions as usual; what is left of
each of them is then posted to the remainder account in the same database transaction and on the settlement's
date — a customer/vendor line for the rest (which settles it) and a ledger line to the account — so that the
marked transactions end fully settled.

Parameters: settle_remainder (must be on), settle_remainder_journal (the journal name; required),
settle_remainder_reason (default reason code) and settle_remainder_account (default account: else the reason
code's own account)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..collections.write_off import WriteOffItem, write_off_lines
from ..errors import InvalidInput
from ..parties.model import PartyType
from ..settlement.rules import SettlementOptions
from ..store import schema as s
from ..store.companies import load_company, resolve_company_id, user_groups
from .posting import PostingResult, post_lines
from .settlement import MarkRequest, Payment, SettleResult, settle_in
from .write_off import reason_code


@dataclass
class RemainderResult:
    settlement: SettleResult
    remainder: PostingResult | None  # None when nothing was left


def settle_with_remainder(engine: Engine, company_id: str | None, party_type: PartyType, party_id: str,
                          marks: list[MarkRequest], *, payment: Payment | None = None,
                          options: SettlementOptions | None = None, reason: str | None = None,
                          account: str | None = None, user: str | None = None, day: date | None = None,
                          primary: MarkRequest | None = None) -> RemainderResult:
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        if not company.parameter("settle_remainder"):
            raise InvalidInput("settle remainder is not enabled (parameter settle_remainder)",
                               code="settle_remainder_disabled")
        journal_name = str(company.parameter("settle_remainder_journal") or "")
        if not journal_name:
            raise InvalidInput("settle remainder needs its journal name (parameter settle_remainder_journal)",
                               code="settle_remainder_journal")
        reason_row = reason_code(connection, company, reason, party_type.value, "settle_remainder_reason")
        base_account = account or str(company.parameter("settle_remainder_account") or "") or reason_row.account
        groups = user_groups(connection, company_id, user)
        settled = settle_in(connection, company, party_type, party_id, marks, payment=payment, options=options,
                            groups=groups, day=day, primary_mark=primary)
        parts = settled.plan.parts
        primary_id = parts[0].offset_transaction_id if parts else None  # each marked one settles against it
        marked = sorted({p.transaction_id for p in parts if p.offset_transaction_id == primary_id})
        t = s.party_transaction
        rows = list(connection.execute(select(t).where(t.c.company_id == company_id, t.c.transaction_id.in_(marked),
                                                       t.c.open_minor != 0).order_by(t.c.transaction_id)))
        if not rows:
            return RemainderResult(settled, None)
        if not base_account:
            raise InvalidInput(f"no settle remainder account: give one, set the settle_remainder_account parameter, "
                               f"or give reason code {reason_row.code} an account", code="no_remainder_account")
        chart = company.chart
        items = []
        for row in rows:
            dimensions = chart.dimension_map(chart.parse(row.ledger_account))
            items.append(WriteOffItem(row.transaction_id, row.party_id, row.currency, row.amount_minor,
                                      row.open_minor, row.ledger_account, row.posting_profile,
                                      tuple(sorted(dimensions.items())),
                                      chart.fill_blanks(chart.parse(base_account), dimensions).display, row.invoice))
        journal = write_off_lines(items, day=settled.date, reason=reason_row.code, separate_sales_tax=False,
                                  decimals={i.currency: company.decimals(i.currency) for i in items},
                                  party_type=party_type.value, heading="Settle remainder of")
        posted = post_lines(connection, company, journal_name, journal.lines, groups=groups,
                            source="settle remainder", kind="settle_remainder", automatic_settlement=False)
        return RemainderResult(settled, posted)
