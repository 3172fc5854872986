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


def settle_rows(items: list[dict], form: Mapping[str, str], locale: str) -> Markup:
    """One table row per open transaction, with what the user entered in `form` kept in its inputs."""
    rows = []
    for t in items:
        tid = str(t["transaction"])
        use = form.get("use_" + tid, "")
        rows.append(_ROW.format(
            tid=tid, key=escape(t["invoice"] or t["voucher"]), checked=" checked" if form.get("mark_" + tid) else "",
            voucher=escape(t["voucher"]), invoice=escape(t["invoice"] or ""), date=escape(day(t["date"], locale)),
            due_date=escape(day(t["due_date"], locale)), currency=escape(t["currency"]),
            amount=escape(amount(t["amount"], locale)), open=escape(amount(t["open_amount"], locale)),
            discount_date=escape(day(t["cash_discount_date"], locale)),
            to_take=escape(amount(t["cash_discount_to_take"], locale)),
            amount_entered=escape(form.get("amount_" + tid, "")), open_plain=escape(t["open_amount"]),
            discount_entered=escape(form.get("discount_" + tid, "")), to_take_plain=escape(t["cash_discount_to_take"]),
            options=_OPTIONS.get(use) or _options(use), elsewhere=escape(", ".join(t["marked_elsewhere"]))))
    return Markup("".join(rows))
