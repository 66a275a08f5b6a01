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
    """Each wait is checked against Redis's clock (``TIME``, the one the script reads) taken just
    before and after the calls it depends on, so a slow machine widens the bracket instead of
    failing the test: the answer is what the window says, however long the calls took."""
    period, pending, limit = 1.0, 5.0, 3
    spacing = period / limit
    ms = 0.001  # the script's clock is whole milliseconds

    async def scenario():
        keys = [f"test:{uuid.uuid4().hex}"]
        first, second = RedisWindow(url, keys, period, pending), RedisWindow(url, keys, period, pending)

        async def now():
            seconds, micros = await first.client.time()
            return seconds + micros / 1e6

        try:
            taken = []
            for window in (first, second, first):  # three "processes" take turns
                before = await now()
                member, wait = await window.reserve(limit=limit)
                if member is None:  # spacing: period / limit apart
                    assert 0 < wait <= spacing + ms
                    await asyncio.sleep(wait)
                    before = await now()
                    member, wait = await window.reserve(limit=limit)
                taken.append((window, member, before, await now()))
            assert all(member for _, member, _, _ in taken)
            await asyncio.sleep(spacing + ms)  # what is measured next is not the spacing
            before = await now()
            member, wait = await second.reserve(limit=limit)
            after = await now()
            # Full: three unanswered sends hold the window until reserved + pending (5 s): the
            # oldest, reserved between its before and after, is the one waited for.
            _, _, reserved_before, reserved_after = taken[0]
            assert member is None and wait <= pending
            assert reserved_before + pending - after - ms <= wait <= reserved_after + pending - before + ms
            answers = []
            for window, member, _, _ in taken:
                answer_before = await now()
                await window.answered(member)  # now each ends a period (1 s) after its answer
                answers.append((answer_before, await now()))
            before = await now()
            member, wait = await second.reserve(limit=limit)
            after = await now()
            (answer_before, answer_after) = answers[0]
            assert member is None and wait <= period
            assert answer_before + period - after - ms <= wait <= answer_after + period - before + ms
            await asyncio.sleep(wait)
            member, _ = await second.reserve(limit=limit)
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
    # A token and an egress of this run's own: its windows (named by them) are shared with no
    # other test, worker or earlier run, and deleted afterwards.
    token, egress = f"test-{uuid.uuid4().hex}", f"test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(url)
    window = [name for key in window_keys(token=token, egress=egress) for name in (key, f"{key}:last")]
    settings = {"DISCOGS_BUDGET_REDIS_URL": url, "DISCOGS_BUDGET_EGRESS": egress}
    try:
        with SandboxProcess(*SANDBOX_ARGS, "--token", token) as sandbox:
            started = time.monotonic()
            crawls = [bench_spider(sandbox, tmp_path, 91_000_001 + 1000 * n, EACH, name=f"p{n}", settings=settings,
                                   token=token) for n in range(3)]
            for crawl in crawls:
                crawl.finish(timeout=200)
            entries = api_log(sandbox)
        elapsed = time.monotonic() - started
    finally:
        client.delete(*window)
    for crawl in crawls:
        assert crawl.returncode == 0 and crawl.stat("bench/ok") == EACH, crawl.log_tail()
    assert [e for e in entries if e["status"] == 429] == []
    assert len(entries) == 3 * EACH
    assert busiest_window([e["t"] for e in entries], PERIOD) <= LIMIT
    # Not a timing assertion on the figure (make bench measures the use): a sanity bound that
    # the three shared one window rather than each running alone at the full rate.
    assert elapsed > (3 * EACH - LIMIT) / LIMIT * PERIOD
    client.close()
