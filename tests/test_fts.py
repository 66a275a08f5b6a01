"""Full-text search over albums stays current through the triggers, whoever writes."""

import sqlite3

from discogs_harvest import fts
from discogs_harvest.database import open_database
from tests.test_migrations import LEGACY


def test_search_follows_inserts_updates_and_deletes(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'fts.db'}")
    run = database.execute_sql

    def album(release_id, artist, title, label=None):
        run("INSERT INTO albums (discogs_release_id, artist, title, label, have_count, want_count, avg_rating, "
            "ratings_count, created_at, updated_at) VALUES (?, ?, ?, ?, 0, 0, 0, 0, '2026-01-01', '2026-01-01')",
            (release_id, artist, title, label))

    album("1052359", "Piero Umiliani", "Angeli Bianchi", "Omicron")
    album("42", "Someone", "Other")
    assert fts.search(database, "umiliani") == ["1052359"]
    assert fts.search(database, "omicron") == ["1052359"]
    run("INSERT INTO tracks (album_id, title, sequence) VALUES ('1052359', 'Pelle Di Luna', 0), "
        "('42', 'Seyga Seyga', 0)")
    assert fts.search(database, "luna") == ["1052359"]
    assert fts.search(database, "seyga") == ["42"]
    run("UPDATE tracks SET title = 'Mahe' WHERE album_id = '1052359'")
    assert fts.search(database, "luna") == [] and fts.search(database, "mahe") == ["1052359"]
    run("UPDATE albums SET title = 'Il Corpo' WHERE discogs_release_id = '1052359'")
    assert fts.search(database, "angeli") == [] and fts.search(database, "corpo") == ["1052359"]
    assert fts.search(database, "mahe") == ["1052359"]  # the tracks survive a rewrite of the album
    run("DELETE FROM tracks WHERE album_id = '42'")
    run("DELETE FROM albums WHERE discogs_release_id = '42'")
    assert fts.search(database, "someone") == []
    # An id that is not a whole number is not indexed, and does not break the insert.
    album("x-1", "Someone", "Odd")
    assert fts.search(database, "odd") == []
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
