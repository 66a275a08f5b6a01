"""Sellers past the 10,000-listing cap and sellers that change between runs, without HTTP."""

import json

import pytest

from discogs_harvest.sandbox.catalog import PAGE_CAP, ApiError, Catalog
from discogs_harvest.sandbox.sellers import SORTS

BIG = "synthetic-25000-500"


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


def page(catalog, seller, number, sort="listed", order="asc", user="someone"):
    query = [("status", "For Sale"), ("sort", sort), ("sort_order", order), ("per_page", "100"),
             ("page", str(number))]
    return json.loads(catalog.inventory(seller, query, "http://sandbox/users/x/inventory", user, True))


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_every_sort_order_is_refused_above_page_100_with_the_full_size_reported(catalog, sort, order):
    last = page(catalog, BIG, PAGE_CAP, sort, order)
    assert last["pagination"]["items"] == 25_000 and last["pagination"]["pages"] == 250
    assert len(last["listings"]) == 100
    with pytest.raises(ApiError) as refused:
        page(catalog, BIG, PAGE_CAP + 1, sort, order)
    assert refused.value.status == 403 and "Pagination above 100" in refused.value.message


def window(catalog, seller, sort, order):
    return {listing["id"] for n in range(1, PAGE_CAP + 1) for listing in page(catalog, seller, n, sort, order)["listings"]}


def test_sort_orders_reach_different_windows_of_a_big_seller(catalog):
    listed = window(catalog, BIG, "listed", "asc") | window(catalog, BIG, "listed", "desc")
    assert len(listed) == 20_000  # the oldest and the newest 10,000
    price = window(catalog, BIG, "price", "asc") | window(catalog, BIG, "price", "desc")
    assert len(price - listed) > 3_000  # cheap and dear listings from the middle of the listed order


def test_the_owner_is_not_capped(catalog):
    seller = catalog.seller(BIG)
    assert len(page(catalog, BIG, 250, user=seller.name)["listings"]) == 100


def test_mutations_are_journalled_in_the_harvesters_words():
    catalog = Catalog()
    seller = catalog.seller("synthetic-300-50")
    ids = [seller.listing_id(i) for i in range(5)]
    before = seller.listing(1)
    seller.mutate(drop=[ids[0]], reprice={str(ids[1]): 1.5}, recondition={str(ids[2]): "Good (G)"},
                  comment={str(ids[3]): "Now with insert"}, add=2)
    seller.mutate(restore=[ids[0]], drop=[ids[4]])
    assert seller.journal == [
        {"kind": "gone", "listing_id": ids[0], "old": None, "new": None, "currency": None},
        {"kind": "price", "listing_id": ids[1], "old": before["price"]["value"], "new": 1.5,
         "currency": before["price"]["currency"]},
        {"kind": "condition", "listing_id": ids[2], "old": seller._listing(2)["condition"], "new": "Good (G)",
         "currency": None},
        {"kind": "comment", "listing_id": ids[3], "old": seller._listing(3)["comments"], "new": "Now with insert",
         "currency": None},
        {"kind": "new", "listing_id": seller.listing_id(300), "old": None, "new": None, "currency": None},
        {"kind": "new", "listing_id": seller.listing_id(301), "old": None, "new": None, "currency": None},
        {"kind": "gone", "listing_id": ids[4], "old": None, "new": None, "currency": None},
        {"kind": "back", "listing_id": ids[0], "old": None, "new": None, "currency": None},
    ]
    newest = page(catalog, "synthetic-300-50", 1, order="desc")["listings"]
    assert [l["id"] for l in newest[:2]] == [seller.listing_id(301), seller.listing_id(300)]
    assert page(catalog, "synthetic-300-50", 1)["pagination"]["items"] == 301
    seller.reset()
    assert seller.journal == [] and seller.size == 300
    assert page(catalog, "synthetic-300-50", 1)["listings"][2]["condition"] == seller._listing(2)["condition"]


def test_a_recorded_seller_cannot_grow():
    with pytest.raises(ValueError):
        Catalog().seller("brotherlogic").mutate(add=1)
