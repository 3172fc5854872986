"""Reading and writing a company's master data."""
from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import FiscalCalendar, FiscalPeriod, PeriodKind, PeriodStatus
from ..company import DEFAULT_PARAMETERS, BankAccount, Company, JournalName, SettlementSettings, TaxCode
from ..errors import NotFound
from ..fx.rates import ExchangeRate, RateTable
from ..ledger.accounts import AccountStructure, AccountType, ChartOfAccounts, MainAccount
from ..parties.model import (
    CashDiscountCode,
    Hold,
    Party,
    PartyType,
    PaymentTerms,
    PostingProfileRule,
    PostingProfiles,
)
from . import master_version as _master_version  # noqa: F401 - renews the version on master-data writes
from . import schema as s
from .bulk import (
    KeptRowsCheck,
    check_with_next_round_trip,
    driver_rows,
    driver_rows_together,
    is_citus,
    is_postgres,
)

ID_COUNTERS = ("entry", "voucher", "transaction", "settlement", "batch", "journal")


_COMPANY_EXISTS = select(s.company.c.company_id).where(s.company.c.company_id == bindparam("company_id"))


def company_ids(connection: Connection) -> list[str]:
    return [row[0] for row in connection.execute(select(s.company.c.company_id).order_by(s.company.c.company_id))]


def resolve_company_id(connection: Connection, company_id: str | None) -> str:
    if company_id:
        # A look-up by key: on Citus it goes to the company's own shard, like the rest of the use case.
        found = connection.execute(_COMPANY_EXISTS, {"company_id": company_id})
        if found.first() is None:
            raise NotFound(f"company {company_id} does not exist", code="unknown_company")
        return company_id
    ids = company_ids(connection)  # without a company named: the one company there is (on Citus, every shard)
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise NotFound("the database holds no company yet; set one up first (bilag setup company FILE.yaml)",
                       code="unknown_company")
    raise NotFound(f"the database holds several companies ({', '.join(ids)}); name one with --company",
                   code="company_required")


def _where(table, company_id):
    return select(table).where(table.c.company_id == company_id)


def load_periods(connection: Connection, company_id: str) -> list[FiscalPeriod]:
    return [
        FiscalPeriod(r.period_id, r.year, r.number, r.name, r.start_date, r.end_date, PeriodKind(r.kind),
                     PeriodStatus(r.status), json.loads(r.access))
        for r in connection.execute(_where(s.fiscal_period, company_id).order_by(s.fiscal_period.c.period_id))
    ]


# (database, company id) -> (master version, company): the company data this process loaded, kept while the
# company's master version (store/master_version.py) is the one it was loaded with.
_LOADED: dict[tuple, tuple[int, Company]] = {}
_DATABASES: WeakKeyDictionary[Engine, str] = WeakKeyDictionary()  # each engine's URL as _LOADED's key


def load_company(connection: Connection, company_id: str) -> Company:
    """The company's master data: loaded once per process, again only when its master version changed.

    One indexed read per call when unchanged. The Company returned is shared by the calls that follow: it is
    read, never changed (a frozen dataclass; its typed settings are built here, once).
    """
    # Through the driver inside a transaction (every use case's first statement; bulk.driver_rows says why); on a
    # connection that has not begun one, through SQLAlchemy, which begins it.
    rows: Sequence[Sequence] = []
    if connection.in_transaction():
        rows = driver_rows(connection, _MASTER_VERSION, (company_id,))
    else:
        rows = connection.exec_driver_sql(_MASTER_VERSION.replace("?", "%s") if is_postgres(connection)
                                          else _MASTER_VERSION, (company_id,)).fetchall()
    if not rows:
        raise NotFound(f"company {company_id} does not exist", code="unknown_company")
    return _company_at(connection, company_id, rows[0][0])


def load_company_and_groups(connection: Connection, company_id: str, users: Sequence[str]
                            ) -> tuple[Company, dict[str, frozenset[str]]]:
    """load_company and each user's user groups in the company (user_groups), in one round trip on PostgreSQL
    (bulk.driver_rows_together): for journals posted, in their transaction, begun here when the connection has not
    begun one (as load_company's read begins it). Its reads go to the driver, past SQLAlchemy: with the company
    kept, a unit of work that began with it read nothing through SQLAlchemy, and ran outside any transaction (a
    file posted after its company was loaded: on SQLite each chunk committed by itself, issue 11)."""
    if not connection.in_transaction():
        connection.begin()
    wanted = sorted(set(users))
    results = driver_rows_together(connection, _version_and_groups(company_id, wanted))
    if not results[0]:
        raise NotFound(f"company {company_id} does not exist", code="unknown_company")
    company = _company_at(connection, company_id, results[0][0][0])
    group_rows = sorted(results[1]) if wanted else []
    if wanted:
        _GROUP_ROWS[(_DATABASES[connection.engine], company_id, *wanted)] = group_rows
    return company, _groups_from(wanted, group_rows)


# (database, company id, users) -> the user groups rows load_company_kept last read for them (sorted)
_GROUP_ROWS: dict[tuple, list[tuple]] = {}


def _version_and_groups(company_id: str, users: Sequence[str]) -> list[tuple[str, Sequence]]:
    """The statements (`?` marks) that read the company's master version and, when users are named, their groups."""
    statements: list[tuple[str, Sequence]] = [(_MASTER_VERSION, (company_id,))]
    if users:
        statements.append(("SELECT user_name, user_group FROM user_group_member WHERE company_id = ? AND user_name "
                           f"IN ({', '.join('?' * len(users))})", (company_id, *users)))
    return statements


def load_company_kept(connection: Connection, company_id: str, users: Sequence[str]
                      ) -> tuple[Company, dict[str, frozenset[str]], KeptRowsCheck | None]:
    """load_company_and_groups without a round trip of its own when this process has the company and the users'
    groups already (PostgreSQL, not Citus): what it kept, and the check of the master version and the groups that
    goes in front of the transaction's next round trip (bulk.pipelined), which raises KeptRowsChanged if either
    changed since. One round trip less for each operation at a time.

    The caller must undo the transaction and run again with load_company_and_groups when the check fails, run
    the check (bulk.check_kept_rows_now) if it is not `done` before committing, and on any other error with
    the check not `done` find out whether the data changed before it reports the error (it may come from stale
    data): services.company_transaction does all three. Elsewhere: load_company_and_groups and no check."""
    wanted = sorted(set(users))
    database = _DATABASES.get(connection.engine)
    found = _LOADED.get((database, company_id)) if database is not None else None
    group_rows = _GROUP_ROWS.get((database, company_id, *wanted)) if wanted else []
    if found is None or group_rows is None or not is_postgres(connection) or is_citus(connection):
        company, groups = load_company_and_groups(connection, company_id, wanted)
        return company, groups, None
    expected: list[list[tuple]] = [[(found[0],)], group_rows] if wanted else [[(found[0],)]]
    check = KeptRowsCheck([(sql.replace("?", "%s"), params) for sql, params in _version_and_groups(company_id, wanted)],
                          expected)
    check_with_next_round_trip(connection, check)
    return found[1], _groups_from(wanted, group_rows), check


def _groups_from(users: Sequence[str], rows: Sequence[tuple]) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {user: set() for user in users}
    for user, group in rows:
        groups[user].add(group)
    return {user: frozenset(names) for user, names in groups.items()}


def _company_at(connection: Connection, company_id: str, version: int) -> Company:
    """The company as this process loaded it at `version`, or read again."""
    engine = connection.engine
    database = _DATABASES.get(engine)
    if database is None:
        # A URL hashes by rendering itself as text, about 12 µs: too much for every call to pay.
        database = _DATABASES[engine] = engine.url.render_as_string(hide_password=False)
    key = (database, company_id)
    found = _LOADED.get(key)
    if found is not None and found[0] == version:
        return found[1]
    company = read_company(connection, company_id)
    _LOADED[key] = (version, company)
    return company


_MASTER_VERSION = "SELECT master_version FROM company WHERE company_id = ?"


def forget_loaded_companies() -> None:
    """Drop what this process loaded (tests, or a database replaced under the same name by other means)."""
    _LOADED.clear()
    _GROUP_ROWS.clear()


def read_company(connection: Connection, company_id: str) -> Company:
    """The company's master data, read from the database now (load_company keeps it)."""
    head = connection.execute(_where(s.company, company_id)).first()
    if head is None:
        raise NotFound(f"company {company_id} does not exist", code="unknown_company")
    main_accounts = {
        r.account_id: MainAccount(r.account_id, r.name, AccountType(r.account_type), r.active,
                                  r.manual_entry_blocked, r.default_currency, r.opening_account, r.revaluate,
                                  r.revaluation_rate_type, json.loads(r.fixed_dimensions or "{}"))
        for r in connection.execute(_where(s.main_account, company_id))
    }
    dimensions = [r.name for r in connection.execute(_where(s.dimension, company_id).order_by(s.dimension.c.position))]
    values: dict[str, set[str]] = {}
    for r in connection.execute(_where(s.dimension_value, company_id)):
        values.setdefault(r.dimension, set()).add(r.value)
    structures = [
        AccountStructure(r.name, r.low, r.high, tuple(json.loads(r.segments)),
                         {k: frozenset(v) for k, v in json.loads(r.allowed).items()})
        for r in connection.execute(_where(s.account_structure, company_id).order_by(s.account_structure.c.low))
    ]
    chart = ChartOfAccounts(main_accounts, dimensions, structures, {k: frozenset(v) for k, v in values.items()})
    rates = [
        ExchangeRate(r.currency, r.valid_from, Decimal(r.rate), r.per, r.rate_type)
        for r in connection.execute(_where(s.exchange_rate, company_id))
    ]
    parties = {}
    # A company may have hundreds of thousands of customers and vendors, read again after every master-data change:
    # the columns by position (a row's attributes by name cost more than the rest), each distinct dimensions text
    # decoded once (each party gets its own copy), the enums looked up by value.
    party_types = {member.value: member for member in PartyType}
    holds = {member.value: member for member in Hold}
    decoded: dict[str, dict] = {}
    p = s.party.c
    for (party_type_value, party_id, name, group, currency, payment_terms, cash_discount, dimensions_text, hold,
         hold_release_date, posting_profile, sales_tax_group, interest_code, letter_sequence) in connection.execute(
            select(p.party_type, p.party_id, p.name, p.party_group, p.currency, p.payment_terms, p.cash_discount,
                   p.dimensions, p.hold, p.hold_release_date, p.posting_profile, p.sales_tax_group, p.interest_code,
                   p.collection_letter_sequence).where(p.company_id == company_id)):
        party_type = party_types.get(party_type_value) or PartyType(party_type_value)
        party_dimensions = decoded.get(dimensions_text)
        if party_dimensions is None:
            party_dimensions = decoded[dimensions_text] = json.loads(dimensions_text)
        parties[(party_type, party_id)] = Party(
            party_type, party_id, name, group, currency, payment_terms, cash_discount, dict(party_dimensions),
            holds.get(hold) or Hold(hold), hold_release_date, posting_profile, sales_tax_group, interest_code,
            letter_sequence,
        )
    parameters = dict(DEFAULT_PARAMETERS)
    parameters.update(json.loads(head.parameters))
    profile_rules = [
        PostingProfileRule(r.profile, PartyType(r.party_type), r.scope, r.scope_key, r.summary_account,
                           r.write_off_account, r.settle_automatically)
        for r in connection.execute(_where(s.posting_profile, company_id))
    ]
    default_profiles = {
        PartyType.customer: str(parameters.get("customer_posting_profile", "GEN")),
        PartyType.vendor: str(parameters.get("vendor_posting_profile", "GEN")),
    }
    return Company(
        id=head.company_id,
        name=head.name,
        accounting_currency=head.accounting_currency,
        chart=chart,
        calendar=FiscalCalendar(load_periods(connection, company_id)),
        rates=RateTable(head.accounting_currency, rates),
        parties=parties,
        posting_profiles=PostingProfiles(profile_rules, default_profiles),
        cash_discounts={
            r.code: CashDiscountCode(r.code, Decimal(r.percent), r.days, r.next_code, r.main_account)
            for r in connection.execute(_where(s.cash_discount, company_id))
        },
        payment_terms={r.code: PaymentTerms(r.code, r.days) for r in connection.execute(_where(s.payment_terms, company_id))},
        journal_names={
            r.name: JournalName(r.name, r.description, r.voucher_mode, r.number_prefix, r.number_width,
                                json.loads(r.dimensions), bool(r.amounts_include_sales_tax), r.voucher_reuse)
            for r in connection.execute(_where(s.journal_name, company_id))
        },
        bank_accounts={
            r.bank_id: BankAccount(r.bank_id, r.ledger_account, r.currency)
            for r in connection.execute(_where(s.bank_account, company_id))
        },
        system_accounts={r.purpose: r.account for r in connection.execute(_where(s.system_account, company_id))},
        tax_codes={
            r.code: TaxCode(r.code, Decimal(r.percent), r.payable_account, r.receivable_account,
                            r.customer_cash_discount_account, r.vendor_cash_discount_account)
            for r in connection.execute(_where(s.tax_code, company_id))
        },
        currency_decimals={r.code: r.decimals for r in connection.execute(_where(s.currency, company_id))},
        parameters=parameters,
        settlement=SettlementSettings.from_parameters(parameters),
    )


def user_groups(connection: Connection, company_id: str, user: str | None) -> frozenset[str]:
    if not user:
        return frozenset()
    rows = driver_rows(connection, "SELECT user_group FROM user_group_member WHERE company_id = ? AND user_name = ?",
                       (company_id, user))
    return frozenset(r[0] for r in rows)


class ReportingContext:
    """What reports need of a company — names and decimals — without its parties and rules (a fast load)."""

    def __init__(self, company_id: str, accounting_currency: str, account_names: dict[str, str],
                 currency_decimals: dict[str, int]):
        self.id = company_id
        self.accounting_currency = accounting_currency
        self.account_names = account_names
        self.currency_decimals = currency_decimals

    def decimals(self, currency: str) -> int:
        from ..fx.rates import ZERO_DECIMAL_CURRENCIES

        found = self.currency_decimals.get(currency)
        if found is not None:
            return found
        return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2


def load_reporting_context(connection: Connection, company_id: str) -> ReportingContext:
    head = connection.execute(select(s.company.c.accounting_currency).where(s.company.c.company_id == company_id)).first()
    if head is None:
        raise NotFound(f"company {company_id} does not exist", code="unknown_company")
    names = {r.account_id: r.name for r in connection.execute(
        select(s.main_account.c.account_id, s.main_account.c.name).where(s.main_account.c.company_id == company_id))}
    decimals = {r.code: r.decimals for r in connection.execute(
        select(s.currency.c.code, s.currency.c.decimals).where(s.currency.c.company_id == company_id))}
    return ReportingContext(company_id, head.accounting_currency, names, decimals)
