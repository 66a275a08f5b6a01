"""StalenessPipeline: mark listings that left a seller's inventory as unavailable.

Freshness of releases is decided before they are requested (the spider calls
:func:`discogs_harvest.freshness.fresh_releases`); listing-level figures of a
fresh release are refreshed anyway because storage writes every ``ListingItem``.
What remains for this pipeline is availability:

An ``InventorySnapshotItem`` lists every listing id seen in a seller's inventory.
When the spider closes with reason ``finished`` and a snapshot for that seller
says ``complete`` (paging reached the end) and its pages prove the whole inventory
(:func:`discogs_harvest.completeness.judge`: pages 1..n within
``INVENTORY_MAX_SPAN_MINUTES``, counts consistent with ``pagination.items`` within
``INVENTORY_COUNT_SLACK``), that seller's ``collection_items``
rows whose listing was not seen get ``is_available = 0`` (never deleted) and the
seen ones ``is_available = 1``, in one transaction, with a ``gone`` row in ``listing_events``
for each listing turned unavailable (:mod:`discogs_harvest.watching`). Pages of several sort
orders (a seller past the 10,000-listing cap) are judged as a union
(:func:`discogs_harvest.sortwindows.judge_union`: every listing announced seen). A run that was interrupted
(``shutdown``, ``closespider_*``, ``cancelled``, an error) or that paged only part
of an inventory proves nothing about the listings it did not see: nothing is marked.
A snapshot that reached the end but whose pages prove nothing is counted in
``harvest/availability/unproven`` (the ``crawl`` command then exits 5: run it again).

The same finished run also consumes the seller's resume checkpoint (``inventory_pages``)
unless paging stopped on a failed page: the next run starts from page 1 again. After
any other end the checkpoint stays, and the next run resumes from it.

The close reason is taken from the ``spider_closed`` signal: Scrapy 2.19 closes
the item pipelines before it sends that signal, and the ``finish_reason`` stat is
only set by CoreStats' own ``spider_closed`` handler (scrapy/core/engine.py
``close_spider_async``, scrapy/extensions/corestats.py), so ``close_spider`` cannot
know it. Storage has flushed every listing by then.

Settings: ``DATABASE_URL``, ``INVENTORY_MAX_SPAN_MINUTES``, ``INVENTORY_COUNT_SLACK``.
"""

import logging

from peewee import IntegerField, Model, SqliteDatabase
from scrapy import signals

from discogs_harvest import stats, watching
from discogs_harvest.batches import slices
from discogs_harvest.idsets import IdSet
from discogs_harvest.completeness import judge
from discogs_harvest.sortwindows import judge_union
from discogs_harvest.freshness import database_for, variable_limit
from discogs_harvest.items import InventorySnapshotItem
from discogs_harvest.models import CollectionItem, InventoryPage, RawBody, database_proxy, utcnow
from discogs_harvest.pipelines.rows import FOR_SALE, inventory_collection_id

logger = logging.getLogger(__name__)

MARKED_UNAVAILABLE = stats.key("availability", "marked_unavailable")
MARKED_AVAILABLE = stats.key("availability", "marked_available")
UNPROVEN = stats.key("availability", "unproven")

# The only close reason after which an inventory snapshot can be trusted.
FINISHED = "finished"


class SeenListing(Model):
    """Listing ids of one snapshot, in a per-connection temporary table."""

    listing_id = IntegerField(primary_key=True)

    class Meta:
        database = database_proxy
        table_name = "harvest_seen_listings"
        temporary = True


def mark_availability(database, collection_id, seen_ids, run_id=None):
    """Set ``is_available`` of one collection's rows from the ids seen; return (gone, back).

    ``gone`` rows turned unavailable, ``back`` rows turned available again. The
    ids go through a temporary table, so the two updates are one statement each: on
    SQLite one one-row insert (peewee's text) that sqlite3 repeats for every id (a
    statement of 32,766 rows cost some MB of memory to prepare, at the end of a large
    harvest); on PostgreSQL chunked multi-row inserts (one round trip each).
    Call inside a transaction.
    """
    SeenListing.create_table(safe=True)
    SeenListing.delete().execute()
    if isinstance(database, SqliteDatabase):
        one_row, _ = SeenListing.insert_many([(0,)], fields=[SeenListing.listing_id]).on_conflict_ignore().sql()
        database.cursor().executemany(one_row, ((listing_id,) for listing_id in seen_ids))
    else:
        rows_per_insert = max(1, variable_limit(database))
        for chunk in slices(((listing_id,) for listing_id in seen_ids), rows_per_insert):
            SeenListing.insert_many(chunk, fields=[SeenListing.listing_id]).on_conflict_ignore().execute()
    seen = SeenListing.select(SeenListing.listing_id)
    in_collection = CollectionItem.collection_id == collection_id
    # Only rows whose flag changes are touched, so the counts say what changed.
    available = CollectionItem.is_available == True  # noqa: E712 (a SQL expression)
    # The record of change (watching.py): a gone event for each row about to turn unavailable.
    watching.record_gone(collection_id, CollectionItem.select().where(
        in_collection & CollectionItem.listing_id.not_in(seen) & available), run_id, utcnow())
    gone = CollectionItem.update(is_available=False).where(
        in_collection & CollectionItem.listing_id.not_in(seen) & available
    ).execute()
    # A listing seen again is available only if its status says it is for sale.
    for_sale = CollectionItem.status.is_null() | (CollectionItem.status == FOR_SALE)
    back = CollectionItem.update(is_available=True).where(
        in_collection & CollectionItem.listing_id.in_(seen) & ~available & for_sale
    ).execute()
    # The kept bodies remember it too, so `scrapy rebuild` gives the same is_available.
    unseen = CollectionItem.select(CollectionItem.listing_id.cast("TEXT")).where(
        in_collection & CollectionItem.listing_id.not_in(seen))
    RawBody.update(unlisted=True).where((RawBody.resource == "listing") & RawBody.resource_id.in_(unseen)).execute()
    SeenListing.drop_table(safe=True)
    return gone, back


class StalenessPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.database_url = crawler.settings.get("DATABASE_URL")
        database_for(self.database_url)  # a bad URL fails the crawl now, not at close
        self.max_span = crawler.settings.getfloat("INVENTORY_MAX_SPAN_MINUTES", 60.0) * 60
        self.slack = crawler.settings.getfloat("INVENTORY_COUNT_SLACK", 0.01)
        # seller username (lower case) -> [listing ids seen (a compact IdSet: kept from the end of
        # paging to the close), any snapshot complete?]
        self.snapshots = {}
        # sellers whose paging reached its end without a failed page: checkpoint consumed
        self.paged_to_end = set()

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def process_item(self, item):
        if isinstance(item, InventorySnapshotItem) and item.seller_username:
            entry = self.snapshots.setdefault(item.seller_username.lower(), [IdSet(), False])
            # Several snapshots of one seller (e.g. sort windows): the union was seen,
            # and one complete snapshot is enough to know what was not.
            entry[0].update(item.listing_ids)
            entry[1] = entry[1] or (bool(item.complete) and self.proven(item))
            if not item.ended_on_error:
                self.paged_to_end.add(item.seller_username.lower())
        return item

    def proven(self, item):
        """True when the snapshot's pages prove the whole inventory; else says why, once."""
        # Pages of several sort orders (past the 10,000-listing cap) are judged as a union.
        policy = judge_union if any(page.order for page in item.pages) else judge
        verdict = policy(item.pages, self.max_span, self.slack)
        if not verdict.complete:
            self.crawler.stats.inc_value(UNPROVEN)
            logger.warning("The inventory of %s was paged to the end but is not proven complete: %s; "
                           "no listing is marked unavailable", item.seller_username, verdict.reason)
        return verdict.complete

    def spider_closed(self, reason):
        if reason == FINISHED and self.paged_to_end:
            with database_for(self.database_url).atomic():
                InventoryPage.delete().where(InventoryPage.seller.in_(sorted(self.paged_to_end))).execute()
        complete = {seller: seen for seller, (seen, done) in self.snapshots.items() if done}
        if reason != FINISHED or not complete:
            why = f"the run ended with {reason!r}" if reason != FINISHED else "no complete inventory snapshot"
            logger.info("Staleness: availability left unchanged (%s)", why)
            return
        database = database_for(self.database_url)
        gone = back = 0
        with database.atomic():
            for seller, seen in complete.items():
                seller_gone, seller_back = mark_availability(database, inventory_collection_id(seller), seen,
                                                             self.crawler.stats.get_value(watching.RUN_ID_STAT))
                gone += seller_gone
                back += seller_back
        self.crawler.stats.inc_value(MARKED_UNAVAILABLE, gone)
        self.crawler.stats.inc_value(MARKED_AVAILABLE, back)
        logger.info(
            "Staleness: %d sellers with a complete inventory, %d listings seen, %d marked unavailable, "
            "%d available again",
            len(complete),
            sum(len(seen) for seen in complete.values()),
            gone,
            back,
        )
