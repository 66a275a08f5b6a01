"""What the list spiders share (``collection``, ``wantlist``, ``label``, ``artist``, ``master``,
``search``): page a Discogs list, keep each entry, enrich the releases it names.

Pages are requested one after the other, following ``pagination.urls.next`` (pages can be
short, so never page arithmetic; API_FACTS.md §3), at :data:`PAGE_PRIORITY`. Each entry goes
out as a :class:`~discogs_harvest.items.RawBodyItem` (storage keeps it in ``raw_bodies`` and
writes its rows through :mod:`discogs_harvest.records`) and as the spider's feed item, built
from those rows. An entity spider (label, artist, master) first fetches the entity itself,
unless it was kept less than ``STALENESS_MAX_AGE_DAYS`` ago.

Enrichment (``-a enrich=1``, the default): every release an entry names is requested once
through the base spider's release path, unless it is fresh in the database (stored by any
earlier harvest: a seller's, a collection's...) or already requested in this run; so a
second run spends list pages only. ``-a enrich=0`` stores the list and spends pages only.
``-a market=1`` also takes ``/marketplace/stats/{id}`` of each release, and, with credentials,
``/marketplace/price_suggestions/{id}`` (:mod:`discogs_harvest.spiders.market`).

Failures: the list not found (404 on page 1) exits 3, a refused private list 4 with the
credentials it needs, a later page that fails every retry stops paging and exits 5 (what
was stored is kept). Budget, retries, progress, JSON-RPC and feeds are the crawl's own.
"""

import json
import logging

import scrapy

from discogs_harvest import records, shapes, stats
from discogs_harvest.downloadermiddlewares.exceptions import DiscogsOutageError
from discogs_harvest.downloadermiddlewares.retry import error_message
from discogs_harvest.entries import FEED_FIELDS, from_row
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.freshness import database_for, fresh_since
from discogs_harvest.items import RawBodyItem
from discogs_harvest.models import RawBody, utcnow
from discogs_harvest.spiders.base import PAGE_PRIORITY, DiscogsSpider
from discogs_harvest.spiders.market import MarketFigures

logger = logging.getLogger(__name__)

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}
ENTITY_PRIORITY = PAGE_PRIORITY + 10


def flag(value, name):
    """``-a name=1/0`` (also true/false, yes/no, on/off) as a bool; anything else is bad input."""
    text = str(value).strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise HarvestConfigError(f"{name} must be 1 or 0, not {value!r}")


def positive_id(value, name):
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise HarvestConfigError(f"{name} must be a Discogs id (a whole number >= 1), not {value!r}")
    return int(text)


def kept_recently(database_url, resource, resource_id, max_age_days):
    """True when ``raw_bodies`` holds ``resource``/``resource_id`` younger than ``max_age_days``."""
    if max_age_days <= 0:
        return False
    database_for(database_url)
    return RawBody.select().where((RawBody.resource == resource) & (RawBody.resource_id == str(resource_id))
                                  & (RawBody.fetched_at > fresh_since(utcnow(), max_age_days))).exists()


class PagedListSpider(DiscogsSpider):
    """Subclasses set ``entries_key``, ``resource``, ``feed_item_class`` and implement
    :meth:`list_url`, :meth:`entry_resource_id` and :meth:`describe_list`."""

    entries_key = "releases"
    resource = None  # raw_bodies.resource of each entry (a key of records.RESOURCES)
    entity = None  # ("labels", "label") for an entity spider: fetch /labels/{id} first
    enriches = True  # search results and the like may name no release

    @classmethod
    def update_settings(cls, settings):
        if cls.feed_item_class is not None:
            cls.feed_fields = FEED_FIELDS[cls.feed_item_class]
        super().update_settings(settings)

    @classmethod
    def parse_arguments(cls, enrich="1", market="0", **kwargs):
        options = cls.parse_list_arguments(**kwargs)
        options["enrich"] = flag(enrich, "enrich")
        options["market"] = flag(market, "market")
        if options["market"] and not options["enrich"]:
            raise HarvestConfigError("market=1 takes the figures of the releases it enriches: drop enrich=0")
        return options

    @classmethod
    def parse_list_arguments(cls, **kwargs):
        return {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requested = set()  # releases requested (or found fresh) in this run
        self.pages_failed = False
        self.entries_seen = 0
        self.list_total = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Not `spider.market`: Scrapy copies every -a argument onto the spider (market=1 too).
        spider.market_figures = MarketFigures(spider) if spider.options["market"] else None
        return spider

    # --- what subclasses say ----------------------------------------------------------------

    def list_url(self):
        raise NotImplementedError

    def entry_resource_id(self, entry):
        raise NotImplementedError

    def describe_list(self):
        raise NotImplementedError

    def release_of(self, entry):
        """The release an entry names (to enrich), or None."""
        if entry.get("type") == "master":
            return entry.get("main_release")
        return entry.get("id")

    def not_found_message(self, response):
        return f"{self.describe_list()} not found on Discogs (404: {error_message(response)})"

    def forbidden_message(self, response):
        return (f"Discogs refused {self.describe_list()} (HTTP {response.status}: {error_message(response)}); "
                f"check {self.credential_hint}")

    # --- requests ---------------------------------------------------------------------------

    async def start(self):
        logger.info("Harvesting %s (%s)", self.describe_list(),
                    "releases enriched" if self.options["enrich"] else "list only, enrich=0")
        if self.options["enrich"] and self.enriches:
            for request in self.retry_failed_releases():
                yield request
        for request in self.first_requests():
            yield request

    def first_requests(self):
        if self.entity is not None:
            path, resource = self.entity
            entity_id = self.options["id"]
            if kept_recently(self.database_url, resource, entity_id, self.max_age_days):
                logger.info("%s %s kept less than %g days ago: not fetched again", resource.capitalize(), entity_id,
                            self.max_age_days)
            else:
                yield scrapy.Request(self.url(f"/{path}/{entity_id}"), callback=self.parse_entity,
                                     errback=self.page_failed, priority=ENTITY_PRIORITY,
                                     meta={"page": 0, shapes.SHAPE_META: shapes.ENTITY})
        yield self.page_request(self.list_url(), 1)

    def page_request(self, url, page):
        return scrapy.Request(url, callback=self.parse_page, errback=self.page_failed, priority=PAGE_PRIORITY,
                              dont_filter=True, meta={"page": page, shapes.SHAPE_META: shapes.paged(self.entries_key)})

    # --- callbacks -------------------------------------------------------------------------

    def parse_entity(self, response):
        """The label, artist or master itself: kept, and its row written (records.py)."""
        yield RawBodyItem(resource=self.entity[1], resource_id=str(self.options["id"]), body=response.text)

    def parse_page(self, response):
        """A list page: each entry kept and fed, its release requested unless fresh, then the next page."""
        data = response.json()  # well-formed: the retry middleware checked its shape
        pagination = data["pagination"]
        page = pagination["page"]
        self.list_total = pagination.get("items")
        entries = [entry for entry in data[self.entries_key] if isinstance(entry, dict) and "id" in entry]
        # The page is counted done together with its releases to fetch, before its output goes
        # out: Scrapy reads a callback's output CONCURRENT_ITEMS at a time, and a page counted
        # done first would show its releases arriving later (the ETA rising at the last page).
        releases = self.plan_releases([release_id for release_id in map(self.release_of, entries)
                                       if isinstance(release_id, int) and release_id > 0])
        self.crawler.stats.set_value(stats.PAGES_TOTAL, pagination.get("pages") or page)
        self.crawler.stats.inc_value(stats.PAGES_DONE)
        self.crawler.stats.inc_value(stats.key("entries", "seen"), len(entries))
        self.entries_seen += len(entries)
        now = utcnow()
        for entry in entries:
            resource_id = self.entry_resource_id(entry)
            yield RawBodyItem(resource=self.resource, resource_id=resource_id, body=json.dumps(entry))
            for _, row in records.rows_of(self.resource, resource_id, entry, now)[:1]:
                yield from_row(self.feed_item_class, row)
        yield from self.enrich_releases(*releases)
        next_url = (pagination.get("urls") or {}).get("next")
        if next_url:
            yield self.page_request(self.on_api(next_url), page + 1)
        else:
            self.finish_list()

    def plan_releases(self, release_ids):
        """``(new, fresh)``: the releases not requested yet in this run, and those of them fresh
        in the database; counted at once (the others are to fetch). Nothing without enrichment."""
        if not self.options["enrich"] or not self.enriches:
            return [], {}
        new = list(dict.fromkeys(r for r in release_ids if r not in self.requested and r not in self.retrying))
        self.requested.update(new)
        fresh = self.fresh(new) if new else {}
        self.crawler.stats.inc_value(stats.RELEASES_FRESH, len(fresh))
        self.crawler.stats.inc_value(stats.RELEASES_TO_FETCH, sum(release_id not in fresh for release_id in new))
        return new, fresh

    def enrich_releases(self, new, fresh):
        """Requests for the releases of :meth:`plan_releases` not fresh in the database; the fresh
        ones read back from it when a feed of tracks wants them (no request)."""
        to_fetch = [release_id for release_id in new if release_id not in fresh]
        for release_id in to_fetch:
            yield self.release_request(release_id)
        yield from self.stored_for_feed([release_id for release_id in new if release_id in fresh])
        if self.market_figures is not None:
            for release_id in new:
                yield from self.market_figures.requests(release_id)

    def finish_list(self):
        complete = not self.pages_failed
        logger.info("%s %s: %s entries of %s; %s releases to fetch, %s fresh in the database",
                    self.describe_list(), "complete" if complete else "INCOMPLETE", self.entries_seen,
                    self.list_total, self.crawler.stats.get_value(stats.RELEASES_TO_FETCH, 0),
                    self.crawler.stats.get_value(stats.RELEASES_FRESH, 0))

    def page_failed(self, failure):
        response = getattr(failure.value, "response", None)
        if failure.check(DiscogsOutageError):
            self.pages_failed = True
            return
        page = failure.request.meta["page"]
        status = response.status if response is not None else None
        if status == 404 and page <= 1:
            self.fail("not_found", self.not_found_message(response))
        if status in (401, 403) and self._json(response):  # DiscogsAuthError (retry.py): not retried
            self.fail("auth_failed" if response.status == 401 else "forbidden", self.forbidden_message(response))
        self.check_credentials(failure)
        self.pages_failed = True
        self.crawler.stats.inc_value(stats.PAGES_FAILED)
        logger.error("%s: page %s failed: %s; later pages are not fetched", self.describe_list(), page,
                     self.describe(failure))
        self.finish_list()
