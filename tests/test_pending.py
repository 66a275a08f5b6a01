"""Listings waiting for their release, on disk: parked, taken back once in order, cleared per seller."""

import json
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from discogs_harvest import pending
from discogs_harvest.items import ListingItem, SellerItem
from discogs_harvest.loaders import load_listing
from discogs_harvest.models import PendingListing
from discogs_harvest.pipelines.rows import compress_body

INVENTORY = Path(__file__).resolve().parents[1] / "discogs_harvest/sandbox/data/inventory"


def test_listings_are_taken_back_once_in_the_order_parked(database_url):
    pending.park(database_url, "Shop", [(3, 10, {"id": 3}), (1, 10, {"id": 1}), (2, 11, {"id": 2})])
    pending.park(database_url, "Shop", [(3, 10, {"id": 3, "price": 5})])  # a replayed page parks it again
    assert pending.take(database_url, "shop", 10) == [{"id": 3, "price": 5}, {"id": 1}]
    assert pending.take(database_url, "Shop", 10) == []
    assert pending.take(database_url, "Shop", 11) == [{"id": 2}]


def test_take_many_takes_each_releases_listings_once_in_the_order_parked(database_url):
    pending.park(database_url, "Shop", [(3, 10, {"id": 3}), (1, 10, {"id": 1}), (2, 11, {"id": 2}),
                                        (4, 12, {"id": 4})])
    pending.park(database_url, "Other", [(5, 11, {"id": 5})])  # another seller's: not taken
    assert pending.take(database_url, "Shop", 12) == [{"id": 4}]
    assert pending.take_many(database_url, "shop", {11: None, 10: None, 12: None, 13: None}) == {
        11: [{"id": 2}], 10: [{"id": 3}, {"id": 1}], 12: [], 13: []}
    assert pending.take_many(database_url, "Shop", [10, 11]) == {10: [], 11: []}
    assert pending.take(database_url, "Shop", 10) == []
    assert pending.take(database_url, "Other", 11) == [{"id": 5}]


def test_take_many_past_the_taken_batch_deletes_the_rows_taken(database_url, monkeypatch):
    monkeypatch.setattr(pending, "TAKEN_BATCH", 3)
    pending.park(database_url, "Shop", [(listing_id, listing_id % 2, {"id": listing_id}) for listing_id in range(4)])
    assert pending.take_many(database_url, "Shop", [0, 1]) == {0: [{"id": 0}, {"id": 2}], 1: [{"id": 1}, {"id": 3}]}
    assert PendingListing.select().count() == 0


def test_parked_bodies_are_marshalled_and_json_and_compressed_leftovers_are_still_read(database_url):
    """Parked with marshal (zlib gave up the GIL for every listing, JSON took three times as
    long); a body marshal cannot write is parked as UTF-8 JSON; rows an earlier version parked
    as JSON or zlib-compressed, left by a run that stopped, are taken back alike."""
    import datetime
    import marshal

    pending.park(database_url, "Shop", [(1, 10, {"id": 1, "title": "Café", "genres": ["Jazz"], "price": 2.5})])
    stored = bytes(PendingListing.get(PendingListing.listing_id == 1).body)
    assert stored[:1] == b"m" and marshal.loads(stored[1:]) == {"id": 1, "title": "Café", "genres": ["Jazz"],
                                                                "price": 2.5}
    with pytest.raises(ValueError):
        marshal.dumps({"posted": datetime.date(2020, 1, 1)})
    assert pending.encode({"id": 5, "posted": "2020-01-01"})[:1] == b"m"
    assert json.loads(pending.encode(json.loads('{"id": 6}') | {"at": JsonText("x")})) == {"id": 6, "at": "x"}
    PendingListing.insert(listing_id=2, seller="shop", release_id=10, body=compress_body({"id": 2}, 1)).execute()
    PendingListing.insert(listing_id=3, seller="shop", release_id=10, body='{"id":3,"title":"Café"}'.encode()).execute()
    assert pending.take(database_url, "Shop", 10) == [{"id": 1, "title": "Café", "genres": ["Jazz"], "price": 2.5},
                                                      {"id": 2}, {"id": 3, "title": "Café"}]


class JsonText(str):
    """A str subclass: marshal writes none (ValueError), JSON writes it as text."""


def test_take_has_peewee_render_its_statement_once_per_database(database_url, monkeypatch):
    rendered = []
    render = pending._take_text
    monkeypatch.setattr(pending, "_take_text", lambda params: rendered.append(params) or render(params))
    monkeypatch.setattr(pending, "_take_texts", {})
    pending.park(database_url, "Shop", [(1, 10, {"id": 1}), (2, 11, {"id": 2}), (3, 11, {"id": 3})])
    assert pending.take(database_url, "Shop", 11) == [{"id": 2}, {"id": 3}]
    assert pending.take(database_url, "SHOP", 10) == [{"id": 1}]
    assert pending.take(database_url, "Shop", 11) == []
    assert rendered == [("shop", 11)]


def test_take_many_renders_its_statement_once_for_any_count_of_releases(database_url, monkeypatch):
    from discogs_harvest.models import PendingListing

    monkeypatch.setattr(pending, "_inserts", {})
    pending.park(database_url, "Shop", [(listing, 10 + listing % 4, {"id": listing}) for listing in range(1, 13)])
    rendered = []
    select = PendingListing.select
    monkeypatch.setattr(PendingListing, "select", lambda *columns: rendered.append(1) or select(*columns))
    assert pending.take_many(database_url, "Shop", [10, 11]) == {10: [{"id": 4}, {"id": 8}, {"id": 12}],
                                                                11: [{"id": 1}, {"id": 5}, {"id": 9}]}
    assert pending.take_many(database_url, "shop", [13, 12]) == {13: [{"id": 3}, {"id": 7}, {"id": 11}],
                                                                12: [{"id": 2}, {"id": 6}, {"id": 10}]}
    assert pending.take_many(database_url, "Shop", [10, 11]) == {10: [], 11: []}  # taken once
    first = len(rendered)
    assert pending.take_many(database_url, "Shop", [99]) == {99: []}
    assert pending.take_many(database_url, "Shop", [97, 98, 99]) == {97: [], 98: [], 99: []}
    assert len(rendered) == first  # rendered (and checked) at the first call, for any number of ids


def test_a_new_run_clears_only_its_sellers_leftovers(database_url):
    pending.park(database_url, "Shop", [(1, 10, {"id": 1})])
    pending.park(database_url, "Other", [(2, 10, {"id": 2})])
    pending.clear(database_url, "SHOP")
    assert pending.take(database_url, "Shop", 10) == []
    assert pending.take(database_url, "Other", 10) == [{"id": 2}]


def test_a_loaded_listing_comes_back_equal_without_the_loaders():
    from pathlib import Path

    from discogs_harvest.loaders import load_listing

    page = Path(__file__).resolve().parents[1] / "discogs_harvest/sandbox/data/inventory"
    listing = json.loads((page / "brotherlogic_status-for-sale_per100_page1.json").read_text())["listings"][0]
    item = load_listing(listing)
    assert pending.listing_body(item) == asdict(item)
    assert pending.listing_body(ListingItem(listing_id=1)) == asdict(ListingItem(listing_id=1))  # no seller
    body = json.loads(json.dumps(pending.listing_body(item)))  # what the disk keeps
    assert pending.listing_item(body) == item
    assert pending.listing_item(listing) == item  # a bare listing object is loaded



@pytest.mark.parametrize("name", sorted(path.name for path in INVENTORY.glob("*.json")))
def test_a_listing_body_is_serialised_as_asdict_would_be(name):
    # listing_body shares the item's values instead of asdict's deep copy: the same body comes back
    # (marshal's bytes may differ: it marks values referred to more than once by their refcounts).
    items = [load_listing(listing) for listing in json.loads((INVENTORY / name).read_text())["listings"]]
    assert [pending.decode(pending.encode(pending.listing_body(item))) for item in items] == [
        pending.decode(pending.encode(asdict(item))) for item in items]
    assert [pending.decode(pending.encode(pending.listing_body(item))) for item in items] == [
        json.loads(json.dumps(asdict(item))) for item in items]


@pytest.mark.parametrize("filtering", [False, True])
def test_a_listing_parked_without_its_seller_comes_back_with_the_one_loaded(filtering):
    # The spider parks the seller's id only (it keeps every seller it loaded, and puts that one
    # back), and the listing as received only when a filter defers storing it to phase 2.
    listings = json.loads((INVENTORY / "brotherlogic_status-for-sale_per100_page1.json").read_text())["listings"]
    sellers = {}
    items = [load_listing(listing, sellers=sellers) for listing in listings]
    for item in items:
        body = json.loads(json.dumps(pending.listing_body(item, raw=filtering, seller=False)))
        assert body["seller"] == {"seller_id": item.seller.seller_id} and ("raw" in body) is filtering
        back = pending.listing_item(body)
        # set as __init__ sets them, in its order (listing_body reads them back that way)
        assert list(vars(back)) == list(vars(ListingItem())) and type(back.seller) is SellerItem
        back.seller = sellers.setdefault(back.seller.seller_id, back.seller)  # the spider's share_seller
        assert back == (item if filtering else replace(item, raw=None))


def test_a_seller_without_an_id_is_parked_whole():
    item = ListingItem(listing_id=1, seller=SellerItem(username="shop", payment="PayPal"))
    body = pending.listing_body(item, seller=False)
    assert pending.listing_item(json.loads(json.dumps(body))) == item


def test_a_listing_body_holds_the_fields_only_whatever_else_the_item_carries():
    item = ListingItem(listing_id=1, price=2.5)
    item.note = "set by someone"  # not a field: left out, the fields kept in their order
    assert pending.listing_body(item) == asdict(ListingItem(listing_id=1, price=2.5))
    assert list(pending.listing_body(item)) == list(asdict(item))
    assert pending.listing_item({"listing_id": 1, "price": 2.5, "unknown": 3}) == ListingItem(listing_id=1, price=2.5)


def test_taken_rows_are_deleted_in_batches_and_a_listing_parked_again_comes_back(database_url, monkeypatch):
    from discogs_harvest.models import PendingListing

    monkeypatch.setattr(pending, "TAKEN_BATCH", 3)
    pending.park(database_url, "Shop", [(n, n % 2, {"id": n}) for n in range(1, 6)])
    assert pending.take(database_url, "Shop", 0) == [{"id": 2}, {"id": 4}]
    assert PendingListing.select().count() == 5  # read, left out from now on, not deleted yet
    assert pending.take(database_url, "Shop", 0) == []
    pending.park(database_url, "Shop", [(2, 0, {"id": 2, "price": 3})])  # a replayed page
    assert PendingListing.select().count() == 4  # the taken rows went first
    assert pending.take(database_url, "Shop", 0) == [{"id": 2, "price": 3}]
    assert pending.take(database_url, "Shop", 1) == [{"id": 1}, {"id": 3}, {"id": 5}]  # 4 taken: deleted
    assert PendingListing.select().count() == 0
    pending.park(database_url, "Shop", [(6, 7, {"id": 6})])
    assert pending.take(database_url, "Shop", 7) == [{"id": 6}]
    pending.delete_taken(database_url)  # what the spider does when it closes
    assert PendingListing.select().count() == 0


def test_taking_leaves_the_rows_taken_for_later_while_another_connection_writes(database_url, monkeypatch):
    """The spider's phase 2 takes while storage's writer process holds SQLite's write lock: the
    taken rows stay left out and are deleted once the lock is free, the taking never waits for
    it (were it to wait, this test would hang until the other transaction ended: never)."""
    import sqlite3
    import threading

    from discogs_harvest.database import database_path
    from discogs_harvest.postgres import is_postgres

    if is_postgres(database_url):
        pytest.skip("SQLite's write lock")
    monkeypatch.setattr(pending, "TAKEN_BATCH", 2)
    monkeypatch.setattr(pending, "TAKEN_MAX", 100)
    pending.park(database_url, "Shop", [(n, n % 3, {"id": n}) for n in range(1, 10)])
    locked, release = threading.Event(), threading.Event()

    def writer():  # another connection's long write transaction
        other = sqlite3.connect(database_path(database_url), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(30)
        other.execute("ROLLBACK")
        other.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert locked.wait(10)
        assert pending.take_many(database_url, "Shop", [0, 1]) == {0: [{"id": 3}, {"id": 6}, {"id": 9}],
                                                                  1: [{"id": 1}, {"id": 4}, {"id": 7}]}
        assert PendingListing.select().count() == 9  # taken, not deleted: the lock is held
        assert pending.take_many(database_url, "Shop", [0, 1, 2]) == {0: [], 1: [], 2: [{"id": 2}, {"id": 5},
                                                                                        {"id": 8}]}
    finally:
        release.set()
        thread.join(10)
    assert pending.take(database_url, "Shop", 0) == []  # the lock free: all nine taken rows deleted
    assert PendingListing.select().count() == 0
