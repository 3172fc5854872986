"""Use case: write off customer transactions (domain.md B7) — from the aged balances (whole balances of one or
several customers), the collections view (marked transactions, with a reason comment), an open invoice, or
the customer. Each makes an unposted write-off journal grouped as B7.2 says; posting it settles the written-off
transactions (and, with separate sales tax, records the restated tax)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ..collections.write_off import WriteOffItem, WriteOffJournal, remaining_taxes, write_off_lines
from ..company import Company
from ..errors import HoldForbids, InvalidInput, NotFound, SettlementError
from ..parties.model import PartyType
from ..settlement.references import Reference, named_by
from ..store import schema as s
from ..store.bulk import unindexed
from ..store.companies import load_company, resolve_company_id
from ..store.stored_journals import marked_in_open_journals
from ..store.tax import save_journal_tax_lines, taxed_settlements, taxes_of_transactions
from ..store.transactions import chunks
from .journals import create_journal_in
from .posting import PostingResult

_T = s.party_transaction


@dataclass
class WriteOffResult:
    journal_id: int
    journal: WriteOffJournal
    journal_name: str
    posting: PostingResult | None = None


def reason_code(connection: Connection, company: Company, reason: str | None, party_type: str = "customer",
                parameter: str = "write_off_reason"):
    """The reason code given, else the parameter's, else the one flagged default for the party type."""
    code = reason or str(company.parameter(parameter) or "") or str(company.parameter("write_off_reason") or "")
    rc = s.reason_code
    flag = rc.c.customer if party_type == "customer" else rc.c.vendor
    if code:
        row = connection.execute(select(rc).where(rc.c.company_id == company.id, rc.c.code == code)).first()
        if row is None:
            raise InvalidInput(f"reason code {code} does not exist", code="unknown_reason_code")
    else:
        row = connection.execute(select(rc).where(rc.c.company_id == company.id, flag.is_(True),
                                                  rc.c.is_default.is_(True))).first()
        if row is None:
            raise InvalidInput(f"no reason code given, and none is the default for {party_type}s ({parameter} "
                               f"parameter, or a reason code with default: true)", code="unknown_reason_code")
    if not (row.customer if party_type == "customer" else row.vendor):
        raise InvalidInput(f"reason code {row.code} is not for {party_type}s", code=f"reason_not_for_{party_type}s")
    return row


def _open_rows(connection: Connection, company_id: str, customers: list[str] | None, references: list[str] | None):
    """The open transactions to write off: every one of the customers, or those the references name."""
    query = select(_T.c.transaction_id, _T.c.party_id, _T.c.invoice, _T.c.currency, _T.c.amount_minor,
                   _T.c.open_minor, _T.c.ledger_account, _T.c.posting_profile, _T.c.voucher_id,
                   _T.c.closed_on).where(_T.c.company_id == company_id, _T.c.party_type == "customer")
    rows: list = []
    if references is None:
        for chunk in chunks(sorted(set(customers or []))):
            rows.extend(connection.execute(query.where(_T.c.party_id.in_(chunk), _T.c.open_minor != 0)
                                           .order_by(unindexed(_T.c.transaction_id))))
        return rows
    # settlement.references: #N, else an invoice number, else a voucher number
    wanted = [Reference.of(r) for r in references]
    numbers = [w.transaction_id for w in wanted if w.transaction_id is not None]
    texts = [w.invoice for w in wanted if w.invoice]
    query = query.add_columns(s.voucher.c.voucher_number).join(
        s.voucher, (s.voucher.c.company_id == _T.c.company_id) & (s.voucher.c.voucher_id == _T.c.voucher_id))
    found: dict = {}
    for condition in ([_T.c.transaction_id.in_(numbers)] if numbers else []) + \
            ([_T.c.invoice.in_(texts), s.voucher.c.voucher_number.in_(texts)] if texts else []):
        for r in connection.execute(query.where(condition).order_by(unindexed(_T.c.transaction_id))):
            found.setdefault(r.transaction_id, r)
    candidates = [r for _, r in sorted(found.items()) if not customers or r.party_id in customers]
    for reference, named in zip(references, wanted):
        matches = named_by(candidates, named)
        open_ = [r for r in matches if r.open_minor != 0]
        if not matches:
            whose = f" of customer {customers[0]}" if customers and len(customers) == 1 else ""
            raise NotFound(f"no customer transaction {reference}{whose}", code="not_open_transaction")
        if not open_:
            raise SettlementError(f"{reference} of customer {matches[0].party_id} is settled already (closed on "
                                  f"{matches[0].closed_on}); there is nothing to write off", code="already_settled")
        if len(open_) > 1:
            numbers_text = ", ".join(f"#{r.transaction_id}" for r in open_)
            raise SettlementError(f"{reference} names {len(open_)} open transactions ({numbers_text}); name the one "
                                  f"meant by its number", code="ambiguous_reference")
        if open_[0] not in rows:
            rows.append(open_[0])
    return rows


def prepare_write_off_in(connection: Connection, company: Company, *, day: date, customers: list[str] | None = None,
                         transactions: list[str] | None = None, reason: str | None = None,
                         separate_sales_tax: bool | None = None, comment: str = "") -> tuple[WriteOffJournal, str]:
    if not customers and not transactions:
        raise InvalidInput("name the customers or the transactions to write off", code="nothing_to_write_off")
    for customer in customers or []:
        if company.party(PartyType.customer, customer) is None:
            raise NotFound(f"customer {customer} does not exist", code="unknown_account")
    reason_row = reason_code(connection, company, reason)
    separate = bool(company.parameter("write_off_separate_sales_tax")) if separate_sales_tax is None \
        else separate_sales_tax
    rows = _open_rows(connection, company.id, customers, transactions)
    if not rows:
        who = ", ".join(customers or [])
        raise InvalidInput(f"customer {who} has no open transactions to write off", code="nothing_to_write_off")
    marked = marked_in_open_journals(connection, company.id, {("customer", row.party_id) for row in rows})
    ids = [r.transaction_id for r in rows]
    taxes = taxes_of_transactions(connection, company.id, ids) if separate else {}
    credits = taxed_settlements(connection, company.id, ids) if separate else {}
    chart = company.chart
    items = []
    accounts: dict[tuple, str] = {}
    dimensions_of: dict[str, dict[str, str]] = {}  # per summary account: 10,000 customers share a few
    for row in rows:
        party = company.party(PartyType.customer, row.party_id)
        assert party is not None
        if party.settlement_held(day):
            raise HoldForbids(f"customer {row.party_id} is on hold (all); its transactions cannot be written off "
                              f"before the hold is lifted")
        journals = marked.get(("customer", row.party_id, f"#{row.transaction_id}")) or (
            marked.get(("customer", row.party_id, row.invoice)) if row.invoice else None)
        if journals:
            raise SettlementError(f"{row.invoice or '#' + str(row.transaction_id)} of customer {row.party_id} is "
                                  f"marked in journal {', '.join(map(str, journals))}, which is not posted; post or "
                                  f"change that journal first", code="marked_elsewhere")
        key = (row.party_id if not reason_row.account else "", row.posting_profile, row.ledger_account)
        account = accounts.get(key)
        if account is None:
            base = reason_row.account
            if not base:
                rule = company.posting_profiles.lookup(party, row.posting_profile)
                base = rule.write_off_account
                if not base:
                    raise InvalidInput(f"posting profile {rule.profile} ({rule.scope} rule"
                                       f"{' ' + rule.key if rule.key else ''}) of customer {row.party_id} has no "
                                       f"write-off account, and reason code {reason_row.code} has no account of its "
                                       f"own", code="no_write_off_account")
            dimensions = dimensions_of.get(row.ledger_account)
            if dimensions is None:
                dimensions = dimensions_of[row.ledger_account] = chart.dimension_map(chart.parse(row.ledger_account))
            account = accounts[key] = chart.fill_blanks(chart.parse(base), dimensions).display
        dimensions = dimensions_of.get(row.ledger_account)
        if dimensions is None:
            dimensions = dimensions_of[row.ledger_account] = chart.dimension_map(chart.parse(row.ledger_account))
        dimensions_key = tuple(sorted(dimensions.items()))
        amount, item_taxes = row.amount_minor, taxes.get(row.transaction_id, [])
        if row.transaction_id in credits:
            amount, item_taxes = remaining_taxes(amount, item_taxes, credits[row.transaction_id])
        items.append(WriteOffItem(row.transaction_id, row.party_id, row.currency, amount, row.open_minor,
                                  row.ledger_account, row.posting_profile, dimensions_key, account, row.invoice,
                                  item_taxes))
    names = {i.party_id: company.party(PartyType.customer, i.party_id).name for i in items}  # type: ignore[union-attr]
    decimals = {i.currency: company.decimals(i.currency) for i in items}
    journal = write_off_lines(items, day=day, reason=reason_row.code, separate_sales_tax=separate,
                              decimals=decimals, party_names=names, comment=comment)
    return journal, str(company.parameter("write_off_journal"))


def write_off_in(connection: Connection, company: Company, *, day: date, customers: list[str] | None = None,
                 transactions: list[str] | None = None, reason: str | None = None,
                 separate_sales_tax: bool | None = None, comment: str = "") -> WriteOffResult:
    journal, journal_name = prepare_write_off_in(connection, company, day=day, customers=customers,
                                                 transactions=transactions, reason=reason,
                                                 separate_sales_tax=separate_sales_tax, comment=comment)
    journal_id = create_journal_in(connection, company.id, journal_name, journal.lines,
                                   description=journal.description)
    save_journal_tax_lines(connection, company.id, journal_id, journal.tax_lines)
    return WriteOffResult(journal_id, journal, journal_name)


def write_off(engine: Engine, company_id: str | None, *, day: date, customers: list[str] | None = None,
              transactions: list[str] | None = None, reason: str | None = None,
              separate_sales_tax: bool | None = None, comment: str = "", post: bool = False,
              user: str | None = None) -> WriteOffResult:
    """Create the write-off journal (unposted), or create and post it with `post`."""
    from .journals import post_stored_journal_in

    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        result = write_off_in(connection, company, day=day, customers=customers, transactions=transactions,
                              reason=reason, separate_sales_tax=separate_sales_tax, comment=comment)
        if post:  # in the same transaction: a rejected posting leaves no journal behind either
            result.posting = post_stored_journal_in(connection, company_id, result.journal_id, user=user,
                                                    company=company, lines=result.journal.lines)
        return result
