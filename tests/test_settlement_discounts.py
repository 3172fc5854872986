"""Cash discounts at settlement, through the service (domain.md B5.2 and the worked examples EX-S1, EX-S4, EX-S6).

Vendor amounts are signed as the settle form shows them: an invoice and its discount taken are negative.
"""
from decimal import Decimal as D

import pytest

from bilag.services.settlement import MarkRequest, Payment, preview_settlement, settle, settle_automatically
from bilag.services.setup import set_parameters
from bilag.settlement.rules import SettlementOptions

from .support import post
from .test_settlement_support import (
    CUSTOMER,
    VENDOR,
    assert_entries,
    assert_ledger_ties,
    company,
    day,
    discounts_taken,
    open_amounts,
    snapshot,
    transactions,
)

CODES = [
    {"code": "1D14", "percent": 1, "days": 14},
    {"code": "2D5", "percent": 2, "days": 5, "next": "1D14"},
    {"code": "4D10", "percent": 4, "days": 10},
]
NET30 = [{"code": "Net30", "days": 30}]


def _vendor_company(engine, code="1D14", **changes):
    company(engine, cash_discounts=changes.pop("cash_discounts", CODES), payment_terms=NET30,
            vendors=[{"id": "3057", "currency": "USD", "cash_discount": code, "payment_terms": "Net30"}],
            **changes)


def _invoice(engine, amount="1000.00", on="2024-06-25", invoice="INV-10020"):
    post(engine, f"""
        voucher   | account_type | account | description | credit   | offset_account | invoice
        {invoice} | Vendor       | 3057    | Invoice     | {amount} | 606300-001--   | {invoice}
    """, day=on)


def _pay(engine, amount, on, *marks, voucher=None, options=None, preview=False):
    run = preview_settlement if preview else settle
    return run(engine, None, VENDOR, "3057", list(marks), payment=Payment(D(amount), "110110-001-", voucher),
               options=options, day=day(on))


# --- discount date ---------------------------------------------------------------------------------

@pytest.mark.parametrize("code, document_date, discount_date, paid_on, discount", [
    ("1D14", "2024-06-25", "2024-07-09", "2024-07-09", "-10.00"),  # AP-P1: 6/25 + 14 = 7/9, paid on the day
    ("2D5", "2024-06-28", "2024-07-03", "2024-07-03", "-20.00"),   # AP-P3: 6/28 + 5 = 7/3: 2 %
    ("2D5", "2024-06-28", "2024-07-03", "2024-07-12", "-10.00"),   # then 1D14: 6/28 + 14 = 7/12: 1 %
    ("2D5", "2024-06-28", "2024-07-03", "2024-07-13", "0.00"),     # every date passed
])
def test_the_discount_date_counts_from_the_document_date_not_the_posting_date(engine, code, document_date,
                                                                               discount_date, paid_on, discount):
    _vendor_company(engine, code=code)
    post(engine, f"""
        voucher | account_type | account | description | credit  | offset_account | invoice | document_date
        INV-1   | Vendor       | 3057    | Invoice     | 1000.00 | 606300-001--   | INV-1   | {document_date}
    """, day="2024-07-02")  # posted after the document date
    assert transactions(engine, VENDOR, "3057")["INV-1"]["cash_discount_date"] == discount_date

    _pay(engine, "1000.00", paid_on, MarkRequest(invoice="INV-1"), voucher="PAY-1")

    assert discounts_taken(engine, VENDOR, "3057")["INV-1"] == discount
    assert_ledger_ties(engine)


# --- EX-S1 (AP-P1) ----------------------------------------------------------------------------------

def _ex_s1_first_payment(engine):
    """Invoice 1,000.00 on 6/25 (1 % 14 days, net 30); on 7/1 try 500.00, then use 495.00."""
    _vendor_company(engine)
    _invoice(engine)
    invoice = transactions(engine, VENDOR, "3057")["INV-10020"]
    assert (invoice["open_amount"], invoice["cash_discount_amount"], invoice["cash_discount_date"],
            invoice["due_date"]) == ("-1000.00", "-10.00", "2024-07-09", "2024-07-25")

    # Try A = 500.00 on 7/1: the discount would be 5.05, settling 505.05. A preview writes nothing.
    before = snapshot(engine)
    tried = _pay(engine, "500.00", "2024-07-01", MarkRequest(invoice="INV-10020", amount_to_settle=D("500.00")),
                 preview=True)
    assert_entries(tried.vouchers[1], """
        account      | posting_type         | debit | credit
        200110-001-  | vendor_balance       | 5.05  |
        520200-001-- | vendor_cash_discount |       | 5.05
    """)
    assert snapshot(engine) == before

    # Use A = 495.00: discount 5.00, the invoice keeps -500.00.
    used = _pay(engine, "495.00", "2024-07-01", MarkRequest(invoice="INV-10020", amount_to_settle=D("495.00")),
                voucher="APPAYM001")
    assert_entries(used.vouchers[1], """
        account      | posting_type         | debit | credit
        200110-001-  | vendor_balance       | 5.00  |
        520200-001-- | vendor_cash_discount |       | 5.00
    """)


def test_ex_s1_partial_payment_in_the_discount_period_try_500_then_use_495(engine):
    _ex_s1_first_payment(engine)

    assert open_amounts(engine, VENDOR, "3057") == {"INV-10020": "-500.00", "APPAYM001": "0.00"}
    assert discounts_taken(engine, VENDOR, "3057")["INV-10020"] == "-5.00"
    assert_ledger_ties(engine)


def test_ex_s1_final_payment_takes_the_rest_of_the_discount_10_less_5_already_taken(engine):
    _ex_s1_first_payment(engine)

    final = _pay(engine, "495.00", "2024-07-08", MarkRequest(invoice="INV-10020"), voucher="APPAYM002")

    assert_entries(final.vouchers[1], """
        account      | posting_type         | debit | credit
        200110-001-  | vendor_balance       | 5.00  |
        520200-001-- | vendor_cash_discount |       | 5.00
    """)
    assert open_amounts(engine, VENDOR, "3057") == {"INV-10020": "0.00", "APPAYM001": "0.00", "APPAYM002": "0.00"}
    assert discounts_taken(engine, VENDOR, "3057")["INV-10020"] == "-10.00"
    assert_ledger_ties(engine)


def test_ex_s1_for_a_customer_the_final_payment_takes_the_rest_of_the_discount(engine):
    company(engine, cash_discounts=CODES, payment_terms=NET30, vendors=[],
            customers=[{"id": "4032", "currency": "USD", "cash_discount": "1D14", "payment_terms": "Net30"}])
    post(engine, """
        voucher   | account_type | account | description | debit   | offset_account  | invoice
        FTI-10020 | Customer     | 4032    | Invoice     | 1000.00 | 401100-002-023- | FTI-10020
    """, name="ARINV", day="2024-06-25")
    settle(engine, None, CUSTOMER, "4032", [MarkRequest(invoice="FTI-10020", amount_to_settle=D("495.00"))],
           payment=Payment(D("495.00"), "110110-002-", "ARP-1"), day=day("2024-07-01"))
    assert open_amounts(engine, CUSTOMER, "4032") == {"FTI-10020": "500.00", "ARP-1": "0.00"}

    final = settle(engine, None, CUSTOMER, "4032", [MarkRequest(invoice="FTI-10020")],
                   payment=Payment(D("495.00"), "110110-002-", "ARP-2"), day=day("2024-07-08"))

    assert_entries(final.vouchers[1], """
        account         | posting_type           | debit | credit
        130100-002-     | customer_balance       |       | 5.00
        403300-002-023- | customer_cash_discount | 5.00  |
    """)
    assert open_amounts(engine, CUSTOMER, "4032") == {"FTI-10020": "0.00", "ARP-1": "0.00", "ARP-2": "0.00"}
    assert discounts_taken(engine, CUSTOMER, "4032")["FTI-10020"] == "10.00"
    assert_ledger_ties(engine)


def test_partial_payment_with_the_partial_discount_parameter_off_takes_no_discount(engine):
    _vendor_company(engine, parameters={"cash_discount_partial_payments": False})
    _invoice(engine)

    result = _pay(engine, "495.00", "2024-07-01", MarkRequest(invoice="INV-10020", amount_to_settle=D("495.00")),
                  voucher="APPAYM001")

    assert [v.number for v in result.vouchers] == ["APPAYM001"]  # no discount voucher
    assert open_amounts(engine, VENDOR, "3057") == {"INV-10020": "-505.00", "APPAYM001": "0.00"}
    assert discounts_taken(engine, VENDOR, "3057")["INV-10020"] == "0.00"
    assert_ledger_ties(engine)


# --- EX-S4 (AP-P4) and credit notes -----------------------------------------------------------------

def test_ex_s4_credit_note_discount_credit_note_198_and_2_discount_invoice_keeps_800(engine):
    _vendor_company(engine)
    post(engine, """
        voucher   | date       | account_type | account | description | debit  | credit   | offset_account | invoice  | cash_discount
        Inv-10070 | 2024-06-29 | Vendor       | 3057    | Invoice     |        | 1000.00  | 606300-001--   | 10070    | 1D14
        CR-10070  | 2024-07-02 | Vendor       | 3057    | Credit note | 200.00 |          | 606300-001--   | CR-10070 | 1D14
    """)

    settle(engine, None, VENDOR, "3057", [MarkRequest(invoice="10070"), MarkRequest(invoice="CR-10070")])

    # The credit note settles 198.00 + its 2.00 discount; the invoice (1 % 14 days as well) takes the
    # matching D1 discount on 198.00, 2.00, so 200.00 of it is settled and the two discounts cancel out.
    assert open_amounts(engine, VENDOR, "3057") == {"10070": "-800.00", "CR-10070": "0.00"}
    assert discounts_taken(engine, VENDOR, "3057") == {"10070": "-2.00", "CR-10070": "2.00"}
    assert_ledger_ties(engine)


def _invoice_and_credit_note(engine, **parameters):
    company(engine, cash_discounts=CODES, parameters=parameters,
            vendors=[{"id": "3057", "currency": "USD"}])  # the invoice has no discount code: only the credit note
    post(engine, """
        voucher | date       | account_type | account | description | debit  | credit  | offset_account | invoice | cash_discount
        INV-1   | 2024-07-01 | Vendor       | 3057    | Invoice     |        | 1000.00 | 606300-001--   | INV-1   |
        CN-1    | 2024-07-02 | Vendor       | 3057    | Credit note | 100.00 |         | 606300-001--   | CN-1    | 2D5
    """)


def test_a_credit_note_of_100_at_2_percent_settles_98_and_2_discount_when_credit_notes_earn_discounts(engine):
    _invoice_and_credit_note(engine, cash_discount_credit_notes=True)

    settle(engine, None, VENDOR, "3057", [MarkRequest(invoice="INV-1"), MarkRequest(invoice="CN-1")])

    # AP-PART: the credit note settles 98.00 and gives up its 2.00 discount; the invoice has no discount of
    # its own, so the 98.00 the credit note is worth is what it settles of the invoice.
    assert discounts_taken(engine, VENDOR, "3057") == {"INV-1": "0.00", "CN-1": "2.00"}
    assert open_amounts(engine, VENDOR, "3057") == {"INV-1": "-902.00", "CN-1": "0.00"}
    assert_ledger_ties(engine)


def test_a_credit_note_earns_no_discount_when_the_credit_note_parameter_is_off(engine):
    _invoice_and_credit_note(engine, cash_discount_credit_notes=False)

    result = settle(engine, None, VENDOR, "3057", [MarkRequest(invoice="INV-1"), MarkRequest(invoice="CN-1")])

    assert result.voucher is None  # nothing to post: no discount
    assert discounts_taken(engine, VENDOR, "3057") == {"INV-1": "0.00", "CN-1": "0.00"}
    assert open_amounts(engine, VENDOR, "3057") == {"INV-1": "-900.00", "CN-1": "0.00"}
    assert_ledger_ties(engine)


# --- AP-P6: manual override ---------------------------------------------------------------------------

def test_ap_p6_a_discount_overwritten_to_60_on_a_1000_invoice_at_4_percent_settles_it_with_940(engine):
    _vendor_company(engine, code="4D10")
    _invoice(engine, on="2024-07-01")
    assert transactions(engine, VENDOR, "3057")["INV-10020"]["cash_discount_amount"] == "-40.00"

    result = _pay(engine, "940.00", "2024-07-05", MarkRequest(invoice="INV-10020", cash_discount=D("60.00")),
                  voucher="APPAYM001")

    assert_entries(result.vouchers[1], """
        account      | posting_type         | debit | credit
        200110-001-  | vendor_balance       | 60.00 |
        520200-001-- | vendor_cash_discount |       | 60.00
    """)
    assert open_amounts(engine, VENDOR, "3057") == {"INV-10020": "0.00", "APPAYM001": "0.00"}
    assert discounts_taken(engine, VENDOR, "3057")["INV-10020"] == "-60.00"
    assert_ledger_ties(engine)


# --- AP-P5: Always, Never, and the date to use for discounts --------------------------------------------

@pytest.mark.parametrize("use, paid, discount, balance", [
    ("normal", "1980.00", None, "-20.00"),      # 7/15 is after 7/12: no discount, 20.00 stays open
    ("always", "1980.00", "20.00", "0.00"),     # AP-P5: the vendor allows the discount anyway
])
def test_ap_p5_use_cash_discount_always_takes_the_discount_after_the_discount_date(engine, use, paid, discount,
                                                                                  balance):
    _vendor_company(engine)
    _invoice(engine, amount="2000.00", on="2024-06-28", invoice="10030")

    result = _pay(engine, paid, "2024-07-15", MarkRequest(invoice="10030", use_cash_discount=use),
                  voucher="APPAYM001")

    if discount is None:
        assert [v.number for v in result.vouchers] == ["APPAYM001"]
    else:
        assert_entries(result.vouchers[1], f"""
            account      | posting_type         | debit      | credit
            200110-001-  | vendor_balance       | {discount} |
            520200-001-- | vendor_cash_discount |            | {discount}
        """)
    assert open_amounts(engine, VENDOR, "3057") == {"10030": balance, "APPAYM001": "0.00"}
    assert_ledger_ties(engine)


def test_use_cash_discount_never_takes_no_discount_even_in_the_discount_period(engine):
    _vendor_company(engine)
    _invoice(engine, amount="2000.00", on="2024-06-28", invoice="10030")

    result = _pay(engine, "2000.00", "2024-07-01", MarkRequest(invoice="10030", use_cash_discount="never"),
                  voucher="APPAYM001")

    assert [v.number for v in result.vouchers] == ["APPAYM001"]
    assert open_amounts(engine, VENDOR, "3057") == {"10030": "0.00", "APPAYM001": "0.00"}
    assert discounts_taken(engine, VENDOR, "3057")["10030"] == "0.00"
    assert_ledger_ties(engine)


@pytest.mark.parametrize("options, discount, balance", [
    (SettlementOptions(), "0.00", "-1500.00"),  # transaction date 7/15: after 7/12, no discount
    (SettlementOptions(discount_date="selected", selected_discount_date=day("2024-06-28")), "-5.05", "-1494.95"),
])
def test_ap_p5_the_selected_date_for_discounts_grants_the_discount_on_a_late_payment(engine, options, discount,
                                                                                    balance):
    _vendor_company(engine)
    post(engine, """
        voucher   | date       | account_type | account | description | debit  | credit  | offset_account_type | offset_account | invoice
        10030     | 2024-06-28 | Vendor       | 3057    | Invoice     |        | 2000.00 | Ledger              | 606300-001--   | 10030
        APP-10030 | 2024-07-15 | Vendor       | 3057    | Payment     | 500.00 |         | Bank                | 110110-001-    |
    """)

    result = settle(engine, None, VENDOR, "3057", [MarkRequest(invoice="10030"), MarkRequest(voucher="APP-10030")],
                    options=options)

    assert result.date == day("2024-07-15")
    assert discounts_taken(engine, VENDOR, "3057") == {"10030": discount, "APP-10030": "0.00"}
    assert open_amounts(engine, VENDOR, "3057") == {"10030": balance, "APP-10030": "0.00"}
    assert_ledger_ties(engine)


# --- the cash discount account -------------------------------------------------------------------------

@pytest.mark.parametrize("code_account, alternative, expected", [
    ("520250", "520300", "520300-001--"),  # 1) the alternative account on the mark
    ("520250", None, "520250-001--"),      # 2) the main account of the cash discount code
    (None, None, "520200-001--"),          # 3) accounts for automatic transactions
])
def test_the_cash_discount_account_priority_alternative_then_code_then_system_account(engine, code_account,
                                                                                    alternative, expected):
    code = {"code": "4D10", "percent": 4, "days": 10}
    if code_account:
        code["main_account"] = code_account
    _vendor_company(engine, code="4D10", cash_discounts=[code])
    _invoice(engine, on="2024-07-01")

    result = _pay(engine, "960.00", "2024-07-05",
                  MarkRequest(invoice="INV-10020", alternative_discount_account=alternative), voucher="APPAYM001")

    assert_entries(result.vouchers[1], f"""
        account     | posting_type         | debit | credit
        200110-001- | vendor_balance       | 40.00 |
        {expected}  | vendor_cash_discount |       | 40.00
    """)
    assert_ledger_ties(engine)


@pytest.mark.parametrize("offset_accounts, expected", [
    # invoice_lines: the discount follows the invoice's offsets, pro rata (30.00 on BU 002 / 10.00 on BU 001)
    ("invoice_lines", """
        account      | posting_type         | debit | credit
        200110-001-  | vendor_balance       | 40.00 |
        520200-002-- | vendor_cash_discount |       | 30.00
        520200-001-- | vendor_cash_discount |       | 10.00
    """),
    # main_account: one entry on the discount's main account with the summary account's dimensions
    ("main_account", """
        account      | posting_type         | debit | credit
        200110-001-  | vendor_balance       | 40.00 |
        520200-001-- | vendor_cash_discount |       | 40.00
    """),
])
def test_the_discount_offset_accounts_parameter_chooses_invoice_lines_or_the_main_account(engine, offset_accounts,
                                                                                          expected):
    _vendor_company(engine, code="4D10", parameters={"discount_offset_accounts": offset_accounts})
    post(engine, """
        voucher   | account_type | account      | description | debit  | credit  | invoice
        INV-10020 | Vendor       | 3057         | Invoice     |        | 1000.00 | INV-10020
        INV-10020 | Ledger       | 606300-002-- | Invoice     | 750.00 |         |
        INV-10020 | Ledger       | 606300-001-- | Invoice     | 250.00 |         |
    """, day="2024-07-01")

    result = _pay(engine, "960.00", "2024-07-05", MarkRequest(invoice="INV-10020"), voucher="APPAYM001")

    assert_entries(result.vouchers[1], expected)
    assert_ledger_ties(engine)


# --- EX-S6 (AR-MD): customer 4032, three invoices --------------------------------------------------------

def _three_customer_invoices(engine):
    company(engine, cash_discounts=CODES, vendors=[], customers=[{"id": "4032", "currency": "USD"}])
    post(engine, """
        voucher   | date       | account_type | account | description | debit   | offset_account  | invoice   | cash_discount
        FTI-10040 | 2024-05-15 | Customer     | 4032    | Invoice     | 1000.00 | 401100-002-023- | FTI-10040 | 1D14
        FTI-10041 | 2024-06-25 | Customer     | 4032    | Invoice     | 1000.00 | 401100-002-023- | FTI-10041 | 1D14
        FTI-10042 | 2024-06-25 | Customer     | 4032    | Invoice     | 1000.00 | 401100-002-023- | FTI-10042 | 2D5
    """, name="ARINV")


def _paid_discount_balance(engine) -> dict[str, tuple[str, str, str]]:
    """Per invoice: (paid by the payment, discount taken, balance), as the AR-MD table shows them."""
    table = {}
    for key, t in transactions(engine, CUSTOMER, "4032").items():
        if key.startswith("FTI-"):
            paid = D(t["amount"]) - D(t["open_amount"]) - D(t["cash_discount_taken"])
            table[key] = (f"{paid:.2f}", t["cash_discount_taken"], t["open_amount"])
    return table


@pytest.mark.parametrize("paid_on, payment, expected", [
    ("2024-06-29", "2970.00", {"FTI-10040": ("1000.00", "0.00", "0.00"),
                               "FTI-10041": ("990.00", "10.00", "0.00"),
                               "FTI-10042": ("980.00", "20.00", "0.00")}),
    ("2024-07-01", "2980.00", {"FTI-10040": ("1000.00", "0.00", "0.00"),
                               "FTI-10041": ("990.00", "10.00", "0.00"),
                               "FTI-10042": ("990.00", "10.00", "0.00")}),
])
def test_ex_s6_one_payment_for_three_invoices_with_different_discount_periods(engine, paid_on, payment, expected):
    _three_customer_invoices(engine)

    settle(engine, None, CUSTOMER, "4032",
           [MarkRequest(invoice="FTI-10040"), MarkRequest(invoice="FTI-10041"), MarkRequest(invoice="FTI-10042")],
           payment=Payment(D(payment), "110110-002-", "ARP-1"), day=day(paid_on))

    assert _paid_discount_balance(engine) == expected
    assert open_amounts(engine, CUSTOMER, "4032")["ARP-1"] == "0.00"
    assert_ledger_ties(engine)


def test_ex_s6_half_of_each_invoice_on_6_29(engine):
    _three_customer_invoices(engine)

    result = settle(engine, None, CUSTOMER, "4032",
                    [MarkRequest(invoice="FTI-10040", amount_to_settle=D("500.00")),
                     MarkRequest(invoice="FTI-10041", amount_to_settle=D("495.00")),
                     MarkRequest(invoice="FTI-10042", amount_to_settle=D("490.00"))],
                    payment=Payment(D("1485.00"), "110110-002-", "ARP-1"), day=day("2024-06-29"))

    assert _paid_discount_balance(engine) == {"FTI-10040": ("500.00", "0.00", "500.00"),
                                              "FTI-10041": ("495.00", "5.00", "500.00"),
                                              "FTI-10042": ("490.00", "10.00", "500.00")}
    assert_entries(result.vouchers[1], """
        account         | posting_type           | debit | credit
        130100-002-     | customer_balance       |       | 5.00
        403300-002-023- | customer_cash_discount | 5.00  |
        130100-002-     | customer_balance       |       | 10.00
        403300-002-023- | customer_cash_discount | 10.00 |
    """)
    assert_ledger_ties(engine)


def test_ex_s6_unallocated_1485_oldest_invoice_first_then_the_better_discount(engine):
    """The documented allocation marked by hand: FTI-10040 in full, the remaining 485.00 to FTI-10042."""
    _three_customer_invoices(engine)

    settle(engine, None, CUSTOMER, "4032",
           [MarkRequest(invoice="FTI-10040", amount_to_settle=D("1000.00")),
            MarkRequest(invoice="FTI-10042", amount_to_settle=D("485.00"))],
           payment=Payment(D("1485.00"), "110110-002-", "ARP-1"), day=day("2024-06-29"))

    assert _paid_discount_balance(engine) == {"FTI-10040": ("1000.00", "0.00", "0.00"),
                                              "FTI-10041": ("0.00", "0.00", "1000.00"),
                                              "FTI-10042": ("485.00", "9.90", "505.10")}
    assert open_amounts(engine, CUSTOMER, "4032")["ARP-1"] == "0.00"
    assert_ledger_ties(engine)


@pytest.mark.parametrize("how", ["service", "parameter"])
def test_ex_s6_unallocated_1485_by_automatic_settlement_oldest_first_then_the_better_discount(engine, how):
    """AR-AUTO order (due date, then the better discount among same-date invoices) without any mark."""
    _three_customer_invoices(engine)
    if how == "parameter":
        with engine.begin() as connection:
            set_parameters(connection, "USMF", {"automatic_settlement": True})

    posted = post(engine, """
        voucher | account_type | account | description | credit  | offset_account_type | offset_account
        ARP-1   | Customer     | 4032    | Payment     | 1485.00 | Bank                | 110110-002-
    """, name="ARPAYM", day="2024-06-29")
    if how == "service":
        assert posted.automatic_settlements == []
        result = settle_automatically(engine, None, CUSTOMER, ["4032"])
    else:
        [result] = posted.automatic_settlements
    assert result.settlements == 1

    assert _paid_discount_balance(engine) == {"FTI-10040": ("1000.00", "0.00", "0.00"),
                                              "FTI-10041": ("0.00", "0.00", "1000.00"),
                                              "FTI-10042": ("485.00", "9.90", "505.10")}
    assert open_amounts(engine, CUSTOMER, "4032")["ARP-1"] == "0.00"
    assert_entries(result.vouchers[0], """
        account         | posting_type           | debit | credit
        130100-002-     | customer_balance       |       | 9.90
        403300-002-023- | customer_cash_discount | 9.90  |
    """)
    assert_ledger_ties(engine)
