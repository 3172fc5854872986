"""Lease master data from plain data (scenario files, YAML, CLI): books, posting profiles, groups, leases.

Every key is checked and every unknown key named, as in services/setup.py.
"""
from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..coercion import as_percent, as_text, checked_keys
from ..errors import InvalidInput
from ..lease.model import (
    ACCOUNT_PURPOSES,
    Annuity,
    Convention,
    Framework,
    Lease,
    LeaseBook,
    LeaseGroup,
    LeasePostingProfile,
    LeaseTypePolicy,
    PaymentLine,
    lease_error,
)
from ..money import MoneyFormatError, from_minor, parse_amount, parse_minor, to_minor
from ..store import schema as s
from .setup import as_bool, as_date, as_decimal, as_id, as_int, as_list, check_unique, located

LEASE_SETUP_SECTIONS = ("lease_books", "lease_posting_profiles", "lease_groups")

BOOK_KEYS = ({"id"}, {"framework", "lease_type", "pay_to_vendor", "convention", "short_term_months", "low_value",
                      "lease_term_percent", "present_value_percent", "transition", "description"})
GROUP_KEYS = ({"id", "posting_profile"}, {"description"})
PROFILE_KEYS: tuple[set[str], set[str]] = ({"id", "accounts"}, set())
LEASE_KEYS = ({"id", "book", "group", "commencement", "payments", "rate"},
              {"annuity", "compounding", "initial_direct_costs", "prepayment", "incentives", "dismantling",
               "fair_value", "useful_life_months", "transfer_of_ownership", "purchase_option", "vendor", "currency",
               "description", "confirm"})
PAYMENT_KEYS = ({"amount"}, {"frequency", "periods"})


def _checked(item: object, keys: tuple[set[str], set[str]], where: str) -> dict:
    where = located(where, item)
    return checked_keys(item, keys, where)


def _choice(enum, value: object, where: str):
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        raise InvalidInput(f"{where}: '{value}' is not one of {', '.join(e.value for e in enum)}",
                           code="bad_setup") from None


def _percent(value: object, where: str) -> Decimal:
    percent = as_decimal(value, where)
    if not 0 <= percent <= 100:
        raise InvalidInput(f"{where}: a percentage is from 0 to 100", code="bad_setup")
    return as_percent(value, where)  # at most 6 decimals (limits.py)


def interest_rate(value: object, where: str, lease_id: str) -> Decimal:
    """A lease's annual interest rate in % (the implicit rate, or else the incremental borrowing rate): above 0
    and below 100, at most 6 decimals (limits.check_percent), refused naming the lease, the field and its line."""
    try:
        return as_percent(value, where, above_0=True, below_100=True, code="rate_out_of_range")
    except InvalidInput as error:
        raise lease_error(lease_id, error.code, error.message) from None  # bad_number or rate_out_of_range


def parse_book(item: object, where: str) -> LeaseBook:
    item = _checked(item, BOOK_KEYS, where)
    framework = _choice(Framework, item.get("framework", "ifrs16"), where + ".framework")
    lease_type = _choice(LeaseTypePolicy, item.get("lease_type", "automatic"), where + ".lease_type")
    if framework == Framework.ifrs16 and lease_type == LeaseTypePolicy.operating:
        raise InvalidInput(f"{where}: operating leases exist only under ASC 842 (and IAS 17 / ASC 840); an IFRS 16 "
                           f"book takes lessee leases as finance leases", code="bad_setup")
    short_term = as_int(item.get("short_term_months", 12), where + ".short_term_months")
    if short_term < 0:
        raise InvalidInput(f"{where}.short_term_months: cannot be negative", code="bad_setup")
    low_value = as_decimal(item["low_value"], where + ".low_value") if item.get("low_value") not in (None, "") else None
    return LeaseBook(
        as_id(item["id"], where + ".id", 20), framework, lease_type,
        as_bool(item.get("pay_to_vendor", False), where + ".pay_to_vendor"),
        _choice(Convention, item.get("convention", "full_month"), where + ".convention"), short_term, low_value,
        _percent(item.get("lease_term_percent", 75), where + ".lease_term_percent"),
        _percent(item.get("present_value_percent", 90), where + ".present_value_percent"),
        as_bool(item.get("transition", False), where + ".transition"), str(item.get("description", "")))


def parse_profile(item: object, where: str) -> LeasePostingProfile:
    item = _checked(item, PROFILE_KEYS, where)
    accounts = item["accounts"]
    if not isinstance(accounts, dict):
        raise InvalidInput(f"{where}.accounts: expected a mapping of purpose to ledger account", code="bad_setup")
    unknown = [str(key) for key in accounts if key not in ACCOUNT_PURPOSES]
    if unknown:
        raise InvalidInput(f"{where}.accounts: unknown account purpose {', '.join(sorted(unknown))} (known: "
                           f"{', '.join(ACCOUNT_PURPOSES)})", code="unknown_key")
    return LeasePostingProfile(as_id(item["id"], where + ".id", 20),
                               {str(k): str(v).strip() for k, v in accounts.items() if v not in (None, "")})


def parse_group(item: object, where: str) -> LeaseGroup:
    item = _checked(item, GROUP_KEYS, where)
    return LeaseGroup(as_id(item["id"], where + ".id", 20), as_id(item["posting_profile"], where, 20),
                      str(item.get("description", "")))


def _amount(value: object, where: str, decimals: int) -> Decimal:
    try:
        amount = parse_amount(value, decimals)
        parse_minor(amount, decimals)  # within the largest amount (limits.py)
        return amount
    except MoneyFormatError as error:
        raise InvalidInput(f"{where}: {error}", code="bad_amount") from None


def parse_lease(item: object, where: str, accounting_currency: str, decimals_of) -> Lease:
    where = located(where, item)  # a field's problem names the lease's line in its file
    item = _checked(item, LEASE_KEYS, where)
    currency = str(item.get("currency") or accounting_currency).strip().upper()
    decimals = decimals_of(currency)
    lines = []
    for index, raw in enumerate(as_list(item["payments"], where + ".payments")):
        line_where = f"{where}.payments[{index}]"
        raw = _checked(raw, PAYMENT_KEYS, line_where)
        lines.append(PaymentLine(_amount(raw["amount"], line_where + ".amount", decimals),
                                 str(raw.get("frequency", "monthly")).strip().lower(),
                                 as_int(raw.get("periods", 1), line_where + ".periods")))
    optional_amount = {name: _amount(item.get(name) or 0, f"{where}.{name}", decimals)
                       for name in ("initial_direct_costs", "prepayment", "incentives", "dismantling")}
    fair_value = item.get("fair_value")
    useful_life = item.get("useful_life_months")
    lease_id = as_id(item["id"], where + ".id", 40)
    return Lease(
        id=lease_id, book=as_id(item["book"], where + ".book", 20),
        group=as_id(item["group"], where + ".group", 20),
        commencement=as_date(item["commencement"], where + ".commencement"), payments=tuple(lines),
        rate=interest_rate(item["rate"], where + ".rate", lease_id),
        annuity=_choice(Annuity, item.get("annuity", "due"), where + ".annuity"),
        compounding=str(item.get("compounding", "monthly")).strip().lower(), currency=currency,
        fair_value=_amount(fair_value, where + ".fair_value", decimals) if fair_value not in (None, "") else None,
        useful_life_months=as_int(useful_life, where + ".useful_life_months") if useful_life not in (None, "") else None,
        transfer_of_ownership=as_bool(item.get("transfer_of_ownership", False), where + ".transfer_of_ownership"),
        purchase_option=as_bool(item.get("purchase_option", False), where + ".purchase_option"),
        vendor=str(item["vendor"]).strip() if item.get("vendor") not in (None, "") else None,
        description=as_text(item.get("description"), where + ".description", 200), **optional_amount)


def _main_accounts(connection: Connection, company_id: str) -> set[str]:
    return {r[0] for r in connection.execute(select(s.main_account.c.account_id)
                                             .where(s.main_account.c.company_id == company_id))}


def add_lease_books(connection: Connection, company_id: str, items: list) -> list[LeaseBook]:
    books = [parse_book(item, f"lease_books[{i}]") for i, item in enumerate(as_list(items, "lease_books"))]
    check_unique(connection, s.lease_book, s.lease_book.c.book_id, company_id,
                 [(f"lease_books[{i}]", b.id) for i, b in enumerate(books)], "lease book")
    if books:
        connection.execute(s.lease_book.insert(), [book_row(company_id, b) for b in books])
    return books


def book_row(company_id: str, book: LeaseBook) -> dict:
    return {"company_id": company_id, "book_id": book.id, "description": book.description,
            "framework": book.framework.value, "lease_type": book.lease_type.value,
            "pay_to_vendor": book.pay_to_vendor, "convention": book.convention.value,
            "short_term_months": book.short_term_months,
            "low_value": str(book.low_value) if book.low_value is not None else None,
            "lease_term_percent": str(book.lease_term_percent),
            "present_value_percent": str(book.present_value_percent), "transition": book.transition}


def add_lease_posting_profiles(connection: Connection, company_id: str, items: list) -> None:
    profiles = [parse_profile(item, f"lease_posting_profiles[{i}]")
                for i, item in enumerate(as_list(items, "lease_posting_profiles"))]
    check_unique(connection, s.lease_posting_profile, s.lease_posting_profile.c.profile_id, company_id,
                 [(f"lease_posting_profiles[{i}]", p.id) for i, p in enumerate(profiles)], "lease posting profile")
    check_profile_accounts(connection, company_id, [(f"lease_posting_profiles[{i}]", p)
                                                    for i, p in enumerate(profiles)])
    if profiles:
        connection.execute(s.lease_posting_profile.insert(), [
            {"company_id": company_id, "profile_id": p.id, "accounts": json.dumps(p.accounts)} for p in profiles])


def check_profile_accounts(connection: Connection, company_id: str,
                           profiles: list[tuple[str, LeasePostingProfile]]) -> None:
    """Every account a lease posting profile names is a main account of the company."""
    known = _main_accounts(connection, company_id)
    for where, profile in profiles:
        for purpose, account in profile.accounts.items():
            main = account.split("-", 1)[0]
            if main not in known:
                raise InvalidInput(f"{where}.accounts.{purpose}: main account {main} does not exist",
                                   code="unknown_account")


def add_lease_groups(connection: Connection, company_id: str, items: list) -> None:
    groups = [parse_group(item, f"lease_groups[{i}]") for i, item in enumerate(as_list(items, "lease_groups"))]
    check_unique(connection, s.lease_group, s.lease_group.c.group_id, company_id,
                 [(f"lease_groups[{i}]", g.id) for i, g in enumerate(groups)], "lease group")
    check_group_profiles(connection, company_id, [(f"lease_groups[{i}]", g) for i, g in enumerate(groups)])
    if groups:
        connection.execute(s.lease_group.insert(), [
            {"company_id": company_id, "group_id": g.id, "description": g.description,
             "posting_profile": g.posting_profile} for g in groups])


def check_group_profiles(connection: Connection, company_id: str, groups: list[tuple[str, LeaseGroup]]) -> None:
    """Every lease group names a lease posting profile of the company."""
    profiles = {r[0] for r in connection.execute(select(s.lease_posting_profile.c.profile_id)
                                                 .where(s.lease_posting_profile.c.company_id == company_id))}
    for where, group in groups:
        if group.posting_profile not in profiles:
            raise InvalidInput(f"{where}: lease posting profile {group.posting_profile} does not exist",
                               code="unknown_posting_profile")


def apply_lease_setup(connection: Connection, company_id: str, data: dict) -> None:
    add_lease_books(connection, company_id, data.get("lease_books") or [])
    add_lease_posting_profiles(connection, company_id, data.get("lease_posting_profiles") or [])
    add_lease_groups(connection, company_id, data.get("lease_groups") or [])


def payments_json(lease: Lease) -> str:
    return json.dumps([{"amount": str(p.amount), "frequency": p.frequency, "periods": p.periods}
                       for p in lease.payments])


def lease_row(company_id: str, lease: Lease, decimals: int) -> dict:
    def minor(value: Decimal) -> int:
        return to_minor(value, decimals)

    return {"company_id": company_id, "lease_id": lease.id, "book_id": lease.book, "group_id": lease.group,
            "description": lease.description, "commencement": lease.commencement,
            "payments": payments_json(lease), "annuity": lease.annuity.value, "compounding": lease.compounding,
            "rate": str(lease.rate), "currency": lease.currency,
            "initial_direct_costs_minor": minor(lease.initial_direct_costs),
            "prepayment_minor": minor(lease.prepayment), "incentives_minor": minor(lease.incentives),
            "dismantling_minor": minor(lease.dismantling),
            "fair_value_minor": minor(lease.fair_value) if lease.fair_value is not None else None,
            "useful_life_months": lease.useful_life_months, "transfer_of_ownership": lease.transfer_of_ownership,
            "purchase_option": lease.purchase_option, "vendor_id": lease.vendor, "status": "draft",
            "classification": None, "classification_reason": None, "liability_minor": None, "rou_minor": None,
            "term_months": lease.term_months, "fixed_rate": None, "first_month": 0}


def lease_from_row(row, decimals: int) -> Lease:
    return Lease(
        id=row.lease_id, book=row.book_id, group=row.group_id, commencement=row.commencement,
        payments=tuple(PaymentLine(Decimal(p["amount"]), p["frequency"], int(p["periods"]))
                       for p in json.loads(row.payments)),
        rate=Decimal(row.rate), annuity=Annuity(row.annuity), compounding=row.compounding, currency=row.currency,
        initial_direct_costs=from_minor(row.initial_direct_costs_minor, decimals),
        prepayment=from_minor(row.prepayment_minor, decimals), incentives=from_minor(row.incentives_minor, decimals),
        dismantling=from_minor(row.dismantling_minor, decimals),
        fair_value=from_minor(row.fair_value_minor, decimals) if row.fair_value_minor is not None else None,
        useful_life_months=row.useful_life_months, transfer_of_ownership=bool(row.transfer_of_ownership),
        purchase_option=bool(row.purchase_option), vendor=row.vendor_id, description=row.description)


def book_from_row(row) -> LeaseBook:
    return LeaseBook(row.book_id, Framework(row.framework), LeaseTypePolicy(row.lease_type), bool(row.pay_to_vendor),
                     Convention(row.convention), row.short_term_months,
                     Decimal(row.low_value) if row.low_value is not None else None, Decimal(row.lease_term_percent),
                     Decimal(row.present_value_percent), bool(row.transition), row.description)
