"""``scrapy crawl``, with the failures a user can fix reported as one line.

Scrapy's own ``crawl`` exits 0 whatever happened inside the crawl and prints a traceback for a
bad spider argument. This one, before anything is fetched or written, checks the spider
arguments (``parse_arguments``), ``DISCOGS_API_URL`` and the rate settings, then that the database
(``DATABASE_URL``) can be written now: not read-only, not locked by another process (waiting
``DATABASE_LOCK_TIMEOUT`` seconds at most; the harvest's own writes keep the long busy timeout
of :mod:`discogs_harvest.database`). Any of these failing prints ``error: <reason>`` and exits
2, with the database untouched. After the crawl, a failure close reason (unknown seller,
refused credentials; see ``FAILURE_REASONS``) prints the spider's message and exits non-zero,
and a harvest that finished with work left undone (an inventory page or a release that failed
every retry, an item that could not be stored) says what in one line and exits 5: what it
stored is kept, and the next run carries on from there.

Settings: ``DISCOGS_API_URL``, ``DISCOGS_RATE_LIMIT``, ``DISCOGS_RATE_PERIOD``, ``DATABASE_URL``,
``DATABASE_LOCK_TIMEOUT``, ``DISCOGS_BUDGET_REDIS_URL`` (Redis must answer).
"""

import logging
import sys
from urllib.parse import urlsplit

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from discogs_harvest import stats
from discogs_harvest.database import check_database, open_database
from discogs_harvest.downloadermiddlewares.redis_window import check_redis
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.spiders.base import FAILURE_REASONS

# Seconds the pre-check waits for another process's write lock (settings.py has the default).
DEFAULT_LOCK_TIMEOUT = 5.0
INCOMPLETE = 5

logger = logging.getLogger(__name__)

# Stats that count work a finished harvest left undone, and how to say it.
UNDONE = (
    (stats.PAGES_FAILED, "{} inventory pages failed every retry"),
    (stats.RELEASES_FAILED, "{} releases failed every retry"),
    (stats.key("storage", "items_failed"), "{} items could not be stored"),
)


def incomplete_message(values):
    """``"harvest incomplete: 2 releases failed every retry; ..."`` or None when nothing is undone."""
    undone = [text.format(values[key]) for key, text in UNDONE if values.get(key)]
    if not undone:
        return None
    return f"harvest incomplete: {'; '.join(undone)} (see the log; the next run retries them first)"


def check_api_url(url):
    """Raise HarvestConfigError unless ``url`` is an http(s) URL with a host."""
    try:
        parts = urlsplit(url or "")
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise HarvestConfigError(f"DISCOGS_API_URL {url!r} is not an http(s) URL like https://api.discogs.com")


def check_budget(settings):
    """Raise HarvestConfigError for a rate setting that would switch pacing off.

    The budget middleware raises NotConfigured on these, which Scrapy takes as "disable
    the component": the harvest would then run unpaced into Discogs' 429s.
    """
    checks = (("DISCOGS_RATE_LIMIT", settings.getint, 1), ("DISCOGS_RATE_PERIOD", settings.getfloat, 0.001))
    for name, read, lowest in checks:
        if settings.get(name) in (None, ""):
            continue  # the default for the credentials
        try:
            value = read(name)
        except ValueError:
            raise HarvestConfigError(f"{name} {settings.get(name)!r} is not a number") from None
        if value < lowest:
            raise HarvestConfigError(f"{name} must be > 0, not {settings.get(name)!r}")


class Command(ScrapyCrawlCommand):
    def run(self, args, opts):
        if len(args) != 1:
            return super().run(args, opts)  # Scrapy's usage errors
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
            parse = getattr(spidercls, "parse_arguments", None)
            if parse is not None:
                parse(**opts.spargs)
            check_api_url(self.settings.get("DISCOGS_API_URL"))
            check_budget(self.settings)
            if self.settings.get("DISCOGS_BUDGET_REDIS_URL"):
                check_redis(self.settings.get("DISCOGS_BUDGET_REDIS_URL"))
            url = self.settings.get("DATABASE_URL")
            check_database(url, self.settings.getfloat("DATABASE_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
            open_database(url).close()
        except HarvestConfigError as exc:
            return self.error(exc, 2)
        except KeyError:
            return super().run(args, opts)  # unknown spider: Scrapy's own message

        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return None
        reason = crawler.stats.get_value("finish_reason")
        if reason in FAILURE_REASONS:
            message = getattr(crawler.spider, "close_message", None) or reason
            return self.error(message, FAILURE_REASONS[reason])
        message = incomplete_message(crawler.stats.get_stats())
        if message:
            return self.error(message, INCOMPLETE)
        return None

    def error(self, message, status):
        print(f"error: {message}", file=sys.stderr)
        if self.settings.get("LOG_FILE"):
            # A Scrapyd job's log is LOG_FILE; its stderr goes to the daemon's log only.
            logger.error("error: %s", message)
        self.exitcode = status
