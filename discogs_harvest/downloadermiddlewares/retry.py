"""DiscogsRetryMiddleware: 429s, Cloudflare blocks, 5xx, timeouts and refusals of the Discogs API.

Settings: ``DISCOGS_RETRY_ENABLED``, ``DISCOGS_API_URL``, ``DISCOGS_RETRY_TIMES``,
``DISCOGS_RETRY_BACKOFF_BASE``, ``DISCOGS_RETRY_BACKOFF_MAX``, ``DISCOGS_RETRY_AFTER_MAX``,
``DISCOGS_RATE_PERIOD``; and Scrapy's ``RETRY_HTTP_CODES`` (429 excepted: see below),
``RETRY_EXCEPTIONS`` and ``RETRY_PRIORITY_ADJUST``. It replaces Scrapy's RetryMiddleware
(disabled in ``DOWNLOADER_MIDDLEWARES``), which re-sends 429s at full speed.

What an answer from the API leads to:

- **429**: re-sent, never counted as a failure and never given up (the budget's breaker
  bounds what that costs). The waiting is the budget's (``RequestBudgetMiddleware`` saw
  the 429 first and holds every request: Retry-After capped by
  ``DISCOGS_RETRY_AFTER_MAX``, else until the window has room, then one probe), so the
  copy is returned at once and spends nothing extra. Without the budget middleware the
  wait happens here (Retry-After capped, else one ``DISCOGS_RATE_PERIOD``).
- **401, or 403 with a JSON body**: Discogs refused the credentials or the request; the
  same request would get the same answer. Not retried: :class:`DiscogsAuthError`.
- **403 with an HTML body** (Cloudflare's challenge page, API_FACTS.md §2), the
  ``RETRY_HTTP_CODES`` (5xx, 408), a 2xx whose body is not JSON (maintenance pages), and
  the ``RETRY_EXCEPTIONS`` (timeouts, lost connections, truncated bodies): transient.
  Retried after a capped, jittered exponential backoff, at most ``DISCOGS_RETRY_TIMES``
  times; then counted in ``harvest/requests/failed``, logged in one line, marked in
  ``request.meta["discogs_failed"]`` and sent to the errback as :class:`DiscogsTransientError`.
- Anything else (404, 422, ...) reaches the spider untouched.

``meta["discogs_csv"]`` accepts a ``text/csv`` 2xx body (the inventory export's download).
``meta["dont_retry"]`` passes answers and exceptions through untouched;
``meta["max_retry_times"]`` overrides ``DISCOGS_RETRY_TIMES`` for one request. A request
whose ``handle_httpstatus_list`` (meta or spider attribute) names the final status gets
that response instead of the exception.

Stats: ``harvest/retry/count``, ``harvest/retry/reason_count/<reason>``,
``harvest/retry/max_reached``, ``harvest/retry/429``, ``harvest/retry/backoff_seconds``,
``harvest/requests/failed``.
"""

import asyncio
import json
import logging
import random
import time

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object
from scrapy.utils.response import response_status_message

from discogs_harvest import shapes, stats
from discogs_harvest.scrub import scrub
from discogs_harvest.downloadermiddlewares.apiurl import api_prefix, is_api_request
from discogs_harvest.downloadermiddlewares.budget import PACED
from discogs_harvest.downloadermiddlewares.exceptions import DiscogsAuthError, DiscogsTransientError
from discogs_harvest.downloadermiddlewares.policy import backoff, parse_retry_after

logger = logging.getLogger(__name__)

RETRY_STATS = stats.key("retry")
RETRY_429 = stats.key("retry", "429")
RETRY_BACKOFF_SECONDS = stats.key("retry", "backoff_seconds")
REQUESTS_FAILED = stats.key("requests", "failed")

FAILED_META = "discogs_failed"
MALFORMED_META = "discogs_malformed"
RETRIES_429_META = "discogs_429_retries"


def is_html(response):
    content_type = (response.headers.get(b"Content-Type") or b"").lower()
    return b"html" in content_type or response.body.lstrip()[:1] == b"<"


def is_expected_csv(request, response):
    """A CSV the request asked for (``meta["discogs_csv"]``: the inventory export's download)."""
    return request.meta.get("discogs_csv", False) and b"csv" in (response.headers.get("Content-Type") or b"")


def is_json(response):
    content_type = (response.headers.get(b"Content-Type") or b"").lower()
    if b"json" not in content_type:
        return False
    body = response.body
    # The usual body starts at its first byte: no stripped copy of it for every answer.
    return body[:1] in (b"{", b"[") or body.lstrip()[:1] in (b"{", b"[")


def malformed(request, response):
    """What is wrong with a 2xx JSON answer for the resource the request asked for, or None.

    Decoded with ``response.json()``, which Scrapy caches, so the callback does not parse
    the body a second time.
    """
    try:
        data = response.json() if hasattr(response, "json") else json.loads(response.body)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"invalid JSON ({str(exc)[:80]})"
    kind = request.meta.get(shapes.SHAPE_META)
    expected = request.meta.get("page") if kind == shapes.INVENTORY else request.meta.get("release_id")
    return shapes.problem(kind, data, expected)


def error_message(response):
    """The ``message`` of a Discogs error body, else a short description."""
    try:
        return scrub(str(json.loads(response.body)["message"]))
    except (ValueError, KeyError, TypeError):
        if not response.body:
            return "empty body"
        return "non-JSON body"


class DiscogsRetryMiddleware:
    def __init__(self, crawler, sleep=asyncio.sleep, rand=random.random):
        settings = crawler.settings
        if not settings.getbool("DISCOGS_RETRY_ENABLED"):
            raise NotConfigured("DISCOGS_RETRY_ENABLED is off")
        self.api_url = api_prefix(settings.get("DISCOGS_API_URL"))
        self.max_retry_times = settings.getint("DISCOGS_RETRY_TIMES")
        if self.max_retry_times < 0:
            raise NotConfigured("DISCOGS_RETRY_TIMES must be >= 0")
        self.backoff_base = settings.getfloat("DISCOGS_RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("DISCOGS_RETRY_BACKOFF_MAX")
        self.retry_after_max = settings.getfloat("DISCOGS_RETRY_AFTER_MAX")
        self.period = settings.getfloat("DISCOGS_RATE_PERIOD")
        self.retry_http_codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")} - {429}
        self.exceptions = tuple(
            load_object(path) if isinstance(path, str) else path for path in settings.getlist("RETRY_EXCEPTIONS")
        )
        self.priority_adjust = settings.getint("RETRY_PRIORITY_ADJUST")
        self.crawler = crawler
        self.stats = crawler.stats
        self._sleep = sleep
        self._rand = rand

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # --- answers ----------------------------------------------------------------------

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False):
            return response
        api = is_api_request(request, self.api_url)
        status = response.status
        if api and status == 429:
            return await self._retry_429(request, response)
        if api and (status == 401 or (status == 403 and not is_html(response))):
            return self._refused(request, response)
        reason = self._transient(request, response, api)
        if reason is None:
            return response
        return await self._retry(request, reason, response=response)

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions):
            return None
        return await self._retry(request, exception, exception=exception)

    def _transient(self, request, response, api):
        status = response.status
        if status in self.retry_http_codes:
            return response_status_message(status)
        if api and status == 403:
            return "cloudflare_403"
        if api and 200 <= status < 300 and status != 204 and request.method != "HEAD":
            csv = is_expected_csv(request, response)
            if not csv and not is_json(response):
                return "non_json_body"
            problem = None if csv else malformed(request, response)
            if problem:
                request.meta[MALFORMED_META] = problem
                logger.debug("Malformed answer to %s: %s", request, problem)
                return "malformed_body"
        return None

    # --- 429 --------------------------------------------------------------------------

    async def _retry_429(self, request, response):
        if not request.meta.get(PACED):
            # No budget middleware saw it: wait here rather than re-send at full speed.
            self.stats.inc_value(stats.BUDGET_429)
            retry_after = parse_retry_after(response.headers.get(b"Retry-After"), time.time())
            await self._sleep(self.period if retry_after is None else min(retry_after, self.retry_after_max))
        retry = request.copy()
        retry.dont_filter = True
        retry.meta[RETRIES_429_META] = request.meta.get(RETRIES_429_META, 0) + 1
        self.stats.inc_value(RETRY_429)
        logger.debug("Re-sending %s after a 429 (%s so far)", request, retry.meta[RETRIES_429_META])
        return retry

    # --- refusals and transient failures ------------------------------------------------

    def _refused(self, request, response):
        if self._handles(request, response.status):
            return response
        reason = f"HTTP {response.status}: {error_message(response)}"
        self._record_failure(request, reason)
        logger.error("Discogs refused %s (%s); not retried", request, reason)
        raise DiscogsAuthError(reason, response)

    async def _retry(self, request, reason, response=None, exception=None):
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=reason,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
            logger=logger,
            give_up_log_level=logging.DEBUG,  # our own line below says it once
            stats_base_key=RETRY_STATS,
        )
        if retry is not None:
            delay = backoff(retry.meta["retry_times"], self.backoff_base, self.backoff_max, self._rand())
            self.stats.inc_value(RETRY_BACKOFF_SECONDS, delay)
            await self._sleep(delay)
            return retry
        if isinstance(reason, Exception):
            reason = f"{type(reason).__name__}: {reason}".rstrip(": ")
        elif reason == "malformed_body":
            reason = f"malformed answer: {request.meta.get(MALFORMED_META)}"
        retries = request.meta.get("retry_times", 0)
        self._record_failure(request, reason)
        logger.error("Gave up on %s after %s retries: %s", request, retries, reason)
        if response is not None and self._handles(request, response.status):
            return response
        error = DiscogsTransientError(f"{reason} (after {retries} retries)", response)
        if exception is not None:
            raise error from exception
        raise error

    def _record_failure(self, request, reason):
        request.meta[FAILED_META] = reason
        self.stats.inc_value(REQUESTS_FAILED)

    def _handles(self, request, status):
        """True when the request (meta) or the spider asked to see this status itself."""
        if request.meta.get("handle_httpstatus_all", False):
            return True
        if status in request.meta.get("handle_httpstatus_list", ()):
            return True
        spider = self.crawler.spider
        return status in getattr(spider, "handle_httpstatus_list", ())
