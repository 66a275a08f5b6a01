"""The three middlewares in real crawls of a sandbox (subprocesses, project settings).

What is asserted is behaviour, read from the sandbox's request log: every request on the
wire counted, no window over the limit, refusals reaching the errback, a storm outlived.
Speed is measured by ``make bench``, not here.
"""

import time

import pytest

from tests.bench.harness import HANDLER, api_log, bench_spider, busiest_window, statuses

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(120)]

LIMIT, PERIOD = 20, 1.0
FAST = ("--window", str(PERIOD), "--limit-auth", str(LIMIT), "--limit-anon", str(LIMIT))
SETTINGS = {
    "DISCOGS_RATE_LIMIT": str(LIMIT),
    "DISCOGS_RATE_PERIOD": str(PERIOD),
    "DISCOGS_RETRY_BACKOFF_BASE": "0.05",
    "DOWNLOAD_HANDLERS": f'{{"http": "{HANDLER}"}}',
}


@pytest.fixture
def fast_sandbox(sandbox_factory):
    return sandbox_factory(*FAST)


def test_every_request_on_the_wire_is_counted(fast_sandbox, tmp_path):
    """Dropped connections, 5xx and truncated bodies: each retry is counted and paced."""
    fast_sandbox.faults(drop_rate=0.1, error_rate=0.05, truncate_rate=0.05, seed=11)
    crawl = bench_spider(fast_sandbox, tmp_path, 90_000_001, 50, settings=SETTINGS).finish()
    assert crawl.returncode == 0, crawl.log_tail()
    entries = api_log(fast_sandbox)
    assert crawl.stat("bench/ok") == 50
    assert len(entries) == crawl.stat("harvest/budget/requests") > 50
    assert statuses(entries).get(429, 0) == 0
    assert busiest_window([e["t"] for e in entries], PERIOD) <= LIMIT
    assert crawl.stat("harvest/retry/count") == sum(1 for e in entries if e["fault"])
    log = crawl.log_tail(10**6)
    assert "requests in" in log and "budget use" in log
    assert "discogs_harvest.extensions.throttle.HarvestAutoThrottle" in log  # on, and still within the budget
    assert "scrapy.extensions.throttle.AutoThrottle" not in log  # ours instead of it, not beside it


def test_refused_credentials_reach_the_errback_once_each(fast_sandbox, tmp_path):
    token = "not-a-token-0f9e8d"
    crawl = bench_spider(fast_sandbox, tmp_path, 90_000_001, 5, settings=SETTINGS, token=token).finish()
    entries = api_log(fast_sandbox)
    assert [e["status"] for e in entries] == [401] * 5  # never retried
    assert crawl.stat("bench/failed/discogs") == 5
    assert crawl.stat("harvest/requests/failed") == 5
    assert token not in crawl.log_tail(10**6)


def test_a_429_storm_is_outlived_without_losing_a_request(fast_sandbox, tmp_path):
    crawl = bench_spider(fast_sandbox, tmp_path, 90_000_001, 60, settings=SETTINGS)
    try:
        while len(api_log(fast_sandbox)) < 5 and crawl.process.poll() is None:
            time.sleep(0.02)  # polling the log, bounded by the test's timeout
        fast_sandbox.faults(storm_seconds=3)
    finally:
        crawl.finish()
    assert crawl.returncode == 0, crawl.log_tail()
    entries = api_log(fast_sandbox)
    refused = sum(1 for e in entries if e["fault"] == "storm")
    assert crawl.stat("bench/ok") == 60
    assert 1 <= refused < 5
    assert len(entries) == 60 + refused
    assert crawl.stat("harvest/budget/429") == refused
