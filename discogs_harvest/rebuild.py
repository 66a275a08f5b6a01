"""``scrapy rebuild``: derive every table again from the kept API bodies, without a request.

Reads ``raw_bodies`` (what storage kept of every release body and every listing, see
:class:`discogs_harvest.models.RawBody`) and writes the derived tables
(:data:`discogs_harvest.models.DERIVED_MODELS`) through the same loaders, item-to-rows mapping
(:mod:`discogs_harvest.pipelines.rows`) and writer (:class:`StoragePipeline`) a harvest uses. So a
schema change or a parsing fix costs no request: upgrade, then rebuild.

Bodies are replayed in the order they were stored (``fetched_at``, then the order they were
first kept), each group with its own ``fetched_at`` as the time it stamps, so the rows come
out as the harvests that stored them left them: ``fetched_at``, ``updated_at`` and
``last_seen_at`` are those of the latest body, ``created_at`` and ``first_seen_at`` those of the
first (``first_fetched_at``), and a listing a complete harvest no longer saw stays unavailable
(``raw_bodies.unlisted``). Rows are upserted, so rebuilding a full database keeps what no body
derives (the desktop app's own rows, ids of tracks, ``created_at`` of older rows).

Settings: ``DATABASE_URL``, ``STORAGE_BATCH_SIZE``.
"""

import itertools
import json
import logging
import zlib
from types import SimpleNamespace

from peewee import Case, fn

from discogs_harvest import records
from discogs_harvest.freshness import database_for
from discogs_harvest.items import ListingItem, ReleaseItem
from discogs_harvest.loaders import load_listing, load_release
from discogs_harvest.models import Album, CollectionItem, RawBody, Seller
from discogs_harvest.pipelines.rows import decompress_body
from discogs_harvest.pipelines.storage import StoragePipeline

logger = logging.getLogger(__name__)

# Releases and listings go through the loaders; every other kept record through records.py.
RESOURCES = ("release", "listing", *records.RESOURCES)


class Counter:
    """The part of Scrapy's stats collector storage uses."""

    def __init__(self):
        self.values = {}

    def inc_value(self, key, count=1, start=0):
        self.values[key] = self.values.get(key, start) + count

    def get_value(self, key, default=None):
        return self.values.get(key, default)


def writer_for(settings):
    """A StoragePipeline that writes derived rows only (the bodies are already kept)."""
    crawler = SimpleNamespace(settings=settings, stats=Counter())
    writer = StoragePipeline(crawler)
    writer.keep_bodies = False
    return writer


def item_of(row, currency):
    if row.resource in records.RESOURCES:
        return None  # written by records.write
    text = zlib.decompress(bytes(row.body)).decode("utf-8")
    body = json.loads(text)
    if row.resource == "release":
        item = load_release(body, currency=currency)
        item.raw = text
        return item
    return load_listing(body)


def rebuild(settings):
    """Rebuild the derived tables of ``settings["DATABASE_URL"]``; returns ``{resource: bodies read}``.

    Two passes over the kept bodies: the first in the order they were first stored, stamped
    with that time, so rows are created in the order (and with the ids, ``created_at`` and
    ``first_seen_at``) the harvests created them; the second in the order of the latest
    bodies, stamped with their time, so the latest body of each resource is written last, as
    it was.
    """
    database = database_for(settings.get("DATABASE_URL"))
    writer = writer_for(settings)
    batch = max(1, settings.getint("STORAGE_BATCH_SIZE", 200))
    currency = settings.get("DISCOGS_CURRENCY")
    counts = dict.fromkeys(RESOURCES, 0)
    for moment in (RawBody.first_fetched_at, RawBody.fetched_at):
        counts = dict.fromkeys(RESOURCES, 0)
        query = (RawBody.select().where(RawBody.resource.in_(RESOURCES))
                 .order_by(moment, RawBody.id).iterator())
        for stamp, group in itertools.groupby(query, key=lambda row: getattr(row, moment.name)):
            for chunk in iter(lambda: list(itertools.islice(group, batch)), []):
                # Second pass: a release kept once was written whole by the first; only its
                # albums row (counts, updated_at) has to take its place in the order again.
                again = moment is RawBody.fetched_at
                whole = [row for row in chunk if not again or row.resource != "release"
                         or row.fetched_at != row.first_fetched_at]
                light = [item_of(row, currency) for row in chunk if row not in whole]
                items = [item_of(row, currency) for row in whole if row.resource not in records.RESOURCES]
                releases = [item for item in items if isinstance(item, ReleaseItem)]
                listings = [item for item in items if isinstance(item, ListingItem)]
                others = [(row.resource, row.resource_id, decompress_body(row.body)) for row in chunk
                          if row.resource in records.RESOURCES]
                with database.atomic():
                    if light:
                        writer.write_albums(light, stamp)
                    writer.write_records(releases, listings, stamp)
                    records.write(writer.upsert, others, stamp, writer.max_variables)
                counts["release"] += len(releases) + len(light)
                counts["listing"] += len(listings)
                for resource, _, _ in others:
                    counts[resource] += 1
    with database.atomic():
        restore_first_seen(database)
    logger.info("Rebuild: %d releases and %d listings re-derived from kept bodies, 0 requests",
                counts["release"], counts["listing"])
    return counts


def earlier(column, first):
    """The earlier of a column and a subquery's time (CASE: portable, unlike SQLite's min(a, b))."""
    return Case(None, [(first < column, first)], column)


def restore_first_seen(database):
    """``created_at``/``first_seen_at`` from the first body kept, and availability a complete
    harvest decided, which a replay of the latest bodies alone cannot know."""
    albums = RawBody.select(RawBody.first_fetched_at).where(
        (RawBody.resource == "release") & (RawBody.resource_id == Album.discogs_release_id))
    Album.update(created_at=earlier(Album.created_at, albums)).where(fn.EXISTS(albums)).execute()
    listings = RawBody.select(RawBody.first_fetched_at).where(
        (RawBody.resource == "listing") & (RawBody.resource_id == CollectionItem.listing_id.cast("TEXT")))
    CollectionItem.update(first_seen_at=earlier(CollectionItem.first_seen_at, listings)).where(
        fn.EXISTS(listings)).execute()
    seller_first = (CollectionItem.select(fn.MIN(CollectionItem.first_seen_at))
                    .where(CollectionItem.seller == Seller.id))
    Seller.update(created_at=earlier(Seller.created_at, seller_first)).where(fn.EXISTS(seller_first)).execute()
    unlisted = RawBody.select(RawBody.resource_id).where((RawBody.resource == "listing") & RawBody.unlisted)
    CollectionItem.update(is_available=False).where(
        CollectionItem.listing_id.cast("TEXT").in_(unlisted) & CollectionItem.is_available).execute()
