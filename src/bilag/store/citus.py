"""bilag on Citus: every company's rows on one shard group, the global tables on every node.

The layout is derived from the table metadata (store/schema.py), so tables added later are covered:

- a *company table* has a ``company_id`` column (``company`` itself too); it becomes a distributed table by
  ``company_id``, and all company tables are co-located: one company's rows of every table sit in the same
  shard group, so a use case of one company is routed to one worker;
- a *global table* has none (e.g. users of the HTTP API); it becomes a reference table, copied to every node.

Citus can only do that when ``company_id`` is part of every primary key, unique constraint and unique index
of a company table and of every foreign key between company tables (mapped to the other table's
``company_id``: no foreign key crosses companies), and when no global table refers to a company table.
``distribution_problems`` checks exactly that, without a database; a test runs it on every store.

``distribute`` is idempotent: it distributes what is not distributed yet (``open_store`` calls it after the
migrations when the database has the citus extension, and ``bilag store distribute`` shows the result).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ForeignKeyConstraint, MetaData, PrimaryKeyConstraint, String, Table, UniqueConstraint, text
from sqlalchemy.engine import Connection

from ..errors import BilagError
from . import schema

DISTRIBUTION_COLUMN = "company_id"
_DISTRIBUTED_FOREIGN_KEY_ACTIONS = {None, "NO ACTION", "RESTRICT", "CASCADE"}


class NotDistributable(BilagError):
    code = "not_distributable"


def is_company_table(table: Table) -> bool:
    """Distributed by company_id (as opposed to a reference table)."""
    return DISTRIBUTION_COLUMN in table.columns


def distribution_problems(metadata: MetaData = schema.metadata) -> list[str]:
    """Why the tables could not be distributed by company_id (empty when they can), one line per problem."""
    problems: list[str] = []
    for table in metadata.sorted_tables:
        if is_company_table(table):
            problems += _company_table_problems(table)
        else:
            for fk in _foreign_keys(table):
                if is_company_table(fk.referred_table):
                    problems.append(f"{table.name}: global table refers to company table {fk.referred_table.name} "
                                    f"({fk.name}); a reference table cannot refer to a distributed one")
    return problems


def _company_table_problems(table: Table) -> list[str]:
    problems = []
    column = table.columns[DISTRIBUTION_COLUMN]
    if not isinstance(column.type, String):
        problems.append(f"{table.name}.{DISTRIBUTION_COLUMN} is {column.type}, not text like the other "
                        f"tables': tables of different distribution column types cannot be co-located")
    if DISTRIBUTION_COLUMN not in table.primary_key.columns:
        problems.append(f"{table.name}: primary key ({', '.join(table.primary_key.columns.keys()) or 'none'}) "
                        f"lacks {DISTRIBUTION_COLUMN}")
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and not isinstance(constraint, PrimaryKeyConstraint):
            if DISTRIBUTION_COLUMN not in constraint.columns:
                problems.append(f"{table.name}: unique constraint {constraint.name} "
                                f"({', '.join(constraint.columns.keys())}) lacks {DISTRIBUTION_COLUMN}")
    for index in table.indexes:
        if index.unique and DISTRIBUTION_COLUMN not in index.columns:
            problems.append(f"{table.name}: unique index {index.name} lacks {DISTRIBUTION_COLUMN}")
    for fk in _foreign_keys(table):
        referred = fk.referred_table
        if not is_company_table(referred):
            continue  # to a reference table: any columns
        pairs = {element.parent.name: element.column.name for element in fk.elements}
        if pairs.get(DISTRIBUTION_COLUMN) != DISTRIBUTION_COLUMN:
            problems.append(f"{table.name}: foreign key {fk.name} to {referred.name} does not map "
                            f"{DISTRIBUTION_COLUMN} to {DISTRIBUTION_COLUMN} (it could cross companies)")
        for other, target in pairs.items():
            if other != DISTRIBUTION_COLUMN and target == DISTRIBUTION_COLUMN:
                problems.append(f"{table.name}: foreign key {fk.name} maps {other} to {referred.name}."
                                f"{DISTRIBUTION_COLUMN}: a reference to another company")
        if (fk.ondelete or "NO ACTION").upper() not in _DISTRIBUTED_FOREIGN_KEY_ACTIONS \
                or (fk.onupdate or "NO ACTION").upper() not in {"NO ACTION", "RESTRICT"}:
            problems.append(f"{table.name}: foreign key {fk.name} has ON DELETE {fk.ondelete} / ON UPDATE "
                            f"{fk.onupdate}; Citus allows neither SET NULL/DEFAULT nor ON UPDATE actions on "
                            f"the distribution column")
    return problems


def _foreign_keys(table: Table) -> list[ForeignKeyConstraint]:
    return sorted((c for c in table.constraints if isinstance(c, ForeignKeyConstraint)),
                  key=lambda fk: str(fk.name or ""))


# ---------------------------------------------------------------- on a database


@dataclass(frozen=True)
class TableLayout:
    table: str
    kind: str  # "distributed", "reference" or "local"
    shard_count: int
    colocation_id: int | None


def has_citus(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    return connection.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'citus'").first() is not None


def undistributed_tables(connection: Connection, metadata: MetaData = schema.metadata) -> list[str]:
    """The tables of the metadata that are not distributed or reference tables yet (in FK order). A local table
    that refers to a reference table is a "Citus local table" (partmethod n, repmodel s): not done either."""
    done = {row[0] for row in connection.exec_driver_sql(
        "SELECT logicalrelid::regclass::text FROM pg_dist_partition "
        "WHERE partmethod = 'h' OR (partmethod = 'n' AND repmodel = 't')")}
    present = {row[0] for row in connection.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    return [t.name for t in metadata.sorted_tables if t.name in present and t.name not in done]


def distribute(connection: Connection, metadata: MetaData = schema.metadata) -> list[str]:
    """Make every company table a distributed table by company_id (co-located with `company`) and every
    global table a reference table. Only what is not distributed yet; returns the tables it distributed.
    The shard count is Citus's `citus.shard_count` (32 unless the database or session sets another)."""
    if not has_citus(connection):
        raise NotDistributable("the database has no citus extension (CREATE EXTENSION citus on the coordinator "
                               "and every worker; see docs/citus.md)")
    problems = distribution_problems(metadata)
    if problems:
        raise NotDistributable("the schema cannot be distributed by company_id:\n  " + "\n  ".join(problems))
    pending = undistributed_tables(connection, metadata)
    if not pending:
        return []
    # One connection per worker for the whole step: distributing tables joined by foreign keys in one
    # transaction needs it (parallel shard connections could not see each other's uncommitted shards).
    connection.exec_driver_sql("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
    # Citus refuses a foreign key from a local table to a distributed one, and a local table that refers to
    # a reference table becomes a Citus local table: the foreign keys of the tables being distributed go
    # first and come back, unchanged, once every table is in place (Citus then checks them shard by shard).
    foreign_keys = connection.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid::regclass::text = ANY(:t) OR confrelid::regclass::text = ANY(:t)) "
        "ORDER BY conrelid::regclass::text, conname"), {"t": pending}).all()
    for table, name, _ in foreign_keys:
        connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    tables = metadata.tables
    anchor = _distributed_company_table(connection, metadata)
    for name in pending:
        if is_company_table(tables[name]):
            # co-located with the company tables distributed before (the first one opens the group)
            connection.execute(text("SELECT create_distributed_table(:t, :c, colocate_with => :a)"),
                               {"t": name, "c": DISTRIBUTION_COLUMN, "a": anchor or "default"})
            anchor = anchor or name
        else:
            connection.execute(text("SELECT create_reference_table(:t)"), {"t": name})
    for table, name, definition in foreign_keys:
        connection.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return pending


def _distributed_company_table(connection: Connection, metadata: MetaData) -> str | None:
    distributed = {row[0] for row in connection.exec_driver_sql(
        "SELECT logicalrelid::regclass::text FROM pg_dist_partition WHERE partmethod = 'h'")}
    return next((t.name for t in metadata.sorted_tables if is_company_table(t) and t.name in distributed), None)


def layout(connection: Connection, metadata: MetaData = schema.metadata) -> list[TableLayout]:
    """How each table of the metadata is placed: distributed (shards), reference or still local."""
    rows = {row[0]: row[1:] for row in connection.exec_driver_sql(
        "SELECT table_name::text, citus_table_type, shard_count, colocation_id FROM citus_tables")}
    result = []
    for table in metadata.sorted_tables:
        kind, shards, colocation = rows.get(table.name, ("local", 0, None))
        result.append(TableLayout(table.name, kind, shards, colocation))
    return result
