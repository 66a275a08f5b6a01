"""Seller inventories without HTTP: caches, mutations, warming."""

import json

import pytest

from discogs_harvest.sandbox.catalog import Catalog
from discogs_harvest.sandbox.sellers import LRU, SyntheticSeller, strip_images, view_of


def test_lru_evicts_the_least_recently_used():
    cache = LRU(2)
    cache.get_or_make("a", lambda: 1)
    cache.get_or_make("b", lambda: 2)
    cache.get_or_make("a", lambda: 0)  # a hit: "b" is now the oldest
    cache.get_or_make("c", lambda: 3)
    assert list(cache) == ["a", "c"] and cache["a"] == 1


def test_a_failed_make_stores_nothing():
    cache = LRU(2)
    with pytest.raises(KeyError):
        cache.get_or_make("a", lambda: {}["missing"])
    assert "a" not in cache


def test_warming_serialises_what_a_non_owner_can_reach():
    catalog = Catalog()
    assert catalog.warm("synthetic-300-100") == 300
    assert catalog.warm("synthetic-20000-50") == 10_000
    seller = catalog.seller("synthetic-20000-50")
    assert len(seller._fragments) == 10_000
    assert len([key for key in catalog._releases if key[0] >= 90_000_000]) == 100


def test_reset_keeps_caches_of_what_never_changed():
    seller = SyntheticSeller("synthetic-100-10", 100, 10)
    for index in range(100):
        seller.fragment(index, "user")
    order = seller.order("price")
    seller.reset()
    assert len(seller._fragments) == 100 and seller.order("price") is order


def test_reprice_forgets_only_that_listing_and_reset_restores_it():
    seller = SyntheticSeller("synthetic-100-10", 100, 10)
    before = [seller.fragment(index, "user") for index in range(3)]
    seller.mutate(reprice={str(seller.listing_id(1)): 1.25})
    assert json.loads(seller.fragment(1, "user"))["price"]["value"] == 1.25
    assert seller.fragment(0, "user") is before[0]
    seller.reset()
    assert seller.fragment(1, "user") == before[1]


@pytest.mark.parametrize("view, owner_keys, image_urls", [("owner", True, True), ("user", False, True),
                                                          ("anon", False, False)])
def test_views(view, owner_keys, image_urls):
    listing = SyntheticSeller("synthetic-10-10", 10, 10).listing(0)
    shown = view_of(listing, view)
    assert ("weight" in shown) is owner_keys
    assert bool(shown["release"]["thumbnail"]) is image_urls


def test_strip_images_keeps_sizes():
    release = {"thumb": "t", "images": [{"uri": "u", "resource_url": "r", "uri150": "s", "width": 5, "height": 6}]}
    assert strip_images(release) == {
        "thumb": "", "images": [{"uri": "", "resource_url": "", "uri150": "", "width": 5, "height": 6}]}
    assert release["thumb"] == "t"  # the original is untouched
