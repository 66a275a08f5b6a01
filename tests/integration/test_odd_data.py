"""Odd data is stored faithfully: unicode, empty titles, missing keys, ``null`` prices, huge comments.

Hand-written JSON bodies, escaped the way Discogs escapes (``\\u`` sequences, surrogate pairs),
go through the loaders and then through every pipeline of ``ITEM_PIPELINES`` in order, into a
real SQLite file, as a crawl would take them (minus the periodic flush timer: the pipelines are
closed at the end, which flushes). Then the rows are read back.

Faithful means what the loaders document: text is kept as written (unicode included; HTML entities
in comments decoded), titles are kept even when empty (``title`` is NOT NULL), blank free text and
anything missing or ``null`` is NULL, never ``0`` or ``""``, except the counters the desktop app's
schema defaults to 0 (``have_count``, ``want_count``, ``avg_rating``, ``ratings_count``).
"""

import json
import sqlite3

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from discogs_harvest import settings as project_settings
from discogs_harvest.freshness import close_database
from discogs_harvest.loaders import load_listing, load_release

pytestmark = pytest.mark.timeout(60)

# 1.5 MB of comment, with characters from four scripts and an entity on every line.
HUGE_LINE = "Sleeve: l\\u00e9g\\u00e8re usure &amp; \\u5c01\\u5957 \\u05e9\\u05dc\\u05d5\\u05dd \\ud83c\\udfb5\\n"
HUGE_LINES = 40_000

PAGE = """{
  "pagination": {"page": 1, "pages": 1, "per_page": 100, "items": 4, "urls": {}},
  "listings": [
    {"id": 7001, "status": "For Sale", "condition": "Mint (M)", "sleeve_condition": "Near Mint (NM or M-)",
     "price": {"value": 12.5, "currency": "EUR"}, "ships_from": "Espa\\u00f1a",
     "posted": "2024-02-29T23:59:59-07:00", "allow_offers": true,
     "comments":
       "Pressage fran\\u00e7ais \\u00ab\\u00a0rare\\u00a0\\u00bb &amp; \\u00e9tat neuf \\u2014 \\u0634\\u0643\\u0631\\u0627",
     "uri": "https://www.discogs.com/sell/item/7001",
     "seller": {"id": 501, "username": "m\\u00fcller_schallplatten",
                "stats": {"rating": "99.8", "stars": 5.0, "total": 12}},
     "release": {"id": 95000001, "title": "\\u1f08\\u03c1\\u03c7\\u03ae \\ud834\\udd1e \\u00ab D\\u00e9but \\u00bb",
                 "artist": "Bj\\u00f6rk & \\u5742\\u672c\\u9f8d\\u4e00", "format": "LP, Album",
                 "year": 1993, "catalog_number": "\\u30c6\\u30b9\\u30c8-1",
                 "stats": {"community": {"in_collection": 3, "in_wantlist": 4}}}},
    {"id": 7002, "status": "For Sale", "condition": "Very Good (VG)", "sleeve_condition": "",
     "price": {"value": 1.0, "currency": "USD"}, "comments": "",
     "seller": {"id": 501, "username": "m\\u00fcller_schallplatten"},
     "release": {"id": 95000002, "title": "", "artist": "", "year": 0}},
    {"id": 7003,
     "seller": {"id": 501, "username": "m\\u00fcller_schallplatten"},
     "release": {"id": 95000003}},
    {"id": 7004, "status": "For Sale", "condition": "Good (G)",
     "price": {"value": null, "currency": null}, "original_price": {"value": null, "curr_abbr": null},
     "shipping_price": {"value": null, "currency": null},
     "comments": "%s",
     "seller": {"id": 501, "username": "m\\u00fcller_schallplatten"},
     "release": {"id": 95000004, "title": "Huge", "artist": "Nobody",
                 "stats": {"community": {"in_collection": null, "in_wantlist": null}}}}
  ]
}""" % (HUGE_LINE * HUGE_LINES)

RELEASES = [
    """{"id": 95000001, "title": "\\u1f08\\u03c1\\u03c7\\u03ae \\ud834\\udd1e \\u00ab D\\u00e9but \\u00bb",
        "artists": [{"name": "Bj\\u00f6rk", "anv": "", "join": "&"},
                    {"name": "\\u5742\\u672c\\u9f8d\\u4e00", "anv": "", "join": ""}],
        "labels": [{"name": "\\u30c6\\u30b9\\u30c8 Records", "catno": "\\u30c6\\u30b9\\u30c8-1"}],
        "country": "\\u65e5\\u672c", "year": 1993, "released": "1993-07-05",
        "genres": ["Electronic"], "styles": ["M\\u00fasica Popular Brasileira", "\\u6f14\\u6b4c"],
        "lowest_price": 20.75, "num_for_sale": 2,
        "community": {"have": 3, "want": 4, "rating": {"average": 4.5, "count": 2}},
        "tracklist": [
          {"position": "A1", "type_": "track", "title": "\\u00c9t\\u00e9 \\ud83c\\udf1e", "duration": "3:05"},
          {"position": "A2", "type_": "track", "title": "\\u05e9\\u05d9\\u05e8", "duration": ""}]}""",
    """{"id": 95000002, "title": "", "artists": [], "year": 0, "genres": [], "styles": [],
        "lowest_price": null, "community": {"have": 0, "want": 0},
        "tracklist": [{"position": "1", "type_": "track", "title": "", "duration": ""}]}""",
    """{"id": 95000003}""",
]


def run_pipelines(database_url, items):
    """Every ITEM_PIPELINES component, in order, as a crawl would run them; then closed."""
    settings = {name: getattr(project_settings, name) for name in dir(project_settings)
                if name.startswith(("STORAGE_", "STALENESS_"))}
    crawler = get_crawler(settings_dict={**settings, "DATABASE_URL": database_url})
    pipelines = []
    for path, _ in sorted(project_settings.ITEM_PIPELINES.items(), key=lambda entry: entry[1]):
        try:
            pipelines.append(build_from_crawler(load_object(path), crawler))
        except NotConfigured:  # switched off by its settings (artwork downloads): Scrapy skips it too
            continue
    for item in items:
        try:
            for pipeline in pipelines:
                item = pipeline.process_item(item)
        except DropItem as drop:
            pytest.fail(f"{item!r} dropped: {drop}")
    for pipeline in pipelines:
        if hasattr(pipeline, "close_spider"):
            pipeline.close_spider()
    return crawler.stats.get_stats()


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    database = tmp_path_factory.mktemp("odd") / "discogs.db"
    url = f"sqlite:///{database}"
    releases = [load_release(json.loads(body), currency="EUR") for body in RELEASES]
    listings = [load_listing(listing) for listing in json.loads(PAGE)["listings"]]
    try:
        stats = run_pipelines(url, releases + listings)
    finally:
        close_database(url)
    assert stats.get("harvest/storage/items_failed", 0) == 0
    connection = sqlite3.connect(database)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def row(connection, sql, *params):
    (found,) = connection.execute(sql, params).fetchall()
    return dict(found)


def listing(connection, listing_id):
    return row(connection, "SELECT * FROM collection_items WHERE listing_id = ?", listing_id)


def album(connection, release_id):
    return row(connection, "SELECT * FROM albums WHERE discogs_release_id = ?", str(release_id))


def test_unicode_is_stored_as_sent(stored):
    first = listing(stored, 7001)
    assert first["notes"] == "Pressage français «\u00a0rare\u00a0» & état neuf — شكرا"
    assert first["ships_from"] == "España"
    assert (first["price"], first["currency"], first["album_id"]) == (12.5, "EUR", "95000001")
    seller = row(stored, "SELECT * FROM sellers WHERE id = 501")
    assert seller["username"] == "müller_schallplatten"
    assert first["collection_id"] == "inventory:müller_schallplatten"

    release = album(stored, 95000001)
    assert release["title"] == "Ἀρχή 𝄞 « Début »"
    assert release["artist"] == "Björk & 坂本龍一"
    assert (release["label"], release["catalog_number"]) == ("テスト Records", "テスト-1")
    assert release["country"] == "日本"
    tracks = stored.execute("SELECT title, duration FROM tracks WHERE album_id = '95000001' ORDER BY sequence")
    assert [tuple(track) for track in tracks] == [("Été 🌞", "3:05"), ("שיר", None)]
    styles = stored.execute("SELECT s.name FROM album_styles l JOIN styles s ON s.id = l.style_id "
                            "WHERE l.album_id = '95000001' ORDER BY l.rowid")
    assert [name for (name,) in styles] == ["Música Popular Brasileira", "演歌"]


def test_empty_titles_are_kept_and_blank_text_is_null(stored):
    release = album(stored, 95000002)
    assert (release["title"], release["artist"]) == ("", "")
    assert (release["released_year"], release["price_low"]) == (None, None)
    assert [tuple(t) for t in stored.execute("SELECT title, duration FROM tracks WHERE album_id = '95000002'")] == [
        ("", None)]
    second = listing(stored, 7002)
    assert (second["notes"], second["sleeve_condition"]) == (None, None)
    assert (second["price"], second["currency"], second["album_id"]) == (1.0, "USD", "95000002")


def test_missing_keys_are_null_not_zero(stored):
    release = album(stored, 95000003)
    assert release["title"] == "" and release["artist"] == ""
    for column in ("label", "catalog_number", "format", "country", "released_year", "released", "cover_image_url",
                   "resource_url", "api_url", "price_low", "num_for_sale", "master_id", "data_quality"):
        assert release[column] is None, column
    # The desktop app's schema gives these counters a default of 0.
    assert (release["have_count"], release["want_count"], release["avg_rating"], release["ratings_count"]) == (
        0, 0, 0, 0)
    assert stored.execute("SELECT COUNT(*) FROM tracks WHERE album_id = '95000003'").fetchone()[0] == 0

    third = listing(stored, 7003)
    for column in ("price", "currency", "original_price", "original_currency", "shipping_price",
                   "shipping_currency", "condition", "sleeve_condition", "notes", "status", "ships_from",
                   "posted", "allow_offers", "item_url"):
        assert third[column] is None, column
    assert (third["album_id"], third["seller_id"], third["is_new"], third["is_available"]) == ("95000003", 501, 0, 1)


def test_null_prices_are_null(stored):
    fourth = listing(stored, 7004)
    for column in ("price", "currency", "original_price", "original_currency", "shipping_price", "shipping_currency"):
        assert fourth[column] is None, column


def test_huge_comment_is_stored_whole(stored):
    notes = listing(stored, 7004)["notes"]
    line = "Sleeve: légère usure & 封套 שלום 🎵\n"
    assert len(notes) == len(line) * HUGE_LINES  # about 1.3 million characters
    assert notes == line * HUGE_LINES
