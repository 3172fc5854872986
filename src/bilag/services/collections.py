"""Use cases of collections: aged balances as of any date, tied to the ledger; one customer's open items."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from sqlalchemy.engine import Connection, Engine

from ..collections.aging import AgedBalances, AgingPeriods, aged_rows
from ..errors import NotFound
from ..parties.model import PartyType
from ..store.aging import grouped_open_amounts, open_items_as_of, summary_balance_as_of, unrealized_as_of
from ..store.companies import load_company, resolve_company_id


@dataclass
class AgedReport:
    balances: AgedBalances
    accounting_currency: str
    subledger_minor: int  # the open amounts in the accounting currency at the date
    ledger_minor: int  # the customer summary accounts in the ledger at the date
    decimals: dict[str, int]  # of each currency shown

    @property
    def difference_minor(self) -> int:
        return self.ledger_minor - self.subledger_minor


def aged_balances_in(connection: Connection, company_id: str, as_of: date, *, basis: str = "due_date",
                     bounds: list[int] | None = None, accounting_currency: bool = True,
                     party_type: str = "customer", party_ids: list[str] | None = None) -> AgedReport:
    from ..store.companies import load_reporting_context

    periods = AgingPeriods.of(basis, bounds)
    context = load_reporting_context(connection, company_id)
    boundaries = periods.boundary_dates(as_of)
    rows = grouped_open_amounts(connection, company_id, party_type, as_of, basis, boundaries,
                                accounting=accounting_currency, party_ids=party_ids)
    # Unrealized revaluation amounts in force at the date are part of the accounting value (they are on the
    # summary accounts): each in its transaction's aging period.
    unrealized = unrealized_as_of(connection, company_id, party_type, as_of, party_ids)
    if accounting_currency:
        accounting = context.accounting_currency
        rows = _with_unrealized([(party, accounting, amounts) for party, _, amounts in rows],
                                unrealized, periods, as_of, accounting)
        subledger = sum(map(sum, map(itemgetter(2), rows)))
    else:
        subledger = sum(sum(amounts) for *_, amounts in grouped_open_amounts(
            connection, company_id, party_type, as_of, basis, [], accounting=True, party_ids=party_ids))
        subledger += sum(amount for *_, amount in unrealized)
    balances = aged_rows(as_of, periods, rows, in_accounting_currency=accounting_currency)
    ledger = summary_balance_as_of(connection, company_id, party_type, as_of) if party_ids is None else subledger
    decimals = {currency: context.decimals(currency)
                for currency in {row.currency for row in balances.rows} | {context.accounting_currency}}
    return AgedReport(balances, context.accounting_currency, subledger, ledger, decimals)


def _with_unrealized(rows: list[tuple[str, str, list[int]]], unrealized: list[tuple[int, str, date, date, int]],
                     periods: AgingPeriods, as_of: date, currency: str) -> list[tuple[str, str, list[int]]]:
    if not unrealized:
        return rows
    by_party = {party: list(amounts) for party, _, amounts in rows}
    width = len(periods.bounds) + 1
    for _, party, due, document, amount in unrealized:
        found = by_party.setdefault(party, [0] * width)
        found[periods.index_of(as_of, due if periods.basis == "due_date" else document)] += amount
    return [(party, currency, amounts) for party, amounts in by_party.items()]


def aged_report(engine: Engine, company_id: str | None, as_of: date, **options) -> AgedReport:
    with engine.connect() as connection:
        return aged_balances_in(connection, resolve_company_id(connection, company_id), as_of, **options)


def collections_view(engine: Engine, company_id: str | None, customer: str, as_of: date, *,
                     basis: str = "due_date", bounds: list[int] | None = None) -> dict:
    """One customer's transactions open at the date, each with its aging period; the customer's hold, the
    unposted journals (write-offs among them) in which a transaction is marked, and the collections notes on the
    customer (newest first, all of them: a note is not an amount as of the date)."""
    from ..store.stored_journals import marked_in_open_journals
    from .customer_notes import notes_in

    periods = AgingPeriods.of(basis, bounds)
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        party = company.party(PartyType.customer, customer)
        if party is None:
            raise NotFound(f"customer {customer} does not exist", code="unknown_account")
        marked = marked_in_open_journals(connection, company_id, [("customer", customer)])
        labels = periods.labels
        items = []
        for item in open_items_as_of(connection, company_id, "customer", as_of, [customer]):
            day = item["due_date"] if basis == "due_date" else item["document_date"]
            journals = (marked.get(("customer", customer, f"#{item['transaction_id']}"), [])
                        + (marked.get(("customer", customer, item["invoice"]), []) if item["invoice"] else []))
            items.append({**item, "period": labels[periods.index_of(as_of, day)],
                          "days": (as_of - day).days, "marked_in": sorted(set(journals))})
        return {"customer": customer, "as_of": as_of, "hold": party.hold.value, "periods": labels,
                "transactions": items, "notes": notes_in(connection, company_id, customer)}
