"""The settle form's rows of open transactions, rendered in one pass.

With a thousand open transactions the template's per-cell calls (about thirty escapes and a dozen calls a row)
cost more than everything else on the page; issue 12 wants the form in under 200 ms. Every value is escaped
here exactly as the template would escape it."""
from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape

from .i18n import amount, day

USE_CASH_DISCOUNT = (("", "Default"), ("normal", "Normal"), ("always", "Always"), ("never", "Never"))

_ROW = ('<tr id="transaction-{key}">\n'
        '<td><input type="checkbox" name="mark_{tid}" value="1" id="mark-{key}"{checked}></td>\n'
        '<td>{tid}</td><td>{voucher}</td><td>{invoice}</td><td>{date}</td><td>{due_date}</td><td>{currency}</td>\n'
        '<td class="num">{amount}</td><td class="num">{open}</td><td>{discount_date}</td>'
        '<td class="num">{to_take}</td>\n'
        '<td><input name="amount_{tid}" value="{amount_entered}" placeholder="{open_plain}" size="8"></td>\n'
        '<td><input name="discount_{tid}" id="discount-{key}" value="{discount_entered}" '
        'placeholder="{to_take_plain}" size="6"></td>\n'
        '<td><select name="use_{tid}">{options}</select></td>\n'
        '<td>{elsewhere}</td>\n</tr>\n')


def _options(chosen: str) -> str:
    return "".join(f'<option value="{value}"{" selected" if value == chosen else ""}>{label}</option>'
                   for value, label in USE_CASH_DISCOUNT)


_OPTIONS = {value: _options(value) for value, _ in USE_CASH_DISCOUNT}


def _entered(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    return escape(value) if value else ""


def settle_rows(items: list[dict], form: Mapping[str, str], locale: str) -> Markup:
    """One table row per open transaction, with what the user entered in `form` kept in its inputs.

    Text from the ledger and the form is escaped; amounts and dates are not: the services write them with digits,
    a sign and a decimal point, and the locale's formats (Babel) add only separators and spaces, none of which
    HTML gives a meaning to (tests/test_web_settle_rows.py holds every locale to that)."""
    rows = []
    for t in items:
        tid = str(t["transaction"])
        use = form.get("use_" + tid, "")
        invoice = escape(t["invoice"]) if t["invoice"] else ""
        voucher = escape(t["voucher"])
        elsewhere = t["marked_elsewhere"]
        rows.append(_ROW.format(
            tid=tid, key=invoice or voucher, checked=" checked" if form.get("mark_" + tid) else "",
            voucher=voucher, invoice=invoice, date=day(t["date"], locale), due_date=day(t["due_date"], locale),
            currency=escape(t["currency"]), amount=amount(t["amount"], locale),
            open=amount(t["open_amount"], locale), discount_date=day(t["cash_discount_date"], locale),
            to_take=amount(t["cash_discount_to_take"], locale), amount_entered=_entered(form, "amount_" + tid),
            open_plain=t["open_amount"], discount_entered=_entered(form, "discount_" + tid),
            to_take_plain=t["cash_discount_to_take"], options=_OPTIONS.get(use) or _options(use),
            elsewhere=escape(", ".join(elsewhere)) if elsewhere else ""))
    return Markup("".join(rows))
