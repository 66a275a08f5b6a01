"""Full-text search over albums: artist, title, label and track titles (SQLite FTS5).

``albums_fts`` is an FTS5 table whose rowid is the album's Discogs release id, kept current
by triggers on ``albums`` and ``tracks``, so every writer (the storage pipeline, a rebuild, the
desktop app's own inserts) keeps it right without knowing it exists. Datasette's search box
uses it through the metadata (``fts_table: albums_fts``, ``fts_pk: discogs_release_id``;
:mod:`discogs_harvest.browse.metadata`)::

    SELECT * FROM albums WHERE discogs_release_id IN
        (SELECT rowid FROM albums_fts WHERE albums_fts MATCH 'umiliani')

Only albums whose id is a whole number are indexed (Discogs ids always are). The triggers
replace an album's row on every write of its artist, title or label, and recompute its
``tracks`` column on every track insert, update or delete: a few small statements per row,
nothing that grows with the database.

:func:`ensure` runs from :func:`discogs_harvest.database.open_database`: it creates what is
missing and fills the table from the albums already stored (an existing database gains
search on its first open). A SQLite without FTS5 gets a warning and no search.
"""

import logging

logger = logging.getLogger(__name__)

TABLE = "albums_fts"
NUMERIC_ID = "{row}.discogs_release_id GLOB '[1-9]*' AND {row}.discogs_release_id NOT GLOB '*[^0-9]*'"
TRACK_TITLES = "(SELECT group_concat(title, ' ') FROM tracks WHERE album_id = {album})"

CREATE_TABLE = f"CREATE VIRTUAL TABLE {TABLE} USING fts5(artist, title, label, tracks, tokenize = 'unicode61')"

_INDEX_ALBUM = (f"INSERT INTO {TABLE} (rowid, artist, title, label, tracks) VALUES "
                "(CAST(new.discogs_release_id AS INTEGER), new.artist, new.title, new.label, "
                + TRACK_TITLES.format(album="new.discogs_release_id") + ");")
_DROP_ALBUM = f"DELETE FROM {TABLE} WHERE rowid = CAST(old.discogs_release_id AS INTEGER);"
_TRACKS = (f"UPDATE {TABLE} SET tracks = " + TRACK_TITLES.format(album="{row}.album_id")
           + " WHERE rowid = CAST({row}.album_id AS INTEGER);")

TRIGGERS = {
    "albums_fts_insert": f"AFTER INSERT ON albums WHEN {NUMERIC_ID.format(row='new')} BEGIN {_INDEX_ALBUM} END",
    "albums_fts_update": (f"AFTER UPDATE OF discogs_release_id, artist, title, label ON albums BEGIN {_DROP_ALBUM} "
                          f"INSERT INTO {TABLE} (rowid, artist, title, label, tracks) SELECT "
                          "CAST(new.discogs_release_id AS INTEGER), new.artist, new.title, new.label, "
                          + TRACK_TITLES.format(album="new.discogs_release_id")
                          + f" WHERE {NUMERIC_ID.format(row='new')}; END"),
    "albums_fts_delete": f"AFTER DELETE ON albums BEGIN {_DROP_ALBUM} END",
    "tracks_fts_insert": f"AFTER INSERT ON tracks BEGIN {_TRACKS.format(row='new')} END",
    "tracks_fts_update": (f"AFTER UPDATE OF title, album_id ON tracks BEGIN {_TRACKS.format(row='old')} "
                          f"{_TRACKS.format(row='new')} END"),
    "tracks_fts_delete": f"AFTER DELETE ON tracks BEGIN {_TRACKS.format(row='old')} END",
}

REBUILD = (f"INSERT INTO {TABLE} (rowid, artist, title, label, tracks) "
           "SELECT CAST(discogs_release_id AS INTEGER), artist, title, label, "
           + TRACK_TITLES.format(album="albums.discogs_release_id")
           + f" FROM albums WHERE {NUMERIC_ID.format(row='albums')}")


def ensure(database):
    """Create ``albums_fts`` and its triggers where missing; True when search is available."""
    existing = {name for (name,) in database.execute_sql(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").fetchall()}
    if TABLE in existing and existing.issuperset(TRIGGERS):
        return True
    try:
        with database.atomic():
            if TABLE not in existing:
                database.execute_sql(CREATE_TABLE)
            for name, body in TRIGGERS.items():
                if name not in existing:
                    database.execute_sql(f"CREATE TRIGGER {name} {body}")
            # Whatever was written while a trigger was missing: index everything afresh.
            database.execute_sql(f"DELETE FROM {TABLE}")
            database.execute_sql(REBUILD)
    except Exception as exc:  # peewee wraps sqlite3's OperationalError ("no such module: fts5")
        if "fts5" not in str(exc):
            raise
        logger.warning("This SQLite has no FTS5: full-text search over albums is off (%s)", exc)
        return False
    logger.info("Full-text search over albums set up (%s)", TABLE)
    return True


def search(database, query):
    """Release ids (as stored, text) whose artist, title, label or tracks match ``query``."""
    return [row[0] for row in database.execute_sql(
        f"SELECT discogs_release_id FROM albums WHERE discogs_release_id IN "
        f"(SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH ?) ORDER BY discogs_release_id", (query,)).fetchall()]
