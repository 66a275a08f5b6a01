"""The in-process crawl helper (tests/integration/inprocess.py) against the subprocess one.

One small harvest run both ways stores the same rows, writes the same feed, counts the same
``harvest/`` stats and asks the sandbox the same requests; two in-process crawls in a row each
behave as the first crawl of a fresh process (nothing one of them opened, bound, remembered or
installed is left for the next); a crawl that does not end within its timeout raises
:class:`CrawlTimeout` and leaves the reactor fit for the next crawl.
"""

import csv
import logging
import re

import pytest

from tests.integration.crawling import api_requests, crawl, logical_snapshot, rows
from tests.integration.inprocess import CrawlTimeout, crawl_in_process

pytestmark = pytest.mark.timeout(240)

SELLER = "synthetic-30-12"
OTHER_TOKEN = "another-sandbox-token"
# Stats that measure time or the sandbox's rate window (what is left of it when a crawl starts,
# how often the budget meets its headers), or memory, not the harvest: they differ between any two
# runs (and a test session's writer process serves many crawls).
TIMED = re.compile(r"seconds|eta|elapsed|rate|per_minute|_at$|/budget/|maxrss")


def harvest_stats(stderr):
    """The numeric ``harvest/`` stats of the "Dumping Scrapy stats" block, less the timed ones."""
    _, _, dump = stderr.rpartition("Dumping Scrapy stats:")
    found = dict(re.findall(r"'(harvest/[^']+)': (-?[0-9.]+)[,}]", dump))
    return {key: value for key, value in found.items() if not TIMED.search(key)}


def stored(database):
    """Every contract row (listings are collection_items) by natural keys without times, and the run."""
    runs = rows(database, "SELECT spider, arguments, finish_reason, requests, items, pages_done, pages_total, "
                          "releases_done, releases_to_fetch FROM harvest_runs")
    return {**logical_snapshot(database), "harvest_runs": runs}


def feed_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return sorted(map(tuple, csv.reader(handle)))


def harvest(run, sandbox, folder):
    since = len(sandbox.log())
    database, feed = folder / "h.db", folder / "listings.csv"
    folder.mkdir()
    result = run("seller_inventory", sandbox, database, f"seller={SELLER}", feed=feed)
    assert result.returncode == 0 and result.error_lines == [], result.stderr[-3000:]
    requests = sorted((r["method"], r["path"], r["query"]) for r in api_requests(sandbox, since))
    return stored(database), feed_rows(feed), harvest_stats(result.stderr), requests


def test_a_harvest_in_process_is_the_harvest_of_a_subprocess(module_sandbox, tmp_path):
    by_process = harvest(crawl, module_sandbox, tmp_path / "subprocess")
    in_process = harvest(crawl_in_process, module_sandbox, tmp_path / "inprocess")

    rows_, feed, stats, requests = by_process
    assert rows_["collection_items"] and rows_["albums"] and len(feed) > 1 and requests  # a harvest took place
    assert stats, "no harvest/ stats in the log"
    assert in_process[0] == rows_
    assert in_process[1] == feed
    assert in_process[2] == stats
    assert in_process[3] == requests


def module_state():
    """What one crawl could leave behind for the next, in this process."""
    import scrapy.utils.log

    from discogs_harvest import freshness, fts, scrub
    from discogs_harvest.models import database_proxy

    root = logging.getLogger()
    return {
        "secrets": set(scrub._secrets),
        "databases": dict(freshness._databases),
        "fts": dict(fts._available),
        "bound": database_proxy.obj,
        "handlers": [(handler, list(handler.filters), handler.level) for handler in root.handlers],
        "levels": {name: logging.getLogger(name).level for name in ("", "scrapy", "twisted", "scrapy.core.engine")},
        "filters": {name: list(logging.getLogger(name).filters) for name in ("scrapy.core.engine", "scrapy.crawler")},
        "scrapy_root_handler": scrapy.utils.log._scrapy_root_handler,
    }


def test_two_crawls_in_process_leave_nothing_to_each_other(sandbox_factory, tmp_path):
    sandbox = sandbox_factory("--window", "1", "--limit-auth", "100", "--limit-anon", "100",
                              "--token", f"{OTHER_TOKEN}=sandbox")
    before = module_state()
    first = harvest(crawl_in_process, sandbox, tmp_path / "first")
    assert module_state() == before
    # A second harvest into a fresh database, with other credentials: were the models still bound
    # to the first database, its releases would be fresh and not asked again.
    since = len(sandbox.log())
    second_db = tmp_path / "second.db"
    result = crawl_in_process("seller_inventory", sandbox, second_db, f"seller={SELLER}", token=OTHER_TOKEN)
    assert result.returncode == 0 and result.error_lines == [], result.stderr[-3000:]
    assert module_state() == before
    assert stored(second_db) == first[0]
    assert harvest_stats(result.stderr) == first[2]
    assert sorted((r["method"], r["path"], r["query"]) for r in api_requests(sandbox, since)) == first[3]


def test_a_crawl_past_its_timeout_raises_and_the_next_crawl_runs(sandbox_factory, module_sandbox, tmp_path):
    slow = sandbox_factory("--window", "1", "--limit-auth", "100", "--limit-anon", "100")
    slow.faults(slow_rate=1.0, slow_seconds=5)
    before = module_state()
    with pytest.raises(CrawlTimeout) as raised:
        crawl_in_process("seller_inventory", slow, tmp_path / "slow.db", f"seller={SELLER}", timeout=1)
    assert raised.value.timeout == 1 and "seller_inventory" in raised.value.cmd
    assert module_state() == before

    result = crawl_in_process("seller_inventory", module_sandbox, tmp_path / "next.db", f"seller={SELLER}")
    assert result.returncode == 0 and result.error_lines == [], result.stderr[-3000:]
    assert rows(tmp_path / "next.db", "SELECT COUNT(*) AS n FROM collection_items")[0]["n"] == 30
