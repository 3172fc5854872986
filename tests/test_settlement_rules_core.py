"""Settlement's rules (settlement/rules.py, settlement/automatic.py, settlement/model.py), pure and with the exact
figures of domain.md §2 and B5/B6 on a company built in memory: what each settlement settles, the entries it
posts and the refusals with their whole messages. Fast tests without a store: `make mutation` runs them for
every mutant of bilag.settlement (issue 14). The store-backed suites (test_settlement_*.py) post the same
examples end to end."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bilag.calendar.periods import FiscalCalendar, generate_years
from bilag.company import Company, SettlementSettings, TaxCode
from bilag.errors import SettlementError
from bilag.fx.rates import ExchangeRate, RateTable
from bilag.journal.model import EntryDraft, TaxDraft
from bilag.ledger.accounts import AccountStructure, AccountType, ChartOfAccounts, MainAccount
from bilag.parties.model import CashDiscountCode, Hold, Party, PartyType, PostingProfiles
from bilag.settlement.automatic import AutomaticPlan, named_invoice, plan_automatic, type_rank
from bilag.settlement.model import Mark, OpenTransaction, SettledPart, SettlementOptions, TransactionChange
from bilag.settlement.rules import discount_percent, plan_checked, plan_settlement, settlement_date

D = date.fromisoformat
M = Decimal

SYSTEM = {"vendor_cash_discount": "520200", "customer_cash_discount": "403300", "exchange_rate_loss": "801300",
          "exchange_rate_gain": "801400", "unrealized_loss": "801500", "unrealized_gain": "801600",
          "penny_difference": "809000", "over_underpayment": "809100", "cash_discount_difference": "809200"}
CODES = {"1D14": CashDiscountCode("1D14", M(1), 14), "2D5": CashDiscountCode("2D5", M(2), 5, "1D14"),
         "4D10": CashDiscountCode("4D10", M(4), 10), "1.5D10": CashDiscountCode("1.5D10", M("1.5"), 10),
         "OWN": CashDiscountCode("OWN", M(1), 14, main_account="520900"),
         "40D10": CashDiscountCode("40D10", M(40), 10)}


def company(settings: SettlementSettings | None = None, parameters: dict | None = None, system=None,
            parties=None, tax_codes=None) -> Company:
    mains = ["110110", "130100", "200110", "222000", "401100", "403300", "520200", "520900", "520300", "606300",
             "801300", "801400", "801500", "801600", "809000", "809100", "809200", "999999"]
    chart = ChartOfAccounts({a: MainAccount(a, a, AccountType.expense) for a in mains}, ["BusinessUnit", "Department"],
                            [AccountStructure("All", "100000", "999999", ("BusinessUnit", "Department"))])
    rates = RateTable("USD", [ExchangeRate("EUR", D("2024-01-01"), M("1.14")),
                              ExchangeRate("EUR", D("2024-07-01"), M("1.15")),
                              ExchangeRate("FC", D("2024-01-01"), M("0.12")),
                              ExchangeRate("FC", D("2024-01-02"), M("0.125")),
                              ExchangeRate("FC", D("2024-01-03"), M("0.13")),
                              ExchangeRate("CAD", D("2024-01-01"), M("0.75")),
                              ExchangeRate("JPY", D("2024-01-01"), M("0.70"), per=100)])
    if parties is None:
        parties = {(PartyType.vendor, "1001"): Party(PartyType.vendor, "1001")}
    params = dict(parameters or {})
    return Company("USMF", "Contoso", "USD", chart, FiscalCalendar(generate_years(D("2024-01-01"), 1)), rates,
                   parties, PostingProfiles([], {}), CODES, {}, {}, {}, dict(SYSTEM if system is None else system),
                   tax_codes or {}, {"JPY": 0}, params, settings or SettlementSettings())


_ids = iter(range(100, 100000))


def vendor_invoice(amount: str, day: str = "2024-06-25", *, code: str | None = None, currency: str = "USD",
                   accounting: str | None = None, distribution=None, **changes) -> OpenTransaction:
    """A vendor invoice of `amount` (a credit: negative), booked to 200110-001-."""
    minor = -int(M(amount) * 100)
    acc = -int(M(accounting) * 100) if accounting is not None else minor
    number = changes.pop("invoice", f"INV-{next(_ids)}")
    base = OpenTransaction(
        transaction_id=next(_ids), party_type="vendor", party_id="1001", voucher_id=1, voucher_number=number,
        posting_date=D(day), document_date=D(day), due_date=D(day), invoice=number, currency=currency,
        amount_minor=minor, accounting_minor=acc, open_minor=minor, open_accounting_minor=acc,
        ledger_account="200110-001-", cash_discount_code=code, cash_discount_date=None, cash_discount_taken_minor=0,
        use_cash_discount="normal", version=1,
        distribution=distribution if distribution is not None else [("606300-001-", abs(acc))])
    return replace(base, **changes)


def vendor_payment(amount: str, day: str, *, currency: str = "USD", accounting: str | None = None,
                   **changes) -> OpenTransaction:
    """A payment to the vendor (a debit: positive)."""
    minor = int(M(amount) * 100)
    acc = int(M(accounting) * 100) if accounting is not None else minor
    base = OpenTransaction(
        transaction_id=next(_ids), party_type="vendor", party_id="1001", voucher_id=2, voucher_number="APPAYM001",
        posting_date=D(day), document_date=D(day), due_date=D(day), invoice=None, currency=currency,
        amount_minor=minor, accounting_minor=acc, open_minor=minor, open_accounting_minor=acc,
        ledger_account="200110-001-", cash_discount_code=None, cash_discount_date=None, cash_discount_taken_minor=0,
        use_cash_discount="normal", version=1, distribution=[("110110-001-", abs(acc))])
    return replace(base, **changes)


def period(day: date) -> int:
    return day.month


def settle(c: Company, payment: OpenTransaction | None, *marks, **options):
    chosen = [m if isinstance(m, Mark) else Mark(m) for m in marks]
    return plan_settlement(c, payment, chosen, SettlementOptions(**options), period)


def rows(plan, currency: str | None = None) -> list[tuple]:
    """(account, posting type, amount, accounting amount, text) of the settlement voucher's entries, each checked
    for what every settlement entry holds: line 0, its main account, the currency of the settled transactions
    (`currency`, else the first entry's), the party on a summary account's entry only, no transaction."""
    entries = plan.voucher.entries
    currency = currency or entries[0].currency
    for e in entries:
        party = (e.party_type, e.party_id) if e.posting_type.endswith("_balance") else (None, None)
        assert (e.line_no, e.main_account, e.currency, e.party_type, e.party_id, e.transaction_index) == (
            0, e.ledger_account.split("-")[0], currency, *party, None), e
        if party[0]:
            assert party[0] in ("customer", "vendor") and party[1]
    return [(e.ledger_account, e.posting_type, e.amount_minor, e.accounting_minor, e.description) for e in entries]


def settled(plan) -> dict[int, tuple[int, int, int]]:
    """{transaction id: (settled, settled accounting, discount)} of the plan's changes."""
    return {i: (c.settled_minor, c.settled_accounting_minor, c.discount_minor) for i, c in plan.changes.items()}


# ---- domain.md §2: settlement accounting follows the invoice's offsets --------------------------------------

def test_example_2_1_the_discount_of_inv2_is_spread_over_every_offset_of_the_shared_voucher():
    # INV2 (200.00) shares voucher GNJL001 with INV1 and INV3: its distribution is every offset of the voucher
    inv2 = vendor_invoice("200.00", "2024-06-25", code="1.5D10",
                          distribution=[("606300-001-", 5000), ("606300-002-", 5000), ("606300-003-", 20000),
                                        ("606300-004-", 30000)])
    payment = vendor_payment("197.00", "2024-06-30")
    plan = settle(company(), payment, inv2)
    assert rows(plan) == [
        ("200110-001-", "vendor_balance", 300, 300, "Cash discount"),
        ("520200-001-", "vendor_cash_discount", -25, -25, "Cash discount"),
        ("520200-002-", "vendor_cash_discount", -25, -25, "Cash discount"),
        ("520200-003-", "vendor_cash_discount", -100, -100, "Cash discount"),
        ("520200-004-", "vendor_cash_discount", -150, -150, "Cash discount"),
    ]
    assert settled(plan) == {inv2.transaction_id: (-20000, -20000, -300), payment.transaction_id: (19700, 19700, 0)}
    assert plan.parts == [SettledPart(inv2.transaction_id, payment.transaction_id, -20000, -20000, -300, -300, 0, 0),
                          SettledPart(payment.transaction_id, inv2.transaction_id, 19700, 19700)]
    assert (plan.date, plan.voucher.date, plan.voucher.period_id, plan.voucher.series, plan.voucher.kind,
            plan.voucher.number, plan.voucher.description, plan.voucher.transactions, plan.voucher.taxes) == (
        D("2024-06-30"), D("2024-06-30"), 6, "SETTLEMENT", "settlement", None, "Settlement vendor 1001", [], [])


def test_example_2_2_a_separate_voucher_takes_the_discount_to_its_own_offset():
    inv2 = vendor_invoice("200.00", code="1.5D10", distribution=[("606300-003-", 20000)])
    plan = settle(company(), vendor_payment("197.00", "2024-06-30"), inv2)
    assert rows(plan) == [("200110-001-", "vendor_balance", 300, 300, "Cash discount"),
                          ("520200-003-", "vendor_cash_discount", -300, -300, "Cash discount")]


def test_example_2_3_the_realized_loss_of_a_euro_invoice_is_spread_over_every_offset():
    # EUR invoices at 1.14 on one voucher; INV2 (EUR 200.00 = USD 228.00) paid in full at 1.15 (USD 230.00)
    inv2 = vendor_invoice("200.00", "2024-01-10", currency="EUR", accounting="228.00",
                          distribution=[("606300-001-", 11400), ("606300-002-", 22800)])
    payment = vendor_payment("200.00", "2024-07-02", currency="EUR", accounting="230.00")
    plan = settle(company(), payment, inv2)
    assert rows(plan) == [
        ("200110-001-", "vendor_balance", 0, -200, "Exchange difference"),
        ("801300-001-", "exchange_rate_loss", 0, 67, "Realized exchange loss"),
        ("801300-002-", "exchange_rate_loss", 0, 133, "Realized exchange loss"),
    ]
    assert plan.parts[0] == SettledPart(inv2.transaction_id, payment.transaction_id, -20000, -22800, 0, 0, 200, 0)
    assert plan.parts[1] == SettledPart(payment.transaction_id, inv2.transaction_id, 20000, 23000)
    # Example 2.4: on its own voucher the whole loss goes to its own offset
    alone = replace(inv2, distribution=[("606300-002-", 22800)])
    assert rows(settle(company(), replace(payment), alone))[1:] == [
        ("801300-002-", "exchange_rate_loss", 0, 200, "Realized exchange loss")]


def test_a_realized_gain_when_the_payment_is_worth_less():
    inv = vendor_invoice("200.00", "2024-01-10", currency="EUR", accounting="230.00")
    plan = settle(company(), vendor_payment("200.00", "2024-01-12", currency="EUR", accounting="228.00"), inv)
    assert rows(plan) == [("200110-001-", "vendor_balance", 0, 200, "Exchange difference"),
                          ("801400-001-", "exchange_rate_gain", 0, -200, "Realized exchange gain")]


def test_ex_f1_the_unrealized_loss_is_reversed_and_the_realized_loss_booked_from_the_original():
    # FC 100.00: 12.00 on Jan 1, revalued to 12.50 on Jan 2 (unrealized loss 0.50), paid on Jan 3 at 13.00
    invoice = vendor_invoice("100.00", "2024-01-01", currency="FC", accounting="12.00", unrealized_minor=-50,
                             distribution=[("606300-001-", 1200)])
    payment = vendor_payment("100.00", "2024-01-03", currency="FC", accounting="13.00")
    plan = settle(company(), payment, invoice)
    assert rows(plan) == [
        ("200110-001-", "vendor_balance", 0, 50, "Reversal of unrealized exchange"),
        ("801500-001-", "unrealized_loss", 0, -50, "Reversal of unrealized exchange loss"),
        ("200110-001-", "vendor_balance", 0, -100, "Exchange difference"),
        ("801300-001-", "exchange_rate_loss", 0, 100, "Realized exchange loss"),
    ]
    assert plan.changes[invoice.transaction_id].unrealized_reversed_minor == -50
    assert plan.parts[0].unrealized_reversed_minor == -50
    assert plan.parts[0].exchange_difference_minor == 100
    assert plan.parts[1].unrealized_reversed_minor == 0


def test_a_part_payment_reverses_its_share_of_the_unrealized_amount_rounded_half_up():
    # a third of FC 100.00 settles a third of the unrealized -0.50: -0.1666... -> -0.17
    invoice = vendor_invoice("100.00", "2024-01-01", currency="FC", accounting="12.00", unrealized_minor=-50)
    payment = vendor_payment("33.33", "2024-01-03", currency="FC", accounting="4.33")
    plan = settle(company(), payment, invoice)
    assert plan.changes[invoice.transaction_id].unrealized_reversed_minor == -17
    assert settled(plan)[invoice.transaction_id] == (-3333, -400, 0)  # 12.00 x 33.33 / 100 = 3.9996 -> 4.00
    # a gain revalued before: the reversal debits the gain account
    gained = vendor_invoice("100.00", "2024-01-01", currency="FC", accounting="12.00", unrealized_minor=30)
    plan = settle(company(), vendor_payment("100.00", "2024-01-01", currency="FC", accounting="12.00"), gained)
    assert rows(plan) == [("200110-001-", "vendor_balance", 0, -30, "Reversal of unrealized exchange"),
                          ("801600-001-", "unrealized_gain", 0, 30, "Reversal of unrealized exchange gain")]


def test_a_settlement_that_moves_nothing_posts_no_voucher():
    invoice = vendor_invoice("100.00")
    plan = settle(company(), vendor_payment("40.00", "2024-06-26"), invoice)
    assert plan.voucher is None
    assert settled(plan)[invoice.transaction_id] == (-4000, -4000, 0)
    assert plan.date == D("2024-06-26")


# ---- B5.2 cash discounts at settlement ------------------------------------------------------------------------

def test_ex_s1_a_partial_payment_then_the_final_one_both_in_the_discount_period():
    c = company()
    invoice = vendor_invoice("1000.00", "2024-06-25", code="1D14")
    # Try A = 500.00: the discount to take is 5.05, settling 505.05
    tried = settle(c, vendor_payment("600.00", "2024-07-01"), Mark(invoice, amount_to_settle=M("500.00")))
    assert settled(tried)[invoice.transaction_id] == (-50505, -50505, -505)
    # Use A = 495.00: discount 5.00, the invoice keeps -500.00
    first = settle(c, vendor_payment("495.00", "2024-07-01"), invoice)
    assert settled(first)[invoice.transaction_id] == (-50000, -50000, -500)
    assert rows(first) == [("200110-001-", "vendor_balance", 500, 500, "Cash discount"),
                           ("520200-001-", "vendor_cash_discount", -500, -500, "Cash discount")]
    # Final on 7/8: 495.00 and the 5.00 left of the full discount (taken so far 5.00)
    rest = replace(invoice, open_minor=-50000, open_accounting_minor=-50000, cash_discount_taken_minor=-500,
                   discount_history=((D("2024-07-01"), 500),))
    final = settle(c, vendor_payment("495.00", "2024-07-08"), rest)
    assert settled(final)[invoice.transaction_id] == (-50000, -50000, -500)
    # past the discount date (7/9) the 495.00 earns nothing
    late = settle(c, vendor_payment("495.00", "2024-07-10"), rest)
    assert settled(late)[invoice.transaction_id] == (-49500, -49500, 0)


def test_partial_payments_earn_no_discount_with_the_parameter_off_unless_always():
    off = company(SettlementSettings(discount_partial_payments=False))
    invoice = vendor_invoice("1000.00", "2024-06-25", code="1D14")
    assert settled(settle(off, vendor_payment("495.00", "2024-07-01"), invoice))[invoice.transaction_id] == (
        -49500, -49500, 0)
    always = Mark(invoice, use_cash_discount="always")
    assert settled(settle(off, vendor_payment("495.00", "2024-08-30"), always))[invoice.transaction_id] == (
        -50000, -50000, -500)
    never = replace(invoice, use_cash_discount="never")
    assert settled(settle(company(), vendor_payment("990.00", "2024-07-01"), never))[invoice.transaction_id] == (
        -99000, -99000, 0)
    with pytest.raises(SettlementError) as refused:
        settle(company(), vendor_payment("990.00", "2024-07-01"), Mark(invoice, use_cash_discount="sometimes"))
    assert (refused.value.code, str(refused.value)) == ("bad_use_cash_discount",
                                                        "use cash discount is normal, always or never, not sometimes")


def test_a12_a_later_discount_period_is_not_reduced_by_an_earlier_ones_discount():
    # 2 % for 5 days, then 1 % for 14 (6/28: 2 % until 7/3, 1 % from 7/4 until 7/12)
    c = company()
    invoice = vendor_invoice("1000.00", "2024-06-28", code="2D5")
    first = settle(c, vendor_payment("490.00", "2024-07-01"), invoice)
    assert settled(first)[invoice.transaction_id] == (-50000, -50000, -1000)  # 490 x 2/98 = 10.00
    rest = replace(invoice, open_minor=-50000, open_accounting_minor=-50000, cash_discount_taken_minor=-1000,
                   discount_history=((D("2024-07-01"), 1000),))
    # in the 1 % period: D1 on what is open (1 % of 500.00 = 5.00), not 10.00 less the 10.00 taken
    second = settle(c, vendor_payment("495.00", "2024-07-10"), rest)
    assert settled(second)[invoice.transaction_id] == (-50000, -50000, -500)
    # without the history (not read) the full discount less what was taken leaves nothing
    unread = settle(c, vendor_payment("495.00", "2024-07-10"), replace(rest, discount_history=None))
    assert settled(unread)[invoice.transaction_id] == (-49500, -49500, 0)
    # within the same period as the earlier discount: the full discount less what was taken (API-CD1)
    same = replace(rest, discount_history=((D("2024-07-01"), 1000),))
    again = settle(c, vendor_payment("485.10", "2024-07-02"), same)
    assert settled(again)[invoice.transaction_id] == (-49500, -49500, -990)  # 485.10 x 2/98 = 9.90
    # the period's own discounts counted: 4.00 taken in the 1 % period leaves 1.00 of it (of min(5.00, 4 + 5))
    mixed = replace(rest, open_minor=-10000, open_accounting_minor=-10000, cash_discount_taken_minor=-1400,
                    discount_history=((D("2024-07-01"), 1000), (D("2024-07-05"), 400)))
    third = settle(c, vendor_payment("99.00", "2024-07-10"), mixed)
    assert settled(third)[invoice.transaction_id] == (-10000, -10000, -100)
    # after the last period nothing more
    past = settle(c, vendor_payment("100.00", "2024-07-13"), mixed)
    assert settled(past)[invoice.transaction_id] == (-10000, -10000, 0)


def test_ex_s4_a_credit_note_gives_up_its_discount_and_the_invoice_takes_the_matching_one():
    c = company()
    invoice = vendor_invoice("1000.00", "2024-06-29", code="1D14")
    credit = vendor_payment("200.00", "2024-07-02", invoice="CR-10070", voucher_number="CR-10070",
                            cash_discount_code="1D14", distribution=[("606300-001-", 20000)])
    plan = settle(c, None, invoice, credit)
    assert settled(plan) == {credit.transaction_id: (20000, 20000, 200), invoice.transaction_id: (-20000, -20000, -200)}
    assert rows(plan) == [
        ("200110-001-", "vendor_balance", 200, 200, "Cash discount"),
        ("520200-001-", "vendor_cash_discount", -200, -200, "Cash discount"),
        ("200110-001-", "vendor_balance", -200, -200, "Cash discount on credit note"),
        ("520200-001-", "vendor_cash_discount", 200, 200, "Cash discount on credit note"),
    ]
    assert plan.parts[-1] == SettledPart(credit.transaction_id, invoice.transaction_id, 200, 200, 200, 200)
    assert plan.date == D("2024-07-02")


def test_a_credit_note_without_a_discount_of_the_invoice_and_with_the_parameter_off():
    invoice = vendor_invoice("1000.00", "2024-07-01")
    credit = vendor_payment("100.00", "2024-07-02", invoice="CN-1", cash_discount_code="2D5")
    on = settle(company(), credit, invoice)  # AP-PART: 98.00 and the credit note's 2.00
    assert settled(on) == {credit.transaction_id: (10000, 10000, 200), invoice.transaction_id: (-9800, -9800, 0)}
    off = settle(company(SettlementSettings(discount_credit_notes=False)), credit, invoice)
    assert settled(off) == {credit.transaction_id: (10000, 10000, 0), invoice.transaction_id: (-10000, -10000, 0)}
    assert off.voucher is None
    # the credit note only partly used: its discount in proportion, 2.00 x 50.00 / 98.00 = 1.0204 -> 1.02
    small = vendor_invoice("50.00", "2024-07-01")
    part = settle(company(), credit, small)
    assert settled(part) == {credit.transaction_id: (5102, 5102, 102), small.transaction_id: (-5000, -5000, 0)}
    # a credit note with its discount already taken gives up only the rest; an invoice as primary gives up none
    taken = replace(credit, cash_discount_taken_minor=150)
    assert settled(settle(company(), taken, invoice))[taken.transaction_id] == (10000, 10000, 50)
    no_code = replace(credit, cash_discount_code=None)
    assert settled(settle(company(), no_code, invoice))[credit.transaction_id] == (10000, 10000, 0)
    # a credit note's discount is never more than it has open
    tiny = replace(credit, open_minor=100, open_accounting_minor=100)
    assert settle(company(), tiny, invoice).parts == []  # its 1.00 open all goes to the discount: nothing left


def test_ap_p6_a_discount_overwritten_to_60_settles_a_1000_invoice_with_940():
    invoice = vendor_invoice("1000.00", "2024-07-01", code="4D10")
    plan = settle(company(), vendor_payment("940.00", "2024-07-05"), Mark(invoice, cash_discount=M("60.00")))
    assert settled(plan)[invoice.transaction_id] == (-100000, -100000, -6000)
    # with an amount to settle: the smaller of it and the open amount less the discount
    part = settle(company(), vendor_payment("940.00", "2024-07-05"),
                  Mark(invoice, cash_discount=M("60.00"), amount_to_settle=M("500.00")))
    assert settled(part)[invoice.transaction_id] == (-56000, -56000, -6000)
    short = settle(company(), vendor_payment("900.00", "2024-07-05"), Mark(invoice, cash_discount=M("60.00")))
    assert settled(short)[invoice.transaction_id] == (-96000, -96000, -6000)
    whole = settle(company(), vendor_payment("1.00", "2024-07-05"), Mark(invoice, cash_discount=M("1000.00")))
    assert settled(whole)[invoice.transaction_id] == (-100000, -100000, -100000)
    with pytest.raises(SettlementError) as refused:
        settle(company(), vendor_payment("1.00", "2024-07-05"), Mark(invoice, cash_discount=M("-1000.01")))
    assert (refused.value.code, str(refused.value)) == (
        "discount_too_large", f"the cash discount 1000.01 is larger than the open amount 1000.00 of {invoice.invoice}")


def test_an_amount_to_settle_more_than_open_is_refused_naming_the_invoice_or_its_voucher():
    invoice = vendor_invoice("1000.00", "2024-07-01", invoice=None, voucher_number="GNJL7")
    with pytest.raises(SettlementError) as refused:
        settle(company(), vendor_payment("2000.00", "2024-07-05"), Mark(invoice, amount_to_settle=M("-1000.01")))
    assert (refused.value.code, str(refused.value)) == (
        "settle_more_than_open", "amount to settle 1000.01 is more than the open amount 1000.00 of GNJL7")
    exact = settle(company(), vendor_payment("2000.00", "2024-07-05"), Mark(invoice, amount_to_settle=M("1000.00")))
    assert settled(exact)[invoice.transaction_id] == (-100000, -100000, 0)


def test_full_settlement_takes_the_unpaid_rest_as_an_additional_discount():
    invoice = vendor_invoice("1000.00", "2024-07-01")
    plan = settle(company(), vendor_payment("990.00", "2024-07-05"), Mark(invoice, full_settlement=True))
    assert settled(plan)[invoice.transaction_id] == (-100000, -100000, -1000)
    assert rows(plan)[1] == ("520200-001-", "vendor_cash_discount", -1000, -1000, "Cash discount")
    paid = settle(company(), vendor_payment("1000.00", "2024-07-05"), Mark(invoice, full_settlement=True))
    assert settled(paid)[invoice.transaction_id] == (-100000, -100000, 0)


def test_unspecific_administration_shrinks_the_discount_by_the_overpayment():
    invoice = vendor_invoice("1000.00", "2024-07-01", code="1D14")
    unspecific = company(SettlementSettings(discount_unspecific=True))
    plan = settle(unspecific, vendor_payment("995.00", "2024-07-05"), invoice)
    assert settled(plan)[invoice.transaction_id] == (-100000, -100000, -500)
    # Specific: the full discount, the 5.00 overpaid stays open on the payment (no limit)
    payment = vendor_payment("995.00", "2024-07-05")
    specific = settle(company(), payment, invoice)
    assert settled(specific) == {invoice.transaction_id: (-100000, -100000, -1000), payment.transaction_id: (
        99000, 99000, 0)}
    # an amount to settle: no overpayment to take from the discount
    named = settle(unspecific, vendor_payment("995.00", "2024-07-05"), Mark(invoice, amount_to_settle=M("990.00")))
    assert settled(named)[invoice.transaction_id] == (-100000, -100000, -1000)
    # no overpayment, nothing changes
    exact = settle(unspecific, vendor_payment("990.00", "2024-07-05"), invoice)
    assert settled(exact)[invoice.transaction_id] == (-100000, -100000, -1000)


# ---- B5.3 small remainders ------------------------------------------------------------------------------------

def test_a_penny_difference_closes_the_invoice_to_the_penny_account_with_its_dimensions():
    c = company(SettlementSettings(max_penny_difference=M("0.01"), max_overpayment=M("0.50")))
    invoice = vendor_invoice("100.00", "2024-07-01")
    payment = vendor_payment("99.99", "2024-07-05")
    plan = settle(c, payment, invoice)
    assert rows(plan) == [("200110-001-", "vendor_balance", 1, 1, "penny difference"),
                          ("809000-001-", "penny_difference", -1, -1, "penny difference")]
    assert settled(plan)[invoice.transaction_id] == (-10000, -10000, 0)
    assert plan.parts[-1] == SettledPart(invoice.transaction_id, payment.transaction_id, -1, -1)


def test_an_underpayment_within_the_limit_and_one_beyond_it():
    c = company(SettlementSettings(max_penny_difference=M("0.01"), max_overpayment=M("0.50")))
    invoice = vendor_invoice("1000.00", "2024-07-01")
    plan = settle(c, vendor_payment("999.50", "2024-07-05"), invoice)  # 0.50: the limit itself
    assert rows(plan) == [("200110-001-", "vendor_balance", 50, 50, "over underpayment"),
                          ("809100-001-", "over_underpayment", -50, -50, "over underpayment")]
    beyond = settle(c, vendor_payment("999.49", "2024-07-05"), invoice)
    assert beyond.voucher is None and settled(beyond)[invoice.transaction_id] == (-99949, -99949, 0)
    # an overpayment within the limit closes the payment
    payment = vendor_payment("1000.02", "2024-07-05")
    over = settle(c, payment, invoice)
    assert rows(over) == [("200110-001-", "vendor_balance", -2, -2, "over underpayment"),
                          ("809100-001-", "over_underpayment", 2, 2, "over underpayment")]
    assert settled(over)[payment.transaction_id] == (100002, 100002, 0)
    # without an over/underpayment account it falls back to the penny account
    fallback = company(SettlementSettings(max_overpayment=M("0.50")),
                       system={k: v for k, v in SYSTEM.items() if k != "over_underpayment"})
    assert rows(settle(fallback, vendor_payment("999.90", "2024-07-05"), invoice))[1][:2] == (
        "809000-001-", "over_underpayment")


def test_an_overpayment_of_a_settlement_with_a_discount_is_a_cash_discount_difference():
    c = company(SettlementSettings(max_overpayment=M("5.00")))
    invoice = vendor_invoice("1000.00", "2024-07-01", code="1D14")
    payment = vendor_payment("995.00", "2024-07-05")
    plan = settle(c, payment, invoice)
    assert rows(plan)[-2:] == [
        ("200110-001-", "vendor_balance", -500, -500, "cash discount difference"),
        ("809200-001-", "vendor_cash_discount", 500, 500, "cash discount difference")]
    assert settled(plan)[payment.transaction_id] == (99500, 99500, 0)
    fallback = company(SettlementSettings(max_overpayment=M("5.00")),
                       system={k: v for k, v in SYSTEM.items() if k != "cash_discount_difference"})
    assert rows(settle(fallback, vendor_payment("995.00", "2024-07-05"), invoice))[-1][:2] == (
        "520200-001-", "vendor_cash_discount")
    # a foreign transaction: the accounting remainder is what is left of its accounting value
    eur = vendor_invoice("100.00", "2024-01-10", currency="EUR", accounting="114.00")
    near = company(SettlementSettings(max_penny_difference=M("0.01")))
    plan = settle(near, vendor_payment("99.99", "2024-01-10", currency="EUR", accounting="113.99"), eur)
    assert rows(plan)[-2:] == [("200110-001-", "vendor_balance", 1, 1, "penny difference"),
                               ("809000-001-", "penny_difference", -1, -1, "penny difference")]


# ---- the settlement date, options and refusals ---------------------------------------------------------------

def test_the_settlement_date_latest_today_or_selected():
    ts = [vendor_invoice("1.00", "2024-06-25"), vendor_invoice("1.00", "2024-07-02")]
    assert settlement_date(SettlementOptions(), ts, D("2024-07-01")) == D("2024-07-02")
    assert settlement_date(SettlementOptions(), ts, D("2024-07-03")) == D("2024-07-03")
    assert settlement_date(SettlementOptions(), ts, None) == D("2024-07-02")
    assert settlement_date(SettlementOptions("today", today=D("2024-07-02")), ts, None) == D("2024-07-02")
    assert settlement_date(SettlementOptions("selected", selected_date=D("2024-07-02")), ts, None) == D("2024-07-02")
    refusals = [
        (SettlementOptions("first"), "bad_settlement_date",
         "the settlement posting date is latest, today or selected, not 'first'"),
        (SettlementOptions("today"), "bad_settlement_date", "settlement date 'today' needs today's date"),
        (SettlementOptions("today", today=D("2024-07-01")), "selected_date_too_early",
         "today (2024-07-01) is earlier than the latest transaction of the settlement (2024-07-02); settle on a "
         "later date"),
        (SettlementOptions("selected"), "bad_settlement_date", "settlement date 'selected' needs selected_date"),
        (SettlementOptions("selected", selected_date=D("2024-07-01")), "selected_date_too_early",
         "the selected settlement date 2024-07-01 is earlier than the latest transaction (2024-07-02)"),
    ]
    for options, code, message in refusals:
        with pytest.raises(SettlementError) as refused:
            settlement_date(options, ts, None)
        assert (refused.value.code, str(refused.value)) == (code, message)


def test_the_date_follows_the_transactions_that_settle_not_a_mark_the_payment_did_not_reach():
    first, second, later = (vendor_invoice("60.00", "2024-06-20"), vendor_invoice("60.00", "2024-06-21"),
                            vendor_invoice("60.00", "2024-06-29"))
    payment = vendor_payment("100.00", "2024-06-22")
    plan = settle(company(), payment, first, second, later)
    assert settled(plan) == {payment.transaction_id: (10000, 10000, 0), first.transaction_id: (-6000, -6000, 0),
                             second.transaction_id: (-4000, -4000, 0)}
    assert plan.date == D("2024-06-22")
    # a mark that takes nothing moves no date: the latest of the settled ones
    plan = plan_checked(company(), vendor_payment("100.00", "2024-06-01"),
                        [Mark(vendor_invoice("100.00", "2024-06-10")), Mark(later)], SettlementOptions(), period)
    assert plan.date == D("2024-06-10")
    # nothing settled at all: the marked transactions decide
    held = replace(later, payment_release_date=None)
    nothing = plan_checked(company(), vendor_payment("100.00", "2024-06-01"), [Mark(held, amount_to_settle=M(0))],
                           SettlementOptions(), period)
    assert (nothing.parts, nothing.date, nothing.voucher) == ([], D("2024-06-29"), None)


def test_the_date_for_calculating_discounts_transaction_or_selected():
    invoice = vendor_invoice("1000.00", "2024-06-25", code="1D14")
    late = vendor_payment("990.00", "2024-07-20")
    chosen = settle(company(), late, invoice, discount_date="selected", selected_discount_date=D("2024-07-09"))
    assert settled(chosen)[invoice.transaction_id] == (-100000, -100000, -1000)
    assert settled(settle(company(), late, invoice))[invoice.transaction_id] == (-99000, -99000, 0)
    for options, message in [({"discount_date": "payment"},
                               "the date for calculating discounts is transaction or selected, not 'payment'"),
                              ({"discount_date": "selected"}, "discount date 'selected' needs selected_discount_date")]:
        with pytest.raises(SettlementError) as refused:
            settle(company(), late, invoice, **options)
        assert (refused.value.code, str(refused.value)) == ("bad_discount_date", message)


def test_what_cannot_be_settled_together():
    c = company(parties={(PartyType.vendor, "1001"): Party(PartyType.vendor, "1001")})
    invoice = vendor_invoice("100.00", "2024-06-25")
    payment = vendor_payment("100.00", "2024-06-26")
    other = replace(vendor_invoice("100.00"), party_type="customer", party_id="C-1")
    closed = replace(vendor_invoice("100.00", invoice="INV-9", voucher_number="V-9"), open_minor=0)
    closed_payment = replace(payment, open_minor=0, invoice=None)
    cases = [
        ((payment, []), "nothing_marked", "nothing is marked for settlement"),
        ((payment, [other]), "mixed_parties", "marked transactions belong to different accounts: customer C-1, "
                                              "vendor 1001"),
        ((payment, [invoice, invoice]), "marked_twice", "a transaction is marked twice"),
        ((payment, [invoice, replace(invoice)]), "marked_twice", "a transaction is marked twice"),
        ((payment, [closed]), "already_settled", "transaction V-9 (INV-9) is already settled"),
        ((closed_payment, [invoice]), "already_settled", "transaction APPAYM001 (no invoice) is already settled"),
        ((payment, [replace(payment, transaction_id=1, voucher_number="APPAYM002")]), "same_sign",
         "transaction APPAYM002 (no invoice) has the same sign as APPAYM001; they cannot settle each other"),
        ((None, [replace(invoice, transaction_id=2, posting_date=D("2024-06-30"), voucher_number="V-2"), invoice]), "same_sign",
         f"transaction {invoice.voucher_number} ({invoice.invoice}) has the same sign as V-2; "
         "they cannot settle each other"),
        ((None, [replace(payment, transaction_id=1, voucher_number="P-2", posting_date=D("2024-06-27")), invoice, payment]),
         "same_sign", "transaction APPAYM001 (no invoice) has the same sign as P-2; they cannot settle each other"),
    ]
    for (primary, marks), code, message in cases:
        with pytest.raises(SettlementError) as refused:
            settle(c, primary, *marks)
        assert (refused.value.code, str(refused.value)) == (code, message)


def test_without_a_payment_the_payment_or_credit_note_settles_the_invoices_even_when_they_are_later():
    older, newer = vendor_invoice("50.00", "2024-06-01"), vendor_invoice("50.00", "2024-06-05")
    payment = vendor_payment("60.00", "2024-06-03")
    plan = settle(company(), None, older, payment, newer)
    assert settled(plan) == {payment.transaction_id: (6000, 6000, 0), older.transaction_id: (-5000, -5000, 0),
                             newer.transaction_id: (-1000, -1000, 0)}
    assert plan.date == D("2024-06-05")
    # the marks keep their order: the newer invoice first when marked first
    plan = settle(company(), None, newer, payment, older)
    assert settled(plan)[newer.transaction_id] == (-5000, -5000, 0)


# ---- currencies, holds, the discount's account and its sales tax -----------------------------------------------

def test_a_discount_in_a_foreign_currency_is_valued_at_the_payments_rate():
    # EUR 100.00 booked at 1.14 (USD 114.00), paid on 7/2 with EUR 99.00 at 1.15 (USD 113.85) and 1.00 discount
    invoice = vendor_invoice("100.00", "2024-06-25", code="1D14", currency="EUR", accounting="114.00")
    plan = settle(company(), vendor_payment("99.00", "2024-07-02", currency="EUR", accounting="113.85"), invoice)
    assert rows(plan) == [
        ("200110-001-", "vendor_balance", 100, 115, "Cash discount"),
        ("520200-001-", "vendor_cash_discount", -100, -115, "Cash discount"),
        ("200110-001-", "vendor_balance", 0, -100, "Exchange difference"),
        ("801300-001-", "exchange_rate_loss", 0, 100, "Realized exchange loss"),
    ]
    assert plan.parts[0].cash_discount_accounting_minor == -115


def test_a_cross_rate_and_the_two_rates_of_payment_and_invoice_in_two_foreign_currencies():
    # XRATE: invoice CAD 150.00 (USD 112.50 at 0.75), payment EUR 100.00 on 7/1 (USD 115.00 at 1.15)
    invoice = vendor_invoice("150.00", "2024-06-25", currency="CAD", accounting="112.50")
    payment = vendor_payment("100.00", "2024-07-01", currency="EUR", accounting="115.00")
    crossed = settle(company(), payment, Mark(invoice, cross_rate=M("1.5")))
    assert settled(crossed) == {payment.transaction_id: (10000, 11500, 0), invoice.transaction_id: (-15000, -11250, 0)}
    assert rows(crossed) == [("200110-001-", "vendor_balance", 0, -250, "Exchange difference"),
                             ("801300-001-", "exchange_rate_loss", 0, 250, "Realized exchange loss")]
    # without a cross rate: 1.15 / 0.75 CAD per EUR; CAD 150.00 takes EUR 97.83 (97.826...)
    plan = settle(company(), payment, invoice)
    assert settled(plan) == {payment.transaction_id: (9783, 11250, 0), invoice.transaction_id: (-15000, -11250, 0)}
    # the payment only reaches part of a larger invoice: EUR 100.00 is CAD 153.33
    big = vendor_invoice("200.00", "2024-06-25", currency="CAD", accounting="150.00")
    part = settle(company(), payment, big)
    assert settled(part)[big.transaction_id] == (-15333, -11500, 0)
    assert settled(part)[payment.transaction_id] == (10000, 11500, 0)
    # a yen invoice has no decimals: EUR 1.00 at 1.15 is JPY 164 at 0.70 per 100 (164.28...)
    yen = vendor_invoice("100000", "2024-06-25", currency="JPY", accounting="700.00")
    yen = replace(yen, amount_minor=-100000, open_minor=-100000)
    jc = company()
    jc = replace(jc, rates=RateTable("USD", [ExchangeRate("EUR", D("2024-01-01"), M("1.15")),
                                             ExchangeRate("JPY", D("2024-01-01"), M("0.70"), per=100)]))
    one = settle(jc, vendor_payment("1.00", "2024-07-01", currency="EUR", accounting="1.15"), yen)
    assert settled(one)[yen.transaction_id][0] == -164
    for rate in (M(0), M(-1)):
        with pytest.raises(SettlementError) as refused:
            settle(company(), payment, Mark(invoice, cross_rate=rate))
        assert (refused.value.code, str(refused.value)) == ("bad_cross_rate", "the cross rate must be positive")


def test_an_invoice_on_payment_hold_until_after_the_payment_is_refused():
    invoice = vendor_invoice("100.00", "2024-06-25", payment_release_date=D("2024-07-10"))
    with pytest.raises(SettlementError) as refused:
        settle(company(), vendor_payment("100.00", "2024-07-09"), invoice)
    assert (refused.value.code, str(refused.value)) == (
        "hold_forbids", f"invoice {invoice.invoice} is on payment hold until 2024-07-10")
    unnamed = replace(invoice, invoice=None)
    with pytest.raises(SettlementError) as refused:
        settle(company(), vendor_payment("100.00", "2024-07-09"), unnamed)
    assert str(refused.value) == f"invoice {invoice.voucher_number} is on payment hold until 2024-07-10"
    on_the_day = settle(company(), vendor_payment("100.00", "2024-07-10"), invoice)
    assert settled(on_the_day)[invoice.transaction_id] == (-10000, -10000, 0)
    # a credit note with a release date is no invoice: it settles
    credit = vendor_payment("100.00", "2024-06-01", invoice="CN", payment_release_date=D("2024-07-10"))
    plan = settle(company(), credit, vendor_invoice("100.00", "2024-06-02"))
    assert settled(plan)[credit.transaction_id] == (10000, 10000, 0)


def test_the_cash_discount_account_alternative_then_tax_code_then_discount_code_then_automatic():
    taxes = {"VAT": TaxCode("VAT", M(25), "222000", vendor_cash_discount_account="520300"),
             "EXEMPT": TaxCode("EXEMPT", M(0), "222000", customer_cash_discount_account="520300")}
    c = company(tax_codes=taxes)
    invoice = vendor_invoice("100.00", "2024-06-25", code="OWN", tax_code="VAT")
    payment = vendor_payment("99.00", "2024-06-26")

    def account(mark):
        return rows(settle(c, payment, mark))[1][0]
    assert account(Mark(invoice, alternative_discount_account="809200")) == "809200-001-"
    assert account(Mark(invoice)) == "520300-001-"
    assert account(Mark(replace(invoice, tax_code="EXEMPT"))) == "520900-001-"
    assert account(Mark(replace(invoice, tax_code="UNKNOWN"))) == "520900-001-"
    assert account(Mark(replace(invoice, tax_code=None))) == "520900-001-"
    plain = replace(invoice, tax_code=None, cash_discount_code="1D14")
    assert account(Mark(plain)) == "520200-001-"
    # the discount offset accounts parameter: the invoice's own account instead of its lines
    by_main = company(SettlementSettings(discount_by_invoice_lines=False))
    assert rows(settle(by_main, payment, replace(plain, distribution=[("606300-002-", 1)])))[1][0] == "520200-001-"
    assert rows(settle(company(), payment, replace(plain, distribution=[("606300-002-", 1)])))[1][0] == "520200-002-"
    with pytest.raises(Exception) as missing:
        settle(company(system={}), payment, plain)
    assert str(missing.value) == "no account for vendor cash discount (system_accounts.vendor_cash_discount)"


def _taxed(amount="125.00", tax=2500, base=10000, **changes):
    return vendor_invoice(amount, "2024-06-25", code="1D14", taxes=(("VAT", "222000-001-", "input", base, tax),),
                          **changes)


def test_cash_discount_on_sales_tax_gives_the_tax_share_back_to_the_tax_account():
    c = company(parameters={"cash_discount_on_sales_tax": True})
    invoice = _taxed()
    plan = settle(c, vendor_payment("123.75", "2024-06-26"), invoice)
    assert rows(plan) == [
        ("200110-001-", "vendor_balance", 125, 125, "Cash discount"),
        ("222000-001-", "sales_tax", -25, -25, "Cash discount on sales tax"),
        ("520200-001-", "vendor_cash_discount", -100, -100, "Cash discount"),
    ]
    assert plan.voucher.taxes == [TaxDraft("VAT", "input", 1, 1, transaction_id=invoice.transaction_id,
                                           base_minor=-100, base_accounting_minor=-100)]
    # off (the default): the whole discount to the discount account
    assert rows(settle(company(), vendor_payment("123.75", "2024-06-26"), invoice))[1] == (
        "520200-001-", "vendor_cash_discount", -125, -125, "Cash discount")
    # no tax, or more tax than the amount: nothing to give back
    for odd in (_taxed(tax=0), _taxed(tax=20000)):
        assert rows(settle(c, vendor_payment("123.75", "2024-06-26"), odd))[1][0] == "520200-001-"
    # a discount too small to have a tax share: no tax line, all to the discount account
    cent = settle(c, vendor_payment("1.00", "2024-06-26"), Mark(invoice, cash_discount=M("0.01"),
                                                                  amount_to_settle=M("1.00")))
    assert rows(cent)[1:] == [("520200-001-", "vendor_cash_discount", -1, -1, "Cash discount")]
    assert cent.voucher.taxes == []


def test_cash_discount_on_sales_tax_of_a_foreign_invoice():
    # EUR 125.00 (USD 142.50 at 1.14), tax 25.00; paid on 7/2 at 1.15: the discount EUR 1.25 is USD 1.44
    c = company(parameters={"cash_discount_on_sales_tax": True})
    invoice = _taxed(currency="EUR", accounting="142.50")
    plan = settle(c, vendor_payment("123.75", "2024-07-02", currency="EUR", accounting="142.31"), invoice)
    assert rows(plan)[:3] == [
        ("200110-001-", "vendor_balance", 125, 144, "Cash discount"),
        ("222000-001-", "sales_tax", -25, -29, "Cash discount on sales tax"),
        ("520200-001-", "vendor_cash_discount", -100, -115, "Cash discount"),
    ]
    assert plan.voucher.taxes[0].base_minor == -100
    assert plan.voucher.taxes[0].base_accounting_minor == -115  # 100 x 144 / 125 = 115.2


# ---- automatic settlement (AR-AUTO, SETO; EX-S6) ------------------------------------------------------------

def customer(amount: str, day: str, *, invoice: str | None = None, due: str | None = None, code=None,
             party: str = "4032", **changes) -> OpenTransaction:
    """A customer transaction: an invoice is a debit (positive), a payment a credit (negative)."""
    minor = int(M(amount) * 100)
    base = OpenTransaction(
        transaction_id=next(_ids), party_type="customer", party_id=party, voucher_id=3,
        voucher_number=invoice or f"ARPAYM{next(_ids)}", posting_date=D(day), document_date=D(day),
        due_date=D(due or day), invoice=invoice, currency="USD", amount_minor=minor, accounting_minor=minor,
        open_minor=minor, open_accounting_minor=minor, ledger_account="130100-002-", cash_discount_code=code,
        cash_discount_date=None, cash_discount_taken_minor=0, use_cash_discount="normal", version=1,
        distribution=[("401100-002-", abs(minor))])
    return replace(base, **changes)


def automatic(c, transactions, priority=None) -> AutomaticPlan:
    return plan_automatic(c, transactions, period, priority)


def opens(transactions) -> dict[str, int]:
    return {t.invoice or t.voucher_number: t.open_minor for t in transactions}


def test_ex_s6_an_unallocated_payment_settles_the_oldest_invoice_then_the_better_discount_of_the_same_date():
    c = company(parties={(PartyType.customer, "4032"): Party(PartyType.customer, "4032")})
    ts = [customer("1000.00", "2024-05-15", invoice="FTI-10040", due="2024-06-14", code="1D14"),
          customer("1000.00", "2024-06-25", invoice="FTI-10041", due="2024-07-25", code="1D14"),
          customer("1000.00", "2024-06-25", invoice="FTI-10042", due="2024-07-25", code="2D5"),
          customer("-1485.00", "2024-06-29")]
    result = automatic(c, ts)
    assert opens(ts)["FTI-10040"] == 0
    assert opens(ts)["FTI-10042"] == 50510  # 485.00 / 0.98 x 0.02 = 9.90 discount, 494.90 settled
    assert opens(ts)["FTI-10041"] == 100000
    assert opens(ts)[ts[3].voucher_number] == 0
    [plan] = result.plans
    assert plan.date == D("2024-06-29")
    assert [(p.transaction_id, p.settled_minor, p.cash_discount_minor) for p in plan.parts] == [
        (ts[0].transaction_id, 100000, 0), (ts[3].transaction_id, -100000, 0),
        (ts[2].transaction_id, 49490, 990), (ts[3].transaction_id, -48500, 0)]
    # the rows that write the new open amounts: (open, open accounting, discount, unrealized reversed,
    # closed on, id, version read)
    assert sorted(result.update_rows, key=lambda r: r[5]) == [
        (0, 0, 0, 0, D("2024-06-29"), ts[0].transaction_id, 1),
        (50510, 50510, 990, 0, None, ts[2].transaction_id, 1),
        (0, 0, 0, 0, D("2024-06-29"), ts[3].transaction_id, 1)]
    assert (ts[0].version, ts[1].version, ts[2].cash_discount_taken_minor) == (2, 1, 990)
    # the in-memory transactions follow: a second run finds nothing more to settle
    assert automatic(c, ts).plans == []


def test_automatic_settlement_priorities():
    def run(priority, *ts):
        automatic(company(parties={}), list(ts), priority)
        return opens(ts)
    a = customer("100.00", "2024-06-01", invoice="A", due="2024-06-30", code="2D5")
    b = customer("100.00", "2024-06-02", invoice="B", due="2024-06-20", code="1D14")
    pay = customer("-100.00", "2024-06-03")
    # due date first: B (99.00 and its 1 % discount), then A takes the 1.00 left and its 2 % share (0.02)
    assert run(None, replace(a), replace(b), pay) == {"A": 9898, "B": 0, pay.voucher_number: 0}
    for priority, settled_first in [(["invoice_date"], "A"), (["posting_date"], "A"), (["due_date"], "B"),
                                    (["cash_discount"], "A"), (["cash_discount_date"], "A")]:
        ts = [replace(a), replace(b), customer("-100.00", "2024-06-03")]
        result = run(priority, *ts)
        assert result[settled_first] == 0, priority
    big = customer("300.00", "2024-06-05", invoice="BIG", due="2024-07-30")
    small = customer("50.00", "2024-06-01", invoice="SMALL")
    pay = customer("-300.00", "2024-06-06")
    assert run(["amount"], small, big, pay) == {"SMALL": 5000, "BIG": 0, pay.voucher_number: 0}
    # no cash discount date sorts last
    dated = customer("100.00", "2024-06-02", invoice="DATED", cash_discount_date=D("2024-06-20"))
    undated = customer("100.00", "2024-06-01", invoice="UNDATED")
    pay = customer("-100.00", "2024-06-06")
    assert run(["cash_discount_date"], undated, dated, pay)["DATED"] == 0
    # transaction types in the settlement_type_priority order: a fee before the invoice
    fee = customer("100.00", "2024-06-10", invoice="FEE", transaction_type="fee")
    inv = customer("100.00", "2024-06-01", invoice="INV")
    pay = customer("-100.00", "2024-06-11")
    assert run(["transaction_type", "due_date"], inv, fee, pay) == {"INV": 10000, "FEE": 0, pay.voucher_number: 0}
    with pytest.raises(SettlementError) as refused:
        run(["due_date", "colour", "size"], inv, pay)
    assert (refused.value.code, str(refused.value)) == (
        "bad_priority", "unknown settlement priority colour, size (known: due_date, invoice_date, posting_date, "
        "cash_discount_date, amount, cash_discount, transaction_type)")


def test_the_rank_of_a_transaction_type():
    c = company()
    assert [type_rank(c, t) for t in ("fee", "collection_letter", "interest_note", "invoice", "other")] == [
        0, 1, 2, 3, 4]
    ranked = company(SettlementSettings(type_rank={"invoice": 0, "fee": 1}))
    assert [type_rank(ranked, t) for t in ("invoice", "fee", "interest_note")] == [0, 1, 2]
    by_parameter = company(parameters={"settlement_type_priority": ["interest_note", "invoice"]})
    assert [type_rank(by_parameter, t) for t in ("interest_note", "invoice", "fee")] == [0, 1, 2]


def test_ties_of_the_static_keys_are_ordered_by_the_discount_on_each_payments_date():
    # same due date; on 6/27 B's 2 % (until 6/30) beats A's 1 %; on 7/5 only A's 14 days are left
    a = customer("100.00", "2024-06-25", invoice="A", due="2024-07-25", code="1D14")
    b = customer("100.00", "2024-06-25", invoice="B", due="2024-07-25", code="2D5")
    c = company(parties={})
    early = [replace(a), replace(b), customer("-98.00", "2024-06-27")]
    automatic(c, early)
    assert opens(early)["B"] == 0 and opens(early)["A"] == 10000
    late = [replace(a), replace(b), customer("-99.00", "2024-07-05")]
    automatic(c, late)
    assert opens(late)["A"] == 0 and opens(late)["B"] == 10000
    # equal on every key: the older transaction first
    x = customer("100.00", "2024-06-25", invoice="X", due="2024-07-25")
    y = customer("100.00", "2024-06-25", invoice="Y", due="2024-07-25")
    ts = [y, x, customer("-100.00", "2024-06-27")]
    automatic(c, ts)
    assert (opens(ts)["X"], opens(ts)["Y"]) == (0, 10000)  # X was entered first, though listed second
    # a second payment continues where the first stopped, passing over a settled invoice
    p1, p2 = customer("-100.00", "2024-06-27"), customer("-50.00", "2024-06-28")
    z = customer("100.00", "2024-06-25", invoice="Z", due="2024-07-26")
    ts = [replace(a), replace(b), z, p1, p2]
    automatic(c, ts)
    # 6/27: B closes with 98.00 and 2.00 discount; A takes 2.00 and 0.02; 6/28: A takes 50.00 and 0.51 (0.505)
    assert opens(ts) == {"A": 4747, "B": 0, "Z": 10000, p1.voucher_number: 0, p2.voucher_number: 0}


def test_what_automatic_settlement_groups_passes_over_and_reaches():
    c = company(parties={(PartyType.customer, "HELD"): Party(PartyType.customer, "HELD", hold=Hold.all),
                         (PartyType.customer, "FREED"): Party(PartyType.customer, "FREED", hold=Hold.all,
                                                              hold_release_date=D("2024-06-10"))})
    # another currency, another account, another customer: no settlement across them
    inv = customer("100.00", "2024-06-01", invoice="I1")
    other_currency = customer("-100.00", "2024-06-02", currency="EUR")
    other_account = customer("-100.00", "2024-06-02", ledger_account="130100-003-")
    other_party = customer("-100.00", "2024-06-02", party="4033")
    ts = [inv, other_currency, other_account, other_party]
    assert automatic(c, ts).plans == [] and inv.open_minor == 10000
    # a held account settles nothing, until its release date
    held = [customer("100.00", "2024-06-01", invoice="H", party="HELD"),
            customer("-100.00", "2024-06-02", party="HELD")]
    assert automatic(c, held).plans == []
    freed = [customer("100.00", "2024-06-01", invoice="F", party="FREED"),
             customer("-100.00", "2024-06-09", party="FREED"), customer("-50.00", "2024-06-10", party="FREED")]
    automatic(c, freed)
    assert opens(freed)["F"] == 5000
    # an invoice on payment hold until after the payment is passed over; the next one settles
    hold = customer("100.00", "2024-06-01", invoice="HOLD", payment_release_date=D("2024-06-05"))
    free = customer("100.00", "2024-06-02", invoice="FREE")
    pay = customer("-100.00", "2024-06-03")
    ts = [hold, free, pay]
    automatic(c, ts)
    assert opens(ts) == {"HOLD": 10000, "FREE": 0, pay.voucher_number: 0}
    hold2 = customer("100.00", "2024-06-01", invoice="HOLD2", payment_release_date=D("2024-06-03"))
    ts = [hold2, customer("-100.00", "2024-06-03")]
    automatic(c, ts)
    assert opens(ts)["HOLD2"] == 0
    # a payment without invoices, a closed payment and an invoice of the payment's sign: nothing
    lonely = [customer("-100.00", "2024-06-03"), replace(customer("-100.00", "2024-06-03"), open_minor=0)]
    assert automatic(c, lonely).plans == []
    # the reach: the invoices whose open amounts first pass the payment's, and one more for its discount
    many = [customer("40.00", f"2024-06-0{d}", invoice=f"R{d}") for d in range(1, 6)]
    pay = customer("-100.00", "2024-06-09")
    automatic(c, many + [pay])
    assert [t.open_minor for t in many] == [0, 0, 2000, 4000, 4000]


def test_a_payment_that_names_its_invoice_settles_it_first():
    c = company(parties={})
    older = customer("100.00", "2024-06-01", invoice="FTI-1")
    named = customer("100.00", "2024-06-02", invoice="FTI-2")
    pay = customer("-100.00", "2024-06-03", invoice="FTI-2")
    ts = [older, named, pay]
    automatic(c, ts)
    assert opens(ts)["FTI-1"] == 10000 and opens(ts)["FTI-2"] == 0
    # a payment reference (document number) names it too; the rest follows the priority order
    pay = customer("-150.00", "2024-06-03", document_number="FTI-2")
    ts = [customer("100.00", "2024-06-01", invoice="FTI-1"), customer("100.00", "2024-06-02", invoice="FTI-2"), pay]
    automatic(c, ts)
    assert opens(ts) == {"FTI-1": 5000, "FTI-2": 0, pay.voucher_number: 0}
    # a name that fits no open invoice, or two, names none: the priority order decides
    twice = [customer("100.00", "2024-06-01", invoice="DUP"), customer("100.00", "2024-06-02", invoice="DUP"),
             customer("100.00", "2024-06-02", invoice="LAST", due="2024-05-31"),
             customer("-100.00", "2024-06-03", invoice="DUP")]
    automatic(c, twice)
    assert [t.open_minor for t in twice[:3]] == [10000, 10000, 0]
    nothing = [customer("100.00", "2024-06-02", invoice="X", due="2024-06-01"),
               customer("100.00", "2024-06-01", invoice="Y", due="2024-06-05"),
               customer("-100.00", "2024-06-03", invoice="NONE")]
    automatic(c, nothing)
    assert opens(nothing)["X"] == 0
    # a held invoice or a held account names none
    held = [customer("100.00", "2024-06-01", invoice="H1", payment_release_date=D("2024-06-09")),
            customer("-100.00", "2024-06-03", invoice="H1")]
    assert automatic(c, held).plans == []
    c_held = company(parties={(PartyType.customer, "4032"): Party(PartyType.customer, "4032", hold=Hold.all)})
    named_held = [customer("100.00", "2024-06-01", invoice="N1"), customer("-100.00", "2024-06-03", invoice="N1")]
    assert automatic(c_held, named_held).plans == []
    assert named_invoice(customer("-1.00", "2024-06-01", invoice="", document_number="")) is None
    assert named_invoice(customer("-1.00", "2024-06-01", invoice="A", document_number="B")) == "A"


def test_open_transaction_and_change_properties():
    invoice = vendor_invoice("100.00")
    assert (invoice.is_debit, invoice.is_invoice()) == (False, True)
    payment = vendor_payment("100.00", "2024-06-01")
    assert (payment.is_debit, payment.is_invoice()) == (True, False)
    change = TransactionChange(invoice, settled_minor=-4000, settled_accounting_minor=-4100)
    assert (change.new_open_minor, change.new_open_accounting_minor) == (-6000, -5900)
    assert discount_percent(company(), vendor_invoice("1.00", "2024-06-25", code="2D5"), D("2024-07-01")) == M(1)
    assert discount_percent(company(), vendor_invoice("1.00", "2024-06-25", code="2D5"), D("2024-07-01"),
                            "always") == M(1)
    assert discount_percent(company(), vendor_invoice("1.00", "2024-06-25", code="2D5"), D("2024-07-30"),
                            "always") == M(2)


# ---- edges found by mutation testing (each a rule at its boundary) ----------------------------------------------

def test_a_transaction_of_one_cent_settles_like_any_other():
    invoice = vendor_invoice("1.00", "2024-06-25")
    cent = vendor_payment("0.01", "2024-06-26")
    assert settled(settle(company(), cent, invoice))[invoice.transaction_id] == (-1, -1, 0)
    c = company(parties={})
    small = customer("0.01", "2024-06-25", invoice="C1")
    pay = customer("-1.00", "2024-06-26")
    assert settled(settle(c, pay, small))[small.transaction_id] == (1, 1, 0)
    # three invoices marked without a payment: the latest is named as the one the others cannot settle with
    a, b, late = (vendor_invoice("1.00", "2024-06-01"), vendor_invoice("1.00", "2024-06-02"),
                  vendor_invoice("1.00", "2024-06-03", voucher_number="LATE"))
    with pytest.raises(SettlementError) as refused:
        settle(company(), None, late, a, b)
    assert str(refused.value).endswith("has the same sign as LATE; they cannot settle each other")


def test_a_customer_credit_note_gives_up_its_discount_in_proportion_to_what_it_settles():
    c = company(parties={})
    credit = customer("-100.00", "2024-06-25", invoice="CN-1", code="2D5")  # 2.00 discount, 98.00 to settle
    invoice = customer("70.00", "2024-06-20", invoice="FTI-1")
    plan = settle(c, credit, invoice)
    # 2.00 x 70.00 / 98.00 = 1.4286 -> 1.43 (half up at the cent)
    assert settled(plan)[credit.transaction_id] == (-7143, -7143, -143)
    assert rows(plan)[-2:] == [("130100-002-", "customer_balance", 143, 143, "Cash discount on credit note"),
                               ("403300-002-", "customer_cash_discount", -143, -143, "Cash discount on credit note")]
    # by the main account: the credit note's own account's dimensions, not its lines'
    by_main = company(SettlementSettings(discount_by_invoice_lines=False), parties={})
    other_lines = replace(credit, distribution=[("401100-007-", 1)])
    assert rows(settle(by_main, other_lines, invoice))[-1][0] == "403300-002-"
    assert rows(settle(c, replace(other_lines), invoice))[-1][0] == "403300-007-"
    # a large discount: 40 % of 1.00 (0.40); 0.59 of the 0.60 used gives up 0.40 x 59 / 60 = 0.3933 -> 0.39
    big = customer("-1.00", "2024-06-25", invoice="CN-2", code="40D10")
    plan = settle(c, big, customer("0.59", "2024-06-20", invoice="FTI-2"))
    assert settled(plan)[big.transaction_id] == (-98, -98, -39)
    # one cent used of 98.00: its share of the discount rounds to nothing and nothing is posted
    plan = settle(c, customer("-100.00", "2024-06-25", invoice="CN-3", code="2D5"),
                  customer("0.01", "2024-06-20", invoice="FTI-3"))
    assert plan.voucher is None


def test_a_credit_note_that_only_takes_a_manual_discount_gives_up_none_of_its_own():
    c = company(parties={})
    credit = customer("-100.00", "2024-06-25", invoice="CN-1", code="2D5")
    invoice = customer("50.00", "2024-06-20", invoice="FTI-1")
    plan = settle(c, credit, Mark(invoice, cash_discount=M("50.00")))  # the invoice closed by its discount alone
    assert settled(plan)[credit.transaction_id] == (0, 0, 0)
    assert len(plan.parts) == 2


def test_a_marked_credit_note_takes_its_discount_when_credit_notes_earn_one():
    invoice = vendor_invoice("1000.00", "2024-06-25")
    credit = vendor_payment("100.00", "2024-06-28", invoice="CN-1", cash_discount_code="2D5")
    plan = settle(company(), invoice, credit)  # the invoice as the primary, the credit note marked
    assert settled(plan)[credit.transaction_id] == (10000, 10000, 200)
    off = settle(company(SettlementSettings(discount_credit_notes=False)), invoice, credit)
    assert settled(off)[credit.transaction_id] == (10000, 10000, 0)


def test_a12_within_one_period_the_discount_is_its_full_discount_less_what_was_taken_in_it():
    # 10,000.00 on 6/28 with 2D5: 2 % until 7/3, 1 % from 7/4 until 7/12. A manual 5.00 discount (AP-P6) was
    # taken with 995.00 on 7/1: 9,000.00 is open. Paying the rest in the same period takes the 195.00 left.
    c = company()
    invoice = vendor_invoice("10000.00", "2024-06-28", code="2D5")
    after = replace(invoice, open_minor=-900000, open_accounting_minor=-900000, cash_discount_taken_minor=-500,
                    discount_history=((D("2024-07-01"), 500),))
    plan = settle(c, vendor_payment("8805.00", "2024-07-02"), after)
    assert settled(plan)[invoice.transaction_id] == (-900000, -900000, -19500)
    # the same in the 1 % period, the earlier discount on its first day or on its last: 100.00 less 5.00
    for taken_on, paid_on in (("2024-07-04", "2024-07-10"), ("2024-07-12", "2024-07-12")):
        later = replace(after, discount_history=((D(taken_on), 500),))
        plan = settle(c, vendor_payment("8905.00", paid_on), later)
        assert settled(plan)[invoice.transaction_id] == (-900000, -900000, -9500), taken_on


def test_unspecific_administration_at_its_edges():
    unspecific = company(SettlementSettings(discount_unspecific=True))
    # no discount: an overpayment stays on the payment
    invoice = vendor_invoice("1000.00", "2024-07-01")
    payment = vendor_payment("1005.00", "2024-07-05")
    assert settled(settle(unspecific, payment, invoice)) == {invoice.transaction_id: (-100000, -100000, 0),
                                                             payment.transaction_id: (100000, 100000, 0)}
    # a discount of one cent, overpaid by one cent: the discount shrinks to nothing, the payment settles in full
    cent = vendor_invoice("1.00", "2024-07-01", code="1D14")
    payment = vendor_payment("1.00", "2024-07-05")
    assert settled(settle(unspecific, payment, cent)) == {cent.transaction_id: (-100, -100, 0),
                                                          payment.transaction_id: (100, 100, 0)}
    # overpaid by one cent: 9.99 discount
    invoice = vendor_invoice("1000.00", "2024-07-01", code="1D14")
    payment = vendor_payment("990.01", "2024-07-05")
    assert settled(settle(unspecific, payment, invoice)) == {invoice.transaction_id: (-100000, -100000, -999),
                                                             payment.transaction_id: (99001, 99001, 0)}


def test_amounts_in_a_currency_without_decimals():
    c = company()
    yen = replace(vendor_invoice("1", "2024-06-25", currency="JPY", accounting="70.00"), amount_minor=-10000,
                  open_minor=-10000)
    payment = vendor_payment("70.00", "2024-06-26", currency="JPY", accounting="70.00", amount_minor=10000,
                             open_minor=10000)
    c = replace(c, rates=RateTable("USD", [ExchangeRate("JPY", D("2024-01-01"), M("0.70"), per=100),
                                           ExchangeRate("EUR", D("2024-01-01"), M("1.15"))]))
    part = settle(c, payment, Mark(yen, amount_to_settle=M("4000")))
    assert settled(part)[yen.transaction_id] == (-4000, -2800, 0)
    manual = settle(c, payment, Mark(yen, cash_discount=M("100"), amount_to_settle=M("5000")))
    assert settled(manual)[yen.transaction_id] == (-5100, -3570, -100)
    with pytest.raises(SettlementError) as refused:
        settle(c, payment, Mark(yen, amount_to_settle=M("10001")))
    assert str(refused.value) == f"amount to settle 10001 is more than the open amount 10000 of {yen.invoice}"
    with pytest.raises(SettlementError) as refused:
        settle(c, payment, Mark(yen, cash_discount=M("10001")))
    assert str(refused.value) == f"the cash discount 10001 is larger than the open amount 10000 of {yen.invoice}"
    # a yen payment of an invoice in euros: JPY 1,000 (USD 7.00) is EUR 6.09 (7.00 / 1.15 = 6.087)
    eur = vendor_invoice("10.00", "2024-06-25", currency="EUR", accounting="11.50")
    jpy = replace(vendor_payment("1", "2024-06-26", currency="JPY", accounting="7.00"), amount_minor=1000,
                  open_minor=1000)
    plan = settle(c, jpy, eur)
    assert settled(plan) == {jpy.transaction_id: (1000, 700, 0), eur.transaction_id: (-609, -700, 0)}
    # the euros back to yen: EUR 10.00 would take JPY 1,643 (1,642.86)
    rich = replace(jpy, amount_minor=5000, open_minor=5000, accounting_minor=3500, open_accounting_minor=3500)
    plan = settle(c, rich, eur)
    assert settled(plan)[rich.transaction_id] == (1643, 1150, 0)
    # a cross rate below one is a rate like any other
    cad = vendor_invoice("75.00", "2024-06-25", currency="CAD", accounting="56.25")
    euros = vendor_payment("100.00", "2024-07-01", currency="EUR", accounting="115.00")
    crossed = settle(company(), euros, Mark(cad, cross_rate=M("0.75")))
    assert settled(crossed)[euros.transaction_id] == (10000, 11500, 0)


def test_the_discount_account_of_a_customer_invoice_with_a_tax_code():
    taxes = {"VAT": TaxCode("VAT", M(25), "222000", customer_cash_discount_account="403300",
                            vendor_cash_discount_account="520300")}
    c = company(parties={}, tax_codes=taxes, system={**SYSTEM, "customer_cash_discount": "809200"})
    invoice = customer("100.00", "2024-06-25", invoice="FTI-1", code="1D14", tax_code="VAT")
    assert rows(settle(c, customer("-99.00", "2024-06-26"), invoice))[1][0] == "403300-002-"


def test_cash_discount_on_sales_tax_at_its_edges():
    c = company(parties={}, parameters={"cash_discount_on_sales_tax": True})
    # a customer invoice: output tax (negative) and a positive discount
    invoice = customer("125.00", "2024-06-25", invoice="FTI-1", code="1D14",
                       taxes=(("VAT", "222000-002-", "output", -10000, -2500),))
    plan = settle(c, customer("-123.75", "2024-06-26"), invoice)
    assert plan.voucher.entries[1] == EntryDraft(0, "222000-002-", "222000", "sales_tax", "USD", 25, 25,
                                                 "Cash discount on sales tax")
    assert rows(plan) == [("130100-002-", "customer_balance", -125, -125, "Cash discount"),
                          ("222000-002-", "sales_tax", 25, 25, "Cash discount on sales tax"),
                          ("403300-002-", "customer_cash_discount", 100, 100, "Cash discount")]
    assert plan.voucher.taxes == [TaxDraft("VAT", "output", 1, 1, transaction_id=invoice.transaction_id,
                                           base_minor=100, base_accounting_minor=100)]
    # a one-cent discount: all of it to the larger share, the tax (the discount account's entry is zero)
    one = customer("1.00", "2024-06-25", invoice="FTI-2", code="1D14",
                   taxes=(("VAT", "222000-002-", "output", -20, -80),))
    assert rows(settle(c, customer("-0.99", "2024-06-26"), one))[1:] == [
        ("222000-002-", "sales_tax", 1, 1, "Cash discount on sales tax"),
        ("403300-002-", "customer_cash_discount", 0, 0, "Cash discount")]
    # an invoice of tax alone: the whole discount goes back to the tax account
    tax_only = _taxed("10.00", tax=1000, base=0)
    plan = settle(company(parameters={"cash_discount_on_sales_tax": True}), vendor_payment("9.90", "2024-06-26"),
                  tax_only)
    assert rows(plan)[1:] == [("222000-001-", "sales_tax", -10, -10, "Cash discount on sales tax"),
                              ("520200-001-", "vendor_cash_discount", 0, 0, "Cash discount")]
    # two codes: each its share; a code whose share is nothing is passed over, not the end
    vc = company(parameters={"cash_discount_on_sales_tax": True})
    two = vendor_invoice("100.00", "2024-06-25", code="1D14",
                         taxes=(("ENV", "222100-001-", "input", 1, 1), ("VAT", "222000-001-", "input", 7999, 1999)))
    plan = settle(vc, vendor_payment("99.00", "2024-06-26"), two)
    assert rows(plan) == [("200110-001-", "vendor_balance", 100, 100, "Cash discount"),
                          ("222000-001-", "sales_tax", -20, -20, "Cash discount on sales tax"),
                          ("520200-001-", "vendor_cash_discount", -80, -80, "Cash discount")]
    assert [(t.tax_code, t.tax_index) for t in plan.voucher.taxes] == [("VAT", 1)]


def test_the_base_of_the_restated_tax_is_rounded_half_up_in_each_currency():
    vc = company(parameters={"cash_discount_on_sales_tax": True})
    # USD 10.00 of which tax 1.50 on a base of 8.50; 1 % = 0.10: the base restated is 8.50 x 0.10 / 10 = 0.085
    usd = _taxed("10.00", tax=150, base=850)
    plan = settle(vc, vendor_payment("9.90", "2024-06-26"), usd)
    [tax] = plan.voucher.taxes
    assert (tax.base_minor, tax.base_accounting_minor) == (-9, -9)
    # EUR 10.00 booked at USD 10.00; the 0.10 discount is USD 0.12 (at 1.15): 8.50 x 0.12 / 10 = 0.102
    eur = _taxed("10.00", tax=150, base=850, currency="EUR", accounting="10.00")
    plan = settle(vc, vendor_payment("9.90", "2024-07-02", currency="EUR", accounting="11.39"), eur)
    [tax] = plan.voucher.taxes
    assert (tax.base_minor, tax.base_accounting_minor) == (-9, -10)
    # booked at another rate: the accounting base follows the transaction base, 0.09 x 0.12 / 0.10 = 0.108
    eur = _taxed("10.00", tax=150, base=850, currency="EUR", accounting="11.40")
    plan = settle(vc, vendor_payment("9.90", "2024-07-02", currency="EUR", accounting="11.39"), eur)
    [tax] = plan.voucher.taxes
    assert (tax.base_minor, tax.base_accounting_minor) == (-9, -11)
    # a currency worth less than the accounting one: a tax share of 0.01 worth nothing in USD still posts
    fc = _taxed("1.00", tax=20, base=80, currency="FC", accounting="0.12")
    plan = settle(vc, vendor_payment("0.95", "2024-01-01", currency="FC", accounting="0.11"),
                  Mark(fc, cash_discount=M("0.05")))
    assert rows(plan, "FC")[1] == ("222000-001-", "sales_tax", -1, 0, "Cash discount on sales tax")


def test_a_revalued_payment_settling_two_invoices_reverses_its_unrealized_amount_in_two_parts():
    # FC 200.00 paid at 0.12 (USD 24.00), revalued since by USD 0.60; two invoices of FC 100.00 (USD 12.00 each)
    payment = vendor_payment("200.00", "2024-01-01", currency="FC", accounting="24.00", unrealized_minor=60)
    first = vendor_invoice("100.00", "2024-01-01", currency="FC", accounting="12.00")
    second = vendor_invoice("100.00", "2024-01-01", currency="FC", accounting="12.00", unrealized_minor=-20)
    plan = settle(company(), payment, first, second)
    assert plan.changes[payment.transaction_id].unrealized_reversed_minor == 60
    assert plan.changes[second.transaction_id].unrealized_reversed_minor == -20
    assert [(p.transaction_id, p.unrealized_reversed_minor) for p in plan.parts] == [
        (first.transaction_id, 0), (payment.transaction_id, 30), (second.transaction_id, -20),
        (payment.transaction_id, 30)]
    assert [p.settled_accounting_minor for p in plan.parts] == [-1200, 1200, -1200, 1200]


def test_what_a_mark_that_settles_nothing_leaves_to_the_next():
    first, second = vendor_invoice("50.00", "2024-06-01"), vendor_invoice("50.00", "2024-06-02")
    payment = vendor_payment("50.00", "2024-06-03")
    plan = settle(company(), payment, Mark(first, amount_to_settle=M(0)), second)
    assert settled(plan) == {payment.transaction_id: (5000, 5000, 0), first.transaction_id: (0, 0, 0),
                             second.transaction_id: (-5000, -5000, 0)}
    # a payment that settles as much as the discount it takes
    invoice = vendor_invoice("20.00", "2024-06-01")
    half = settle(company(), vendor_payment("10.00", "2024-06-03"), Mark(invoice, cash_discount=M("10.00")))
    assert settled(half)[invoice.transaction_id] == (-2000, -2000, -1000)


def test_a_discount_in_a_third_currency_is_valued_at_the_invoices_rate_on_the_payment_date():
    # CAD 150.00 at 0.75 with 1 %: EUR 99.00 at the cross rate 1.5 pays CAD 148.50; the CAD 1.50 discount is
    # USD 1.13 (1.125) at the invoice currency's rate
    invoice = vendor_invoice("150.00", "2024-06-25", code="1D14", currency="CAD", accounting="112.50")
    payment = vendor_payment("99.00", "2024-07-01", currency="EUR", accounting="113.85")
    plan = settle(company(), payment, Mark(invoice, cross_rate=M("1.5")))
    assert settled(plan)[invoice.transaction_id] == (-15000, -11250, -150)
    assert plan.parts[0].cash_discount_accounting_minor == -113


def test_small_remainders_of_one_cent_and_in_a_currency_without_decimals():
    c = company(SettlementSettings(max_penny_difference=M("0.01")), parties={})
    invoice = customer("0.02", "2024-06-25", invoice="FTI-1")
    plan = settle(c, customer("-0.01", "2024-06-26"), invoice)
    assert settled(plan)[invoice.transaction_id] == (2, 2, 0)  # 0.01 paid, 0.01 closed as a penny difference
    yen = company(SettlementSettings(max_penny_difference=M("1"), max_overpayment=M("5")))
    jpy = replace(vendor_invoice("1", "2024-06-25", currency="JPY", accounting="7.00"), amount_minor=-1000,
                  open_minor=-1000)
    paid = replace(vendor_payment("1", "2024-06-26", currency="JPY", accounting="6.93"), amount_minor=990,
                   open_minor=990)
    assert settled(settle(yen, paid, jpy))[jpy.transaction_id] == (-990, -693, 0)  # 10 yen: beyond both limits
    paid = replace(paid, amount_minor=999, open_minor=999)
    plan = settle(yen, paid, jpy)
    assert settled(plan)[jpy.transaction_id] == (-1000, -700, 0)
    assert rows(plan, "JPY")[-1] == ("809000-001-", "penny_difference", -1, -1, "penny difference")
    paid = replace(paid, amount_minor=996, open_minor=996)
    assert rows(settle(yen, paid, jpy), "JPY")[-1][:3] == ("809100-001-", "over_underpayment", -4)


def test_a_credit_note_discount_follows_its_own_use_and_date_and_an_invoice_gives_up_none():
    invoice = vendor_invoice("1000.00", "2024-06-25", code="1D14")
    credit = vendor_payment("100.00", "2024-06-28", invoice="CN-1", cash_discount_code="2D5")
    as_primary = settle(company(), invoice, credit)  # the invoice is the primary: it gives up no discount
    assert settled(as_primary) == {invoice.transaction_id: (-9800, -9800, 0), credit.transaction_id: (10000, 10000, 200)}
    late = replace(credit, posting_date=D("2024-08-01"))  # past every discount date of the credit note
    assert settled(settle(company(), late, invoice))[late.transaction_id] == (10000, 10000, 0)
    always = replace(late, use_cash_discount="always")
    assert settled(settle(company(), always, invoice))[always.transaction_id] == (10000, 10000, 200)


# ---- automatic settlement at its edges (mutation testing) -----------------------------------------------------

def test_the_reach_takes_one_more_invoice_that_a_discount_lets_the_payment_settle():
    c = company(parties={})
    big = customer("100.00", "2024-06-01", invoice="BIG", due="2024-06-01", code="2D5")  # 98.00 and 2.00
    one = customer("1.00", "2024-06-01", invoice="ONE", due="2024-06-02")
    two = customer("1.00", "2024-06-01", invoice="TWO", due="2024-06-03")
    pay = customer("-100.00", "2024-06-03")
    automatic(c, [big, one, two, pay])
    assert (big.open_minor, one.open_minor, two.open_minor, pay.open_minor) == (0, 0, 0, 0)


def test_automatic_settlement_of_one_cent_either_way():
    c = company(parties={})
    cent = customer("0.01", "2024-06-01", invoice="CENT")
    pay = customer("-0.01", "2024-06-02")
    automatic(c, [cent, pay])
    assert (cent.open_minor, pay.open_minor) == (0, 0)
    invoice = vendor_invoice("1.00", "2024-06-01")
    payment = vendor_payment("0.01", "2024-06-02")
    automatic(company(parties={}), [invoice, payment])
    assert (invoice.open_minor, payment.open_minor) == (-99, 0)


def test_a_tie_is_broken_only_among_the_invoices_it_ties():
    c = company(parties={})
    a = customer("100.00", "2024-06-25", invoice="A", due="2024-07-25", code="1D14")
    b = customer("100.00", "2024-06-25", invoice="B", due="2024-07-25", code="1D14")
    later = customer("100.00", "2024-06-25", invoice="LATER", due="2024-07-30", code="2D5")
    pay = customer("-99.00", "2024-06-27")
    automatic(c, [later, a, b, pay])
    assert (a.open_minor, b.open_minor, later.open_minor) == (0, 10000, 10000)
    # an invoice held until after the payment is passed over on the tie-breaking path too
    held = customer("100.00", "2024-06-25", invoice="H", due="2024-07-25", payment_release_date=D("2024-07-01"))
    free = customer("100.00", "2024-06-25", invoice="F", due="2024-07-25")
    pay = customer("-100.00", "2024-06-27")
    automatic(c, [held, free, pay])
    assert (held.open_minor, free.open_minor) == (10000, 0)


def test_later_payments_continue_past_the_invoices_settled_before_them():
    c = company(parties={})
    a, b, cc = (customer("50.00", "2024-06-01", invoice="A", due="2024-06-01"),
                customer("50.00", "2024-06-01", invoice="B", due="2024-06-02"),
                customer("50.00", "2024-06-01", invoice="C", due="2024-06-03"))
    p1, p2 = customer("-100.00", "2024-06-04"), customer("-30.00", "2024-06-05")
    result = automatic(c, [a, b, cc, p1, p2], ["due_date"])
    assert (a.open_minor, b.open_minor, cc.open_minor, p1.open_minor, p2.open_minor) == (0, 0, 2000, 0, 0)
    assert [p.date for p in result.plans] == [D("2024-06-04"), D("2024-06-05")]
    # a payment that reaches nothing yet does not stop a later one
    held = customer("50.00", "2024-06-01", invoice="H", payment_release_date=D("2024-06-10"))
    early, late = customer("-50.00", "2024-06-05"), customer("-50.00", "2024-06-12")
    automatic(c, [held, early, late])
    assert (held.open_minor, early.open_minor, late.open_minor) == (0, -5000, 0)


def test_a_named_payment_with_a_discount_makes_its_plan_and_voucher():
    c = company(parties={})
    invoice = customer("100.00", "2024-06-25", invoice="FTI-9", code="1D14")
    other = customer("100.00", "2024-06-01", invoice="FTI-1")
    pay = customer("-99.00", "2024-06-27", invoice="FTI-9")
    result = automatic(c, [other, invoice, pay])
    [plan] = result.plans
    assert (plan.voucher.period_id, plan.voucher.date) == (6, D("2024-06-27"))
    assert (invoice.open_minor, other.open_minor, invoice.cash_discount_taken_minor) == (0, 10000, 100)


def test_the_in_memory_transactions_follow_each_plan():
    c = company(parties={})
    # FC 100.00 booked at USD 12.00, revalued by USD -0.40; two payments of FC 50.00
    invoice = replace(customer("100.00", "2024-06-25", invoice="FC-1", code="1D14"), currency="FC", accounting_minor=1200,
                      open_accounting_minor=1200, unrealized_minor=-40)
    p1 = replace(customer("-49.50", "2024-06-26"), currency="FC", accounting_minor=-594, open_accounting_minor=-594)
    p2 = replace(customer("-49.50", "2024-06-27"), currency="FC", accounting_minor=-594, open_accounting_minor=-594)
    result = automatic(c, [invoice, p1, p2])
    assert (invoice.open_minor, invoice.open_accounting_minor, invoice.cash_discount_taken_minor,
            invoice.unrealized_minor, invoice.version) == (0, 0, 100, 0, 3)
    assert [r[:4] for r in result.update_rows if r[5] == invoice.transaction_id] == [(5000, 600, 50, -20),
                                                                                     (0, 0, 50, -20)]
    # a settled part worth nothing in the accounting currency is written all the same
    tiny = replace(customer("0.01", "2024-06-25", invoice="FC-2"), currency="FC", accounting_minor=0,
                   open_accounting_minor=0)
    pay = replace(customer("-0.01", "2024-06-26"), currency="FC", accounting_minor=0, open_accounting_minor=0)
    result = automatic(c, [tiny, pay])
    assert sorted(r[5] for r in result.update_rows) == sorted([tiny.transaction_id, pay.transaction_id])


def test_the_head_moves_one_settled_invoice_at_a_time():
    c = company(parties={})
    a, b, cc = (customer("50.00", "2024-06-01", invoice="A", due="2024-06-01"),
                customer("50.00", "2024-06-01", invoice="B", due="2024-06-02"),
                customer("50.00", "2024-06-01", invoice="C", due="2024-06-03"))
    automatic(c, [a, b, cc, customer("-50.00", "2024-06-04"), customer("-50.00", "2024-06-05")], ["due_date"])
    assert (a.open_minor, b.open_minor, cc.open_minor) == (0, 0, 5000)


def test_named_payments_one_after_another_and_on_a_held_account():
    c = company(parties={(PartyType.customer, "4032"): Party(PartyType.customer, "4032", hold=Hold.all,
                                                             hold_release_date=D("2024-06-10"))})
    first = customer("50.00", "2024-06-01", invoice="FTI-1", due="2024-06-01")
    named = customer("50.00", "2024-06-01", invoice="FTI-2", due="2024-06-30")
    nowhere = customer("-10.00", "2024-06-11", invoice="NONE")
    held = customer("-10.00", "2024-06-09", invoice="FTI-2")
    paid = customer("-20.00", "2024-06-12", invoice="FTI-2")
    automatic(c, [first, named, nowhere, held, paid])
    # NONE names nothing and FTI-2's first payment falls on the hold: the priority order takes NONE's 10.00;
    # the later payment naming FTI-2 settles it
    assert (first.open_minor, named.open_minor, held.open_minor) == (4000, 3000, -1000)
    # a cent naming its invoice
    one, two = vendor_invoice("1.00", "2024-06-01", invoice="V-1"), vendor_invoice("1.00", "2024-06-02",
                                                                                   invoice="V-2")
    cent = vendor_payment("0.01", "2024-06-03", invoice="V-2")
    automatic(company(parties={}), [one, two, cent])
    assert (one.open_minor, two.open_minor) == (-100, -99)


def test_discounts_and_differences_in_currencies_without_decimals():
    c = company()
    # JPY 10,000 (USD 70.00) with 1 %: the JPY 100 discount is USD 0.70 at the payment's rate
    yen = replace(vendor_invoice("1", "2024-06-25", code="1D14", currency="JPY", accounting="70.00"),
                  amount_minor=-10000, open_minor=-10000)
    pay = replace(vendor_payment("1", "2024-06-26", currency="JPY", accounting="69.30"), amount_minor=9900,
                  open_minor=9900)
    plan = settle(c, pay, yen)
    assert settled(plan)[yen.transaction_id] == (-10000, -7000, -100)
    assert plan.parts[0].cash_discount_accounting_minor == -70
    # a manual discount of JPY 5,000 is less than the JPY 10,000 open
    manual = settle(c, pay, Mark(yen, cash_discount=M("5000")))
    assert settled(manual)[yen.transaction_id] == (-10000, -7000, -5000)
    # a EUR payment of a yen invoice gives up EUR 1.00 for JPY 164
    euro = vendor_payment("1.00", "2024-07-01", currency="EUR", accounting="1.15")
    small = replace(yen, cash_discount_code=None)
    assert settled(settle(c, euro, small))[euro.transaction_id] == (100, 115, 0)
    # a company keeping its books in yen: a USD 1.00 discount at 150 is JPY 150
    jc = replace(c, accounting_currency="JPY", currency_decimals={},
                 rates=RateTable("JPY", [ExchangeRate("USD", D("2024-01-01"), M("150"))]))
    usd = vendor_invoice("100.00", "2024-06-25", code="1D14", accounting="15000", accounting_minor=-15000,
                         open_accounting_minor=-15000)
    plan = settle(jc, vendor_payment("99.00", "2024-06-26", accounting_minor=14850, open_accounting_minor=14850), usd)
    assert plan.parts[0].cash_discount_accounting_minor == -150


def test_a_manual_discount_with_the_whole_amount_to_settle_settles_the_open_amount_only():
    invoice = vendor_invoice("1000.00", "2024-07-01", code="4D10")
    plan = settle(company(), vendor_payment("2000.00", "2024-07-05"),
                  Mark(invoice, cash_discount=M("60.00"), amount_to_settle=M("1000.00")))
    assert settled(plan)[invoice.transaction_id] == (-100000, -100000, -6000)


def test_a_realized_loss_of_one_cent_goes_to_the_loss_account():
    invoice = vendor_invoice("100.00", "2024-01-10", currency="EUR", accounting="114.00")
    plan = settle(company(), vendor_payment("100.00", "2024-01-12", currency="EUR", accounting="114.01"), invoice)
    assert rows(plan)[1] == ("801300-001-", "exchange_rate_loss", 0, 1, "Realized exchange loss")
