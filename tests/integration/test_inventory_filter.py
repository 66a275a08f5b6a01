"""Client-side style filter on a synthetic seller, checked against what the sandbox serves.

The seller is harvested in full once for the module (``harvested``, with its JSON feed); tests that
need a database already holding every listing and release start from a copy of it, instead of a
full harvest of their own each (issue 12: four fewer harvests of 600 listings and 300 releases).
"""

import csv
import json
import shutil
import urllib.request
from collections import Counter

import pytest

from discogs_harvest.items import LISTING_FEED_FIELDS
from discogs_harvest.sandbox.process import SandboxProcess
from tests.integration.crawling import TOKEN, api_requests, rows
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = pytest.mark.timeout(240)

SELLER = "synthetic-600-300"


def get(sandbox, path):
    request = urllib.request.Request(sandbox.url + path, headers={
        "User-Agent": "discogs-harvest-tests/1.0", "Authorization": f"Discogs token={TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def sandbox():
    # Room for the test's own look-ups as well as the harvester's requests.
    with SandboxProcess("--window", "1", "--limit-auth", "5000") as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def truth(sandbox):
    """Every listing of the seller and every release's styles, read straight from the sandbox."""
    listings, page = [], 1
    while True:
        data = get(sandbox, f"/users/{SELLER}/inventory?per_page=100&page={page}")
        listings += data["listings"]
        if "next" not in data["pagination"]["urls"]:
            break
        page += 1
    release_ids = list(dict.fromkeys(l["release"]["id"] for l in listings))
    styles = {r: get(sandbox, f"/releases/{r}").get("styles", []) for r in release_ids}
    return listings, release_ids, styles


@pytest.fixture(scope="module")
def harvested(sandbox, truth, tmp_path_factory):
    """The seller harvested in full into a fresh database, with a JSON feed: (database, feed)."""
    folder = tmp_path_factory.mktemp("harvested")
    database, feed = folder / "all.db", folder / "all.json"
    result = crawl("seller_inventory", sandbox, database, f"seller={SELLER}", feed=feed)
    assert result.returncode == 0, result.stderr[-3000:]
    return database, feed


def copy_of(harvested, path):
    """A copy of the harvested database (closed cleanly by its crawl: no -wal file to carry along)."""
    shutil.copyfile(harvested[0], path)
    return path


def test_style_filter_keeps_exactly_the_matching_listings(sandbox, truth, tmp_path):
    listings, release_ids, styles = truth
    style, _ = Counter(s for r in release_ids for s in styles[r]).most_common(2)[1]
    expected = sorted(l["id"] for l in listings if style in styles[l["release"]["id"]])
    assert 0 < len(expected) < len(listings)
    database = tmp_path / "filter.db"

    already = release_ids[:15]  # stored beforehand, so fresh: never fetched again
    assert crawl("release", sandbox, database, "ids=" + ",".join(map(str, already))).returncode == 0

    since = len(sandbox.log())
    feed = tmp_path / "listings.json"
    result = crawl("seller_inventory", sandbox, database, f"seller={SELLER}", f"style={style.upper()}", feed=feed)
    assert result.returncode == 0, result.stderr[-3000:]

    exported = json.loads(feed.read_text(encoding="utf-8"))
    assert sorted(item["listing_id"] for item in exported) == expected
    assert all(list(item) == LISTING_FEED_FIELDS for item in exported)
    assert all(style in item["styles"] for item in exported)
    spent = [r["path"] for r in api_requests(sandbox, since)]
    assert sum(p.startswith("/releases/") for p in spent) == len(release_ids) - len(already)
    assert sum(p.endswith("/inventory") for p in spent) == 6


def test_csv_feed_has_the_documented_columns(sandbox, truth, harvested, tmp_path):
    feed = tmp_path / "listings.csv"
    # Every listing again, its releases already stored: the feed is written the same either way.
    result = crawl("seller_inventory", sandbox, copy_of(harvested, tmp_path / "csv.db"), f"seller={SELLER}",
                   feed=feed)
    assert result.returncode == 0, result.stderr[-3000:]
    with feed.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == LISTING_FEED_FIELDS
        exported = list(reader)
    assert len(exported) == len(truth[0])


def test_unfiltered_feed_carries_every_listings_genres_and_styles(truth, harvested):
    listings, _, styles = truth
    _, feed = harvested  # the first harvest of the seller: every release fetched
    exported = {item["listing_id"]: item for item in json.loads(feed.read_text(encoding="utf-8"))}
    assert len(exported) == len(listings)
    for listing in listings:
        assert exported[listing["id"]]["styles"] == styles[listing["release"]["id"]]
        assert exported[listing["id"]]["genres"]  # every synthetic release has genres


def test_a_run_stopped_by_the_page_cap_marks_nothing_unavailable(sandbox, truth, harvested, tmp_path):
    database = copy_of(harvested, tmp_path / "cap.db")
    since = len(sandbox.log())
    result = crawl("seller_inventory", sandbox, database, f"seller={SELLER}", "max_pages=2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Stopping at page 2 of 6" in result.stderr
    spent = [r["path"] for r in api_requests(sandbox, since)]
    assert sum(p.endswith("/inventory") for p in spent) == 2
    assert rows(database, "SELECT COUNT(*) AS n FROM collection_items WHERE is_available = 0") == [{"n": 0}]


@pytest.mark.parametrize("argument", ["format=Vinyl", "genre=Jazz,Latin"])
def test_a_filter_decides_alike_from_stored_and_from_fetched_releases(sandbox, harvested, tmp_path, argument):
    """"Vinyl" is only in the release's format ("Vinyl, LP, Album"), never in a listing's ("LP")."""
    fetched_feed, stored_feed = tmp_path / "fetched.json", tmp_path / "stored.json"
    result = crawl("seller_inventory", sandbox, tmp_path / "fetched.db", f"seller={SELLER}", argument,
                   feed=fetched_feed)
    assert result.returncode == 0, result.stderr[-3000:]

    warm = copy_of(harvested, tmp_path / "warm.db")
    since = len(sandbox.log())
    result = crawl("seller_inventory", sandbox, warm, f"seller={SELLER}", argument, feed=stored_feed)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not [r for r in api_requests(sandbox, since) if r["path"].startswith("/releases/")]

    def listing_ids(feed):
        return sorted(item["listing_id"] for item in json.loads(feed.read_text(encoding="utf-8")))

    assert listing_ids(stored_feed) == listing_ids(fetched_feed)
    assert listing_ids(fetched_feed)  # the filter matched something
