"""The record of change: events from stored rows, release figures appended only when they move."""

import datetime

from discogs_harvest.freshness import database_for
from discogs_harvest.items import ReleaseItem
from discogs_harvest.models import ListingEvent, ReleaseStatsHistory
from discogs_harvest.watching import changes, listing_events, record_release_stats

NOW = datetime.datetime(2026, 12, 2, 12, 0, 0)


def row(**fields):
    base = {"listing_id": 7, "collection_id": "inventory:shop", "price": 10.0, "currency": "EUR",
            "condition": "Mint (M)", "sleeve_condition": "Generic", "notes": "", "is_available": True}
    return {**base, **fields}


def kinds(before, after):
    return [(e["kind"], e.get("old_price"), e.get("new_price"), e.get("old_value"), e.get("new_value"))
            for e in listing_events(before, after, 3, NOW)]


def test_a_listing_never_stored_is_new():
    assert kinds(None, row()) == [("new", None, 10.0, None, None)]


def test_an_unchanged_listing_has_no_event():
    assert kinds(row(), row()) == []


def test_each_change_is_one_event():
    assert kinds(row(), row(price=8.5, condition="Very Good (VG)", notes="Ring wear")) == [
        ("price", 10.0, 8.5, None, None),
        ("condition", None, None, "Mint (M)", "Very Good (VG)"),
        ("comment", None, None, "", "Ring wear"),
    ]


def test_a_currency_change_is_a_price_change_and_an_unavailable_row_seen_again_is_back():
    events = listing_events(row(is_available=False), row(currency="USD"), 3, NOW)
    assert [(e["kind"], e.get("old_currency"), e.get("new_currency")) for e in events] == [
        ("price", "EUR", "USD"), ("back", None, None)]
    assert {e["seller"] for e in events} == {"shop"} and {e["run_id"] for e in events} == {3}


def release(have):
    return ReleaseItem(release_id=5, have_count=have, want_count=3, avg_rating=4.5, ratings_count=2,
                       price_low=9.99, price_currency="USD", num_for_sale=4)


def test_release_figures_are_appended_only_when_they_change(database_url):
    database_for(database_url)
    for have in (10, 10, 11, 11, 10):
        record_release_stats([release(have)], 1, NOW, 999)
    assert [r.have_count for r in ReleaseStatsHistory.select().order_by(ReleaseStatsHistory.id)] == [10, 11, 10]


def test_changes_since_a_date_or_of_the_latest_run(database_url):
    database_for(database_url)
    ListingEvent.insert_many([
        {"listing_id": 1, "seller": "shop", "run_id": 1, "kind": "new", "seen_at": NOW},
        {"listing_id": 1, "seller": "shop", "run_id": 2, "kind": "gone", "seen_at": NOW + datetime.timedelta(days=2)},
        {"listing_id": 9, "seller": "other", "run_id": 3, "kind": "new", "seen_at": NOW},
    ]).execute()
    latest, what = changes("Shop")
    assert [(e["kind"], e["run_id"]) for e in latest] == [("gone", 2)] and "harvest_runs.id=2" in what
    since, _ = changes("shop", NOW + datetime.timedelta(days=1))
    assert [e["kind"] for e in since] == ["gone"]
    everything, _ = changes("shop", NOW)
    assert [e["kind"] for e in everything] == ["new", "gone"]
