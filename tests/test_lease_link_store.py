"""The lease batch's journal entries (lease_journal_entry, one row per schedule line journalised) as stored: an
index by journal that holds only the entries of journals still to post, which the lease run and the lock on lease
journals find through it (migration 0022); the migration keeps the rows."""
from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import select

from bilag.services.leases import CREATED, add_leases, create_lease_journals, post_lease_journals
from bilag.store import schema as s
from bilag.store.database import alembic_config, migrate

from .lease_support import ex_l1_lease, make_lease_company
from .support import schema_differences

LINK = s.lease_journal_entry


def links(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(LINK).order_by(LINK.c.lease_id, LINK.c.schedule,
                                                                          LINK.c.month, LINK.c.journal_id))]


def test_the_entries_of_journals_to_post_are_found_by_journal_through_the_partial_index(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(), ex_l1_lease(id="L-002")])
    create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    created = create_lease_journals(engine, None, ["interest"], date(2024, 3, 31))
    [journal_id] = [journal.journal_id for journal in created.journals]
    query = select(LINK.c.lease_id, LINK.c.month).where(LINK.c.company_id == "USMF", LINK.c.journal_id == journal_id,
                                                        CREATED)
    with engine.connect() as connection:
        assert sorted(connection.execute(query).all()) == [("L-001", 0), ("L-001", 1), ("L-001", 2),
                                                           ("L-002", 0), ("L-002", 1), ("L-002", 2)]
        if engine.dialect.name == "sqlite":
            compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
            assert "USING INDEX ix_lease_journal_entry_journal" in plan
            # Only the created entries are in the index: the posted ones are not.
            assert connection.exec_driver_sql(
                "SELECT count(*) FROM lease_journal_entry INDEXED BY ix_lease_journal_entry_journal "
                "WHERE status = 'created' AND company_id = 'USMF'").scalar() == 6
        else:
            definition = connection.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_lease_journal_entry_journal'").scalar()
            assert definition.endswith("WHERE ((status)::text = 'created'::text)")
    run = post_lease_journals(engine, None)
    assert [journal.journal_id for journal in run.journals] == [journal_id]
    with engine.connect() as connection:
        assert connection.execute(query).all() == []
        assert {r[0] for r in connection.execute(select(LINK.c.status))} == {"posted"}


def test_migration_0022_goes_down_and_up_again_keeping_the_entries(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    create_lease_journals(engine, None, ["payment", "interest"], date(2024, 2, 29))
    before = links(engine)
    assert len(before) == 5 and {row[8] for row in before} == {"posted", "created"}
    config = alembic_config(engine)
    for target in ("0021", "head"):
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if target == "0021" else command.upgrade)(config, target)
        assert links(engine) == before
    with engine.connect() as connection:
        assert schema_differences(connection) == []
    # On Citus the tables made again are local ones: distribute them again, as opening the store does (and as
    # tests/test_migrations.py does after going down to 0001).
    migrate(engine)
    assert [journal.lines for journal in post_lease_journals(engine, None).journals] == [4]
