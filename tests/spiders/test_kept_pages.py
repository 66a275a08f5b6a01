"""seller_inventory reads a page's listings back from the body it kept while paging."""

import json

from scrapy.utils.test import get_crawler

from discogs_harvest import settings
from discogs_harvest.checkpoints import inventory_checkpoint, keep_page
from discogs_harvest.completeness import PageSeen
from discogs_harvest.items import InventoryPageItem, ListingRowsItem
from discogs_harvest.spiders.seller_inventory import SellerInventorySpider


def body(*ids):
    pagination = {"page": 1, "pages": 1, "items": len(ids), "per_page": 100, "urls": {}}
    listings = [{"id": i, "status": "For Sale", "release": {"id": 7, "description": "A - B"}} for i in ids]
    return json.dumps({"pagination": pagination, "listings": listings})


def spider(database_url):
    values = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    crawler = get_crawler(SellerInventorySpider, settings_dict={**values, "DATABASE_URL": database_url})
    return SellerInventorySpider.from_crawler(crawler, seller="someseller")


def test_a_page_goes_out_from_its_kept_body_then_its_checkpoint(database_url):
    harvest = spider(database_url)
    keep_page(database_url, "someseller", "For Sale", 1, body(11, 12), None, 1)
    harvest.pages_seen[1] = PageSeen.from_body(json.loads(body(11, 12)), 0)
    out = list(harvest.kept_listings((1, 1, None)))
    assert [listing.listing_id for item in out if isinstance(item, ListingRowsItem) for listing in item.listings] == [11, 12]
    assert isinstance(out[-1], InventoryPageItem) and json.loads(out[-1].body) == json.loads(body(11, 12))
    assert out[-1].body_kept  # storage need not keep the same body again
    assert not harvest.pages_failed


def test_a_page_another_harvest_kept_again_meanwhile_proves_nothing(database_url):
    harvest = spider(database_url)
    harvest.pages_seen[1] = PageSeen.from_body(json.loads(body(11, 12)), 0)
    keep_page(database_url, "someseller", "For Sale", 1, body(11, 13), None, 1)  # the other harvest's fetch
    out = list(harvest.kept_listings((1, 1, None)))
    assert [listing.listing_id for item in out if isinstance(item, ListingRowsItem) for listing in item.listings] == [11, 13]
    assert harvest.pages_failed  # the snapshot will not mark anything unavailable


def test_a_resumed_run_sends_a_kept_page_from_its_body_then_checkpoints_it(database_url):
    """A page the interrupted run kept but whose listings had not gone out: replayed, not fetched."""
    keep_page(database_url, "someseller", "For Sale", 1, body(11, 12), None, 1)
    [kept] = inventory_checkpoint(database_url, "someseller", "For Sale", max_age_hours=24)
    assert not kept.listings_out
    harvest = spider(database_url)
    harvest.pages_seen[1] = kept.seen
    out = list(harvest.replay_page(kept))
    assert [listing.listing_id for item in out if isinstance(item, ListingRowsItem) for listing in item.listings] == [11, 12]
    assert isinstance(out[-1], InventoryPageItem) and json.loads(out[-1].body) == json.loads(body(11, 12))
    assert not harvest.pages_failed
