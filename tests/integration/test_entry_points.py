"""The list spiders against the sandbox, through the project's ``crawl`` command (few crawls, each
doing much): lists paged completely, releases fetched at most once across spiders, a second run
spending list pages only, and the one-line failures. The crawls run in this process
(tests/integration/inprocess.py); the page failing every retry and one failure of each exit status
run ``scrapy crawl`` as a subprocess, so the status is the one the shell sees."""

import csv
import json

import pytest

from discogs_harvest.sandbox import generator as gen
from discogs_harvest.sandbox.process import SandboxProcess
from tests.integration.crawling import api_requests, rows
from tests.integration.crawling import crawl as subprocess_crawl
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = pytest.mark.timeout(240)

# Room for a thousand-page run; pacing is not what these tests are about.
FAST = {"DISCOGS_RATE_LIMIT": "100000", "DISCOGS_PER_PAGE": "100"}


@pytest.fixture(scope="module")
def roomy():
    with SandboxProcess("--limit-auth", "100000", "--limit-anon", "100000") as sandbox:
        yield sandbox


def paths(sandbox, since):
    return [r["path"] for r in api_requests(sandbox, since)]


def release_paths(requests):
    return {int(p.rsplit("/", 1)[1]) for p in requests if p.startswith("/releases/")}


def test_collection_after_a_seller_fetches_only_the_releases_the_seller_did_not_have(roomy, tmp_path):
    database = tmp_path / "h.db"
    seller = crawl("seller_inventory", roomy, database, "seller=synthetic-100-100", settings=FAST)
    assert seller.returncode == 0, seller.stderr[-2000:]
    had = {r["release_id"] for r in rows(database, "SELECT release_id FROM collection_items")}
    assert had == set(range(gen.SYNTHETIC_BASE, gen.SYNTHETIC_BASE + 100))

    since = roomy.log()[-1]["seq"] if roomy.log() else 0
    feed = tmp_path / "collection.csv"
    result = crawl("collection", roomy, database, "user=synthetic-150", settings=FAST, feed=feed)
    assert result.returncode == 0, result.stderr[-2000:]
    instances = rows(database, "SELECT * FROM collection_items WHERE collection_id = 'collection:synthetic-150/0'")
    assert len(instances) == 150 == len({r["instance_id"] for r in instances})  # the pagination total
    owned = {r["release_id"] for r in instances}
    requested = paths(roomy, since)
    assert release_paths(requested) == owned - had  # each release fetched once across both spiders
    assert sum(p.startswith("/users/") for p in requested) == 2  # 150 instances, 100 a page
    assert all(r["album_id"] == str(r["release_id"]) for r in instances)  # linked to the stored albums
    with feed.open(encoding="utf-8") as f:
        fed = list(csv.DictReader(f))
    assert len(fed) == 150 and list(fed[0])[:4] == ["collection_id", "instance_id", "folder_id", "release_id"]

    since = roomy.log()[-1]["seq"]
    tracks = tmp_path / "tracks.json"
    again = crawl("collection", roomy, database, "user=synthetic-150", "feed=tracks", settings=FAST, feed=tracks)
    assert again.returncode == 0, again.stderr[-2000:]
    assert paths(roomy, since) == ["/users/synthetic-150/collection/folders/0/releases"] * 2  # list pages only
    # Every release is fresh now: its tracks reach the feed from the database, with no request.
    playable = rows(database, "SELECT album_id, sequence FROM tracks WHERE type = 'track'")
    fed = json.loads(tracks.read_text(encoding="utf-8"))
    assert {(str(r["release_id"]), r["sequence"]) for r in fed} == {(r["album_id"], r["sequence"]) for r in playable}
    assert {r["release_id"] for r in fed} == owned
    assert rows(database, "SELECT COUNT(*) AS n FROM collection_items")[0]["n"] == 100 + 150


def test_a_collection_folder_given_by_name(roomy, tmp_path):
    database = tmp_path / "h.db"
    result = crawl("discogs", roomy, database, "url=https://www.discogs.com/user/synthetic-10/collection?folder=Keepers",
                   "enrich=0", settings=FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    instances = rows(database, "SELECT collection_id, folder_id FROM collection_items")
    assert instances == [{"collection_id": "collection:synthetic-10/2", "folder_id": 2}] * 5


def test_a_label_of_1200_releases_is_paged_completely_list_only(roomy, tmp_path):
    database = tmp_path / "h.db"
    since = roomy.log()[-1]["seq"] if roomy.log() else 0
    result = crawl("label", roomy, database, "id=2000001200", "enrich=0", settings=FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    entries = rows(database, "SELECT * FROM entity_releases WHERE source = 'label' AND source_id = 2000001200")
    assert len(entries) == 1200 == len({r["item_id"] for r in entries})  # equals pagination.items
    (label,) = rows(database, "SELECT * FROM labels")
    assert label["name"] == "Synthetic Label 1200" and label["parent_label_name"] == "Planet E"
    requested = paths(roomy, since)
    assert requested.count("/labels/2000001200/releases") == 12 and requested.count("/labels/2000001200") == 1
    assert not release_paths(requested)  # enrich=0: pages only

    since = roomy.log()[-1]["seq"]
    again = crawl("label", roomy, database, "id=2000001200", "enrich=0", settings=FAST)
    assert again.returncode == 0, again.stderr[-2000:]
    assert paths(roomy, since) == ["/labels/2000001200/releases"] * 12  # the label is fresh: list pages only
    assert rows(database, "SELECT COUNT(*) AS n FROM entity_releases")[0]["n"] == 1200


def test_recorded_artist_with_its_masters_enriched_and_market_figures(roomy, tmp_path):
    database = tmp_path / "h.db"
    since = roomy.log()[-1]["seq"] if roomy.log() else 0
    result = crawl("discogs", roomy, database, "url=https://www.discogs.com/artist/6418741-DJ-Healer", "market=1",
                   settings=FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    (artist,) = rows(database, "SELECT * FROM artists")
    assert artist["name"] == "Dj Healer"  # as recorded
    entries = rows(database, "SELECT * FROM entity_releases ORDER BY item_id")
    assert {(e["item_type"], e["role"]) for e in entries} == {("master", "Main"), ("release", "TrackAppearance"),
                                                              ("master", "UnofficialRelease")}
    enriched = {e["release_id"] for e in entries}
    assert release_paths(paths(roomy, since)) == enriched  # a master through its main release
    assert {int(a["discogs_release_id"]) for a in rows(database, "SELECT discogs_release_id FROM albums")} == enriched
    stats = rows(database, "SELECT * FROM marketplace_stats")
    assert {s["release_id"] for s in stats} == enriched and all(s["taken_at"] for s in stats)
    assert {s["release_id"] for s in rows(database, "SELECT DISTINCT release_id FROM price_suggestions")} == enriched


def test_listing_outcomes_and_search_cap(roomy, tmp_path):
    database = tmp_path / "h.db"
    feed = tmp_path / "listings.csv"
    result = crawl("listing", roomy, database, "ids=2218783261,647415422", "enrich=0", feed=feed, settings=FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    with feed.open(encoding="utf-8") as f:
        outcomes = {row["listing_id"]: row["outcome"] for row in csv.DictReader(f)}
    assert outcomes == {"2218783261": "stored", "647415422": "gone"}
    assert rows(database, "SELECT listing_id FROM collection_items") == [{"listing_id": 2218783261}]

    # Discogs' cap is 10,000 results (tests/sandbox/test_lists.py); 300 here does the same in 3 pages.
    roomy.configure(search_cap=300)
    try:
        result = crawl("search", roomy, database, "q=synthetic-450", "enrich=0", settings=FAST, log_level="WARNING")
    finally:
        roomy.configure(search_cap=10_000)
    assert result.returncode == 0, result.stderr[-2000:]
    assert rows(database, "SELECT COUNT(*) AS n FROM search_results")[0]["n"] == 300
    assert "has 450 results; Discogs serves only the first 300" in result.stderr


# The last field: run as a ``scrapy crawl`` process (one case of each exit status, as the shell sees
# it), or the same crawl command in this process.
@pytest.mark.parametrize("spider, args, token, status, words, as_process", [
    ("search", ["q=healer"], "", 4, "Discogs search needs credentials", True),
    ("collection", ["user=private-5"], "sandbox-token", 4, "is private", False),
    ("discogs", ["url=https://www.discogs.com/user/private-5/collection"], "sandbox-token", 4, "DISCOGS_TOKEN",
     False),
    ("wantlist", ["user=nobody-at-all"], "sandbox-token", 3, "not found", True),
    ("discogs", ["url=https://www.discogs.com/forum/thread/1"], "sandbox-token", 2, "supported", False),
    ("collection", ["user=synthetic-10", "folder=Nope"], "sandbox-token", 2, "no collection folder named 'Nope'",
     True),
])
def test_failures_are_one_line_with_their_exit_status(roomy, tmp_path, spider, args, token, status, words,
                                                      as_process):
    run = subprocess_crawl if as_process else crawl
    result = run(spider, roomy, tmp_path / "h.db", *args, token=token, settings=FAST)
    assert result.returncode == status, result.stderr[-2000:]
    assert len(result.error_lines) == 1 and words in result.error_lines[0]


def test_market_figures_on_the_release_spider(roomy, tmp_path):
    database = tmp_path / "h.db"
    result = crawl("release", roomy, database, "ids=249504,1161277", "market=1", settings=FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    stats = {s["release_id"]: s for s in rows(database, "SELECT * FROM marketplace_stats")}
    assert set(stats) == {249504, 1161277} and all(s["taken_at"] for s in stats.values())
    suggestions = rows(database, "SELECT DISTINCT release_id FROM price_suggestions")
    assert {s["release_id"] for s in suggestions} == {249504, 1161277}
    bad = crawl("release", roomy, database, "ids=249504", "market=maybe", settings=FAST)
    assert bad.returncode == 2 and bad.error_lines == ["error: market must be 1 or 0, not 'maybe'"]


def test_a_page_that_fails_every_retry_keeps_what_was_stored_and_exits_5(roomy, tmp_path):
    database = tmp_path / "h.db"
    roomy.faults(error_rate=1.0, error_codes=[503], path_regex="^/users/synthetic-250/wants$",
                 query_regex="(^|&)page=2(&|$)")
    try:
        result = subprocess_crawl("wantlist", roomy, database, "user=synthetic-250", "enrich=0",
                       settings={**FAST, "DISCOGS_RETRY_TIMES": "2", "DISCOGS_RETRY_BACKOFF_BASE": "0.05",
                                 "DISCOGS_RETRY_BACKOFF_MAX": "0.2"})
    finally:
        roomy.faults()
    assert result.returncode == 5, result.stderr[-2000:]
    assert len(result.error_lines) == 1 and "incomplete" in result.error_lines[0]
    assert rows(database, "SELECT COUNT(*) AS n FROM wants")[0]["n"] == 100  # page 1 kept
