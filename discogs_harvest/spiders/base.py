"""What every discogs-harvest spider shares: API URLs, error handling, release requests.

Reads the settings ``DISCOGS_API_URL``, ``DISCOGS_PER_PAGE``, ``STALENESS_MAX_AGE_DAYS`` and
``DATABASE_URL`` (through :mod:`discogs_harvest.freshness`, to skip releases stored recently).

Failures that make the whole harvest pointless close the spider with a reason from
:data:`FAILURE_REASONS`; the ``crawl`` command (:mod:`discogs_harvest.commands.crawl`)
turns that reason into one line on stderr and a non-zero exit status.
"""

import logging
import os
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.encoding import html_body_declared_encoding

from discogs_harvest import shapes, stats, trackfeed
from discogs_harvest.checkpoints import failed_release_ids
from discogs_harvest.downloadermiddlewares.exceptions import DiscogsOutageError
from discogs_harvest.downloadermiddlewares.auth import credential_hint
from discogs_harvest.downloadermiddlewares.claims import ReleaseStoredElsewhere
from discogs_harvest.downloadermiddlewares.retry import error_message
from discogs_harvest.freshness import fresh_releases
from discogs_harvest.items import FailedReleaseItem
from discogs_harvest.loaders import load_release
from discogs_harvest.scrub import drop_credentials, scrub
from discogs_harvest.stored import stored_releases

logger = logging.getLogger(__name__)

# Close reasons that mean "the harvest could not do its job", with their exit status.
FAILURE_REASONS = {
    "seller_not_found": 3,
    "not_found": 3,  # a user, label, artist or master the list spiders were asked for
    "auth_failed": 4,
    "forbidden": 4,
    "bad_input": 2,
}

# Set by our `scrapy parse` (commands/parse.py), as Scrapy sets SCRAPY_CHECK for `scrapy check`.
PARSE_ENV = "DISCOGS_HARVEST_PARSE"

# Inventory pages are scheduled before releases so the amount of work is known early.
PAGE_PRIORITY = 100
RELEASE_PRIORITY = 0
# A release another harvest stored in this run is read back whatever its age (100 years).
STORED_ANY_AGE_DAYS = 36_500


def body_text(response):
    """``response.text``, without Scrapy's encoding detection for a Discogs JSON body.

    Scrapy's ``TextResponse.text`` (scrapy/http/response/text.py) decodes with the response's
    own encoding, else a BOM's, else the Content-Type charset, else one declared in the body
    (w3lib's ``html_body_declared_encoding``), else the first of ascii (read as cp1252) and
    UTF-8 that decodes the body. Discogs answers ``application/json`` without a charset, a
    body starting with ``{`` has no BOM, so when nothing is declared in it and it is UTF-8
    that text is its UTF-8 decoding, which this returns; any other answer gets
    ``response.text``. About a tenth of a millisecond of CPU a release (issue 12's profile).
    """
    body = response.body
    if (getattr(response, "_encoding", None) is None and body[:1] == b"{"
            and response.headers.get(b"Content-Type") == b"application/json"
            and html_body_declared_encoding(body) is None):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return response.text


class DiscogsSpider(scrapy.Spider):
    """Base spider: subclasses implement ``start()`` and their callbacks."""

    # What a plain ``-O file`` feed of this spider holds, and its columns in order.
    feed_item_class = None
    feed_fields = None
    # Arguments used when `scrapy check` or `scrapy parse` create the spider without any:
    # they send only their own request, so the arguments only need to be valid.
    example_arguments = {}

    @classmethod
    def update_settings(cls, settings):
        """Give every feed without ``item_classes`` this spider's item class and fields.

        ``-O listings.csv`` then holds only listings (not releases or internal items), in
        the documented column order; a ``FEEDS`` entry that names its own keeps them.
        """
        super().update_settings(settings)
        feeds = settings.getdict("FEEDS")
        if not feeds or cls.feed_item_class is None:
            return
        # One step above the priority FEEDS came with (cmdline for -O): the crawler process
        # merges its own settings into the crawler afterwards and would otherwise undo this.
        settings.set("FEEDS", {uri: trackfeed.feed_options(options, cls.feed_item_class, cls.feed_fields)
                               for uri, options in feeds.items()},
                     priority=settings.getpriority("FEEDS") + 1)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.api_url = settings.get("DISCOGS_API_URL").rstrip("/")
        spider.per_page = settings.getint("DISCOGS_PER_PAGE")
        spider.currency = settings.get("DISCOGS_CURRENCY")
        spider.max_age_days = settings.getfloat("STALENESS_MAX_AGE_DAYS")
        spider.database_url = settings.get("DATABASE_URL")
        spider.close_message = None
        spider.credential_hint = credential_hint(settings)
        # -a feed=tracks: settings are not frozen until the spider exists (Crawler.crawl_async).
        if spider.feed == "tracks" and cls.feed_item_class is not None:
            trackfeed.use_tracks_feed(settings, cls.feed_item_class)
        spider.wants_tracks = trackfeed.wants_tracks(settings)
        return spider

    def __init__(self, *args, **kwargs):
        if os.environ.get("SCRAPY_CHECK") or os.environ.get(PARSE_ENV):
            kwargs = {**self.example_arguments, **kwargs}
        # Validate before Scrapy copies the arguments onto the spider (raises HarvestConfigError).
        self.options = self.parse_arguments(**kwargs)
        super().__init__(*args, **kwargs)
        self.feed = trackfeed.parse_feed(kwargs.get("feed"))  # after Scrapy copied "feed" as given
        # The -a arguments as given, for the harvest_runs row (RunLog redacts secrets).
        self.arguments = dict(kwargs)
        self.retrying = set()  # releases that failed last run, requested first in this one
        self.gave_up = set()  # releases that failed every retry in this run

    @classmethod
    def parse_arguments(cls, **kwargs):
        """Validate ``-a`` arguments; return the parsed options or raise HarvestConfigError."""
        return {}

    # --- URLs and requests -------------------------------------------------------

    def url(self, path, **params):
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.api_url}{path}" + (f"?{query}" if query else "")

    def on_api(self, url):
        """``url``'s path and query on DISCOGS_API_URL: a ``next`` link (possibly stored by an
        earlier run against another address) is never followed to another host."""
        parts = urlsplit(drop_credentials(url))
        return f"{self.api_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    def retry_failed_releases(self, among=None):
        """Requests for releases that failed every retry in an earlier run (all, or ``among``)."""
        failed = failed_release_ids(self.database_url)
        if among is not None:
            failed = [release_id for release_id in failed if release_id in among]
        if failed:
            logger.info("Retrying first %s releases that failed every retry last time", len(failed))
        self.retrying.update(failed)
        self.crawler.stats.inc_value(stats.RELEASES_TO_FETCH, len(failed))
        return [self.release_request(release_id, priority=PAGE_PRIORITY + 1) for release_id in failed]

    def release_request(self, release_id, priority=RELEASE_PRIORITY, dont_filter=False):
        """``dont_filter``: the caller asks for each release once by construction, so Scrapy's
        duplicate filter (a fingerprint of every request: its URL canonicalised, then SHA1) has
        nothing to catch."""
        return scrapy.Request(
            self.url(f"/releases/{int(release_id)}", curr_abbr=self.currency),
            callback=self.parse_release,
            errback=self.release_failed,
            priority=priority,
            meta={"release_id": int(release_id), shapes.SHAPE_META: shapes.RELEASE},
            dont_filter=dont_filter,
        )

    def stored_for_feed(self, release_ids):
        """Fresh releases read back from the database for a feed of tracks (no request), else nothing."""
        if not self.wants_tracks or not release_ids:
            return []
        return stored_releases(release_ids, self.database_url)

    def fresh(self, release_ids):
        """Release id -> (genres, styles, format) for those stored less than STALENESS_MAX_AGE_DAYS ago."""
        return fresh_releases(release_ids, self.max_age_days, database_url=self.database_url)

    # --- callbacks shared by the spiders ------------------------------------------

    def parse_release(self, response):
        """A release answer becomes a ReleaseItem.

        @api /releases/249504
        @returns items 1 1
        @returns requests 0 0
        @scrapes release_id artist title tracks genres
        """
        item = load_release(response.json(), currency=self.currency)
        item.raw = body_text(response)  # kept verbatim (raw_bodies), for `scrapy rebuild`
        self.retrying.discard(item.release_id)
        self.crawler.stats.inc_value(stats.RELEASES_DONE)
        return item

    def release_failed(self, failure):
        """A release that could not be fetched: a 404 is one line; anything else is recorded
        in ``failed_releases`` (retried first next run) and reported when the spider closes."""
        release_id = failure.request.meta["release_id"]
        response = getattr(failure.value, "response", None)
        if failure.check(DiscogsOutageError):
            return  # the API is gone and the run is stopping: left for the next run, not failed
        self.retrying.discard(release_id)
        self.crawler.stats.inc_value(stats.RELEASES_DONE)
        if failure.check(ReleaseStoredElsewhere):
            # Stored by another harvest during this run: whatever STALENESS_MAX_AGE_DAYS says.
            known = fresh_releases([release_id], STORED_ANY_AGE_DAYS, database_url=self.database_url)
            if release_id in known:
                yield from self.stored_for_feed([release_id])
                yield from self.release_stored_elsewhere(release_id, *known[release_id])
                return
        if failure.check(HttpError) and response.status == 404:
            self.crawler.stats.inc_value(stats.key("releases", "not_found"))
            logger.warning("Release %s not found on Discogs (404): %s", release_id, error_message(response))
        else:
            self.check_credentials(failure)
            self.gave_up.add(release_id)
            self.crawler.stats.inc_value(stats.RELEASES_FAILED)
            reason = self.describe(failure)
            logger.error("Release %s failed: %s", release_id, reason)
            yield FailedReleaseItem(release_id=release_id, reason=reason)
        yield from self.release_unavailable(release_id)

    def closed(self, reason):
        if self.gave_up:
            logger.warning("%s releases failed every retry and will be retried first by the next run: %s",
                           len(self.gave_up), ", ".join(map(str, sorted(self.gave_up)[:20])) +
                           (" ..." if len(self.gave_up) > 20 else ""))

    def release_unavailable(self, release_id):
        """Hook: what to yield once a release is known to be unavailable (nothing by default)."""
        return ()

    def release_stored_elsewhere(self, release_id, genres, styles, release_format):
        """Hook: another harvest on the same database fetched and stored the release
        (:mod:`discogs_harvest.downloadermiddlewares.claims`); nothing to yield by default."""
        return ()

    def check_credentials(self, failure):
        """Close the spider when the API refuses our credentials: nothing else will work."""
        response = getattr(failure.value, "response", None)
        # Any 401 (Discogs answers a bad OAuth consumer in plain text, API_FACTS.md §2), a JSON 403.
        if response is not None and (response.status == 401 or response.status == 403 and self._json(response)):
            reason = "auth_failed" if response.status == 401 else "forbidden"
            self.fail(
                reason,
                f"Discogs refused the credentials (HTTP {response.status}: "
                f"{error_message(response)}); check {self.credential_hint}",
            )

    def fail(self, reason, message):
        """Log ``message`` once and close the spider with ``reason`` (see FAILURE_REASONS)."""
        if self.close_message is None:
            self.close_message = message
            logger.error("%s", message)
        raise CloseSpider(reason)

    @staticmethod
    def describe(failure):
        response = getattr(failure.value, "response", None)
        if response is not None:
            return f"HTTP {response.status}: {error_message(response)}"
        return scrub(f"{failure.type.__name__}: {failure.getErrorMessage()}")

    @staticmethod
    def _json(response):
        return b"json" in (response.headers.get("Content-Type") or b"")
