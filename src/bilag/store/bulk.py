"""Set-based writes through the driver's bulk path: executemany on SQLite, COPY on PostgreSQL (and on Citus,
but for small writes: a multi-row INSERT)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Table, literal_column
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from .master_version import MASTER_TABLES
from .master_version import renew as renew_master_version


def unindexed(column):
    """The column as an expression no index serves (`+column`, the same value on both stores), to sort or compare
    by. SQLite keeps no statistics: to spare a sort, or for a range, it walks the index that holds the column (a
    company's every row by primary key, every later batch) instead of probing the index of the read's own
    conditions (a party's, a batch's, the transactions' rows) and sorting the few rows found."""
    return literal_column(f"+{column.table.name}.{column.name}")


def is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def is_citus(connection: Connection) -> bool:
    """A Citus coordinator (asked once per database connection). There a COPY is routed to the company's shard
    but always commits in two phases (PREPARE TRANSACTION on that one worker); small writes use a multi-row
    INSERT instead, which commits in one phase, and large ones COPY (six times faster than INSERTs there)."""
    if not is_postgres(connection):
        return False
    info = connection.connection.info
    if "citus" not in info:
        info["citus"] = connection.exec_driver_sql(
            "SELECT 1 FROM pg_extension WHERE extname = 'citus'").first() is not None
    return info["citus"]


_INSERT_ROWS = 1000  # rows per multi-row INSERT
COPY_FROM = 200  # rows; on PostgreSQL and Citus below this a multi-row INSERT, from it COPY


def _insert_values(connection: Connection, table: Table, columns: Sequence[str], rows: list) -> None:
    keep_statistics(connection, ((table.name, len(rows)),))
    statements = [(insert_values_sql(table.name, columns, len(chunk)), [value for row in chunk for value in row])
                  for chunk in (rows[start:start + _INSERT_ROWS] for start in range(0, len(rows), _INSERT_ROWS))]
    if not is_citus(connection):
        pipelined(connection, statements)
        return
    with driver_connection(connection).cursor() as cursor:  # Citus routes each statement to its shard
        for sql, params in statements:
            cursor.execute(sql, params)


def driver_rows(connection: Connection, sql: str, params: Sequence = ()) -> list[tuple]:
    """Run one statement written with `?` marks through the driver's own cursor, in the connection's transaction,
    and return its rows (none for a statement without). For the statements that every operation runs — numbers,
    chain heads, period checks: SQLAlchemy's statement building and result wrapping cost more than the statement.
    The driver's errors are raised as SQLAlchemy wraps them (a lock timeout is an OperationalError)."""
    if is_postgres(connection):
        sql = _PYFORMAT.get(sql) or _PYFORMAT.setdefault(sql, sql.replace("?", "%s"))
        if not is_citus(connection):
            return pipelined_rows(connection, ((sql, params),))[0]
    dbapi = connection.dialect.loaded_dbapi
    cursor = driver_connection(connection).cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description is not None else []
    except dbapi.Error as error:  # as SQLAlchemy raises it: OperationalError (busy), IntegrityError, ...
        raise DBAPIError.instance(sql, params, error, dbapi.Error) from error
    finally:
        cursor.close()


_PYFORMAT: dict[str, str] = {}  # statement with ? marks -> with psycopg's %s marks


class KeptRowsChanged(Exception):
    """Rows a process kept from an earlier transaction (KeptRowsCheck) are not what the database holds now."""


@dataclass(eq=False)
class KeptRowsCheck:
    """Statements (psycopg's `%s` marks) whose rows must still be `expected`: sent in front of the next round trip
    of the connection's transaction (pipelined) instead of one of their own, for data a process keeps between
    transactions (the company's master version: store.companies.load_company_kept). `done` once they were read
    and found unchanged; any difference raises KeptRowsChanged there, before the caller sees the other results."""
    statements: list[tuple[str, Sequence]]
    expected: list[list[tuple]]
    done: bool = False

    def holds(self, results: Sequence[Sequence[tuple]]) -> bool:
        """Whether the rows the statements gave (in order, any row order) are the expected ones."""
        return [sorted(rows) for rows in results] == self.expected


def kept_rows_changed(connection: Connection, check: KeptRowsCheck) -> bool:
    """Whether the check's rows differ now, read in the connection's transaction in a round trip of their own."""
    return not check.holds(pipelined(connection, check.statements))


_KEPT_CHECK = "bilag_kept_rows_check"


def check_with_next_round_trip(connection: Connection, check: KeptRowsCheck) -> None:
    connection.info[_KEPT_CHECK] = check


def check_kept_rows_now(connection: Connection) -> None:
    """Run the check still waiting for a round trip (one of its own), if any: before a transaction that made no
    round trip commits, and in any case before it ends (the check must not wait for another transaction that
    the pooled connection serves)."""
    if connection.info.get(_KEPT_CHECK) is not None:
        pipelined(connection, ())


def forget_kept_rows_check(connection: Connection) -> None:
    connection.info.pop(_KEPT_CHECK, None)


def pipelined(connection: Connection, statements: Sequence[tuple[str, Sequence]]) -> list[list[tuple]]:
    """PostgreSQL: run the statements (psycopg's `%s` marks) in the connection's transaction, in order, sent in one
    round trip (psycopg's pipeline mode) instead of one each; returns each one's rows. A statement that fails
    raises the driver's own error (psycopg.Error) and those after it do not run: the transaction is then aborted
    up to the last savepoint. For the few statements every posting runs (one operation at a time). A check of
    kept rows waiting on the connection (check_with_next_round_trip) goes first in the same round trip."""
    check = connection.info.pop(_KEPT_CHECK, None)
    if check is not None:
        results = pipelined(connection, [*check.statements, *statements])
        if not check.holds(results[:len(check.statements)]):
            raise KeptRowsChanged()
        check.done = True
        return results[len(check.statements):]
    from psycopg import RawCursor

    from . import pg_pipeline

    raw = driver_connection(connection)
    native = [(_native_marks(sql), params) for sql, params in statements]
    try:
        return pg_pipeline.run(raw, connection.connection.info, native)
    except pg_pipeline.Unsupported:
        pass
    cursors = []
    try:
        with raw.pipeline():
            for sql, params in native:
                cursor = RawCursor(raw)
                cursors.append(cursor)
                cursor.execute(sql, params)
        return [cursor.fetchall() if cursor.description is not None else [] for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


def driver_rows_together(connection: Connection, statements: Sequence[tuple[str, Sequence]]) -> list[list[tuple]]:
    """driver_rows of each statement (`?` marks), in order: on PostgreSQL in one round trip (pipelined), elsewhere
    (SQLite; Citus, which routes each statement to its shard) one by one. The driver's errors are raised as
    driver_rows raises them; the statements after a failing one do not run."""
    if not is_postgres(connection) or is_citus(connection):
        return [driver_rows(connection, sql, params) for sql, params in statements]
    return pipelined_rows(connection, [(_PYFORMAT.get(sql) or _PYFORMAT.setdefault(sql, sql.replace("?", "%s")),
                                        params) for sql, params in statements])


def pipelined_rows(connection: Connection, statements: Sequence[tuple[str, Sequence]]) -> list[list[tuple]]:
    """pipelined, with the driver's errors raised as driver_rows raises them (SQLAlchemy's wrapping: a lock
    timeout is an OperationalError): for reads and reservations whose callers handle SQLAlchemy's errors."""
    dbapi = connection.dialect.loaded_dbapi
    try:
        return pipelined(connection, statements)
    except dbapi.Error as error:
        raise DBAPIError.instance(statements[0][0], statements[0][1], error, dbapi.Error) from error


_NATIVE: dict[str, str] = {}  # statement with psycopg's %s marks -> with PostgreSQL's own $1, $2, ...


def _native_marks(sql: str) -> str:
    """The statement with PostgreSQL's own marks, for psycopg's RawCursor: psycopg parses a statement for its %s
    marks at every execution once it has more than 50 parameters (its cache stops there), and a multi-row INSERT
    of a few vouchers has hundreds."""
    native = _NATIVE.get(sql)
    if native is None:
        parts = sql.split("%s")
        native = (parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))).replace("%%", "%")
        if len(_NATIVE) < 4096:  # a bounded cache: the statements of one operation at a time are few shapes
            _NATIVE[sql] = native
    return native


def insert_values_sql(table_name: str, columns: Sequence[str], row_count: int) -> str:
    """A multi-row INSERT of `row_count` rows in psycopg's marks (the same string for the same shape, so that
    pipelined() finds its native form by a hash computed once)."""
    return _insert_values_sql(table_name, tuple(columns), row_count)


@lru_cache(maxsize=1024)
def _insert_values_sql(table_name: str, columns: tuple[str, ...], row_count: int) -> str:
    row_marks = "(" + ", ".join("%s" for _ in columns) + ")"
    return f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES " + ", ".join(row_marks for _ in range(row_count))


def marks(count: int) -> str:
    """`?, ?, ...`: the marks of an IN list for driver_rows."""
    return ", ".join("?" * count)


def driver_connection(connection: Connection) -> Any:
    """The driver's own connection (psycopg's on PostgreSQL: COPY and server-side cursors). Typed Any on purpose:
    SQLAlchemy types it as the generic DB-API protocol, which has no `copy()` and no context-managed cursor."""
    return connection.connection.dbapi_connection


BULK_PAGE_CACHE_KIB = 64 * 1024  # SQLite's page cache while a large batch is written (its default: 2 MiB)
BULK_PAGE_CACHE_FROM = 20_000  # rows written in one batch


@contextmanager
def bulk_page_cache(connection: Connection, rows: int) -> Iterator[None]:
    """SQLite: a 64 MiB page cache while a batch of at least BULK_PAGE_CACHE_FROM rows is written, then the
    connection's own again. With the default 2 MiB a batch's pages (entries, their account index, vouchers,
    transactions, balances) no longer fit and are written out to the WAL and read back while the batch goes
    in: a third of the inserts' CPU time. The memory is the connection's only for the batch."""
    if is_postgres(connection) or rows < BULK_PAGE_CACHE_FROM:
        yield
        return
    raw = driver_connection(connection)
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    if before < 0 and -before >= BULK_PAGE_CACHE_KIB:  # negative: KiB; positive: pages
        yield
        return
    raw.execute(f"PRAGMA cache_size=-{BULK_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size={int(before)}")


class IsoDates(dict):
    """date -> 'YYYY-MM-DD', worked out once per date; None stays None. Bulk writes send dates as this text:
    it is what SQLite stores (and SQLAlchemy's Date reads back) and what COPY parses, instead of a driver
    adapter call per row."""

    def __missing__(self, day):
        text = self[day] = day.isoformat() if day is not None else None
        return text


def bulk_insert(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert rows (tuples in `columns` order) with one driver call per table."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return
    column_list = ", ".join(columns)
    if is_postgres(connection) and table.name in MASTER_TABLES:
        # COPY and the driver's INSERT pass no SQLAlchemy event: renew the master-data stamp here.
        position = list(columns).index("company_id")
        renew_master_version(connection, {row[position] for row in rows})
    if is_postgres(connection) and len(rows) < COPY_FROM:
        # A few rows (one operation at a time) go in one multi-row INSERT: one round trip where COPY takes two, and
        # on Citus a one-phase commit.
        _insert_values(connection, table, columns, rows)
        return
    if is_postgres(connection):
        raw = driver_connection(connection)
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table.name} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        _analyze_when_grown(connection, table.name, len(rows))
        return
    sql = f"INSERT INTO {table.name} ({column_list}) VALUES ({', '.join('?' for _ in columns)})"
    if table.name in MASTER_TABLES:  # SQLAlchemy's event renews the master-data stamp
        connection.exec_driver_sql(sql, rows)
        return
    driver_executemany(connection, sql, rows)


def driver_executemany(connection: Connection, sql: str, rows: list) -> int:
    """SQLite: the driver's own executemany (`?` marks), in the connection's transaction; the rows it changed.
    SQLAlchemy's execution path and its events cost more than a posting's few rows; its errors are raised as
    SQLAlchemy wraps them (IntegrityError: a voucher number taken, a balance past its limit)."""
    dbapi = connection.dialect.loaded_dbapi
    try:
        return driver_connection(connection).executemany(sql, rows).rowcount
    except dbapi.Error as error:
        raise DBAPIError.instance(sql, rows[0], error, dbapi.Error) from error


@contextmanager
def savepoint(connection: Connection, name: str) -> Iterator[None]:
    """A savepoint around writes whose refusal is then read and named: rolled back to on an error, which goes on.
    SQLite takes it through the driver (SQLAlchemy's nested transaction was a third of a single posting's
    statement cost there); PostgreSQL through SQLAlchemy, which knows what a failed statement did to the
    transaction."""
    if is_postgres(connection):
        with connection.begin_nested():
            yield
        return
    driver_rows(connection, f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        # Some errors (a full disk, an I/O error) make SQLite roll back the whole transaction, its savepoints too:
        # then the error itself goes on, not "no such savepoint".
        if driver_connection(connection).in_transaction:
            driver_rows(connection, f"ROLLBACK TO SAVEPOINT {name}")
            driver_rows(connection, f"RELEASE SAVEPOINT {name}")
        raise
    driver_rows(connection, f"RELEASE SAVEPOINT {name}")


def _analyze_when_grown(connection: Connection, table_name: str, written: int) -> None:
    """ANALYZE a table that a bulk write at least doubled since its statistics were last taken (never, on a new
    database), as PostgreSQL advises after a bulk load. Autovacuum would, within a minute or so; until then the
    planner takes the table for a small one of unknown content, and reading 1,000 invoices just imported with their
    vouchers became a loop over every voucher per invoice (300 ms instead of 3). On Citus the coordinator's table
    holds no rows: each shard's statistics are its worker's business."""
    if is_citus(connection):
        return
    rows = driver_rows(connection, "SELECT reltuples FROM pg_class WHERE oid = CAST(? AS regclass)", (table_name,))
    if rows and written > rows[0][0]:  # reltuples is -1 until the first ANALYZE
        connection.exec_driver_sql(f"ANALYZE {table_name}")


# Rows this process wrote per database and table in small writes, and how many more before it looks again.
_WRITTEN: WeakKeyDictionary[Engine, dict[str, list[int]]] = WeakKeyDictionary()
_FIRST_LOOK = 200  # rows


def keep_statistics(connection: Connection, written: Iterable[tuple[str, int]]) -> None:
    """Small writes (one operation at a time) on PostgreSQL: ANALYZE a table once its rows have doubled since its
    statistics were taken. A new company's tables start empty, and the plans PostgreSQL keeps per connection —
    the foreign-key checks of every inserted entry against its voucher, the prepared reads — were made when they
    held a page: a scan of every voucher per entry, 0.4 ms an entry after 1,000 vouchers, until autovacuum's
    ANALYZE (a minute or more away; never, on a server started for a short run) makes them plan again. The
    process looks at a table's counts only after writing as many rows as the table had at its last look (at
    least _FIRST_LOOK): a handful of looks as a table grows from nothing to millions. SKIP_LOCKED: a posting
    never waits for a vacuum or another ANALYZE of the table; it looks again later. Citus: each shard's
    statistics are its worker's business."""
    if not is_postgres(connection):
        return
    tables = _WRITTEN.get(connection.engine)
    if tables is None:
        tables = _WRITTEN.setdefault(connection.engine, {})
    due = []
    for table, count in written:
        counts = tables.get(table)
        if counts is None:
            counts = tables[table] = [0, _FIRST_LOOK]
        counts[0] += count
        if counts[0] >= counts[1]:
            due.append(table)
    for table in due:
        if is_citus(connection):
            tables[table] = [0, 1 << 62]
            continue
        found = driver_rows(connection, _TABLE_COUNTS, (table,))
        analyzed, changed = found[0] if found else (0, 0)
        if changed > max(analyzed, 0):  # reltuples is -1 until the first ANALYZE
            connection.exec_driver_sql(f"ANALYZE (SKIP_LOCKED) {table}")
        tables[table] = [0, max(_FIRST_LOOK, int(analyzed))]


_TABLE_COUNTS = ("SELECT c.reltuples, s.n_mod_since_analyze FROM pg_class c "
                 "JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = CAST(? AS regclass)")


def next_ids(connection: Connection, company_id: str, counter: str, count: int) -> int:
    """Reserve `count` ids from a per-company counter; returns the first. The row lock serialises writers."""
    if count <= 0:
        return 0
    rows = driver_rows(connection, _RESERVE_IDS, (count, company_id, counter))
    if not rows:
        driver_rows(connection, _FIRST_IDS, (company_id, counter, 1 + count))
        return 1
    return rows[0][0] - count


def next_values(connection: Connection, company_id: str, counters: Sequence[str], prefix: str) -> dict[str, int]:
    """What next_ids would give first now, without reserving: the counters named and those whose code starts with
    `prefix`, as they stand (a counter not there yet gives 1, as next_ids does)."""
    sql = (f"SELECT code, next_value FROM number_sequence WHERE company_id = ? AND (code IN ({marks(len(counters))})"
           " OR code LIKE ?)")
    return dict(driver_rows(connection, sql, (company_id, *counters, prefix + "%")))


# A use case reserves ids several times: through the driver, without building a statement each time.
_RESERVE_IDS = ("UPDATE number_sequence SET next_value = next_value + ? WHERE company_id = ? AND code = ? "
                "RETURNING next_value")
_FIRST_IDS = "INSERT INTO number_sequence (company_id, code, next_value) VALUES (?, ?, ?)"


def reserve_ids_statement(company_id: str, counter: str, count: int) -> tuple[str, tuple]:
    """next_ids' statement for pipelined() (PostgreSQL): its rows give the first id as next_ids does,
    `rows[0][0] - count`; no rows: the counter is not there yet, and next_ids makes it."""
    return _RESERVE_IDS.replace("?", "%s"), (count, company_id, counter)


def insert_unless_present(connection: Connection, table: Table):
    """An INSERT that skips rows whose key is there already (ON CONFLICT DO NOTHING, on both stores): one
    statement instead of a look-up first. On PostgreSQL it waits for a concurrent insert of the same key to end."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return (pg_insert if is_postgres(connection) else sqlite_insert)(table).on_conflict_do_nothing()
