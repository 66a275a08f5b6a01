"""An existing database (the desktop app's own) is upgraded in place: columns added, nothing lost."""

import sqlite3

from discogs_harvest.database import open_database
from discogs_harvest.migrations import covered_indexes, missing_columns

LEGACY = """
CREATE TABLE albums (discogs_release_id TEXT PRIMARY KEY, artist TEXT NOT NULL, title TEXT NOT NULL,
  label TEXT, catalog_number TEXT, format TEXT, country TEXT, released_year INTEGER, cover_image_url TEXT,
  resource_url TEXT, price_low REAL, price_median REAL, price_high REAL, have_count INTEGER DEFAULT 0,
  want_count INTEGER DEFAULT 0, avg_rating REAL DEFAULT 0, ratings_count INTEGER DEFAULT 0,
  last_sold_date TEXT, created_at DATETIME, updated_at DATETIME);
CREATE TABLE tracks (id INTEGER PRIMARY KEY, album_id TEXT REFERENCES albums(discogs_release_id),
  position TEXT, title TEXT NOT NULL, duration TEXT, side TEXT);
INSERT INTO albums (discogs_release_id, artist, title, price_median) VALUES ('7', 'Artist', 'Title', 9.5);
INSERT INTO tracks (album_id, position, title) VALUES ('7', 'A1', 'one'), ('7', 'A2', 'two'), ('7', 'B1', 'three');
"""


def test_legacy_database_is_upgraded_without_losing_rows(tmp_path):
    path = tmp_path / "desktop.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(LEGACY)
    database = open_database(f"sqlite:///{path}")
    assert missing_columns(database) == []
    assert database.execute_sql("SELECT artist, title, price_median FROM albums").fetchall() == [
        ("Artist", "Title", 9.5)]
    # Existing tracks are numbered per album, so the new (album, sequence) unique index holds.
    assert database.execute_sql("SELECT position, sequence FROM tracks ORDER BY id").fetchall() == [
        ("A1", 0), ("A2", 1), ("B1", 2)]
    assert "fetched_at" in {c.name for c in database.get_columns("albums")}
    assert "collection_items" in database.get_tables()
    database.close()


def test_upgrade_is_a_no_op_the_second_time(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    open_database(url).close()
    database = open_database(url)
    assert missing_columns(database) == []
    database.close()


def test_youtube_videos_gain_the_health_columns_and_keep_their_rows(tmp_path):
    path = tmp_path / "videos.db"
    with sqlite3.connect(path) as connection:
        connection.executescript("CREATE TABLE youtube_videos (id TEXT PRIMARY KEY, title TEXT, url TEXT);"
                                 "INSERT INTO youtube_videos VALUES ('dQw4w9WgXcQ', 'Song', 'https://youtu.be/x');")
    database = open_database(f"sqlite:///{path}")
    columns = {c.name for c in database.get_columns("youtube_videos")}
    assert columns >= {"status", "checked_at", "status_changed_at", "consecutive_failures", "first_failure_at",
                       "gone_at", "last_result", "last_attempt_at", "last_error"}
    assert database.execute_sql("SELECT id, title, url, status, gone_at FROM youtube_videos").fetchall() == [
        ("dQw4w9WgXcQ", "Song", "https://youtu.be/x", None, None)]
    database.close()


def test_tracks_gain_the_version_columns_and_keep_their_rows(tmp_path):
    """A database of the whole-record schema (tracks with type and parent_sequence) gets the
    version columns, NULL until `scrapy rebuild` derives them."""
    path = tmp_path / "whole-record.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(LEGACY.replace("side TEXT)", "side TEXT, duration_seconds INTEGER, sequence INTEGER, "
                                                              "artist TEXT, type TEXT DEFAULT 'track', "
                                                              "parent_sequence INTEGER)")
                                 .replace("(album_id, position, title) VALUES ('7', 'A1', 'one'), ('7', 'A2', 'two'), "
                                          "('7', 'B1', 'three')",
                                          "(album_id, position, title, sequence) VALUES ('7', 'A1', 'one (Live)', 0)"))
    database = open_database(f"sqlite:///{path}")
    assert missing_columns(database) == []
    assert database.execute_sql("SELECT title, type, version, is_remix, remixer, is_live, is_edit, version_signal "
                                "FROM tracks").fetchall() == [("one (Live)", "track", None, None, None, None, None,
                                                               None)]
    database.close()


def test_labels_artists_masters_gain_the_dump_columns_on_either_backend(database_url):
    """Tables written before dumps imported into them (issue 16): ``source`` and ``dump_date``
    added, ``fetched_at`` allowed to be NULL (a dump's row was never fetched), rows kept."""
    database = open_database(database_url)
    for table in ("labels", "artists", "masters"):
        database.execute_sql(f"DROP TABLE {table}")
        database.execute_sql(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT, title TEXT, "
                             "fetched_at TIMESTAMP NOT NULL)")
        database.execute_sql(f"INSERT INTO {table} (id, name, title, fetched_at) "
                             "VALUES (1, 'from the API', 'from the API', '2024-01-01 00:00:00')")
    database.close()
    database = open_database(database_url)
    assert missing_columns(database) == []
    for table in ("labels", "artists", "masters"):
        columns = {c.name: c for c in database.get_columns(table)}
        assert {"source", "dump_date"} <= set(columns) and columns["fetched_at"].null
        assert database.execute_sql(f"SELECT id, source, dump_date FROM {table}").fetchall() == [(1, None, None)]
        database.execute_sql(f"INSERT INTO {table} (id, source, dump_date) VALUES (2, 'dump', '2020-08-06')")
    database.close()


def test_one_column_indexes_a_composite_covers_are_dropped_on_either_backend(database_url):
    """A database of an earlier version has an index on album_id alone next to the composite
    index (or primary key) that starts with it: dropped when opened, the composite kept."""
    covered = covered_indexes()
    assert ("tracks", "tracks_album_id") in covered and ("album_genres", "album_genres_album_id") in covered
    database = open_database(database_url)
    for table, name in covered:
        database.execute_sql(f'CREATE INDEX "{name}" ON "{table}" ("album_id")')
    database.close()
    database = open_database(database_url)
    tables = {table for table, _ in covered}
    names = {index.name: index.columns for table in tables for index in database.get_indexes(table)}
    assert not names.keys() & {name for _, name in covered}
    assert names["tracks_album_id_sequence"] == ["album_id", "sequence"]
    database.close()


def test_inventory_pages_gain_listings_out_true_for_their_rows_on_either_backend(database_url):
    """Checkpoint rows of an earlier version were all written with their page's listings: the
    column added says so; a row written now without it (as an older harvest would) too."""
    database = open_database(database_url)
    database.execute_sql("DROP TABLE inventory_pages")
    database.execute_sql("CREATE TABLE inventory_pages (id INTEGER PRIMARY KEY, seller TEXT NOT NULL, "
                         "status TEXT NOT NULL, page INTEGER NOT NULL, next_url TEXT, pages_total INTEGER, "
                         "body TEXT NOT NULL, fetched_at TIMESTAMP NOT NULL)")
    database.execute_sql("INSERT INTO inventory_pages (id, seller, status, page, body, fetched_at) "
                         "VALUES (1, 'someseller', 'For Sale', 1, '', '2024-01-01 00:00:00')")
    database.close()
    database = open_database(database_url)
    assert missing_columns(database) == []
    assert database.execute_sql("SELECT page, listings_out FROM inventory_pages").fetchall() == [(1, True)]
    database.execute_sql("INSERT INTO inventory_pages (id, seller, status, page, body, fetched_at) "
                         "VALUES (2, 'someseller', 'For Sale', 2, '', '2024-01-01 00:00:00')")
    assert database.execute_sql("SELECT listings_out FROM inventory_pages WHERE page = 2").fetchall() == [(True,)]
    database.close()
