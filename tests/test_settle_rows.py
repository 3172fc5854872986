"""The settle form's rows, rendered without the template (web/settle_rows.py): every value escaped, the user's
entries kept after a preview, amounts and dates as the user's locale writes them."""
from __future__ import annotations

from bilag.web.settle_rows import settle_rows


def item(**changes) -> dict:
    base = {"transaction": 7, "voucher": "VI-1", "invoice": 'INV<1>"', "date": "2024-01-05",
            "due_date": "2024-02-04", "currency": "DKK", "amount": "-1234.50", "open_amount": "-1234.50",
            "cash_discount_date": None, "cash_discount_to_take": "0.00", "marked_elsewhere": ["journal J<2>"]}
    return {**base, **changes}


def test_every_value_is_escaped_and_the_invoice_names_the_row():
    html = str(settle_rows([item()], {}, "en"))
    assert '<tr id="transaction-INV&lt;1&gt;&#34;">' in html
    assert '<td>INV&lt;1&gt;&#34;</td>' in html and "<td>journal J&lt;2&gt;</td>" in html
    assert 'name="mark_7" value="1" id="mark-INV&lt;1&gt;&#34;">' in html  # not checked
    assert '<option value="" selected>Default</option>' in html


def test_a_preview_keeps_what_the_user_entered():
    form = {"mark_7": "1", "amount_7": '100"><b>', "discount_7": "2.00", "use_7": "always"}
    html = str(settle_rows([item()], form, "en"))
    assert 'id="mark-INV&lt;1&gt;&#34;" checked>' in html
    assert 'name="amount_7" value="100&#34;&gt;&lt;b&gt;" placeholder="-1234.50"' in html
    assert 'name="discount_7" id="discount-INV&lt;1&gt;&#34;" value="2.00" placeholder="0.00"' in html
    assert '<option value="always" selected>Always</option>' in html and '<option value="" >' not in html


def test_amounts_and_dates_in_the_users_locale_while_the_inputs_keep_plain_decimals():
    html = str(settle_rows([item(invoice=None)], {}, "da"))
    assert '<td class="num">-1.234,50</td>' in html and "<td>05.01.2024</td>" in html
    assert 'placeholder="-1234.50"' in html  # what the user types back is a plain decimal
    assert '<tr id="transaction-VI-1">' in html and "<td></td>" in html  # no invoice: the voucher names the row


def test_no_rows_is_empty():
    assert str(settle_rows([], {"mark_1": "1"}, "en")) == ""


def test_the_locales_write_amounts_and_dates_with_nothing_html_gives_a_meaning_to():
    """settle_rows leaves amounts and dates unescaped: every locale's formats must keep to digits, signs,
    separators and spaces."""
    from bilag.web.i18n import amount, day

    for locale in ("en", "da", "nb", "sv"):
        for text in (amount("-1234567.89", locale), amount("0.00", locale), amount("12", locale),
                     day("2024-12-31", locale), day("2025-01-05", locale)):
            assert text and not set(text) & set("<>&\"'"), (locale, text)


def test_a_voucher_number_with_markup_names_the_row_escaped():
    html = str(settle_rows([item(invoice=None, voucher="V<&>")], {}, "sv"))
    assert '<tr id="transaction-V&lt;&amp;&gt;">' in html and "<td>V&lt;&amp;&gt;</td>" in html
