"""Two users settling the same invoice at once: one succeeds, the others get a clear conflict; never over-settled."""
import threading
from datetime import date
from decimal import Decimal as D

from sqlalchemy import func, select

from bilag.errors import BilagError
from bilag.parties.model import PartyType
from bilag.services.settlement import MarkRequest, Payment, settle
from bilag.store import schema as s

from .support import make_company, post


def test_concurrent_settlements_of_one_invoice_settle_it_once(engine):
    make_company(engine)
    post(engine, """
        voucher | account_type | account | credit | offset_account | invoice
        VI-1    | Vendor       | 1001    | 100.00 | 606300-001--   | VI-1
    """)
    outcomes: list[object] = []
    barrier = threading.Barrier(4)

    def user(number: int) -> None:
        barrier.wait()
        try:
            settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="VI-1")],
                   payment=Payment(D("100.00"), "110110-001-", f"PAY-{number}"), day=date(2024, 1, 20))
            outcomes.append("settled")
        except BilagError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes.count("settled") == 1, outcomes
    assert set(outcomes) - {"settled"} <= {"not_open_transaction", "concurrency_conflict", "already_settled"}
    with engine.connect() as connection:
        t = s.party_transaction
        assert connection.execute(select(t.c.open_minor).where(t.c.invoice == "VI-1")).scalar() == 0
        assert connection.execute(select(func.count()).select_from(s.settlement)).scalar() == 2
        # the losers' payments were rolled back with their settlement: one payment voucher only
        assert connection.execute(select(func.count()).select_from(s.voucher)
                                  .where(s.voucher.c.voucher_number.like("PAY-%"))).scalar() == 1
        summary = connection.execute(select(func.sum(s.balance.c.accounting_minor))
                                     .where(s.balance.c.ledger_account == "200110-001-")).scalar()
        assert summary == 0
