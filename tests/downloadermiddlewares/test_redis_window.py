"""The budget's window in Redis: the Lua script against a real Redis, and crawls sharing it.

Needs a Redis server (tests/services.py: skipped with the reason when there is none, failed
under .ci/run).
"""

import asyncio
import time
import uuid

import pytest
import redis

from discogs_harvest.downloadermiddlewares.redis_window import RedisWindow, check_redis, window_keys
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.sandbox.process import SandboxProcess
from tests.bench.harness import LIMIT, PERIOD, SANDBOX_ARGS, api_log, bench_spider, busiest_window
from tests.services import redis_url

pytestmark = pytest.mark.redis


@pytest.fixture
def url():
    return redis_url()


def test_keys_name_the_credentials_hashed_and_the_egress_address():
    keys = window_keys(token="secret-token", egress="203.0.113.7")
    assert len(keys) == 2 and all("secret-token" not in key for key in keys)
    assert keys[1] == "discogs-harvest:budget:egress:203.0.113.7"
    assert window_keys(token="secret-token") [0] == keys[0]  # one token, one window, wherever it runs
    assert window_keys(key="k", secret="s")[0] != keys[0]
    assert window_keys() == ["discogs-harvest:budget:egress:default"]  # anonymous: the address only


def test_the_script_admits_limit_sends_per_window_and_says_how_long_to_wait(url):
    async def scenario():
        keys = [f"test:{uuid.uuid4().hex}"]
        first, second = RedisWindow(url, keys, 1.0, 5.0), RedisWindow(url, keys, 1.0, 5.0)
        try:
            taken = []
            for window in (first, second, first):  # three "processes" take turns
                member, wait = await window.reserve(limit=3)
                if member is None:  # spacing: period / limit apart
                    assert 0 < wait <= 0.34
                    await asyncio.sleep(wait)
                    member, wait = await window.reserve(limit=3)
                taken.append((window, member))
            assert all(member for _, member in taken)
            await asyncio.sleep(0.34)
            member, wait = await second.reserve(limit=3)
            # Full: three unanswered sends hold the window until reserved + pending (5 s).
            assert member is None and 3 < wait <= 5
            for window, member in taken:
                await window.answered(member)  # now each ends a period (1 s) after its answer
            member, wait = await second.reserve(limit=3)
            assert member is None and 0.5 < wait <= 1.0
            await asyncio.sleep(wait)
            member, _ = await second.reserve(limit=3)
            assert member is not None
        finally:
            await first.client.delete(*keys, *(f"{key}:last" for key in keys))
            await first.close()
            await second.close()

    asyncio.run(scenario())


def test_an_unreachable_redis_is_one_line():
    with pytest.raises(HarvestConfigError, match=r"^cannot reach Redis at 127.0.0.1:1/0 \(DISCOGS_BUDGET_REDIS_URL\)"):
        check_redis("redis://127.0.0.1:1/0", timeout=2)


EACH = 60


@pytest.mark.timeout(240)
def test_three_processes_on_one_token_never_exceed_the_shared_window(url, tmp_path):
    """Three crawls, one token, the sandbox's 30 per 3 s: together they never hold more than 30 in
    any moving window of the sandbox's log, and none is refused."""
    egress = f"test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(url)
    for key in window_keys(token="sandbox-token", egress=egress):
        client.delete(key, f"{key}:last")
    settings = {"DISCOGS_BUDGET_REDIS_URL": url, "DISCOGS_BUDGET_EGRESS": egress}
    with SandboxProcess(*SANDBOX_ARGS) as sandbox:
        started = time.monotonic()
        crawls = [bench_spider(sandbox, tmp_path, 91_000_001 + 1000 * n, EACH, name=f"p{n}", settings=settings)
                  for n in range(3)]
        for crawl in crawls:
            crawl.finish(timeout=200)
        entries = api_log(sandbox)
    elapsed = time.monotonic() - started
    for crawl in crawls:
        assert crawl.returncode == 0 and crawl.stat("bench/ok") == EACH, crawl.log_tail()
    assert [e for e in entries if e["status"] == 429] == []
    assert len(entries) == 3 * EACH
    assert busiest_window([e["t"] for e in entries], PERIOD) <= LIMIT
    # Not a timing assertion on the figure (make bench measures the use): a sanity bound that
    # the three shared one window rather than each running alone at the full rate.
    assert elapsed > (3 * EACH - LIMIT) / LIMIT * PERIOD
    client.close()
