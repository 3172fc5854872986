"""Setting up sales tax groups, item sales tax groups and reason codes (set-up sections of a scenario file)."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ..coercion import as_bool, as_id, as_list, as_text, checked_keys, located
from ..errors import InvalidInput
from ..store import schema as s

_KEYS = {
    "sales_tax_groups": ({"code", "tax_codes"}, set()),
    "item_sales_tax_groups": ({"code", "tax_codes"}, set()),
    "reason_codes": ({"code"}, {"description", "customer", "vendor", "account", "default"}),
}


def _checked(section: str, index: int, item: object) -> tuple[str, dict]:
    where = located(f"{section}[{index}]", item)
    return where, checked_keys(item, _KEYS[section], where)


def add_tax_groups(connection: Connection, company_id: str, section: str, groups: list) -> None:
    """`sales_tax_groups` or `item_sales_tax_groups`: [{code: DOM, tax_codes: [VAT25]}]."""
    table = s.sales_tax_group if section == "sales_tax_groups" else s.item_sales_tax_group
    known = {r[0] for r in connection.execute(select(s.tax_code.c.code).where(s.tax_code.c.company_id == company_id))}
    existing = {r[0] for r in connection.execute(select(table.c.group_code).where(table.c.company_id == company_id))}
    rows = []
    for index, item in enumerate(as_list(groups, section)):
        where, item = _checked(section, index, item)
        code = as_id(item["code"], where, 20)
        if code in existing:
            raise InvalidInput(f"{where}: {section[:-1].replace('_', ' ')} {code} exists already",
                               code="duplicate_record")
        existing.add(code)
        for tax_code in sorted({str(c) for c in as_list(item["tax_codes"], where + ".tax_codes")}):
            if tax_code not in known:
                raise InvalidInput(f"{where}.tax_codes: sales tax code {tax_code} does not exist",
                                   code="unknown_tax_code")
            rows.append({"company_id": company_id, "group_code": code, "tax_code": tax_code})
    if rows:
        connection.execute(insert(table), rows)


def add_reason_codes(connection: Connection, company_id: str, codes: list) -> None:
    """`reason_codes`: [{code: BADDEBT, description: Bad debt, customer: true, default: true, account: "618200"}]."""
    existing = {r[0] for r in connection.execute(select(s.reason_code.c.code)
                                                 .where(s.reason_code.c.company_id == company_id))}
    rows = []
    for index, item in enumerate(as_list(codes, "reason_codes")):
        where, item = _checked("reason_codes", index, item)
        code = as_id(item["code"], where, 20)
        if code in existing:
            raise InvalidInput(f"{where}: reason code {code} exists already", code="duplicate_record")
        existing.add(code)
        rows.append({"company_id": company_id, "code": code, "description": as_text(item.get("description"), where + ".description", 200),
                     "customer": as_bool(item.get("customer", False), where + ".customer"),
                     "vendor": as_bool(item.get("vendor", False), where + ".vendor"),
                     "account": str(item["account"]) if item.get("account") else None,
                     "is_default": as_bool(item.get("default", False), where + ".default")})
    rc = s.reason_code
    for party in ("customer", "vendor"):
        flag = rc.c.customer if party == "customer" else rc.c.vendor
        defaults = [r[0] for r in connection.execute(select(rc.c.code).where(
            rc.c.company_id == company_id, rc.c.is_default.is_(True), flag.is_(True)).order_by(rc.c.code))]
        defaults += [str(r["code"]) for r in rows if r["is_default"] and r[party]]
        if len(defaults) > 1:
            raise InvalidInput(f"reason_codes: {' and '.join(defaults)} would both be the default for {party}s; "
                               f"one may be (take the default from the other first)", code="bad_setup")
    if rows:
        connection.execute(insert(s.reason_code), rows)
