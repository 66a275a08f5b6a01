"""RequestBudgetMiddleware on a fake clock: what it lets through, counts and logs."""

import asyncio
import logging

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler

from discogs_harvest import stats
from discogs_harvest.downloadermiddlewares.budget import (
    PACED,
    SEND,
    RequestBudgetMiddleware,
    default_limit,
)
from tests.downloadermiddlewares.conftest import answer, api_request, rate


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Paced(RequestBudgetMiddleware):
    """Waits by moving a fake clock instead of sleeping: the tests take no time."""

    def __init__(self, crawler):
        super().__init__(crawler, clock=FakeClock())
        self.reserved = []

    async def _wait(self, timeout):
        self._clock.now += timeout
        await asyncio.sleep(0)

    async def process_request(self, request):
        result = await super().process_request(request)
        if SEND in request.meta:
            self.reserved.append(self._clock.now)
        return result


@pytest.fixture
def paced(make_crawler):
    def make(**overrides):
        return build_from_crawler(Paced, make_crawler(**overrides))

    return make


def run(coro):
    return asyncio.run(coro)


def send(mw, path="/releases/1"):
    request = api_request(path)
    assert run(mw.process_request(request)) is None
    return request


def stat(mw, name):
    return mw.crawler.stats.get_value(name)


# --- settings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({}, 60),
        ({"DISCOGS_TOKEN": ""}, 25),
        ({"DISCOGS_TOKEN": "", "DISCOGS_CONSUMER_KEY": "k", "DISCOGS_CONSUMER_SECRET": "s"}, 60),
        ({"DISCOGS_TOKEN": "", "DISCOGS_CONSUMER_KEY": "k"}, 25),
        ({"DISCOGS_RATE_LIMIT": "30"}, 30),
    ],
)
def test_default_limit_follows_the_credentials(make_crawler, overrides, expected):
    assert default_limit(make_crawler(**overrides).settings) == expected


@pytest.mark.parametrize("overrides, notice", [
    ({"DISCOGS_TOKEN": ""}, True),
    ({}, False),
    ({"DISCOGS_TOKEN": "", "DISCOGS_RATE_LIMIT": "10"}, False),  # the user chose a rate
])
def test_one_line_says_when_no_token_means_the_low_tier(paced, caplog, overrides, notice):
    mw = paced(**overrides)
    with caplog.at_level(logging.INFO):
        mw.spider_opened(mw.crawler.spider)
    lines = [r.getMessage() for r in caplog.records if "No DISCOGS_TOKEN" in r.getMessage()]
    assert lines == (["No DISCOGS_TOKEN: Discogs allows 25 requests per 60 s without credentials "
                      "(60 with a token in .env, see the README)"] if notice else [])


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"DISCOGS_BUDGET_ENABLED": False}, "DISCOGS_BUDGET_ENABLED"),
        ({"DISCOGS_RATE_LIMIT": "0"}, "DISCOGS_RATE_LIMIT"),
        ({"DISCOGS_RATE_PERIOD": 0}, "DISCOGS_RATE_PERIOD"),
        ({"DISCOGS_RATE_HEADROOM": 60}, "DISCOGS_RATE_HEADROOM"),
        ({"DISCOGS_API_URL": ""}, "DISCOGS_API_URL"),
    ],
)
def test_not_configured(make_crawler, overrides, reason):
    with pytest.raises(NotConfigured, match=reason):
        RequestBudgetMiddleware(make_crawler(**overrides))


# --- pacing ------------------------------------------------------------------------------


def test_only_api_requests_are_counted(paced):
    mw = paced()
    request = Request("https://i.discogs.com/a.jpg")
    assert run(mw.process_request(request)) is None
    assert SEND not in request.meta and PACED not in request.meta
    assert stat(mw, stats.BUDGET_REQUESTS) is None
    response = answer(request, headers=rate(60, 59))
    assert mw.process_response(request, response) is response


def test_every_request_sent_is_counted_and_marked(paced):
    mw = paced()
    for _ in range(3):
        request = send(mw)
        assert request.meta[PACED] is True
        mw.process_response(request, answer(request))
        assert SEND not in request.meta  # a retry's copy of the meta will not carry the slot
    assert stat(mw, stats.BUDGET_REQUESTS) == 3


def test_concurrent_requests_never_overbook_the_window(paced):
    """Forty requests arrive at once; answers come 0.01 s after each send."""
    mw = paced(DISCOGS_RATE_LIMIT="5", DISCOGS_RATE_PERIOD=2.0)

    async def one(i):
        request = api_request(f"/releases/{i}")
        await mw.process_request(request)
        mw._clock.now += 0.01
        mw.process_response(request, answer(request))

    async def all_of_them():
        await asyncio.gather(*(one(i) for i in range(40)))

    run(all_of_them())
    times = mw.reserved
    assert len(times) == 40
    assert times == sorted(times)
    for t in times:
        assert sum(1 for r in times if t - 2.0 < r <= t) <= 5
    assert stat(mw, stats.BUDGET_WAITS) >= 35
    assert stat(mw, stats.BUDGET_WAIT_SECONDS) > 0
    assert stat(mw, stats.BUDGET_CURRENT_WAIT) == 0


def test_the_server_headers_slow_us_down(paced):
    mw = paced(DISCOGS_RATE_LIMIT="10", DISCOGS_RATE_PERIOD=10.0)
    request = send(mw)
    # Somebody else on our token has used 6: the server holds 7 with ours.
    mw.process_response(request, answer(request, headers=rate(10, 7)))
    assert stat(mw, stats.BUDGET_HEADER_SYNCS) == 1
    for i in range(3):
        send(mw, f"/releases/{i}")
    # Ours: 1 answered at 1000 plus 2 spaced 1 s apart; with 6 foreign and the slot kept
    # free for them the window is full until the first answer and the foreign observation
    # leave it, a period later.
    assert mw.reserved == [1000.0, 1001.0, 1002.0, 1010.0]


def test_a_lower_server_limit_becomes_the_budget(paced, caplog):
    mw = paced(DISCOGS_TOKEN="")  # 25 expected, but a proxy in between says 20
    mw.spider_opened(mw.crawler.spider)
    assert stat(mw, stats.BUDGET_LIMIT) == 25
    request = send(mw)
    with caplog.at_level(logging.INFO):
        mw.process_response(request, answer(request, headers=rate(20, 1)))
        request = send(mw)
        mw.process_response(request, answer(request, headers=rate(20, 2)))
    assert stat(mw, stats.BUDGET_LIMIT) == 20
    assert [r.getMessage() for r in caplog.records if not r.getMessage().startswith("No DISCOGS_TOKEN")] == [
        "X-Discogs-Ratelimit says 20 requests per window: budget now 20 per 60 s"]


# --- 429s --------------------------------------------------------------------------------


def test_a_429_holds_everyone_then_sends_one_probe(paced, caplog):
    mw = paced(DISCOGS_RATE_LIMIT="10", DISCOGS_RATE_PERIOD=10.0)
    request = send(mw)
    with caplog.at_level(logging.INFO):
        mw.process_response(request, answer(request, status=429, headers={"Retry-After": "4"}))
    assert stat(mw, stats.BUDGET_429) == 1
    refused_at = mw._clock.now
    probe = send(mw, "/releases/2")
    assert mw._clock.now >= refused_at + 4
    assert probe.meta[SEND].probe
    assert mw.budget.delay(mw._clock.now) == float("inf")  # the next waits for the probe's answer
    mw.process_response(probe, answer(probe, headers=rate(10, 1)))
    assert not send(mw, "/releases/3").meta[SEND].probe
    assert any("429 from Discogs (Retry-After 4 s" in r.getMessage() for r in caplog.records)


def test_a_run_of_429s_opens_the_breaker(paced, caplog):
    mw = paced(DISCOGS_RATE_LIMIT="10", DISCOGS_RATE_PERIOD=10.0, DISCOGS_BREAKER_THRESHOLD=3)
    with caplog.at_level(logging.WARNING):
        for i in range(4):
            request = send(mw, f"/releases/{i}")
            mw.process_response(request, answer(request, status=429, headers=rate(10, 2)))
    assert stat(mw, stats.BUDGET_429) == 4
    assert stat(mw, stats.BUDGET_BREAKER_OPENED) == 1
    assert [r.getMessage() for r in caplog.records if "breaker" in r.getMessage()] == [
        "3 consecutive 429s: circuit breaker open, next probe in 40.0 s"
    ]


def test_a_lost_answer_releases_its_slot(paced):
    mw = paced(DISCOGS_RATE_LIMIT="1", DISCOGS_RATE_PERIOD=5.0)
    request = send(mw)
    assert mw.process_exception(request, TimeoutError()) is None
    assert SEND not in request.meta
    before = mw._clock.now
    send(mw)
    assert mw._clock.now == pytest.approx(before + 5.0)


def test_cached_answers_are_not_synced(paced):
    """An answer to a request the budget never let through (e.g. from a cache) changes nothing."""
    mw = paced()
    request = api_request()
    response = answer(request, status=429, headers=rate(60, 60))
    assert mw.process_response(request, response) is response
    assert stat(mw, stats.BUDGET_429) is None
    assert mw.budget.delay(mw._clock.now) == 0


# --- the summary ---------------------------------------------------------------------------


def test_open_and_close_record_the_limit_and_log_one_line(paced, caplog):
    mw = paced(DISCOGS_RATE_LIMIT="10", DISCOGS_RATE_PERIOD=10.0)
    mw.spider_opened(mw.crawler.spider)
    assert stat(mw, stats.BUDGET_LIMIT) == 10 and stat(mw, stats.BUDGET_PERIOD) == 10.0
    for i in range(11):
        request = send(mw, f"/releases/{i}")
        mw.process_response(request, answer(request))
    with caplog.at_level(logging.INFO, logger="discogs_harvest.downloadermiddlewares.budget"):
        mw.spider_closed(mw.crawler.spider, "finished")
    (line,) = [r.getMessage() for r in caplog.records]
    # Spaced 1 s apart: 11 requests over 10 s, 66/min against an allowance of 60/min.
    assert line == "11 requests in 10.0 s, 66.0/min, budget use 110 % (limit 10 per 10 s)"


def test_summary_without_requests(paced):
    assert paced().summary().startswith("0 requests in 0.0 s, 0.0/min, budget use 0 %")
