"""General-ledger revaluation (domain.md B4.4, rule G1, EX-G1): the delta against the accounting balance."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bilag.errors import BilagError
from bilag.fx.ledger_revaluation import LedgerBalance, plan_ledger_revaluation
from bilag.ledger.accounts import AccountType, ChartOfAccounts, MainAccount
from bilag.services.ledger_revaluation import (
    ledger_revaluation_history,
    revalue_ledger,
    reverse_ledger_revaluation,
)
from bilag.services.reports import trial_balance
from bilag.services.setup import setup_company
from bilag.store import schema as s

from .support import net_by_account, post


def company(company_id: str = "USMF", **extra) -> dict:
    """EX-G1's ledger: USD accounting currency, a EUR bank account flagged for revaluation, rates per 100 EUR."""
    setup = {
        "company": {"id": company_id, "name": company_id, "accounting_currency": "USD"},
        "calendar": {"first_year_start": "2024-01-01", "years": 2},
        "accounts": [
            {"id": "110110", "name": "Bank EUR", "type": "asset", "revaluate": True},
            {"id": "110120", "name": "Bank GBP", "type": "asset", "revaluate": True, "exchange_rate_type": "BANK"},
            {"id": "300100", "name": "Share capital", "type": "equity"},
            {"id": "401100", "name": "Sales", "type": "revenue", "revaluate": True},
            {"id": "801400", "name": "Unrealized loss", "type": "expense"},
            {"id": "801600", "name": "Unrealized gain", "type": "revenue"},
            {"id": "801410", "name": "Unrealized loss GBP", "type": "expense"},
        ],
        "system_accounts": {"unrealized_loss": "801400", "unrealized_gain": "801600"},
        "exchange_rates": [
            {"currency": "EUR", "date": "2024-01-20", "rate": "200", "per": 100},
            {"currency": "EUR", "date": "2024-01-31", "rate": "166.6667", "per": 100},
            {"currency": "EUR", "date": "2024-02-28", "rate": "250", "per": 100},
        ],
    }
    for key, value in extra.items():
        setup[key] = value
    return setup


def deposit(engine, company_id=None, amount="500.00", day="2024-01-20"):
    lines = f"""
        account_type | account | debit    | currency | offset_account
        Ledger       | 110110  | {amount} | EUR      | 300100
    """
    if company_id:
        from bilag.journal.parsing import lines_from_pipe_table
        from bilag.services.posting import post_journal

        return post_journal(engine, company_id, "GNJL",
                            lines_from_pipe_table(lines, default_date=date.fromisoformat(day), source="test"))
    return post(engine, lines, day=day)


def test_ex_g1_each_run_posts_the_delta_against_the_revalued_balance(engine):
    setup_company(engine, company())
    deposit(engine)
    january = revalue_ledger(engine, None, date(2024, 1, 31))[0]
    assert [(r["account"], r["balance"], r["accounting_before"], r["accounting_after"], r["unrealized"])
            for r in january.report()] == [("110110", "500.00", "1000.00", "833.33", "-166.67")]
    assert net_by_account(january.vouchers) == {"110110": Decimal("-166.67"), "801400": Decimal("166.67")}
    february = revalue_ledger(engine, None, date(2024, 2, 28))[0]
    # Rule G1: not 1000.00 -> 1250.00 (+250.00) but 833.33 -> 1250.00
    assert net_by_account(february.vouchers) == {"110110": Decimal("416.67"), "801600": Decimal("-416.67")}
    balances = {line.account: line.balance_minor for line in trial_balance(engine)}
    assert balances["110110"] == 125000
    # Nothing left to revalue on the same date: a second run posts nothing.
    assert revalue_ledger(engine, None, date(2024, 2, 28))[0].vouchers == []


def test_the_date_of_rate_picks_the_rate_and_a_missing_rate_names_currency_and_date(engine):
    setup_company(engine, company())
    deposit(engine)
    result = revalue_ledger(engine, None, date(2024, 1, 31), rate_date=date(2024, 2, 28))[0]
    assert net_by_account(result.vouchers) == {"110110": Decimal("250.00"), "801600": Decimal("-250.00")}
    with pytest.raises(BilagError, match="no exchange rate for EUR on 2024-01-10") as error:
        revalue_ledger(engine, None, date(2024, 2, 28), rate_date=date(2024, 1, 10))
    assert error.value.code == "no_exchange_rate"
    assert len(ledger_revaluation_history(engine, None)) == 1  # the refused run wrote nothing


def test_preview_posts_nothing(engine):
    setup_company(engine, company())
    deposit(engine)
    preview = revalue_ledger(engine, None, date(2024, 1, 31), preview=True)[0]
    assert net_by_account(preview.vouchers) == {"110110": Decimal("-166.67"), "801400": Decimal("166.67")}
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(s.voucher)).scalar() == 1
        assert connection.execute(select(func.count()).select_from(s.close_run)).scalar() == 0


def test_scope_and_profit_and_loss_interval(engine):
    setup_company(engine, company())
    deposit(engine)
    post(engine, """
        account_type | account | credit | currency | offset_account
        Ledger       | 401100  | 100.00 | EUR      | 110110
    """, day="2024-01-25")  # a sale of 100 EUR at 2.00 (the Jan 20 rate)
    sheet = revalue_ledger(engine, None, date(2024, 1, 31), scope="balance_sheet")[0]
    assert [r["account"] for r in sheet.report()] == ["110110"]  # 600 EUR: 1200.00 -> 1000.00
    assert net_by_account(sheet.vouchers) == {"110110": Decimal("-200.00"), "801400": Decimal("200.00")}
    # P&L: only the movements between From and To date; the sale before Jan 26 is outside.
    assert revalue_ledger(engine, None, date(2024, 1, 31), from_date=date(2024, 1, 26),
                          scope="profit_and_loss")[0].lines == []
    profit = revalue_ledger(engine, None, date(2024, 1, 31), scope="profit_and_loss")[0]
    # revenue -100 EUR: -200.00 -> -166.67; the account takes a debit of 33.33, so the offset is a credit:
    # the unrealized gain account (the offset's side decides, as for balance-sheet accounts)
    assert net_by_account(profit.vouchers) == {"401100": Decimal("33.33"), "801600": Decimal("-33.33")}


def test_an_account_s_rate_type_and_a_per_currency_loss_account(engine):
    setup = company(system_accounts={"unrealized_loss": "801400", "unrealized_gain": "801600",
                                     "unrealized_loss_GBP": "801410"})
    setup["exchange_rates"] += [{"currency": "GBP", "date": "2024-01-01", "rate": "1.30"},
                                {"currency": "GBP", "date": "2024-01-01", "rate": "1.20", "rate_type": "BANK"}]
    setup_company(engine, setup)
    post(engine, """
        account_type | account | debit  | currency | exchange_rate | offset_account
        Ledger       | 110120  | 100.00 | GBP      | 1.25          | 300100
    """, day="2024-01-10")
    result = revalue_ledger(engine, None, date(2024, 1, 31), currencies=["GBP"])[0]
    assert result.lines[0].rate_type == "BANK"
    assert net_by_account(result.vouchers) == {"110120": Decimal("-5.00"), "801410": Decimal("5.00")}


def test_several_companies_in_one_run_and_reversal_out_of_date_order(engine):
    setup_company(engine, company("USMF"))
    setup_company(engine, company("USRT"))
    deposit(engine, "USMF")
    deposit(engine, "USRT", amount="100.00")
    results = revalue_ledger(engine, ["USMF", "USRT"], date(2024, 1, 31))
    assert [net_by_account(r.vouchers)["110110"] for r in results] == [Decimal("-166.67"), Decimal("-33.33")]
    february = revalue_ledger(engine, ["USMF"], date(2024, 2, 28))[0]
    # Reverse January first although February came later (out of date order is allowed).
    reversal = reverse_ledger_revaluation(engine, "USMF", results[0].run_id)
    assert net_by_account(reversal.vouchers) == {"110110": Decimal("166.67"), "801400": Decimal("-166.67")}
    assert reversal.vouchers[0].date == date(2024, 1, 31)
    history = ledger_revaluation_history(engine, "USMF")
    assert [(h["run"], h["status"], h["reverses_run"]) for h in history] == [
        (results[0].run_id, "reversed", None), (february.run_id, "posted", None),
        (reversal.run_id, "reversal", results[0].run_id)]
    with pytest.raises(BilagError) as error:
        reverse_ledger_revaluation(engine, "USMF", results[0].run_id)
    assert error.value.code == "already_reversed"
    balances = {line.account: line.balance_minor for line in trial_balance(engine, "USMF")}
    assert balances["110110"] == 100000 + 41667


def test_a_period_on_hold_refuses_the_run(engine):
    from bilag.services.periods import set_period_status

    setup_company(engine, company())
    deposit(engine)
    set_period_status(engine, None, date(2024, 1, 31), "on_hold")
    with pytest.raises(BilagError) as error:
        revalue_ledger(engine, None, date(2024, 1, 31))
    assert error.value.code == "period_not_open"
    assert ledger_revaluation_history(engine, None) == []


def test_the_accounting_currency_and_unflagged_accounts_are_not_revalued():
    chart = ChartOfAccounts({"110110": MainAccount("110110", "Bank", AccountType.asset, revaluate=True)}, [], [])
    balances = [LedgerBalance("110110", "110110", "USD", 100, 100),
                LedgerBalance("110110", "110110", "EUR", 50000, 100000)]
    lines = plan_ledger_revaluation(chart, balances, "USD", 2, lambda c: 2,
                                    lambda currency, rate_type: Decimal("1.666667"), "default")
    assert [(line.balance.currency, line.revalued_minor, line.delta_minor) for line in lines] == [("EUR", 83333, -16667)]
