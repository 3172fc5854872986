"""Test stores: every store test runs on SQLite and on a real PostgreSQL server started here, and on a Citus
cluster (coordinator + 2 workers, scripts/citus-cluster) when BILAG_TEST_STORES names `citus`.

A migrated template is made once per session (a SQLite file; a PostgreSQL template database) and each
test gets a fresh copy, so tests never see each other's data. A Citus database cannot be copied (its shards
live on the workers): it is migrated and distributed once, and each test starts from emptied tables.
"""
from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text

from bilag.store.database import migrate, open_store

# Property tests judge results, not speed: on a shared two-core machine an example can take seconds, which
# hypothesis would report as a failure (too slow / deadline) although every example passes.
settings.register_profile("bilag", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("bilag")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
_counter = itertools.count()


def _stores() -> list[str]:
    wanted = os.environ.get("BILAG_TEST_STORES", "sqlite,postgresql")
    return [s.strip() for s in wanted.split(",") if s.strip()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _free_ports(count: int) -> int:
    """The first of `count` consecutive free ports."""
    while True:
        first = _free_port()
        if first + count > 65535:
            continue
        try:
            for port in range(first + 1, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first


def _start_cluster(script: str, directory: Path, port: int) -> str:
    try:
        return subprocess.run([str(ROOT / "scripts" / script), "start", str(directory), str(port)],
                              check=True, capture_output=True, text=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        if os.environ.get("BILAG_REQUIRE_POSTGRES"):
            pytest.fail(f"could not start {script}: {detail}")
        pytest.skip(f"{script} not available: {detail}")


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """The URL of a PostgreSQL server: BILAG_TEST_POSTGRES, or a throw-away cluster started for the session."""
    given = os.environ.get("BILAG_TEST_POSTGRES")
    if given:
        yield given
        return
    directory = Path("/tmp") / f"bilag-pg-{os.getpid()}"
    url = _start_cluster("pg-cluster", directory, _free_port())
    try:
        yield url
    finally:
        subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", str(directory)], check=False)


@pytest.fixture(scope="session")
def citus_server():
    """The URL of a Citus coordinator: BILAG_TEST_CITUS, or a throw-away coordinator + 2 workers."""
    given = os.environ.get("BILAG_TEST_CITUS")
    if given:
        yield given
        return
    directory = Path("/tmp") / f"bilag-citus-{os.getpid()}"
    url = _start_cluster("citus-cluster", directory, _free_ports(3))
    try:
        yield url
    finally:
        subprocess.run([str(ROOT / "scripts" / "citus-cluster"), "stop", str(directory)], check=False)


@pytest.fixture(scope="session")
def citus_template(citus_server) -> str:
    """The Citus database, migrated and distributed once. Tests get it emptied (`_fresh_citus`); 4 shards per
    table instead of 32 keep the emptying quick, and routing is the same."""
    admin = create_engine(citus_server.replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        database = connection.exec_driver_sql("SELECT current_database()").scalar()
        connection.exec_driver_sql(f"ALTER DATABASE {database} SET citus.shard_count = 4")
    admin.dispose()
    engine = open_store(citus_server)
    engine.dispose()
    return citus_server


def _fresh_citus(url: str) -> str:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        tables = [row[0] for row in connection.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'alembic_version'")]
        if tables:
            connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)}")
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = open_store(f"sqlite:///{path}")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server) -> str:
    admin = create_engine(postgres_server.replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS bilag_template"))
        connection.execute(text("CREATE DATABASE bilag_template"))
    template_url = postgres_server.rsplit("/", 1)[0] + "/bilag_template"
    engine = open_store(template_url)
    engine.dispose()
    admin.dispose()
    return postgres_server


def _fresh_postgres(server_url: str) -> str:
    name = f"bilag_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE bilag_template"))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=_stores())
def store_url(request, tmp_path) -> str:
    """A fresh, migrated, empty database: once on SQLite, once on PostgreSQL (and once on Citus when asked)."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "bilag.sqlite"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    if request.param == "citus":
        return _fresh_citus(request.getfixturevalue("citus_template"))
    server = request.getfixturevalue("postgres_template")
    return _fresh_postgres(server)


@pytest.fixture
def engine(store_url):
    engine = open_store(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_template, tmp_path):
    """SQLite only, for tests of pure behaviour that need some store."""
    path = tmp_path / "bilag.sqlite"
    shutil.copyfile(sqlite_template, path)
    engine = open_store(f"sqlite:///{path}")
    yield engine
    engine.dispose()


__all__ = ["migrate"]


def pytest_collection_modifyitems(config, items):
    """Under `make mutation` (mutmut runs from mutants/, beside its mutmut-stats.json): the fastest tests first.

    mutmut runs the tests that reach a mutated function with -x, in the order it lists them (a set's order): a
    store-backed test first makes every killed mutant cost seconds although a pure test kills it in
    milliseconds. The order changes no verdict: a surviving mutant runs every one of its tests either way."""
    if not os.environ.get("MUTANT_UNDER_TEST"):
        return
    stats = Path("mutmut-stats.json")
    if not stats.exists():
        return
    import json

    duration = json.loads(stats.read_text()).get("duration_by_test", {})
    items.sort(key=lambda item: duration.get(item.nodeid, 0.0))
