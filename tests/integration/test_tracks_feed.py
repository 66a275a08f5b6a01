"""``-a feed=tracks``: one record per playable track, equal field by field to the database's rows.

Two crawls of every recorded release: the first fetches and stores them with ``-a feed=tracks -O
tracks.json``; the second finds them fresh and, through a ``FEEDS`` entry that names only
``TrackItem`` (no ``feed`` argument), writes the same records as JSON and CSV from the database,
without a request; ``scrapy rebuild`` derives the version columns again once they are blanked. The seller spider does the same for the releases of an inventory, and an unknown
``feed`` is bad input.
"""

import csv
import json
import sqlite3

import pytest
from scrapy.settings import Settings

from discogs_harvest.freshness import close_database
from discogs_harvest.rebuild import rebuild

from discogs_harvest.items import TRACK_FEED_FIELDS
from tests.integration.crawling import api_requests, rows
from tests.integration.inprocess import crawl_in_process as crawl
from tests.integration.test_release_spider import recorded

pytestmark = pytest.mark.timeout(180)

IDS = [10507194, 1052359, 1161277, 1823781, 2370027, 2425133, 249504, 2535152, 3362530, 4707982, 565473]
BOOLEANS = ("is_remix", "is_live", "is_edit")


def IDS_ORDER(record):
    return IDS.index(record["release_id"]), record["sequence"]


def by_release(record):
    return record["release_id"], record["sequence"]


def database_records(database, ids=IDS):
    """The tracks feed as the tables hold it, read with SQL of its own: playable tracks
    (``type = 'track'``) with their album's columns, genres and styles in the release's order."""
    records = []
    for release_id in ids:
        tags = {}
        for table, link, column in (("genres", "album_genres", "genre_id"), ("styles", "album_styles", "style_id")):
            tags[table] = [r["name"] for r in rows(
                database, f"SELECT t.name FROM {table} t JOIN {link} l ON l.{column} = t.id WHERE l.album_id = ? "
                          "ORDER BY l.order_index", str(release_id))]
        for row in rows(database, "SELECT t.*, a.artist AS album_artist, a.label, a.catalog_number, "
                                  "a.released_year, a.country FROM tracks t JOIN albums a "
                                  "ON a.discogs_release_id = t.album_id WHERE t.album_id = ? AND t.type = 'track' "
                                  "ORDER BY t.sequence", str(release_id)):
            records.append({
                "release_id": release_id, "sequence": row["sequence"], "position": row["position"],
                "side": row["side"], "artist": row["artist"] or row["album_artist"], "title": row["title"],
                "duration": row["duration"], "duration_seconds": row["duration_seconds"],
                "duration_ms": None if row["duration_seconds"] is None else row["duration_seconds"] * 1000,
                "label": row["label"], "catno": row["catalog_number"], "year": row["released_year"],
                "country": row["country"], "genres": tags["genres"], "styles": tags["styles"],
                **{name: (bool(row[name]) if name in BOOLEANS else row[name])
                   for name in TRACK_FEED_FIELDS[15:]},
            })
    return records


def test_tracks_feed_equals_the_database_fetched_and_fresh(module_sandbox, tmp_path):
    database = tmp_path / "tracks.db"
    fetched = tmp_path / "tracks.json"
    result = crawl("release", module_sandbox, database, f"ids={','.join(map(str, IDS))}", "feed=tracks", feed=fetched)
    assert result.returncode == 0, result.stderr[-3000:]

    expected = database_records(database)
    feed = json.loads(fetched.read_text(encoding="utf-8"))
    assert [list(record) for record in feed[:1]] == [TRACK_FEED_FIELDS]
    # Fetched releases arrive in any order; each one's tracks in tracklist order.
    assert sorted(feed, key=IDS_ORDER) == expected
    # Headings out, an index's sub-tracks in (1161277 has 5 index rows and 14 sub-tracks).
    by_release = {release_id: [r for r in feed if r["release_id"] == release_id] for release_id in IDS}
    for release_id in IDS:
        tracklist = recorded(release_id)["tracklist"]
        playable = [t for t in tracklist if t.get("type_", "track") == "track"]
        playable += [s for t in tracklist if t.get("type_") == "index" for s in t["sub_tracks"]]
        assert len(by_release[release_id]) == len(playable), release_id
    assert len(by_release[1161277]) == 14
    assert [r["version"] for r in by_release[249504]] == [None, "Instrumental"]
    assert {r["version"] for r in by_release[4707982] if r["position"].startswith("2-")} >= {"Session", "Alt Mix"}

    since = len(module_sandbox.log())
    tracks_json, tracks_csv = tmp_path / "stored.json", tmp_path / "stored.csv"
    feeds = {str(tracks_json): {"format": "json", "item_classes": ["discogs_harvest.items.TrackItem"]},
             str(tracks_csv): {"format": "csv", "item_classes": ["discogs_harvest.items.TrackItem"]}}
    result = crawl("release", module_sandbox, database, f"ids={','.join(map(str, IDS))}",
                   settings={"FEEDS": json.dumps(feeds)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert api_requests(module_sandbox, since) == []  # fresh: read from the database
    assert json.loads(tracks_json.read_text(encoding="utf-8")) == expected

    with tracks_csv.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == TRACK_FEED_FIELDS
        written = list(reader)
    assert not any("Item(" in value or "{" in value for row in written for value in row.values())  # no reprs
    as_text = [{name: (json.dumps(value, ensure_ascii=False, separators=(", ", ": ")) if name in ("genres", "styles")
                       else "" if value is None else str(value)) for name, value in record.items()}
               for record in expected]
    assert written == as_text

    # A database upgraded to the version columns has them NULL: `scrapy rebuild` derives them.
    blank = ", ".join(f"{name} = NULL" for name in TRACK_FEED_FIELDS[15:])
    with sqlite3.connect(database) as connection:
        connection.execute(f"UPDATE tracks SET {blank}")
    assert database_records(database) != expected
    url = f"sqlite:///{database}"
    try:
        rebuild(Settings({"DATABASE_URL": url, "STORAGE_BATCH_SIZE": 200, "DISCOGS_CURRENCY": "USD"}))
    finally:
        close_database(url)
    assert database_records(database) == expected


def test_seller_inventory_tracks_fetched_then_fresh(module_sandbox, tmp_path):
    """The seller spider too: the tracks of the releases it fetched, then of the same releases
    found fresh (read from the database: only the inventory page is requested)."""
    database = tmp_path / "seller.db"
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert crawl("seller_inventory", module_sandbox, database, "seller=synthetic-30-12", "feed=tracks",
                 feed=first).returncode == 0
    ids = sorted(int(r["album_id"]) for r in rows(database, "SELECT DISTINCT album_id FROM tracks"))
    expected = database_records(database, ids)
    assert len(ids) == 12 and sorted(json.loads(first.read_text()), key=by_release) == expected

    since = len(module_sandbox.log())
    result = crawl("seller_inventory", module_sandbox, database, "seller=synthetic-30-12", "feed=tracks", feed=second)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [r["path"] for r in api_requests(module_sandbox, since)] == ["/users/synthetic-30-12/inventory"]
    assert sorted(json.loads(second.read_text()), key=by_release) == expected


def test_an_unknown_feed_is_bad_input(module_sandbox, tmp_path):
    since = len(module_sandbox.log())
    result = crawl("release", module_sandbox, tmp_path / "bad.db", "ids=249504", "feed=albums",
                   feed=tmp_path / "bad.json")
    assert result.returncode == 2 and result.error_lines == [
        "error: feed must be one of tracks (or left out for the spider's own records), not 'albums'"]
    assert api_requests(module_sandbox, since) == [] and not (tmp_path / "bad.json").exists()
