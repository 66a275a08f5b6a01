"""``scrapy crawl seller_inventory`` against the sandbox: the recorded seller, runs in sequence.

The tests of this module share one sandbox and one database and run in file order: first
harvest, identical second run, third run after the seller changed stock.
"""

import html
import json
from pathlib import Path

import pytest

from discogs_harvest.processors import utc_timestamp
from tests.integration.crawling import api_requests, rows
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = pytest.mark.timeout(240)

INVENTORY = Path(__file__).resolve().parents[2] / "discogs_harvest" / "sandbox" / "data" / "inventory"
TIME_COLUMNS = {"created_at", "updated_at", "first_seen_at", "last_seen_at", "fetched_at"}
TABLES = ("albums", "tracks", "youtube_videos", "album_videos", "sellers", "collection_items",
          "genres", "styles", "album_genres", "album_styles")


def recorded_listings():
    listings = []
    for page in range(1, 5):
        path = INVENTORY / f"brotherlogic_status-for-sale_per100_page{page}.json"
        listings += json.loads(path.read_text(encoding="utf-8"))["listings"]
    return listings


def snapshot(database):
    """Every row of every contract table, without the columns that record times."""
    return {
        table: sorted(
            (tuple(sorted((k, v) for k, v in row.items() if k not in TIME_COLUMNS))
             for row in rows(database, f"SELECT * FROM {table}")),
            key=repr,
        )
        for table in TABLES
    }


def paths(requests):
    return [r["path"] for r in requests]


def test_first_harvest_stores_every_listing_and_release(module_sandbox, module_db):
    since = len(module_sandbox.log())
    result = crawl("seller_inventory", module_sandbox, module_db, "seller=brotherlogic")
    assert result.returncode == 0, result.stderr[-3000:]

    listings = recorded_listings()
    releases = {listing["release"]["id"] for listing in listings}
    assert (len(listings), len(releases)) == (322, 320)
    spent = paths(api_requests(module_sandbox, since))
    assert sum(p.endswith("/inventory") for p in spent) == 4
    assert sorted(p for p in spent if p.startswith("/releases/")) == sorted(f"/releases/{r}" for r in releases)
    assert len(spent) == 4 + 320

    stored = {row["listing_id"]: row for row in rows(module_db, "SELECT * FROM collection_items")}
    assert len(stored) == 322
    assert len(rows(module_db, "SELECT * FROM albums")) == 320
    (seller,) = rows(module_db, "SELECT * FROM sellers")
    assert (seller["id"], seller["username"]) == (150295, "BrotherLogic")
    for listing in listings:
        row = stored[listing["id"]]
        assert row["album_id"] == str(listing["release"]["id"])
        assert row["seller_id"] == 150295
        assert (row["price"], row["currency"]) == (listing["price"]["value"], listing["price"]["currency"])
        assert row["condition"] == listing["condition"]
        assert row["sleeve_condition"] == (listing["sleeve_condition"] or None) or row["sleeve_condition"] == ""
        assert (row["notes"] or "") == html.unescape(listing["comments"])
        assert row["item_url"] == listing["uri"]
        assert row["is_available"] == 1
        assert row["is_new"] == (listing["condition"] == "Mint (M)")
        assert row["posted"] == utc_timestamp(listing["posted"])  # one timestamp form, UTC
        assert row["ships_from"] == listing["ships_from"]


def test_second_identical_run_spends_only_the_inventory_pages(module_sandbox, module_db):
    before = snapshot(module_db)
    since = len(module_sandbox.log())
    result = crawl("seller_inventory", module_sandbox, module_db, "seller=brotherlogic")
    assert result.returncode == 0, result.stderr[-3000:]
    spent = paths(api_requests(module_sandbox, since))
    assert spent == ["/users/brotherlogic/inventory"] * 4
    assert snapshot(module_db) == before


def test_third_run_marks_dropped_listings_and_updates_changed_prices(module_sandbox, module_db):
    listings = recorded_listings()
    dropped = [listings[5]["id"], listings[150]["id"], listings[321]["id"]]
    repriced = {listings[0]["id"]: 99.99, listings[200]["id"]: 1.25}
    module_sandbox.mutate("brotherlogic", drop=dropped, reprice={str(k): v for k, v in repriced.items()})
    before = {r["listing_id"]: r for r in rows(module_db, "SELECT * FROM collection_items")}

    result = crawl("seller_inventory", module_sandbox, module_db, "seller=brotherlogic")
    assert result.returncode == 0, result.stderr[-3000:]

    after = {r["listing_id"]: r for r in rows(module_db, "SELECT * FROM collection_items")}
    assert set(after) == set(before)  # never deleted
    assert sorted(i for i, r in after.items() if not r["is_available"]) == sorted(dropped)
    changed = sorted(i for i in after if after[i]["price"] != before[i]["price"])
    assert changed == sorted(repriced)
    assert all(after[i]["price"] == price for i, price in repriced.items())


def test_unknown_seller_is_one_line_and_a_failure_exit(module_sandbox, tmp_path):
    result = crawl("seller_inventory", module_sandbox, tmp_path / "x.db", "seller=no-such-seller-here")
    assert result.returncode != 0
    assert len(result.error_lines) == 1
    assert "no-such-seller-here" in result.error_lines[0] and "not found" in result.error_lines[0]


def test_refused_token_is_one_line_and_a_failure_exit(module_sandbox, tmp_path):
    result = crawl("seller_inventory", module_sandbox, tmp_path / "x.db", "seller=brotherlogic", token="wrong")
    assert result.returncode != 0
    assert len(result.error_lines) == 1 and "credentials" in result.error_lines[0]
    assert "wrong" not in result.stderr  # the token itself is never printed


@pytest.mark.parametrize("seller", ["two words", "https://www.discogs.com/release/249504"])
def test_malformed_seller_is_one_line_before_any_request(module_sandbox, tmp_path, seller):
    since = len(module_sandbox.log())
    result = crawl("seller_inventory", module_sandbox, tmp_path / "x.db", f"seller={seller}")
    assert result.returncode == 2
    assert len(result.error_lines) == 1 and "seller" in result.error_lines[0]
    assert api_requests(module_sandbox, since) == []
