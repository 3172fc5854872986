"""Customer/vendor revaluation completed (domain.md B6.1, B6.2 EX-F1, A8): re-revaluation reverses the previous
unrealized amount and posts the new one in the same voucher; methods; considered date; report; companies."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from bilag.services.revaluation import revalue_open_transactions
from bilag.services.setup import setup_company


def company(company_id: str = "USMF") -> dict:
    """EX-F1's figures: 100.00 FC worth 12.00 on Jan 1, 12.50 on Jan 2, 13.00 on Jan 3; then 12.20 on Jan 4."""
    return {
        "company": {"id": company_id, "name": company_id, "accounting_currency": "USD"},
        "calendar": {"first_year_start": "2024-01-01", "years": 1},
        "accounts": [{"id": "110110", "type": "asset"}, {"id": "200110", "type": "liability"},
                     {"id": "606300", "type": "expense"}, {"id": "801300", "type": "expense"},
                     {"id": "801200", "type": "revenue"}, {"id": "801400", "type": "expense"},
                     {"id": "801600", "type": "revenue"}],
        "posting_profiles": {"vendor": {"summary_account": "200110"}},
        "system_accounts": {"exchange_rate_loss": "801300", "exchange_rate_gain": "801200",
                            "unrealized_loss": "801400", "unrealized_gain": "801600"},
        "vendors": [{"id": "V1", "currency": "FC"}],
        "exchange_rates": [{"currency": "FC", "date": "2024-01-01", "rate": "0.12"},
                           {"currency": "FC", "date": "2024-01-02", "rate": "0.125"},
                           {"currency": "FC", "date": "2024-01-03", "rate": "0.13"},
                           {"currency": "FC", "date": "2024-01-04", "rate": "0.122"}],
    }


def invoice(engine, company_id=None):
    from bilag.journal.parsing import lines_from_pipe_table
    from bilag.services.posting import post_journal

    lines = lines_from_pipe_table("""
        account_type | account | credit | offset_account | invoice
        Vendor       | V1      | 100.00 | 606300         | INV-1
    """, default_date=date(2024, 1, 1), source="test")
    return post_journal(engine, company_id, "GNJL", lines)


def entries(result) -> list[tuple[str, str]]:
    return [(e.ledger_account, str(Decimal(e.accounting_minor).scaleb(-2)))
            for v in result.vouchers for e in v.draft.entries]


def test_a_later_gain_first_takes_back_the_earlier_loss_on_the_loss_account(engine):
    setup_company(engine, company())
    invoice(engine)
    first = revalue_open_transactions(engine, None, date(2024, 1, 2))
    assert entries(first) == [("200110", "-0.50"), ("801400", "0.50")]  # EX-F1: 12.50 - 12.00
    second = revalue_open_transactions(engine, None, date(2024, 1, 4))  # 12.20: a gain of 0.30 since Jan 2
    # not "Dr 200110 0.30 / Cr 801600 0.30" but two records in one voucher:
    assert entries(second) == [("200110", "0.50"), ("801400", "-0.50"),     # the previous loss reversed
                               ("200110", "-0.20"), ("801400", "0.20")]     # the new unrealized loss: 12.20 - 12.00
    assert len(second.vouchers) == 1


def test_minimum_keeps_the_earlier_loss_and_invoice_date_cancels_it(engine):
    setup_company(engine, company())
    invoice(engine)
    revalue_open_transactions(engine, None, date(2024, 1, 3))  # 13.00: loss 1.00
    minimum = revalue_open_transactions(engine, None, date(2024, 1, 4), method="minimum")  # 12.20 is a gain
    assert minimum.vouchers == []  # A8: the earlier unrealized loss stays
    back = revalue_open_transactions(engine, None, date(2024, 1, 4), method="invoice_date")
    assert entries(back) == [("200110", "1.00"), ("801400", "-1.00")]  # back to the original 12.00


def test_an_earlier_considered_date_leaves_a_later_revaluation_alone(engine):
    setup_company(engine, company())
    invoice(engine)
    revalue_open_transactions(engine, None, date(2024, 1, 3))
    assert revalue_open_transactions(engine, None, date(2024, 1, 2)).vouchers == []


def pay(engine, amount: str, day: date):
    from bilag.parties.model import PartyType
    from bilag.services.settlement import MarkRequest, Payment, settle

    return settle(engine, None, PartyType.vendor, "V1", [MarkRequest(invoice="INV-1")],
                  payment=Payment(Decimal(amount), "110110", date=day))


def test_a_transaction_settled_after_the_considered_date_counts_as_open_then(engine):
    from .test_settlement_support import assert_ledger_ties

    setup_company(engine, company())
    invoice(engine)
    pay(engine, "40.00", date(2024, 1, 3))  # 40 FC of 100 settled on Jan 3, after the considered date
    result = revalue_open_transactions(engine, None, date(2024, 1, 2))
    assert [(row["open_amount"], row["after"], row["settled_since"]) for row in result.report()] == \
        [("-100.00", "-12.50", "2024-01-03")]  # all 100 FC were open on Jan 2: 12.50
    on_the_date, settled_since = result.vouchers
    assert on_the_date.date == date(2024, 1, 2) and settled_since.date == date(2024, 1, 3)
    assert entries(result) == [("200110", "-0.50"), ("801400", "0.50"),   # Jan 2: EX-F1's unrealized loss
                               ("200110", "0.20"), ("801400", "-0.20")]   # Jan 3: the settled 40 % of it
    assert_ledger_ties(engine)  # the remaining 60 FC carry 0.30 of unrealized loss
    final = pay(engine, "60.00", date(2024, 1, 3))
    assert {e.ledger_account: e.accounting_minor for e in final.voucher.draft.entries
            if e.posting_type != "vendor_balance"}["801400"] == -30
    assert_ledger_ties(engine)


def test_a_fully_settled_transaction_is_revalued_on_the_date_and_reversed_on_its_settlement(engine):
    setup_company(engine, company())
    invoice(engine)
    pay(engine, "100.00", date(2024, 1, 3))
    result = revalue_open_transactions(engine, None, date(2024, 1, 2))
    assert [v.date for v in result.vouchers] == [date(2024, 1, 2), date(2024, 1, 3)]
    assert entries(result) == [("200110", "-0.50"), ("801400", "0.50"), ("200110", "0.50"), ("801400", "-0.50")]


def test_several_companies_a_selected_posting_profile_and_table_dimensions(engine):
    first = company("USMF")
    first["posting_profiles"] = {"vendor": [{"summary_account": "200110"},
                                            {"profile": "REVAL", "summary_account": "200190"}]}
    first["accounts"].append({"id": "200190", "type": "liability"})
    first["dimensions"] = ["BusinessUnit"]
    first["vendors"] = [{"id": "V1", "currency": "FC", "dimensions": {"BusinessUnit": "007"}}]
    setup_company(engine, first)
    setup_company(engine, company("USRT"))
    invoice(engine, "USMF")
    invoice(engine, "USRT")
    from bilag.services.revaluation import revalue_companies

    simulated = revalue_companies(engine, ["USMF"], date(2024, 1, 2), dimensions="table", posting_profile="REVAL",
                                  simulate=True)
    assert entries(simulated[0]) == [("200190-007", "-0.50"), ("801400-007", "0.50")]
    results = revalue_companies(engine, ["USMF", "USRT"], date(2024, 1, 2), dimensions="none")
    assert [entries(r) for r in results] == [[("200110-007", "-0.50"), ("801400-", "0.50")],
                                             [("200110", "-0.50"), ("801400", "0.50")]]


def test_a_run_of_many_transactions_records_each_one_and_revalues_it_again_later(engine):
    """More transactions than the store's bulk-update threshold (PostgreSQL updates them through COPY): each
    transaction keeps its own unrealized amount, date, rate and voucher, and a second run reverses exactly it."""
    from sqlalchemy import select

    from bilag.journal.parsing import lines_from_pipe_table
    from bilag.services.posting import post_journal
    from bilag.store import schema as s

    setup_company(engine, company())
    rows = "\n".join(f"Vendor | V1 | {n}.00 | 606300 | INV-{n}" for n in range(1, 251))
    post_journal(engine, None, "GNJL", lines_from_pipe_table(
        "account_type | account | credit | offset_account | invoice\n" + rows,
        default_date=date(2024, 1, 1), source="test"))
    first = revalue_open_transactions(engine, None, date(2024, 1, 3))  # 0.12 → 0.13: a loss of 1 % of each
    second = revalue_open_transactions(engine, None, date(2024, 1, 4))  # 0.122: 0.2 % of each since Jan 1
    t = s.party_transaction
    assert first.vouchers and second.vouchers
    with engine.connect() as connection:
        rows_found = list(connection.execute(select(t.c.invoice, t.c.unrealized_minor, t.c.last_revaluation_date,
                                                    t.c.last_revaluation_rate, t.c.last_revaluation_voucher,
                                                    t.c.version).where(t.c.company_id == "USMF")))
    assert len(rows_found) == 250
    for invoice_id, unrealized, day, rate, voucher, version in rows_found:
        n = int(invoice_id.split("-")[1])
        assert unrealized == -(n * 100 * 2 // 1000) - (1 if (n * 100 * 2) % 1000 >= 500 else 0), invoice_id
        assert (day, rate, voucher, version) == (date(2024, 1, 4), "0.122", second.vouchers[0].number, 3)
