"""The PostgreSQL and Redis servers some tests need, found or skipped with the reason.

``TEST_DATABASE_URL`` (a ``postgresql://`` URL) makes the suite's ``database_url`` fixture
PostgreSQL: every test that takes it gets a fresh schema there (``search_path``), dropped
afterwards. Tests that need PostgreSQL or Redis whatever the backend of the suite use
:func:`postgres_base_url` / :func:`redis_url`: ``TEST_POSTGRES_URL`` / ``TEST_REDIS_URL``,
else the project's machines' servers (127.0.0.1:5432 database ``test``, 127.0.0.1:6379).
When a server is unreachable those tests skip and say why; with
``HARVEST_REQUIRE_SERVICES=1`` (``.ci/run`` sets it) they fail instead.

Under pytest-xdist (``make test``) what workers could share is theirs alone: each worker's
schemas live in a database of its own, the base database's name suffixed with the worker
(``test_gw0``, created from ``template0`` when missing and kept for later runs, empty), so
workers never wait on each other's schema lock (``pg_advisory_xact_lock`` is database-wide).
Redis tests name their keys uniquely (``uuid``) and delete them; ports are bound as 0.
"""

import os
import socket
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def required():
    return os.environ.get("HARVEST_REQUIRE_SERVICES") == "1"


def reachable(url, default_port):
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def need(url, default_port, what, variable):
    if not reachable(url, default_port):
        parts = urlsplit(url)
        message = (f"no {what} at {parts.hostname}:{parts.port or default_port} (start one, or point "
                   f"{variable} at one; .ci/run requires it)")
        if required():
            pytest.fail(message + "; HARVEST_REQUIRE_SERVICES=1 requires it")
        pytest.skip(message)
    return url


def postgres_base_url():
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    if not url.startswith(("postgres://", "postgresql://")):
        url = os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    return worker_database(need(url, 5432, "PostgreSQL server", "TEST_POSTGRES_URL"))


_worker_databases = {}


def worker_database(base_url):
    """``base_url`` itself in a serial run; under pytest-xdist, the same server's database
    ``<name>_<worker>`` (created when missing)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return base_url
    if base_url not in _worker_databases:
        parts = urlsplit(base_url)
        name = f"{parts.path.lstrip('/')}_{worker}"
        # A role that may not create databases keeps the base one: its schemas are still per test.
        own = create_database(base_url, name)
        _worker_databases[base_url] = urlunsplit(parts._replace(path=f"/{name}")) if own else base_url
    return _worker_databases[base_url]


def create_database(base_url, name):
    """Create database ``name`` next to ``base_url``'s unless it exists; False when the role may
    not create it, or not create schemas in it. From ``template0``, which takes no connections, so CREATE DATABASE never finds its
    template in use."""
    import psycopg2
    from psycopg2 import errors

    from discogs_harvest.postgres import connect_params

    params = connect_params(base_url)
    params.pop("options", None)  # a search_path for the base database's schemas is not needed here
    connection = psycopg2.connect(dbname=params.pop("database"), **params)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT has_database_privilege(datname, 'CREATE') FROM pg_database WHERE datname = %s",
                           (name,))
            row = cursor.fetchone()
            if row:
                return row[0]  # made by another role, it is ours only if we may add schemas to it
            for attempt in range(5):
                try:
                    cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
                    return True
                except errors.DuplicateDatabase:  # another run created it meanwhile
                    return True
                except errors.InsufficientPrivilege:
                    return False
                except errors.ObjectInUse:  # a concurrent CREATE DATABASE; try again
                    if attempt == 4:
                        raise
                    time.sleep(0.5)
    finally:
        connection.close()


def redis_url():
    return need(os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS, 6379, "Redis server", "TEST_REDIS_URL")


def with_schema(base_url, schema):
    """``base_url`` whose connections use ``schema`` (libpq ``options=-csearch_path=...``)."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"


class PostgresSchema:
    """A fresh schema in the database of ``base_url``, dropped (with its tables) on exit."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.name = f"harvest_test_{uuid.uuid4().hex[:12]}"
        self.url = with_schema(base_url, self.name)

    def execute(self, sql):
        import psycopg2

        from discogs_harvest.postgres import connect_params

        params = connect_params(self.base_url)
        connection = psycopg2.connect(dbname=params.pop("database"), **params)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def __enter__(self):
        self.execute(f'CREATE SCHEMA "{self.name}"')
        return self

    def __exit__(self, *exc):
        self.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')
