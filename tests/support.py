"""Helpers that let tests read like the documentation: a company as data, journals as pipe tables."""
from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path

from bilag.journal.parsing import lines_from_pipe_table
from bilag.scenario.loader import load_yaml
from bilag.services.posting import post_journal
from bilag.services.setup import SETUP_SECTIONS, setup_company

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


# Indexes on an expression: PostgreSQL gives back its own spelling of it (lower(TRIM(BOTH FROM invoice))), which
# alembic takes for another index; tests/test_migrations.py checks them by name and expression instead.
EXPRESSION_INDEXES = {"ix_party_transaction_vendor_invoice_key"}


def schema_differences(connection) -> list:
    """What alembic finds between the database's schema and store/schema.py (none when the migrations match)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bilag.store import schema

    def compared(obj, name, type_, reflected, compare_to) -> bool:
        return not (type_ == "index" and name in EXPRESSION_INDEXES)

    return compare_metadata(MigrationContext.configure(connection, opts={"include_object": compared}), schema.metadata)


def only_on_postgresql_itself(engine, why: str) -> None:
    """Skip a test of PostgreSQL's own behaviour on SQLite and on Citus (whose coordinator routes to its workers)."""
    import pytest

    from bilag.store.bulk import is_citus

    if engine.dialect.name != "postgresql":
        pytest.skip(why)
    with engine.connect() as connection:
        if is_citus(connection):
            pytest.skip(f"{why}: not on Citus")


def seed_setup(**changes) -> dict:
    """The set-up of the seed scenarios (Contoso USA, USD), with sections replaced or added by `changes`."""
    data = load_yaml(SHARED / "scenarios" / "seed_2_1_one_voucher_cash_discount.yaml")
    setup = {k: copy.deepcopy(v) for k, v in data.items() if k in SETUP_SECTIONS}
    setup.update(changes)
    return setup


def make_company(engine, **changes) -> str:
    return setup_company(engine, seed_setup(**changes))


def post(engine, table: str, *, name: str = "GNJL", day: str | date = "2024-01-05", **options):
    lines = lines_from_pipe_table(table, default_date=date.fromisoformat(str(day)), source="test")
    return post_journal(engine, None, name, lines, **options)


def net_by_account(vouchers, field: str = "accounting_minor") -> dict[str, Decimal]:
    """Net amount per ledger account over posted vouchers, in major units, zeros dropped."""
    sums: dict[str, int] = {}
    for voucher in vouchers:
        for entry in voucher.draft.entries:
            sums[entry.ledger_account] = sums.get(entry.ledger_account, 0) + getattr(entry, field)
    return {account: Decimal(minor).scaleb(-2) for account, minor in sums.items() if minor}


def downgrade_to(engine, revision: str) -> None:
    """The schema (and so the data) as at an earlier migration, on every store (Citus: its tables dropped in one
    connection per worker)."""
    from alembic import command

    from bilag.store.citus import has_citus
    from bilag.store.database import alembic_config

    config = alembic_config(engine)
    with engine.begin() as connection:
        if has_citus(connection):
            connection.exec_driver_sql("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == revision
