"""Marketplace figures per release, opt-in with ``-a market=1`` on any spider that enriches.

:class:`MarketFigures` belongs to one spider and makes its requests: ``/marketplace/stats/{id}``
(lowest price, number for sale, blocked; answered to anyone) and, when the credentials act as a
user (a personal token or OAuth: Discogs asks for a user with seller settings),
``/marketplace/price_suggestions/{id}`` (one price per condition; ``{}`` when there is none).
Each answer goes out as a :class:`~discogs_harvest.items.RawBodyItem` (``marketplace_stats``,
``price_suggestions``): storage keeps it and writes ``marketplace_stats`` / ``price_suggestions``
rows with ``taken_at`` (:mod:`discogs_harvest.records`). A 404 (no such release) is a warning;
a refused price suggestion (401/403) is said once and not asked again. Facts: API_FACTS.md §5
("/marketplace/stats", "/marketplace/price_suggestions"); Discogs docs, Marketplace section.
"""

import logging

import scrapy

from discogs_harvest import shapes, stats
from discogs_harvest.downloadermiddlewares.auth import oauth_credentials
from discogs_harvest.downloadermiddlewares.retry import error_message
from discogs_harvest.items import RawBodyItem

logger = logging.getLogger(__name__)

MARKET_PRIORITY = -10  # after the releases: figures are the optional part


class MarketFigures:
    def __init__(self, spider):
        self.spider = spider
        settings = spider.crawler.settings
        self.suggestions = bool(settings.get("DISCOGS_TOKEN") or oauth_credentials(settings))
        if not self.suggestions:
            logger.warning("market=1: price suggestions need a user's credentials (DISCOGS_TOKEN or "
                           "scrapy discogs_login); taking marketplace stats only")

    def requests(self, release_id):
        spider = self.spider
        yield scrapy.Request(spider.url(f"/marketplace/stats/{int(release_id)}", curr_abbr=spider.currency),
                             callback=self.parse, errback=self.failed, priority=MARKET_PRIORITY,
                             meta={"release_id": release_id, "resource": "marketplace_stats",
                                   shapes.SHAPE_META: shapes.ENTITY})
        if self.suggestions:
            yield scrapy.Request(spider.url(f"/marketplace/price_suggestions/{int(release_id)}"),
                                 callback=self.parse, errback=self.failed, priority=MARKET_PRIORITY,
                                 meta={"release_id": release_id, "resource": "price_suggestions",
                                       shapes.SHAPE_META: shapes.ENTITY})

    def parse(self, response):
        resource = response.meta["resource"]
        self.spider.crawler.stats.inc_value(stats.key("market", resource))
        yield RawBodyItem(resource=resource, resource_id=str(response.meta["release_id"]), body=response.text)

    def failed(self, failure):
        response = getattr(failure.value, "response", None)
        meta = failure.request.meta
        self.spider.crawler.stats.inc_value(stats.key("market", "failed"))
        if response is not None and response.status in (401, 403) and meta["resource"] == "price_suggestions":
            if self.suggestions:
                logger.warning("Price suggestions refused (HTTP %s: %s): the credentials' user needs seller "
                               "settings on Discogs; taking marketplace stats only", response.status,
                               error_message(response))
            self.suggestions = False
            return
        logger.warning("%s of release %s not taken: %s", meta["resource"], meta["release_id"],
                       self.spider.describe(failure))
