"""Setting up a company: the set-up sections of a scenario file, or single records from the CLI.

Input is plain data (dicts, as parsed from YAML or JSON); every key is checked, every unknown key named.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import generate_years
from ..company import DEFAULT_PARAMETERS
from ..errors import InvalidInput
from ..fx.rates import DEFAULT_RATE_TYPE
from ..ledger.accounts import AccountType
from ..parties.model import Hold, PartyType
from ..store import schema as s
from ..store.companies import ID_COUNTERS

SECTION_KEYS = {
    "company": ({"id", "accounting_currency"}, {"name", "parameters"}),
    "calendar": ({"first_year_start"}, {"years"}),
    "account_structure": ({"name", "main_accounts", "segments"}, {"allowed"}),
    "account": ({"id"}, {"name", "type", "active", "manual_entry_blocked", "do_not_allow_manual_entry",
                         "default_currency", "opening_account", "revaluate"}),
    "cash_discount": ({"code", "percent", "days"}, {"next", "main_account"}),
    "payment_terms": ({"code", "days"}, set()),
    "tax_code": ({"code", "percent", "payable_account"}, set()),
    "party": ({"id"}, {"name", "group", "currency", "payment_terms", "cash_discount", "dimensions", "hold",
                       "hold_release_date", "posting_profile"}),
    "exchange_rate": ({"currency", "date", "rate"}, {"per", "rate_type"}),
    "currency": ({"code"}, {"decimals"}),
    "journal_name": ({"name"}, {"description", "voucher_mode", "number_prefix", "number_width", "dimensions"}),
    "bank_account": ({"id", "ledger_account"}, {"currency"}),
    "profile_rule": ({"summary_account"}, {"profile", "scope", "key", "write_off_account", "settle_automatically",
                                          "settlement"}),
    "user_group": ({"name", "users"}, set()),
}

PARAMETER_NAMES = set(DEFAULT_PARAMETERS) | {"customer_posting_profile", "vendor_posting_profile"}


def check_keys(kind: str, item: object, where: str) -> dict:
    if not isinstance(item, dict):
        raise InvalidInput(f"{where}: expected a mapping, got {type(item).__name__}", code="bad_setup")
    required, optional = SECTION_KEYS[kind]
    unknown = set(item) - required - optional
    if unknown:
        raise InvalidInput(f"{where}: unknown key {', '.join(sorted(map(str, unknown)))}", code="unknown_key")
    missing = required - set(item)
    if missing:
        raise InvalidInput(f"{where}: missing key {', '.join(sorted(missing))}", code="missing_key")
    return item


def as_date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{where}: '{value}' is not an ISO date (YYYY-MM-DD)", code="bad_date") from None


def as_decimal(value: object, where: str) -> Decimal:
    try:
        text = repr(value) if type(value).__name__ == "float" else str(value)
        result = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{where}: '{value}' is not a number", code="bad_number") from None
    if not result.is_finite():
        raise InvalidInput(f"{where}: '{value}' is not a number", code="bad_number")
    return result


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "y")


def create_company(connection: Connection, company: dict, calendar: dict | None = None) -> str:
    check_keys("company", company, "company")
    company_id = str(company["id"])
    currency = str(company["accounting_currency"]).upper()
    exists = connection.execute(select(s.company.c.company_id).where(s.company.c.company_id == company_id)).first()
    if exists:
        raise InvalidInput(f"company {company_id} exists already", code="company_exists")
    parameters = company.get("parameters") or {}
    connection.execute(insert(s.company).values(
        company_id=company_id, name=str(company.get("name", company_id)), accounting_currency=currency,
        parameters=json.dumps({}),
    ))
    if parameters:
        set_parameters(connection, company_id, parameters)
    connection.execute(insert(s.number_sequence), [
        {"company_id": company_id, "code": code, "next_value": 1} for code in ID_COUNTERS
    ])
    if calendar:
        add_fiscal_years(connection, company_id, calendar)
    return company_id


def set_parameters(connection: Connection, company_id: str, parameters: dict) -> None:
    if not isinstance(parameters, dict):
        raise InvalidInput("parameters: expected a mapping", code="bad_setup")
    unknown = set(parameters) - PARAMETER_NAMES
    if unknown:
        raise InvalidInput(f"parameters: unknown key {', '.join(sorted(unknown))}", code="unknown_key")
    row = connection.execute(select(s.company.c.parameters).where(s.company.c.company_id == company_id)).first()
    current = json.loads(row[0]) if row else {}
    for key, value in parameters.items():
        current[key] = repr(value) if type(value).__name__ == "float" else value
    connection.execute(update(s.company).where(s.company.c.company_id == company_id)
                       .values(parameters=json.dumps(current, default=str)))


def add_fiscal_years(connection: Connection, company_id: str, calendar: dict) -> None:
    check_keys("calendar", calendar, "calendar")
    start = as_date(calendar["first_year_start"], "calendar.first_year_start")
    years = int(calendar.get("years", 1))
    if not 1 <= years <= 50:
        raise InvalidInput("calendar.years: between 1 and 50", code="bad_setup")
    last = connection.execute(
        select(s.fiscal_period.c.period_id, s.fiscal_period.c.end_date)
        .where(s.fiscal_period.c.company_id == company_id).order_by(s.fiscal_period.c.period_id.desc())
    ).first()
    first_id = (last.period_id + 1) if last else 1
    periods = generate_years(start, years, first_id)
    connection.execute(insert(s.fiscal_period), [
        {"company_id": company_id, "period_id": p.id, "year": p.year, "number": p.number, "name": p.name,
         "start_date": p.start, "end_date": p.end, "kind": p.kind.value, "status": p.status.value, "access": "{}"}
        for p in periods
    ])


def add_dimensions(connection: Connection, company_id: str, dimensions: list) -> None:
    position = connection.execute(select(s.dimension.c.position).where(s.dimension.c.company_id == company_id)
                                  .order_by(s.dimension.c.position.desc())).scalar() or 0
    for index, item in enumerate(dimensions):
        if isinstance(item, dict):
            unknown = set(item) - {"name", "values"}
            if unknown or "name" not in item:
                raise InvalidInput(f"dimensions[{index}]: expected name and values", code="unknown_key")
            name, values = str(item["name"]), item.get("values") or []
        else:
            name, values = str(item), []
        position += 1
        connection.execute(insert(s.dimension).values(company_id=company_id, name=name, position=position))
        if values:
            add_dimension_values(connection, company_id, name, values)


def add_dimension_values(connection: Connection, company_id: str, dimension: str, values: list) -> None:
    rows = []
    for value in values:
        if isinstance(value, dict):
            rows.append({"company_id": company_id, "dimension": dimension, "value": str(value["value"]),
                         "description": str(value.get("description", ""))})
        else:
            rows.append({"company_id": company_id, "dimension": dimension, "value": str(value), "description": ""})
    connection.execute(insert(s.dimension_value), rows)


def add_account_structures(connection: Connection, company_id: str, structures: list) -> None:
    known = {r[0] for r in connection.execute(select(s.dimension.c.name).where(s.dimension.c.company_id == company_id))}
    for index, item in enumerate(structures):
        where = f"account_structures[{index}]"
        check_keys("account_structure", item, where)
        low, _, high = str(item["main_accounts"]).partition("..")
        if not high:
            high = low
        segments = [str(x) for x in item["segments"]]
        for segment in segments:
            if segment not in known:
                raise InvalidInput(f"{where}: segment {segment} is not a financial dimension", code="bad_setup")
        allowed = {str(k): [str(v) for v in vals] for k, vals in (item.get("allowed") or {}).items()}
        connection.execute(insert(s.account_structure).values(
            company_id=company_id, name=str(item["name"]), low=low.strip(), high=high.strip(),
            segments=json.dumps(segments), allowed=json.dumps(allowed),
        ))


def add_main_accounts(connection: Connection, company_id: str, accounts: list) -> None:
    rows = []
    for index, item in enumerate(accounts):
        where = f"accounts[{index}]"
        check_keys("account", item, where)
        account_type = str(item.get("type", "expense")).lower()
        if account_type not in AccountType.__members__:
            raise InvalidInput(f"{where}: type {account_type} is not one of "
                               f"{', '.join(AccountType.__members__)}", code="bad_setup")
        rows.append({
            "company_id": company_id, "account_id": str(item["id"]), "name": str(item.get("name", item["id"])),
            "account_type": account_type, "active": _bool(item.get("active", True)),
            "manual_entry_blocked": _bool(item.get("manual_entry_blocked", item.get("do_not_allow_manual_entry", False))),
            "default_currency": item.get("default_currency"), "opening_account": item.get("opening_account"),
            "revaluate": _bool(item.get("revaluate", False)),
        })
    if rows:
        connection.execute(insert(s.main_account), rows)


def add_exchange_rates(connection: Connection, company_id: str, rates: list) -> None:
    rows = []
    for index, item in enumerate(rates):
        where = f"exchange_rates[{index}]"
        check_keys("exchange_rate", item, where)
        rate = as_decimal(item["rate"], where + ".rate")
        if rate <= 0:
            raise InvalidInput(f"{where}: the rate must be positive", code="bad_exchange_rate")
        per = int(item.get("per", 1))
        if per not in (1, 100):
            raise InvalidInput(f"{where}: per is 1 or 100", code="bad_exchange_rate")
        rows.append({"company_id": company_id, "rate_type": str(item.get("rate_type", DEFAULT_RATE_TYPE)),
                     "currency": str(item["currency"]).upper(), "valid_from": as_date(item["date"], where + ".date"),
                     "rate": str(rate), "per": per})
    for row in rows:
        connection.execute(delete(s.exchange_rate).where(
            s.exchange_rate.c.company_id == company_id, s.exchange_rate.c.rate_type == row["rate_type"],
            s.exchange_rate.c.currency == row["currency"], s.exchange_rate.c.valid_from == row["valid_from"]))
    if rows:
        connection.execute(insert(s.exchange_rate), rows)


def add_currencies(connection: Connection, company_id: str, currencies: list) -> None:
    for index, item in enumerate(currencies):
        check_keys("currency", item, f"currencies[{index}]")
        connection.execute(insert(s.currency).values(company_id=company_id, code=str(item["code"]).upper(),
                                                     decimals=int(item.get("decimals", 2))))


def add_cash_discounts(connection: Connection, company_id: str, codes: list) -> None:
    for index, item in enumerate(codes):
        where = f"cash_discounts[{index}]"
        check_keys("cash_discount", item, where)
        percent = as_decimal(item["percent"], where + ".percent")
        if not 0 <= percent < 100:
            raise InvalidInput(f"{where}: percent must be between 0 and 100", code="bad_setup")
        connection.execute(insert(s.cash_discount).values(
            company_id=company_id, code=str(item["code"]), percent=str(percent), days=int(item["days"]),
            next_code=item.get("next"), main_account=item.get("main_account")))


def add_payment_terms(connection: Connection, company_id: str, terms: list) -> None:
    for index, item in enumerate(terms):
        check_keys("payment_terms", item, f"payment_terms[{index}]")
        connection.execute(insert(s.payment_terms).values(company_id=company_id, code=str(item["code"]),
                                                          days=int(item["days"])))


def add_tax_codes(connection: Connection, company_id: str, codes: list) -> None:
    for index, item in enumerate(codes):
        where = f"tax_codes[{index}]"
        check_keys("tax_code", item, where)
        connection.execute(insert(s.tax_code).values(
            company_id=company_id, code=str(item["code"]), percent=str(as_decimal(item["percent"], where)),
            payable_account=str(item["payable_account"])))


def add_parties(connection: Connection, company_id: str, party_type: PartyType, parties: list) -> None:
    rows = []
    for index, item in enumerate(parties):
        where = f"{party_type.value}s[{index}]"
        check_keys("party", item, where)
        hold = str(item.get("hold", "no")).lower()
        if hold not in Hold.__members__:
            raise InvalidInput(f"{where}: hold {hold} is not one of {', '.join(Hold.__members__)}", code="bad_setup")
        release = item.get("hold_release_date")
        rows.append({
            "company_id": company_id, "party_type": party_type.value, "party_id": str(item["id"]),
            "name": str(item.get("name", item["id"])), "party_group": str(item.get("group", "")),
            "currency": (str(item["currency"]).upper() if item.get("currency") else None),
            "payment_terms": item.get("payment_terms"), "cash_discount": item.get("cash_discount"),
            "dimensions": json.dumps({str(k): str(v) for k, v in (item.get("dimensions") or {}).items()}),
            "hold": hold, "hold_release_date": as_date(release, where) if release else None,
            "posting_profile": item.get("posting_profile"),
        })
    if rows:
        connection.execute(insert(s.party), rows)


def add_posting_profiles(connection: Connection, company_id: str, profiles: dict) -> None:
    """`{vendor: {summary_account: ...}, customer: [...rules]}`; a bare mapping is the All rule of GEN."""
    if not isinstance(profiles, dict):
        raise InvalidInput("posting_profiles: expected a mapping of customer/vendor", code="bad_setup")
    for party_key, rules in profiles.items():
        if party_key not in ("customer", "vendor"):
            raise InvalidInput(f"posting_profiles: unknown key {party_key}", code="unknown_key")
        for index, rule in enumerate(rules if isinstance(rules, list) else [rules]):
            where = f"posting_profiles.{party_key}[{index}]"
            check_keys("profile_rule", rule, where)
            scope = str(rule.get("scope", "all")).lower()
            if scope not in ("table", "group", "all"):
                raise InvalidInput(f"{where}: scope is table, group or all", code="bad_setup")
            connection.execute(insert(s.posting_profile).values(
                company_id=company_id, profile=str(rule.get("profile", "GEN")), party_type=party_key,
                scope=scope, scope_key=str(rule.get("key", "")) if scope != "all" else "",
                summary_account=str(rule["summary_account"]), write_off_account=rule.get("write_off_account"),
                settle_automatically=_bool(rule.get("settle_automatically", rule.get("settlement", False))),
            ))


def set_system_accounts(connection: Connection, company_id: str, accounts: dict) -> None:
    if not isinstance(accounts, dict):
        raise InvalidInput("system_accounts: expected a mapping", code="bad_setup")
    for purpose, account in accounts.items():
        connection.execute(delete(s.system_account).where(s.system_account.c.company_id == company_id,
                                                          s.system_account.c.purpose == str(purpose)))
        connection.execute(insert(s.system_account).values(company_id=company_id, purpose=str(purpose),
                                                           account=str(account)))


def add_journal_names(connection: Connection, company_id: str, names: list) -> None:
    for index, item in enumerate(names):
        where = f"journal_names[{index}]"
        check_keys("journal_name", item, where)
        mode = str(item.get("voucher_mode", "balance"))
        if mode not in ("balance", "manual", "one_voucher"):
            raise InvalidInput(f"{where}: voucher_mode is balance, manual or one_voucher", code="bad_setup")
        connection.execute(insert(s.journal_name).values(
            company_id=company_id, name=str(item["name"]), description=str(item.get("description", "")),
            voucher_mode=mode, number_prefix=str(item.get("number_prefix", item["name"])),
            number_width=int(item.get("number_width", 6)),
            dimensions=json.dumps(item.get("dimensions") or {})))


def add_bank_accounts(connection: Connection, company_id: str, banks: list) -> None:
    for index, item in enumerate(banks):
        check_keys("bank_account", item, f"bank_accounts[{index}]")
        connection.execute(insert(s.bank_account).values(
            company_id=company_id, bank_id=str(item["id"]), ledger_account=str(item["ledger_account"]),
            currency=item.get("currency")))


def add_user_groups(connection: Connection, company_id: str, groups: list) -> None:
    for index, item in enumerate(groups):
        check_keys("user_group", item, f"user_groups[{index}]")
        for user in item["users"]:
            connection.execute(insert(s.user_group_member).values(
                company_id=company_id, user_group=str(item["name"]), user_name=str(user)))


SETUP_SECTIONS = (
    "company", "calendar", "currencies", "dimensions", "dimension_values", "account_structures", "accounts",
    "posting_profiles", "system_accounts", "parameters", "cash_discounts", "payment_terms", "tax_codes",
    "vendors", "customers", "exchange_rates", "journal_names", "bank_accounts", "user_groups",
)


def apply_setup(connection: Connection, data: dict) -> str:
    """Create a company from the set-up sections (scenario-format.md) in one transaction."""
    unknown = set(data) - set(SETUP_SECTIONS)
    if unknown:
        raise InvalidInput(f"unknown set-up section {', '.join(sorted(unknown))}", code="unknown_key")
    for required in ("company", "accounts"):
        if required not in data:
            raise InvalidInput(f"the set-up needs a '{required}' section", code="missing_key")
    company_id = create_company(connection, data["company"], data.get("calendar"))
    add_currencies(connection, company_id, data.get("currencies") or [])
    add_dimensions(connection, company_id, data.get("dimensions") or [])
    for name, values in (data.get("dimension_values") or {}).items():
        add_dimension_values(connection, company_id, str(name), values)
    add_account_structures(connection, company_id, data.get("account_structures") or [])
    add_main_accounts(connection, company_id, data["accounts"])
    add_posting_profiles(connection, company_id, data.get("posting_profiles") or {})
    set_system_accounts(connection, company_id, data.get("system_accounts") or {})
    if data.get("parameters"):
        set_parameters(connection, company_id, data["parameters"])
    add_cash_discounts(connection, company_id, data.get("cash_discounts") or [])
    add_payment_terms(connection, company_id, data.get("payment_terms") or [])
    add_tax_codes(connection, company_id, data.get("tax_codes") or [])
    add_parties(connection, company_id, PartyType.vendor, data.get("vendors") or [])
    add_parties(connection, company_id, PartyType.customer, data.get("customers") or [])
    add_exchange_rates(connection, company_id, data.get("exchange_rates") or [])
    add_journal_names(connection, company_id, data.get("journal_names") or [])
    add_bank_accounts(connection, company_id, data.get("bank_accounts") or [])
    add_user_groups(connection, company_id, data.get("user_groups") or [])
    return company_id


def setup_company(engine: Engine, data: dict) -> str:
    with engine.begin() as connection:
        return apply_setup(connection, data)
