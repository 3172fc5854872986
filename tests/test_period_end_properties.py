"""Property tests of the period-end core: every voucher it plans balances; the year-end close zeroes the
profit-and-loss accounts and opens the next year with the balance sheet; allocations give what they take."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bilag.close.allocations import AllocationRule, Destination, plan_allocation
from bilag.close.year_end import YearEndOptions, plan_year_end
from bilag.fx.ledger_revaluation import LedgerBalance, ledger_revaluation_entries, plan_ledger_revaluation
from bilag.ledger.accounts import AccountStructure, AccountType, ChartOfAccounts, MainAccount

CHART = ChartOfAccounts(
    {"110110": MainAccount("110110", "Bank", AccountType.asset, revaluate=True),
     "200110": MainAccount("200110", "Payables", AccountType.liability, revaluate=True),
     "300200": MainAccount("300200", "Retained earnings", AccountType.equity),
     "401100": MainAccount("401100", "Sales", AccountType.revenue),
     "606300": MainAccount("606300", "Costs", AccountType.expense),
     "801400": MainAccount("801400", "Unrealized loss", AccountType.expense),
     "801600": MainAccount("801600", "Unrealized gain", AccountType.revenue)},
    ["BusinessUnit"], [AccountStructure("All", "", "\uffff", ("BusinessUnit",))])
ACCOUNTS = ["110110", "200110", "401100", "606300"]
UNITS = ["", "001", "002"]

postings = st.lists(st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(UNITS), st.sampled_from(ACCOUNTS),
                              st.sampled_from(UNITS), st.integers(1, 10**9)), min_size=1, max_size=30)


def balances_of(moves) -> dict[str, int]:
    totals: dict[str, int] = {}
    for debit, debit_unit, credit, credit_unit, amount in moves:
        for main, unit, sign in ((debit, debit_unit, 1), (credit, credit_unit, -1)):
            key = f"{main}-{unit}"
            totals[key] = totals.get(key, 0) + sign * amount
    return totals


@settings(max_examples=150, deadline=None)
@given(postings, st.booleans(), st.booleans(), st.sampled_from(["all", "", "009"]))
def test_year_end_vouchers_balance_and_zero_the_profit_and_loss(moves, closing, transfer, single):
    totals = balances_of(moves)
    sheet = {(k, k.split("-")[0], "USD"): [v, v] for k, v in totals.items()
             if CHART.main_account(k.split("-")[0]).type.is_balance_sheet}
    profit = {(k, k.split("-")[0], "USD"): [v, v] for k, v in totals.items()
              if not CHART.main_account(k.split("-")[0]).type.is_balance_sheet}
    options = YearEndOptions("300200", closing, transfer, {"BusinessUnit": single})
    plan = plan_year_end(CHART, "USD", sheet, profit, {}, options)
    assert sum(e.accounting_minor for e in plan.closing) == 0
    assert sum(e.accounting_minor for e in plan.opening) == 0
    if closing:
        after: dict[str, int] = {}
        for entry in plan.closing:
            after[entry.ledger_account] = after.get(entry.ledger_account, 0) + entry.accounting_minor
        for (account, _main, _currency), (_amount, accounting) in profit.items():
            assert accounting + after.get(account, 0) == 0
    opened = sum(e.accounting_minor for e in plan.opening if e.main_account == "300200")
    assert opened == sum(v[1] for v in profit.values())  # the year's result lands on retained earnings


@settings(max_examples=150, deadline=None)
@given(postings, st.lists(st.integers(1, 60), min_size=1, max_size=4))
def test_allocations_give_exactly_what_they_take(moves, percents):
    if sum(percents) > 100:
        percents = [1] * len(percents)
    rule = AllocationRule("R", ("401100..606300",), destinations=tuple(
        Destination(f"606300-00{i % 2 + 1}", Decimal(p)) for i, p in enumerate(percents)), zero_source="continue")
    lines = plan_allocation(CHART, rule, balances_of(moves))
    assert sum(line.amount_minor for line in lines) == 0


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["110110-001", "200110-002"]), st.integers(-10**9, 10**9),
                          st.integers(-10**9, 10**9)), min_size=1, max_size=10, unique_by=lambda t: t[0]),
       st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000"), places=4))
def test_gl_revaluation_balances_and_lands_on_the_rate(rows, rate):
    balances = [LedgerBalance(account, account.split("-")[0], "EUR", amount, accounting)
                for account, amount, accounting in rows]
    lines = plan_ledger_revaluation(CHART, balances, "USD", 2, lambda c: 2, lambda c, t: rate, "default")
    entries = ledger_revaluation_entries(CHART, lines, "USD", lambda purpose, currency: {
        "unrealized_loss": "801400", "unrealized_gain": "801600"}[purpose])
    assert sum(e.accounting_minor for e in entries) == 0
    for line in lines:
        exact = Decimal(line.balance.amount_minor) * rate
        assert abs(Decimal(line.revalued_minor) - exact) <= Decimal("0.5")
