"""The choice of sort orders past the 10,000-listing cap, driven against the sandbox's catalog in process."""

import json

import pytest

from discogs_harvest.completeness import PageSeen
from discogs_harvest.sandbox import sellers
from discogs_harvest.sandbox.catalog import Catalog
from discogs_harvest.sortwindows import FIRST, SortWindows, judge_union, order_name


def fetch(catalog, seller, order, page):
    query = [("status", "For Sale"), ("sort", order[0]), ("sort_order", order[1]), ("per_page", "100"),
             ("page", str(page))]
    return json.loads(catalog.inventory(seller, query, "http://sandbox/inventory", "someone", True))


def harvest(catalog, seller):
    """What the spider does: listed asc to its end or page 100, then the planner's choices."""
    pages, page = {}, 1
    while True:
        body = fetch(catalog, seller, FIRST, page)
        pages[(FIRST, page)] = body
        if page >= body["pagination"]["pages"] or page >= 100:
            break
        page += 1
    windows = SortWindows(items=body["pagination"]["items"])
    for (order, number), body in pages.items():
        windows.observe(order, number, body["listings"], body["pagination"]["items"])
    while (chosen := windows.next_page()) is not None:
        body = fetch(catalog, seller, *chosen)
        pages[chosen] = body
        windows.observe(chosen[0], chosen[1], body["listings"], body["pagination"]["items"],
                        bool(body["pagination"]["urls"].get("next")))
    return windows, pages


@pytest.fixture(scope="module")
def big():
    # The planner reads every listing about three times over its orders: with room for all 25,000
    # serialised (the sandbox keeps 20,000 a seller), each is made once, not about twice (the same
    # bytes: a fragment is a pure function of the seller and the listing).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sellers, "FRAGMENT_CACHE", 25_000)
        catalog = Catalog()
        windows, pages = harvest(catalog, "synthetic-25000-500")
    return catalog, windows, pages


def test_a_25000_listing_seller_is_covered_past_the_cap(big):
    catalog, windows, pages = big
    assert windows.items == 25_000
    assert windows.coverage >= 0.99, windows.describe()
    assert len(pages) == sum(windows.requests_per_order().values())
    assert list(windows.requests_per_order())[:2] == ["listed-asc", "listed-desc"]


def test_the_requests_are_within_10_percent_of_the_pages_the_chosen_orders_need(big):
    """Every page that added a listing was needed by the orders chosen; the rest were not."""
    catalog, windows, pages = big
    needed = len(pages) - windows.wasted
    assert len(pages) <= 1.10 * needed, windows.describe()


def test_a_page_that_contradicts_the_counting_makes_its_order_opaque():
    """Seen listings rank between a page's first and last listing but are not on it: Discogs
    collates differently than sort_key, so that order is paged in sequence instead."""
    windows = SortWindows(items=300, max_pages=3)
    windows.observe(FIRST, 1, [{"id": n, "price": {"value": n}} for n in range(100)])
    window = windows.windows[("price", "asc")]
    windows.observe(("price", "asc"), 3, [{"id": 10, "price": {"value": 10}}, {"id": 50, "price": {"value": 50}}])
    assert window.opaque and window.next_page == 1 and not window.done


def test_a_counted_order_skips_stretches_without_unseen_listings():
    windows = SortWindows(items=300, max_pages=3)
    windows.observe(FIRST, 1, [{"id": n, "price": {"value": n}} for n in range(100)])
    # price asc, page 3 (ranks 200-299) holds the 100 dearest; 100 unseen listings are left.
    windows.observe(("price", "asc"), 3, [{"id": 1000 + n, "price": {"value": 1000 + n}} for n in range(100)])
    # Pages 1-2 (ranks 0-199) hold the 100 seen (the cheapest) and the 100 unseen, 50 a page.
    window = windows.windows[("price", "asc")]
    assert windows.candidate(window) == (50.0, 1)
    windows.observe(("price", "asc"), 1, [{"id": n, "price": {"value": n}} for n in range(100)])
    # Page 1 held only seen listings, so all 100 unseen are on page 2, and nothing else is left.
    assert windows.candidate(window) == (100.0, 2)
    windows.observe(("price", "asc"), 2, [{"id": 500 + n, "price": {"value": 500 + n}} for n in range(100)])
    assert windows.coverage == 1.0 and windows.next_page() is None


def test_a_seller_the_two_listed_orders_cover_needs_no_other_order():
    windows, pages = harvest(Catalog(), "synthetic-15000-300")
    assert windows.coverage == 1.0
    # listed desc reads the 5,000 newest (50 pages) and stops there, with nothing wasted.
    assert windows.requests_per_order() == {"listed-asc": 100, "listed-desc": 50}


def test_an_order_in_sequence_that_adds_nothing_yields_to_a_counted_one():
    windows = SortWindows(items=300)
    windows.observe(FIRST, 1, [{"id": n} for n in range(100)])
    assert windows.next_page() == (("listed", "desc"), 1)
    windows.observe(("listed", "desc"), 1, [{"id": n} for n in range(100)])
    assert windows.windows[("listed", "desc")].zeros == 1
    assert windows.next_page() == (("price", "asc"), 100)  # a keyed order's window end first


def test_owner_only_sorts_are_left_out_for_another_seller():
    assert ("status", "asc") not in SortWindows(items=10).windows
    assert ("location", "desc") in SortWindows(items=10, owner=True).windows


def seen(order, ids, items, at=0.0):
    return PageSeen(page=1, pages=1, items=items, listing_ids=tuple(ids), fetched_at=at, has_next=False,
                    order=order_name(order) if order != FIRST else "")


@pytest.mark.parametrize("pages, complete, words", [
    ([seen(FIRST, range(100), 200), seen(("price", "asc"), range(100, 200), 200)], True, "200 of 200"),
    ([seen(FIRST, range(100), 200), seen(("price", "asc"), range(50, 150), 200)], False, "150 of 200 listings (75.00 %)"),
    ([seen(FIRST, range(100), 200), seen(("price", "asc"), range(100, 200), 230)], False, "moved from 200 to 230"),
    ([seen(FIRST, range(100), 200), seen(("price", "asc"), range(100, 200), 200, at=7200)], False, "over 120 min"),
])
def test_a_union_is_complete_only_when_it_saw_every_listing(pages, complete, words):
    verdict = judge_union(pages, 3600, 0.01)
    assert verdict.complete is complete and words in verdict.reason
