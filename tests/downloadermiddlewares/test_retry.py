"""DiscogsRetryMiddleware: which answers are retried, how long it waits, how it gives up."""

import asyncio
import logging

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest, NotConfigured
from scrapy.utils.misc import build_from_crawler

from discogs_harvest import stats
from discogs_harvest.downloadermiddlewares.budget import PACED
from discogs_harvest.downloadermiddlewares.exceptions import DiscogsAuthError, DiscogsTransientError
from discogs_harvest.downloadermiddlewares.retry import (
    FAILED_META,
    REQUESTS_FAILED,
    RETRY_429,
    DiscogsRetryMiddleware,
)
from tests.downloadermiddlewares.conftest import answer, api_request

CLOUDFLARE = b"<!DOCTYPE html><html><title>Just a moment...</title></html>"


class Recorded(DiscogsRetryMiddleware):
    """Records the waits instead of sleeping; jitter fixed at its midpoint."""

    def __init__(self, crawler):
        self.slept = []

        async def sleep(seconds):
            self.slept.append(seconds)

        super().__init__(crawler, sleep=sleep, rand=lambda: 0.5)


@pytest.fixture
def retry(make_crawler):
    def make(**overrides):
        return build_from_crawler(Recorded, make_crawler(**overrides))

    return make


def respond(mw, request, **kw):
    return asyncio.run(mw.process_response(request, answer(request, **kw)))


def stat(mw, name):
    return mw.crawler.stats.get_value(name)


def test_disabled(make_crawler):
    with pytest.raises(NotConfigured, match="DISCOGS_RETRY_ENABLED"):
        DiscogsRetryMiddleware(make_crawler(DISCOGS_RETRY_ENABLED=False))


@pytest.mark.parametrize(
    "status, body, content_type",
    [
        (200, b'{"id": 1}', b"application/json"),
        (404, b'{"message": "Release not found."}', b"application/json"),
        (422, b'{"message": "Invalid status"}', b"application/json"),
        (204, b"", b"text/plain"),
    ],
)
def test_answers_that_reach_the_spider_untouched(retry, status, body, content_type):
    mw = retry()
    request = api_request()
    response = answer(request, status=status, body=body, content_type=content_type)
    assert asyncio.run(mw.process_response(request, response)) is response
    assert mw.slept == []


@pytest.mark.parametrize(
    "status, body, content_type, reason",
    [
        (500, b'{"message": "An internal server error occurred."}', b"application/json", "500 Internal Server Error"),
        (502, b"", b"text/html", "502 Bad Gateway"),
        (503, b"{}", b"application/json", "503 Service Unavailable"),
        (403, CLOUDFLARE, b"text/html", "cloudflare_403"),
        (200, b"<html>We'll be right back</html>", b"text/html", "non_json_body"),
        (200, b'{"id": 1', b"text/plain", "non_json_body"),
    ],
)
def test_transient_answers_are_retried_after_a_backoff(retry, status, body, content_type, reason):
    mw = retry()
    request = api_request(release_id=1)
    new = respond(mw, request, status=status, body=body, content_type=content_type)
    assert isinstance(new, Request) and new is not request
    assert new.url == request.url and new.dont_filter
    assert new.meta["retry_times"] == 1 and new.meta["release_id"] == 1
    assert mw.slept == [0.75]  # first retry: ceiling 1 s (DISCOGS_RETRY_BACKOFF_BASE), midpoint jitter
    assert stat(mw, "harvest/retry/count") == 1
    assert stat(mw, f"harvest/retry/reason_count/{reason}") == 1


def test_backoff_grows_per_retry_and_is_capped(retry):
    mw = retry(DISCOGS_RETRY_TIMES=10, DISCOGS_RETRY_BACKOFF_MAX=4.0)
    request = api_request()
    for _ in range(6):
        request = respond(mw, request, status=503)
    assert mw.slept == [0.75, 1.5, 3.0, 3.0, 3.0, 3.0]


def test_gives_up_after_the_retries_with_a_clear_error(retry, caplog):
    mw = retry(DISCOGS_RETRY_TIMES=2)
    request = api_request()
    request = respond(mw, request, status=503)
    request = respond(mw, request, status=503)
    with caplog.at_level(logging.ERROR), pytest.raises(DiscogsTransientError) as raised:
        respond(mw, request, status=503)
    assert raised.value.response.status == 503
    assert isinstance(raised.value, IgnoreRequest)
    assert "503 Service Unavailable (after 2 retries)" in str(raised.value)
    assert request.meta[FAILED_META] == "503 Service Unavailable"
    assert stat(mw, REQUESTS_FAILED) == 1
    (line,) = [r.getMessage() for r in caplog.records]
    assert line == f"Gave up on <GET {request.url}> after 2 retries: 503 Service Unavailable"


def test_max_retry_times_meta_wins(retry):
    mw = retry()
    with pytest.raises(DiscogsTransientError):
        respond(mw, api_request(max_retry_times=0), status=500)


def test_a_spider_that_handles_the_status_gets_the_last_response(retry):
    mw = retry(DISCOGS_RETRY_TIMES=0)
    request = api_request(handle_httpstatus_list=[503])
    response = answer(request, status=503)
    assert asyncio.run(mw.process_response(request, response)) is response
    assert stat(mw, REQUESTS_FAILED) == 1


@pytest.mark.parametrize(
    "status, body",
    [
        (401, b'{"message": "You must authenticate to access this resource."}'),
        (403, b'{"message": "You don\'t have permission to access this resource."}'),
        (403, b""),  # what a missing User-Agent gets: our configuration, not a block
    ],
)
def test_refusals_are_clear_errors_never_retried(retry, status, body):
    mw = retry()
    request = api_request()
    with pytest.raises(DiscogsAuthError) as raised:
        respond(mw, request, status=status, body=body)
    assert raised.value.response.status == status
    assert str(raised.value).startswith(f"HTTP {status}: ")
    assert mw.slept == [] and stat(mw, REQUESTS_FAILED) == 1
    assert request.meta[FAILED_META] == raised.value.reason


def test_refusal_handled_by_the_spider(retry):
    mw = retry()
    request = api_request(handle_httpstatus_all=True)
    response = answer(request, status=401, body=b'{"message": "no"}')
    assert asyncio.run(mw.process_response(request, response)) is response
    assert stat(mw, REQUESTS_FAILED) is None


def test_a_paced_429_is_resent_at_once_the_budget_waits(retry):
    mw = retry()
    request = api_request(**{PACED: True, "retry_times": 2})
    new = respond(mw, request, status=429, headers={"Retry-After": "30"})
    assert isinstance(new, Request) and new.dont_filter
    assert new.meta["retry_times"] == 2  # 429s do not use up the retries of real failures
    assert new.meta["discogs_429_retries"] == 1
    assert mw.slept == []
    assert stat(mw, RETRY_429) == 1 and stat(mw, stats.BUDGET_429) is None


@pytest.mark.parametrize(
    "headers, waited",
    [({"Retry-After": "7"}, 7.0), ({"Retry-After": "7200"}, 300.0), ({}, 60.0)],
)
def test_without_the_budget_a_429_waits_here(retry, headers, waited):
    mw = retry()
    new = respond(mw, api_request(), status=429, headers=headers)
    assert isinstance(new, Request)
    assert mw.slept == [waited]
    assert stat(mw, stats.BUDGET_429) == 1


def test_dont_retry(retry):
    mw = retry()
    for status in (429, 500, 401):
        request = api_request(dont_retry=True)
        response = answer(request, status=status)
        assert asyncio.run(mw.process_response(request, response)) is response
    assert asyncio.run(mw.process_exception(api_request(dont_retry=True), DownloadTimeoutError())) is None


def test_timeouts_are_retried_then_fail_with_the_cause(retry):
    mw = retry(DISCOGS_RETRY_TIMES=1)
    request = asyncio.run(mw.process_exception(api_request(), DownloadTimeoutError("took too long")))
    assert isinstance(request, Request) and request.meta["retry_times"] == 1
    timeout = DownloadTimeoutError("took too long")
    with pytest.raises(DiscogsTransientError) as raised:
        asyncio.run(mw.process_exception(request, timeout))
    assert raised.value.__cause__ is timeout and raised.value.response is None
    assert request.meta[FAILED_META] == "DownloadTimeoutError: took too long"


def test_other_exceptions_are_not_ours(retry):
    assert asyncio.run(retry().process_exception(api_request(), ValueError("bug"))) is None


def test_other_hosts_get_generic_retries_only(retry):
    mw = retry()
    request = Request("https://i.discogs.com/a.jpg")
    html = answer(request, status=200, body=b"<html/>", content_type=b"text/html")
    assert asyncio.run(mw.process_response(request, html)) is html
    assert isinstance(asyncio.run(mw.process_response(request, answer(request, status=502))), Request)
