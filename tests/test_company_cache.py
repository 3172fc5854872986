"""Company data is loaded once per process and loaded again only when its master data changed (issue 11):
from this process, another connection, or another process; a rolled-back change leaves it valid."""
from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from bilag.errors import BilagError, JournalRejected
from bilag.journal.parsing import lines_from_pipe_table
from bilag.parties.model import PartyType
from bilag.services.masterdata import change_record
from bilag.services.periods import set_period_status
from bilag.services.posting import post_journal
from bilag.store.companies import load_company
from bilag.store.database import open_store

from .support import make_company, post

BILAG = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "bilag"
INVOICE = """
    voucher | account_type | account | credit | offset_account | invoice
    VI-1    | Vendor       | 1001    | 10.00  | 606300-001--   | INV-1
"""


def loaded(engine):
    with engine.connect() as connection:
        return load_company(connection, "USMF")


def master_version(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT master_version FROM company WHERE company_id = 'USMF'")).scalar()


def test_the_company_is_loaded_once_while_its_master_data_is_unchanged(engine):
    make_company(engine)
    first = loaded(engine)
    post(engine, INVOICE)  # posting is no master-data change
    assert loaded(engine) is first
    assert master_version(engine) != 0


def test_a_change_from_another_process_is_seen_by_the_next_use_case(engine, store_url):
    make_company(engine)
    before = loaded(engine)
    assert before.party(PartyType.vendor, "1001").name != "Renamed in another process"
    result = subprocess.run([str(BILAG), "--database", store_url, "change", "vendor", "1001",
                             "name=Renamed in another process"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    after = loaded(engine)
    assert after is not before
    assert after.party(PartyType.vendor, "1001").name == "Renamed in another process"
    assert loaded(engine) is after


def test_a_period_put_on_hold_from_another_connection_refuses_the_next_posting(engine, store_url):
    make_company(engine)
    post(engine, INVOICE)  # loads and keeps the company, period open
    other = open_store(store_url)  # another engine: its own connections, as another process has
    try:
        set_period_status(other, None, date(2024, 1, 5), "on_hold")
    finally:
        other.dispose()
    assert loaded(engine).calendar.operating_period(date(2024, 1, 5)).status.value == "on_hold"
    # Refused by the rules on the company as loaded again (a stale company would pass them and be stopped
    # only by the re-read of the periods while writing: PeriodNotOpen).
    with pytest.raises(JournalRejected) as refused:
        post(engine, INVOICE.replace("VI-1", "VI-2").replace("INV-1", "INV-2"))
    assert [p.code for p in refused.value.problems] == ["period_not_open"]


def test_every_kind_of_master_data_write_renews_the_version(engine):
    make_company(engine)
    seen = {master_version(engine)}
    change_record(engine, None, "vendor", ("1001",), {"name": "Changed by the service"})
    seen.add(master_version(engine))
    with engine.begin() as connection:  # written around the services: still a change of master data
        connection.execute(text("UPDATE main_account SET name = 'Renamed' WHERE company_id = 'USMF' "
                                "AND account_id = '606300'"))
    seen.add(master_version(engine))
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM exchange_rate WHERE company_id = 'USMF' AND currency = 'zzz'")
    seen.add(master_version(engine))
    assert len(seen) == 4
    assert loaded(engine).chart.main_accounts["606300"].name == "Renamed"


def test_a_change_rolled_back_leaves_the_loaded_company_as_it_was(engine):
    make_company(engine)
    before = loaded(engine)
    version = master_version(engine)
    with pytest.raises(RuntimeError):
        with engine.begin() as connection:
            connection.execute(text("UPDATE party SET name = 'Never committed' WHERE company_id = 'USMF' "
                                    "AND party_id = '1001'"))
            assert load_company(connection, "USMF").party(PartyType.vendor, "1001").name == "Never committed"
            raise RuntimeError("roll back")
    assert master_version(engine) == version
    after = loaded(engine)
    assert after.party(PartyType.vendor, "1001").name == before.party(PartyType.vendor, "1001").name


def test_every_table_the_company_is_read_from_renews_the_version(engine):
    """A table read_company reads but MASTER_TABLES lacks would leave processes with stale company data."""
    import re

    from sqlalchemy import event

    from bilag.store.companies import read_company
    from bilag.store.master_version import MASTER_TABLES

    make_company(engine)
    read: set[str] = set()

    def seen(_connection, _cursor, statement, *_args):
        read.update(name.lower() for name in re.findall(r"\bFROM\s+\"?(\w+)", statement, re.IGNORECASE))

    with engine.connect() as connection:
        event.listen(connection, "before_cursor_execute", seen)
        read_company(connection, "USMF")
    assert read and read <= MASTER_TABLES, read - MASTER_TABLES


def test_the_loaded_company_is_frozen_and_carries_its_settlement_settings_typed(engine):
    """The company is shared by every call of the process: nothing is stored on it after loading (issue 14:
    settings built once at load instead of a string-keyed cache filled while settling)."""
    import dataclasses
    from decimal import Decimal

    from bilag.company import SettlementSettings
    from bilag.services.setup import set_parameters

    make_company(engine)
    with engine.begin() as connection:
        set_parameters(connection, "USMF", {"max_penny_difference": "0.05", "max_overpayment": "1.5",
                                            "cash_discount_administration": "unspecific",
                                            "discount_offset_accounts": "main_account",
                                            "cash_discount_partial_payments": False,
                                            "cash_discount_credit_notes": False})
    company = loaded(engine)
    assert company.settlement == SettlementSettings(
        discount_credit_notes=False, discount_partial_payments=False, discount_unspecific=True,
        discount_by_invoice_lines=False, max_penny_difference=Decimal("0.05"), max_overpayment=Decimal("1.5"),
        type_rank={"fee": 0, "collection_letter": 1, "interest_note": 2, "invoice": 3})
    with pytest.raises(dataclasses.FrozenInstanceError):
        company.settlement = SettlementSettings()  # type: ignore[misc]
    assert not hasattr(company, "memo")


def test_settlement_settings_of_the_default_parameters():
    from decimal import Decimal

    from bilag.company import DEFAULT_PARAMETERS, SettlementSettings

    assert SettlementSettings.from_parameters({}) == SettlementSettings.from_parameters(dict(DEFAULT_PARAMETERS))
    assert SettlementSettings.from_parameters({}) == SettlementSettings(
        discount_credit_notes=True, discount_partial_payments=True, discount_unspecific=False,
        discount_by_invoice_lines=True, max_penny_difference=Decimal(0), max_overpayment=Decimal(0),
        type_rank={"fee": 0, "collection_letter": 1, "interest_note": 2, "invoice": 3})
    assert SettlementSettings.from_parameters({"settlement_type_priority": ["invoice", "fee"]}).type_rank == {
        "invoice": 0, "fee": 1}
    assert SettlementSettings.from_parameters({"cash_discount_administration": "specific",
                                               "discount_offset_accounts": "invoice_lines",
                                               "max_penny_difference": None}).max_penny_difference == 0


# ---------------------------------------------------------------- the kept company on PostgreSQL (no round trip of
# its own for the version check: services/company_transaction.py). These hold on every store.

LEDGER_LINE = """
    account_type | account      | debit  | credit | offset_account
    Ledger       | 606300-001-- | 100.00 |        | 110110-001-
"""


def test_a_refusal_made_from_stale_company_data_is_not_reported(engine, store_url):
    """A hold released in another process: the posting must not be refused by the hold this process kept (on
    PostgreSQL it plans with the kept company before the version is read, and the refusal comes first)."""
    make_company(engine)
    change_record(engine, None, "vendor", ("1001",), {"hold": "all"})
    with pytest.raises(JournalRejected):
        post(engine, INVOICE)  # loads and keeps the company with the vendor on hold
    other = open_store(store_url)
    try:
        change_record(other, None, "vendor", ("1001",), {"hold": "no"})
    finally:
        other.dispose()
    posted = post(engine, INVOICE)
    assert [voucher.number for voucher in posted.vouchers] == ["VI-1"]


def test_a_users_groups_changed_in_another_process_are_seen_by_the_next_posting(engine, store_url):
    from bilag.services.users import add_to_group

    make_company(engine, user_groups=[{"name": "Closers", "users": ["carol"]}])
    set_period_status(engine, None, date(2024, 1, 5), None, access="Closers")
    post(engine, LEDGER_LINE, user="carol")  # keeps the company and carol's groups
    with pytest.raises(JournalRejected) as refused:
        post(engine, LEDGER_LINE, user="dave")
    assert [p.code for p in refused.value.problems] == ["period_access_denied"]
    other = open_store(store_url)
    try:
        add_to_group(other, "dave", None, "Closers")  # no master-data change: the groups are checked on their own
    finally:
        other.dispose()
    posted = post(engine, LEDGER_LINE, user="dave")
    assert len(posted.vouchers) == 1


def test_a_settlement_after_a_change_in_another_process_uses_the_new_data(engine, store_url):
    from bilag.services.settlement import MarkRequest, Payment, settle

    make_company(engine)
    post(engine, INVOICE)
    other = open_store(store_url)
    try:
        change_record(other, None, "vendor", ("1001",), {"hold": "payment"})
    finally:
        other.dispose()
    with pytest.raises(BilagError):  # the hold set in the other process refuses the payment
        settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="INV-1")],
               payment=Payment(Decimal("10.00"), "110110-001-", voucher="PAY-1", date=date(2024, 1, 20)))


def test_one_posting_on_postgresql_checks_the_kept_company_in_its_first_round_trip(engine):
    """The version check travels with the posting's first statements: one round trip fewer per operation."""
    from bilag.store import pg_pipeline
    from bilag.store.bulk import is_citus, is_postgres

    with engine.connect() as connection:
        if not is_postgres(connection) or is_citus(connection):
            pytest.skip("round trips are PostgreSQL's (Citus routes each statement on its own)")

    make_company(engine)
    post(engine, INVOICE)  # loads and keeps the company
    sent: list[list[str]] = []
    original = pg_pipeline.run

    def counted(raw, info, statements):
        sent.append([sql for sql, _params in statements])
        return original(raw, info, statements)

    pg_pipeline.run = counted
    try:
        post_journal(engine, "USMF", "GNJL", lines_from_pipe_table(
            INVOICE.replace("VI-1", "VI-2").replace("INV-1", "INV-2"), default_date=date(2024, 1, 5), source="t"))
    finally:
        pg_pipeline.run = original
    version_reads = [index for index, sqls in enumerate(sent) for sql in sqls if "master_version" in sql]
    assert version_reads == [0] and len(sent[0]) > 1, sent
