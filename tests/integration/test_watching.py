"""Watching sellers, crawled against the sandbox: the record of change over three runs, quick mode,
keeper filters, and a seller past the page cap.

The sandbox keeps its own journal of what it changed (``GET /_sandbox/sellers/<name>/changes``);
the ``listing_events`` of each run are compared with the part of it made since the run before.
"""

import html
import json
import sys
from urllib.parse import parse_qs

import pytest

from discogs_harvest.filters import split_values
from discogs_harvest.keepers import parse_keepers
from discogs_harvest.loaders import load_listing
from discogs_harvest.sandbox.catalog import Catalog
from discogs_harvest.sandbox.process import SandboxProcess
from tests import forkserver
from tests.integration.conftest import FAST_SANDBOX
from tests.integration.crawling import ROOT, api_requests, rows
from tests.integration.inprocess import crawl_in_process as crawl

SELLER = "synthetic-300-60"
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    """A sandbox of its own (journals are per process) and the database three runs share."""
    with SandboxProcess(*FAST_SANDBOX) as sandbox:
        yield sandbox, tmp_path_factory.mktemp("watch") / "discogs.db"


def last_seq(sandbox):
    log = sandbox.log()
    return log[-1]["seq"] if log else 0


def run(sandbox, database, *args, settings=None):
    result = crawl("seller_inventory", sandbox, database, f"seller={SELLER}", *args, settings=settings)
    assert result.returncode == 0, result.stderr[-3000:]
    return rows(database, "SELECT max(id) AS id FROM harvest_runs")[0]["id"]


def events_of(database, run_id):
    """The run's events in the sandbox journal's words: (kind, listing id, old, new, currency)."""
    found = []
    for e in rows(database, "SELECT * FROM listing_events WHERE run_id = ? ORDER BY id", run_id):
        if e["kind"] == "price":
            found.append(("price", e["listing_id"], e["old_price"], e["new_price"], e["new_currency"]))
        elif e["kind"] in ("condition", "comment"):
            found.append((e["kind"], e["listing_id"], e["old_value"], e["new_value"], None))
        else:
            found.append((e["kind"], e["listing_id"], None, None, None))
    return sorted(found, key=repr)


def journal(changes):
    """The journal's changes as events: comments as stored (HTML entities decoded)."""
    text = lambda v: html.unescape(v) if isinstance(v, str) else v  # noqa: E731
    return sorted(((c["kind"], c["listing_id"], text(c["old"]), text(c["new"]), c["currency"]) for c in changes),
                  key=repr)


def test_three_runs_record_exactly_the_changes_the_sandbox_made(watched):
    sandbox, database = watched
    first = run(sandbox, database)
    ids = [r["listing_id"] for r in rows(database, "SELECT listing_id FROM collection_items ORDER BY listing_id")]
    assert events_of(database, first) == sorted((("new", i, None, None, None) for i in ids), key=repr)

    # Between runs 1 and 2: removals, price changes, a condition and a comment, new arrivals.
    sandbox.mutate(SELLER, drop=ids[10:13], reprice={str(ids[20]): 3.5, str(ids[21]): 99.0},
                   recondition={str(ids[30]): "Good Plus (G+)"}, comment={str(ids[31]): "Corner bump"}, add=2)
    made = sandbox.changes(SELLER)
    # Releases refetched whatever their age: the history must not grow with unchanged figures.
    second = run(sandbox, database, settings={"STALENESS_MAX_AGE_DAYS": "0"})
    assert events_of(database, second) == journal(made)

    # Between runs 2 and 3: two removed listings come back, one is repriced again, one leaves.
    sandbox.mutate(SELLER, restore=ids[10:12], reprice={str(ids[20]): 4.25}, drop=[ids[40]])
    later = sandbox.changes(SELLER)[len(made):]
    third = run(sandbox, database)
    assert events_of(database, third) == journal(later)
    assert {kind for kind, *_ in journal(made + later)} == {"new", "price", "condition", "comment", "gone", "back"}

    # Each release's figures once: they never changed, though run 2 fetched every release again.
    history = rows(database, "SELECT release_id, count(*) AS n FROM release_stats_history GROUP BY release_id")
    stored = rows(database, "SELECT count(*) AS n FROM albums")[0]["n"]
    assert len(history) == stored and {r["n"] for r in history} == {1}

    # `scrapy changes` feeds what the latest run recorded.
    out = database.parent / "changes.json"
    done = forkserver.run([sys.executable, "-m", "scrapy", "changes", SELLER, "-O", str(out), "-s",
                           f"DATABASE_URL=sqlite:///{database}"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    fed = json.loads(out.read_text())
    assert sorted((e["kind"], e["listing_id"]) for e in fed) == sorted((k, i) for k, i, *_ in journal(later))
    assert f"{len(later)} changes of {SELLER} in its latest run" in done.stderr


def test_quick_mode_after_37_new_listings_spends_their_pages_plus_one(watched):
    sandbox, database = watched
    before = {r["listing_id"] for r in rows(database, "SELECT listing_id FROM collection_items")}
    available = rows(database, "SELECT count(*) AS n FROM collection_items WHERE is_available")[0]["n"]
    sandbox.mutate(SELLER, add=37)
    since = last_seq(sandbox)
    quick = run(sandbox, database, "quick=1")
    pages = [r for r in api_requests(sandbox, since) if r["path"].endswith("/inventory")]
    # Newest first: page 1 holds the 37 and 63 known ones, page 2 only known ones.
    assert [parse_qs(r["query"])["page"] for r in pages] == [["1"], ["2"]]
    assert all(parse_qs(r["query"])["sort_order"] == ["desc"] for r in pages)
    after = {r["listing_id"] for r in rows(database, "SELECT listing_id FROM collection_items")}
    added = sandbox.changes(SELLER)[-37:]
    assert after - before == {c["listing_id"] for c in added} and len(after - before) == 37
    assert sorted(e[1] for e in events_of(database, quick)) == sorted(after - before)
    # Nothing is marked unavailable by a quick run (it cannot see removals).
    assert rows(database, "SELECT count(*) AS n FROM collection_items WHERE is_available")[0]["n"] == available + 37


def test_a_keeper_filtered_harvest_fetches_only_the_releases_of_listings_that_passed(watched, tmp_path):
    sandbox, _ = watched
    seller, arguments = "synthetic-2000-2000", {"min_condition": "VG+", "price_max": "20", "format": "LP"}
    catalog, keeper = Catalog(), parse_keepers(split_values("LP"), min_condition="VG+", price_max="20")[0]
    order = catalog.seller(seller).order()
    listings = [load_listing(catalog.seller(seller).listing(i)) for i in order]
    passing = [listing for listing in listings if keeper.matches(listing)]
    assert 0 < len(passing) < len(listings) / 3  # the filters bite
    since = last_seq(sandbox)
    result = crawl("seller_inventory", sandbox, tmp_path / "k.db", f"seller={seller}",
                   *(f"{name}={value}" for name, value in arguments.items()))
    assert result.returncode == 0, result.stderr[-3000:]
    fetched = {int(r["path"].rsplit("/", 1)[1]) for r in api_requests(sandbox, since) if r["path"].startswith("/releases/")}
    # The request log: a release was asked for only when one of its listings passed.
    assert fetched == {listing.release_id for listing in passing}
    stored = {r["listing_id"] for r in rows(tmp_path / "k.db", "SELECT listing_id FROM collection_items")}
    assert stored == {listing.listing_id for listing in passing}


def test_past_the_cap_further_sort_orders_reach_every_listing_and_prove_the_union(watched, tmp_path):
    """10 listings a page make the cap 1,000 listings: listed desc then reaches the rest."""
    sandbox, _ = watched
    seller = "synthetic-1500-40"
    result = crawl("seller_inventory", sandbox, tmp_path / "w.db", f"seller={seller}",
                   settings={"DISCOGS_PER_PAGE": "10"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "1500 of 1500 listings seen (100.00 %) with 150 requests" in result.stderr
    assert rows(tmp_path / "w.db", "SELECT count(*) AS n FROM collection_items")[0]["n"] == 1500
    assert "1 sellers with a complete inventory" in result.stderr
