"""Master data after set-up: list, show, add, change, delete — one record at a time or by applying a file.

Every kind of master data is read back in the set-up format (scenario-format.md), so that what `show`
prints can be changed and applied again. Changes reuse set-up's own validation: the record as it is now,
with the changes laid over it, goes through the same `add_*` function that set-up uses (after the old row
is taken out, inside the same transaction). On top of that the rules that only a company in use has:

- an account with postings keeps its type; a main account, customer, vendor, dimension value, code or
  journal name that postings (or other master data) refer to is never deleted — deactivate it instead;
- a permanently closed period never opens again (calendar/periods.py decides);
- a posting profile change applies to later postings only: posted transactions keep their summary account.

A refused change raises InvalidInput and writes nothing.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError

from ..coercion import as_text
from ..company import DEFAULT_PARAMETERS
from ..errors import InvalidInput, NotFound
from ..parties.model import PartyType
from ..store import schema as s
from ..store.companies import resolve_company_id
from . import setup as setup_service
from .audit import AuditChange, record_changes
from .masterdata_sections import APPLY_AFTER, DELETE, SECTION_KINDS

# ----------------------------------------------------------------------------- reading, in the set-up format


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _rows(connection: Connection, table, company_id: str, *order):
    query = select(table).where(table.c.company_id == company_id)
    return connection.execute(query.order_by(*order) if order else query)


def _companies(connection: Connection, company_id: str, **_) -> list[dict]:
    result = []
    for row in connection.execute(select(s.company).order_by(s.company.c.company_id)):
        result.append({"id": row.company_id, "name": row.name, "accounting_currency": row.accounting_currency})
    return result


def _accounts(connection, company_id, **_):
    return [{"id": r.account_id, "name": r.name, "type": r.account_type, "active": bool(r.active),
             "manual_entry_blocked": bool(r.manual_entry_blocked), "default_currency": r.default_currency,
             "opening_account": r.opening_account, "revaluate": bool(r.revaluate),
             "fixed_dimensions": json.loads(r.fixed_dimensions or "{}")}
            for r in _rows(connection, s.main_account, company_id, s.main_account.c.account_id)]


def _dimensions(connection, company_id, **_):
    counts = dict(connection.execute(
        select(s.dimension_value.c.dimension, func.count()).where(s.dimension_value.c.company_id == company_id)
        .group_by(s.dimension_value.c.dimension)).all())
    return [{"name": r.name, "position": r.position, "values": int(counts.get(r.name, 0))}
            for r in _rows(connection, s.dimension, company_id, s.dimension.c.position)]


def _dimension_values(connection, company_id, **_):
    return [{"dimension": r.dimension, "value": r.value, "description": r.description}
            for r in _rows(connection, s.dimension_value, company_id, s.dimension_value.c.dimension,
                           s.dimension_value.c.value)]


def _account_structures(connection, company_id, **_):
    return [{"name": r.name, "main_accounts": f"{r.low}..{r.high}", "segments": json.loads(r.segments),
             "allowed": json.loads(r.allowed)}
            for r in _rows(connection, s.account_structure, company_id, s.account_structure.c.low)]


def _parties(party_type: str):
    def read(connection, company_id, **_):
        rows = connection.execute(select(s.party).where(s.party.c.company_id == company_id,
                                                        s.party.c.party_type == party_type)
                                  .order_by(s.party.c.party_id))
        return [{"id": r.party_id, "name": r.name, "group": r.party_group, "currency": r.currency,
                 "payment_terms": r.payment_terms, "cash_discount": r.cash_discount,
                 "dimensions": json.loads(r.dimensions), "hold": r.hold,
                 "hold_release_date": _iso(r.hold_release_date), "posting_profile": r.posting_profile,
                 "sales_tax_group": r.sales_tax_group,
                 **({"interest_code": r.interest_code, "collection_letter_sequence": r.collection_letter_sequence}
                    if party_type == "customer" else {})}
                for r in rows]
    return read


def _groups(connection, company_id, **_):
    """Customer and vendor groups: the groups the parties name, with the posting profile rules for each."""
    members: dict[tuple[str, str], int] = {}
    for party_type, group, count in connection.execute(
            select(s.party.c.party_type, s.party.c.party_group, func.count())
            .where(s.party.c.company_id == company_id, s.party.c.party_group != "")
            .group_by(s.party.c.party_type, s.party.c.party_group)):
        members[(party_type, group)] = int(count)
    for r in _rows(connection, s.posting_profile, company_id):
        if r.scope == "group":
            members.setdefault((r.party_type, r.scope_key), 0)
    rules: dict[tuple[str, str], list[str]] = {}
    for r in _rows(connection, s.posting_profile, company_id, s.posting_profile.c.profile):
        if r.scope == "group":
            rules.setdefault((r.party_type, r.scope_key), []).append(f"{r.profile}: {r.summary_account}")
    return [{"party_type": party_type, "group": group, "members": count,
             "posting_profiles": "; ".join(rules.get((party_type, group), []))}
            for (party_type, group), count in sorted(members.items())]


def _posting_profiles(connection, company_id, **_):
    return [{"party_type": r.party_type, "profile": r.profile, "scope": r.scope, "key": r.scope_key,
             "summary_account": r.summary_account, "write_off_account": r.write_off_account,
             "settle_automatically": bool(r.settle_automatically)}
            for r in _rows(connection, s.posting_profile, company_id, s.posting_profile.c.party_type,
                           s.posting_profile.c.profile, s.posting_profile.c.scope, s.posting_profile.c.scope_key)]


def _system_accounts(connection, company_id, **_):
    return [{"purpose": r.purpose, "account": r.account}
            for r in _rows(connection, s.system_account, company_id, s.system_account.c.purpose)]


def _parameters(connection, company_id, **_):
    row = connection.execute(select(s.company.c.parameters).where(s.company.c.company_id == company_id)).first()
    stored = json.loads(row[0]) if row else {}
    names = sorted(set(DEFAULT_PARAMETERS) | set(stored) | {"customer_posting_profile", "vendor_posting_profile"})
    defaults = {**DEFAULT_PARAMETERS, "customer_posting_profile": "GEN", "vendor_posting_profile": "GEN"}
    return [{"name": name, "value": stored.get(name, defaults.get(name)), "default": defaults.get(name),
             "set": name in stored} for name in names]


def _cash_discounts(connection, company_id, **_):
    return [{"code": r.code, "percent": r.percent, "days": r.days, "next": r.next_code,
             "main_account": r.main_account}
            for r in _rows(connection, s.cash_discount, company_id, s.cash_discount.c.code)]


def _payment_terms(connection, company_id, **_):
    return [{"code": r.code, "days": r.days}
            for r in _rows(connection, s.payment_terms, company_id, s.payment_terms.c.code)]


def _tax_codes(connection, company_id, **_):
    return [{"code": r.code, "percent": r.percent, "payable_account": r.payable_account,
             "receivable_account": r.receivable_account,
             "customer_cash_discount_account": r.customer_cash_discount_account,
             "vendor_cash_discount_account": r.vendor_cash_discount_account}
            for r in _rows(connection, s.tax_code, company_id, s.tax_code.c.code)]


def _exchange_rates(connection, company_id, *, currency: str | None = None, date_from: date | None = None,
                    date_to: date | None = None, **_):
    t = s.exchange_rate
    query = select(t).where(t.c.company_id == company_id)
    if currency:
        query = query.where(t.c.currency == currency.upper())
    if date_from:
        query = query.where(t.c.valid_from >= date_from)
    if date_to:
        query = query.where(t.c.valid_from <= date_to)
    return [{"currency": r.currency, "date": _iso(r.valid_from), "rate": r.rate, "per": r.per,
             "rate_type": r.rate_type}
            for r in connection.execute(query.order_by(t.c.currency, t.c.rate_type, t.c.valid_from))]


def _journal_names(connection, company_id, **_):
    sequences = dict(connection.execute(
        select(s.number_sequence.c.code, s.number_sequence.c.next_value)
        .where(s.number_sequence.c.company_id == company_id, s.number_sequence.c.code.like("voucher:%"))).all())
    result = []
    for r in _rows(connection, s.journal_name, company_id, s.journal_name.c.name):
        next_value = int(sequences.get(f"voucher:{r.name}", 1))
        prefix = r.number_prefix or r.name
        result.append({"name": r.name, "description": r.description, "voucher_mode": r.voucher_mode,
                       "number_prefix": r.number_prefix, "number_width": r.number_width,
                       "dimensions": json.loads(r.dimensions),
                       "amounts_include_sales_tax": bool(r.amounts_include_sales_tax),
                       **({"voucher_reuse": r.voucher_reuse} if r.voucher_reuse else {}),
                       "next_number": f"{prefix}{next_value:0{r.number_width}d}"})
    return result


def _periods(connection, company_id, *, year: int | None = None, **_):
    from ..calendar.periods import MODULES, module_access
    from ..store.companies import load_periods

    return [{"name": p.name, "year": p.year, "number": p.number, "kind": p.kind.value, "start": p.start.isoformat(),
             "end": p.end.isoformat(), "status": p.status.value,
             "access": ", ".join(sorted({f"{m}: {module_access(p, m)}" for m in MODULES
                                         if module_access(p, m) != "all"})) or "all"}
            for p in sorted(load_periods(connection, company_id), key=lambda p: (p.start, p.number))
            if year is None or p.year == year]


def _user_groups(connection, company_id, **_):
    groups: dict[str, list[str]] = {}
    for r in _rows(connection, s.user_group_member, company_id, s.user_group_member.c.user_group,
                   s.user_group_member.c.user_name):
        groups.setdefault(r.user_group, []).append(r.user_name)
    return [{"name": name, "users": users} for name, users in groups.items()]


def _users(connection, company_id, **_):
    users: dict[str, list[str]] = {}
    for r in _rows(connection, s.user_group_member, company_id, s.user_group_member.c.user_name,
                   s.user_group_member.c.user_group):
        users.setdefault(r.user_name, []).append(r.user_group)
    return [{"user": user, "groups": groups} for user, groups in users.items()]


def _bank_accounts(connection, company_id, **_):
    return [{"id": r.bank_id, "ledger_account": r.ledger_account, "currency": r.currency}
            for r in _rows(connection, s.bank_account, company_id, s.bank_account.c.bank_id)]


def _currencies(connection, company_id, **_):
    return [{"code": r.code, "decimals": r.decimals}
            for r in _rows(connection, s.currency, company_id, s.currency.c.code)]


@dataclass(frozen=True)
class Kind:
    """One kind of master data: how to read it, what identifies a record, which set-up section holds it."""

    name: str  # singular, as on the command line: account, vendor, dimension-value ...
    plural: str
    read: Callable[..., list[dict]]
    key: tuple[str, ...]  # the fields that identify a record
    columns: tuple[str, ...]  # what a table shows (JSON and CSV carry every field)
    section: str | None = None  # the set-up section that adds and changes it (None: read-only here)
    aliases: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("company", "companies", _companies, ("id",), ("id", "name", "accounting_currency"), "company"),
    Kind("account", "accounts", _accounts, ("id",),
         ("id", "name", "type", "active", "manual_entry_blocked", "default_currency"), "accounts",
         ("main-account", "main-accounts")),
    Kind("currency", "currencies", _currencies, ("code",), ("code", "decimals"), "currencies"),
    Kind("dimension", "dimensions", _dimensions, ("name",), ("name", "position", "values"), "dimensions"),
    Kind("dimension-value", "dimension-values", _dimension_values, ("dimension", "value"),
         ("dimension", "value", "description"), "dimension_values"),
    Kind("account-structure", "account-structures", _account_structures, ("name",),
         ("name", "main_accounts", "segments", "allowed"), "account_structures", ("structure", "structures")),
    Kind("customer", "customers", _parties("customer"), ("id",),
         ("id", "name", "group", "currency", "payment_terms", "cash_discount", "hold", "posting_profile"),
         "customers"),
    Kind("vendor", "vendors", _parties("vendor"), ("id",),
         ("id", "name", "group", "currency", "payment_terms", "cash_discount", "hold", "posting_profile"),
         "vendors"),
    Kind("group", "groups", _groups, ("party_type", "group"), ("party_type", "group", "members", "posting_profiles")),
    Kind("posting-profile", "posting-profiles", _posting_profiles, ("party_type", "profile", "scope", "key"),
         ("party_type", "profile", "scope", "key", "summary_account", "write_off_account", "settle_automatically"),
         "posting_profiles", ("profile", "profiles")),
    Kind("system-account", "system-accounts", _system_accounts, ("purpose",), ("purpose", "account"),
         "system_accounts"),
    Kind("parameter", "parameters", _parameters, ("name",), ("name", "value", "default", "set"), "parameters"),
    Kind("cash-discount", "cash-discounts", _cash_discounts, ("code",),
         ("code", "percent", "days", "next", "main_account"), "cash_discounts"),
    Kind("payment-terms", "payment-terms", _payment_terms, ("code",), ("code", "days"), "payment_terms",
         ("payment-term",)),
    Kind("tax-code", "tax-codes", _tax_codes, ("code",),
         ("code", "percent", "payable_account", "receivable_account"), "tax_codes"),
    Kind("exchange-rate", "exchange-rates", _exchange_rates, ("currency", "date", "rate_type"),
         ("currency", "date", "rate", "per", "rate_type"), "exchange_rates", ("rate", "rates")),
    Kind("journal-name", "journal-names", _journal_names, ("name",),
         ("name", "description", "voucher_mode", "number_prefix", "next_number"), "journal_names"),
    Kind("period", "periods", _periods, ("name",), ("name", "start", "end", "kind", "status", "access")),
    Kind("user-group", "user-groups", _user_groups, ("name",), ("name", "users"), "user_groups"),
    Kind("user", "users", _users, ("user",), ("user", "groups")),
    Kind("bank-account", "bank-accounts", _bank_accounts, ("id",), ("id", "ledger_account", "currency"),
         "bank_accounts", ("bank", "banks")),
)}
KINDS.update({section.name: Kind(section.name, section.plural, lambda connection, company_id, _read=section.read, **_:
                                 _read(connection, company_id), (section.key,), section.columns, section.section,
                                 section.aliases)
              for section in SECTION_KINDS.values()})


def kind_of(name: str) -> Kind:
    wanted = str(name).strip().lower().replace("_", "-")
    for kind in KINDS.values():
        if wanted in (kind.name, kind.plural, *kind.aliases):
            return kind
    names = ", ".join(sorted(KINDS))
    raise InvalidInput(f"'{name}' is not a kind of master data; one of {names}", code="unknown_kind")


def _matches(record: dict, kind: Kind, key: tuple[str, ...]) -> bool:
    return all(str(record.get(field_)) == str(part) for field_, part in zip(kind.key, key))


def list_records_in(connection: Connection, company_id: str, kind: Kind, **filters) -> list[dict]:
    return kind.read(connection, company_id, **filters)


def list_records(engine: Engine, company_id: str | None, kind_name: str, **filters) -> list[dict]:
    """Every record of a kind, in the set-up format (plus read-only facts such as next numbers)."""
    kind = kind_of(kind_name)
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id) if kind.name != "company" else company_id or ""
        return list_records_in(connection, company_id, kind, **filters)


def find_record_in(connection: Connection, company_id: str, kind: Kind, key: tuple[str, ...]) -> dict | None:
    found = [r for r in kind.read(connection, company_id) if _matches(r, kind, key)]
    return found[0] if len(found) == 1 or (found and len(key) >= len(kind.key)) else None


def _describe_key(kind: Kind, key: tuple[str, ...]) -> str:
    return f"{kind.name} {' '.join(map(str, key))}"


def show_record(engine: Engine, company_id: str | None, kind_name: str, key: tuple[str, ...]) -> dict:
    kind = kind_of(kind_name)
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id) if kind.name != "company" else ""
        return _one(connection, company_id, kind, key)


def _one(connection: Connection, company_id: str, kind: Kind, key: tuple[str, ...]) -> dict:
    if not key:
        raise InvalidInput(f"name the {kind.name} ({', '.join(kind.key)})", code="missing_key")
    found = [r for r in kind.read(connection, company_id) if _matches(r, kind, key)]
    if not found:
        raise NotFound(f"{_describe_key(kind, key)} does not exist (see 'bilag list {kind.plural}')",
                       code=f"unknown_{kind.name.replace('-', '_')}")
    if len(found) > 1:
        raise InvalidInput(f"{_describe_key(kind, key)} names {len(found)} records; give "
                           f"{', '.join(kind.key)}", code="ambiguous_key")
    return found[0]


# ----------------------------------------------------------------------------- usage: what refers to a record

def _exists(connection: Connection, query) -> bool:
    return connection.execute(query.limit(1)).first() is not None


def _account_postings(connection: Connection, company_id: str, account_id: str) -> bool:
    return _exists(connection, select(s.balance.c.main_account).where(
        s.balance.c.company_id == company_id, s.balance.c.main_account == account_id))


def _party_transactions(connection: Connection, company_id: str, party_type: str, party_id: str) -> bool:
    return _exists(connection, select(s.party_transaction.c.transaction_id).where(
        s.party_transaction.c.company_id == company_id, s.party_transaction.c.party_type == party_type,
        s.party_transaction.c.party_id == party_id))


def _ledger_accounts_in_use(connection: Connection, company_id: str) -> list[str]:
    # In account order: the first one found is the one named (the rows come in no particular order otherwise,
    # and on Citus not in the order they were written).
    return [r[0] for r in connection.execute(select(s.balance.c.ledger_account).distinct()
                                             .where(s.balance.c.company_id == company_id)
                                             .order_by(s.balance.c.ledger_account))]


def _dimension_value_uses(connection: Connection, company_id: str, dimension: str, value: str) -> list[str]:
    """Where a dimension value is used: posted ledger accounts, parties' and journal names' defaults."""
    from ..store.companies import load_company

    company = load_company(connection, company_id)
    uses = []
    for text in _ledger_accounts_in_use(connection, company_id):
        try:
            account = company.chart.parse(text)
        except Exception:  # an account whose structure changed since: compare segment by segment
            continue
        if company.chart.dimension_map(account).get(dimension) == value:
            uses.append(f"postings on {text}")
            break
    for party in company.parties.values():
        if party.dimensions.get(dimension) == value:
            uses.append(f"{party.party_type.value} {party.id}")
    for name in company.journal_names.values():
        if name.dimensions.get(dimension) == value:
            uses.append(f"journal name {name.name}")
    return uses


def _references(connection: Connection, company_id: str, kind: Kind, record: dict) -> list[str]:
    """What keeps a record from being deleted (empty: nothing refers to it)."""
    c = company_id
    uses: list[str] = []
    if kind.name == "account":
        account_id = record["id"]
        if _account_postings(connection, c, account_id):
            uses.append("postings")
        prefix = f"{account_id}-"
        texts = [(f"posting profile {r['party_type']} {r['profile']}", r["summary_account"])
                 for r in _posting_profiles(connection, c)]
        texts += [(f"system account {r['purpose']}", r["account"]) for r in _system_accounts(connection, c)]
        texts += [(f"bank account {r['id']}", r["ledger_account"]) for r in _bank_accounts(connection, c)]
        texts += [(f"tax code {r['code']}", r[k]) for r in _tax_codes(connection, c)
                  for k in ("payable_account", "receivable_account", "customer_cash_discount_account",
                            "vendor_cash_discount_account")]
        texts += [(f"cash discount {r['code']}", r["main_account"]) for r in _cash_discounts(connection, c)]
        uses += [what for what, text in texts if text and (text == account_id or str(text).startswith(prefix))]
    elif kind.name in ("customer", "vendor"):
        if _party_transactions(connection, c, kind.name, record["id"]):
            uses.append("posted transactions")
    elif kind.name == "dimension-value":
        uses += _dimension_value_uses(connection, c, record["dimension"], record["value"])
    elif kind.name == "dimension":
        if record["values"]:
            uses.append(f"{record['values']} values (delete them first)")
        uses += [f"account structure {r['name']}" for r in _account_structures(connection, c)
                 if record["name"] in r["segments"]]
    elif kind.name in ("payment-terms", "cash-discount"):
        column = s.party.c.payment_terms if kind.name == "payment-terms" else s.party.c.cash_discount
        uses += [f"{r.party_type} {r.party_id}" for r in connection.execute(
            select(s.party.c.party_type, s.party.c.party_id).where(s.party.c.company_id == c,
                                                                   column == record["code"]))]
        if kind.name == "cash-discount":
            uses += [f"cash discount {r['code']} (next)" for r in _cash_discounts(connection, c)
                     if r["next"] == record["code"]]
            if _exists(connection, select(s.party_transaction.c.transaction_id).where(
                    s.party_transaction.c.company_id == c,
                    s.party_transaction.c.cash_discount_code == record["code"])):
                uses.append("posted transactions")
    elif kind.name == "tax-code":
        if _exists(connection, select(s.party_transaction.c.transaction_id).where(
                s.party_transaction.c.company_id == c, s.party_transaction.c.tax_code == record["code"])):
            uses.append("posted transactions")
    elif kind.name == "journal-name":
        if _exists(connection, select(s.voucher.c.voucher_id).where(s.voucher.c.company_id == c,
                                                                    s.voucher.c.series == record["name"])):
            uses.append("posted vouchers")
        if _exists(connection, select(s.journal.c.journal_id).where(s.journal.c.company_id == c,
                                                                    s.journal.c.journal_name == record["name"])):
            uses.append("stored journals")
    elif kind.name == "currency":
        if _exists(connection, select(s.balance.c.currency).where(s.balance.c.company_id == c,
                                                                  s.balance.c.currency == record["code"])):
            uses.append("postings")
    elif kind.name in SECTION_KINDS:
        uses += SECTION_KINDS[kind.name].references(connection, c, record)
    elif kind.name == "posting-profile":
        if _exists(connection, select(s.party_transaction.c.transaction_id).where(
                s.party_transaction.c.company_id == c, s.party_transaction.c.party_type == record["party_type"],
                s.party_transaction.c.posting_profile == record["profile"], s.party_transaction.c.open_minor != 0)):
            uses.append(f"open transactions posted with profile {record['profile']}")
    return uses


def dangling_accounts(connection: Connection, company_id: str) -> list[str]:
    """Accounts that master data names but the chart of accounts has not: a tax code's input tax account, a
    system account, a posting profile's summary account, a bank's ledger account ..."""
    known = {r[0] for r in connection.execute(select(s.main_account.c.account_id)
                                              .where(s.main_account.c.company_id == company_id))}
    named: list[tuple[str, str, object]] = []
    named += [(f"tax code {r['code']}", k, r[k]) for r in _tax_codes(connection, company_id)
              for k in ("payable_account", "receivable_account", "customer_cash_discount_account",
                        "vendor_cash_discount_account")]
    named += [(f"system account {r['purpose']}", "account", r["account"]) for r in _system_accounts(connection,
                                                                                                     company_id)]
    named += [(f"posting profile {r['party_type']} {r['profile']}", k, r[k])
              for r in _posting_profiles(connection, company_id) for k in ("summary_account", "write_off_account")]
    named += [(f"bank account {r['id']}", "ledger_account", r["ledger_account"])
              for r in _bank_accounts(connection, company_id)]
    named += [(f"cash discount {r['code']}", "main_account", r["main_account"])
              for r in _cash_discounts(connection, company_id)]
    named += [(f"account {r['id']}", "opening_account", r["opening_account"]) for r in _accounts(connection,
                                                                                                 company_id)]
    for section in SECTION_KINDS.values():
        named += [(f"{section.name} {record[section.key]}", name, value)
                  for record in section.read(connection, company_id) for name, value in section.accounts(record)]
    return [f"{what}: {key} {value} is not a main account" for what, key, value in named
            if value and str(value).split("-")[0] not in known]


# ----------------------------------------------------------------------------- adding and changing

@dataclass
class Change:
    kind: str
    key: str
    action: str  # added | changed | unchanged | deleted
    fields: dict[str, tuple[object, object]] = field(default_factory=dict)  # name -> (before, after)
    record: dict | None = field(default=None, compare=False, repr=False)  # the whole record as added or as it was before it was deleted (audit trail)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "key": self.key, "action": self.action,
                "changes": {name: {"before": before, "after": after} for name, (before, after) in self.fields.items()}}

    def describe(self) -> str:
        if self.action != "changed":
            return f"{self.kind} {self.key}: {self.action}"
        parts = [f"{name} {_shown(before)} -> {_shown(after)}" for name, (before, after) in self.fields.items()]
        return f"{self.kind} {self.key}: changed {', '.join(parts)}"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "" or value == {} or value == []:
        return "(blank)"
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


# The set-up item of a record: what the add_* function of its section takes (read-only facts left out).
_NOT_SET_UP = {"next_number", "values", "position", "members"}
_PARAMETER_FACTS = {"default", "set"}  # a reason code's `default` is set-up, a parameter's is not


def _as_item(kind: Kind, record: dict) -> dict:
    facts = _NOT_SET_UP | (_PARAMETER_FACTS if kind.name == "parameter" else set())
    item = {k: v for k, v in record.items() if k not in facts and v is not None}
    if kind.name == "posting-profile":
        item.pop("party_type", None)
        if item.get("scope") == "all":
            item.pop("key", None)
    if kind.name == "dimension-value":
        item.pop("dimension", None)
    return item


def _key_of_item(kind: Kind, item: dict, section_key: str | None = None) -> tuple[str, ...]:
    """A set-up item's identifying key, as the kind's read() returns it."""
    if kind.name == "posting-profile":
        scope = str(item.get("scope", "all")).lower()
        return (str(section_key), str(item.get("profile", "GEN")), scope,
                str(item.get("key", "")) if scope != "all" else "")
    if kind.name == "dimension-value":
        value = item.get("value") if isinstance(item, dict) else item
        return (str(section_key), str(value))
    if kind.name == "exchange-rate":
        from ..fx.rates import DEFAULT_RATE_TYPE

        day = item.get("date")
        return (str(item.get("currency", "")).upper(), str(_iso(day)) if isinstance(day, date) else str(day),
                str(item.get("rate_type", DEFAULT_RATE_TYPE)))
    if kind.name == "currency":
        return (str(item.get("code", "")).upper(),)
    if kind.name == "dimension" and not isinstance(item, dict):
        return (str(item),)
    return tuple(str(item.get(k, "")) if isinstance(item, dict) else str(item) for k in kind.key)


def _add_item(connection: Connection, company_id: str, kind: Kind, item, section_key: str | None = None) -> None:
    """Add one record through set-up's own validation."""
    add = {
        "account": setup_service.add_main_accounts, "currency": setup_service.add_currencies,
        "dimension": setup_service.add_dimensions, "account-structure": setup_service.add_account_structures,
        "cash-discount": setup_service.add_cash_discounts, "payment-terms": setup_service.add_payment_terms,
        "tax-code": setup_service.add_tax_codes, "exchange-rate": setup_service.add_exchange_rates,
        "journal-name": setup_service.add_journal_names, "bank-account": setup_service.add_bank_accounts,
        "user-group": setup_service.add_user_groups,
    }
    if kind.name in add:
        add[kind.name](connection, company_id, [item])
    elif kind.name in SECTION_KINDS:
        SECTION_KINDS[kind.name].add(connection, company_id, [item])
    elif kind.name in ("customer", "vendor"):
        setup_service.add_parties(connection, company_id, PartyType(kind.name), [item])
    elif kind.name == "dimension-value":
        setup_service.add_dimension_values(connection, company_id, str(section_key), [item])
    elif kind.name == "posting-profile":
        setup_service.add_posting_profiles(connection, company_id, {str(section_key): [item]})
    elif kind.name == "system-account":
        setup_service.set_system_accounts(connection, company_id, {item["purpose"]: item["account"]})
    elif kind.name == "parameter":
        setup_service.set_parameters(connection, company_id, {item["name"]: item["value"]})
    else:
        raise InvalidInput(f"a {kind.name} is not added this way", code="not_changeable")


def _delete_row(connection: Connection, company_id: str, kind: Kind, key: tuple[str, ...]) -> None:
    c = company_id
    where: dict[str, tuple] = {
        "account": (s.main_account, [s.main_account.c.account_id == key[0]]),
        "currency": (s.currency, [s.currency.c.code == key[0]]),
        "dimension": (s.dimension, [s.dimension.c.name == key[0]]),
        "dimension-value": (s.dimension_value, [s.dimension_value.c.dimension == key[0],
                                                s.dimension_value.c.value == key[-1]]),
        "account-structure": (s.account_structure, [s.account_structure.c.name == key[0]]),
        "customer": (s.party, [s.party.c.party_type == "customer", s.party.c.party_id == key[0]]),
        "vendor": (s.party, [s.party.c.party_type == "vendor", s.party.c.party_id == key[0]]),
        "cash-discount": (s.cash_discount, [s.cash_discount.c.code == key[0]]),
        "payment-terms": (s.payment_terms, [s.payment_terms.c.code == key[0]]),
        "tax-code": (s.tax_code, [s.tax_code.c.code == key[0]]),
        "journal-name": (s.journal_name, [s.journal_name.c.name == key[0]]),
        "bank-account": (s.bank_account, [s.bank_account.c.bank_id == key[0]]),
        "user-group": (s.user_group_member, [s.user_group_member.c.user_group == key[0]]),
        "system-account": (s.system_account, [s.system_account.c.purpose == key[0]]),
    }
    if kind.name == "posting-profile":
        t = s.posting_profile
        conditions = [t.c.party_type == key[0], t.c.profile == key[1], t.c.scope == key[2], t.c.scope_key == key[3]]
        connection.execute(delete(t).where(t.c.company_id == c, *conditions))
        return
    if kind.name in DELETE:
        DELETE[kind.name](connection, c, key[0])
        return
    if kind.name == "exchange-rate":
        t = s.exchange_rate
        connection.execute(delete(t).where(t.c.company_id == c, t.c.currency == key[0],
                                           t.c.valid_from == date.fromisoformat(key[1]), t.c.rate_type == key[2]))
        return
    if kind.name not in where:
        raise InvalidInput(f"a {kind.name} cannot be deleted", code="not_deletable")
    table, conditions = where[kind.name]
    connection.execute(delete(table).where(table.c.company_id == c, *conditions))


def _check_change(connection: Connection, company_id: str, kind: Kind, before: dict, after: dict) -> None:
    """The rules of a company in use, beyond set-up's own checks."""
    if kind.name == "account" and str(after.get("type", "")).lower() != before["type"]:
        if _account_postings(connection, company_id, before["id"]):
            raise InvalidInput(f"main account {before['id']} has postings: its type stays {before['type']} "
                               f"(open a new account and move the balance with a journal)", code="account_has_postings")
    if kind.name in ("customer", "vendor") and "currency" in after and after.get("currency") != before.get("currency"):
        if _party_transactions(connection, company_id, kind.name, before["id"]) and before.get("currency"):
            raise InvalidInput(f"{kind.name} {before['id']} has posted transactions in {before['currency']}: its "
                               f"currency stays", code="party_has_transactions")
    if kind.name == "account-structure" and after.get("segments") != before.get("segments"):
        low, _, high = before["main_accounts"].partition("..")
        used = connection.execute(select(s.balance.c.main_account).where(
            s.balance.c.company_id == company_id, s.balance.c.main_account >= low,
            s.balance.c.main_account <= high).limit(1)).first()
        if used is not None:
            raise InvalidInput(f"account structure {before['name']} has postings (main account {used[0]}): its "
                               f"segments stay", code="structure_has_postings")
    if kind.name == "currency" and after.get("decimals") is not None and \
            int(after["decimals"]) != int(before["decimals"]):
        if _exists(connection, select(s.balance.c.currency).where(s.balance.c.company_id == company_id,
                                                                  s.balance.c.currency == before["code"])):
            raise InvalidInput(f"currency {before['code']} has postings: its decimals stay {before['decimals']}",
                               code="currency_has_postings")


_KEY_FIELDS_FIXED = {"account": "id", "customer": "id", "vendor": "id", "cash-discount": "code",
                     "payment-terms": "code", "tax-code": "code", "journal-name": "name", "bank-account": "id",
                     "currency": "code", "account-structure": "name", "user-group": "name"}


def _normalise_changes(kind: Kind, changes: dict) -> dict:
    result = {}
    for name, value in changes.items():
        name = str(name).strip().replace("-", "_")
        if kind.name == "account" and name == "do_not_allow_manual_entry":
            name = "manual_entry_blocked"
        if isinstance(value, str) and name in ("dimensions", "fixed_dimensions", "allowed", "segments", "users",
                                               "tax_codes", "accounts") \
                and value.strip()[:1] in "[{":
            try:
                value = json.loads(value)
            except ValueError:
                raise InvalidInput(f"{name}: '{value}' is not valid JSON", code="bad_option") from None
        elif isinstance(value, str) and name in ("users", "segments", "tax_codes"):
            value = [part.strip() for part in value.split(",") if part.strip()]
        result[name] = value
    return result


def change_record_in(connection: Connection, company_id: str, kind: Kind, key: tuple[str, ...], changes: dict
                     ) -> Change:
    """Change one record: its current set-up item with `changes` laid over it, validated as set-up does."""
    if kind.name == "period":
        return _change_period(connection, company_id, key, changes)
    if kind.name == "company":
        return _change_company(connection, key, changes)
    if kind.section is None:
        raise InvalidInput(f"a {kind.name} is changed through its own records "
                           f"({'customers and vendors' if kind.name == 'group' else 'user groups'})",
                           code="not_changeable")
    before = _one(connection, company_id, kind, key)
    full_key = tuple(str(before[k]) for k in kind.key)
    changes = _normalise_changes(kind, changes)
    fixed = _KEY_FIELDS_FIXED.get(kind.name)
    for name in kind.key + ((fixed,) if fixed else ()):
        if name in changes and str(changes[name]) != str(before.get(name)):
            raise InvalidInput(f"{kind.name} {' '.join(full_key)}: {name} identifies the record and is not changed "
                               f"(add a new one instead)", code="key_not_changeable")
    item = _as_item(kind, before)
    if kind.name == "parameter":
        item = {"name": before["name"], "value": before["value"]}
    for name, value in changes.items():
        if value is None or value == "":
            item.pop(name, None)
        else:
            item[name] = value
    _check_change(connection, company_id, kind, before, {**before, **changes})
    section_key = full_key[0] if kind.name in ("posting-profile", "dimension-value") else None
    with connection.begin_nested():
        if kind.name in SECTION_KINDS:
            SECTION_KINDS[kind.name].replace(connection, company_id, before, item)
        else:
            if kind.name not in ("parameter", "system-account", "exchange-rate"):
                _delete_row(connection, company_id, kind, full_key)
            _add_item(connection, company_id, kind, item, section_key)
    after = _one(connection, company_id, kind, full_key)
    return _difference(kind, full_key, before, after)


def _difference(kind: Kind, key: tuple[str, ...], before: dict, after: dict) -> Change:
    facts = _PARAMETER_FACTS if kind.name == "parameter" else set()
    fields = {name: (before.get(name), after.get(name)) for name in after
              if name not in facts and before.get(name) != after.get(name)}
    return Change(kind.name, " ".join(key), "changed" if fields else "unchanged", fields)


def _change_period(connection: Connection, company_id: str, key: tuple[str, ...], changes: dict) -> Change:
    from ..store.companies import load_periods
    from .periods import _change, _find_period  # the status rules of calendar/periods.py

    kind = KINDS["period"]
    unknown = set(changes) - {"status", "access", "module"}
    if unknown:
        raise InvalidInput(f"period: only status and access change (not {', '.join(sorted(unknown))})",
                           code="unknown_key")
    before = _one(connection, company_id, kind, key)
    period = _find_period(load_periods(connection, company_id), company_id, None, before["name"])
    _change(connection, company_id, period, changes.get("status"), changes.get("access"), changes.get("module"))
    return _difference(kind, (before["name"],), before, _one(connection, company_id, kind, (before["name"],)))


def _change_company(connection: Connection, key: tuple[str, ...], changes: dict) -> Change:
    kind = KINDS["company"]
    before = _one(connection, "", kind, key)
    unknown = set(changes) - {"name"}
    if unknown:
        raise InvalidInput(f"company: only the name changes here (not {', '.join(sorted(unknown))}); the accounting "
                           f"currency stays, parameters change with 'bilag change parameter NAME value=...'",
                           code="unknown_key")
    if changes.get("name"):
        connection.execute(update(s.company).where(s.company.c.company_id == before["id"])
                           .values(name=as_text(changes["name"], f"company {before['id']} name", 200)))
    return _difference(kind, (before["id"],), before, _one(connection, "", kind, key))


def add_record_in(connection: Connection, company_id: str, kind: Kind, item: dict) -> Change:
    if kind.section is None or kind.name in ("company", "parameter"):
        raise InvalidInput(f"a {kind.name} is not added one at a time", code="not_changeable")
    item = _normalise_changes(kind, item)
    if kind.name == "system-account" and item.get("purpose"):
        if find_record_in(connection, company_id, kind, (str(item["purpose"]),)) is not None:
            raise InvalidInput(f"system account {item['purpose']} exists already; change it with "
                               f"'bilag change system-account {item['purpose']} account=...'", code="duplicate_record")
    section_key = None
    if kind.name == "posting-profile":
        section_key = str(item.pop("party_type", "") or "")
        if section_key not in ("customer", "vendor"):
            raise InvalidInput("posting-profile: party_type is customer or vendor", code="bad_setup")
    if kind.name == "dimension-value":
        section_key = str(item.pop("dimension", "") or "")
    with connection.begin_nested():
        _add_item(connection, company_id, kind, item, section_key)
    key = _key_of_item(kind, item, section_key)
    return Change(kind.name, " ".join(k for k in key if k), "added",
                  record=find_record_in(connection, company_id, kind, tuple(k for k in key if k)))


def delete_record_in(connection: Connection, company_id: str, kind: Kind, key: tuple[str, ...]) -> Change:
    if kind.section is None or kind.name in ("company", "parameter"):
        raise InvalidInput(f"a {kind.name} is not deleted here", code="not_deletable")
    record = _one(connection, company_id, kind, key)
    full_key = tuple(str(record[k]) for k in kind.key)
    uses = _references(connection, company_id, kind, record)
    if uses:
        hint = {"account": " (deactivate it instead: active=false)",
                "customer": " (put it on hold instead: hold=all)", "vendor": " (put it on hold instead: hold=all)"}
        raise InvalidInput(f"{kind.name} {' '.join(full_key)} is in use ({', '.join(uses[:5])}"
                           f"{', ...' if len(uses) > 5 else ''}) and is not deleted{hint.get(kind.name, '')}",
                           code="in_use")
    _delete_row(connection, company_id, kind, full_key)
    return Change(kind.name, " ".join(full_key), "deleted", record=record)


def _in_transaction(engine: Engine, company_id: str | None, work: Callable[[Connection, str], object],
                    user: str | None = None):
    """One transaction; a change that leaves master data naming an account that does not exist is refused.
    What changed goes to the audit trail (services/audit.py) in the same transaction."""
    try:
        with engine.begin() as connection:
            company_id = resolve_company_id(connection, company_id)
            before = set(dangling_accounts(connection, company_id))
            result = work(connection, company_id)
            new = [problem for problem in dangling_accounts(connection, company_id) if problem not in before]
            if new:
                raise InvalidInput(f"{new[0]}; add the account first (nothing was written)", code="unknown_account")
            record_changes(connection, company_id, user, audit_changes(result))
            return result
    except (IntegrityError, DataError) as error:
        raise setup_service.database_refusal(error) from None
    except OverflowError:  # a number beyond what the store holds (SQLite's driver raises this itself)
        raise InvalidInput("a number is too large to store; nothing was written", code="bad_number") from None


def audit_changes(result: object) -> list[AuditChange]:
    """The audit trail's view of what a master-data operation changed."""
    changes = result if isinstance(result, list) else [result] if isinstance(result, Change) else []
    entries = []
    for change in changes:
        if change.action == "changed":
            entries.append(AuditChange(change.kind, change.key, "changed",
                                       {name: before for name, (before, _) in change.fields.items()},
                                       {name: after for name, (_, after) in change.fields.items()}))
        elif change.action == "added":
            entries.append(AuditChange(change.kind, change.key, "added", None, change.record or {}))
        elif change.action == "deleted":
            entries.append(AuditChange(change.kind, change.key, "deleted", change.record or {}, None))
    return entries


def change_record(engine: Engine, company_id: str | None, kind_name: str, key: tuple[str, ...], changes: dict,
                  *, user: str | None = None) -> Change:
    kind = kind_of(kind_name)
    if not changes:
        raise InvalidInput(f"nothing to change: give FIELD=VALUE (fields: {', '.join(_fields(kind))})",
                           code="nothing_to_change")
    if kind.name == "company":
        with engine.begin() as connection:
            change = _change_company(connection, tuple(key), changes)
            record_changes(connection, change.key, user, audit_changes(change))
            return change
    return _in_transaction(engine, company_id, lambda c, cid: change_record_in(c, cid, kind, key, changes), user)


def add_record(engine: Engine, company_id: str | None, kind_name: str, item: dict, *,
               user: str | None = None) -> Change:
    kind = kind_of(kind_name)
    return _in_transaction(engine, company_id, lambda c, cid: add_record_in(c, cid, kind, item), user)


def delete_record(engine: Engine, company_id: str | None, kind_name: str, key: tuple[str, ...], *,
                  user: str | None = None) -> Change:
    kind = kind_of(kind_name)
    return _in_transaction(engine, company_id, lambda c, cid: delete_record_in(c, cid, kind, key), user)


def _fields(kind: Kind) -> list[str]:
    if kind.name in SECTION_KINDS:
        return list(SECTION_KINDS[kind.name].fields)
    section = {"account": "account", "customer": "party", "vendor": "party", "cash-discount": "cash_discount",
               "payment-terms": "payment_terms", "tax-code": "tax_code", "journal-name": "journal_name",
               "bank-account": "bank_account", "exchange-rate": "exchange_rate", "currency": "currency",
               "posting-profile": "profile_rule", "user-group": "user_group",
               "account-structure": "account_structure"}.get(kind.name)
    if section:
        required, optional = setup_service.SECTION_KEYS[section]
        if kind.name == "vendor":  # a customer's own collections codes (issue 9)
            optional = optional - {"interest_code", "collection_letter_sequence"}
        return sorted(required | optional)
    return {"period": ["status", "access", "module"], "company": ["name"], "parameter": ["value"],
            "system-account": ["account"], "dimension-value": ["description"]}.get(kind.name, [])


def fields_of(kind_name: str) -> list[str]:
    return _fields(kind_of(kind_name))


# ----------------------------------------------------------------------------- applying a set-up file

_SECTION_KINDS = {
    "currencies": "currency", "dimensions": "dimension", "account_structures": "account-structure",
    "accounts": "account", "cash_discounts": "cash-discount", "payment_terms": "payment-terms",
    "tax_codes": "tax-code", "vendors": "vendor", "customers": "customer", "exchange_rates": "exchange-rate",
    "journal_names": "journal-name", "bank_accounts": "bank-account", "user_groups": "user-group",
    **{section.section: section.name for section in SECTION_KINDS.values()},
}
# The order set-up uses, so that a record can name one added earlier in the same file.
_APPLY_ORDER = tuple(name for section in (
    "company", "calendar", "currencies", "dimensions", "dimension_values", "account_structures", "accounts",
    "posting_profiles", "system_accounts", "parameters", "cash_discounts", "payment_terms", "tax_codes", "vendors",
    "customers", "exchange_rates", "journal_names", "bank_accounts", "user_groups")
    for name in (section, *APPLY_AFTER.get(section, ())))


def _apply_item(connection: Connection, company_id: str, kind: Kind, item, section_key: str | None,
                where: str) -> Change:
    key = _key_of_item(kind, item, section_key)
    existing = find_record_in(connection, company_id, kind, key) if all(key) or kind.name == "posting-profile" \
        else None
    try:
        if existing is None:
            with connection.begin_nested():
                _add_item(connection, company_id, kind, item, section_key)
            return Change(kind.name, " ".join(k for k in key if k), "added")
        if kind.name == "dimension":
            return Change(kind.name, " ".join(key), "unchanged")
        changes = dict(item) if isinstance(item, dict) else {}
        if kind.name == "dimension-value" and isinstance(item, str):
            changes = {}
        changes = {k: v for k, v in changes.items() if k not in kind.key and k not in ("code", "id")}
        if kind.name == "posting-profile":
            changes = {k: v for k, v in changes.items() if k not in ("profile", "scope", "key")}
        before = existing
        item_now = _as_item(kind, before)
        merged = {**item_now, **_normalise_changes(kind, changes)}
        if merged == item_now:
            return Change(kind.name, " ".join(k for k in key if k), "unchanged")
        return change_record_in(connection, company_id, kind, key, changes)
    except InvalidInput as error:
        message = error.message if error.message.startswith(where.split(" ")[0]) else f"{where}: {error.message}"
        raise InvalidInput(message, code=error.code) from None


class _Located(dict):
    """A merged set-up item that keeps the file line of the item it came from (for error messages)."""

    line: int | None = None


# Sections applied set-based: one read of what exists, the named rows replaced by the merged items in file order
# through set-up's own add function (so that its messages name the file's index and line), one read after.
_BATCHED = {"accounts", "vendors", "customers", "cash_discounts", "payment_terms", "tax_codes", "journal_names",
            "bank_accounts", "currencies", "account_structures"}


def _apply_section(connection: Connection, company_id: str, section: str, content: object) -> list[Change]:
    kind = KINDS[_SECTION_KINDS[section]]
    items = setup_service.as_list(content, section)
    existing = {tuple(str(record[k]) for k in kind.key): record for record in kind.read(connection, company_id)}
    fixed = _KEY_FIELDS_FIXED.get(kind.name)
    merged_items: list[dict] = []
    before: dict[tuple[str, ...], dict | None] = {}
    for index, item in enumerate(items):
        where = setup_service.located(f"{section}[{index}]", item)
        if not isinstance(item, dict):
            raise InvalidInput(f"{where}: expected a mapping, got {type(item).__name__}", code="bad_setup")
        key = _key_of_item(kind, item)
        if key in before:
            raise InvalidInput(f"{where}: {kind.name} {' '.join(key)} appears twice in the file",
                               code="duplicate_record")
        record = existing.get(key)
        before[key] = record
        if record is None:
            merged_items.append(item)
            continue
        changes = {k: v for k, v in item.items() if k not in kind.key and k != fixed}
        merged = _Located(_as_item(kind, record))
        merged.line = getattr(item, "line", None)
        for name, value in _normalise_changes(kind, changes).items():
            if value is None or value == "":
                merged.pop(name, None)
            else:
                merged[name] = value
        try:
            _check_change(connection, company_id, kind, record, {**record, **changes})
        except InvalidInput as error:
            raise InvalidInput(f"{where}: {error.message}", code=error.code) from None
        merged_items.append(merged)
    replaced = [key for key, record in before.items() if record is not None]
    with connection.begin_nested():
        _delete_rows(connection, company_id, kind, replaced)
        if merged_items:
            _add_items(connection, company_id, kind, merged_items)
    after = {tuple(str(record[k]) for k in kind.key): record for record in kind.read(connection, company_id)}
    changes_made = []
    for key, record in before.items():
        shown = " ".join(part for part in key if part)
        if record is None:
            changes_made.append(Change(kind.name, shown, "added"))
        else:
            changes_made.append(_difference(kind, key, record, after.get(key, {})))
    return changes_made


_SINGLE_KEY = {  # kind -> (table, key column, fixed conditions): deleted with one statement per chunk
    "account": (s.main_account, "account_id", {}), "currency": (s.currency, "code", {}),
    "account-structure": (s.account_structure, "name", {}), "cash-discount": (s.cash_discount, "code", {}),
    "payment-terms": (s.payment_terms, "code", {}), "tax-code": (s.tax_code, "code", {}),
    "journal-name": (s.journal_name, "name", {}), "bank-account": (s.bank_account, "bank_id", {}),
    "customer": (s.party, "party_id", {"party_type": "customer"}),
    "vendor": (s.party, "party_id", {"party_type": "vendor"}),
}


def _delete_rows(connection: Connection, company_id: str, kind: Kind, keys: list[tuple[str, ...]]) -> None:
    if kind.name not in _SINGLE_KEY:
        for key in keys:
            _delete_row(connection, company_id, kind, key)
        return
    table, column, fixed = _SINGLE_KEY[kind.name]
    values = [key[0] for key in keys]
    for start in range(0, len(values), 1000):
        connection.execute(delete(table).where(table.c.company_id == company_id,
                                               table.c[column].in_(values[start:start + 1000]),
                                               *[table.c[name] == value for name, value in fixed.items()]))


def _add_items(connection: Connection, company_id: str, kind: Kind, items: list[dict]) -> None:
    add = {
        "account": setup_service.add_main_accounts, "currency": setup_service.add_currencies,
        "account-structure": setup_service.add_account_structures, "cash-discount": setup_service.add_cash_discounts,
        "payment-terms": setup_service.add_payment_terms, "tax-code": setup_service.add_tax_codes,
        "journal-name": setup_service.add_journal_names, "bank-account": setup_service.add_bank_accounts,
    }
    if kind.name in ("customer", "vendor"):
        setup_service.add_parties(connection, company_id, PartyType(kind.name), items)
    else:
        add[kind.name](connection, company_id, items)


def apply_setup_in(connection: Connection, company_id: str, data: dict) -> list[Change]:
    """Add and update the records of set-up sections in an existing company; report what changed."""
    if not isinstance(data, dict):
        raise InvalidInput("the file is a mapping of set-up sections", code="bad_setup")
    unknown = [key for key in data if key not in _APPLY_ORDER]
    if unknown:
        raise InvalidInput(f"unknown set-up section {', '.join(map(str, unknown))}", code="unknown_key")
    changes: list[Change] = []
    for section in _APPLY_ORDER:
        if section not in data or data[section] is None:
            continue
        content = data[section]
        if section == "company":
            company = setup_service.as_mapping(content, "company")
            if company.get("id") and str(company["id"]) != company_id:
                raise InvalidInput(f"company: the file is for company {company['id']}, not {company_id}",
                                   code="other_company")
            if "accounting_currency" in company:
                current = connection.execute(select(s.company.c.accounting_currency)
                                             .where(s.company.c.company_id == company_id)).scalar()
                if str(company["accounting_currency"]).upper() != current:
                    raise InvalidInput(f"company: the accounting currency stays {current}", code="bad_setup")
            if company.get("name"):
                changes.append(_change_company(connection, (company_id,), {"name": company["name"]}))
            if company.get("parameters"):
                changes += _apply_parameters(connection, company_id, company["parameters"])
        elif section == "calendar":
            changes += _apply_calendar(connection, company_id, content)
        elif section == "parameters":
            changes += _apply_parameters(connection, company_id, content)
        elif section == "system_accounts":
            for purpose, account in setup_service.as_mapping(content, "system_accounts").items():
                changes.append(_apply_item(connection, company_id, KINDS["system-account"],
                                           {"purpose": str(purpose), "account": str(account)}, None,
                                           f"system_accounts.{purpose}"))
        elif section == "dimension_values":
            for dimension, values in setup_service.as_mapping(content, "dimension_values").items():
                for index, value in enumerate(setup_service.as_list(values, f"dimension_values.{dimension}")):
                    changes.append(_apply_item(connection, company_id, KINDS["dimension-value"], value,
                                               str(dimension), f"dimension_values.{dimension}[{index}]"))
        elif section == "posting_profiles":
            profiles = setup_service.as_mapping(content, "posting_profiles")
            for party_key, rules in profiles.items():
                if party_key not in ("customer", "vendor"):
                    raise InvalidInput(f"posting_profiles: unknown key {party_key}", code="unknown_key")
                for index, rule in enumerate(rules if isinstance(rules, list) else [rules]):
                    where = setup_service.located(f"posting_profiles.{party_key}[{index}]", rule)
                    changes.append(_apply_item(connection, company_id, KINDS["posting-profile"], rule,
                                               str(party_key), where))
        elif section in _BATCHED:
            changes += _apply_section(connection, company_id, section, content)
        else:
            kind = KINDS[_SECTION_KINDS[section]]
            for index, item in enumerate(setup_service.as_list(content, section)):
                where = setup_service.located(f"{section}[{index}]", item)
                changes.append(_apply_item(connection, company_id, kind, item, None, where))
    return changes


def _apply_parameters(connection: Connection, company_id: str, parameters: object) -> list[Change]:
    result = []
    for name, value in setup_service.as_mapping(parameters, "parameters").items():
        result.append(_apply_item(connection, company_id, KINDS["parameter"], {"name": str(name), "value": value},
                                  None, f"parameters.{name}"))
    return result


def _apply_calendar(connection: Connection, company_id: str, calendar: object) -> list[Change]:
    """A calendar section adds the fiscal years it names that the company has not got yet."""
    setup_service.check_keys("calendar", calendar, "calendar")
    assert isinstance(calendar, dict)
    last = connection.execute(select(func.max(s.fiscal_period.c.end_date))
                              .where(s.fiscal_period.c.company_id == company_id)).scalar()
    changes = []
    fiscal_years = setup_service.as_list(calendar.get("fiscal_years"), "calendar.fiscal_years")
    new_years = []
    for index, item in enumerate(fiscal_years):
        where = setup_service.located(f"calendar.fiscal_years[{index}]", item)
        setup_service.check_keys("fiscal_year", item, where)
        start = setup_service.as_date(item["start"], where + ".start")
        if last is not None and start <= last:
            changes.append(Change("calendar", str(start), "unchanged"))
        else:
            new_years.append(item)
            changes.append(Change("calendar", f"from {start}", "added"))
    rest = {key: value for key, value in calendar.items() if key != "fiscal_years"}
    if new_years:
        setup_service.add_fiscal_years(connection, company_id, {"fiscal_years": new_years})
    if "first_year_start" not in rest:
        if not fiscal_years:
            raise InvalidInput("calendar: needs first_year_start (with years) or fiscal_years", code="bad_setup")
        return changes
    start = setup_service.as_date(rest["first_year_start"], "calendar.first_year_start")
    if last is not None and start <= last:
        return changes + [Change("calendar", str(start), "unchanged")]
    setup_service.add_fiscal_years(connection, company_id, rest)
    return changes + [Change("calendar", f"from {start}", "added")]


def setup_from_rows(kind_name: str, rows: list[dict]) -> dict:
    """Set-up sections from table rows (a CSV file of one kind, its header the set-up fields): blank cells
    are left out, lists and mappings are JSON (`{"Department": "10"}`) or comma-separated lists."""
    kind = kind_of(kind_name)
    if kind.section is None or kind.name == "company":
        raise InvalidInput(f"a {kind.name} is not applied from a table", code="not_changeable")
    items = [_normalise_changes(kind, {k: v for k, v in row.items() if k and v not in (None, "")}) for row in rows]
    if kind.name == "posting-profile":
        grouped: dict[str, list] = {}
        for item in items:
            grouped.setdefault(str(item.pop("party_type", "")), []).append(item)
        return {"posting_profiles": grouped}
    if kind.name == "dimension-value":
        values: dict[str, list] = {}
        for item in items:
            values.setdefault(str(item.pop("dimension", "")), []).append(item)
        return {"dimension_values": values}
    if kind.name == "system-account":
        return {"system_accounts": {item.get("purpose"): item.get("account") for item in items}}
    if kind.name == "parameter":
        return {"parameters": {item.get("name"): item.get("value") for item in items}}
    return {kind.section: items}


class _DryRun(Exception):
    def __init__(self, changes: list[Change]):
        super().__init__("dry run")
        self.changes = changes


def apply_setup(engine: Engine, company_id: str | None, data: dict, *, dry_run: bool = False,
                user: str | None = None) -> list[Change]:
    """Apply a set-up file to an existing company in one transaction: all of it, or (on any error) nothing.

    With dry_run the changes are worked out and reported, and then rolled back.
    """
    def work(connection: Connection, cid: str) -> list[Change]:
        changes = apply_setup_in(connection, cid, data)
        if dry_run:
            raise _DryRun(changes)
        return changes

    try:
        return _in_transaction(engine, company_id, work, user)
    except _DryRun as done:
        return done.changes


__all__ = ["KINDS", "Change", "Kind", "add_record", "apply_setup", "change_record", "delete_record", "fields_of",
           "kind_of", "list_records", "show_record"]
