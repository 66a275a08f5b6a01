"""Two phases: listings are stored as their inventory page arrives, before any release is fetched.

A harvest SIGKILLed at a random moment while it pages (phase 1) leaves every listing of every
page it checkpointed in ``collection_items``; with a filter, the listings not decided yet wait
on disk in ``pending_listings``. The run that follows finishes the job (tests/integration/
test_resume.py holds it to a clean run's rows and to no request spent twice).
"""

import json
import os
import random
import signal
import subprocess
import sys
import zlib

import pytest

from discogs_harvest import pending

from discogs_harvest.sandbox.process import SandboxProcess
from tests import forkserver
from tests.integration.crawling import ROOT, TOKEN, kill_when, rows
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = pytest.mark.timeout(300)

SELLER = "synthetic-700-300"
PAGES = 7


@pytest.fixture(scope="module")
def sandbox():
    with SandboxProcess("--window", "1", "--limit-auth", "1000") as sandbox:
        # Slow inventory pages, so that a kill lands while the harvest is still paging.
        sandbox.faults(slow_rate=1.0, slow_seconds=0.3, path_regex="/inventory$")
        yield sandbox


def start_and_kill(sandbox, database, args, pages):
    """Start the harvest and SIGKILL it once ``pages`` inventory pages were answered and a page
    is checkpointed (committed on storage's writer thread, maybe after the next page's answer)."""
    command = [sys.executable, "-m", "scrapy", "crawl", "seller_inventory", "-a", f"seller={SELLER}"]
    for arg in args:
        command += ["-a", arg]
    settings = {"DISCOGS_API_URL": sandbox.url, "DATABASE_URL": f"sqlite:///{database}", "DISCOGS_RATE_PERIOD": "1",
                "DISCOGS_RATE_LIMIT": "200", "JSONRPC_ENABLED": "0", "LOG_LEVEL": "DEBUG"}
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    process = forkserver.popen(command, cwd=ROOT, env={**os.environ, "DISCOGS_TOKEN": TOKEN},
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    seen = []

    def answered(line):
        if "Crawled (200) <GET" in line and "/inventory" in line:
            seen.append(line)
        return len(seen) >= pages

    killed = kill_when(process, answered, database, "SELECT 1 FROM inventory_pages WHERE listings_out")
    assert killed and process.returncode == -signal.SIGKILL, "the harvest ended before the kill point"


def checkpointed_listings(database):
    """Listing ids of every page the killed run checkpointed (its listings out: a page only kept,
    its row written when paging checked it, has ``listings_out`` false)."""
    ids = set()
    # storage keeps each checkpointed page's body in raw_bodies (inventory_pages.body is empty)
    for row in rows(database, "SELECT r.body FROM inventory_pages p JOIN raw_bodies r ON r.resource = "
                              "'inventory_page' AND r.resource_id = p.seller || '/' || p.status || '/' || p.page "
                              "WHERE p.listings_out"):
        ids |= {listing["id"] for listing in json.loads(zlib.decompress(row["body"]))["listings"]}
    return ids


# A new pair of kill points every run; under pytest-xdist every worker must collect the same
# pair, so they draw it from the run's id (PYTEST_XDIST_TESTRUNUID; unset in a serial run).
MOMENTS = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).sample(range(2, PAGES), 2)


@pytest.mark.parametrize("pages", MOMENTS)
def test_a_kill_while_paging_leaves_every_listing_of_every_checkpointed_page_stored(sandbox, tmp_path, pages):
    database = tmp_path / "killed.db"
    start_and_kill(sandbox, database, [], pages)
    expected = checkpointed_listings(database)
    assert expected, f"killed after {pages} pages with nothing checkpointed"
    stored = {r["listing_id"] for r in rows(database, "SELECT listing_id FROM collection_items")}
    assert expected - stored == set(), f"killed after {pages} pages"
    # Stored before any release was fetched: from the listing's own summary.
    assert not rows(database, "SELECT listing_id FROM collection_items WHERE title IS NULL OR artist IS NULL")

    result = crawl("seller_inventory", sandbox, database, f"seller={SELLER}", settings={"DISCOGS_RATE_LIMIT": "500"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(rows(database, "SELECT listing_id FROM collection_items")) == 700
    assert rows(database, "SELECT COUNT(*) AS n FROM pending_listings") == [{"n": 0}]


@pytest.mark.parametrize("pages", MOMENTS[:1])
def test_with_a_filter_undecided_listings_wait_on_disk(sandbox, tmp_path, pages):
    database = tmp_path / "filtered.db"
    start_and_kill(sandbox, database, ["style=Latin"], pages)
    expected = checkpointed_listings(database)
    stored = {r["listing_id"] for r in rows(database, "SELECT listing_id FROM collection_items")}
    waiting = {r["listing_id"]: r for r in rows(database, "SELECT listing_id, release_id, body FROM pending_listings")}
    assert expected - stored - set(waiting) == set(), f"killed after {pages} pages"
    for listing_id, row in waiting.items():
        body = pending.decode(row["body"])  # the loaded listing, with its text as received (pagetext.py)
        assert (body["listing_id"], body["release_id"], json.loads(body["raw"])["id"]) == (
            listing_id, row["release_id"], listing_id)
