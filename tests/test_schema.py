"""The SQLite schema is a contract with the desktop app: every table and column it reads."""

import sqlite3

import pytest

from discogs_harvest.database import open_database

# Table -> {column: (declared type, NOT NULL, default)}, as the desktop app expects them.
CONTRACT = {
    "albums": {
        "discogs_release_id": ("TEXT", True, None), "artist": ("TEXT", True, None),
        "title": ("TEXT", True, None), "label": ("TEXT", False, None), "catalog_number": ("TEXT", False, None),
        "format": ("TEXT", False, None), "country": ("TEXT", False, None),
        "released_year": ("INTEGER", False, None), "cover_image_url": ("TEXT", False, None),
        "resource_url": ("TEXT", False, None), "price_low": ("REAL", False, None),
        "price_median": ("REAL", False, None), "price_high": ("REAL", False, None),
        "have_count": ("INTEGER", True, "0"), "want_count": ("INTEGER", True, "0"),
        "avg_rating": ("REAL", True, "0"), "ratings_count": ("INTEGER", True, "0"),
        "last_sold_date": ("TEXT", False, None), "created_at": ("DATETIME", True, None),
        "updated_at": ("DATETIME", True, None),
    },
    "tracks": {
        "id": ("INTEGER", True, None), "album_id": ("TEXT", True, None), "position": ("TEXT", False, None),
        "title": ("TEXT", True, None), "duration": ("TEXT", False, None), "side": ("TEXT", False, None),
    },
    "youtube_videos": {"id": ("TEXT", True, None), "title": ("TEXT", False, None), "url": ("TEXT", False, None)},
    "album_videos": {
        "album_id": ("TEXT", True, None), "video_id": ("TEXT", True, None), "order_index": ("INTEGER", True, "0"),
    },
    "sellers": {"id": ("INTEGER", True, None), "username": ("TEXT", True, None)},
    "collection_items": {
        "id": ("INTEGER", True, None), "album_id": ("TEXT", False, None), "seller_id": ("INTEGER", False, None),
        "collection_id": ("TEXT", False, None), "price": ("REAL", False, None), "currency": ("TEXT", False, None),
        "condition": ("TEXT", False, None), "sleeve_condition": ("TEXT", False, None),
        "notes": ("TEXT", False, None), "is_available": ("INTEGER", True, None),
        "is_new": ("INTEGER", True, None), "item_url": ("TEXT", False, None),
        # NULL for the desktop app's own rows (issue 10: its seed inserts name no listing id).
        "listing_id": ("INTEGER", False, None), "first_seen_at": ("DATETIME", True, None),
        "last_seen_at": ("DATETIME", True, None),
    },
    "genres": {"id": ("INTEGER", True, None), "name": ("TEXT", True, None)},
    "styles": {"id": ("INTEGER", True, None), "name": ("TEXT", True, None)},
    "album_genres": {"album_id": ("TEXT", True, None), "genre_id": ("INTEGER", True, None)},
    "album_styles": {"album_id": ("TEXT", True, None), "style_id": ("INTEGER", True, None)},
    "harvest_runs": {
        "spider": ("TEXT", True, None), "arguments": ("TEXT", True, None), "started_at": ("DATETIME", True, None),
        "finished_at": ("DATETIME", False, None), "finish_reason": ("TEXT", False, None),
        "requests": ("INTEGER", True, None), "items": ("INTEGER", True, None),
    },
}
PRIMARY_KEYS = {
    "albums": ["discogs_release_id"], "tracks": ["id"], "youtube_videos": ["id"],
    "album_videos": ["album_id", "video_id"], "sellers": ["id"], "collection_items": ["id"],
    "genres": ["id"], "styles": ["id"], "album_genres": ["album_id", "genre_id"],
    "album_styles": ["album_id", "style_id"],
}
FOREIGN_KEYS = {
    ("tracks", "album_id"): ("albums", "discogs_release_id"),
    ("album_videos", "album_id"): ("albums", "discogs_release_id"),
    ("album_videos", "video_id"): ("youtube_videos", "id"),
    ("collection_items", "album_id"): ("albums", "discogs_release_id"),
    ("collection_items", "seller_id"): ("sellers", "id"),
    ("album_genres", "album_id"): ("albums", "discogs_release_id"),
    ("album_genres", "genre_id"): ("genres", "id"),
    ("album_styles", "album_id"): ("albums", "discogs_release_id"),
    ("album_styles", "style_id"): ("styles", "id"),
}
UNIQUE = {("genres", "name"), ("styles", "name"), ("sellers", "username"), ("collection_items", "listing_id")}


@pytest.fixture(scope="module")
def connection(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "discogs.db"
    open_database(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        yield connection


def table_info(connection, table):
    return {row[1]: row for row in connection.execute(f"PRAGMA table_info({table})")}


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_contract_columns(connection, table):
    info = table_info(connection, table)
    assert info, f"table {table} is missing"
    for column, (declared, not_null, default) in CONTRACT[table].items():
        assert column in info, f"{table}.{column} is missing"
        _, _, column_type, column_not_null, column_default, _ = info[column]
        assert (column_type, bool(column_not_null)) == (declared, not_null), f"{table}.{column}"
        if default is not None:
            assert column_default == default, f"{table}.{column} DEFAULT"


@pytest.mark.parametrize(("table", "columns"), sorted(PRIMARY_KEYS.items()))
def test_primary_keys(connection, table, columns):
    info = table_info(connection, table)
    assert [name for name, row in sorted(info.items(), key=lambda kv: kv[1][5]) if row[5]] == columns


@pytest.mark.parametrize(("source", "target"), sorted(FOREIGN_KEYS.items()))
def test_foreign_keys(connection, source, target):
    table, column = source
    keys = {(row[3], row[2], row[4]) for row in connection.execute(f"PRAGMA foreign_key_list({table})")}
    assert (column, *target) in keys


@pytest.mark.parametrize(("source", "target"), sorted(FOREIGN_KEYS.items()))
def test_foreign_keys_lead_an_index(connection, source, target):
    """A look-up by foreign key (a cascade, the rows of an album) has an index to use: one
    that starts with the column, on its own or as the first of several."""
    table, column = source
    first = {[row[2] for row in connection.execute(f"PRAGMA index_info('{index[1]}')")][0]
             for index in connection.execute(f"PRAGMA index_list({table})")}
    assert column in first


def test_no_foreign_key_index_repeats_the_start_of_another(connection):
    """An index on a foreign key alone, next to an index that starts with it, only costs
    writes (models.py)."""
    repeated = []
    keys = [(table, key[3]) for (table,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            for key in connection.execute(f"PRAGMA foreign_key_list('{table}')")]
    assert ("album_images", "album_id") in keys
    for table, column in keys:
        indexes = [(index[1], tuple(row[2] for row in connection.execute(f"PRAGMA index_info('{index[1]}')")))
                   for index in connection.execute(f"PRAGMA index_list('{table}')")]
        if any(len(columns) > 1 and columns[0] == column for _, columns in indexes):
            repeated += [name for name, columns in indexes if columns == (column,)]
    assert repeated == []


@pytest.mark.parametrize(("table", "column"), sorted(UNIQUE))
def test_unique_columns(connection, table, column):
    unique = set()
    for index in connection.execute(f"PRAGMA index_list({table})"):
        if index[2]:
            names = [row[2] for row in connection.execute(f"PRAGMA index_info('{index[1]}')")]
            unique.add(tuple(names))
    assert (column,) in unique


def test_pragmas_for_a_shared_file(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    pragma = lambda name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") >= 10_000
    assert pragma("cache_size") < 0
    database.close()


def test_the_cached_schema_statements_build_what_peewee_builds(tmp_path):
    """database.create_schema replays statements built once; peewee's own create_tables, run on
    another file, must give the same tables and indexes, SQL for SQL."""
    from peewee import SqliteDatabase

    from discogs_harvest.database import create_schema
    from discogs_harvest.models import ALL_MODELS, database_proxy

    query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    schemas = []
    for name, build in (("peewee.db", lambda db: db.create_tables(ALL_MODELS, safe=True)), ("cached.db", create_schema)):
        database = SqliteDatabase(str(tmp_path / name))
        database_proxy.initialize(database)
        build(database)
        build(database)  # again: every statement is IF NOT EXISTS
        database.close()
        with sqlite3.connect(tmp_path / name) as connection:
            schemas.append(connection.execute(query).fetchall())
    assert len(schemas[0]) > 2 * len(ALL_MODELS) and schemas[0] == schemas[1]
