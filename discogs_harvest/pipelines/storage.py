"""StoragePipeline: write releases and listings to SQLite, batched and idempotent.

Items are buffered and written in one transaction per batch: when
``STORAGE_BATCH_SIZE`` items are waiting, every ``STORAGE_FLUSH_INTERVAL`` seconds
(so a crash loses a few seconds of work at most) and when the spider closes.
In a crawl the batches are written on a thread of their own (``STORAGE_WRITE_THREAD``),
one at a time and in the order they were handed over, while the reactor goes on: SQLite's
work runs without the GIL, beside the crawl (a batch's bodies are compressed as it is handed
over, on the reactor's thread: see :meth:`StoragePipeline.hand_over`). The item that
fills a batch waits until its batch is written, so a writer that falls behind holds the
crawl back rather than memory growing; the spider closes once every batch is written.
Every table is written with ``INSERT ... ON CONFLICT DO UPDATE`` (peewee
``insert_many(...).on_conflict(...)``, its text rendered once per shape:
:mod:`~discogs_harvest.pipelines.inserts`), never ``REPLACE`` (which deletes and
re-inserts, losing ids and ``created_at``): harvesting the same data twice leaves
the same rows, only ``updated_at``/``fetched_at``/``last_seen_at`` move;
``created_at`` and ``first_seen_at`` stay.

- ``ReleaseItem`` -> ``albums`` (``fetched_at`` = now, read by staleness),
  ``tracks`` upserted by (album, sequence) so track ids survive a re-harvest (rows
  beyond a shorter new tracklist are deleted), ``youtube_videos`` by id,
  ``album_videos`` / ``album_genres`` / ``album_styles`` replaced for the album,
  ``genres`` / ``styles`` get-or-insert by name (case-insensitively: one row a name).
- ``ListingItem`` (and ``ListingRowsItem``, a page's listings written as the page goes out,
  before their releases are known) -> ``sellers`` (from ``item.seller``), ``collection_items`` by
  ``listing_id`` (``is_available`` from the status, ``last_seen_at`` = now), and the album's
  ``have_count``/``want_count`` when the listing carries them.

Albums and listings arrive in any order. Within a batch albums are written first;
a listing whose album is not stored yet gets ``album_id`` NULL (the foreign key is
enforced) and keeps its ``release_id``, by which SQL links it when the album lands,
in this run or a later one.

The whole record: a release's lists go to ``album_artists``, ``album_credits``,
``album_labels``, ``album_companies``, ``album_series``, ``album_formats``,
``album_identifiers`` and ``album_images`` (replaced for the album, in the body's order),
and every body is kept compressed in ``raw_bodies`` (the release as received, each listing
object, each inventory page), which ``scrapy rebuild`` derives the tables from again.
A ``RawBodyItem`` of a resource :mod:`discogs_harvest.records` maps (collection instances,
wants, labels, artists, masters, their lists, search results, marketplace figures) is kept
and also written to its table through that mapping.
A ``StoredReleaseItem`` (a fresh release read back for a feed) passes through unwritten.
In the same transaction a crawl (not ``scrapy rebuild``) records what changed
(:mod:`discogs_harvest.watching`): ``listing_events`` against the stored rows, and
``release_stats_history`` when a release's figures moved.

Checkpoints for resuming (:mod:`discogs_harvest.checkpoints`): an ``InventoryPageItem``
is upserted into ``inventory_pages`` with ``listings_out`` true (its listings are in the same
transaction); a ``FailedReleaseItem`` into ``failed_releases``
(``attempts`` counted), and a release stored later is removed from there.

A batch that fails is retried item by item, so one bad item costs only itself
(logged, counted in ``harvest/storage/items_failed``). A database that cannot be written
at all (disk full, an I/O error, the file turned read-only: :func:`medium_failure`) is not
retried item by item: one line names the cause, the spider closes with reason
``storage_failed`` (the ``crawl`` command prints ``harvest/storage/fatal`` and exits with the
resumable status), and nothing more is attempted. URLs lose any ``token``,
``key`` or ``secret`` query parameter before they are written.

Settings: ``DATABASE_URL``, ``STORAGE_BATCH_SIZE``, ``STORAGE_FLUSH_INTERVAL``,
``STORAGE_WRITE_THREAD``.
Stats: ``harvest/storage/items_stored``, ``harvest/storage/rows_upserted``,
``harvest/storage/items_failed``, ``harvest/storage/fatal``.
"""

import asyncio
import functools
import logging
import threading
from collections import Counter

from peewee import EXCLUDED, Case, Node, Tuple, ValuesList, fn
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.log import failure_to_exc_info
from twisted.internet.defer import DeferredLock
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from discogs_harvest import fts, records, stats, watching
from discogs_harvest.batches import slices
from discogs_harvest.exceptions import HarvestConfigError, InvalidItem
from discogs_harvest.freshness import database_for, variable_limit
from discogs_harvest.postgres import is_postgres
from discogs_harvest.items import (
    FailedReleaseItem,
    InventoryPageItem,
    ListingItem,
    ListingRowsItem,
    RawBodyItem,
    ReleaseItem,
    StoredReleaseItem,
)
from discogs_harvest.models import (
    Album,
    AlbumArtist,
    AlbumCompany,
    AlbumCredit,
    AlbumFormat,
    AlbumGenre,
    AlbumIdentifier,
    AlbumImage,
    AlbumLabel,
    AlbumSeries,
    AlbumStyle,
    AlbumVideo,
    CollectionItem,
    FailedRelease,
    Genre,
    InventoryPage,
    RawBody,
    Seller,
    Style,
    Track,
    YoutubeVideo,
    utcnow,
)
from discogs_harvest.pipelines.inserts import Inserts
from discogs_harvest.pipelines.rows import (
    PAGE_COMPRESSION,
    album_row,
    credit_rows,
    entity_rows,
    format_rows,
    identifier_rows,
    image_rows,
    listing_row,
    page_resource_id,
    raw_row,
    seller_row,
    track_rows,
    without_credentials,
)

logger = logging.getLogger(__name__)

ITEMS_FAILED = stats.key("storage", "items_failed")
FATAL = stats.key("storage", "fatal")
CLOSE_REASON = "storage_failed"

# SQLite's words for a database that cannot be written at all, whatever the item.
MEDIUM_FAILURES = ("database or disk is full", "disk i/o error", "readonly database", "unable to open database",
                   "no space left on device", "read-only file system")


def medium_failure(exc):
    """The cause when ``exc`` (or what it interrupted: a failed rollback hides it) says the
    database cannot be written at all, else None."""
    seen = 0
    while exc is not None and seen < 5:
        text = str(exc).lower()
        if any(words in text for words in MEDIUM_FAILURES):
            return str(exc)
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None

# Each inventory page is committed with its listings as they go out (phase 1): a page in the
# checkpoint means its listings are in collection_items (or waiting in pending_listings).
PAGES_PER_FLUSH = 1

# Used when settings.py has no STORAGE_FLUSH_INTERVAL (seconds between time-based flushes).
DEFAULT_FLUSH_INTERVAL = 5.0

def describe(item):
    """``release 249504``, ``listing 891183783``, ``inventory page 3 of brotherlogic``..."""
    if isinstance(item, ReleaseItem):
        return f"release {item.release_id}"
    if isinstance(item, ListingItem):
        return f"listing {item.listing_id}"
    if isinstance(item, InventoryPageItem):
        return f"inventory page {item.page} of {item.seller_username}"
    if isinstance(item, RawBodyItem):
        return f"{item.resource} body {item.resource_id}"
    return f"failed release {item.release_id}"


class StoragePipeline:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.batch_size = settings.getint("STORAGE_BATCH_SIZE")
        self.flush_interval = settings.getfloat("STORAGE_FLUSH_INTERVAL", DEFAULT_FLUSH_INTERVAL)
        if self.batch_size < 1:
            raise HarvestConfigError(f"STORAGE_BATCH_SIZE must be >= 1, not {self.batch_size}")
        if self.flush_interval <= 0:
            raise HarvestConfigError(f"STORAGE_FLUSH_INTERVAL must be > 0, not {self.flush_interval}")
        self.database_url = settings.get("DATABASE_URL")
        # Opening now makes a bad URL fail the crawl before anything is fetched.
        self.max_variables = variable_limit(database_for(self.database_url))
        # Statement texts rendered once per shape (inserts.py), run in write()'s transaction.
        self.inserts = Inserts(lambda: database_for(self.database_url))
        self.releases = {}  # release_id -> ReleaseItem, waiting for the next flush
        self.listings = {}  # listing_id -> ListingItem, waiting for the next flush
        self.pages = {}  # (seller, status, page) -> InventoryPageItem
        self.failures = {}  # release_id -> FailedReleaseItem
        self.bodies = {}  # (resource, id) -> RawBodyItem
        # Genre/Style -> {name.casefold(): id}; loaded on first use, dropped after a failed batch.
        self.name_ids = {}
        self.timer = None
        # STORAGE_WRITE_THREAD: a crawl's batches are written on a thread of their own
        # (hand_over), one at a time, in order; writer is None outside a crawl (flush() writes at once).
        self.in_thread = settings.getbool("STORAGE_WRITE_THREAD", True)
        self.writer = None
        self.lock = DeferredLock()
        self.tally = Counter()  # figures of the transaction being written (write_transaction)
        self.flushes = 0
        self.stored = {"release": 0, "listing": 0}
        self.rows = 0
        self.failed = 0
        self.fatal = None  # the cause, once the database cannot be written at all
        # Off only for `scrapy rebuild`, which writes from the kept bodies themselves.
        self.keep_bodies = True

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.timer = create_looping_call(self.flush_periodically)
        self.timer.start(self.flush_interval, now=False)
        # Only in a crawl (its reactor running), not for a test driving the pipeline by hand;
        # on SQLite only for now: two harvests into one PostgreSQL schema failed once with it
        # (test_claims_crawl, run 12 of 20 under load, its traceback cut off), not yet understood.
        if self.in_thread and getattr(self.crawler, "crawling", False) and not is_postgres(self.database_url):
            from twisted.internet import reactor  # the crawl's, installed long before

            self.reactor = reactor
            self.writer = ThreadPool(1, 1, name="storage-writer")
            # A daemon: a process ending without closing the spider is not held open by it (a
            # transaction it had not committed is rolled back, as after a kill).
            self.writer.threadFactory = functools.partial(threading.Thread, daemon=True)
            self.writer.start()

    def close_spider(self):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        if self.writer is not None:
            return self.close_writer()  # Scrapy waits for it
        self.finish()
        return None

    async def close_writer(self):
        """What is waiting written after every batch handed over before, the writer thread's
        connection closed on that thread (peewee's are per thread), the thread stopped."""
        await self.hand_over(self.waiting())
        await maybe_deferred_to_future(
            deferToThreadPool(self.reactor, self.writer, database_for(self.database_url).close))
        self.writer.stop()
        self.writer = None
        self.finish()

    def finish(self):
        self.flush()
        logger.info(
            "Storage: %d releases and %d listings stored in %d batches, %d rows upserted, %d items failed",
            self.stored["release"],
            self.stored["listing"],
            self.flushes,
            self.rows,
            self.failed,
        )

    def process_item(self, item):
        if isinstance(item, StoredReleaseItem):
            return item  # read from the database for a feed: already stored
        if isinstance(item, ReleaseItem):
            if item.release_id is None:
                raise InvalidItem("release without release_id")
            self.releases[item.release_id] = item
        elif isinstance(item, ListingItem) and item.stored_on_arrival:
            return item  # written as its page arrived; this copy is for the feed
        elif isinstance(item, ListingItem):
            if not self.take_listing(item):
                raise InvalidItem("listing without listing_id")
        elif isinstance(item, ListingRowsItem):
            # One listing without its id costs only itself: the others of the item are stored.
            missing = sum(not self.take_listing(listing) for listing in item.listings)
            if missing:
                raise InvalidItem(f"{missing} of {len(item.listings)} listings without listing_id")
        elif isinstance(item, InventoryPageItem):
            self.pages[(item.seller_username.lower(), item.status, item.page)] = item
        elif isinstance(item, FailedReleaseItem):
            self.failures[item.release_id] = item
        elif isinstance(item, RawBodyItem):
            if not item.resource or item.resource_id is None or item.body is None:
                raise InvalidItem("raw body without resource, id or body")
            self.bodies[(item.resource, str(item.resource_id))] = item
        else:
            return item
        if (len(self.releases) + len(self.listings) + len(self.bodies) >= self.batch_size
                or len(self.pages) >= PAGES_PER_FLUSH):
            if self.writer is not None:  # the item that fills a batch waits until it is written
                return self.hand_over(self.waiting(), item)
            self.flush()
        return item

    def take_listing(self, listing):
        """``listing`` waits for the next batch; False (not taken) when it has no listing_id."""
        if listing is None or listing.listing_id is None:
            return False
        self.listings[listing.listing_id] = listing
        return True

    # --- batches ---------------------------------------------------------------------

    def waiting(self):
        """Everything waiting for a write, taken (the next batch starts empty)."""
        items = [*self.releases.values(), *self.listings.values(), *self.pages.values(), *self.failures.values(),
                 *self.bodies.values()]
        self.releases, self.listings, self.pages, self.failures, self.bodies = {}, {}, {}, {}, {}
        return items

    def flush(self):
        """Write everything waiting, in one transaction, on this thread (no crawl running:
        ``scrapy rebuild``, the dump import, tests; or a crawl's writer thread stopped)."""
        self.store(self.waiting())

    def flush_periodically(self):
        """The timer's flush: handed to the writer thread in a crawl, without waiting for it."""
        items = self.waiting()
        if self.writer is None:
            self.store(items)
        elif items:
            writing = deferred_from_coro(self.hand_over(items))
            writing.addErrback(lambda failure: logger.error("Storage: a timed write failed: %s", failure.value,
                                                            exc_info=failure_to_exc_info(failure)))

    def hand_over(self, items, item=None):
        """Write ``items`` on the writer thread once the batches handed over before are written:
        one at a time, in the order they were handed over (the lock is queued for now, first
        come, first served); a coroutine that returns ``item`` then.

        Their kept bodies are compressed here, on the reactor's thread, while the writer thread
        writes the batch before. zlib lets go of the GIL for each body, and the writer thread,
        which compressed them before, had to take the GIL back from the reactor after every one:
        5,000 listings' bodies took it 1.4-2.5 s for 0.35 s of compression, and the items waiting
        for those batches held the crawl back (issue 12, measured with thread_time)."""
        now = utcnow()
        return self.write_behind(self.lock.acquire(), items, item, now, self.bodies_to_keep(items, now))

    async def write_behind(self, turn, items, item, now, bodies):
        """The reactor goes on while the writer thread writes; SQLite's own work and the driver's
        run beside it without the GIL. A failed batch is split and retried here, on the
        reactor's thread."""
        await maybe_deferred_to_future(turn)
        try:
            if items and self.fatal is None:
                try:
                    tally = await maybe_deferred_to_future(
                        deferToThreadPool(self.reactor, self.writer, self.write_transaction, items, now, bodies))
                except Exception as exc:
                    self.recover(items, exc)
                else:
                    self.count(items, tally)
            else:
                self.store(items)  # nothing, or counted as failed once the database is unwritable
        finally:
            self.lock.release()
        return item

    def store(self, items):
        if items and self.fatal is not None:
            self.failed += len(items)
            self.crawler.stats.inc_value(ITEMS_FAILED, len(items))
        elif items:
            self.write_or_split(items)

    def write_or_split(self, items):
        """Write ``items``; if that fails, write them one by one so a bad item costs only itself."""
        try:
            self.write(items)
        except Exception as exc:
            self.recover(items, exc)

    def recover(self, items, exc):
        """``items`` failed in one transaction (rolled back): the database is unwritable, or
        they are written one by one so a bad item costs only itself."""
        self.name_ids = {}  # may hold ids of the rolled-back transaction
        cause = medium_failure(exc)
        if cause is not None:
            return self.give_up(cause, items)
        if len(items) > 1:
            logger.warning("Storage: batch of %d items failed (%s); storing them one by one", len(items), exc)
            for item in items:
                self.write_or_split([item])
            return
        logger.error("Storage: could not store %s: %s", describe(items[0]), exc, exc_info=exc)
        self.failed += 1
        self.crawler.stats.inc_value(ITEMS_FAILED)

    def give_up(self, cause, items):
        """The database cannot be written: say so once, count what is lost, stop the run."""
        self.fatal = f"cannot write the database {self.database_url}: {cause}"
        self.failed += len(items)
        self.crawler.stats.inc_value(ITEMS_FAILED, len(items))
        self.crawler.stats.set_value(FATAL, self.fatal)
        logger.error("Storage: %s; stopping (what was stored before is kept)", self.fatal)
        engine = getattr(self.crawler, "_engine", None)
        if engine is not None and engine.spider is not None and engine.running:
            self.closing = asyncio.ensure_future(engine.close_spider_async(reason=CLOSE_REASON))

    def write(self, items):
        """One transaction on this thread, counted at once."""
        self.count(items, self.write_transaction(items))

    def write_transaction(self, items, now=None, bodies=None):
        """One transaction: albums first, then the listings (which may point at them), then the
        kept bodies (``bodies``: :meth:`bodies_to_keep` at ``now``, made here when not given).

        Run on the writer thread in a crawl: it changes no stats and no counter, it returns
        what to add to them (:meth:`count`, on the reactor's thread)."""
        releases = [item for item in items if isinstance(item, ReleaseItem)]
        listings = [item for item in items if isinstance(item, ListingItem)]
        if now is None:
            now = utcnow()
            # Compressed before the transaction: on SQLite it begins IMMEDIATE, holding the write
            # lock that the spider (parking listings, keeping pages) and other harvests wait for.
            bodies = self.bodies_to_keep(items, now)
        self.tally = Counter()
        with database_for(self.database_url).atomic():
            rows = self.write_records(releases, listings, now)
            rows += self.write_checkpoints(items, releases, now)
            rows += sum(self.write_raw(group) for group in bodies)
        tally, self.tally = self.tally, Counter()
        tally.update({"rows": rows, "release": len(releases), "listing": len(listings)})
        return tally

    def count(self, items, tally):
        """A written transaction's figures, to the counters and the stats."""
        rows = tally.pop("rows")
        self.flushes += 1
        self.rows += rows
        self.stored["release"] += tally.pop("release")
        self.stored["listing"] += tally.pop("listing")
        self.crawler.stats.inc_value(stats.ROWS_UPSERTED, rows)
        self.crawler.stats.inc_value(stats.ITEMS_STORED, len(items))
        for key, value in tally.items():
            self.crawler.stats.inc_value(key, value)

    def write_records(self, releases, listings, now):
        """Albums first, then the listings (which may point at them); returns the rows written.

        The one path from items to tables, for a crawl and for ``scrapy rebuild`` alike."""
        rows = self.write_releases(releases, now) if releases else 0
        return rows + (self.write_listings(listings, now) if listings else 0)

    def upsert(self, model, rows, conflict_target, keep=(), update=None):
        """``INSERT ... ON CONFLICT (conflict_target) DO UPDATE`` every column but ``keep``.

        Rows are dicts with the same keys; as many go into one statement as the
        connection's parameter limit allows (a whole batch, in practice).
        """
        if not rows:
            return 0
        fixed = {field.name for field in conflict_target} | set(keep) | set(update or ())
        preserve = [model._meta.fields[name] for name in rows[0] if name not in fixed]
        update = {model._meta.fields[name]: value for name, value in (update or {}).items()}
        per_statement = max(1, self.max_variables // len(model._meta.fields))
        # The clause is the same for the same target, kept columns and updated names (update
        # values are constants or expressions of the row: inserts.py keeps their parameters).
        shape = ("upsert", tuple(field.name for field in conflict_target), tuple(sorted(fixed)),
                 tuple((field.name, value if not isinstance(value, Node) else None) for field, value in update.items()))
        for chunk in slices(rows, per_statement):
            self.inserts.run(shape, model, chunk, lambda chunk: model.insert_many(chunk).on_conflict(
                conflict_target=conflict_target, preserve=preserve, update=update or None))
        return len(rows)

    def replace_links(self, model, album_ids, rows):
        """Make ``rows`` the only links of ``album_ids`` in a link table (no ids to keep there)."""
        for chunk in slices(album_ids, self.max_variables):  # one text for any number of ids
            self.inserts.run_lists(("replace links", model), [chunk],
                                   lambda chunk: model.delete().where(model.album.in_(chunk)))
        columns = len(rows[0]) if rows else 1
        for chunk in slices(rows, max(1, self.max_variables // columns)):
            self.inserts.run("ignore", model, chunk, lambda chunk: model.insert_many(chunk).on_conflict_ignore())
        return len(rows)

    # --- releases ----------------------------------------------------------------------

    def write_albums(self, releases, now):
        """The ``albums`` rows of ``releases`` (and the listings waiting for them), nothing else."""
        rows = self.upsert(
            Album, [album_row(item, now) for item in releases], [Album.discogs_release_id], keep=("created_at",)
        )
        self.link_listings([item.release_id for item in releases])
        return rows

    def run_id(self):
        """The ``harvest_runs.id`` of this crawl (set by the RunLog extension), or None."""
        return self.crawler.stats.get_value(watching.RUN_ID_STAT)

    def write_releases(self, releases, now):
        album_ids = [str(item.release_id) for item in releases]
        rows = self.write_albums(releases, now)
        if self.keep_bodies:
            self.tally[watching.HISTORY_STAT] += watching.record_release_stats(
                releases, self.run_id(), now, self.max_variables, self.inserts)
        rows += self.write_tracks(releases)
        self.refresh_search(album_ids)
        rows += self.write_videos(releases, album_ids)
        for model, link, attribute, field in (
            (Genre, AlbumGenre, "genres", "genre"),
            (Style, AlbumStyle, "styles", "style"),
        ):
            names = {item.release_id: [name for name in getattr(item, attribute) or () if name] for item in releases}
            ids = self.ids_of_names(model, [name for item_names in names.values() for name in item_names])
            links = []
            for release_id, item_names in names.items():
                album_id = str(release_id)
                linked = set()  # two spellings of one name share an id: link it once, first place
                for name in item_names:
                    name_id = ids[name.casefold()]
                    if name_id not in linked:
                        linked.add(name_id)
                        links.append({"album": album_id, field: name_id, "order_index": len(linked) - 1})
            rows += self.replace_links(link, album_ids, links)
        for model, build in (
            (AlbumArtist, lambda item: credit_rows(item, "artists")),
            (AlbumCredit, lambda item: credit_rows(item, "credits")),
            (AlbumLabel, lambda item: entity_rows(item, "labels")),
            (AlbumCompany, lambda item: entity_rows(item, "companies")),
            (AlbumSeries, lambda item: entity_rows(item, "series")),
            (AlbumFormat, format_rows),
            (AlbumIdentifier, identifier_rows),
            (AlbumImage, image_rows),
        ):
            rows += self.replace_links(model, album_ids, [row for item in releases for row in build(item)])
        return rows

    def refresh_search(self, album_ids):
        """Re-index ``album_ids`` for full-text search (:mod:`discogs_harvest.fts`), their tracks written."""
        fts.refresh(database_for(self.database_url), album_ids, self.max_variables)

    def bodies_to_keep(self, items, now):
        """The ``raw_bodies`` rows of a batch, compressed, in groups that each go into one
        :meth:`write_raw`: releases', listings', then pages' and other resources' bodies as
        received (none for ``scrapy rebuild`` or the dump import, which keep none)."""
        if not self.keep_bodies:
            return []
        releases = [item for item in items if isinstance(item, ReleaseItem)]
        listings = [item for item in items if isinstance(item, ListingItem)]
        # A page the spider kept as it arrived (body_kept) is in raw_bodies already: compressing
        # and writing its body again cost a millisecond or more per page of a hundred listings.
        pages = [raw_row("inventory_page", page_resource_id(item.seller_username, item.status, item.page),
                         item.body, now, PAGE_COMPRESSION)
                 for item in items if isinstance(item, InventoryPageItem) and item.body and not item.body_kept]
        return [
            [raw_row("release", item.release_id, item.raw, now) for item in releases if item.raw is not None],
            [raw_row("listing", item.listing_id, item.raw, now) for item in listings if item.raw is not None],
            pages + [raw_row(item.resource, item.resource_id, item.body, now)
                     for item in items if isinstance(item, RawBodyItem)],
        ]

    def write_raw(self, rows):
        """Keep bodies as received: the latest per resource (``first_fetched_at`` stays)."""
        if not self.keep_bodies:
            return 0
        return self.upsert(RawBody, rows, [RawBody.resource, RawBody.resource_id], keep=("first_fetched_at",),
                           update={"unlisted": False})

    def write_tracks(self, releases):
        """Upsert by (album, sequence) so ids stay; delete sequences the new tracklists lack."""
        per_release = {str(item.release_id): track_rows(item) for item in releases}
        rows = [row for album_rows in per_release.values() for row in album_rows]
        count = self.upsert(Track, rows, [Track.album, Track.sequence])
        self.delete_stale_tracks({album_id: [row["sequence"] for row in album_rows]
                                  for album_id, album_rows in per_release.items()})
        return count

    def delete_stale_tracks(self, kept):
        """Delete each album's tracks but the sequences ``kept`` names (``{album_id: [sequence]}``)."""
        # Each release costs 1 + 2 per track parameters in the delete: group accordingly.
        widest = 1 + 2 * max(len(sequences) for sequences in kept.values())
        for group in slices(kept.items(), max(1, self.max_variables // widest)):
            album_ids = [album_id for album_id, _ in group]
            keep = [(album_id, sequence) for album_id, sequences in group for sequence in sequences]
            if keep:  # its text kept once (inserts.py), the lists' lengths vary every batch
                self.inserts.run_lists("stale tracks", [album_ids, keep], lambda album_ids, keep: Track.delete().where(
                    Track.album.in_(album_ids) & Tuple(Track.album, Track.sequence).not_in(ValuesList(keep))))
            else:
                Track.delete().where(Track.album.in_(album_ids)).execute()

    def write_videos(self, releases, album_ids):
        videos, links = {}, []
        for item in releases:
            seen = set()
            for index, video in enumerate(item.videos):
                if not video.video_id or video.video_id in seen:
                    continue  # Discogs sometimes lists one video twice: keep its first place
                seen.add(video.video_id)
                videos[video.video_id] = {
                    "id": video.video_id,
                    "title": video.title,
                    "url": video.url,
                    "duration_seconds": video.duration_seconds,
                    "description": video.description,
                    "embed": video.embed,
                }
                order_index = video.order_index if video.order_index is not None else index
                links.append({"album": str(item.release_id), "video": video.video_id, "order_index": order_index})
        rows = self.upsert(YoutubeVideo, list(videos.values()), [YoutubeVideo.id])
        return rows + self.replace_links(AlbumVideo, album_ids, links)

    def ids_of_names(self, model, names):
        """``{name.casefold(): id}`` for ``names`` (a list) in a genres/styles table, inserting new ones."""
        known = self.name_ids.get(model)
        if known is None:
            known = self.name_ids[model] = {}
            for tag_id, name in model.select(model.id, model.name).order_by(model.id).tuples():
                known.setdefault(name.casefold(), tag_id)
        missing = {}  # first spelling wins, in order
        for name in names:
            if name.casefold() not in known:
                missing.setdefault(name.casefold(), name)
        if missing:
            new = list(missing.values())
            model.insert_many([(name,) for name in new], fields=[model.name]).on_conflict_ignore().execute()
            for chunk in slices(new, self.max_variables):
                for tag_id, name in model.select(model.id, model.name).where(model.name.in_(chunk)).tuples():
                    known.setdefault(name.casefold(), tag_id)
        return known

    # --- listings ----------------------------------------------------------------------

    def existing_albums(self, album_ids):
        """Which of ``album_ids`` are stored; the query's text kept once (inserts.py), not
        rendered by peewee for every batch of listings."""
        found = set()
        for chunk in slices(sorted(album_ids), self.max_variables):
            found.update(album_id for (album_id,) in self.inserts.run_lists(
                "existing albums", [chunk],
                lambda chunk: Album.select(Album.discogs_release_id).where(Album.discogs_release_id.in_(chunk)).tuples()))
        return found

    def link_listings(self, release_ids):
        """Point listings stored before their album (in any run) at the albums just written."""
        for chunk in slices(sorted(release_ids), self.max_variables):
            self.inserts.run_lists("link listings", [chunk], lambda chunk: CollectionItem.update(
                album=CollectionItem.release_id.cast("TEXT")).where(
                CollectionItem.album.is_null() & CollectionItem.release_id.in_(chunk)))

    def write_listings(self, listings, now):
        """Sellers, then listings; returns the rows written."""
        sellers = {
            item.seller.seller_id: seller_row(item.seller, now)
            for item in listings
            if item.seller and item.seller.seller_id is not None
        }
        rows = self.upsert(Seller, list(sellers.values()), [Seller.id], keep=("created_at",))
        present = self.existing_albums({str(item.release_id) for item in listings if item.release_id is not None})
        listing_rows = []
        for item in listings:
            album_id = str(item.release_id) if item.release_id is not None else None
            listing_rows.append(listing_row(item, album_id if album_id in present else None, now))
        if self.keep_bodies:  # a crawl, not `scrapy rebuild`: record what changed (watching.py)
            self.tally[watching.EVENTS_STAT] += watching.record_listing_events(
                listing_rows, self.run_id(), now, self.max_variables, self.inserts)
        rows += self.upsert(
            CollectionItem,
            listing_rows,
            [CollectionItem.listing_id],
            keep=("first_seen_at",),
            # A listing seen again before its album is fetched keeps the album it had.
            update={"album": fn.COALESCE(EXCLUDED.album_id, CollectionItem.album)},
        )
        self.refresh_album_counts(listings, present, now)
        return rows

    # --- checkpoints ---------------------------------------------------------------------

    def write_checkpoints(self, items, releases, now):
        """Inventory pages and failed releases; a release stored now is no longer failed."""
        pages = [item for item in items if isinstance(item, InventoryPageItem)]
        # The page's body is kept once, compressed, in raw_bodies (where the checkpoint reads it:
        # checkpoints.py); a second, plain copy here cost about 1 KB a listing, written and
        # deleted again by every harvest.
        rows = self.upsert(InventoryPage, [
            {"seller": item.seller_username.lower(), "status": item.status, "page": item.page,
             "next_url": without_credentials(item.next_url), "pages_total": item.pages_total,
             "body": "" if self.keep_bodies else item.body, "fetched_at": now,
             "listings_out": True} for item in pages  # committed with them: checkpointed
        ], [InventoryPage.seller, InventoryPage.status, InventoryPage.page])
        # Records of the other ways in (collections, wants, labels, ...): their rows (records.py).
        rows += records.write(self.upsert, [(item.resource, item.resource_id, records.decode(item.body))
                                            for item in items if isinstance(item, RawBodyItem)
                                            and item.resource in records.RESOURCES], now, self.max_variables)
        failures = [item for item in items if isinstance(item, FailedReleaseItem)]
        for item in failures:
            FailedRelease.insert(release_id=item.release_id, reason=item.reason, first_failed_at=now,
                                 last_failed_at=now).on_conflict(
                conflict_target=[FailedRelease.release_id],
                update={FailedRelease.attempts: FailedRelease.attempts + 1, FailedRelease.reason: item.reason,
                        FailedRelease.last_failed_at: now},
            ).execute()
        stored = [item.release_id for item in releases]
        for chunk in slices(stored, self.max_variables):
            self.inserts.run_lists("failed releases stored", [chunk],
                                   lambda chunk: FailedRelease.delete().where(FailedRelease.release_id.in_(chunk)))
        return rows + len(failures)

    def refresh_album_counts(self, listings, present, now):
        """Copy have/want from listings (the release's community figures) onto stored albums."""
        counts = {}
        for item in listings:
            album_id = str(item.release_id)
            if album_id in present and (item.have_count is not None or item.want_count is not None):
                counts[album_id] = (item.have_count, item.want_count)
        items = list(counts.items())
        # Per album: 2 parameters in each CASE, 1 in the IN list.
        for chunk in slices(items, max(1, (self.max_variables - 1) // 5)):
            have = [(album_id, value) for album_id, (value, _) in chunk if value is not None]
            want = [(album_id, value) for album_id, (_, value) in chunk if value is not None]
            Album.update(
                have_count=Case(Album.discogs_release_id, have, Album.have_count) if have else Album.have_count,
                want_count=Case(Album.discogs_release_id, want, Album.want_count) if want else Album.want_count,
                updated_at=now,
            ).where(Album.discogs_release_id.in_([album_id for album_id, _ in chunk])).execute()
