"""Opening a store: SQLite (embedded default) or PostgreSQL, migrated to the current schema."""
from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine

from ..errors import BilagError
from ..limits import parse_decimal
from . import text_limits
from .citus import distribute, has_citus, undistributed_tables

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_URL = "sqlite:///bilag.sqlite"


def normalise_url(url: str | None) -> str:
    url = url or os.environ.get("BILAG_DATABASE") or DEFAULT_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    elif "://" not in url:
        url = f"sqlite:///{url}"
    return url


DEFAULT_WAIT_SECONDS = Decimal(30)
# Called (seconds to wait at most) when a writer finds the database held by another writer and starts waiting;
# an interface sets it to tell its user (the CLI prints a line). The store itself prints nothing.
on_wait: Callable[[Decimal], None] | None = None


class Busy(BilagError):
    """Another writer held the database for longer than this one would wait."""

    code = "busy"


def wait_seconds() -> Decimal:
    """How long a writer waits for another (BILAG_WAIT seconds, default 30)."""
    text = os.environ.get("BILAG_WAIT", "")
    try:
        seconds = parse_decimal(text) if text.strip() else DEFAULT_WAIT_SECONDS
    except ValueError:
        raise BilagError(f"BILAG_WAIT '{text}' is not a number of seconds", code="bad_option") from None
    if not seconds.is_finite() or not 0 <= seconds <= 86400:
        raise BilagError(f"BILAG_WAIT '{text}' is not from 0 to 86400 seconds", code="bad_option")
    return seconds


def _busy(seconds: Decimal) -> Busy:
    return Busy(f"the database is busy: another writer held it for {seconds:g} s; nothing was written, try again "
                f"(or wait longer with --wait SECONDS or BILAG_WAIT)")


WAL_AUTOCHECKPOINT_PAGES = 200


def _sqlite_pragmas(dbapi_connection, _record):
    # The ledger is the system of record: WAL for concurrent readers, FULL sync so a commit survives a crash.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    # The commit that fills the WAL past this many pages copies them into the database and fsyncs it: at SQLite's
    # default (1,000) one single-voucher posting or settlement in 25 paid 3-4 ms more for it, the whole of their
    # p99 (bench/latency.py); at 200 the copies are small enough to stay under the p99 targets.
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(wait_seconds() * 1000)}")
    cursor.close()


def _begin_immediate(connection) -> None:
    """BEGIN IMMEDIATE, at once if the database is free; else tell on_wait and wait up to wait_seconds() (issue 13:
    a waiting writer says so, and its error says "busy", not "cannot open")."""
    import sqlite3

    seconds = wait_seconds()
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA busy_timeout=50")
    try:
        raw.execute("BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")
    if on_wait is not None and seconds > 0:
        on_wait(seconds)
    try:
        raw.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise _busy(seconds) from None
        raise


def create_store_engine(url: str | None = None) -> Engine:
    engine = _create_store_engine(url)
    text_limits.install(engine)  # one text length on both stores (issue 13)
    return engine


def _create_store_engine(url: str | None = None) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)

        # pysqlite's own transaction handling defers BEGIN; take it over so that every unit of work is one
        # real transaction (and BEGIN IMMEDIATE serialises writers instead of failing on upgrade).
        @event.listens_for(engine, "connect")
        def _no_implicit_begin(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        # Again at each checkout: a connection used in AUTOCOMMIT (the sign-in look-ups: services/users._reading)
        # comes back to the pool with the driver's deferred implicit BEGIN switched on ('' rather than None).
        @event.listens_for(engine, "checkout")
        def _still_no_implicit_begin(dbapi_connection, _record, _proxy):
            if dbapi_connection.isolation_level is not None:
                dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection):
            _begin_immediate(connection)

        return engine
    # A writer waits for another's row locks at most wait_seconds(), then LockNotAvailable: "busy" (is_busy).
    # On Citus the rows are locked on the workers, which the session's lock_timeout does not reach; a SET LOCAL
    # in each transaction does, once citus.propagate_set_commands is 'local' (a placeholder setting elsewhere).
    timeout_ms = int(wait_seconds() * 1000)
    # The pool keeps as many connections open as the server runs requests at once (its thread pool): a smaller
    # pool closes each connection beyond it after one request and opens a new one for the next, which costs a
    # PostgreSQL backend start per request under load.
    # prepare_threshold None: psycopg prepares no statement of its own. The statements every operation runs are
    # prepared by store/pg_pipeline.py, and psycopg, which deallocates all of a session's prepared statements at
    # each ROLLBACK once it has prepared one, would drop them.
    engine = create_engine(url, pool_size=20, max_overflow=20, connect_args={
        "options": f"-c lock_timeout={timeout_ms} -c citus.propagate_set_commands=local", "prepare_threshold": None})
    _ping_when_idle(engine)
    _tell_waiting_writers(engine)
    _lock_timeout_on_citus_workers(engine, timeout_ms)
    return engine


IDLE_BEFORE_PING = 5  # seconds a pooled PostgreSQL connection may lie unused before it is pinged on checkout


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection on checkout only when it has lain unused for a while; a dead one is replaced.

    SQLAlchemy's pool_pre_ping pings on every checkout: a round trip per request, more than one in eight of what a
    small posting sends the server. A connection in steady use is known alive by its last statement; one that has
    waited in the pool may have been closed by a server restart or a network timeout meanwhile."""
    import time

    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection, record, _proxy):
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since > IDLE_BEFORE_PING:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as error:  # noqa: BLE001 - any failure: the pool opens a new connection instead
                raise DisconnectionError(f"a pooled connection did not answer: {error}") from error


def _lock_timeout_on_citus_workers(engine: Engine, timeout_ms: int) -> None:
    citus: dict[str, bool] = {}

    @event.listens_for(engine, "begin")
    def _begin(connection):
        if "known" not in citus:
            citus["known"] = True
            citus["yes"] = connection.exec_driver_sql(
                "SELECT 1 FROM pg_extension WHERE extname = 'citus'").first() is not None
        if citus["yes"]:
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout_ms}")


def _tell_waiting_writers(engine: Engine) -> None:
    """PostgreSQL: when an interface listens (on_wait), a transaction still running after a second asks the server
    whether another backend blocks it, and if so tells on_wait once. Nothing runs when nobody listens."""
    import threading

    timers: dict[int, threading.Timer] = {}

    def blocked(pid: int) -> bool:
        try:
            with engine.connect() as probe:
                if probe.exec_driver_sql(f"SELECT cardinality(pg_blocking_pids({int(pid)})) > 0").scalar():
                    return True
                # Citus: the wait is on a worker, in the distributed wait graph under the coordinator backend's
                # global pid (node id × 10^10 + pid).
                return bool(probe.exec_driver_sql(
                    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").scalar()
                    and probe.exec_driver_sql(
                        f"SELECT EXISTS (SELECT 1 FROM citus_lock_waits WHERE mod(waiting_gpid, 10000000000) = {int(pid)})"
                    ).scalar())
        except Exception:  # noqa: BLE001 - a probe that fails tells nothing; the waiting writer goes on
            return False

    def check(pid: int, listener) -> None:
        if blocked(pid):
            listener(wait_seconds())

    @event.listens_for(engine, "begin")
    def _begin(connection):
        listener = on_wait
        if listener is None:
            return
        pid = connection.connection.driver_connection.info.backend_pid
        timer = threading.Timer(1, check, (pid, listener))
        timer.daemon = True
        timers[id(connection)] = timer
        timer.start()

    def _end(connection):
        timer = timers.pop(id(connection), None)
        if timer is not None:
            timer.cancel()

    event.listen(engine, "commit", _end)
    event.listen(engine, "rollback", _end)


def is_busy(error: BaseException) -> bool:
    """A database error that means another writer held what this one needed for longer than it would wait."""
    original = getattr(error, "orig", error)
    if type(original).__name__ in ("LockNotAvailable", "LockNotAvailableError"):
        return True
    text = str(original).lower()
    return type(original).__name__ == "OperationalError" and ("database is locked" in text or "database is busy" in text)


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    # Alembic's options are ConfigParser values: a `%` (a URL's escapes — a socket directory, a password — or a
    # directory's name) would be read as interpolation and refused.
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def newest_revision() -> str | None:
    """The newest migration's revision, read from the migration files' names (NNNN_what.py holds revision 'NNNN';
    tests/test_migrations.py checks that it is Alembic's head). Alembic is imported, and reads every migration to
    find its head, only when the schema is not at it: a tenth of a second of every command's start."""
    revisions = [path.name[:4] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    return max(revisions, default=None)


def current_revision(connection) -> str | None:
    """The store's schema revision (Alembic's table), or None for a new store."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already). On a Citus coordinator
    the tables are then distributed by company (store/citus.py), in the same transaction."""
    with engine.connect() as connection:
        current = current_revision(connection)
        citus = has_citus(connection)
        undistributed = citus and bool(undistributed_tables(connection))
    if current == newest_revision() and not undistributed:
        return
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(engine)
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.begin() as connection:
        if citus:  # distributing new tables after changes to distributed ones needs one connection per worker
            connection.exec_driver_sql("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
        if current != head:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        if citus:
            distribute(connection)


def open_store(url: str | None = None) -> Engine:
    engine = create_store_engine(url)
    migrate(engine)
    return engine
