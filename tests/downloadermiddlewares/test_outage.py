"""The connection breaker as a pure state machine, then as a middleware built like Scrapy builds it."""

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadConnectionRefusedError
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from discogs_harvest.downloadermiddlewares.exceptions import DiscogsOutageError
from discogs_harvest.downloadermiddlewares.outage import (
    GIVE_UP,
    GO,
    PROBE,
    WAIT,
    ConnectionBreakerMiddleware,
    OutageBreaker,
)

API = "http://127.0.0.1:9"


def reached_breaker():
    breaker = OutageBreaker(threshold=3, outage_max=60, probe_interval=5)
    breaker.success()
    return breaker


def test_failures_below_the_threshold_or_broken_by_an_answer_keep_it_closed():
    breaker = reached_breaker()
    for now in (0, 1):
        breaker.failure(now)
    breaker.success()
    breaker.failure(2)
    breaker.failure(3)
    assert breaker.admit(3) == GO


def test_open_breaker_waits_probes_once_per_interval_and_closes_on_an_answer():
    breaker = reached_breaker()
    assert [breaker.failure(now) for now in (10, 11, 12)] == [False, False, True]
    assert breaker.admit(12) == WAIT
    assert breaker.admit(17) == PROBE
    assert breaker.admit(17) == WAIT  # one probe at a time
    breaker.failure(18)  # the probe failed
    assert breaker.admit(20) == WAIT and breaker.admit(23) == PROBE
    breaker.success()
    assert breaker.admit(23) == GO


def test_it_gives_up_after_the_outage_counted_from_the_first_failure():
    breaker = reached_breaker()
    for now in (10, 11, 12):
        breaker.failure(now)
    assert breaker.admit(69) != GIVE_UP
    assert breaker.admit(70) == GIVE_UP


def test_a_host_that_never_answered_is_given_up_as_soon_as_it_opens():
    breaker = OutageBreaker(threshold=3, outage_max=600, probe_interval=5)
    for now in (0, 1, 2):
        breaker.failure(now)
    assert breaker.admit(2) == GIVE_UP


class Clock:
    now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def middleware():
    crawler = get_crawler(settings_dict={"DISCOGS_API_URL": API, "DISCOGS_CONNECT_FAILURES": 2,
                                         "DISCOGS_OUTAGE_MAX": 30, "DISCOGS_OUTAGE_PROBE_INTERVAL": 5})
    mw = build_from_crawler(ConnectionBreakerMiddleware, crawler)
    mw._clock = Clock()
    return mw


def test_failures_while_open_are_requeued_not_retried(middleware):
    request = Request(f"{API}/releases/1")
    middleware.process_response(request, Response(request.url, status=503))  # the host answered once
    assert middleware.process_exception(request, DownloadConnectionRefusedError("refused")) is None
    again = middleware.process_exception(request, DownloadConnectionRefusedError("refused"))
    assert again.url == request.url and again.dont_filter
    assert middleware.crawler.stats.get_value("harvest/outage/opened") == 1
    assert middleware.crawler.stats.get_value("harvest/outage/requeued") == 1


def test_other_hosts_and_http_errors_are_not_its_business(middleware):
    other = Request("http://example.invalid/x")
    assert middleware.process_exception(other, DownloadConnectionRefusedError("refused")) is None
    assert middleware.process_exception(Request(f"{API}/x"), ValueError("not a connection failure")) is None
    assert not middleware.breaker.open


def test_giving_up_ends_the_request_with_the_one_line_message(middleware):
    request = Request(f"{API}/releases/1")
    middleware.process_exception(request, DownloadConnectionRefusedError("Connection was refused"))
    with pytest.raises(DiscogsOutageError, match=r"cannot reach 127.0.0.1:9 \(Connection was refused\)"):
        middleware.process_exception(request, DownloadConnectionRefusedError("Connection was refused"))
    assert middleware.crawler.stats.get_value("harvest/outage/message") == \
        "cannot reach 127.0.0.1:9 (Connection was refused)"
