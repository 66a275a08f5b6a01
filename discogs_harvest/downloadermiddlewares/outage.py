"""ConnectionBreakerMiddleware: when the API host stops answering, pause and probe; after an outage, stop.

Without it, a dead API costs every pending request its full set of retries and backoff
(about 3 s a release: 250 pending took 13 minutes). With it:

- ``DISCOGS_CONNECT_FAILURES`` consecutive connection failures of API requests (refused,
  reset or dropped connections, timeouts, DNS failures: no HTTP answer at all) open the
  breaker. Any HTTP answer, even a 5xx, closes it: the host is there.
- While it is open, requests wait here instead of being sent; one goes as a probe every
  ``DISCOGS_OUTAGE_PROBE_INTERVAL`` seconds. A request failing meanwhile is put back to
  wait, not retried, so no retry is spent on the outage.
- When the outage has lasted ``DISCOGS_OUTAGE_MAX`` seconds, or when the host has not
  answered once since the run started (offline, or a wrong ``DISCOGS_API_URL``), the
  spider is closed with reason ``api_unreachable``; waiting requests end with
  :class:`DiscogsOutageError` (not recorded as failures: the next run fetches them). The
  ``crawl`` command prints ``error: cannot reach HOST (...)`` and exits with the resumable
  status.

The state machine is :class:`OutageBreaker`, a pure object tested without a crawler.
It sits between the retry middleware and the budget (``DOWNLOADER_MIDDLEWARES`` 900), so
waiting requests hold no budget slot and see failures before the retry middleware does.

Settings: ``DISCOGS_API_URL``, ``DISCOGS_CONNECT_FAILURES``, ``DISCOGS_OUTAGE_MAX``,
``DISCOGS_OUTAGE_PROBE_INTERVAL``. Stats: ``harvest/outage/opened``, ``harvest/outage/probes``,
``harvest/outage/requeued``, ``harvest/outage/message`` (the line the crawl command prints).
"""

import asyncio
import logging
import time
from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
)
from twisted.internet import error as twisted_errors
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from discogs_harvest import stats
from discogs_harvest.downloadermiddlewares.apiurl import api_prefix, is_api_request
from discogs_harvest.downloadermiddlewares.exceptions import DiscogsOutageError

logger = logging.getLogger(__name__)

CLOSE_REASON = "api_unreachable"
OPENED = stats.key("outage", "opened")
PROBES = stats.key("outage", "probes")
REQUEUED = stats.key("outage", "requeued")
MESSAGE = stats.key("outage", "message")
REQUEUED_META = "discogs_outage_requeued"

# No HTTP answer at all: the host (or the way to it) is down.
# Scrapy 2.19 wraps Twisted's errors in its own (scrapy/exceptions.py); both are listed.
CONNECTION_FAILURES = (
    DownloadConnectionRefusedError,
    CannotResolveHostError,
    DownloadTimeoutError,
    DownloadFailedError,
    twisted_errors.ConnectError,  # refused, DNS lookup, TCP timeout, no route ...
    twisted_errors.ConnectionLost,
    twisted_errors.ConnectionDone,
    twisted_errors.TimeoutError,
    ResponseNeverReceived,
    ResponseFailed,
    ConnectionError,
    TimeoutError,
)

GO, PROBE, WAIT, GIVE_UP = "go", "probe", "wait", "give_up"


class OutageBreaker:
    """Consecutive connection failures -> open; probes while open; give up after ``outage_max``."""

    def __init__(self, threshold, outage_max, probe_interval):
        self.threshold = threshold
        self.outage_max = outage_max
        self.probe_interval = probe_interval
        self.failures = 0
        self.streak_started = None  # time of the first failure of the current streak
        self.opened_at = None  # None: closed
        self.next_probe = 0.0
        self.probing = False
        self.reached = False  # the host has answered at least once in this run
        self.last_error = None

    @property
    def open(self):
        return self.opened_at is not None

    def failure(self, now, error=None):
        self.last_error = error or self.last_error
        self.failures += 1
        if self.streak_started is None:
            self.streak_started = now
        self.probing = False
        if self.open:
            self.next_probe = now + self.probe_interval
        elif self.failures >= self.threshold:
            self.opened_at = self.streak_started
            self.next_probe = now + self.probe_interval
            return True  # just opened
        return False

    def success(self):
        self.reached = True
        self.failures = 0
        self.streak_started = None
        self.opened_at = None
        self.probing = False

    def given_up(self, now):
        return self.open and (not self.reached or now - self.opened_at >= self.outage_max)

    def admit(self, now):
        """What a request about to be sent does: GO, PROBE (go, alone), WAIT or GIVE_UP."""
        if not self.open:
            return GO
        if self.given_up(now):
            return GIVE_UP
        if not self.probing and now >= self.next_probe:
            self.probing = True
            return PROBE
        return WAIT

    def wait_seconds(self, now):
        return max(0.05, min(0.5, self.next_probe - now))


def host_of(api_url):
    parts = urlsplit(api_url)
    return parts.netloc or api_url


class ConnectionBreakerMiddleware:
    def __init__(self, crawler, clock=time.monotonic, sleep=asyncio.sleep):
        settings = crawler.settings
        self.api_url = api_prefix(settings.get("DISCOGS_API_URL"))
        self.host = host_of(self.api_url)
        self.breaker = OutageBreaker(settings.getint("DISCOGS_CONNECT_FAILURES"),
                                     settings.getfloat("DISCOGS_OUTAGE_MAX"),
                                     settings.getfloat("DISCOGS_OUTAGE_PROBE_INTERVAL"))
        self.crawler = crawler
        self.stats = crawler.stats
        self._clock = clock
        self._sleep = sleep
        self._closing = False

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        if not is_api_request(request, self.api_url):
            return None
        while True:
            action = self.breaker.admit(self._clock())
            if action == GO:
                return None
            if action == PROBE:
                self.stats.inc_value(PROBES)
                logger.info("Probing %s with %s", self.host, request)
                return None
            if action == GIVE_UP:
                self.give_up()
                raise DiscogsOutageError(self.message())
            await self._sleep(self.breaker.wait_seconds(self._clock()))

    def process_response(self, request, response):
        if is_api_request(request, self.api_url):
            if self.breaker.open:
                logger.warning("%s answers again (HTTP %s): resuming", self.host, response.status)
            self.breaker.success()
        return response

    def process_exception(self, request, exception):
        if not is_api_request(request, self.api_url) or not isinstance(exception, CONNECTION_FAILURES):
            return None
        now = self._clock()
        was_open = self.breaker.open
        if self.breaker.failure(now, describe(exception)):
            self.stats.inc_value(OPENED)
            logger.warning("%s consecutive connection failures of %s (%s): pausing requests, probing every %g s",
                           self.breaker.failures, self.host, describe(exception), self.breaker.probe_interval)
        if self.breaker.given_up(now):
            self.give_up()
            raise DiscogsOutageError(self.message())
        if was_open or self.breaker.open:
            # Wait for the host with the others instead of spending a retry on the outage.
            self.stats.inc_value(REQUEUED)
            retry = request.copy()
            retry.dont_filter = True
            retry.meta[REQUEUED_META] = retry.meta.get(REQUEUED_META, 0) + 1
            return retry
        return None

    def message(self):
        if not self.breaker.reached:
            return f"cannot reach {self.host} ({self.breaker.last_error})"
        return (f"cannot reach {self.host}: no answer for {self.breaker.outage_max:g} s "
                f"(DISCOGS_OUTAGE_MAX; last error: {self.breaker.last_error})")

    def give_up(self):
        if self._closing:
            return
        self._closing = True
        message = self.message()
        self.stats.set_value(MESSAGE, message)
        logger.error("%s; stopping (run the same command again once it is back)", message)
        engine = self.crawler._engine  # None until the crawl starts (scrapy/crawler.py)
        if engine is not None and engine.spider is not None:
            self._task = asyncio.ensure_future(engine.close_spider_async(reason=CLOSE_REASON))


def describe(exception):
    text = str(exception).strip() or type(exception).__name__
    if isinstance(exception, (ResponseNeverReceived, ResponseFailed)):
        reasons = getattr(exception, "reasons", None) or []
        text = "; ".join(str(getattr(r, "value", r)) for r in reasons) or type(exception).__name__
    return " ".join(text.split())[:160]
