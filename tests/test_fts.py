"""Full-text search over albums: re-indexed by the storage pipeline per batch, rebuilt on open
when another program added albums, cleaned by a trigger when an album is deleted."""

import sqlite3

from discogs_harvest import fts
from discogs_harvest.database import open_database
from discogs_harvest.freshness import close_database
from tests.pipelines import factories
from tests.pipelines.test_storage import store
from tests.test_migrations import LEGACY


def insert_album(database, release_id, artist, title, label=None):
    database.execute_sql(
        "INSERT INTO albums (discogs_release_id, artist, title, label, have_count, want_count, avg_rating, "
        "ratings_count, created_at, updated_at) VALUES (?, ?, ?, ?, 0, 0, 0, 0, '2026-01-01', '2026-01-01')",
        (release_id, artist, title, label))


def test_the_storage_pipeline_keeps_search_current(tmp_path):
    from scrapy.utils.test import get_crawler

    url = f"sqlite:///{tmp_path / 'fts.db'}"
    crawler = get_crawler(settings_dict={"DATABASE_URL": url, "STORAGE_BATCH_SIZE": 200})
    store(crawler, factories.release())
    database = open_database(url)
    release_id = str(factories.UMILIANI)
    artist = factories.release().artist.split()[-1]
    first_track = factories.TRACKS[0][1].split()[0]
    last_track = factories.TRACKS[-1][1].split()[-1]
    assert fts.search(database, artist) == [release_id]
    assert fts.search(database, first_track) == [release_id]
    assert fts.search(database, factories.release().label.split()[0]) == [release_id]
    # Stored again with a shorter tracklist and a new title: the index follows.
    store(crawler, factories.release(title="Il Corpo", tracks=factories.tracks(1)))
    assert fts.search(database, "corpo") == [release_id]
    assert fts.search(database, first_track) == [release_id]
    if last_track != first_track:
        assert fts.search(database, f'"{last_track}"') == []
    assert database.execute_sql("SELECT count(*) FROM albums_fts").fetchone() == (1,)
    database.close()
    close_database(url)


def test_other_writers_are_picked_up_on_open_and_deletes_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    database = open_database(url)
    insert_album(database, "42", "Someone", "Other")
    insert_album(database, "x-1", "Someone", "Odd")  # not a Discogs id: not indexed
    database.execute_sql("INSERT INTO tracks (album_id, title, sequence) VALUES ('42', 'Seyga Seyga', 0)")
    assert fts.search(database, "seyga") == []  # the desktop app's insert, not indexed yet
    database.close()
    database = open_database(url)
    assert fts.search(database, "seyga") == ["42"] and fts.search(database, "odd") == []
    database.execute_sql("DELETE FROM tracks WHERE album_id = '42'")
    database.execute_sql("DELETE FROM albums WHERE discogs_release_id = '42'")
    assert database.execute_sql("SELECT count(*) FROM albums_fts").fetchone() == (0,)
    database.close()


def test_an_existing_database_gains_search_over_what_it_holds(tmp_path):
    path = tmp_path / "desktop.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(LEGACY)
    database = open_database(f"sqlite:///{path}")
    assert fts.search(database, "artist") == ["7"]
    assert fts.search(database, "three") == ["7"]
    database.close()
    database = open_database(f"sqlite:///{path}")  # a second open changes nothing
    assert database.execute_sql("SELECT count(*) FROM albums_fts").fetchone() == (1,)
    database.close()


def test_what_search_learnt_of_a_database_goes_with_it(tmp_path):
    """``available`` remembers per database object, not per ``id()``: a later database given a
    collected one's id must not inherit its answer."""
    import gc
    import weakref

    from peewee import SqliteDatabase

    with_search = SqliteDatabase(str(tmp_path / "with.db"))
    with_search.execute_sql("CREATE TABLE albums (discogs_release_id TEXT, artist, title, label)")
    with_search.execute_sql("CREATE TABLE tracks (album_id TEXT, title)")
    assert fts.ensure(with_search) and fts.available(with_search)
    without = SqliteDatabase(str(tmp_path / "without.db"))
    assert not fts.available(without)
    # Every other database remembered is held here, so the collection below can free only
    # with_search (earlier tests' databases in this worker may be garbage waiting for it).
    others = [database for database in list(fts._available.keys()) if database is not with_search]
    gone = weakref.ref(with_search)
    with_search.close()
    del with_search
    gc.collect()
    assert gone() is None
    assert len(fts._available) == len(others)
    assert not fts.available(without)


def test_two_harvests_opening_one_new_database_at_once_both_get_search(tmp_path):
    """The other harvest creates the index between this one's look at the schema and its own
    CREATE (make bench's two crawls on one token failed so: "table albums_fts already exists")."""
    from peewee import SqliteDatabase

    path = str(tmp_path / "shared.db")
    other = SqliteDatabase(path)

    class RacedDatabase(SqliteDatabase):
        def execute_sql(self, sql, *args, **kwargs):
            cursor = super().execute_sql(sql, *args, **kwargs)
            if "sqlite_master" in sql and "albums_fts" not in sql:
                seen = cursor.fetchall()  # what this harvest saw: no index yet
                assert fts.ensure(other)  # the other harvest, meanwhile
                return Seen(seen)
            return cursor

    class Seen(list):
        def fetchall(self):
            return list(self)

    setup = SqliteDatabase(path)
    setup.execute_sql("CREATE TABLE albums (discogs_release_id TEXT, artist, title, label)")
    setup.execute_sql("CREATE TABLE tracks (album_id TEXT, title)")
    setup.close()
    this = RacedDatabase(path)
    assert fts.ensure(this) and fts.available(this)
    assert this.execute_sql("SELECT count(*) FROM sqlite_master WHERE name = 'albums_fts'").fetchone() == (1,)
    this.close()
    other.close()
