"""Exchange rates, GL revaluation planning and the chart of accounts, pure and with exact figures (fx/, ledger/).
Fast tests without a store: `make mutation` runs them for every mutant of bilag.fx and bilag.ledger (issue 14)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bilag.errors import InvalidInput
from bilag.fx.ledger_revaluation import (
    LedgerBalance,
    LedgerRevaluationLine,
    accounts_in_scope,
    check_scope,
    ledger_revaluation_entries,
    plan_ledger_revaluation,
)
from bilag.fx.rates import DEFAULT_RATE_TYPE, ExchangeRate, RateTable
from bilag.journal.model import EntryDraft
from bilag.ledger.accounts import AccountStructure, AccountType, ChartOfAccounts, LedgerAccount, MainAccount
from bilag.ledger.carry import carried

D = date.fromisoformat


def chart() -> ChartOfAccounts:
    accounts = [
        MainAccount("110200", "Bank EUR", AccountType.asset, revaluate=True),
        MainAccount("130100", "Receivables", AccountType.asset, revaluate=True, revaluation_rate_type="bank"),
        MainAccount("200100", "Payables", AccountType.liability),
        MainAccount("401100", "Sales", AccountType.revenue, revaluate=True),
        MainAccount("801300", "Unrealized loss", AccountType.expense),
        MainAccount("801400", "Unrealized gain", AccountType.revenue),
        MainAccount("999999", "Clearing", AccountType.equity, active=False),
    ]
    return ChartOfAccounts(
        {a.id: a for a in accounts}, ["BusinessUnit", "Department"],
        [AccountStructure("Balance", "100000", "399999", ("BusinessUnit",)),
         AccountStructure("PL", "400000", "899999", ("BusinessUnit", "Department"),
                          {"Department": frozenset({"024", "025"})})],
        {"BusinessUnit": frozenset({"001", "002"})})


# ---- rates -----------------------------------------------------------------------------------------------

def rates() -> RateTable:
    return RateTable("USD", [
        ExchangeRate("EUR", D("2024-02-01"), Decimal("1.10")),
        ExchangeRate("EUR", D("2024-01-01"), Decimal("1.05")),
        ExchangeRate("JPY", D("2024-01-01"), Decimal("0.70"), per=100),
        ExchangeRate("EUR", D("2024-01-01"), Decimal("1.20"), rate_type="bank"),
    ])


def test_rates_by_date_type_and_per():
    table = rates()
    assert table.rate("USD", D("1990-01-01")) == Decimal(1)
    assert table.rate("EUR", D("2024-01-01")) == Decimal("1.05")
    assert table.rate("EUR", D("2024-01-31")) == Decimal("1.05")
    assert table.rate("EUR", D("2024-02-01")) == Decimal("1.10")
    assert table.rate("EUR", D("2024-02-01")) == Decimal("1.10")  # remembered
    assert table.rate("EUR", D("2030-01-01")) == Decimal("1.10")
    assert table.rate("JPY", D("2024-03-01")) == Decimal("0.007")
    assert table.rate("EUR", D("2024-03-01"), "bank") == Decimal("1.20")
    assert table.rate("JPY", D("2024-03-01"), "bank") == Decimal("0.007")  # no bank rate: the default type's
    assert ExchangeRate("EUR", D("2024-01-01"), Decimal("1.5")).per_unit == Decimal("1.5")
    assert ExchangeRate("EUR", D("2024-01-01"), Decimal("150"), per=100).per_unit == Decimal("1.5")
    assert ExchangeRate("EUR", D("2024-01-01"), Decimal("1.5")).rate_type == DEFAULT_RATE_TYPE == "default"
    for currency, day, rate_type in [("EUR", "2023-12-31", DEFAULT_RATE_TYPE), ("GBP", "2024-03-01", DEFAULT_RATE_TYPE),
                                     ("EUR", "2023-12-31", "bank"), ("GBP", "2024-03-01", "bank")]:
        with pytest.raises(InvalidInput) as refused:
            table.rate(currency, D(day), rate_type)
        assert (refused.value.code, str(refused.value)) == ("no_exchange_rate",
                                                            f"no exchange rate for {currency} on {day}")


def test_known_currencies():
    table = rates()
    assert table.knows("USD") and table.knows("EUR") and table.knows("JPY")
    assert not table.knows("GBP")
    assert RateTable("USD", []).accounting_currency == "USD"


# ---- GL revaluation ------------------------------------------------------------------------------------

def test_the_scope_chooses_the_flagged_accounts():
    c = chart()
    assert accounts_in_scope(c, "all") == ["110200", "130100", "401100"]
    assert accounts_in_scope(c, "balance_sheet") == ["110200", "130100"]
    assert accounts_in_scope(c, "profit_and_loss") == ["401100"]
    # the chart's order does not matter: a profit-and-loss account before the balance-sheet ones
    reordered = ChartOfAccounts({a: c.main_accounts[a] for a in ("401100", "200100", "110200", "130100")},
                                c.dimensions, c.structures)
    assert accounts_in_scope(reordered, "balance_sheet") == ["110200", "130100"]
    assert accounts_in_scope(reordered, "profit_and_loss") == ["401100"]
    assert check_scope("all") == "all"
    for bad in ("everything", "ALL"):
        with pytest.raises(InvalidInput) as refused:
            accounts_in_scope(c, bad)
        assert (refused.value.code, str(refused.value)) == (
            "bad_option", f"the revaluation scope is one of all, balance_sheet, profit_and_loss, not {bad!r}")


def _plan(balances, currencies=None):
    table = rates()
    return plan_ledger_revaluation(chart(), balances, "USD", 2, lambda c: 0 if c == "JPY" else 2,
                                   lambda currency, rate_type: table.rate(currency, D("2024-02-29"), rate_type),
                                   DEFAULT_RATE_TYPE, currencies)


def test_a_plan_values_each_foreign_balance_at_the_new_rate_and_keeps_the_differences():
    balances = [
        LedgerBalance("401100-001-024", "401100", "EUR", -10000, -10500),   # 100 EUR sales at 1.05 -> 1.10: loss
        LedgerBalance("110200-001", "110200", "EUR", 123457, 129630),       # 1,234.57 EUR at 1.10 = 1,358.03
        LedgerBalance("110200-001", "110200", "USD", 5000, 5000),           # the accounting currency: left alone
        LedgerBalance("130100-002", "130100", "EUR", 10000, 12000),          # its own rate type, bank 1.20: no change
        LedgerBalance("110200-002", "110200", "JPY", 12345, 86),            # 12,345 JPY at 0.007 = 86.415 -> 86.42
    ]
    lines = _plan(balances)
    assert [(line.balance.ledger_account, line.balance.currency, line.rate, line.rate_type, line.revalued_minor,
             line.delta_minor, line.is_loss) for line in lines] == [
        ("110200-001", "EUR", Decimal("1.10"), "default", 135803, 6173, False),
        ("110200-002", "JPY", Decimal("0.007"), "default", 8642, 8556, False),
        ("401100-001-024", "EUR", Decimal("1.10"), "default", -11000, -500, True),
    ]
    assert _plan(balances, frozenset({"JPY"}))[0].balance.currency == "JPY"
    assert len(_plan(balances, frozenset({"JPY"}))) == 1
    assert _plan(balances, frozenset()) == []


def test_half_a_cent_rounds_up():
    # 0.05 EUR at 1.10 = 0.055 USD -> 0.06
    [line] = _plan([LedgerBalance("110200-001", "110200", "EUR", 5, 0)])
    assert line.revalued_minor == 6


def test_the_entries_of_a_gain_and_a_loss():
    balance = LedgerBalance("401100-001-024", "401100", "EUR", -10000, -10500)
    loss = LedgerRevaluationLine(balance, Decimal("1.10"), "default", -11000)
    gain_balance = LedgerBalance("110200-002", "110200", "EUR", 10000, 10500)
    gain = LedgerRevaluationLine(gain_balance, Decimal("1.10"), "default", 11000)
    accounts = {("unrealized_loss", "EUR"): "801300", ("unrealized_gain", "EUR"): "801400-001"}
    entries = ledger_revaluation_entries(chart(), [loss, gain], "USD", lambda p, c: accounts[(p, c)])
    assert entries == [
        EntryDraft(0, "401100-001-024", "401100", "ledger_revaluation", "EUR", 0, -500,
                   "Foreign currency revaluation EUR"),
        EntryDraft(0, "801300-001-024", "801300", "unrealized_loss", "USD", 500, 500, "Unrealized loss EUR"),
        EntryDraft(0, "110200-002", "110200", "ledger_revaluation", "EUR", 0, 500, "Foreign currency revaluation EUR"),
        EntryDraft(0, "801400-001-", "801400", "unrealized_gain", "USD", -500, -500, "Unrealized gain EUR"),
    ]


# ---- the chart of accounts -------------------------------------------------------------------------------

def test_parse_checks_and_pads_the_segments():
    c = chart()
    assert c.parse("401100-001-024") == LedgerAccount("401100", ("001", "024"))
    assert c.parse(" 401100-001 ") == LedgerAccount("401100", ("001", ""))
    assert c.parse("401100") == LedgerAccount("401100", ("", ""))
    assert c.parse("401100").display == "401100--"
    assert c.parse("110200-001--").display == "110200-001"  # trailing empty segments beyond the structure
    assert c.parse("401100-001-024") is c.parse("401100-001-024")  # remembered
    assert LedgerAccount("100", ()).display == "100"
    for text, code, message in [
        ("555555", "unknown_account", "main account 555555 does not exist"),
        ("110200-001-9", "dimension_not_allowed",
         "ledger account 110200-001-9 has 2 dimension values but the account structure of 110200 has 1 segments "
         "(BusinessUnit)"),
        ("401100-001-024-9", "dimension_not_allowed",
         "ledger account 401100-001-024-9 has 3 dimension values but the account structure of 401100 has 2 segments "
         "(BusinessUnit, Department)"),
        ("401100--026", "dimension_not_allowed",
         "ledger account 401100--026: value 026 of Department is not allowed by account structure PL"),
        ("999999-1", "dimension_not_allowed",
         "ledger account 999999-1 has 1 dimension values but the account structure of 999999 has 0 segments (none)"),
        ("401100-003", "dimension_not_allowed", "ledger account 401100-003: 003 is not a value of dimension BusinessUnit"),
        ("401100-001-026", "dimension_not_allowed",
         "ledger account 401100-001-026: value 026 of Department is not allowed by account structure PL"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            c.parse(text)
        assert (refused.value.code, str(refused.value)) == (code, message)


def test_structures_and_dimension_maps():
    c = chart()
    assert c.dimensions == ["BusinessUnit", "Department"]
    assert c.structure_for("401100").name == "PL"
    assert c.structure_for("110200").name == "Balance"
    assert c.structure_for("99") is None  # shorter than the range's bounds
    assert c.segments_for("401100") == ("BusinessUnit", "Department")
    assert c.segments_for("12") == ()
    assert c.dimension_map(c.parse("401100-001-")) == {"BusinessUnit": "001"}
    assert c.with_dimensions("401100", {"Department": "025", "Other": "x"}) == LedgerAccount("401100", ("", "025"))
    assert c.fill_blanks(c.parse("401100--024"), {"BusinessUnit": "002", "Department": "025"}).display == \
        "401100-002-024"
    assert c.fill_blanks(c.parse("401100--"), {"BusinessUnit": "002"}) == LedgerAccount("401100", ("002", ""))
    same = c.parse("401100-001-024")
    assert c.fill_blanks(same, {"BusinessUnit": "002"}) is same
    assert c.fill_blanks(same, {}) is same
    default = ChartOfAccounts({"1000": MainAccount("1000", "Cash", AccountType.asset)}, ["BU"], [])
    assert default.structures[0].name == "Default" and default.segments_for("1000") == ("BU",)
    assert default.parse("1000-x").display == "1000-x"  # no listed values: any value
    assert AccountType.equity.is_balance_sheet and not AccountType.revenue.is_balance_sheet
    assert AccountType.asset.is_balance_sheet and AccountType.liability.is_balance_sheet
    assert not AccountType.expense.is_balance_sheet
    structure = AccountStructure("PL", "400000", "899999", ())
    assert structure.covers("400000") and structure.covers("899999") and not structure.covers("900000")
    assert not structure.covers("4000000") and not structure.covers("399999")


def test_carried_dimensions():
    c = chart()
    assert carried(c, "801300", "401100-001-024").display == "801300-001-024"
    assert carried(c, "801300-002", "401100-001-024").display == "801300-002-024"
    assert carried(c, "801300", "401100-001-024", {"Department": ""}).display == "801300-001-"
    assert carried(c, "801300", "401100-001-024", {"BusinessUnit": "002"}).display == "801300-002-024"
    assert carried(c, "110200", "401100-001-024").display == "110200-001"


def test_fixed_dimensions_win_in_the_accounts_built_and_over_a_parsed_account():
    """EX-D1 row 4 in the chart: with_dimensions (the accounts generated entries post to) and fixed (an
    entered account at posting) force the main account's fixed values; other segments stay."""
    c = ChartOfAccounts(
        {"403000": MainAccount("403000", "Discount", AccountType.expense, fixed_dimensions={"BusinessUnit": "002"}),
         "401100": MainAccount("401100", "Sales", AccountType.revenue)},
        ["BusinessUnit", "Department"], [AccountStructure("PL", "400000", "899999", ("BusinessUnit", "Department"))])
    assert c.with_dimensions("403000", {"BusinessUnit": "001", "Department": "024"}) == \
        LedgerAccount("403000", ("002", "024"))
    assert c.with_dimensions("403000", {}) == LedgerAccount("403000", ("002", ""))
    assert c.with_dimensions("401100", {"BusinessUnit": "001"}) == LedgerAccount("401100", ("001", ""))
    assert c.fixed(c.parse("403000-001-024")) == LedgerAccount("403000", ("002", "024"))
    assert c.fixed(c.parse("403000--")) == LedgerAccount("403000", ("002", ""))
    plain = c.parse("401100-001-024")
    assert c.fixed(plain) is plain
    already = c.parse("403000-002-024")
    assert c.fixed(already) is already
    with pytest.raises(InvalidInput):
        c.with_dimensions("555555", {})
