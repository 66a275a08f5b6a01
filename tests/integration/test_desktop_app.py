"""The desktop app writes to the same file: its seed's plain inserts succeed on a harvested database.

Run as the app runs them: plain SQL through ``sqlite3``, only the columns its seed lists
(``tests/data/desktop_seed.sql``), on a database a harvest wrote and on one written by the
previous version of the schema (upgraded by :mod:`discogs_harvest.migrations` when opened).
Every timestamp, the harvester's and the app's, is in one form that SQLite's date functions read.
"""

import re
import sqlite3
from pathlib import Path

import pytest

from discogs_harvest.database import open_database
from discogs_harvest.migrations import columns_to_relax
from tests.integration.crawling import rows
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = pytest.mark.timeout(240)

SEED = (Path(__file__).parents[1] / "data" / "desktop_seed.sql").read_text(encoding="utf-8")
ONE_FORM = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")

# The four tables as discogs-harvest created them before the app's defaults (git 6c33b22).
PREVIOUS_VERSION = """
CREATE TABLE "albums" ("discogs_release_id" TEXT NOT NULL PRIMARY KEY, "artist" TEXT NOT NULL, "title" TEXT NOT NULL, "label" TEXT, "catalog_number" TEXT, "format" TEXT, "country" TEXT, "released_year" INTEGER, "cover_image_url" TEXT, "resource_url" TEXT, "price_low" REAL, "price_median" REAL, "price_high" REAL, "have_count" INTEGER NOT NULL DEFAULT 0, "want_count" INTEGER NOT NULL DEFAULT 0, "avg_rating" REAL NOT NULL DEFAULT 0, "ratings_count" INTEGER NOT NULL DEFAULT 0, "last_sold_date" TEXT, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "api_url" TEXT, "released" TEXT, "price_currency" TEXT, "num_for_sale" INTEGER, "data_quality" TEXT, "master_id" INTEGER, "fetched_at" DATETIME);
CREATE TABLE "sellers" ("id" INTEGER NOT NULL PRIMARY KEY, "username" TEXT NOT NULL, "rating" REAL, "stars" REAL, "total_ratings" INTEGER, "html_url" TEXT, "avatar_url" TEXT, "payment" TEXT, "shipping" TEXT, "min_order_total" REAL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "sellers_username" ON "sellers" ("username");
CREATE TABLE "collection_items" ("id" INTEGER NOT NULL PRIMARY KEY, "album_id" TEXT, "seller_id" INTEGER, "collection_id" TEXT, "price" REAL, "currency" TEXT, "condition" TEXT, "sleeve_condition" TEXT, "notes" TEXT, "is_available" INTEGER NOT NULL, "is_new" INTEGER NOT NULL, "item_url" TEXT, "listing_id" INTEGER NOT NULL, "release_id" INTEGER, "status" TEXT, "original_price" REAL, "original_currency" TEXT, "shipping_price" REAL, "shipping_currency" TEXT, "ships_from" TEXT, "posted" TEXT, "allow_offers" INTEGER, "first_seen_at" DATETIME NOT NULL, "last_seen_at" DATETIME NOT NULL, FOREIGN KEY ("album_id") REFERENCES "albums" ("discogs_release_id") ON DELETE SET NULL, FOREIGN KEY ("seller_id") REFERENCES "sellers" ("id"));
CREATE UNIQUE INDEX "collection_items_listing_id" ON "collection_items" ("listing_id");
CREATE TABLE "tracks" ("id" INTEGER NOT NULL PRIMARY KEY, "album_id" TEXT NOT NULL, "position" TEXT, "title" TEXT NOT NULL, "duration" TEXT, "side" TEXT, "duration_seconds" INTEGER, "sequence" INTEGER NOT NULL, "artist" TEXT, FOREIGN KEY ("album_id") REFERENCES "albums" ("discogs_release_id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "tracks_album_id_sequence" ON "tracks" ("album_id", "sequence");
INSERT INTO albums (discogs_release_id, artist, title, created_at, updated_at) VALUES ('7', 'A', 'T', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
INSERT INTO tracks (album_id, title, sequence) VALUES ('7', 'one', 0), ('7', 'two', 1);
INSERT INTO sellers (id, username, created_at, updated_at) VALUES (1, 's', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
INSERT INTO collection_items (album_id, seller_id, listing_id, is_available, is_new, first_seen_at, last_seen_at, posted)
  VALUES ('7', 1, 55, 1, 0, '2026-01-01 00:00:00.250000', '2026-01-01 00:00:00', '2020-03-11T05:41:34-07:00');
"""


@pytest.fixture(scope="module")
def harvested(module_sandbox, tmp_path_factory):
    """A database a real harvest wrote: the recorded seller and two recorded releases."""
    database = tmp_path_factory.mktemp("app") / "discogs.db"
    result = crawl("seller_inventory", module_sandbox, database, "seller=brotherlogic")
    assert result.returncode == 0, result.stderr[-3000:]
    result = crawl("release", module_sandbox, database, "ids=1161277,565473")
    assert result.returncode == 0, result.stderr[-3000:]
    return database


def run_seed(database):
    with sqlite3.connect(database) as connection:  # what the app does: no pragma, no ORM
        connection.executescript(SEED)


def timestamps(database):
    """(table, column, value) of every DATETIME column and of collection_items.posted."""
    found = []
    with sqlite3.connect(database) as connection:
        for (table,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for _, column, declared, *_ in connection.execute(f'PRAGMA table_info("{table}")'):
                if declared == "DATETIME" or (table, column) == ("collection_items", "posted"):
                    found += [(table, column, value) for (value,) in connection.execute(
                        f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')]
    return found


def test_the_seed_inserts_succeed_on_a_harvested_database(harvested):
    before = rows(harvested, "SELECT COUNT(*) AS n FROM collection_items")[0]["n"]
    run_seed(harvested)
    app_items = rows(harvested, "SELECT * FROM collection_items WHERE listing_id IS NULL ORDER BY id")
    assert len(app_items) == 3
    assert rows(harvested, "SELECT COUNT(*) AS n FROM collection_items")[0]["n"] == before + 3
    assert {(i["is_available"], i["is_new"]) for i in app_items} == {(1, 0)}
    tracks = rows(harvested, "SELECT * FROM tracks WHERE album_id = '990000001' ORDER BY id")
    assert [(t["title"], t["type"], t["sequence"]) for t in tracks] == [
        ("Opening", "track", None), ("Second", "track", None), ("Turnover", "track", None)]
    (album,) = rows(harvested, "SELECT * FROM albums WHERE discogs_release_id = '990000002'")
    assert ONE_FORM.fullmatch(album["created_at"]) and album["created_at"] == album["updated_at"]


def test_a_harvest_after_the_app_wrote_keeps_the_apps_rows(module_sandbox, harvested):
    result = crawl("seller_inventory", module_sandbox, harvested, "seller=brotherlogic")
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(rows(harvested, "SELECT id FROM collection_items WHERE listing_id IS NULL")) == 3
    assert len(rows(harvested, "SELECT id FROM tracks WHERE album_id = '990000001'")) == 3


def test_every_timestamp_is_in_one_form_that_sqlite_reads(harvested):
    found = timestamps(harvested)
    assert {column for _, column, _ in found} >= {"created_at", "updated_at", "fetched_at", "first_seen_at",
                                                  "last_seen_at", "posted", "date_added", "date_changed"}
    odd = [entry for entry in found if not ONE_FORM.fullmatch(str(entry[2]))]
    assert odd == []
    with sqlite3.connect(harvested) as connection:
        unreadable = connection.execute(
            "SELECT COUNT(*) FROM collection_items WHERE (posted IS NOT NULL AND datetime(posted) IS NULL) "
            "OR datetime(last_seen_at) IS NULL OR posted > last_seen_at"
        ).fetchone()[0]
    assert unreadable == 0


def test_a_database_of_the_previous_version_is_upgraded_for_the_seed(tmp_path):
    path = tmp_path / "previous.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(PREVIOUS_VERSION)
    database = open_database(f"sqlite:///{path}")
    assert columns_to_relax(database) == []
    database.close()
    run_seed(path)
    # Nothing the earlier version stored was lost or changed by the upgrade.
    assert rows(path, "SELECT title, sequence FROM tracks WHERE album_id = '7' ORDER BY id") == [
        {"title": "one", "sequence": 0}, {"title": "two", "sequence": 1}]
    assert rows(path, "SELECT listing_id, album_id, seller_id FROM collection_items WHERE listing_id = 55") == [
        {"listing_id": 55, "album_id": "7", "seller_id": 1}]
    # Times the earlier version stored are in the one form now (posted converted to UTC).
    assert rows(path, "SELECT first_seen_at, posted FROM collection_items WHERE listing_id = 55") == [
        {"first_seen_at": "2026-01-01 00:00:00", "posted": "2020-03-11 12:41:34"}]
    assert [entry for entry in timestamps(path) if not ONE_FORM.fullmatch(str(entry[2]))] == []
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {row[1] for row in connection.execute("PRAGMA index_list(tracks)")}
    assert "tracks_album_id_sequence" in indexes
