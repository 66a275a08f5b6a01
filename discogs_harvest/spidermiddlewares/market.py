"""MarketFiguresMiddleware: ``-a market=1`` on ``release`` and ``seller_inventory`` takes each
release's marketplace figures, as the list spiders do themselves.

It watches what those spiders yield: after every :class:`~discogs_harvest.items.ReleaseItem`
(fetched, or read back as stored) and every listing (its release), it yields the release's
``/marketplace/stats`` (and, with a user's credentials, ``/marketplace/price_suggestions``)
requests, once per release and run (:class:`~discogs_harvest.spiders.market.MarketFigures`).
Spiders that make these requests themselves (the list spiders, ``spider.market_figures``) and
runs without the argument pass through untouched. Like ``VideoCheckMiddleware`` it reads the
``-a`` argument; :func:`check_market` refuses a bad value before the crawl starts.
"""

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.items import ListingItem, ListingRowsItem, ReleaseItem
from discogs_harvest.spidermiddlewares import step_aside_when_off
from discogs_harvest.spiders.market import MarketFigures

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


def wants_figures(value):
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise HarvestConfigError(f"market must be 1 or 0, not {value!r}")


def check_market(arguments):
    """Raise HarvestConfigError for a ``-a market=`` value that is neither on nor off."""
    wants_figures(arguments.get("market"))


def releases_of(item):
    """The release ids ``item`` names: a release's, a listing's, or those of a page's rows."""
    if isinstance(item, (ReleaseItem, ListingItem)):
        return [item.release_id]
    if isinstance(item, ListingRowsItem):
        return [listing.release_id for listing in item.listings]
    return []


class MarketFiguresMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.figures = None  # made on first use: only when the spider asks for figures
        self.taken = set()  # release ids whose figures were requested in this run
        step_aside_when_off(self)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _enabled(self):
        spider = self.crawler.spider
        if hasattr(spider, "market_figures") or not hasattr(spider, "arguments"):
            return False  # the list spiders request their own; youtube_health takes none
        try:
            return wants_figures(spider.arguments.get("market"))
        except HarvestConfigError:
            return False  # refused before the crawl by the crawl command

    def _requests(self, item):
        for release_id in releases_of(item):
            if release_id is None or release_id in self.taken:
                continue
            self.taken.add(release_id)
            if self.figures is None:
                self.figures = MarketFigures(self.crawler.spider)
            yield from self.figures.requests(release_id)

    async def process_spider_output(self, response, result):
        enabled = self._enabled()
        async for item in result:
            yield item
            if enabled:
                for request in self._requests(item):
                    yield request

    async def process_start(self, start):
        enabled = self._enabled()
        async for item in start:
            yield item
            if enabled:
                for request in self._requests(item):
                    yield request
