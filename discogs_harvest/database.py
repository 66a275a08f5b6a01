"""Opening the database named by ``DATABASE_URL``.

:func:`open_database` parses the URL with ``playhouse.db_url``, applies the SQLite
pragmas a long harvest next to a desktop reader needs (WAL so the app reads while we
write, foreign keys, a 64 MiB page cache, a busy timeout so two harvests wait for each
other instead of failing with "database is locked"), binds the models, and creates
missing tables. A bad URL or an unwritable file raises :class:`HarvestConfigError`
with a one-line reason, before anything is written.
"""

import logging
import os
import sqlite3

from peewee import OperationalError, SqliteDatabase
from playhouse import db_url

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.migrations import add_missing_columns
from discogs_harvest.models import ALL_MODELS, database_proxy

logger = logging.getLogger(__name__)

# Milliseconds a writer waits for another's transaction before giving up.
BUSY_TIMEOUT_MS = 60_000

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "cache_size": -64 * 1024,  # negative: KiB, so 64 MiB
    "synchronous": "normal",  # safe with WAL: a crash loses no committed transaction
    "busy_timeout": BUSY_TIMEOUT_MS,
}


def open_database(url, create_tables=True):
    """Connect to ``url``, bind the models to it and (by default) create missing tables."""
    if not url or "://" not in url:
        raise HarvestConfigError(f"DATABASE_URL {url!r} is not a URL like sqlite:///data/discogs.db")
    scheme = url.split("://", 1)[0]
    if scheme not in ("sqlite",):
        raise HarvestConfigError(f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite:///path)")
    try:
        params = db_url.parse(url)
    except Exception as exc:  # playhouse raises several types for bad URLs
        raise HarvestConfigError(f"DATABASE_URL {url!r} cannot be parsed: {exc}") from exc
    path = params.pop("database")
    if not path:
        raise HarvestConfigError(f"DATABASE_URL {url!r} names no database file")
    if path != ":memory:":
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise HarvestConfigError(f"DATABASE_URL folder {folder} does not exist")
    database = SqliteDatabase(
        path,
        pragmas=SQLITE_PRAGMAS,
        timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=False,
        **params,
    )
    try:
        database.connect(reuse_if_open=True)
        database_proxy.initialize(database)
        if create_tables:
            add_missing_columns(database)  # before indexes on new columns are created
            with database.atomic():
                database.create_tables(ALL_MODELS, safe=True)
    except (OperationalError, sqlite3.DatabaseError) as exc:
        database.close()
        raise HarvestConfigError(f"cannot open database {path}: {exc}") from exc
    return database
