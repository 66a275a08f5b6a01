"""RequestBudgetMiddleware: no moving window ever holds more API requests than Discogs allows.

Settings: ``DISCOGS_BUDGET_ENABLED``, ``DISCOGS_API_URL`` (only requests under it are
paced), ``DISCOGS_RATE_LIMIT`` (unset: 60 with a token or a key/secret, 25 without,
API_FACTS.md §1), ``DISCOGS_RATE_PERIOD``, ``DISCOGS_RATE_HEADROOM``,
``DISCOGS_BREAKER_THRESHOLD``, ``DISCOGS_RETRY_AFTER_MAX``, ``DISCOGS_BUDGET_REDIS_URL``
and ``DISCOGS_BUDGET_EGRESS`` (below), ``DOWNLOAD_TIMEOUT``.

With ``DISCOGS_BUDGET_REDIS_URL`` set, the window is kept in Redis
(:class:`~.redis_window.RedisWindow`), shared by every process with the same credentials
or the same ``DISCOGS_BUDGET_EGRESS``: each request takes its slot there in one atomic
operation, so any number of processes never exceed the limit together. This process then
keeps only the breaker and the server's limit (:class:`~.policy.Budget` with
``window=False``). Without it, the window is this process's own, synced from the headers.

It sits closest to the downloader (``DOWNLOADER_MIDDLEWARES`` 950), so its
``process_request`` runs last and its ``process_response``/``process_exception`` first:
it counts every request actually handed to the downloader, retries included, and reads
every answer's ``X-Discogs-Ratelimit*`` headers before anyone else. ``process_request``
waits (asyncio, without blocking the reactor) until :class:`~.policy.Budget` has room,
and reserves the slot there and then, in arrival order, so concurrent requests never
overbook. All the arithmetic is in :mod:`~discogs_harvest.downloadermiddlewares.policy`.

AutoThrottle keeps adjusting the download delay to the latency, but it acts after this
gate (the downloader slot's delay is applied to requests already let through), so it can
only slow requests down, never push the rate above the budget.

A 429 is handled here too: the window is full (or the server is refusing us), so every
request waits, for Retry-After (capped) or until the window has room, and the next one
goes alone as a probe; see :class:`~.policy.Breaker`. Re-sending the refused request is
:class:`~.retry.DiscogsRetryMiddleware`'s job.

Stats: ``harvest/budget/requests`` (sent, retries included), ``waits`` (requests that
had to wait) and ``wait_seconds`` (their waits added up), ``current_wait`` and
``wait_until`` (epoch seconds it ends, 0 when not waiting), ``429``,
``breaker_opened``, ``header_syncs`` (answers whose headers revealed requests not ours),
``limit`` (ours, lowered when the server's ``X-Discogs-Ratelimit`` is lower) and
``period`` (raised, with one warning and ``window_corrected``, when a 429 proves the
server's window longer than ``DISCOGS_RATE_PERIOD``: see ``Budget.learn_window``); at close one line: "N requests in T s, R/min, budget use U %".
"""

import asyncio
import logging
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from discogs_harvest import stats
from discogs_harvest.downloadermiddlewares.apiurl import api_prefix, is_api_request
from discogs_harvest.downloadermiddlewares.policy import Budget, parse_rate_headers, parse_retry_after
from discogs_harvest.downloadermiddlewares.redis_window import RedisWindow, window_keys
from discogs_harvest.logformatter import emitted

logger = logging.getLogger(__name__)

# request.meta keys. SEND is the reserved slot, removed again when the answer comes, so a
# retry's copy of the meta never carries it; PACED tells the retry middleware that 429s
# are waited out here.
SEND = "_discogs_budget_send"
SHARED = "_discogs_budget_shared"  # the send's member in the Redis window
PACED = "discogs_budget_paced"

# Discogs' default tiers (API_FACTS.md §1).
LIMIT_AUTHENTICATED = 60
LIMIT_ANONYMOUS = 25


def has_credentials(settings):
    """A token, or a consumer key and secret: Discogs' authenticated tier."""
    return bool(settings.get("DISCOGS_TOKEN")
                or (settings.get("DISCOGS_CONSUMER_KEY") and settings.get("DISCOGS_CONSUMER_SECRET")))


def default_limit(settings):
    """``DISCOGS_RATE_LIMIT``, or the tier the configured credentials give."""
    configured = settings.get("DISCOGS_RATE_LIMIT")
    if configured not in (None, ""):
        return settings.getint("DISCOGS_RATE_LIMIT")
    return LIMIT_AUTHENTICATED if has_credentials(settings) else LIMIT_ANONYMOUS


class RequestBudgetMiddleware:
    def __init__(self, crawler, clock=time.monotonic):
        settings = crawler.settings
        if not settings.getbool("DISCOGS_BUDGET_ENABLED"):
            raise NotConfigured("DISCOGS_BUDGET_ENABLED is off")
        self.api_url = api_prefix(settings.get("DISCOGS_API_URL"))
        if not self.api_url:
            raise NotConfigured("DISCOGS_API_URL is empty")
        limit = default_limit(settings)
        if limit <= 0:
            raise NotConfigured("DISCOGS_RATE_LIMIT must be > 0")
        period = settings.getfloat("DISCOGS_RATE_PERIOD")
        if period <= 0:
            raise NotConfigured("DISCOGS_RATE_PERIOD must be > 0")
        headroom = settings.getint("DISCOGS_RATE_HEADROOM")
        if not 0 <= headroom < limit:
            raise NotConfigured("DISCOGS_RATE_HEADROOM must be >= 0 and below DISCOGS_RATE_LIMIT")
        redis_url = settings.get("DISCOGS_BUDGET_REDIS_URL")
        self.budget = Budget(
            limit,
            period,
            headroom=headroom,
            threshold=settings.getint("DISCOGS_BREAKER_THRESHOLD"),
            retry_after_max=settings.getfloat("DISCOGS_RETRY_AFTER_MAX"),
            window=not redis_url,
        )
        self.shared = None
        if redis_url:
            keys = window_keys(settings.get("DISCOGS_TOKEN"), settings.get("DISCOGS_CONSUMER_KEY"),
                               settings.get("DISCOGS_CONSUMER_SECRET"), settings.get("DISCOGS_BUDGET_EGRESS"))
            # Unanswered, a send may have been counted as late as DOWNLOAD_TIMEOUT after it left.
            pending = settings.getfloat("DOWNLOAD_TIMEOUT", 180) + period
            self.shared = RedisWindow(redis_url, keys, period, pending)
        self._answers = set()  # Redis updates still in flight
        self.crawler = crawler
        self.stats = crawler.stats
        self._clock = clock
        self._lock = asyncio.Lock()  # FIFO: requests get their slots in arrival order
        self._changed = asyncio.Event()  # set on every answer: the window may have room
        self._first = None
        self._last = None
        self._sent = 0
        self._published_limit = self.budget.effective_limit
        # Without credentials Discogs allows 25 requests a minute: say so once, at the start.
        self._anonymous = not has_credentials(settings) and settings.get("DISCOGS_RATE_LIMIT") in (None, "")
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # --- the gate ---------------------------------------------------------------------

    # An ``async def`` process_request is awaited by the downloader middleware manager
    # (scrapy/core/downloader/middleware.py, ``_process_request``: ``ensure_awaitable``),
    # so the wait below suspends this request only, never the reactor.
    async def process_request(self, request):
        if not is_api_request(request, self.api_url):
            return None
        request.meta[SEND], member = await self._acquire()
        if member is not None:
            request.meta[SHARED] = member
        request.meta[PACED] = True
        return None

    async def _acquire(self):
        started = self._clock()
        waited = self._lock.locked()  # queued behind others counts as waiting
        member = None
        async with self._lock:
            while True:
                now = self._clock()
                delay = self.budget.delay(now)
                if delay <= 0 and self.shared is not None:
                    member, delay = await self.shared.reserve(self.budget.effective_limit)
                    now = self._clock()
                if delay <= 0:
                    break
                waited = True
                # The whole wait when it is known (progress shows "waiting for the rate limit");
                # waiting for an answer (a probe's) is shown as one period.
                shown = delay if delay != float("inf") else self.budget.period
                self.stats.set_value(stats.BUDGET_CURRENT_WAIT, round(shown, 3))
                self.stats.set_value(stats.BUDGET_WAIT_UNTIL, time.time() + shown)
                await self._wait(min(delay, self.budget.period))
            send = self.budget.reserve(now)
        if waited:
            self.stats.inc_value(stats.BUDGET_WAITS)
            self.stats.inc_value(stats.BUDGET_WAIT_SECONDS, now - started)
        if waited or not self._sent:
            # Only a request that waited (the loop above, under the lock) sets them to
            # anything but 0, and it clears them here before any other request goes on; the
            # first request publishes them. Two stats calls a request saved (issue 12).
            self.stats.set_value(stats.BUDGET_CURRENT_WAIT, 0)
            self.stats.set_value(stats.BUDGET_WAIT_UNTIL, 0)
        self.stats.inc_value(stats.BUDGET_REQUESTS)
        self._sent += 1
        if self._first is None:
            self._first = now
        if send.probe:
            logger.info("Sending one probe request after the 429 pause")
        return send, member

    async def _wait(self, timeout):
        """Sleep up to ``timeout`` seconds, less if an answer comes (it may make room, or
        be the probe's). An unbounded wait is re-checked every period in case none comes."""
        self._changed.clear()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout=timeout)
        except TimeoutError:
            pass

    # --- answers ----------------------------------------------------------------------

    def _shared_answered(self, request):
        member = request.meta.pop(SHARED, None)
        if member is not None:
            task = asyncio.ensure_future(self.shared.answered(member))
            self._answers.add(task)
            task.add_done_callback(self._answers.discard)

    def process_response(self, request, response):
        send = request.meta.pop(SEND, None)
        self._shared_answered(request)
        if send is None:  # not an API request, or answered from a cache
            return response
        now = self._clock()
        self._last = now
        headers = parse_rate_headers(response.headers)
        if response.status == 429:
            retry_after = parse_retry_after(response.headers.get(b"Retry-After"), time.time())
            pause, opened, foreign = self.budget.refused(send, now, headers, retry_after)
            self.stats.inc_value(stats.BUDGET_429)
            if self._check_window(now, headers):
                opened = False  # the 429s are explained: a full window, not a refusing server
            if opened:
                self.stats.inc_value(stats.BUDGET_BREAKER_OPENED)
                logger.warning("%s consecutive 429s: circuit breaker open, next probe in %.1f s",
                               self.budget.breaker.consecutive, pause)
            else:
                logger.info("429 from Discogs (%s): all requests wait %s, then one probe",
                            self._describe(headers, retry_after),
                            f"{pause:.1f} s" if pause else "until the window has room")
        else:
            foreign = self.budget.answered(send, now, headers)
        if self.budget.effective_limit != self._published_limit:
            self._publish_limit()
        if foreign:
            self.stats.inc_value(stats.BUDGET_HEADER_SYNCS)
        # Not just isEnabledFor: that is true at any LOG_LEVEL, and the figures scan the window.
        if emitted(logger, logging.DEBUG):
            logger.debug("%s %s: server counts %s/%s, ours in window %s, foreign %s (held %s)",
                         response.status, request.url, headers and headers.server_used, headers and headers.limit,
                         self.budget.in_window(now), foreign, self.budget.foreign(now))
        self._changed.set()
        return response

    def _check_window(self, now, headers):
        """Say once, and adopt, a longer window when the 429s prove DISCOGS_RATE_PERIOD too short."""
        learned = self.budget.learn_window(now, headers)
        if learned is None:
            return False
        old, evidence = learned
        self.stats.set_value(stats.BUDGET_PERIOD, self.budget.period)
        self.stats.inc_value(stats.key("budget", "window_corrected"))
        logger.warning(
            "DISCOGS_RATE_PERIOD=%g is shorter than the server's window: its 429 counts %s requests that "
            "reach back %.1f s; pacing at %s per %g s from now on (set DISCOGS_RATE_PERIOD to the server's "
            "window: 60 for Discogs, the sandbox's --window)",
            old, headers.server_used, evidence, self.budget.effective_limit, self.budget.period)
        return True

    def process_exception(self, request, exception):
        send = request.meta.pop(SEND, None)
        self._shared_answered(request)
        if send is not None:
            now = self._clock()
            self._last = now
            self.budget.lost(send, now)
            self._changed.set()
        return None

    @staticmethod
    def _describe(headers, retry_after):
        parts = []
        if retry_after is not None:
            parts.append(f"Retry-After {retry_after:g} s")
        if headers is not None and headers.server_used is not None:
            parts.append(f"server counts {headers.server_used}/{headers.limit}")
        return ", ".join(parts) or "no rate headers"

    # --- signals ----------------------------------------------------------------------

    def spider_opened(self, spider):
        if self._anonymous:
            logger.warning("No DISCOGS_TOKEN: Discogs allows %s requests per %g s without credentials "
                           "(%s with a token in .env, see the README)", LIMIT_ANONYMOUS, self.budget.period,
                           LIMIT_AUTHENTICATED)
        self._published_limit = self.budget.effective_limit
        self.stats.set_value(stats.BUDGET_LIMIT, self.budget.effective_limit)
        self.stats.set_value(stats.BUDGET_PERIOD, self.budget.period)

    def _publish_limit(self):
        limit = self.budget.effective_limit
        logger.info("X-Discogs-Ratelimit says %s requests per window: budget now %s per %g s",
                    self.budget.server_limit, limit, self.budget.period)
        self._published_limit = limit
        self.stats.set_value(stats.BUDGET_LIMIT, limit)

    def spider_closed(self, spider, reason):
        self.stats.set_value(stats.BUDGET_LIMIT, self.budget.effective_limit)
        logger.info("%s", self.summary())
        if self.shared is not None:
            return deferred_from_coro(self._close_shared())  # the signal waits for it
        return None

    async def _close_shared(self):
        if self._answers:
            await asyncio.gather(*self._answers, return_exceptions=True)
        await self.shared.close()

    def summary(self):
        """"N requests in T s, R/min, budget use U %" over the time requests were going out."""
        elapsed = (self._last - self._first) if self._sent and self._last is not None else 0.0
        budget = self.budget
        if elapsed > 0:
            rate = self._sent / elapsed * 60
            # A run shorter than a period could use a whole window at once: allow it that.
            allowed = budget.effective_limit * max(1.0, elapsed / budget.period)
            use = 100 * self._sent / allowed
        else:
            rate, use = 0.0, 0.0
        return (f"{self._sent} requests in {elapsed:.1f} s, {rate:.1f}/min, budget use {use:.0f} % "
                f"(limit {budget.effective_limit} per {budget.period:g} s)")
