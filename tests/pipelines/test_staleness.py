import logging

import pytest
from peewee import PostgresqlDatabase
from playhouse.test_utils import count_queries
from scrapy import signals
from scrapy.utils.misc import build_from_crawler

from discogs_harvest.completeness import PageSeen
from discogs_harvest.items import InventorySnapshotItem
from discogs_harvest.models import CollectionItem
from discogs_harvest.pipelines.staleness import (
    MARKED_AVAILABLE,
    MARKED_UNAVAILABLE,
    UNPROVEN,
    StalenessPipeline,
    mark_availability,
)
from discogs_harvest.pipelines.storage import StoragePipeline
from tests.pipelines import factories


def availability(database):
    rows = database.execute_sql("SELECT listing_id, is_available FROM collection_items ORDER BY listing_id")
    return dict(rows.fetchall())


@pytest.fixture
def stored(crawler, database):
    """Listings 1-4 of BrotherLogic and 9 of another seller, all available; 4 was unavailable."""
    storage = build_from_crawler(StoragePipeline, crawler)
    for listing_id in (1, 2, 3, 4):
        storage.process_item(factories.listing(listing_id))
    other = factories.seller(seller_id=7, username="Other")
    storage.process_item(factories.listing(9, seller_username="Other", seller=other))
    storage.close_spider()
    CollectionItem.update(is_available=False).where(CollectionItem.listing_id == 4).execute()
    return database


def close(crawler, reason):
    """What the engine does after the pipelines closed (scrapy/core/engine.py close_spider_async)."""
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason=reason)


def test_finished_complete_run_marks_unseen_listings_unavailable_and_seen_ones_available(crawler, stored):
    pipeline = build_from_crawler(StalenessPipeline, crawler)
    snapshot = factories.snapshot("brotherlogic", [2, 4, 100], complete=True)
    assert pipeline.process_item(snapshot) is snapshot
    close(crawler, "finished")

    # 1 and 3 left the inventory; 4 is back; 100 was seen but never stored (filtered out);
    # the other seller's listing is not this snapshot's business.
    assert availability(stored) == {1: 0, 2: 1, 3: 0, 4: 1, 9: 1}
    assert len(availability(stored)) == 5  # never deleted
    assert (crawler.stats.get_value(MARKED_UNAVAILABLE), crawler.stats.get_value(MARKED_AVAILABLE)) == (2, 1)


@pytest.mark.parametrize(
    ("reason", "complete"),
    [
        ("finished", False),  # some inventory page failed
        ("shutdown", True),  # Ctrl-C
        ("cancelled", True),
        ("closespider_timeout", True),
        ("closespider_itemcount", True),
        ("closespider_errorcount", True),
        ("auth_failed", True),  # our spiders' failure reasons
        ("seller_not_found", True),
    ],
)
def test_interrupted_failed_or_partial_runs_mark_nothing(crawler, stored, reason, complete, caplog):
    before = availability(stored)
    pipeline = build_from_crawler(StalenessPipeline, crawler)
    pipeline.process_item(factories.snapshot("BrotherLogic", [2], complete=complete))
    with caplog.at_level(logging.INFO, logger="discogs_harvest.pipelines.staleness"):
        close(crawler, reason)
    assert availability(stored) == before
    assert crawler.stats.get_value(MARKED_UNAVAILABLE) is None
    assert "availability left unchanged" in caplog.text


def test_finished_run_without_any_snapshot_marks_nothing(crawler, stored):
    before = availability(stored)
    build_from_crawler(StalenessPipeline, crawler)
    close(crawler, "finished")
    assert availability(stored) == before


def test_snapshots_of_one_seller_add_up_and_one_complete_one_is_enough(crawler, stored):
    pipeline = build_from_crawler(StalenessPipeline, crawler)
    pipeline.process_item(factories.snapshot("BrotherLogic", [1], complete=False))
    pipeline.process_item(factories.snapshot("BrotherLogic", [2], complete=True))
    close(crawler, "finished")
    assert availability(stored) == {1: 1, 2: 1, 3: 0, 4: 0, 9: 1}


def test_summary_line(crawler, stored, caplog):
    pipeline = build_from_crawler(StalenessPipeline, crawler)
    pipeline.process_item(factories.snapshot("BrotherLogic", [1, 2, 3], complete=True))
    with caplog.at_level(logging.INFO, logger="discogs_harvest.pipelines.staleness"):
        close(crawler, "finished")
    summary = "1 sellers with a complete inventory, 3 listings seen, 0 marked unavailable, 0 available again"
    assert summary in caplog.text


@pytest.mark.timeout(60)
def test_marking_100k_listings_is_a_handful_of_statements(database):
    listings = 100_000
    now = "2026-11-21 12:00:00"
    with database.atomic():  # raw SQL: the fixture, not the code under test, would be slow
        if isinstance(database, PostgresqlDatabase):
            database.execute_sql(
                "INSERT INTO collection_items (listing_id, collection_id, is_available, is_new, first_seen_at,"
                " last_seen_at) SELECT n, 'inventory:big', TRUE, 0, %s, %s FROM generate_series(0, %s) AS n",
                (now, now, listings - 1),
            )
        else:
            database.connection().executemany(
                "INSERT INTO collection_items (listing_id, collection_id, is_available, is_new, first_seen_at,"
                " last_seen_at) VALUES (?, 'inventory:big', 1, 0, ?, ?)",
                ((n, now, now) for n in range(listings)),
            )
    seen = range(0, listings, 2)  # every other listing is still for sale

    with count_queries() as counter, database.atomic():
        gone, back = mark_availability(database, "inventory:big", seen)

    assert (gone, back) == (listings // 2, 0)
    assert counter.count <= 10  # temp table, a few chunked inserts, two updates, drop
    assert sum(availability(database).values()) == listings // 2


@pytest.mark.parametrize(("pages", "why"), [
    ([], "no inventory page was read"),
    ([PageSeen(1, 2, 150, tuple(range(100)), 0.0, True)], "paging ended at page 1 of 2"),
    ([PageSeen(1, 2, 200, tuple(range(100)), 0.0, True), PageSeen(2, 2, 200, (), 1.0, False)],
     "100 listings seen of the 200"),
])
def test_a_snapshot_whose_pages_prove_nothing_marks_nothing(crawler, stored, pages, why, caplog):
    before = availability(stored)
    pipeline = build_from_crawler(StalenessPipeline, crawler)
    with caplog.at_level(logging.WARNING, logger="discogs_harvest.pipelines.staleness"):
        pipeline.process_item(InventorySnapshotItem("BrotherLogic", [2], complete=True, pages=pages))
    close(crawler, "finished")
    assert availability(stored) == before
    assert crawler.stats.get_value(UNPROVEN) == 1
    assert why in caplog.text


def test_a_listing_seen_again_comes_back_only_if_it_is_for_sale(crawler, database):
    storage = build_from_crawler(StoragePipeline, crawler)
    for listing_id, status in ((1, "For Sale"), (2, "Sold"), (3, "Draft")):
        storage.process_item(factories.listing(listing_id, status=status))
    storage.close_spider()
    # The status decides at once: only "For Sale" is available (a -a status=All harvest).
    assert availability(database) == {1: 1, 2: 0, 3: 0}
    pipeline = build_from_crawler(StalenessPipeline, crawler)
    pipeline.process_item(factories.snapshot("brotherlogic", [1, 2, 3]))
    close(crawler, "finished")
    assert availability(database) == {1: 1, 2: 0, 3: 0}


def test_a_listing_gone_from_a_complete_run_is_remembered_with_its_kept_body(crawler, database):
    storage = build_from_crawler(StoragePipeline, crawler)
    for listing_id in (1, 2):
        storage.process_item(factories.listing(listing_id, raw={"id": listing_id}))
    storage.close_spider()
    pipeline = build_from_crawler(StalenessPipeline, crawler)
    pipeline.process_item(factories.snapshot("brotherlogic", [2]))
    close(crawler, "finished")
    unlisted = database.execute_sql("SELECT resource_id, unlisted FROM raw_bodies ORDER BY resource_id").fetchall()
    assert unlisted == [("1", 1), ("2", 0)]
