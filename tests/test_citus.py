"""bilag on Citus, sharded by legal entity (store/citus.py, docs/citus.md).

The schema rules run everywhere (pure metadata: every landing that adds a table is checked). The routing
tests need a Citus cluster: BILAG_TEST_STORES naming `citus` (scripts/citus-cluster starts one).
"""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
)

from bilag.parties.model import PartyType
from bilag.services.reports import trial_balance
from bilag.services.settlement import MarkRequest, Payment, settle
from bilag.store import schema
from bilag.store.bulk import next_ids
from bilag.store.citus import distribution_problems, has_citus, is_company_table, layout
from bilag.store.database import normalise_url

from .conftest import _fresh_citus, _stores
from .support import seed_setup

citus_only = pytest.mark.skipif("citus" not in _stores(), reason="BILAG_TEST_STORES does not name citus")


# ---------------------------------------------------------------- the schema can be distributed (every store)

def test_the_schema_can_be_distributed_by_company():
    assert distribution_problems(schema.metadata) == []


def test_every_table_is_a_company_table_or_a_global_one():
    company_tables = {t.name for t in schema.metadata.sorted_tables if is_company_table(t)}
    assert {"voucher", "ledger_entry", "balance", "party_transaction", "settlement", "number_sequence",
            "posting_request", "currency"} <= company_tables
    assert "company" in company_tables  # the legal entities too: their rows sit with their books
    for table in schema.metadata.sorted_tables:
        if table.name not in company_tables:  # replicated: must not refer to a distributed table
            assert all(not is_company_table(fk.column.table) for fk in table.foreign_keys), table.name


def _toy_schema() -> MetaData:
    metadata = MetaData()
    Table("company", metadata, Column("company_id", String(20), primary_key=True))
    Table("user", metadata, Column("user_name", String(20), primary_key=True))
    Table("doc", metadata, Column("company_id", String(20)), Column("doc_id", Integer),
          PrimaryKeyConstraint("company_id", "doc_id"),
          ForeignKeyConstraint(["company_id"], ["company.company_id"], name="fk_doc_company"))
    return metadata


def test_the_schema_rules_name_each_violation():
    assert distribution_problems(_toy_schema()) == []
    metadata = _toy_schema()
    Table("no_key", metadata, Column("company_id", String(20)), Column("line_id", Integer, primary_key=True))
    Table("unique_number", metadata, Column("company_id", String(20)), Column("doc_id", Integer),
          Column("number", String(20)), PrimaryKeyConstraint("company_id", "doc_id"),
          UniqueConstraint("number", name="uq_number"), Index("ix_number", "number", unique=True))
    Table("line", metadata, Column("company_id", String(20)), Column("doc_id", Integer), Column("line", Integer),
          PrimaryKeyConstraint("company_id", "doc_id", "line"),
          ForeignKeyConstraint(["doc_id"], ["doc.doc_id"], name="fk_line_doc_without_company"))
    Table("consolidation", metadata, Column("company_id", String(20)), Column("member_id", String(20)),
          Column("doc_id", Integer), PrimaryKeyConstraint("company_id", "member_id"),
          ForeignKeyConstraint(["member_id", "doc_id"], ["doc.company_id", "doc.doc_id"], name="fk_member_doc"))
    Table("cascade", metadata, Column("company_id", String(20)), Column("doc_id", Integer),
          PrimaryKeyConstraint("company_id", "doc_id"),
          ForeignKeyConstraint(["company_id", "doc_id"], ["doc.company_id", "doc.doc_id"], name="fk_set_null",
                               ondelete="SET NULL"))
    Table("token", metadata, Column("token", String(20), primary_key=True), Column("owner", String(20)),
          Column("doc_id", Integer),
          ForeignKeyConstraint(["owner", "doc_id"], ["doc.company_id", "doc.doc_id"], name="fk_token_doc"))
    Table("numeric_company", metadata, Column("company_id", Integer, primary_key=True))
    problems = "\n".join(distribution_problems(metadata))
    assert "no_key: primary key (line_id) lacks company_id" in problems
    assert "unique_number: unique constraint uq_number (number) lacks company_id" in problems
    assert "unique_number: unique index ix_number lacks company_id" in problems
    assert "line: foreign key fk_line_doc_without_company to doc does not map company_id" in problems
    assert "consolidation: foreign key fk_member_doc to doc does not map company_id" in problems
    assert "consolidation: foreign key fk_member_doc maps member_id to doc.company_id" in problems
    assert "cascade: foreign key fk_set_null has ON DELETE SET NULL" in problems
    assert "token: global table refers to company table doc (fk_token_doc)" in problems
    assert "numeric_company.company_id is INTEGER" in problems
    assert len(distribution_problems(metadata)) == 9


# ---------------------------------------------------------------- on a Citus cluster

@pytest.fixture
def citus_url(request) -> str:
    return _fresh_citus(request.getfixturevalue("citus_template"))


@contextmanager
def remote_commands(url: str):
    """An engine whose statements report what the coordinator sends to the workers (citus.log_remote_commands):
    yields (engine, log); log holds ("statement", sql) for each statement bilag sends through SQLAlchemy and
    ("remote", command, server) for each command the coordinator sends on."""
    engine = create_engine(normalise_url(url), connect_args={"options": "-c citus.log_remote_commands=on"})
    log: list[tuple] = []

    @event.listens_for(engine, "connect")
    def _listen(dbapi_connection, _record):
        def notice(diagnostic):
            if (diagnostic.message_primary or "").startswith("issuing "):
                log.append(("remote", diagnostic.message_primary[len("issuing "):], diagnostic.message_detail or ""))
        dbapi_connection.add_notice_handler(notice)

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(_connection, _cursor, statement, *_):
        log.append(("statement", statement))

    try:
        yield engine, log
    finally:
        engine.dispose()


def _shards(url: str) -> dict[str, tuple[str, str | None]]:
    """Shard table name (e.g. voucher_102008) -> (table, its shard group's lowest hash; None: a reference table)."""
    engine = create_engine(normalise_url(url))
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT logicalrelid::regclass::text, shardid, shardminvalue FROM pg_dist_shard").all()
    engine.dispose()
    return {f"{table}_{shard}": (table, low) for table, shard, low in rows}


def _shard_group(url: str, company_id: str) -> str:
    engine = create_engine(normalise_url(url))
    with engine.connect() as connection:
        low = connection.exec_driver_sql(
            "SELECT shardminvalue FROM pg_dist_shard WHERE shardid = "
            "get_shard_id_for_distribution_column('voucher', %s::text)", (company_id,)).scalar()
    engine.dispose()
    return low


def _touched(log: list[tuple], shards: dict) -> list[tuple[str, set, set]]:
    """Per bilag statement: the shard groups and the servers of the commands sent on for it."""
    pattern = re.compile(r"\b(\w+_\d+)\b")
    result: list[tuple[str, set, set]] = []
    for item in log:
        if item[0] == "statement":
            result.append((item[1], set(), set()))
        else:
            if not result:
                result.append(("(before the first statement)", set(), set()))
            groups = {shards[name][1] for name in pattern.findall(item[1]) if name in shards}
            result[-1][1].update(g for g in groups if g is not None)
            server = re.search(r"on server (\S+)", item[2])
            result[-1][2].add(server.group(1) if server else item[2])
    return result


def assert_one_shard_group(log: list[tuple], shards: dict, group: str, what: str, one_phase: bool = True) -> None:
    """Every command the coordinator sent on for the logged statements went to one shard group on one worker."""
    statements = _touched(log, shards)
    assert any(groups for _, groups, _ in statements), f"{what}: no command reached a worker"
    for statement, groups, servers in statements:
        assert groups <= {group}, f"{what}: {statement[:120]!r} reached shard groups {groups}"
        assert len(servers) <= 1, f"{what}: {statement[:120]!r} went to {servers}"
    assert len({server for _, _, servers in statements for server in servers}) == 1, what
    connections = {re.sub(r".*on server ", "", item[2]) for item in log if item[0] == "remote"}
    assert len(connections) == 1, f"{what}: several worker connections {connections}"
    remote = " ".join(item[1] for item in log if item[0] == "remote")
    if one_phase:  # small writes are multi-row INSERTs; a COPY commits in two phases, on that one worker
        assert "PREPARE TRANSACTION" not in remote, f"{what}: a two-phase commit"


def _two_companies_in_two_shard_groups(url: str) -> tuple[str, str]:
    candidates = ["USMF", "DEMF", "GBSI", "FRSI", "JPMF", "CAMF", "MXMF", "BRMF"]
    groups = {company: _shard_group(url, company) for company in candidates}
    other = next(c for c in candidates[1:] if groups[c] != groups["USMF"])
    return "USMF", other


def post(engine, table: str, *, company: str, **options):
    from bilag.journal.parsing import lines_from_pipe_table
    from bilag.services.posting import post_journal

    lines = lines_from_pipe_table(table, default_date=date(2024, 1, 5), source="test")
    return post_journal(engine, company, "GNJL", lines, **options)


def _make(engine, company_id: str) -> None:
    from bilag.services.setup import setup_company

    setup = seed_setup()
    setup["company"] = {**setup["company"], "id": company_id}
    setup_company(engine, setup)


@citus_only
def test_every_table_is_distributed_by_company_and_co_located(citus_url):
    engine = create_engine(normalise_url(citus_url))
    with engine.connect() as connection:
        tables = layout(connection)
    engine.dispose()
    distributed = [t for t in tables if t.kind == "distributed"]
    assert {t.table for t in distributed} == {t.name for t in schema.metadata.sorted_tables if is_company_table(t)}
    assert len({t.colocation_id for t in distributed}) == 1
    assert {t.table for t in tables if t.kind == "reference"} == \
        {t.name for t in schema.metadata.sorted_tables if not is_company_table(t)}


@citus_only
def test_a_posting_a_settlement_and_a_trial_balance_are_each_routed_to_their_company_shard_group(citus_url):
    first, second = _two_companies_in_two_shard_groups(citus_url)
    setup_engine = create_engine(normalise_url(citus_url))
    for company in (first, second):
        _make(setup_engine, company)
    setup_engine.dispose()
    shards = _shards(citus_url)
    group = _shard_group(citus_url, first)
    assert group != _shard_group(citus_url, second)

    def check(log, what, one_phase=True):
        assert_one_shard_group(log, shards, group, what, one_phase)

    with remote_commands(citus_url) as (engine, log):
        post(engine, """
            voucher | account_type | account | credit | offset_account | invoice
            VI-1    | Vendor       | 1001    | 100.00 | 606300-001--   | VI-1
        """, company=first)
        copied = " ".join(item[1] for item in log if item[0] == "remote")
        assert "INSERT INTO public.ledger_entry_" in copied  # a small write: one multi-row INSERT
        check(log, "posting")
        log.clear()
        settle(engine, first, PartyType.vendor, "1001", [MarkRequest(invoice="VI-1")],
               payment=Payment(D("100.00"), "110110-001-", "PAY-1"), day=date(2024, 1, 20))
        assert any("settlement_" in item[1] for item in log if item[0] == "remote")
        check(log, "settlement")
        log.clear()
        assert trial_balance(engine, first)
        check(log, "trial balance")
        log.clear()
        invoices = "\n".join(f"VI-{n} | Vendor | 1001 | 10.00 | 606300-001-- | VI-{n}" for n in range(2, 152))
        post(engine, "voucher | account_type | account | credit | offset_account | invoice\n" + invoices,
             company=first)
        assert re.search(r"COPY public\.ledger_entry_\d+", " ".join(item[1] for item in log)), "300 entries: COPY"
        check(log, "posting 150 invoices", one_phase=False)


def _two_set_up(url: str, setup_of, set_up=None) -> tuple[str, str, dict, str]:
    """Two companies in two shard groups, each set up from setup_of(company_id): (first, second, shards, group)."""
    from bilag.services.setup import setup_company

    first, second = _two_companies_in_two_shard_groups(url)
    engine = create_engine(normalise_url(url))
    for company_id in (first, second):
        (set_up or setup_company)(engine, setup_of(company_id))
    engine.dispose()
    return first, second, _shards(url), _shard_group(url, first)


def _with_id(setup: dict, company_id: str) -> dict:
    return {**setup, "company": {**setup["company"], "id": company_id}}


@citus_only
def test_customer_revaluation_and_write_off_are_each_routed_to_their_company_shard_group(citus_url):
    from bilag.services.invoices import create_invoice, post_invoices
    from bilag.services.journals import post_stored_journal
    from bilag.services.revaluation import revalue_open_transactions
    from bilag.services.write_off import write_off

    from .collect_support import collect_setup, invoice

    rates = [{"currency": "EUR", "date": "2024-01-01", "rate": "1.10"},
             {"currency": "EUR", "date": "2024-02-01", "rate": "1.20"}]

    def setup_of(company_id: str) -> dict:
        setup = _with_id(collect_setup(exchange_rates=rates), company_id)
        setup["accounts"] = setup["accounts"] + [{"id": "801400", "name": "Unrealized loss", "type": "expense"},
                                                 {"id": "801600", "name": "Unrealized gain", "type": "revenue"}]
        setup["system_accounts"] = {**setup.get("system_accounts", {}), "unrealized_loss": "801400",
                                    "unrealized_gain": "801600"}
        return setup

    first, second, shards, group = _two_set_up(citus_url, setup_of)
    with remote_commands(citus_url) as (engine, log):
        for company_id in (first, second):
            post_invoices(engine, company_id, [create_invoice(engine, company_id, invoice(
                "C-3", "2024-01-10", ("401100-001--", "1000.00", "FULL"), currency="EUR"))])
            post_invoices(engine, company_id, [create_invoice(engine, company_id, invoice(
                "C-1", "2024-01-10", ("401100-001--", "1000.00", "FULL")))])
        log.clear()
        result = revalue_open_transactions(engine, first, date(2024, 2, 29))
        assert result.vouchers, "the EUR invoice is revalued"
        assert_one_shard_group(log, shards, group, "customer revaluation")
        log.clear()
        written_off = write_off(engine, first, day=date(2024, 3, 31), customers=["C-1"], reason="BADDEBT")
        post_stored_journal(engine, first, written_off.journal_id)
        assert_one_shard_group(log, shards, group, "write-off")


@citus_only
def test_ledger_revaluation_is_routed_to_its_company_shard_group(citus_url):
    from bilag.services.ledger_revaluation import revalue_ledger

    from .test_ledger_revaluation import company, deposit

    first, second, shards, group = _two_set_up(citus_url, company)
    with remote_commands(citus_url) as (engine, log):
        for company_id in (first, second):
            deposit(engine, company_id)
        log.clear()
        revalue_ledger(engine, [first], date(2024, 1, 31))
        assert_one_shard_group(log, shards, group, "ledger revaluation")


@citus_only
def test_a_lease_batch_is_routed_to_its_company_shard_group(citus_url):
    from bilag.services.leases import add_leases, create_lease_journals, setup_company_with_leases

    from .lease_support import ex_l1_lease, lease_setup

    first, second, shards, group = _two_set_up(citus_url, lambda c: _with_id(lease_setup(), c),
                                               setup_company_with_leases)
    with remote_commands(citus_url) as (engine, log):
        for company_id in (first, second):
            add_leases(engine, company_id, [ex_l1_lease()])
        log.clear()
        create_lease_journals(engine, first, ["initial_recognition"], date(2024, 1, 31), post=True)
        assert_one_shard_group(log, shards, group, "initial recognition")
        log.clear()
        create_lease_journals(engine, first, ["payment", "interest", "depreciation"], date(2024, 6, 30), post=True)
        assert_one_shard_group(log, shards, group, "monthly lease batch", one_phase=False)


def test_numbers_and_idempotency_keys_are_per_company_without_a_shared_lock(store_url):
    # On PostgreSQL and Citus (SQLite has one writer at a time by design).
    if store_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers")
    setup_engine = create_engine(normalise_url(store_url))
    with setup_engine.connect() as connection:
        citus = has_citus(connection)
    first, second = _two_companies_in_two_shard_groups(store_url) if citus else ("USMF", "DEMF")
    for company in (first, second):
        _make(setup_engine, company)
    journal = """
        voucher | account_type | account | credit | offset_account | invoice
        VI-1    | Vendor       | 1001    | 100.00 | 606300-001--   | VI-1
    """
    hurried = create_engine(normalise_url(store_url), connect_args={"options": "-c statement_timeout=5000"})
    holder = setup_engine.connect()
    transaction = holder.begin()
    try:
        next_ids(holder, first, "batch", 1)  # the first company's batch counter stays locked
        # the other company posts meanwhile: its counters, keys and balances are its own rows on its own shard
        result = post(hurried, journal, company=second, idempotency_key="K-1")
        assert result.batch_id == 1
        blocked: list[BaseException] = []
        thread = threading.Thread(target=lambda: _catch(blocked, lambda: post(hurried, journal, company=first)))
        thread.start()
        thread.join(30)
        assert blocked and "statement timeout" in str(blocked[0])  # the lock is real: this test can fail
    finally:
        transaction.rollback()
        holder.close()
    again = post(hurried, journal.replace("VI-1", "VI-2"), company=first, idempotency_key="K-1")
    assert again.batch_id == 1 and not hasattr(again, "replayed_summary")  # the same key, another company
    replayed = post(hurried, journal, company=second, idempotency_key="K-1")
    assert replayed.replayed_summary
    hurried.dispose()
    setup_engine.dispose()


def _catch(sink: list, call) -> None:
    try:
        call()
    except BaseException as error:  # noqa: BLE001 - handed to the test thread
        sink.append(error)
