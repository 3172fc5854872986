"""Sales tax groups, reason codes and lease set-up as kinds of master data (`bilag list|show|add|change|delete`).

They came with collections (issue 9) and leases (issue 10) after the other kinds; services/masterdata.py asks this
module for everything about them. Each is read back in its set-up format (scenario-format.md) and added through
its set-up function, so a change is validated exactly as set-up validates. Records other rows point at (a lease
book its leases, a lease posting profile its groups) are updated in place rather than taken out and added again.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from ..errors import InvalidInput
from ..store import schema as s
from . import lease_setup, tax_setup


@dataclass(frozen=True)
class SectionKind:
    name: str
    plural: str
    key: str  # the one field that identifies a record
    columns: tuple[str, ...]
    section: str  # the set-up section
    fields: tuple[str, ...]  # what a change may name
    read: Callable[[Connection, str], list[dict]]
    add: Callable[[Connection, str, list], object]
    replace: Callable[[Connection, str, dict, dict], None]  # (before, merged item)
    references: Callable[[Connection, str, dict], list[str]]
    accounts: Callable[[dict], list[tuple[str, object]]] = lambda record: []
    aliases: tuple[str, ...] = ()


def _rows(connection: Connection, table, company_id: str, order):
    return connection.execute(select(table).where(table.c.company_id == company_id).order_by(order))


def _exists(connection: Connection, query) -> bool:
    return connection.execute(query.limit(1)).first() is not None


# ----------------------------------------------------------------------------- sales tax groups

def _tax_groups(table) -> Callable[[Connection, str], list[dict]]:
    def read(connection: Connection, company_id: str) -> list[dict]:
        groups: dict[str, list[str]] = {}
        for r in _rows(connection, table, company_id, table.c.group_code):
            groups.setdefault(r.group_code, []).append(r.tax_code)
        return [{"code": code, "tax_codes": sorted(codes)} for code, codes in groups.items()]
    return read


def _add_tax_groups(section: str) -> Callable[[Connection, str, list], None]:
    return lambda connection, company_id, items: tax_setup.add_tax_groups(connection, company_id, section, items)


def _replace_by_delete(table, column: str, add_section: Callable[[Connection, str, list], None]):
    def replace(connection: Connection, company_id: str, before: dict, item: dict) -> None:
        key = before["code"] if "code" in before else before["id"]
        connection.execute(delete(table).where(table.c.company_id == company_id, table.c[column] == key))
        add_section(connection, company_id, [item])
    return replace


def _tax_group_uses(header_column, line_column) -> Callable[[Connection, str, dict], list[str]]:
    def uses(connection: Connection, company_id: str, record: dict) -> list[str]:
        column = header_column if header_column is not None else line_column
        found = _exists(connection, select(column).where(column.table.c.company_id == company_id,
                                                         column == record["code"]))
        parameter = _parameter_naming(connection, company_id, record["code"], ("default_sales_tax_group",))
        parties = header_column is not None and _exists(connection, select(s.party.c.party_id).where(
            s.party.c.company_id == company_id, s.party.c.sales_tax_group == record["code"]))
        return (["invoices"] if found else []) + (["customers or vendors"] if parties else []) + parameter
    return uses


def _parameter_naming(connection: Connection, company_id: str, code: str, names: tuple[str, ...]) -> list[str]:
    stored = connection.execute(select(s.company.c.parameters).where(s.company.c.company_id == company_id)).scalar()
    parameters = json.loads(stored or "{}")
    return [f"parameter {name}" for name in names if str(parameters.get(name) or "") == code]


# ----------------------------------------------------------------------------- reason codes

def _reason_codes(connection: Connection, company_id: str) -> list[dict]:
    return [{"code": r.code, "description": r.description, "customer": bool(r.customer), "vendor": bool(r.vendor),
             "account": r.account, "default": bool(r.is_default)}
            for r in _rows(connection, s.reason_code, company_id, s.reason_code.c.code)]


def _reason_code_uses(connection: Connection, company_id: str, record: dict) -> list[str]:
    return _parameter_naming(connection, company_id, record["code"], ("write_off_reason", "settle_remainder_reason"))


# ----------------------------------------------------------------------------- lease set-up

def _lease_books(connection: Connection, company_id: str) -> list[dict]:
    result = []
    for r in _rows(connection, s.lease_book, company_id, s.lease_book.c.book_id):
        book = lease_setup.book_from_row(r)
        result.append({"id": book.id, "description": book.description, "framework": book.framework.value,
                       "lease_type": book.lease_type.value, "pay_to_vendor": book.pay_to_vendor,
                       "convention": book.convention.value, "short_term_months": book.short_term_months,
                       "low_value": str(book.low_value) if book.low_value is not None else None,
                       "lease_term_percent": str(book.lease_term_percent),
                       "present_value_percent": str(book.present_value_percent), "transition": book.transition})
    return result


def _confirmed_leases(connection: Connection, company_id: str, column, value: str) -> list[str]:
    return [r[0] for r in connection.execute(
        select(s.lease.c.lease_id).where(s.lease.c.company_id == company_id, column == value,
                                         s.lease.c.status != "draft").order_by(s.lease.c.lease_id).limit(3))]


def _replace_lease_book(connection: Connection, company_id: str, before: dict, item: dict) -> None:
    book = lease_setup.parse_book(item, f"lease book {before['id']}")
    row = lease_setup.book_row(company_id, book)
    confirmed = _confirmed_leases(connection, company_id, s.lease.c.book_id, before["id"])
    changed = [name for name, value in _lease_books_row_view(row).items()
               if name != "description" and value != before.get(name)]
    if confirmed and changed:
        raise InvalidInput(f"lease book {before['id']} has confirmed leases ({', '.join(confirmed)}): their schedules "
                           f"follow its rules, so only its description changes (not {', '.join(changed)}); set up a "
                           f"new book for new leases", code="lease_book_in_use")
    # The key columns stay out of the SET list: Citus refuses to set the distribution column, even to itself.
    changed_values = {name: value for name, value in row.items() if name not in ("company_id", "book_id")}
    connection.execute(update(s.lease_book).where(s.lease_book.c.company_id == company_id,
                                                  s.lease_book.c.book_id == before["id"]).values(**changed_values))


def _lease_books_row_view(row: dict) -> dict:
    """A book row as _lease_books reads it back, to see which fields a change touches."""
    return {"framework": row["framework"], "lease_type": row["lease_type"], "pay_to_vendor": row["pay_to_vendor"],
            "convention": row["convention"], "short_term_months": row["short_term_months"],
            "low_value": row["low_value"], "lease_term_percent": row["lease_term_percent"],
            "present_value_percent": row["present_value_percent"], "transition": row["transition"],
            "description": row["description"]}


def _lease_posting_profiles(connection: Connection, company_id: str) -> list[dict]:
    return [{"id": r.profile_id, "accounts": json.loads(r.accounts)}
            for r in _rows(connection, s.lease_posting_profile, company_id, s.lease_posting_profile.c.profile_id)]


def _replace_lease_posting_profile(connection: Connection, company_id: str, before: dict, item: dict) -> None:
    where = f"lease posting profile {before['id']}"
    profile = lease_setup.parse_profile(item, where)
    lease_setup.check_profile_accounts(connection, company_id, [(where, profile)])
    t = s.lease_posting_profile
    connection.execute(update(t).where(t.c.company_id == company_id, t.c.profile_id == before["id"])
                       .values(accounts=json.dumps(profile.accounts)))


def _lease_groups(connection: Connection, company_id: str) -> list[dict]:
    return [{"id": r.group_id, "description": r.description, "posting_profile": r.posting_profile}
            for r in _rows(connection, s.lease_group, company_id, s.lease_group.c.group_id)]


def _replace_lease_group(connection: Connection, company_id: str, before: dict, item: dict) -> None:
    where = f"lease group {before['id']}"
    group = lease_setup.parse_group(item, where)
    lease_setup.check_group_profiles(connection, company_id, [(where, group)])
    t = s.lease_group
    connection.execute(update(t).where(t.c.company_id == company_id, t.c.group_id == before["id"])
                       .values(description=group.description, posting_profile=group.posting_profile))


def _leases_of(column) -> Callable[[Connection, str, dict], list[str]]:
    def uses(connection: Connection, company_id: str, record: dict) -> list[str]:
        leases = [r[0] for r in connection.execute(select(s.lease.c.lease_id).where(
            s.lease.c.company_id == company_id, column == record["id"]).order_by(s.lease.c.lease_id).limit(3))]
        return [f"lease {lease}" for lease in leases]
    return uses


def _groups_of_profile(connection: Connection, company_id: str, record: dict) -> list[str]:
    t = s.lease_group
    return [f"lease group {r[0]}" for r in connection.execute(
        select(t.c.group_id).where(t.c.company_id == company_id, t.c.posting_profile == record["id"])
        .order_by(t.c.group_id).limit(3))]


def _delete_where(table, column: str) -> Callable[[Connection, str, str], None]:
    def remove(connection: Connection, company_id: str, key: str) -> None:
        connection.execute(delete(table).where(table.c.company_id == company_id, table.c[column] == key))
    return remove


SECTION_KINDS: dict[str, SectionKind] = {kind.name: kind for kind in (
    SectionKind("sales-tax-group", "sales-tax-groups", "code", ("code", "tax_codes"), "sales_tax_groups",
                ("tax_codes",), _tax_groups(s.sales_tax_group), _add_tax_groups("sales_tax_groups"),
                _replace_by_delete(s.sales_tax_group, "group_code", _add_tax_groups("sales_tax_groups")),
                _tax_group_uses(s.invoice.c.sales_tax_group, None), aliases=("tax-group", "tax-groups")),
    SectionKind("item-sales-tax-group", "item-sales-tax-groups", "code", ("code", "tax_codes"),
                "item_sales_tax_groups", ("tax_codes",), _tax_groups(s.item_sales_tax_group),
                _add_tax_groups("item_sales_tax_groups"),
                _replace_by_delete(s.item_sales_tax_group, "group_code", _add_tax_groups("item_sales_tax_groups")),
                _tax_group_uses(None, s.invoice_line.c.item_sales_tax_group),
                aliases=("item-tax-group", "item-tax-groups")),
    SectionKind("reason-code", "reason-codes", "code", ("code", "description", "customer", "vendor", "account",
                                                         "default"), "reason_codes",
                ("description", "customer", "vendor", "account", "default"), _reason_codes,
                tax_setup.add_reason_codes,
                _replace_by_delete(s.reason_code, "code", tax_setup.add_reason_codes), _reason_code_uses,
                accounts=lambda r: [("account", r.get("account"))], aliases=("reason", "reasons")),
    SectionKind("lease-book", "lease-books", "id", ("id", "framework", "lease_type", "convention",
                                                     "short_term_months", "low_value", "description"), "lease_books",
                tuple(sorted(lease_setup.BOOK_KEYS[1])), _lease_books,
                lease_setup.add_lease_books,
                _replace_lease_book, _leases_of(s.lease.c.book_id)),
    SectionKind("lease-posting-profile", "lease-posting-profiles", "id", ("id", "accounts"),
                "lease_posting_profiles", ("accounts",), _lease_posting_profiles,
                lease_setup.add_lease_posting_profiles, _replace_lease_posting_profile, _groups_of_profile,
                accounts=lambda r: list(r.get("accounts", {}).items()), aliases=("lease-profile", "lease-profiles")),
    SectionKind("lease-group", "lease-groups", "id", ("id", "posting_profile", "description"), "lease_groups",
                ("posting_profile", "description"), _lease_groups, lease_setup.add_lease_groups,
                _replace_lease_group, _leases_of(s.lease.c.group_id)),
)}

DELETE = {
    "sales-tax-group": _delete_where(s.sales_tax_group, "group_code"),
    "item-sales-tax-group": _delete_where(s.item_sales_tax_group, "group_code"),
    "reason-code": _delete_where(s.reason_code, "code"),
    "lease-book": _delete_where(s.lease_book, "book_id"),
    "lease-posting-profile": _delete_where(s.lease_posting_profile, "profile_id"),
    "lease-group": _delete_where(s.lease_group, "group_id"),
}

# Where they go in a set-up file applied to a company: after what they name.
APPLY_AFTER = {"tax_codes": ("sales_tax_groups", "item_sales_tax_groups"),
               "bank_accounts": ("reason_codes", "lease_books", "lease_posting_profiles", "lease_groups")}
