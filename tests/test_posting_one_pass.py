"""The common voucher is planned in one pass (journal/posting.py, _Planner._plan_common), every other voucher by
the full path; both must post the same ledger. For generated journals — mostly vouchers of the common kind (lines
whose accounts were seen before, one currency and rate, no tax), mixed with what is not (a sales tax code, a second
currency, a typed rate, an amount of three decimals or zero, an unbalanced voucher, a vendor on hold, a period on
hold, a day outside the calendar, an offset account, a second vendor) — posting with the one-pass path and without
it writes the same rows (vouchers with their chain hashes, entries, transactions, tax, balances, chain heads) or
refuses with the same problems. Each posting is rolled back, so both see the same ledger."""
from __future__ import annotations

import itertools
import os
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bilag.errors import JournalRejected
from bilag.journal import posting
from bilag.journal.model import JournalLine
from bilag.services.periods import set_period_status
from bilag.services.posting import post_lines
from bilag.services.setup import setup_company
from bilag.store.companies import load_company

from .test_properties import company_setup

EXAMPLES = int(os.environ.get("BILAG_PROPERTY_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize="BILAG_PROPERTY_EXAMPLES" not in os.environ,
                    print_blob=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

_companies = itertools.count(1)
TABLES = ("voucher", "ledger_entry", "party_transaction", "tax_transaction", "balance", "voucher_chain")
ON_HOLD_DAY = date(2024, 6, 12)  # its period is put on hold: rule P1 refuses its lines
DAYS = [date(2024, 1, 15), date(2024, 3, 10), date(2024, 5, 2), ON_HOLD_DAY, date(2025, 3, 1)]  # the last: no period
LEDGER = ["606300-001--", "606300-002--", "401100-001--", "110110-001-"]
ACCOUNTS = [("Ledger", account) for account in LEDGER] + [("Vendor", "V-USD"), ("Vendor", "V-EUR"),
                                                          ("Customer", "C-USD"), ("Bank", "B1")]


def one_pass_setup(company_id: str) -> dict:
    setup = company_setup(company_id)
    setup["accounts"] = setup["accounts"] + [{"id": "222100", "name": "Sales tax payable", "type": "liability"},
                                             {"id": "222200", "name": "Sales tax receivable", "type": "asset"}]
    setup["tax_codes"] = [{"code": "VAT25", "percent": 25, "payable_account": "222100",
                           "receivable_account": "222200"}]
    setup["payment_terms"] = [{"code": "Net30", "days": 30}]
    setup["vendors"] = [{"id": "V-USD", "currency": "USD", "cash_discount": "2D10", "payment_terms": "Net30"},
                        {"id": "V-EUR", "currency": "EUR"}, {"id": "V-HOLD", "currency": "USD", "hold": "invoice"}]
    setup["bank_accounts"] = [{"id": "B1", "ledger_account": "110110-001"}]
    return setup


def new_company(engine) -> str:
    company_id = f"OP{next(_companies)}"
    setup_company(engine, one_pass_setup(company_id))
    set_period_status(engine, company_id, ON_HOLD_DAY, "on_hold")
    return company_id


# A line in twenty is not the common kind (a voucher of four lines then goes the full path), in one of these ways.
UNUSUAL = ["tax", "equal_rate", "three_decimals", "zero", "offset", "other_currency", "no_currency", "held_vendor"]


def one_in(draw, count: int) -> bool:
    return draw(st.integers(min_value=1, max_value=count)) == 1


@st.composite
def vouchers(draw, number: int) -> list[dict]:
    """One voucher's lines as keyword arguments of JournalLine: random lines and one that balances them."""
    day = draw(st.sampled_from(DAYS if one_in(draw, 10) else DAYS[:3]))
    currency = draw(st.sampled_from(["USD", "USD", "EUR"]))
    rate = Decimal("1.2") if one_in(draw, 4) else None  # typed on every line, else the day's
    amounts = draw(st.lists(st.integers(min_value=1, max_value=900_000), min_size=1, max_size=3))
    signs = draw(st.lists(st.booleans(), min_size=len(amounts), max_size=len(amounts)))
    signed = [amount if debit else -amount for amount, debit in zip(amounts, signs)]
    if sum(signed):
        signed.append(-sum(signed))
    if one_in(draw, 25):
        signed[-1] += 1  # out of balance by a cent
    lines = []
    for amount in signed:
        account_type, account = draw(st.sampled_from(ACCOUNTS))
        value = Decimal(abs(amount)).scaleb(-2)
        line = {"voucher": f"V{number}", "date": day, "account_type": account_type, "account": account,
                "debit": value if amount > 0 else None, "credit": value if amount < 0 else None,
                "currency": currency, "exchange_rate": rate, "description": f"voucher {number}",
                "invoice": f"I{number}-{len(lines)}" if account_type == "Vendor" else None}
        quirk = draw(st.sampled_from(UNUSUAL)) if one_in(draw, 20) else None
        if quirk == "held_vendor":
            line["account_type"], line["account"], line["invoice"] = "Vendor", "V-HOLD", f"I{number}-{len(lines)}"
        elif quirk == "tax":
            line["tax_code"] = "VAT25"
        elif quirk == "equal_rate":  # the voucher's rate written otherwise (one rate), or a rate on one line only
            line["exchange_rate"] = Decimal("1.20")
        elif quirk == "three_decimals":
            line["debit" if amount > 0 else "credit"] = value + Decimal("0.001")
        elif quirk == "zero":
            line["debit" if amount > 0 else "credit"] = Decimal("0.00")
        elif quirk == "offset":  # one more line, which balances itself against its offset account
            lines.append({**line, "invoice": None})
            line = {**line, "invoice": f"I{number}-{len(lines)}" if account_type == "Vendor" else None}
            line["offset_account_type"], line["offset_account"] = draw(st.sampled_from(ACCOUNTS))
        elif quirk == "other_currency":
            line["currency"] = "EUR" if currency != "EUR" else "USD"
        elif quirk == "no_currency":  # the account's own: a vendor's, else the main account's or the company's
            line["currency"] = None
        lines.append(line)
    return lines


@st.composite
def journals(draw) -> list[JournalLine]:
    """Up to 10 vouchers; a voucher repeats an earlier one's accounts often, so that its lines are remembered."""
    drawn: list[list[dict]] = []
    for number in range(1, draw(st.integers(min_value=1, max_value=10)) + 1):
        if drawn and draw(st.booleans()):
            again = draw(st.sampled_from(drawn))
            factor = draw(st.integers(min_value=1, max_value=3))
            drawn.append([{**line, "voucher": f"V{number}", "debit": line["debit"] and line["debit"] * factor,
                           "credit": line["credit"] and line["credit"] * factor,
                           "invoice": line["invoice"] and f"I{number}-{index}"}
                          for index, line in enumerate(again)])
        else:
            drawn.append(draw(vouchers(number)))
    return [JournalLine(line_no, **line) for line_no, line in enumerate(itertools.chain(*drawn), start=1)]


def posting_rolled_back(engine, company_id: str, lines: list[JournalLine], source: str, tables=TABLES):
    """Post the journal in a transaction that is then rolled back: the result (or the refusal) and the company's
    rows of `tables` after it."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            company = load_company(connection, company_id)
            try:
                outcome: object = post_lines(connection, company, "GNJL", lines, source=source)
            except JournalRejected as refused:
                outcome = refused
            written = {table: sorted((tuple(row) for row in connection.execute(
                text(f"SELECT * FROM {table} WHERE company_id = :c"), {"c": company_id})), key=repr)
                for table in tables}
            return outcome, written
        finally:
            transaction.rollback()


def refusal(refused: JournalRejected) -> list[tuple]:
    return [(p.code, p.message, p.line, p.voucher, p.source) for p in refused.problems]


def posted_rows(engine, company_id: str, lines: list[JournalLine], one_pass: bool):
    """The rows posting writes, or its problems; rolled back either way."""
    posting._Planner.one_pass = one_pass
    try:
        result, written = posting_rolled_back(engine, company_id, lines, "one pass")
    finally:
        posting._Planner.one_pass = True
    if isinstance(result, JournalRejected):
        return "refused", refusal(result)
    return "posted", written, result.warnings, [v.draft for v in result.vouchers]


_PLAN_COMMON = posting._Planner._plan_common  # the path itself, never a counting wrapper of an earlier example


def counting_one_pass(monkeypatch) -> list[int]:
    """[vouchers planned in one pass, vouchers it gave to the full path]"""
    counts = [0, 0]

    def counted(self, *arguments):
        voucher = _PLAN_COMMON(self, *arguments)
        counts[voucher is None] += 1
        return voucher

    monkeypatch.setattr(posting._Planner, "_plan_common", counted)
    return counts


@SETTINGS
@given(lines=journals())
def test_one_pass_and_full_path_post_the_same_rows_and_refusals(sqlite_engine, monkeypatch, lines):
    company_id = new_company(sqlite_engine)
    counts = counting_one_pass(monkeypatch)
    with_one_pass = posted_rows(sqlite_engine, company_id, lines, True)
    one_pass, given_back = counts
    without = posted_rows(sqlite_engine, company_id, lines, False)
    assert counts == [one_pass, given_back]  # switched off, the one-pass path is not tried
    # (Neither count grows for a voucher outside the calendar: the full path refuses it without trying.)
    event(f"{with_one_pass[0]}; vouchers planned in one pass: "
          f"{'none' if not one_pass else 'all' if not given_back else 'some'}")
    assert with_one_pass == without


def test_a_journal_of_repeated_vouchers_is_planned_in_one_pass_with_the_same_rows(engine, monkeypatch):
    """The property above compares nothing if the one-pass path never plans a voucher: here it plans every voucher
    whose lines were seen before (EUR at a day's rate and at a typed one, a vendor with payment terms and a cash
    discount, a bank, an offset account), on both stores."""
    company_id = new_company(engine)
    lines = []
    for number in range(1, 7):
        day = DAYS[number % 3]
        typed = {"exchange_rate": Decimal("1.2")} if number % 2 else {}
        lines += [
            JournalLine(0, day, "Vendor", "V-USD", credit=Decimal("100.10"), voucher=f"A{number}", invoice=f"A{number}"),
            JournalLine(0, day, "Ledger", "606300-001--", debit=Decimal("60.05"), voucher=f"A{number}"),
            JournalLine(0, day, "Ledger", "606300-002--", debit=Decimal("40.05"), voucher=f"A{number}"),
            JournalLine(0, day, "Ledger", "606300-001--", debit=Decimal("11.11"), voucher=f"B{number}", currency="EUR",
                        **typed),
            JournalLine(0, day, "Ledger", "606300-002--", debit=Decimal("22.22"), voucher=f"B{number}", currency="EUR",
                        **typed),
            # The same rate written otherwise: one rate to convert by, and the transaction keeps its line's text.
            JournalLine(0, day, "Vendor", "V-EUR", credit=Decimal("33.33"), voucher=f"B{number}", currency="EUR",
                        invoice=f"B{number}", **{name: Decimal("1.20") for name in typed}),
            JournalLine(0, day, "Bank", "B1", debit=Decimal("5.00"), voucher=f"C{number}",
                        offset_account_type="Ledger", offset_account="401100-001--"),
        ]
    for line_no, line in enumerate(lines, start=1):
        line.line_no = line_no
    counts = counting_one_pass(monkeypatch)
    with_one_pass = posted_rows(engine, company_id, lines, True)
    assert with_one_pass[0] == "posted"
    # The full path plans each shape's first voucher (A1, B1, C1) and the first to post to a module in a period (A2,
    # C2, A3, C3: rule P1 is checked there once per period and module); the one-pass path every other one.
    assert counts == [11, 7]
    assert with_one_pass == posted_rows(engine, company_id, lines, False)
    written = with_one_pass[1]
    assert len(written["party_transaction"]) == 12 and len(written["voucher"]) == 18
    assert {row[15] for row in written["party_transaction"]} == {"1", "1.20", "1.10", "1.1637"}  # exchange_rate
