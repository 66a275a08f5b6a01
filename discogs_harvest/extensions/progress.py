"""Where a harvest is and how long it has left: a log line, a terminal bar, one snapshot.

:func:`build_snapshot` turns the ``harvest/`` stats into the figures a person or an
app wants (pages done/total, releases done/to fetch, items stored, requests spent,
budget use, current wait, ETA). It is the only place those figures are computed: the
periodic log line and bar here, the JSON-RPC ``get_progress`` call
(:mod:`~discogs_harvest.extensions.jsonrpc`) and the ``harvest_runs`` row
(:mod:`~discogs_harvest.extensions.runlog`) all read it through :class:`ProgressSource`.

The ETA is :func:`eta_seconds`, a pure function: requests still to make divided by
the request rate, where the rate is the budget's (``limit / period``) or the rate
observed so far, whichever is lower.

Settings: ``PROGRESS_ENABLED``, ``PROGRESS_INTERVAL`` (seconds between log lines;
the bar on a terminal is redrawn every second), ``DISCOGS_RATE_LIMIT`` and
``DISCOGS_RATE_PERIOD`` (the budget, used until the budget middleware reports its own
``harvest/budget/limit`` and ``harvest/budget/period``).
"""

import datetime
import logging
import shutil
import sys

from scrapy import signals
from tqdm import tqdm
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from discogs_harvest import stats as keys

logger = logging.getLogger(__name__)

# Seconds between redraws of the terminal bar.
BAR_INTERVAL = 1.0
# Columns of the whole bar line at most; less on a narrower terminal. Scrapy's log lines
# (50+ columns of prefix alone) then overwrite it when they come.
BAR_COLUMNS = 100
# A wait of this many seconds or more is shown as "waiting for the rate limit (N s)".
WAITING_SHOWN = 1.0
# tqdm draws the bar and the counters; the ETA is ours (eta_seconds), given as the postfix.
BAR_FORMAT = "{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} requests [{elapsed}, {rate_fmt}{postfix}]"
BAR_FORMAT_UNKNOWN = "{n_fmt} requests [{elapsed}, {rate_fmt}{postfix}]"


def requests_left(pages_done, pages_total, releases_done, releases_to_fetch):
    """Inventory pages plus releases still to fetch, or ``None`` before the page count is known.

    ``releases_done`` counts failed releases too: they are settled. While pages are
    still being read, the releases found so far are projected over all pages.
    """
    if not pages_total:
        return None
    pages_left = max(pages_total - (pages_done or 0), 0)
    releases_expected = releases_to_fetch or 0
    if 0 < (pages_done or 0) < pages_total:
        releases_expected = releases_expected * pages_total / pages_done
    return pages_left + max(releases_expected - (releases_done or 0), 0)


def eta_seconds(pages_done, pages_total, releases_done, releases_to_fetch, rate_limit, period,
                elapsed, requests):
    """Seconds left, or ``None`` while the amount of work or the rate is unknown.

    Work left is :func:`requests_left`. The rate is the lower of the budget rate
    (``rate_limit`` per ``period`` seconds) and the observed rate (``requests`` over
    ``elapsed`` seconds), since either can be what holds the harvest back.
    """
    remaining = requests_left(pages_done, pages_total, releases_done, releases_to_fetch)
    if remaining is None:
        return None
    if remaining <= 0:
        return 0.0
    rates = []
    if rate_limit and period:
        rates.append(rate_limit / period)
    if requests and elapsed and elapsed > 0:
        rates.append(requests / elapsed)
    if not rates:
        return None
    return remaining / min(rates)


def _number(value):
    """A stats or settings value as a float, or ``None`` ("" and None are unset)."""
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def current_wait(stats, now):
    """Seconds the budget still holds requests back: counted down to ``wait_until`` when known."""
    until = _number(stats.get(keys.BUDGET_WAIT_UNTIL))
    if until:
        return round(max(0.0, until - now.timestamp()), 3)
    return stats.get(keys.BUDGET_CURRENT_WAIT, 0.0)


def build_snapshot(stats, now, default_limit=None, default_period=None):
    """The progress figures from a stats dict at ``now`` (an aware UTC datetime).

    Flat, JSON-ready keys so that the desktop app, the log line and the
    ``harvest_runs`` row use the same names.
    """
    start = stats.get("start_time")
    elapsed = (now - start).total_seconds() if start is not None else None
    requests = stats.get(keys.BUDGET_REQUESTS, stats.get("downloader/request_count", 0))
    limit = _number(stats.get(keys.BUDGET_LIMIT)) or _number(default_limit)
    period = _number(stats.get(keys.BUDGET_PERIOD)) or _number(default_period)
    pages_done = stats.get(keys.PAGES_DONE, 0)
    pages_total = stats.get(keys.PAGES_TOTAL)
    releases_done = stats.get(keys.RELEASES_DONE, 0)
    releases_to_fetch = stats.get(keys.RELEASES_TO_FETCH)
    eta = eta_seconds(pages_done, pages_total, releases_done, releases_to_fetch, limit, period,
                      elapsed, requests)
    budget_use = None
    if limit and period and elapsed and elapsed > 0:
        budget_use = round((requests / elapsed) / (limit / period), 3)
    percent = None
    remaining = requests_left(pages_done, pages_total, releases_done, releases_to_fetch)
    if remaining is not None:
        done = pages_done + releases_done
        percent = round(100.0 * done / (done + remaining), 1) if remaining > 0 else 100.0
    return {
        "elapsed_seconds": round(elapsed, 3) if elapsed is not None else None,
        "pages_done": pages_done,
        "pages_total": pages_total,
        "releases_done": releases_done,
        "releases_to_fetch": releases_to_fetch,
        "releases_failed": stats.get(keys.RELEASES_FAILED, 0),
        "items_stored": stats.get(keys.ITEMS_STORED, 0),
        "requests": requests,
        "budget_limit": limit,
        "budget_period": period,
        "budget_use": budget_use,
        "current_wait": current_wait(stats, now),
        "percent": percent,
        "eta_seconds": round(eta, 1) if eta is not None else None,
    }


def format_duration(seconds):
    """``None`` -> ``"?"``, 95 -> ``"1m35s"``, 3720 -> ``"1h02m"``."""
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def _of(done, total):
    return f"{done}/{total if total is not None else '?'}"


def waiting(snapshot):
    """``"waiting for the rate limit (1m04s)"`` while the budget holds requests back, else None."""
    wait = snapshot["current_wait"] or 0
    return f"waiting for the rate limit ({format_duration(wait)})" if wait >= WAITING_SHOWN else None


def per_minute(snapshot):
    """Requests per minute so far, or None before the clock started."""
    elapsed = snapshot["elapsed_seconds"]
    return snapshot["requests"] * 60 / elapsed if elapsed else None


def format_line(snapshot):
    """The log line: every figure of the snapshot, in words."""
    budget = "budget ?"
    if snapshot["budget_limit"] and snapshot["budget_period"]:
        budget = f"budget {snapshot['budget_limit']:g}/{snapshot['budget_period']:g}s"
        if snapshot["budget_use"] is not None:
            budget += f" ({snapshot['budget_use']:.0%} used)"
    rate = per_minute(snapshot)
    wait = waiting(snapshot) or f"wait {snapshot['current_wait'] or 0:.1f}s"
    return (
        f"pages {_of(snapshot['pages_done'], snapshot['pages_total'])}, "
        f"releases {_of(snapshot['releases_done'], snapshot['releases_to_fetch'])}"
        f" ({snapshot['releases_failed']} failed), "
        f"{snapshot['items_stored']} items stored, {snapshot['requests']} requests"
        f"{f' ({rate:.1f}/min)' if rate is not None else ''}, {budget}, "
        f"{wait}, "
        f"elapsed {format_duration(snapshot['elapsed_seconds'])}, ETA {format_duration(snapshot['eta_seconds'])}"
    )


def format_bar(snapshot, columns=BAR_COLUMNS):
    """One terminal line, drawn by tqdm with our ETA:
    ``20%|######      | 40/203 requests [00:40,  1.00req/s, ETA 2m43s]``.

    The counts are requests: done (pages and releases settled) of done plus
    :func:`requests_left`; the rate is requests sent per second so far.
    """
    remaining = requests_left(snapshot["pages_done"], snapshot["pages_total"], snapshot["releases_done"],
                              snapshot["releases_to_fetch"])
    done = (snapshot["pages_done"] or 0) + (snapshot["releases_done"] or 0)
    total = done + round(remaining) if remaining is not None else None
    elapsed = snapshot["elapsed_seconds"] or 0
    rate = snapshot["requests"] / elapsed if elapsed else None
    postfix = ", ".join(filter(None, [waiting(snapshot), f"ETA {format_duration(snapshot['eta_seconds'])}"]))
    return tqdm.format_meter(
        n=done, total=total, elapsed=elapsed, ncols=columns, unit="req", rate=rate, ascii=True,
        bar_format=BAR_FORMAT if total else BAR_FORMAT_UNKNOWN, postfix=postfix,
    )


class ProgressSource:
    """Builds the snapshot of a running crawler; shared by Progress, RunLog and JSON-RPC."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.default_limit = crawler.settings.get("DISCOGS_RATE_LIMIT")
        self.default_period = crawler.settings.get("DISCOGS_RATE_PERIOD")

    def snapshot(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        figures = build_snapshot(self.crawler.stats.get_stats(), now, self.default_limit,
                                 self.default_period)
        # Crawler.engine raises until the crawl starts; Scrapy documents reading
        # the underscore attribute for that case (scrapy/crawler.py, _LateAttribute).
        engine = self.crawler._engine
        spider = self.crawler.spider
        figures["spider"] = spider.name if spider is not None else None
        figures["paused"] = bool(engine and engine.paused)
        figures["in_flight"] = len(engine.downloader.active) if engine else 0
        return figures


class Progress:
    """Logs the snapshot every ``PROGRESS_INTERVAL`` s; draws a bar when stderr is a terminal.

    The bar is only drawn on a terminal: piped or redirected output (tests, CI, ``2> log``)
    gets the log lines alone, never carriage returns or escape codes.
    """

    def __init__(self, crawler, stream=None):
        if not crawler.settings.getbool("PROGRESS_ENABLED"):
            raise NotConfigured
        self.interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if self.interval <= 0:
            raise NotConfigured("PROGRESS_INTERVAL must be > 0")
        self.source = ProgressSource(crawler)
        self.stream = stream if stream is not None else sys.stderr
        self.bar = bool(getattr(self.stream, "isatty", lambda: False)())
        self.tasks = []
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        self.tasks = [create_looping_call(self.log_progress)]
        self.tasks[0].start(self.interval, now=False)
        if self.bar:
            self.tasks.append(create_looping_call(self.draw_bar))
            self.tasks[1].start(min(BAR_INTERVAL, self.interval), now=False)

    def log_progress(self):
        logger.info("Progress: %s", format_line(self.source.snapshot()))

    def draw_bar(self):
        # \r and "erase to end of line": redraw in place; the trailing \r puts the
        # cursor back at column 0 so the next log line overwrites the bar.
        columns = min(BAR_COLUMNS, shutil.get_terminal_size().columns - 1)
        self.stream.write("\r\x1b[K" + format_bar(self.source.snapshot(), columns) + "\r")
        self.stream.flush()

    def spider_closed(self, spider, reason):
        for task in self.tasks:
            if task.running:
                task.stop()
        self.tasks = []
        if self.bar:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
        logger.info("Progress at close (%s): %s", reason, format_line(self.source.snapshot()))
