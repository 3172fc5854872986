"""Setting up a company: the set-up sections of a scenario file, or single records from the CLI.

Input is plain data (dicts, as parsed from YAML or JSON); every key is checked, every unknown key named.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError

from ..calendar.periods import FiscalPeriod, generate_year, generate_years, year_label
from ..coercion import (  # noqa: F401 - the set-up service's old names for them stay importable
    as_bool,
    as_currency,
    as_date,
    as_decimal,
    as_id,
    as_int,
    as_list,
    as_mapping,
    as_percent,
    as_rate,
    as_text,
    checked_keys,
    located,
)
from ..company import DEFAULT_PARAMETERS, VOUCHER_REUSE_POLICIES, ZERO_AMOUNT_POLICIES
from ..errors import BilagError, InvalidInput
from ..fx.rates import DEFAULT_RATE_TYPE
from ..ledger.accounts import AccountType
from ..parties.model import Hold, PartyType
from ..store import schema as s
from ..store.bulk import bulk_insert
from ..store.companies import ID_COUNTERS

SECTION_KEYS = {
    "company": ({"id", "accounting_currency"}, {"name", "parameters"}),
    "calendar": (set(), {"first_year_start", "years", "fiscal_years"}),
    "fiscal_year": ({"start", "end"}, {"periods", "unit"}),
    "account_structure": ({"name", "main_accounts", "segments"}, {"allowed"}),
    "account": ({"id"}, {"name", "type", "active", "manual_entry_blocked", "do_not_allow_manual_entry",
                         "default_currency", "opening_account", "revaluate", "exchange_rate_type",
                         "fixed_dimensions"}),
    "cash_discount": ({"code", "percent", "days"}, {"next", "main_account"}),
    "payment_terms": ({"code", "days"}, set()),
    "tax_code": ({"code", "percent", "payable_account"}, {"receivable_account", "customer_cash_discount_account",
                                                           "vendor_cash_discount_account"}),
    "party": ({"id"}, {"name", "group", "currency", "payment_terms", "cash_discount", "dimensions", "hold",
                       "hold_release_date", "posting_profile", "sales_tax_group", "interest_code",
                       "collection_letter_sequence"}),
    "exchange_rate": ({"currency", "date", "rate"}, {"per", "rate_type"}),
    "currency": ({"code"}, {"decimals"}),
    "journal_name": ({"name"}, {"description", "voucher_mode", "number_prefix", "number_width", "dimensions",
                                "amounts_include_sales_tax", "voucher_reuse"}),
    "bank_account": ({"id", "ledger_account"}, {"currency"}),
    "profile_rule": ({"summary_account"}, {"profile", "scope", "key", "write_off_account", "settle_automatically",
                                          "settlement"}),
    "user_group": ({"name", "users"}, set()),
}

PARAMETER_NAMES = set(DEFAULT_PARAMETERS) | {"customer_posting_profile", "vendor_posting_profile"}


def check_unique(connection: Connection, table, column, company_id: str, ids: Sequence[tuple[str, object]], what: str,
                 **where_columns) -> None:
    """ids: (where, id) in input order. A record named twice, or one the company has already, is refused."""
    seen: dict[object, str] = {}
    for where, key in ids:
        if key in seen:
            raise InvalidInput(f"{where}: {what} {key} appears twice (first at {seen[key]})", code="duplicate_record")
        seen[key] = where
    if not ids:
        return
    query = select(column).where(table.c.company_id == company_id)
    if len(ids) <= 100:  # a long IN list costs more to send than the company's keys cost to read (5,000 vendors)
        query = query.where(column.in_([key for _, key in ids]))
    for name, value in where_columns.items():
        query = query.where(table.c[name] == value)
    existing = {row[0] for row in connection.execute(query)}
    for where, key in ids:
        if key in existing:
            raise InvalidInput(f"{where}: {what} {key} exists already", code="duplicate_record")


def check_keys(kind: str, item: object, where: str) -> dict:
    where = located(where, item)
    return checked_keys(item, SECTION_KEYS[kind], where)


def create_company(connection: Connection, company: dict, calendar: dict | None = None, *,
                   user: str | None = None) -> str:
    """Create the company row and its id counters (and its fiscal calendar); the creation is the first entry of
    the company's audit trail, by `user`."""
    check_keys("company", company, "company")
    company_id = as_id(company["id"], "company.id", 20)
    currency = as_currency(company["accounting_currency"], "company.accounting_currency")
    exists = connection.execute(select(s.company.c.company_id).where(s.company.c.company_id == company_id)).first()
    if exists:
        raise InvalidInput(f"company {company_id} exists already", code="company_exists")
    parameters = company.get("parameters") or {}
    name = as_text(company.get("name"), "company.name", 200, company_id)
    connection.execute(insert(s.company).values(
        company_id=company_id, name=name, accounting_currency=currency, parameters=json.dumps({}),
    ))
    if parameters:
        set_parameters(connection, company_id, parameters)
    connection.execute(insert(s.number_sequence), [
        {"company_id": company_id, "code": code, "next_value": 1} for code in ID_COUNTERS
    ])
    from .audit import AuditChange, record_changes

    record_changes(connection, company_id, user, [AuditChange("company", company_id, "added", None, {
        "name": name, "accounting_currency": currency})])
    if calendar:
        add_fiscal_years(connection, company_id, calendar)
    return company_id


def set_parameters(connection: Connection, company_id: str, parameters: dict) -> None:
    if not isinstance(parameters, dict):
        raise InvalidInput("parameters: expected a mapping", code="bad_setup")
    unknown = set(parameters) - PARAMETER_NAMES
    if unknown:
        raise InvalidInput(f"parameters: unknown key {', '.join(sorted(map(str, unknown)))}", code="unknown_key")
    row = connection.execute(select(s.company.c.parameters).where(s.company.c.company_id == company_id)).first()
    current = json.loads(row[0]) if row else {}
    for key, value in parameters.items():
        value = repr(value) if type(value).__name__ == "float" else value
        current[key] = _checked_parameter(key, value)
    connection.execute(update(s.company).where(s.company.c.company_id == company_id)
                       .values(parameters=json.dumps(current, default=str)))


_PARAMETER_CHOICES = {
    "discount_offset_accounts": ("invoice_lines", "main_account"),
    "cash_discount_administration": ("specific", "unspecific"),
    "duplicate_vendor_invoice": ("reject", "allow"),
    "voucher_reuse": VOUCHER_REUSE_POLICIES,
    "zero_amount_lines": ZERO_AMOUNT_POLICIES,
}
_AMOUNT_PARAMETERS = ("max_penny_difference", "max_overpayment")


def _checked_parameter(key: str, value: object) -> object:
    """A parameter's value is checked when it is set, so that a typo fails here and not in the middle of a
    settlement run; yes/no values are stored as booleans."""
    where = f"parameters.{key}"
    if key in _PARAMETER_CHOICES:
        if value not in _PARAMETER_CHOICES[key]:
            raise InvalidInput(f"{where}: {value!r} is not one of {', '.join(_PARAMETER_CHOICES[key])}",
                               code="bad_setup")
    elif key in _AMOUNT_PARAMETERS:
        if as_decimal(value, where) < 0:
            raise InvalidInput(f"{where}: a limit cannot be negative", code="bad_setup")
    elif key in ("interest_codes", "collection_letter_sequences", "settlement_type_priority"):
        from ..collections import interest

        if isinstance(value, str):  # from the command line: JSON text
            try:
                value = json.loads(value)
            except ValueError:
                raise InvalidInput(f"{where}: not JSON text", code="bad_setup") from None
        if key == "settlement_type_priority":
            return interest.checked_type_priority(value)
        parse = interest.interest_code_of if key == "interest_codes" else interest.letter_sequence_of
        return interest.checked_codes(value, key, parse)
    elif key == "settlement_priority":
        from ..settlement.automatic import PRIORITY_KEYS

        if not isinstance(value, list) or not value or any(item not in PRIORITY_KEYS for item in value):
            raise InvalidInput(f"{where}: a list of {', '.join(PRIORITY_KEYS)}", code="bad_setup")
    elif isinstance(DEFAULT_PARAMETERS.get(key), bool):
        return as_bool(value, where)
    return value


def add_fiscal_years(connection: Connection, company_id: str, calendar: dict) -> None:
    """A calendar section: `first_year_start` and `years` (years of twelve months), and/or `fiscal_years`, a
    list of years of any start, end and number of periods (`start`, `end`, `periods`, `unit`)."""
    check_keys("calendar", calendar, "calendar")
    if "first_year_start" not in calendar and "fiscal_years" not in calendar:
        raise InvalidInput("calendar: needs first_year_start (with years) or fiscal_years", code="bad_setup")
    for index, item in enumerate(as_list(calendar.get("fiscal_years"), "calendar.fiscal_years")):
        where = located(f"calendar.fiscal_years[{index}]", item)
        check_keys("fiscal_year", item, where)
        add_fiscal_year(connection, company_id, as_date(item["start"], where + ".start"),
                        as_date(item["end"], where + ".end"),
                        as_int(item["periods"], where + ".periods") if item.get("periods") is not None else None,
                        str(item.get("unit", "months")), where=where)
    if "first_year_start" not in calendar:
        return
    start = as_date(calendar["first_year_start"], "calendar.first_year_start")
    years = as_int(calendar.get("years", 1), "calendar.years")
    if not 1 <= years <= 50:
        raise InvalidInput("calendar.years: between 1 and 50", code="bad_setup")
    last = connection.execute(
        select(s.fiscal_period.c.period_id, s.fiscal_period.c.end_date)
        .where(s.fiscal_period.c.company_id == company_id).order_by(s.fiscal_period.c.period_id.desc())
    ).first()
    first_id = (last.period_id + 1) if last else 1
    periods = generate_years(start, years, first_id)
    _insert_periods(connection, company_id, periods)


def _insert_periods(connection: Connection, company_id: str, periods: list[FiscalPeriod]) -> None:
    connection.execute(insert(s.fiscal_period), [
        {"company_id": company_id, "period_id": p.id, "year": p.year, "number": p.number, "name": p.name,
         "start_date": p.start, "end_date": p.end, "kind": p.kind.value, "status": p.status.value, "access": "{}"}
        for p in periods
    ])


def add_fiscal_year(connection: Connection, company_id: str, start, end, periods: int | None = None,
                    unit: str = "months", *, where: str = "fiscal year") -> list[FiscalPeriod]:
    """Add one fiscal year of any start, end and number of periods (a short first year, a 53-week year), at
    set-up or later. It may not overlap a year the company has; its number is the year it starts in (else the
    year it ends in). Returns its periods."""
    fp = s.fiscal_period
    rows = connection.execute(select(fp.c.period_id, fp.c.year, fp.c.start_date, fp.c.end_date)
                              .where(fp.c.company_id == company_id)).all()
    for row in rows:
        if row.start_date <= end and start <= row.end_date:
            raise InvalidInput(f"{where}: {start}..{end} overlaps fiscal year {row.year} "
                               f"({row.start_date}..{row.end_date})", code="overlapping_year")
    first_id = max((row.period_id for row in rows), default=0) + 1
    try:
        label = year_label(start, end, {row.year for row in rows})
        new_periods = generate_year(start, end, label, first_id, periods, unit)
    except BilagError as error:  # the calendar's rule, named with where the year came from
        raise InvalidInput(f"{where}: {error.message}", code=error.code) from None
    _insert_periods(connection, company_id, new_periods)
    return new_periods


def add_fiscal_year_to(engine: Engine, company_id: str | None, start, end, periods: int | None = None,
                       unit: str = "months") -> list[dict]:
    """Use case: add a fiscal year of any shape to a company in use (one transaction); returns its periods."""
    from ..store.companies import resolve_company_id

    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        added = add_fiscal_year(connection, company_id, start, end, periods, unit)
    return [{"name": p.name, "year": p.year, "number": p.number, "kind": p.kind.value, "start": p.start.isoformat(),
             "end": p.end.isoformat()} for p in added]


def add_dimensions(connection: Connection, company_id: str, dimensions: list) -> None:
    dimensions = as_list(dimensions, "dimensions")
    position = connection.execute(select(s.dimension.c.position).where(s.dimension.c.company_id == company_id)
                                  .order_by(s.dimension.c.position.desc())).scalar() or 0
    named = []
    for index, item in enumerate(dimensions):
        where = located(f"dimensions[{index}]", item)
        if isinstance(item, dict):
            unknown = set(item) - {"name", "values"}
            if unknown or "name" not in item:
                raise InvalidInput(f"{where}: expected name and values", code="unknown_key")
            named.append((where, as_id(item["name"], where, 60), as_list(item.get("values"), where + ".values")))
        else:
            named.append((where, as_id(item, where, 60), []))
    check_unique(connection, s.dimension, s.dimension.c.name, company_id, [(w, n) for w, n, _ in named], "dimension")
    for _, name, values in named:
        position += 1
        connection.execute(insert(s.dimension).values(company_id=company_id, name=name, position=position))
        if values:
            add_dimension_values(connection, company_id, name, values)


def add_dimension_values(connection: Connection, company_id: str, dimension: str, values: list) -> None:
    where = f"dimension_values.{dimension}"
    known = connection.execute(select(s.dimension.c.name).where(s.dimension.c.company_id == company_id,
                                                                s.dimension.c.name == dimension)).first()
    if known is None:
        raise InvalidInput(f"{where}: {dimension} is not a financial dimension", code="bad_setup")
    rows = []
    for index, value in enumerate(as_list(values, where)):
        item_where = located(f"{where}[{index}]", value)
        if isinstance(value, dict):
            if "value" not in value or set(value) - {"value", "description"}:
                raise InvalidInput(f"{item_where}: expected value and description", code="unknown_key")
            rows.append({"company_id": company_id, "dimension": dimension,
                         "value": as_id(value["value"], item_where, 60),
                         "description": as_text(value.get("description"), item_where + ".description", 200)})
        else:
            rows.append({"company_id": company_id, "dimension": dimension, "value": as_id(value, item_where, 60),
                         "description": ""})
    seen = set()
    for index, row in enumerate(rows):
        if row["value"] in seen:
            raise InvalidInput(f"{where}[{index}]: value {row['value']} appears twice", code="duplicate_record")
        seen.add(row["value"])
    if rows:
        connection.execute(insert(s.dimension_value), rows)


def add_account_structures(connection: Connection, company_id: str, structures: list) -> None:
    known = {r[0] for r in connection.execute(select(s.dimension.c.name).where(s.dimension.c.company_id == company_id))}
    names = []
    for index, item in enumerate(as_list(structures, "account_structures")):
        where = located(f"account_structures[{index}]", item)
        check_keys("account_structure", item, where)
        low, _, high = str(item["main_accounts"]).partition("..")
        low, high = low.strip(), (high or low).strip()
        if not low or low > high:
            raise InvalidInput(f"{where}: main_accounts is a range LOW..HIGH, not '{item['main_accounts']}'",
                               code="bad_setup")
        segments = [str(x) for x in as_list(item["segments"], where + ".segments")]
        for segment in segments:
            if segment not in known:
                raise InvalidInput(f"{where}: segment {segment} is not a financial dimension", code="bad_setup")
        allowed = {}
        for segment, values in as_mapping(item.get("allowed"), where + ".allowed").items():
            if str(segment) not in segments:
                raise InvalidInput(f"{where}.allowed: {segment} is not a segment of the structure", code="bad_setup")
            allowed[str(segment)] = [str(v) for v in as_list(values, f"{where}.allowed.{segment}")]
        names.append((where, str(item["name"])))
        connection.execute(insert(s.account_structure).values(
            company_id=company_id, name=str(item["name"]), low=low, high=high,
            segments=json.dumps(segments), allowed=json.dumps(allowed),
        ))
    seen = {}
    for where, name in names:
        if name in seen:
            raise InvalidInput(f"{where}: account structure {name} appears twice", code="duplicate_record")
        seen[name] = where


def add_main_accounts(connection: Connection, company_id: str, accounts: list) -> None:
    rows, ids = [], []
    dimensions: dict[str, set[str]] | None = None
    for index, item in enumerate(as_list(accounts, "accounts")):
        where = located(f"accounts[{index}]", item)
        check_keys("account", item, where)
        account_id = as_id(item["id"], where, 40)
        if "-" in account_id:
            raise InvalidInput(f"{where}: a main account id has no '-' (dimension values are added when posting)",
                               code="bad_setup")
        account_type = str(item.get("type", "expense")).lower()
        if account_type not in AccountType.__members__:
            raise InvalidInput(f"{where}: type {account_type} is not one of "
                               f"{', '.join(AccountType.__members__)}", code="bad_setup")
        ids.append((where, account_id))
        rows.append({
            "company_id": company_id, "account_id": account_id, "name": as_text(item.get("name"), where + ".name", 200, account_id),
            "account_type": account_type, "active": as_bool(item.get("active", True), where + ".active"),
            "manual_entry_blocked": as_bool(item.get("manual_entry_blocked", item.get("do_not_allow_manual_entry",
                                                                                      False)), where),
            "default_currency": (as_currency(item["default_currency"], where + ".default_currency")
                                 if item.get("default_currency") else None),
            "opening_account": item.get("opening_account"),
            "revaluate": as_bool(item.get("revaluate", False), where + ".revaluate"),
            "revaluation_rate_type": str(item["exchange_rate_type"]) if item.get("exchange_rate_type") else None,
        })
        fixed = {str(k): str(v) for k, v in as_mapping(item.get("fixed_dimensions"),
                                                        where + ".fixed_dimensions").items()}
        if fixed:
            if dimensions is None:
                dimensions = _dimension_values(connection, company_id)
            _check_fixed_dimensions(fixed, dimensions, where + ".fixed_dimensions")
        rows[-1]["fixed_dimensions"] = json.dumps(fixed, sort_keys=True)
    check_unique(connection, s.main_account, s.main_account.c.account_id, company_id, ids, "main account")
    if rows:
        connection.execute(insert(s.main_account), rows)


def _dimension_values(connection: Connection, company_id: str) -> dict[str, set[str]]:
    """{dimension: its values} of the company (an empty set: a dimension whose values are not listed)."""
    found: dict[str, set[str]] = {
        r[0]: set() for r in connection.execute(select(s.dimension.c.name).where(s.dimension.c.company_id == company_id))}
    for name, value in connection.execute(select(s.dimension_value.c.dimension, s.dimension_value.c.value)
                                          .where(s.dimension_value.c.company_id == company_id)):
        found.setdefault(name, set()).add(value)
    return found


def _check_fixed_dimensions(fixed: dict[str, str], dimensions: dict[str, set[str]], where: str) -> None:
    for name, value in fixed.items():
        if name not in dimensions:
            raise InvalidInput(f"{where}: {name} is not a financial dimension", code="bad_setup")
        if not value:
            raise InvalidInput(f"{where}: {name} needs a value", code="bad_setup")
        if dimensions[name] and value not in dimensions[name]:
            raise InvalidInput(f"{where}: {value} is not a value of dimension {name}", code="bad_setup")


def add_exchange_rates(connection: Connection, company_id: str, rates: list) -> None:
    rows = []
    for index, item in enumerate(as_list(rates, "exchange_rates")):
        where = located(f"exchange_rates[{index}]", item)
        check_keys("exchange_rate", item, where)
        rate = as_rate(item["rate"], where + ".rate")
        per = as_int(item.get("per", 1), where + ".per")
        if per not in (1, 100):
            raise InvalidInput(f"{where}: per is 1 or 100", code="bad_exchange_rate")
        rows.append({"company_id": company_id, "rate_type": str(item.get("rate_type", DEFAULT_RATE_TYPE)),
                     "currency": as_currency(item["currency"], where + ".currency"),
                     "valid_from": as_date(item["date"], where + ".date"), "rate": str(rate), "per": per})
    for row in rows:
        connection.execute(delete(s.exchange_rate).where(
            s.exchange_rate.c.company_id == company_id, s.exchange_rate.c.rate_type == row["rate_type"],
            s.exchange_rate.c.currency == row["currency"], s.exchange_rate.c.valid_from == row["valid_from"]))
    # The same currency and date twice in one list: the later one wins, as with a rate entered again later.
    unique = {(row["rate_type"], row["currency"], row["valid_from"]): row for row in rows}
    if unique:
        connection.execute(insert(s.exchange_rate), list(unique.values()))


def add_currencies(connection: Connection, company_id: str, currencies: list) -> None:
    rows = []
    for index, item in enumerate(as_list(currencies, "currencies")):
        where = located(f"currencies[{index}]", item)
        check_keys("currency", item, where)
        decimals = as_int(item.get("decimals", 2), where + ".decimals")
        if not 0 <= decimals <= 8:
            raise InvalidInput(f"{where}: decimals is between 0 and 8", code="bad_setup")
        rows.append((where, as_currency(item["code"], where + ".code"), decimals))
    check_unique(connection, s.currency, s.currency.c.code, company_id, [(w, c) for w, c, _ in rows], "currency")
    for _, code, decimals in rows:
        connection.execute(insert(s.currency).values(company_id=company_id, code=code, decimals=decimals))


def add_cash_discounts(connection: Connection, company_id: str, codes: list) -> None:
    rows = []
    for index, item in enumerate(as_list(codes, "cash_discounts")):
        where = located(f"cash_discounts[{index}]", item)
        check_keys("cash_discount", item, where)
        percent = as_percent(item["percent"], where + ".percent", below_100=True)
        days = as_int(item["days"], where + ".days")
        if days < 0:
            raise InvalidInput(f"{where}: days cannot be negative", code="bad_setup")
        rows.append((where, {"company_id": company_id, "code": as_id(item["code"], where, 20), "percent": str(percent),
                             "days": days, "next_code": item.get("next"), "main_account": item.get("main_account")}))
    check_unique(connection, s.cash_discount, s.cash_discount.c.code, company_id, [(w, r["code"]) for w, r in rows],
                 "cash discount")
    for _, row in rows:
        connection.execute(insert(s.cash_discount).values(**row))


def add_payment_terms(connection: Connection, company_id: str, terms: list) -> None:
    rows = []
    for index, item in enumerate(as_list(terms, "payment_terms")):
        where = located(f"payment_terms[{index}]", item)
        check_keys("payment_terms", item, where)
        days = as_int(item["days"], where + ".days")
        if days < 0:
            raise InvalidInput(f"{where}: days cannot be negative", code="bad_setup")
        rows.append((where, as_id(item["code"], where, 20), days))
    check_unique(connection, s.payment_terms, s.payment_terms.c.code, company_id, [(w, c) for w, c, _ in rows],
                 "payment terms")
    for _, code, days in rows:
        connection.execute(insert(s.payment_terms).values(company_id=company_id, code=code, days=days))


def _tax_percent(value: object, where: str) -> Decimal:
    return as_percent(value, where, below_100=True)


def add_tax_codes(connection: Connection, company_id: str, codes: list) -> None:
    rows = []
    for index, item in enumerate(as_list(codes, "tax_codes")):
        where = located(f"tax_codes[{index}]", item)
        check_keys("tax_code", item, where)
        rows.append((where, {"company_id": company_id, "code": as_id(item["code"], where, 20),
                             "percent": str(_tax_percent(item["percent"], where + ".percent")),
                             "payable_account": str(item["payable_account"]),
                             **{key: str(item[key]) if item.get(key) else None
                                for key in ("receivable_account", "customer_cash_discount_account",
                                            "vendor_cash_discount_account")}}))
    check_unique(connection, s.tax_code, s.tax_code.c.code, company_id, [(w, r["code"]) for w, r in rows], "tax code")
    for _, row in rows:
        connection.execute(insert(s.tax_code).values(**row))


def _codes(connection: Connection, table, company_id: str) -> set[str]:
    return {row[0] for row in connection.execute(select(table.c.code).where(table.c.company_id == company_id))}


def add_parties(connection: Connection, company_id: str, party_type: PartyType, parties: list) -> None:
    rows, ids = [], []
    terms = _codes(connection, s.payment_terms, company_id)
    discounts = _codes(connection, s.cash_discount, company_id)
    dimensions = {r[0] for r in connection.execute(select(s.dimension.c.name).where(s.dimension.c.company_id == company_id))}
    tax_groups: set[str] | None = None
    for index, item in enumerate(as_list(parties, f"{party_type.value}s")):
        where = located(f"{party_type.value}s[{index}]", item)
        check_keys("party", item, where)
        party_id = as_id(item["id"], where, 40)
        hold = str(item.get("hold", "no")).lower()
        if hold not in Hold.__members__:
            raise InvalidInput(f"{where}: hold {hold} is not one of {', '.join(Hold.__members__)}", code="bad_setup")
        if item.get("payment_terms") and str(item["payment_terms"]) not in terms:
            raise InvalidInput(f"{where}: payment terms {item['payment_terms']} do not exist",
                               code="unknown_payment_terms")
        if item.get("cash_discount") and str(item["cash_discount"]) not in discounts:
            raise InvalidInput(f"{where}: cash discount code {item['cash_discount']} does not exist",
                               code="unknown_cash_discount")
        if item.get("sales_tax_group"):
            if tax_groups is None:
                tax_groups = {r[0] for r in connection.execute(select(s.sales_tax_group.c.group_code).where(
                    s.sales_tax_group.c.company_id == company_id))}
            if str(item["sales_tax_group"]) not in tax_groups:
                raise InvalidInput(f"{where}: sales tax group {item['sales_tax_group']} does not exist",
                                   code="unknown_tax_group")
        party_dimensions = {str(k): str(v) for k, v in as_mapping(item.get("dimensions"), where + ".dimensions").items()}
        for name in party_dimensions:
            if name not in dimensions:
                raise InvalidInput(f"{where}.dimensions: {name} is not a financial dimension", code="bad_setup")
        release = item.get("hold_release_date")
        ids.append((where, party_id))
        rows.append((  # PARTY_COLUMNS
            company_id, party_type.value, party_id, as_text(item.get("name"), where + ".name", 200, party_id),
            str(item.get("group", "")),
            as_currency(item["currency"], where + ".currency") if item.get("currency") else None,
            item.get("payment_terms"), item.get("cash_discount"),
            json.dumps(party_dimensions) if party_dimensions else "{}",
            hold, as_date(release, where).isoformat() if release else None, item.get("posting_profile"),
            str(item["sales_tax_group"]) if item.get("sales_tax_group") else None,
            *_collection_codes(connection, company_id, party_type, item, where),
        ))
    check_unique(connection, s.party, s.party.c.party_id, company_id, ids, party_type.value,
                 party_type=party_type.value)
    bulk_insert(connection, s.party, PARTY_COLUMNS, rows)  # 5,000 vendors in one driver call (issue 11)


def _collection_codes(connection: Connection, company_id: str, party_type: PartyType, item: dict, where: str
                      ) -> tuple[str | None, str | None]:
    """A customer's own interest code and collection letter sequence: each one of the company's (parameters
    interest_codes, collection_letter_sequences)."""
    chosen = (str(item["interest_code"]) if item.get("interest_code") else None,
              str(item["collection_letter_sequence"]) if item.get("collection_letter_sequence") else None)
    if not any(chosen):
        return chosen
    if party_type != PartyType.customer:
        raise InvalidInput(f"{where}: interest codes and collection letter sequences are for customers",
                           code="bad_setup")
    row = connection.execute(select(s.company.c.parameters).where(s.company.c.company_id == company_id)).first()
    parameters = json.loads(row[0]) if row and row[0] else {}
    for value, parameter, what, code in ((chosen[0], "interest_codes", "interest code", "unknown_interest_code"),
                                         (chosen[1], "collection_letter_sequences", "collection letter sequence",
                                          "unknown_letter_sequence")):
        known = parameters.get(parameter) or {}
        if value and value not in known:
            raise InvalidInput(f"{where}: {what} {value} does not exist (parameters.{parameter}: "
                               f"{', '.join(sorted(known)) or 'none'})", code=code)
    return chosen


PARTY_COLUMNS = ("company_id", "party_type", "party_id", "name", "party_group", "currency", "payment_terms",
                 "cash_discount", "dimensions", "hold", "hold_release_date", "posting_profile", "sales_tax_group",
                 "interest_code", "collection_letter_sequence")


def add_posting_profiles(connection: Connection, company_id: str, profiles: dict) -> None:
    """`{vendor: {summary_account: ...}, customer: [...rules]}`; a bare mapping is the All rule of GEN."""
    if not isinstance(profiles, dict):
        raise InvalidInput("posting_profiles: expected a mapping of customer/vendor", code="bad_setup")
    for party_key, rules in profiles.items():
        if party_key not in ("customer", "vendor"):
            raise InvalidInput(f"posting_profiles: unknown key {party_key}", code="unknown_key")
        seen: dict[tuple, str] = {}
        for index, rule in enumerate(rules if isinstance(rules, list) else [rules]):
            where = located(f"posting_profiles.{party_key}[{index}]", rule)
            check_keys("profile_rule", rule, where)
            scope = str(rule.get("scope", "all")).lower()
            if scope not in ("table", "group", "all"):
                raise InvalidInput(f"{where}: scope is table, group or all", code="bad_setup")
            profile, key = str(rule.get("profile", "GEN")), str(rule.get("key", "")) if scope != "all" else ""
            if (profile, scope, key) in seen:
                raise InvalidInput(f"{where}: the same rule as {seen[(profile, scope, key)]}", code="duplicate_record")
            seen[(profile, scope, key)] = where
            connection.execute(insert(s.posting_profile).values(
                company_id=company_id, profile=profile, party_type=party_key, scope=scope, scope_key=key,
                summary_account=str(rule["summary_account"]), write_off_account=rule.get("write_off_account"),
                settle_automatically=as_bool(rule.get("settle_automatically", rule.get("settlement", False)), where),
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
    rows = []
    for index, item in enumerate(as_list(names, "journal_names")):
        where = located(f"journal_names[{index}]", item)
        check_keys("journal_name", item, where)
        mode = str(item.get("voucher_mode", "balance"))
        if mode not in ("balance", "manual", "one_voucher"):
            raise InvalidInput(f"{where}: voucher_mode is balance, manual or one_voucher", code="bad_setup")
        width = as_int(item.get("number_width", 6), where + ".number_width")
        if not 1 <= width <= 20:
            raise InvalidInput(f"{where}: number_width is between 1 and 20", code="bad_setup")
        name = as_id(item["name"], where, 20)
        reuse = item.get("voucher_reuse")
        if reuse is not None and reuse not in VOUCHER_REUSE_POLICIES:
            raise InvalidInput(f"{where}: voucher_reuse is one of {', '.join(VOUCHER_REUSE_POLICIES)}",
                               code="bad_setup")
        rows.append((where, {"company_id": company_id, "name": name, "description": str(item.get("description", "")),
                             "voucher_mode": mode, "number_prefix": str(item.get("number_prefix", name)),
                             "number_width": width,
                             "dimensions": json.dumps(as_mapping(item.get("dimensions"), where + ".dimensions")),
                             "amounts_include_sales_tax": as_bool(item.get("amounts_include_sales_tax", False),
                                                                  where + ".amounts_include_sales_tax"),
                             "voucher_reuse": reuse}))
    check_unique(connection, s.journal_name, s.journal_name.c.name, company_id, [(w, r["name"]) for w, r in rows],
                 "journal name")
    for _, row in rows:
        connection.execute(insert(s.journal_name).values(**row))


def add_bank_accounts(connection: Connection, company_id: str, banks: list) -> None:
    rows = []
    for index, item in enumerate(as_list(banks, "bank_accounts")):
        where = located(f"bank_accounts[{index}]", item)
        check_keys("bank_account", item, where)
        rows.append((where, {"company_id": company_id, "bank_id": as_id(item["id"], where, 40),
                             "ledger_account": str(item["ledger_account"]),
                             "currency": as_currency(item["currency"], where + ".currency")
                             if item.get("currency") else None}))
    check_unique(connection, s.bank_account, s.bank_account.c.bank_id, company_id,
                 [(w, r["bank_id"]) for w, r in rows], "bank account")
    for _, row in rows:
        connection.execute(insert(s.bank_account).values(**row))


def add_user_groups(connection: Connection, company_id: str, groups: list) -> None:
    for index, item in enumerate(as_list(groups, "user_groups")):
        where = located(f"user_groups[{index}]", item)
        check_keys("user_group", item, where)
        users = sorted({str(user) for user in as_list(item["users"], where + ".users")})
        for user in users:
            connection.execute(insert(s.user_group_member).values(
                company_id=company_id, user_group=str(item["name"]), user_name=user))


SETUP_SECTIONS = (
    "company", "calendar", "currencies", "dimensions", "dimension_values", "account_structures", "accounts",
    "posting_profiles", "system_accounts", "parameters", "cash_discounts", "payment_terms", "tax_codes",
    "vendors", "customers", "exchange_rates", "journal_names", "bank_accounts", "user_groups",
    "allocation_rules",  # period end (docs/period-end.md)
    "sales_tax_groups", "item_sales_tax_groups", "reason_codes",  # issue 9: services/tax_setup.py
)


def apply_setup(connection: Connection, data: dict, *, user: str | None = None) -> str:
    """Create a company from the set-up sections (scenario-format.md) in one transaction (`user` creates it)."""
    if not isinstance(data, dict):
        raise InvalidInput("the set-up is a mapping of sections", code="bad_setup")
    unknown = [key for key in data if key not in SETUP_SECTIONS]
    if unknown:
        line = getattr(data, "line_of", lambda key: None)(unknown[0])
        raise InvalidInput(f"{'line ' + str(line) + ': ' if line else ''}unknown set-up section "
                           f"{', '.join(map(str, unknown))}", code="unknown_key")
    for required in ("company", "accounts"):
        if required not in data:
            raise InvalidInput(f"the set-up needs a '{required}' section", code="missing_key")
    company_id = create_company(connection, data["company"], data.get("calendar"), user=user)
    add_currencies(connection, company_id, data.get("currencies") or [])
    add_dimensions(connection, company_id, data.get("dimensions") or [])
    for name, values in as_mapping(data.get("dimension_values"), "dimension_values").items():
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
    from .tax_setup import add_reason_codes, add_tax_groups

    for section in ("sales_tax_groups", "item_sales_tax_groups"):  # before the parties that name them
        add_tax_groups(connection, company_id, section, data.get(section) or [])
    add_parties(connection, company_id, PartyType.vendor, data.get("vendors") or [])
    add_parties(connection, company_id, PartyType.customer, data.get("customers") or [])
    add_exchange_rates(connection, company_id, data.get("exchange_rates") or [])
    add_journal_names(connection, company_id, data.get("journal_names") or [])
    add_bank_accounts(connection, company_id, data.get("bank_accounts") or [])
    add_user_groups(connection, company_id, data.get("user_groups") or [])
    if data.get("allocation_rules"):
        from ..store.companies import load_company
        from .allocations import save_rules_in

        save_rules_in(connection, load_company(connection, company_id), as_list(data["allocation_rules"],
                                                                               "allocation_rules"))
    add_reason_codes(connection, company_id, data.get("reason_codes") or [])
    return company_id


def database_refusal(error: Exception) -> InvalidInput:
    """A constraint the checks above did not foresee: a message, never a traceback (nothing was written)."""
    detail = str(getattr(error, "orig", error)).strip().splitlines()[0]
    return InvalidInput(f"the database refused the set-up ({detail}); nothing was written", code="bad_setup")


def setup_company(engine: Engine, data: dict, *, user: str | None = None) -> str:
    try:
        with engine.begin() as connection:
            return apply_setup(connection, data, user=user)
    except (IntegrityError, DataError) as error:
        raise database_refusal(error) from None
