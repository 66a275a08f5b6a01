"""Opening the database named by ``DATABASE_URL``: SQLite, or PostgreSQL (:mod:`.postgres`).

:func:`open_database` parses the URL with ``playhouse.db_url``, applies the SQLite
pragmas a long harvest next to a desktop reader needs (WAL so the app reads while we
write, foreign keys, a 16 MiB page cache, a busy timeout so two harvests wait for each
other instead of failing with "database is locked"), binds the models, and creates
missing tables. A bad URL or an unwritable file raises :class:`HarvestConfigError`
with a one-line reason, before anything is written.

:func:`check_database` is the ``crawl`` command's pre-check: without creating or
changing anything it tells a database another process is writing (after waiting
``DATABASE_LOCK_TIMEOUT`` seconds, not the writers' long busy timeout), a read-only
file and a file that is not SQLite from one a harvest can write. For a ``postgresql://``
URL both hand over to :mod:`discogs_harvest.postgres` (the same models and migrations,
identity keys, a one-line error when the server cannot be reached).
"""

import logging
import os
import random
import sqlite3
import time
import urllib.parse

from peewee import Column, DatabaseError, OperationalError, PostgresqlDatabase, SqliteDatabase, sort_models
from playhouse import db_url

from discogs_harvest import fts
from discogs_harvest.errors import HarvestConfigError
from discogs_harvest.migrations import (
    add_missing_columns,
    create_missing,
    drop_covered_indexes,
    normalise_timestamps,
    relax_columns,
    relax_not_null_postgres,
)
from discogs_harvest.models import ALL_MODELS, database_proxy
from discogs_harvest.postgres import (
    check_server,
    ensure_identity_keys,
    is_postgres,
    lock_schema,
    open_postgres,
    redact,
)

logger = logging.getLogger(__name__)
# peewee logs every statement with its values at DEBUG: whole 1 MB comments, and anything
# else a row holds. A harvest's DEBUG log is about requests, not SQL.
logging.getLogger("peewee").setLevel(logging.INFO)

# Milliseconds a writer waits for another's transaction before giving up.
BUSY_TIMEOUT_MS = 60_000

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    # negative: KiB, so 4 MiB. The cache fills up to this as the file grows: on a large
    # inventory it is most of what a harvest's memory grows by (tests/bench/bench_phases.py).
    # It was 16 MiB: a 1,000-listing harvest's file never fills that, a 100,000-listing one
    # does, so the cache alone made peak memory grow with the inventory (issue 12).
    "cache_size": -4 * 1024,
    "synchronous": "normal",  # safe with WAL: a crash loses no committed transaction
    "busy_timeout": BUSY_TIMEOUT_MS,
}


# Prepared statements the sqlite3 module keeps, by SQL text (Python's default: 128). A batch
# writes multi-row statements of up to SQLite's variable limit, each a text of its own, and a
# cached statement keeps its compiled program and its bound values (bodies included): at 128,
# the cache grew with the number of batches until it held some 35 MB, most of a large
# harvest's growth in memory (issue 12: tests/bench/bench_phases.py). The statements a harvest
# repeats (one row, one shape) stay cached at this size.
SQLITE_CACHED_STATEMENTS = 16


def database_path(url):
    """The file ``url`` names (``":memory:"`` for an in-memory database), or HarvestConfigError."""
    if not url or "://" not in url:
        raise HarvestConfigError(f"DATABASE_URL {url!r} is not a URL like sqlite:///data/discogs.db")
    scheme = url.split("://", 1)[0]
    if scheme not in ("sqlite",):
        raise HarvestConfigError(
            f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite:///path or postgresql://host/name)")
    try:
        params = db_url.parse(url)
    except Exception as exc:  # playhouse raises several types for bad URLs
        raise HarvestConfigError(f"DATABASE_URL {url!r} cannot be parsed: {exc}") from exc
    path = params.pop("database")
    if not path:
        raise HarvestConfigError(f"DATABASE_URL {url!r} names no database file")
    if params:
        # playhouse passes query parameters on to sqlite3.connect(), where an unknown one is a
        # TypeError; the options a harvest needs are set here (SQLITE_PRAGMAS).
        raise HarvestConfigError(
            f"DATABASE_URL {url!r} has query parameters ({', '.join(sorted(params))}); none are taken"
        )
    if path != ":memory:":
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise HarvestConfigError(f"DATABASE_URL folder {folder} does not exist")
    return path


def open_database(url, create_tables=True):
    """Connect to ``url``, bind the models to it and (by default) create missing tables."""
    if is_postgres(url):
        database, name = open_postgres(url), redact(url)
    else:
        name = database_path(url)
        database = SqliteDatabase(
            name,
            pragmas=SQLITE_PRAGMAS,
            timeout=BUSY_TIMEOUT_MS / 1000,
            # Every transaction takes the write lock as it begins (waiting up to the busy
            # timeout), not at its first write: in WAL mode a transaction that read before
            # another connection committed cannot write any more and fails at once ("database
            # is locked", no waiting). Storage's writer thread and the reactor's thread are
            # two connections of one crawl (pipelines/storage.py), as two harvests are.
            lock_type="IMMEDIATE",
            check_same_thread=False,
            cached_statements=SQLITE_CACHED_STATEMENTS,
        )
    try:
        if is_postgres(url):
            database.connect(reuse_if_open=True)
        else:
            connect_sqlite(database)
        database_proxy.initialize(database)
        if create_tables and is_postgres(url):
            with database.atomic():
                lock_schema(database)  # one harvest at a time changes the schema
                add_missing_columns(database)
                relax_not_null_postgres(database)
                create_missing(database)  # not create_tables: it would lock every table (migrations.py)
                drop_covered_indexes(database)
                ensure_identity_keys(database, ALL_MODELS)
        elif create_tables:
            upgraded = add_missing_columns(database)  # before indexes on new columns are created
            upgraded += relax_columns(database)
            if upgraded:
                normalise_timestamps(database)
            with database.atomic():
                create_schema(database)
                drop_covered_indexes(database)
            fts.ensure(database)  # search over albums (fts.py)
    except (DatabaseError, sqlite3.DatabaseError) as exc:  # peewee's wraps sqlite3's ("file is not a database")
        database.close()
        raise HarvestConfigError(f"cannot open database {name}: {str(exc).strip().splitlines()[0]}") from exc
    return database


_SCHEMA_STATEMENTS = {}


def create_schema(database):
    """``database.create_tables(ALL_MODELS, safe=True)`` on SQLite, its statements built once per process.

    The statements peewee runs there (``Model.create_table``: ``SchemaManager.create_all``, one
    ``CREATE TABLE IF NOT EXISTS`` and its ``CREATE INDEX IF NOT EXISTS`` per model, in
    ``sort_models`` order; SQLite has no sequences) never change, but building their text from the
    models took about 7 ms of every open, which is every crawl (issue 12).
    """
    statements = _SCHEMA_STATEMENTS.get(type(database))
    if statements is None:
        statements = []
        for model in sort_models(ALL_MODELS):
            statements.append(database.get_sql_context().sql(model._schema._create_table(safe=True)).query())
            statements.extend(database.get_sql_context().sql(index).query()
                              for index in model._schema._create_indexes(safe=True))
        _SCHEMA_STATEMENTS[type(database)] = statements
    for sql, params in statements:
        database.execute_sql(sql, params)


def connect_sqlite(database, timeout=BUSY_TIMEOUT_MS / 1000):
    """Connect and set SQLITE_PRAGMAS, again while SQLite says the file is locked (``timeout`` s).

    Two harvests opening one new file at the same moment: the first switches it to WAL, and
    the other's pragmas meanwhile fail with "database is locked" at once, without the busy
    timeout (SQLite returns instead of waiting where waiting could deadlock). Seen in 16 of 60
    pairs of processes opening a new file together (0 of 60 with this retry), and once in
    tests/integration/test_concurrency.py under load; a connection that failed there is
    dropped, nothing written.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            database.connect(reuse_if_open=True)
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(random.uniform(0.01, 0.1))  # apart, so the two do not meet again in step


def insertion_order(model):
    """A column that orders ``model``'s rows as they were inserted: SQLite's rowid; on
    PostgreSQL the row's physical place (ctid), which is insert order for rows written
    together and never updated, as link rows are (deleted and inserted, never updated)."""
    database = database_proxy.obj
    return Column(model, "ctid" if isinstance(database, PostgresqlDatabase) else "rowid")


def check_database(url, lock_timeout):
    """Raise HarvestConfigError unless a harvest can write the database of ``url`` now.

    Changes nothing: a missing file is not created (its folder must be writable), an
    existing one is opened without creating tables or switching the journal mode, and
    ``BEGIN IMMEDIATE`` (the write lock, the one thing two writers contend for) is taken
    for ``lock_timeout`` seconds at most and rolled back at once. A PostgreSQL server gets
    ``lock_timeout`` seconds to answer (:func:`~discogs_harvest.postgres.check_server`).
    """
    if is_postgres(url):
        return check_server(url, lock_timeout)
    path = database_path(url)
    if path == ":memory:":
        raise HarvestConfigError(f"DATABASE_URL {url!r} is an in-memory database: a harvest would keep nothing")
    if not os.path.exists(path):
        folder = os.path.dirname(os.path.abspath(path))
        if not os.access(folder, os.W_OK):
            raise HarvestConfigError(f"database {path} cannot be created: folder {folder} is read-only")
        return
    if os.path.isdir(path):
        raise HarvestConfigError(f"database {path} is a folder, not a SQLite file")
    # No write permission for anyone (chmod a-w) means read-only even to root, who could write it.
    if not os.access(path, os.W_OK) or not os.stat(path).st_mode & 0o222:
        raise HarvestConfigError(f"database {path} is read-only")
    # mode=rw: never create the file; sqlite3's timeout is SQLite's busy timeout (Python docs).
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=rw"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=lock_timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise HarvestConfigError(f"cannot open database {path}: {exc}") from exc
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.Error as exc:
        raise HarvestConfigError(describe_failure(path, exc, lock_timeout)) from exc
    finally:
        connection.close()


def describe_failure(path, exc, lock_timeout):
    """One line for what SQLite said when asked for the write lock of ``path``."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"database {path} is locked by another process (waited {lock_timeout:g} s, DATABASE_LOCK_TIMEOUT)"
    if "readonly" in text or "read-only" in text:
        return f"database {path} is read-only"
    if "not a database" in text or "malformed" in text:
        return f"database {path} is not a SQLite database ({text})"
    return f"cannot open database {path}: {text}"
