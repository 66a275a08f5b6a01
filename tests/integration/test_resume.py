"""SIGKILL a harvest at several moments, run it again: it carries on and ends like a clean run.

What the killed run stored is not fetched again (inventory pages are replayed from their
checkpoint, stored releases are fresh), a crash never marks listings unavailable, and the
final rows equal those of an uninterrupted run.
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import zlib

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from discogs_harvest.spiders import seller_inventory
from discogs_harvest.spiders.ahead import PagesBehind
from tests import forkserver
from tests.integration.crawling import ROOT, TOKEN, api_requests, kill_when, logical_snapshot, rows
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = pytest.mark.timeout(300)

SELLER = "synthetic-700-300"
PAGES = 7
# A listing the seller has sold since an earlier harvest: only a finished run may mark it.
SOLD = {"listing_id": 1, "collection_id": f"inventory:{SELLER}", "is_available": 1, "is_new": 0,
        "first_seen_at": "2026-01-01 00:00:00", "last_seen_at": "2026-01-01 00:00:00"}
SETTINGS = {"STORAGE_FLUSH_INTERVAL": "0.2", "LOG_LEVEL": "DEBUG"}
RESUMED_AGENT = "discogs-harvest-resumed/1.0 +https://github.com/discogs-harvest/discogs-harvest"
PIPELINES = {
    "discogs_harvest.pipelines.dedup.DedupPipeline": 100,
    "discogs_harvest.pipelines.staleness.StalenessPipeline": 200,
    "discogs_harvest.pipelines.normalise.NormalisePipeline": 300,
    "tests.integration.pausing_storage.PausingStoragePipeline": 400,
}


@pytest.fixture(scope="module")
def sandbox():
    with SandboxProcess("--window", "1", "--limit-auth", "1000") as sandbox:
        # Slow inventory pages, so that a kill can land while the harvest is still paging.
        sandbox.faults(slow_rate=1.0, slow_seconds=0.25, path_regex="/inventory$")
        yield sandbox


def prepared_database(path):
    from discogs_harvest.database import open_database

    open_database(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        columns = ", ".join(SOLD)
        connection.execute(f"INSERT INTO collection_items ({columns}) VALUES ({', '.join('?' * len(SOLD))})",
                           list(SOLD.values()))
    return path


@pytest.fixture(scope="module")
def reference(sandbox, tmp_path_factory):
    database = prepared_database(tmp_path_factory.mktemp("reference") / "clean.db")
    result = crawl("seller_inventory", sandbox, database, f"seller={SELLER}", settings={"DISCOGS_RATE_LIMIT": "500"})
    assert result.returncode == 0, result.stderr[-3000:]
    clean = state(database)
    pages = [zlib.decompress(row["body"]).decode("utf-8")
             for row in rows(database, "SELECT body FROM raw_bodies WHERE resource = 'inventory_page'")]
    assert len(pages) == PAGES and len(clean["listing bodies"]) == 700
    # Each listing is kept as the text it came in, not re-encoded (discogs_harvest/pagetext.py).
    assert all(any(body in page for page in pages) for body in clean["listing bodies"].values())
    return clean


def state(database):
    """The contract rows (logical_snapshot) and each listing's kept body, as text: a resumed run
    keeps the same bytes as a clean one (both read a listing's text from its kept page)."""
    bodies = {row["resource_id"]: zlib.decompress(row["body"]).decode("utf-8")
              for row in rows(database, "SELECT resource_id, body FROM raw_bodies WHERE resource = 'listing'")}
    return {**logical_snapshot(database), "listing bodies": bodies}


def start_and_kill(sandbox, database, kill_when_line, settings, ready=None):
    """Start the harvest, SIGKILL it at the first stderr line for which ``kill_when_line`` is
    true (and once ``ready``, SQL, finds a row: storage commits on a thread of its own)."""
    command = [sys.executable, "-m", "scrapy", "crawl", "seller_inventory", "-a", f"seller={SELLER}"]
    merged = {"DISCOGS_API_URL": sandbox.url, "DATABASE_URL": f"sqlite:///{database}", "DISCOGS_RATE_PERIOD": "1",
              "DISCOGS_RATE_LIMIT": "200", "JSONRPC_ENABLED": "0", **SETTINGS, **settings}
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    env = {**os.environ, "DISCOGS_TOKEN": TOKEN}
    process = forkserver.popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               text=True)
    killed = kill_when(process, kill_when_line, database, ready)
    assert killed and process.returncode == -signal.SIGKILL, "the harvest ended before the kill point"


def counter(pattern, threshold):
    """True from the ``threshold``-th stderr line that ``pattern`` (a regular expression) finds."""
    seen = []
    search = re.compile(pattern).search

    def reached(line):
        if search(line):
            seen.append(line)
        return len(seen) >= threshold

    return reached


KILL_POINTS = {
    # After the 4th inventory page arrived: some pages checkpointed, no release fetched yet.
    "paging": (counter(r"Crawled \(200\) <GET", 4), {}, None),
    # After 120 release responses: part of the releases stored (one at least: committed on
    # storage's writer thread, perhaps after more answers were logged). Only Scrapy's "Crawled"
    # lines count: a listing's DEBUG "Scraped from" line names its release URL too, so counting
    # every line that does killed the run while it was still paging.
    "releases": (counter(r"Crawled \(200\) <GET \S+/releases/\d+[?>]", 120), {}, "SELECT 1 FROM albums"),
    # Inside the storage transaction that writes the first releases, before its commit.
    "transaction": (lambda line: "PAUSED IN TRANSACTION" in line, {"ITEM_PIPELINES": json.dumps(PIPELINES)}, None),
}


@pytest.mark.parametrize("moment", sorted(KILL_POINTS))
def test_killed_harvest_resumes_and_ends_like_a_clean_run(sandbox, reference, tmp_path, moment):
    database = prepared_database(tmp_path / "killed.db")
    kill_when_line, settings, ready = KILL_POINTS[moment]
    start_and_kill(sandbox, database, kill_when_line, settings, ready)

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    sold = rows(database, "SELECT is_available FROM collection_items WHERE listing_id = 1")
    assert sold == [{"is_available": 1}], "a crash must never mark listings unavailable"
    pages_kept = {r["page"] for r in rows(database, "SELECT page FROM inventory_pages")}
    assert pages_kept == set(range(1, len(pages_kept) + 1))
    albums_kept = {int(r["discogs_release_id"]) for r in rows(database, "SELECT discogs_release_id FROM albums")}
    if moment == "releases":
        assert 0 < len(albums_kept) < 300, "the kill was to land while releases were being stored"

    since = len(sandbox.log())
    # Its own User-Agent: the killed run's last request (the next page, asked for while a page was
    # going out) may still be waiting on the slow sandbox, which logs it when it answers.
    result = crawl("seller_inventory", sandbox, database, f"seller={SELLER}",
                   settings={"DISCOGS_RATE_LIMIT": "500", "DISCOGS_USER_AGENT": RESUMED_AGENT})
    assert result.returncode == 0, result.stderr[-3000:]
    spent = [r["path"] for r in api_requests(sandbox, since) if r["user_agent"] == RESUMED_AGENT]
    assert sum(p.endswith("/inventory") for p in spent) == PAGES - len(pages_kept)
    refetched = {int(p.rsplit("/", 1)[1]) for p in spent if p.startswith("/releases/")} & albums_kept
    assert refetched == set(), "releases stored before the kill were fetched again"
    assert sum(p.startswith("/releases/") for p in spent) == 300 - len(albums_kept)

    assert state(database) == reference
    assert rows(database, "SELECT is_available FROM collection_items WHERE listing_id = 1") == [{"is_available": 0}]
    assert rows(database, "SELECT COUNT(*) AS n FROM inventory_pages") == [{"n": 0}]  # checkpoint consumed


# --- pages paged ahead of their listings -------------------------------------------------------

# The budget lifted: pages come as fast as the sandbox answers, faster than their listings are
# worked off, so paging runs ahead and the listings wait until it is over (spiders/ahead.py).
UNBUDGETED = {"DISCOGS_BUDGET_ENABLED": "0", "LOG_LEVEL": "DEBUG"}


@pytest.fixture(scope="module")
def fast_sandbox():
    with SandboxProcess("--window", "1", "--limit-auth", "1000") as sandbox:
        yield sandbox


def inventory_pages_requested(sandbox, since):
    """Page numbers of the inventory requests the sandbox answered since ``since``, in order."""
    return [int(re.search(r"(?:^|&)page=(\d+)", r["query"]).group(1))
            for r in api_requests(sandbox, since) if r["path"].endswith("/inventory")]


def kept_listings(database, pages):
    """Listing ids on the kept bodies of ``pages``."""
    ids = set()
    for page in pages:
        [row] = rows(database, "SELECT body FROM raw_bodies WHERE resource = 'inventory_page' AND resource_id = ?",
                     f"{SELLER}/For Sale/{page}")
        ids |= {listing["id"] for listing in json.loads(zlib.decompress(row["body"]))["listings"]}
    return ids


class Lagging(PagesBehind):
    """Listing work that lags behind paging however loaded this machine is: one page's work is
    taken to cost a minute until one was timed, so none goes out while pages keep coming."""

    def __init__(self):
        super().__init__(first_cost=60.0)


def test_pages_kept_ahead_of_their_listings_are_replayed_not_fetched_again(fast_sandbox, reference, tmp_path,
                                                                           monkeypatch):
    """Closed by the engine once four pages were answered (CLOSESPIDER_PAGECOUNT: engine.close_spider,
    as Ctrl-C or a JSON-RPC close_spider closes it; what is in flight is handled, nothing more
    is requested) while paging ran ahead of the listings: the resume sends the kept pages'
    listings from their bodies and fetches only the pages never answered."""
    database = prepared_database(tmp_path / "ahead.db")
    since = len(fast_sandbox.log())
    with monkeypatch.context() as patched:  # in this process: the crawl builds its PagesBehind from here
        patched.setattr(seller_inventory, "PagesBehind", Lagging)
        result = crawl("seller_inventory", fast_sandbox, database, f"seller={SELLER}",
                       settings={**UNBUDGETED, "CLOSESPIDER_PAGECOUNT": "4"})
    assert "closespider_pagecount" in result.stderr, result.stderr[-3000:]

    # The situation: pages kept (checked, body on disk, row written) ahead of those checkpointed.
    kept = rows(database, "SELECT page, listings_out FROM inventory_pages ORDER BY page")
    assert [r["page"] for r in kept] == list(range(1, len(kept) + 1))
    ahead = [r["page"] for r in kept if not r["listings_out"]]
    assert len(ahead) > len(kept) - len(ahead), kept  # more pages kept than checkpointed
    stored = {r["listing_id"] for r in rows(database, "SELECT listing_id FROM collection_items")}
    assert not stored & kept_listings(database, ahead), "the listings of a page kept ahead were out already"
    first = inventory_pages_requested(fast_sandbox, since)
    # What the exit line says is left counts the kept pages as fetched: the resume replays them.
    assert f": {PAGES - len(kept)} of {PAGES} inventory pages not fetched; resume with:" in result.error_lines[0], \
        result.error_lines

    resumed = len(fast_sandbox.log())
    result = crawl("seller_inventory", fast_sandbox, database, f"seller={SELLER}", settings=UNBUDGETED)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"({len(ahead)} of them kept before their listings went out)" in result.stderr
    again = inventory_pages_requested(fast_sandbox, resumed)
    assert again == list(range(len(kept) + 1, PAGES + 1)), (first, again)  # from the last kept page's next URL
    assert sorted(first + again) == list(range(1, PAGES + 1)), (first, again)  # no page requested twice
    assert state(database) == reference
    assert rows(database, "SELECT COUNT(*) AS n FROM inventory_pages") == [{"n": 0}]  # checkpoint consumed
