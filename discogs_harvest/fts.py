"""Full-text search over albums: artist, title, label and track titles (SQLite FTS5).

``albums_fts`` is an FTS5 table whose rowid is the album's Discogs release id. Datasette's
search box uses it through the metadata (``fts_table: albums_fts``, ``fts_pk:
discogs_release_id``; :mod:`discogs_harvest.browse.metadata`)::

    SELECT * FROM albums WHERE discogs_release_id IN
        (SELECT rowid FROM albums_fts WHERE albums_fts MATCH 'umiliani')

It is kept current by the storage pipeline: after each batch of releases (albums and tracks
written), :func:`refresh` re-indexes those albums in two statements. Per-row triggers on
``albums`` and ``tracks`` would do the same for every writer, but an FTS5 row rewritten once
per track made a batch of releases 13 times slower to store (measured: 3,000 albums of 10
tracks, 1.1 s without, 15 s with), enough to push concurrent harvests past their lock waits.
A trigger removes a deleted album's row (rare, cheap). Albums other programs add or remove are
picked up on the next open: :func:`ensure` (from :func:`discogs_harvest.database.open_database`)
rebuilds the index when its row count differs from the albums'.

Only albums whose id is a whole number are indexed (Discogs ids always are). A SQLite without
FTS5, or another database engine, has no search; the harvest works the same.
"""

import logging
import weakref

from peewee import SqliteDatabase

logger = logging.getLogger(__name__)

TABLE = "albums_fts"
QUOTED = f'"{TABLE}"'
NUMERIC_ID = "{row}.discogs_release_id GLOB '[1-9]*' AND {row}.discogs_release_id NOT GLOB '*[^0-9]*'"
TRACK_TITLES = "(SELECT group_concat(title, ' ') FROM tracks WHERE album_id = {album})"

# IF NOT EXISTS: two harvests opening one new database at once both find the table missing
# (ensure reads the schema before its transaction), and the second one's CREATE, run once the
# first has committed, would fail with "table albums_fts already exists".
CREATE_TABLE = f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(artist, title, label, tracks, tokenize = 'unicode61')"

TRIGGERS = {
    "albums_fts_delete": f"AFTER DELETE ON albums BEGIN DELETE FROM {TABLE} "
                         "WHERE rowid = CAST(old.discogs_release_id AS INTEGER); END",
}

INDEX = (f"INSERT INTO {QUOTED} (rowid, artist, title, label, tracks) "
         "SELECT CAST(discogs_release_id AS INTEGER), artist, title, label, "
         + TRACK_TITLES.format(album="albums.discogs_release_id")
         + f" FROM albums WHERE {NUMERIC_ID.format(row='albums')}")
COUNTS = (f"SELECT (SELECT count(*) FROM albums WHERE {NUMERIC_ID.format(row='albums')}), "
          f"(SELECT count(*) FROM {TABLE})")


# database -> bool, learnt by ensure(): refresh() runs once per batch. Weak keys: a database object
# closed and collected must not lend its answer to a new one that happens to get its id().
_available = weakref.WeakKeyDictionary()


def available(database):
    if database not in _available:
        _available[database] = isinstance(database, SqliteDatabase) and TABLE in database.get_tables()
    return _available[database]


def ensure(database):
    """Create ``albums_fts`` and its trigger where missing, and rebuild the index when it does
    not hold one row per album; True when search is available."""
    if not isinstance(database, SqliteDatabase):
        return False
    existing = {name for (name,) in database.execute_sql(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").fetchall()}
    try:
        with database.atomic():
            if TABLE not in existing:
                database.execute_sql(CREATE_TABLE)
            for name, body in TRIGGERS.items():
                if name not in existing:
                    database.execute_sql(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
            albums, indexed = database.execute_sql(COUNTS).fetchone()
            if albums != indexed:
                database.execute_sql(f"DELETE FROM {TABLE}")
                database.execute_sql(INDEX)
                logger.info("Full-text search: indexed %s albums", albums)
    except Exception as exc:  # peewee wraps sqlite3's OperationalError ("no such module: fts5")
        if "fts5" not in str(exc):
            raise
        logger.warning("This SQLite has no FTS5: full-text search over albums is off (%s)", exc)
        _available[database] = False
        return False
    _available[database] = True
    return True


def refresh(database, release_ids, chunk_size=500):
    """Re-index the albums of ``release_ids`` as stored now (call after their tracks are written)."""
    if not available(database):
        return 0
    ids = [str(release_id) for release_id in release_ids]
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start:start + chunk_size]
        marks = ",".join("?" * len(chunk))
        numbers = [int(release_id) for release_id in chunk if release_id.isdigit()]
        if numbers:
            database.execute_sql(f"DELETE FROM {QUOTED} WHERE rowid IN ({','.join('?' * len(numbers))})", numbers)
        database.execute_sql(f"{INDEX} AND discogs_release_id IN ({marks})", chunk)
    return len(ids)


def search(database, query):
    """Release ids (as stored, text) whose artist, title, label or tracks match ``query``."""
    return [row[0] for row in database.execute_sql(
        f"SELECT discogs_release_id FROM albums WHERE discogs_release_id IN "
        f"(SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH ?) ORDER BY discogs_release_id", (query,)).fetchall()]
