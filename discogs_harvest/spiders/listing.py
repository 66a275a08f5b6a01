"""``scrapy crawl listing -a ids=2218783261,647415422``

Fetches marketplace listings by id (``/marketplace/listings/{id}``): each is stored as a
seller harvest stores it (``collection_items``, ``sellers``, its body kept) and its release
is enriched unless fresh. Every id gets one outcome in the feed (:class:`ListingOutcomeItem`):
``stored`` (for sale), ``sold``/``removed`` (the seller sees such a listing with its status),
``gone`` (Discogs answers 404 to anyone else once a listing is sold or removed), ``failed``.
None of these fails the run; only refused credentials do.
"""

import logging
import re

import scrapy

from discogs_harvest import shapes, stats
from discogs_harvest.downloadermiddlewares.exceptions import DiscogsOutageError
from discogs_harvest.downloadermiddlewares.retry import error_message
from discogs_harvest.entries import FEED_FIELDS, ListingOutcomeItem
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.loaders import load_listing
from discogs_harvest.spiders.base import PAGE_PRIORITY, DiscogsSpider
from discogs_harvest.spiders.paged import flag

logger = logging.getLogger(__name__)

OUTCOMES = {"For Sale": "stored", "Sold": "sold"}
# Listing ids outgrew 32 bits long ago (2218783261 is recorded); 64-bit signed is the ceiling.
MAX_LISTING_ID = 2**63 - 1


def parse_listing_ids(text):
    """``"2218783261, 647415422"`` (or /sell/item/ URLs) -> ids; duplicates dropped, order kept."""
    ids = {}
    for token in re.split(r"[\s,]+", text.strip()):
        if not token:
            continue
        match = re.search(r"/sell/item/(\d+)", token)
        token = match.group(1) if match else token
        if not (token.isascii() and token.isdigit()) or not 1 <= int(token) <= MAX_LISTING_ID:
            raise HarvestConfigError(f"ids: {token!r} is not a Discogs listing id (a whole number >= 1)")
        ids.setdefault(int(token))
    if not ids:
        raise HarvestConfigError("ids: no listing ids given")
    return list(ids)


class ListingSpider(DiscogsSpider):
    name = "listing"
    feed_item_class = ListingOutcomeItem
    feed_fields = FEED_FIELDS[ListingOutcomeItem]
    example_arguments = {"ids": "2218783261"}

    @classmethod
    def parse_arguments(cls, ids=None, enrich="1", **_):
        if ids is None:
            raise HarvestConfigError("listing ids are required: -a ids=2218783261,647415422")
        listing_ids = parse_listing_ids(str(ids))
        return {"ids": listing_ids, "enrich": flag(enrich, "enrich")}

    async def start(self):
        self.crawler.stats.set_value(stats.PAGES_TOTAL, len(self.options["ids"]))
        self.requested = set()
        for listing_id in self.options["ids"]:
            yield scrapy.Request(self.url(f"/marketplace/listings/{listing_id}", curr_abbr=self.currency),
                                 callback=self.parse_listing, errback=self.listing_failed, priority=PAGE_PRIORITY,
                                 meta={"listing_id": listing_id, shapes.SHAPE_META: shapes.ENTITY})

    def parse_listing(self, response):
        listing = load_listing(response.json())
        self.crawler.stats.inc_value(stats.PAGES_DONE)
        outcome = OUTCOMES.get(listing.status, "removed")
        self.crawler.stats.inc_value(stats.key("listings", outcome))
        yield listing
        yield ListingOutcomeItem(listing_id=listing.listing_id, outcome=outcome, status=listing.status,
                                 release_id=listing.release_id, price=listing.price, currency=listing.currency,
                                 seller=listing.seller_username)
        release_id = listing.release_id
        if self.options["enrich"] and release_id and release_id not in self.requested:
            self.requested.add(release_id)
            if not self.fresh([release_id]):
                self.crawler.stats.inc_value(stats.RELEASES_TO_FETCH)
                yield self.release_request(release_id)

    def listing_failed(self, failure):
        listing_id = failure.request.meta["listing_id"]
        response = getattr(failure.value, "response", None)
        if failure.check(DiscogsOutageError):
            return
        self.crawler.stats.inc_value(stats.PAGES_DONE)
        if response is not None and response.status == 404:
            self.crawler.stats.inc_value(stats.key("listings", "gone"))
            logger.warning("Listing %s: sold or removed (Discogs answers 404: %s)", listing_id,
                           error_message(response))
            yield ListingOutcomeItem(listing_id=listing_id, outcome="gone", message=error_message(response))
            return
        self.check_credentials(failure)
        self.crawler.stats.inc_value(stats.key("listings", "failed"))
        reason = self.describe(failure)
        logger.error("Listing %s failed: %s", listing_id, reason)
        yield ListingOutcomeItem(listing_id=listing_id, outcome="failed", message=reason)
