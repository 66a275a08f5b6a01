"""One ``harvest_runs`` row per crawl: what ran, how far it got, how it ended.

The row is inserted when the spider opens (spider name, arguments, start time),
updated every ``PROGRESS_INTERVAL`` seconds with the progress snapshot of
:mod:`~discogs_harvest.extensions.progress` (pages, releases, ETA, requests, items),
and completed when the spider closes (``finished_at``, ``finish_reason``,
``requests`` = ``downloader/request_count``, ``items`` = ``item_scraped_count``).
The desktop app reading the same database sees a harvest move.

Arguments are stored without secrets: an argument whose name contains token,
secret, key or password, or whose value is one of the configured credentials, is
stored as ``"***"``. Settings are never stored.

Settings: ``DATABASE_URL`` (the database, opened once per process through
:func:`discogs_harvest.freshness.database_for`), ``PROGRESS_INTERVAL`` (seconds
between row updates), and the credentials ``DISCOGS_TOKEN``, ``DISCOGS_CONSUMER_KEY``,
``DISCOGS_CONSUMER_SECRET``, ``JSONRPC_TOKEN`` (only to recognise them, never stored).
"""

import json
import logging
import re

from peewee import PeeweeException
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.extensions.progress import ProgressSource
from discogs_harvest.freshness import database_for
from discogs_harvest.models import HarvestRun, utcnow

logger = logging.getLogger(__name__)

SECRET_NAME = re.compile(r"token|secret|key|password|passwd", re.IGNORECASE)
REDACTED = "***"
CREDENTIAL_SETTINGS = ("DISCOGS_TOKEN", "DISCOGS_CONSUMER_KEY", "DISCOGS_CONSUMER_SECRET", "JSONRPC_TOKEN",
                       "DISCOGS_OAUTH_TOKEN", "DISCOGS_OAUTH_TOKEN_SECRET")
# Attributes Scrapy itself puts on a spider: never arguments.
SPIDER_OWN = frozenset({"name", "crawler", "settings", "start_urls", "allowed_domains", "custom_settings"})
SCALARS = (str, int, float, bool)


def spider_arguments(spider):
    """The ``-a`` arguments of ``spider``.

    A spider that keeps them in an ``arguments`` dict is believed. Otherwise Scrapy's
    ``Spider.__init__`` has copied them onto the instance as attributes, so the public
    scalar attributes are the best available guess.
    """
    arguments = getattr(spider, "arguments", None)
    if isinstance(arguments, dict):
        return dict(arguments)
    return {
        name: value
        for name, value in vars(spider).items()
        if not name.startswith("_") and name not in SPIDER_OWN and isinstance(value, SCALARS)
    }


def redact(arguments, secret_values=()):
    """``arguments`` with secret-looking names, and known credential values, replaced."""
    secrets = {str(v) for v in secret_values if v}
    return {
        name: REDACTED if SECRET_NAME.search(name) or str(value) in secrets else value
        for name, value in arguments.items()
    }


def progress_columns(snapshot):
    """The ``harvest_runs`` columns a progress snapshot fills."""
    return {
        "pages_done": snapshot["pages_done"] or 0,
        "pages_total": snapshot["pages_total"],
        "releases_done": snapshot["releases_done"] or 0,
        "releases_to_fetch": snapshot["releases_to_fetch"],
        "eta_seconds": snapshot["eta_seconds"],
    }


class RunLog:
    """Keeps the ``harvest_runs`` row of the current crawl up to date."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.database_url = settings.get("DATABASE_URL")
        if not self.database_url:
            raise NotConfigured("DATABASE_URL is empty")
        self.interval = settings.getfloat("PROGRESS_INTERVAL")
        self.secret_values = [settings.get(name) for name in CREDENTIAL_SETTINGS]
        self.crawler = crawler
        self.source = ProgressSource(crawler)
        self.run_id = None
        self.task = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        try:
            database_for(self.database_url)
            arguments = redact(spider_arguments(spider), self.secret_values)
            self.run_id = HarvestRun.insert(
                spider=spider.name,
                arguments=json.dumps(arguments, sort_keys=True, default=str),
                started_at=utcnow(),
                updated_at=utcnow(),
            ).execute()
        except (HarvestConfigError, PeeweeException) as exc:
            logger.error("Run not recorded in harvest_runs: %s", exc)
            return
        logger.info("Recording this run as harvest_runs.id=%s", self.run_id)
        self.crawler.stats.set_value("harvest/run/id", self.run_id)  # the record of change names it
        if self.interval > 0:
            self.task = create_looping_call(self.update)
            self.task.start(self.interval, now=False)

    def write(self, **columns):
        try:
            database_for(self.database_url)
            HarvestRun.update(updated_at=utcnow(), **columns).where(HarvestRun.id == self.run_id).execute()
        except PeeweeException as exc:
            logger.warning("Cannot update harvest_runs.id=%s: %s", self.run_id, exc)

    def counters(self):
        stats = self.crawler.stats
        return {
            "requests": stats.get_value("downloader/request_count", 0),
            "items": stats.get_value("item_scraped_count", 0),
        }

    def update(self):
        self.write(**progress_columns(self.source.snapshot()), **self.counters())

    def spider_closed(self, spider, reason):
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.run_id is None:
            return
        self.write(
            **progress_columns(self.source.snapshot()),
            **self.counters(),
            finished_at=utcnow(),
            finish_reason=reason,
        )
        logger.info("harvest_runs.id=%s finished (%s)", self.run_id, reason)
