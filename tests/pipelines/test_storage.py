import asyncio
import datetime
import logging
import re

import pytest
from peewee import IntegerField, PostgresqlDatabase
from playhouse.test_utils import count_queries
from scrapy.utils.misc import build_from_crawler

from discogs_harvest import stats
from discogs_harvest.exceptions import HarvestConfigError, InvalidItem
from discogs_harvest.items import InventorySnapshotItem, ListingRowsItem
from discogs_harvest.models import ALL_MODELS
from discogs_harvest.pipelines import storage as storage_module
from discogs_harvest.pipelines.rows import without_credentials
from discogs_harvest.pipelines.storage import StoragePipeline
from tests.pipelines import factories

TIMES = {
    "albums": ("created_at", "updated_at", "fetched_at"),
    "sellers": ("created_at", "updated_at"),
    "collection_items": ("first_seen_at", "last_seen_at"),
}


def insert_order(database, name):
    """SQLite's rowid; on PostgreSQL an integer primary key (ids count up as rows are
    inserted), else the row's place (the order rows were inserted until one is updated)."""
    if not isinstance(database, PostgresqlDatabase):
        return "rowid"
    model = {model._meta.table_name: model for model in ALL_MODELS}[name]
    key = model._meta.primary_key
    return key.column_name if isinstance(key, IntegerField) else "ctid"


def table(database, name, order_by=None):
    order_by = order_by or insert_order(database, name)
    cursor = database.execute_sql(f"SELECT * FROM {name} ORDER BY {order_by}")
    columns = [column[0] for column in cursor.description]
    # PostgreSQL answers timestamps as datetimes; SQLite as the text peewee wrote (str()).
    return [{column: str(value) if isinstance(value, datetime.datetime) else value
             for column, value in zip(columns, row)} for row in cursor.fetchall()]


def snapshot(database, ignore_times=True):
    tables = ["albums", "tracks", "youtube_videos", "album_videos", "genres", "styles", "album_genres",
              "album_styles", "sellers", "collection_items"]
    result = {}
    for name in tables:
        rows = table(database, name)
        if ignore_times:
            rows = [{k: v for k, v in row.items() if k not in TIMES.get(name, ())} for row in rows]
        result[name] = rows
    return result


def store(crawler, *items):
    """Run items through a fresh StoragePipeline, as one crawl would."""
    pipeline = build_from_crawler(StoragePipeline, crawler)
    for item in items:
        assert pipeline.process_item(item) is item
    pipeline.close_spider()
    return pipeline


@pytest.fixture
def clock(monkeypatch):
    """Storage's clock, moved by hand: ``clock.now`` is what the next write stamps."""

    class Clock:
        now = datetime.datetime(2026, 11, 1, 12, 0, 0)

        def advance(self, **delta):
            self.now += datetime.timedelta(**delta)

    fake = Clock()
    monkeypatch.setattr(storage_module, "utcnow", lambda: fake.now)
    return fake


def test_release_is_stored_field_by_field(crawler, database, clock):
    store(crawler, factories.release())

    [album] = table(database, "albums")
    expected = factories.release()
    assert album == {
        "discogs_release_id": "1052359",
        "artist": "Piero Umiliani",
        "title": expected.title,
        "label": "Easy Tempo",
        "catalog_number": "ET 909 DLP",
        "format": "Vinyl, LP, Gatefold",
        "country": "Italy",
        "released_year": 1999,
        "cover_image_url": expected.cover_image_url,
        "resource_url": "https://www.discogs.com/release/1052359",
        "price_low": 50.0,
        "price_median": None,
        "price_high": None,
        "have_count": 74,
        "want_count": 354,
        "avg_rating": 4.67,
        "ratings_count": 27,
        "last_sold_date": None,
        "created_at": str(clock.now),
        "updated_at": str(clock.now),
        "api_url": "https://api.discogs.com/releases/1052359",
        "released": "1999-03-29",
        "price_currency": "USD",
        "num_for_sale": 4,
        "data_quality": "Needs Vote",
        "master_id": 47874,
        "fetched_at": str(clock.now),
        "source": "api",  # not from a data dump (scrapy import_dump): no dump_date
        "dump_date": None,
        # the rest of the record: none in this factory item (tests/pipelines/test_record.py)
        **dict.fromkeys(["released_formatted", "artists_sort", "notes", "status", "community_status",
                         "date_added", "date_changed", "estimated_weight", "blocked_from_sale",
                         "format_quantity", "thumb_url", "submitter", "contributors"]),
    }
    tracks = table(database, "tracks", "sequence")
    assert [(t["album_id"], t["sequence"], t["position"], t["title"]) for t in tracks] == [
        ("1052359", index, position, title) for index, (position, title) in enumerate(factories.TRACKS)
    ]
    assert [(v["id"], v["title"], v["duration_seconds"], v["embed"]) for v in table(database, "youtube_videos")] == [
        (video_id, title, seconds, 1) for video_id, title, seconds in factories.VIDEOS
    ]
    assert [(link["video_id"], link["order_index"]) for link in table(database, "album_videos", "order_index")] == [
        (video_id, index) for index, (video_id, _, _) in enumerate(factories.VIDEOS)
    ]
    genres = database.execute_sql(
        "SELECT g.name FROM album_genres l JOIN genres g ON g.id = l.genre_id "
        f"WHERE l.album_id = {database.param} ORDER BY l.{insert_order(database, 'album_genres')}",
        ("1052359",),
    ).fetchall()
    assert [name for (name,) in genres] == ["Electronic", "Jazz"]
    assert [row["name"] for row in table(database, "styles")] == ["Abstract", "Easy Listening"]


def test_missing_values_become_the_schema_defaults(crawler, database):
    store(crawler, factories.release(title=None, artist=None, have_count=None, want_count=None,
                                     avg_rating=None, ratings_count=None, tracks=[], videos=[],
                                     genres=["Jazz", None, ""], styles=None))
    [album] = table(database, "albums")
    assert [row["name"] for row in table(database, "genres")] == ["Jazz"]
    assert table(database, "album_styles") == []
    assert (album["title"], album["artist"]) == ("", "")
    assert (album["have_count"], album["want_count"], album["avg_rating"], album["ratings_count"]) == (0, 0, 0, 0)


def test_listing_is_stored_with_its_seller(crawler, database, clock):
    store(crawler, factories.release(factories.KES), factories.listing())

    [row] = table(database, "collection_items")
    listing = factories.listing()
    assert {k: v for k, v in row.items() if k != "id"} == {
        "album_id": str(factories.KES),
        "release_id": factories.KES,
        "seller_id": 150295,
        "collection_id": "inventory:brotherlogic",
        "price": 10.35,
        "currency": "USD",
        "condition": "Near Mint (NM or M-)",
        "sleeve_condition": "Near Mint (NM or M-)",
        "notes": "",
        "is_available": 1,
        "is_new": 0,
        "item_url": listing.item_url,
        "listing_id": 891183783,
        "status": "For Sale",
        "original_price": 10.35,
        "original_currency": "USD",
        "shipping_price": 3.5,
        "shipping_currency": "USD",
        "ships_from": "United States",
        "posted": "2020-03-11 12:41:34",
        "allow_offers": 0,
        "first_seen_at": str(clock.now),
        "last_seen_at": str(clock.now),
        # The owner's private fields: absent from another seller's view.
        "weight": None,
        "format_quantity": None,
        "external_id": None,
        "location": None,
        "cost": None,
        "artist": listing.artist,
        "title": listing.title,
        "format": listing.format,
        "year": listing.year,
        "catalog_number": listing.catalog_number,
        "label": None,
        "thumbnail_url": listing.thumbnail_url,
        "description": None,
        "have_count": listing.have_count,
        "want_count": listing.want_count,
        "audio": None,
        "original_shipping_price": None,
        "original_shipping_currency": None,
        # A collection instance's columns (issue 13): a listing has none.
        "instance_id": None,
        "folder_id": None,
        "rating": None,
        "date_added": None,
    }
    [seller] = table(database, "sellers")
    assert (seller["id"], seller["username"], seller["rating"], seller["stars"], seller["total_ratings"]) == (
        150295, "BrotherLogic", 99.4, 4.5, 350
    )
    assert (seller["payment"], seller["min_order_total"]) == ("PayPal", 0.0)


def test_an_owners_private_fields_have_their_own_columns(crawler, database):
    store(crawler, factories.listing(weight=230.0, format_quantity=2, external_id="SKU-7", location="Shelf 3",
                                     cost=4.5))
    [row] = table(database, "collection_items")
    assert (row["weight"], row["format_quantity"], row["external_id"], row["location"], row["cost"]) == (
        230.0, 2, "SKU-7", "Shelf 3", 4.5)


@pytest.mark.parametrize(("status", "available"), [("For Sale", 1), (None, 1), ("Sold", 0), ("Draft", 0),
                                                   ("Expired", 0), ("Deleted", 0)])
def test_availability_follows_the_status(crawler, database, status, available):
    store(crawler, factories.listing(status=status))
    assert table(database, "collection_items")[0]["is_available"] == available


@pytest.mark.parametrize(("condition", "is_new"), [("Mint (M)", 1), ("Near Mint (NM or M-)", 0), (None, 0)])
def test_is_new_means_mint_media(crawler, database, condition, is_new):
    store(crawler, factories.listing(condition=condition))
    assert table(database, "collection_items")[0]["is_new"] == is_new


def test_same_harvest_twice_leaves_identical_rows_and_stable_track_ids(make_crawler, database, clock):
    items = [factories.release(), factories.release(factories.KES), factories.listing(),
             factories.listing(891183784, factories.UMILIANI)]
    store(make_crawler(), *items)
    first = snapshot(database)
    clock.advance(hours=1)
    store(make_crawler(), *[factories.release(), factories.release(factories.KES), factories.listing(),
                            factories.listing(891183784, factories.UMILIANI)])
    assert snapshot(database) == first
    assert len(first["tracks"]) == 2 * len(factories.TRACKS)  # no duplicates, ids unchanged


def test_created_and_first_seen_are_kept_while_updated_and_last_seen_move(make_crawler, database, clock):
    store(make_crawler(), factories.release(factories.KES), factories.listing())
    created = clock.now
    clock.advance(days=2)
    store(make_crawler(), factories.release(factories.KES, num_for_sale=9), factories.listing(price=12.0))

    [album] = table(database, "albums")
    assert (album["created_at"], album["updated_at"]) == (str(created), str(clock.now))
    assert album["fetched_at"] == str(clock.now)
    assert album["num_for_sale"] == 9
    [row] = table(database, "collection_items")
    assert (row["first_seen_at"], row["last_seen_at"], row["price"]) == (str(created), str(clock.now), 12.0)
    [seller] = table(database, "sellers")
    assert (seller["created_at"], seller["updated_at"]) == (str(created), str(clock.now))


def test_shorter_tracklist_and_fewer_videos_replace_the_old_ones(make_crawler, database):
    store(make_crawler(), factories.release())
    ids_before = {t["sequence"]: t["id"] for t in table(database, "tracks")}

    store(make_crawler(), factories.release(tracks=factories.tracks(4), videos=factories.videos(1),
                                            genres=["Jazz"], styles=["Easy Listening"]))

    tracks = table(database, "tracks", "sequence")
    assert [t["sequence"] for t in tracks] == [0, 1, 2, 3]
    assert {t["sequence"]: t["id"] for t in tracks} == {s: ids_before[s] for s in range(4)}
    assert [link["video_id"] for link in table(database, "album_videos")] == [factories.VIDEOS[0][0]]
    assert len(table(database, "youtube_videos")) == 3  # videos themselves are kept
    assert [row["genre_id"] for row in table(database, "album_genres")] == [
        row["id"] for row in table(database, "genres") if row["name"] == "Jazz"
    ]
    assert len(table(database, "album_styles")) == 1


def test_genre_and_style_names_are_stored_once_whatever_their_case(crawler, database):
    store(
        crawler,
        factories.release(1, genres=["Jazz"], styles=["Easy Listening"]),
        factories.release(2, genres=["jazz", "Latin"], styles=["easy listening", "Bossa Nova"]),
    )
    assert [row["name"] for row in table(database, "genres")] == ["Jazz", "Latin"]
    assert [row["name"] for row in table(database, "styles")] == ["Easy Listening", "Bossa Nova"]
    assert len(table(database, "album_genres")) == 3 and len(table(database, "album_styles")) == 3


def test_duplicate_video_in_one_release_is_linked_once(crawler, database):
    store(crawler, factories.release(videos=factories.videos(2) + factories.videos(1)))
    assert [(link["video_id"], link["order_index"]) for link in table(database, "album_videos", "order_index")] == [
        (factories.VIDEOS[0][0], 0),
        (factories.VIDEOS[1][0], 1),
    ]


def test_album_arriving_after_its_listings_is_linked_to_them(make_crawler, database):
    crawler = make_crawler(STORAGE_BATCH_SIZE=2)
    pipeline = build_from_crawler(StoragePipeline, crawler)
    pipeline.process_item(factories.listing(1, factories.KES))
    pipeline.process_item(factories.listing(2, factories.KES))  # batch full: flushed without the album
    assert [row["album_id"] for row in table(database, "collection_items")] == [None, None]

    pipeline.process_item(factories.release(factories.KES))
    pipeline.process_item(factories.listing(3, factories.KES))  # the album's batch: written before the listing
    assert [row["album_id"] for row in table(database, "collection_items")] == [str(factories.KES)] * 3
    pipeline.close_spider()


def test_album_stored_by_a_later_run_links_listings_stored_before_it(make_crawler, database):
    """A crash between a listing and its album costs nothing: the next run's album links it by SQL."""
    first = build_from_crawler(StoragePipeline, make_crawler())
    first.process_item(factories.listing(1, factories.KES))
    first.close_spider()
    assert [row["album_id"] for row in table(database, "collection_items")] == [None]
    second = build_from_crawler(StoragePipeline, make_crawler())
    second.process_item(factories.release(factories.KES))
    second.close_spider()
    assert [row["album_id"] for row in table(database, "collection_items")] == [str(factories.KES)]


def test_listing_then_album_in_the_same_batch_is_linked(crawler, database):
    store(crawler, factories.listing(), factories.release(factories.KES))
    assert table(database, "collection_items")[0]["album_id"] == str(factories.KES)


def test_listing_of_an_album_stored_by_an_earlier_run_is_linked_and_refreshes_have_want(make_crawler, database):
    store(make_crawler(), factories.release(factories.KES, have_count=100, want_count=50))
    store(make_crawler(), factories.listing(have_count=120, want_count=None))

    [album] = table(database, "albums")
    assert (album["have_count"], album["want_count"]) == (120, 50)
    assert table(database, "collection_items")[0]["album_id"] == str(factories.KES)


def test_listing_seen_again_before_its_album_keeps_its_album(make_crawler, database):
    store(make_crawler(), factories.release(factories.KES), factories.listing())
    # Not possible with one database unless the album link came from another run: force it.
    database.execute_sql(f"UPDATE collection_items SET album_id = {database.param}", (str(factories.KES),))
    store(make_crawler(), factories.listing(release_id=None))
    assert table(database, "collection_items")[0]["album_id"] == str(factories.KES)


def test_batches_are_written_when_full_and_at_close(make_crawler, database):
    crawler = make_crawler(STORAGE_BATCH_SIZE=3)
    pipeline = build_from_crawler(StoragePipeline, crawler)
    for listing_id in (1, 2):
        pipeline.process_item(factories.listing(listing_id))
    assert table(database, "collection_items") == []
    pipeline.process_item(factories.listing(3))
    assert len(table(database, "collection_items")) == 3
    pipeline.process_item(factories.listing(4))
    pipeline.close_spider()
    assert len(table(database, "collection_items")) == 4
    assert crawler.stats.get_value(stats.ITEMS_STORED) == 4
    # Per batch: one seller row and the listing rows.
    assert crawler.stats.get_value(stats.ROWS_UPSERTED) == (1 + 3) + (1 + 1)


@pytest.mark.timeout(10)
def test_waiting_items_are_written_every_flush_interval_without_closing(make_crawler, database):
    crawler = make_crawler(STORAGE_FLUSH_INTERVAL=0.05)
    pipeline = build_from_crawler(StoragePipeline, crawler)

    async def run():
        pipeline.open_spider()
        pipeline.process_item(factories.listing())
        for _ in range(200):  # 10 s at most; a 0.05 s timer needs one or two turns
            await asyncio.sleep(0.05)
            if table(database, "collection_items"):
                break
        written = len(table(database, "collection_items"))
        pipeline.close_spider()
        return written

    assert asyncio.run(run()) == 1
    assert pipeline.timer.running is False


def statements(counter):
    """``("INSERT", "albums")``-style summaries of the statements a block ran."""
    shapes = []
    for record in counter.get_queries():
        sql = record.msg[0]
        verb = sql.split()[0]
        table = re.search(r'(?:INTO|FROM|UPDATE) "(\w+)"', sql).group(1)
        shapes.append((verb, table))
    return shapes


@pytest.mark.parametrize("size", [20, 80])
def test_a_batch_costs_the_same_statements_whatever_its_size(make_crawler, database, size):
    """Each table is written by one statement for the whole batch, whatever its size."""
    crawler = make_crawler(STORAGE_BATCH_SIZE=10_000)
    pipeline = build_from_crawler(StoragePipeline, crawler)
    for n in range(size):
        pipeline.process_item(factories.release(1000 + n))
        pipeline.process_item(factories.listing(5000 + n, 1000 + n))
    with count_queries() as counter:
        pipeline.flush()
    genres_or_styles = lambda tags, links: [  # noqa: E731
        ("SELECT", tags),  # loaded once per run
        ("INSERT", tags),  # names not stored yet
        ("SELECT", tags),  # their ids
        ("DELETE", links),
        ("INSERT", links),
    ]
    # Search (fts.py, SQLite's FTS5) re-indexes these albums; PostgreSQL has no such index.
    search = [] if isinstance(database, PostgresqlDatabase) else [("DELETE", "albums_fts"), ("INSERT", "albums_fts")]
    assert statements(counter) == [
        ("INSERT", "albums"),
        ("UPDATE", "collection_items"),  # listings stored before their album, linked by release_id
        # the record of change (watching.py): latest figures per release, the changed ones appended
        ("SELECT", "release_stats_history"),
        ("INSERT", "release_stats_history"),
        ("INSERT", "tracks"),
        ("DELETE", "tracks"),  # rows beyond a shorter tracklist
        *search,
        ("INSERT", "youtube_videos"),
        ("DELETE", "album_videos"),
        ("INSERT", "album_videos"),
        *genres_or_styles("genres", "album_genres"),
        *genres_or_styles("styles", "album_styles"),
        # the rest of the record, replaced per album (this factory item has none of it)
        *[("DELETE", table) for table in ("album_artists", "album_credits", "album_labels", "album_companies",
                                          "album_series", "album_formats", "album_identifiers", "album_images")],
        ("INSERT", "sellers"),
        ("SELECT", "albums"),  # which albums the listings can point at
        ("SELECT", "collection_items"),  # the stored rows the listings are compared with
        ("INSERT", "listing_events"),  # one "new" each
        ("INSERT", "collection_items"),
        ("UPDATE", "albums"),  # have/want from the listings
        ("DELETE", "failed_releases"),  # stored releases are no longer failed
    ]
    assert len(table(database, "tracks")) == size * len(factories.TRACKS)
    assert len(table(database, "collection_items")) == size


def test_one_bad_item_costs_only_itself(crawler, database, caplog):
    bad = factories.release(2, price_low={"value": 50.0, "currency": "USD"})  # a loader slip: SQLite cannot bind it
    with caplog.at_level(logging.ERROR):
        store(crawler, factories.release(1), bad, factories.listing(7, 1))
    assert [row["discogs_release_id"] for row in table(database, "albums")] == ["1"]
    assert [row["album_id"] for row in table(database, "collection_items")] == ["1"]
    assert crawler.stats.get_value(storage_module.ITEMS_FAILED) == 1
    assert crawler.stats.get_value(stats.ITEMS_STORED) == 2
    assert "could not store release 2" in caplog.text


@pytest.mark.parametrize(
    ("item", "message"),
    [(factories.release(None), "release without release_id"), (factories.listing(None), "listing without listing_id")],
)
def test_items_without_their_id_are_invalid(crawler, item, message):
    pipeline = build_from_crawler(StoragePipeline, crawler)
    with pytest.raises(InvalidItem, match=message):
        pipeline.process_item(item)


def test_a_row_item_stores_its_listings_but_one_without_its_id(crawler, database):
    pipeline = build_from_crawler(StoragePipeline, crawler)
    rows = ListingRowsItem([factories.listing(7, 1), factories.listing(None, 1), factories.listing(8, 1)])
    with pytest.raises(InvalidItem, match="1 of 3 listings without listing_id"):
        pipeline.process_item(rows)
    pipeline.close_spider()
    assert sorted(row["listing_id"] for row in table(database, "collection_items")) == [7, 8]


def test_other_items_pass_untouched(crawler, database):
    snapshot_item = InventorySnapshotItem("BrotherLogic", [1, 2], True)
    pipeline = store(crawler, snapshot_item)
    assert pipeline.stored == {"release": 0, "listing": 0}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"DATABASE_URL": "data/discogs.db"}, "is not a URL"),
        ({"DATABASE_URL": "sqlite:////no/such/folder/discogs.db"}, "does not exist"),
        ({"STORAGE_BATCH_SIZE": 0}, "STORAGE_BATCH_SIZE must be >= 1"),
        ({"STORAGE_FLUSH_INTERVAL": 0}, "STORAGE_FLUSH_INTERVAL must be > 0"),
    ],
)
def test_bad_settings_fail_with_one_line(make_crawler, settings, message):
    with pytest.raises(HarvestConfigError, match=message) as error:
        build_from_crawler(StoragePipeline, make_crawler(**settings))
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.discogs.com/releases/1?token=abc", "https://api.discogs.com/releases/1"),
        (
            "https://api.discogs.com/releases/1?curr_abbr=EUR&key=k&secret=s",
            "https://api.discogs.com/releases/1?curr_abbr=EUR",
        ),
        ("https://i.discogs.com/abc.jpg?sig=x", "https://i.discogs.com/abc.jpg?sig=x"),
        ("https://www.discogs.com/release/1", "https://www.discogs.com/release/1"),
        (None, None),
    ],
)
def test_credentials_never_reach_the_database(url, expected):
    assert without_credentials(url) == expected


def test_stored_urls_carry_no_token(crawler, database):
    store(crawler, factories.release(api_url="https://api.discogs.com/releases/1052359?token=sandbox-token"))
    assert "sandbox-token" not in repr(snapshot(database))


def test_a_full_disk_is_one_line_naming_the_cause_not_an_item_by_item_storm(crawler, database, caplog):
    if isinstance(database, PostgresqlDatabase):
        pytest.skip("fills the disk with SQLite's max_page_count; PostgreSQL has no per-connection equivalent")
    store(crawler, factories.listing(1))
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full"
    pipeline = build_from_crawler(StoragePipeline, crawler)
    with caplog.at_level(logging.WARNING, logger="discogs_harvest.pipelines.storage"):
        for listing_id in range(2, 400):
            pipeline.process_item(factories.listing(listing_id, comments="x" * 2000))
        pipeline.close_spider()
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in errors] == [
        f"Storage: cannot write the database {crawler.settings['DATABASE_URL']}: database or disk is full; "
        "stopping (what was stored before is kept)"]
    assert crawler.stats.get_value("harvest/storage/items_failed") == 398
    assert "disk is full" in crawler.stats.get_value("harvest/storage/fatal")
    assert database.execute_sql("SELECT COUNT(*) FROM collection_items").fetchone()[0] == 1


def test_any_body_a_spider_receives_is_kept_compressed(crawler, database, clock):
    from discogs_harvest.items import RawBodyItem
    from discogs_harvest.pipelines.rows import decompress_body

    body = '{"id": 1, "name": "Planet E", "profile": "Detroit"}'
    store(crawler, RawBodyItem("label", 1, body), RawBodyItem("label", 1, body.replace("Detroit", "Detroit, MI")))
    [row] = table(database, "raw_bodies")
    assert (row["resource"], row["resource_id"], row["fetched_at"]) == ("label", "1", str(clock.now))
    assert decompress_body(row["body"])["profile"] == "Detroit, MI"  # the latest of the batch
    assert len(row["body"]) < len(body) + 20
