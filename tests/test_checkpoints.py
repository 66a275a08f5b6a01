"""Which stored inventory pages a new run may replay, and which failed releases it retries."""

import dataclasses
import datetime
import json
import zlib

import pytest
from scrapy import signals
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from discogs_harvest.checkpoints import failed_release_ids, inventory_checkpoint, keep_page
from discogs_harvest.items import FailedReleaseItem, InventoryPageItem, ReleaseItem
from discogs_harvest.models import InventoryPage, RawBody
from discogs_harvest.pipelines.staleness import StalenessPipeline
from discogs_harvest.pipelines.storage import StoragePipeline
from tests.pipelines import factories

HOUR = datetime.timedelta(hours=1)


def store(database_url, *items):
    crawler = get_crawler(settings_dict={"DATABASE_URL": database_url, "STORAGE_BATCH_SIZE": 200})
    pipeline = build_from_crawler(StoragePipeline, crawler)
    for item in items:
        pipeline.process_item(item)
    pipeline.close_spider()


def page(number, seller="SomeSeller", next_url="next"):
    pagination = {"page": number, "pages": 5, "items": 5, "per_page": 1, "urls": {"next": next_url}}
    body = json.dumps({"pagination": pagination, "listings": [{"id": number * 10, "release": {"id": 1}}]})
    return InventoryPageItem(seller_username=seller, status="For Sale", page=number, next_url=next_url,
                             pages_total=5, body=body)


@pytest.mark.parametrize(("stored", "expected"), [((1, 2, 3), [1, 2, 3]), ((1, 2, 4), [1, 2]), ((2, 3), []), ((), [])])
def test_only_contiguous_pages_from_the_first_are_replayed(database_url, stored, expected):
    store(database_url, *(page(n) for n in stored))
    pages = inventory_checkpoint(database_url, "someseller", "For Sale", max_age_hours=24)
    assert [p.page for p in pages] == expected
    assert [p.listings for p in pages] == [[{"id": n * 10, "release": {"id": 1}}] for n in expected]
    assert [p.seen.listing_ids for p in pages] == [(n * 10,) for n in expected]


@pytest.mark.parametrize("body", ["{not json", "[]", '{"pagination": {"page": 2}, "listings": null}'])
def test_a_corrupted_page_ends_the_checkpoint_like_a_gap(database_url, body):
    store(database_url, page(1), page(2), page(3))
    InventoryPage.update(body=body).where(InventoryPage.page == 2).execute()
    assert [p.page for p in inventory_checkpoint(database_url, "SomeSeller", "For Sale", max_age_hours=24)] == [1]


@pytest.mark.parametrize("body", [b"not zlib", zlib.compress(b"{not json"), None])
def test_a_corrupted_or_missing_kept_body_ends_the_checkpoint_like_a_gap(database_url, body):
    store(database_url, page(1), page(2), page(3))
    kept = (RawBody.resource == "inventory_page") & (RawBody.resource_id == "someseller/For Sale/2")
    if body is None:
        RawBody.delete().where(kept).execute()
    else:
        RawBody.update(body=body).where(kept).execute()
    assert [p.page for p in inventory_checkpoint(database_url, "SomeSeller", "For Sale", max_age_hours=24)] == [1]


def test_the_body_is_kept_once_and_a_page_stored_with_its_body_still_replays(database_url):
    store(database_url, page(1), page(2), page(3))
    assert [row.body for row in InventoryPage.select().order_by(InventoryPage.page)] == ["", "", ""]
    InventoryPage.update(body=page(2).body).where(InventoryPage.page == 2).execute()  # as older versions wrote
    RawBody.delete().where(RawBody.resource_id == "someseller/For Sale/2").execute()
    pages = inventory_checkpoint(database_url, "SomeSeller", "For Sale", max_age_hours=24)
    assert [p.listings for p in pages] == [[{"id": n * 10, "release": {"id": 1}}] for n in (1, 2, 3)]


def keep(database_url, number, next_url="next"):
    """What paging does with a checked page before its listings go out."""
    item = page(number, next_url=next_url)
    keep_page(database_url, item.seller_username, item.status, number, item.body, next_url, item.pages_total)


def test_pages_kept_before_their_listings_went_out_continue_the_checkpoint(database_url):
    store(database_url, page(1), page(2))
    keep(database_url, 3)
    keep(database_url, 4, next_url="after 4")
    pages = inventory_checkpoint(database_url, "SomeSeller", "For Sale", max_age_hours=24)
    assert [(p.page, p.listings_out) for p in pages] == [(1, True), (2, True), (3, False), (4, False)]
    assert pages[-1].next_url == "after 4" and pages[-1].pages_total == 5
    assert [p.listings for p in pages[2:]] == [[{"id": 30, "release": {"id": 1}}], [{"id": 40, "release": {"id": 1}}]]
    assert [p.seen.listing_ids for p in pages[2:]] == [(30,), (40,)]
    assert all(p.seen.replayed for p in pages)  # judged as any replayed page


def test_a_kept_page_is_checkpointed_once_stored_with_its_listings_and_kept_again_when_fetched_again(database_url):
    keep(database_url, 1)
    store(database_url, page(1))
    assert [p.listings_out for p in inventory_checkpoint(database_url, "SomeSeller", "For Sale", 24)] == [True]
    keep(database_url, 1, next_url="fetched again")  # its body replaced: those listings have not gone out
    [again] = inventory_checkpoint(database_url, "SomeSeller", "For Sale", 24)
    assert (again.listings_out, again.next_url) == (False, "fetched again")


@pytest.mark.parametrize("problem", ["gap", "old", "corrupted"])
def test_kept_pages_follow_the_rules_of_checkpointed_ones(database_url, problem):
    store(database_url, page(1))
    keep(database_url, 2)
    keep(database_url, 3 if problem != "gap" else 4)
    if problem == "old":
        stored = InventoryPage.get(InventoryPage.page == 3).fetched_at
        InventoryPage.update(fetched_at=stored - 3 * HOUR).where(InventoryPage.page == 3).execute()
    if problem == "corrupted":
        RawBody.update(body=b"not zlib").where(RawBody.resource_id == "someseller/For Sale/3").execute()
    assert [p.page for p in inventory_checkpoint(database_url, "SomeSeller", "For Sale", max_age_hours=2)] == [1, 2]


def test_a_finished_run_clears_its_kept_pages_too_and_its_bodies_alone_are_no_checkpoint(database_url):
    """raw_bodies keeps the pages of finished runs: only an inventory_pages row says a page is
    the unfinished run's, and the staleness pipeline deletes them all when a run ends."""
    store(database_url, page(1))
    keep(database_url, 2)
    crawler = get_crawler(settings_dict={"DATABASE_URL": database_url})
    staleness = build_from_crawler(StalenessPipeline, crawler)
    staleness.process_item(factories.snapshot("SomeSeller", [10, 20], complete=True))
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert InventoryPage.select().count() == 0
    assert RawBody.select().where(RawBody.resource == "inventory_page").count() == 2
    assert inventory_checkpoint(database_url, "SomeSeller", "For Sale", max_age_hours=24) == []


def test_pages_older_than_the_limit_are_not_replayed(database_url):
    store(database_url, page(1), page(2))
    stored = InventoryPage.get(InventoryPage.page == 2).fetched_at
    InventoryPage.update(fetched_at=stored - 3 * HOUR).where(InventoryPage.page == 2).execute()
    assert [p.page for p in inventory_checkpoint(database_url, "SomeSeller", "For Sale", max_age_hours=2)] == [1]
    assert inventory_checkpoint(database_url, "SomeSeller", "Sold", max_age_hours=2) == []


def test_failed_releases_are_counted_and_forgotten_once_stored(database_url):
    store(database_url, FailedReleaseItem(7, "HTTP 503"), FailedReleaseItem(8, "timeout"))
    store(database_url, FailedReleaseItem(7, "HTTP 502"))
    assert failed_release_ids(database_url) == [7, 8]
    store(database_url, ReleaseItem(release_id=7, artist="A", title="T"))
    assert failed_release_ids(database_url) == [8]


def test_a_page_is_kept_as_received(database_url):
    # Compressed at its own level (rows.PAGE_COMPRESSION): what comes back is the body unchanged.
    item = page(1)
    store(database_url, item)
    blob = RawBody.get((RawBody.resource == "inventory_page") & (RawBody.resource_id == "someseller/For Sale/1")).body
    assert zlib.decompress(bytes(blob)).decode("utf-8") == item.body


def test_a_page_whose_body_the_spider_kept_is_not_written_again(database_url):
    """A page the spider kept as it arrived (keep_page) reaches storage with body_kept: only its
    checkpoint row is written (its listings now out), and the kept body (read back from that row)
    stays as it was."""
    item = page(1)
    keep_page(database_url, "SomeSeller", "For Sale", 1, item.body, item.next_url, item.pages_total)
    where = (RawBody.resource == "inventory_page") & (RawBody.resource_id == "someseller/For Sale/1")
    before = RawBody.select(RawBody.body, RawBody.fetched_at).where(where).tuples().get()
    store(database_url, dataclasses.replace(item, body_kept=True))
    assert RawBody.select(RawBody.body, RawBody.fetched_at).where(where).tuples().get() == before
    pages = inventory_checkpoint(database_url, "someseller", "For Sale", max_age_hours=24)
    assert [(p.page, p.listings, p.listings_out) for p in pages] == [(1, [{"id": 10, "release": {"id": 1}}], True)]


def test_the_page_keeper_keeps_pages_in_order_on_its_thread_and_raises_a_failure_where_it_is_waited_for(
        database_url, monkeypatch):
    import threading

    from discogs_harvest import checkpoints
    from discogs_harvest.checkpoints import PageKeeper, kept_page

    threads = []
    keep_one = checkpoints.keep_page

    def recorded(url, seller, status, number, *rest):
        threads.append((number, threading.current_thread().name))
        if number == 3:
            raise OSError("disk full")
        return keep_one(url, seller, status, number, *rest)

    monkeypatch.setattr(checkpoints, "keep_page", recorded)
    keeper = PageKeeper(database_url)
    for number in (1, 2, 3, 4):
        item = page(number)
        keeper.keep(item.seller_username, item.status, number, item.body, item.next_url, item.pages_total)
    keeper.wait(2)
    assert json.loads(kept_page(database_url, "SomeSeller", "For Sale", 2)[0])["listings"] == [
        {"id": 20, "release": {"id": 1}}]
    keeper.wait(7)  # never given: nothing to wait for
    with pytest.raises(OSError, match="disk full"):
        keeper.close()  # page 3's failure, once page 4 was kept too
    assert [number for number, _ in threads] == [1, 2, 3, 4]
    assert {name for _, name in threads} != {threading.current_thread().name}
    assert kept_page(database_url, "SomeSeller", "For Sale", 4) is not None
    assert kept_page(database_url, "SomeSeller", "For Sale", 3) is None
    assert keeper.thread is None and keeper.keeping == {}
