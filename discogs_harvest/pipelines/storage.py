"""StoragePipeline: a crawl's items buffered into batches and written, one transaction a batch.

Items are buffered and written in one transaction per batch: when
``STORAGE_BATCH_SIZE`` items are waiting, every ``STORAGE_FLUSH_INTERVAL`` seconds
(so a crash loses a few seconds of work at most) and when the spider closes. What a batch
becomes in the tables is :class:`~discogs_harvest.pipelines.writing.BatchWriter`'s, which this
pipeline is (``scrapy rebuild`` and the dump import write through it too).

In a crawl on SQLite the batches are written one at a time, in the order they were handed
over, while the reactor goes on: by a process of their own (``STORAGE_WRITE_PROCESS``,
:mod:`~discogs_harvest.pipelines.writerprocess`), which a thread of this one
(``STORAGE_WRITE_THREAD``) hands each batch to and waits for; without the process, on that
thread itself. The item that fills a batch waits until its batch is written, so a writer that
falls behind holds the crawl back rather than memory growing; the spider closes once every
batch is written. ``StoredReleaseItem`` (a fresh release read back for a feed) and a listing
``stored_on_arrival`` (written with its page, this copy for the feed) pass through unwritten.

A batch that fails is retried item by item, so one bad item costs only itself
(logged, counted in ``harvest/storage/items_failed``). A database that cannot be written
at all (disk full, an I/O error, the file turned read-only: :func:`medium_failure`) is not
retried item by item: one line names the cause, the spider closes with reason
``storage_failed`` (the ``crawl`` command prints ``harvest/storage/fatal`` and exits with the
resumable status), and nothing more is attempted.

Settings: ``DATABASE_URL``, ``STORAGE_BATCH_SIZE``, ``STORAGE_FLUSH_INTERVAL``,
``STORAGE_WRITE_THREAD``, ``STORAGE_WRITE_PROCESS``.
Stats: ``harvest/storage/items_stored``, ``harvest/storage/rows_upserted``,
``harvest/storage/items_failed``, ``harvest/storage/fatal``,
``harvest/storage/writer_process_maxrss_kib`` (the writer process's peak memory).
"""

import asyncio
import functools
import logging
import threading

from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.log import failure_to_exc_info
from twisted.internet.defer import DeferredLock
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from discogs_harvest import stats, watching
from discogs_harvest.exceptions import HarvestConfigError, InvalidItem
from discogs_harvest.freshness import database_for
from discogs_harvest.items import (
    FailedReleaseItem,
    InventoryPageItem,
    ListingItem,
    ListingRowsItem,
    RawBodyItem,
    ReleaseItem,
    StoredReleaseItem,
)
from discogs_harvest.models import utcnow
from discogs_harvest.pipelines.writerprocess import WriterProcess, WriterUnavailable
from discogs_harvest.pipelines.writing import BatchWriter
from discogs_harvest.postgres import is_postgres

logger = logging.getLogger(__name__)

ITEMS_FAILED = stats.key("storage", "items_failed")
FATAL = stats.key("storage", "fatal")
WRITER_MAXRSS = stats.key("storage", "writer_process_maxrss_kib")
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


class StoragePipeline(BatchWriter):
    # What the writer process builds to write this pipeline's batches (a test's subclass may
    # name its own): the batch's tables are the same either way.
    process_writer = BatchWriter

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.batch_size = settings.getint("STORAGE_BATCH_SIZE")
        self.flush_interval = settings.getfloat("STORAGE_FLUSH_INTERVAL", DEFAULT_FLUSH_INTERVAL)
        if self.batch_size < 1:
            raise HarvestConfigError(f"STORAGE_BATCH_SIZE must be >= 1, not {self.batch_size}")
        if self.flush_interval <= 0:
            raise HarvestConfigError(f"STORAGE_FLUSH_INTERVAL must be > 0, not {self.flush_interval}")
        # Opening now makes a bad URL fail the crawl before anything is fetched.
        super().__init__(settings.get("DATABASE_URL"))
        self.releases = {}  # release_id -> ReleaseItem, waiting for the next flush
        self.listings = {}  # listing_id -> ListingItem, waiting for the next flush
        self.pages = {}  # (seller, status, page) -> InventoryPageItem
        self.failures = {}  # release_id -> FailedReleaseItem
        self.bodies = {}  # (resource, id) -> RawBodyItem
        self.timer = None
        # STORAGE_WRITE_THREAD: a crawl's batches are written from a thread of their own
        # (hand_over), one at a time, in order; writer is None outside a crawl (flush() writes at once).
        # STORAGE_WRITE_PROCESS: that thread hands them to the writer process (remote).
        self.in_thread = settings.getbool("STORAGE_WRITE_THREAD", True)
        self.in_process = settings.getbool("STORAGE_WRITE_PROCESS", True)
        self.writer = None
        self.remote = None
        self.lock = DeferredLock()
        self.flushes = 0
        self.stored = {"release": 0, "listing": 0}
        self.rows = 0
        self.failed = 0
        self.fatal = None  # the cause, once the database cannot be written at all

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
            if self.in_process:
                self.start_remote()

    def start_remote(self):
        """The writer process, started here, on the reactor's (main) thread: on Linux it dies
        with the thread that started it, as the writer thread dies with the crawl."""
        try:
            self.remote = WriterProcess.shared()
        except WriterUnavailable as exc:
            logger.warning("Storage: no writer process (%s); batches are written by the crawl's process", exc)

    def close_spider(self):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        if self.writer is not None:
            return self.close_writer()  # Scrapy waits for it
        self.finish()
        return None

    async def close_writer(self):
        """What is waiting written after every batch handed over before; the writer process's
        connection closed (its peak memory to the stats) and the writer thread's, on that
        thread (peewee's are per thread); the thread stopped."""
        await self.hand_over(self.waiting())
        await maybe_deferred_to_future(deferToThreadPool(self.reactor, self.writer, self.release_connections))
        self.writer.stop()
        self.writer = None
        self.finish()

    def release_connections(self):
        """On the writer thread, at close: the connections it and the writer process hold."""
        if self.remote is not None:
            try:
                self.crawler.stats.set_value(WRITER_MAXRSS, self.remote.release(self.database_url))
            except WriterUnavailable as exc:
                self.lose_remote(exc)
        database_for(self.database_url).close()

    def finish(self):
        self.flush()
        peak = self.crawler.stats.get_value(WRITER_MAXRSS)
        logger.info(
            "Storage: %d releases and %d listings stored in %d batches, %d rows upserted, %d items failed%s",
            self.stored["release"],
            self.stored["listing"],
            self.flushes,
            self.rows,
            self.failed,
            f"; the writer process's peak memory {peak} KiB" if peak else "",
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
        """Write ``items`` from the writer thread once the batches handed over before are
        written: one at a time, in the order they were handed over (the lock is queued for now,
        first come, first served); a coroutine that returns ``item`` then.

        Without the writer process their kept bodies are compressed here, on the reactor's
        thread, while the writer thread writes the batch before: zlib lets go of the GIL for
        each body, and the writer thread, which compressed them before, had to take the GIL back
        from the reactor after every one (5,000 listings' bodies took it 1.4-2.5 s for 0.35 s of
        compression; issue 12, measured with thread_time). The process compresses its own."""
        now = utcnow()
        bodies = None if self.remote is not None else self.bodies_to_keep(items, now)
        return self.write_behind(self.lock.acquire(), items, item, now, bodies)

    async def write_behind(self, turn, items, item, now, bodies):
        """The reactor goes on while the batch is written (:meth:`write_batch`). A failed batch
        is split and retried here, on the reactor's thread."""
        await maybe_deferred_to_future(turn)
        try:
            if items and self.fatal is None:
                try:
                    tally = await maybe_deferred_to_future(
                        deferToThreadPool(self.reactor, self.writer, self.write_batch, items, now, bodies))
                except Exception as exc:
                    self.recover(items, exc)
                else:
                    self.count(items, tally)
            else:
                self.store(items)  # nothing, or counted as failed once the database is unwritable
        finally:
            self.lock.release()
        return item

    def write_batch(self, items, now, bodies):
        """On the writer thread: one batch's transaction, by the writer process (the thread
        waits without the GIL) or, without one, here. What the process raised is raised here."""
        remote = self.remote
        if remote is not None:
            try:
                return remote.write(self.process_writer, self.database_url, self.run_id(), items, now)
            except WriterUnavailable as exc:
                if remote.alive():  # this batch only (it would not pickle)
                    logger.debug("Storage: a batch written by the crawl's process: %s", exc)
                else:
                    self.lose_remote(exc)
        # A batch the process took before it ended may be written twice: the same rows.
        return self.write_transaction(items, now, bodies)

    def lose_remote(self, exc):
        """The writer process is gone: say so once; the crawl's process writes from now on."""
        if self.remote is not None:
            self.remote = None
            logger.warning("Storage: the writer process %s; batches are written by the crawl's process", exc)

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
        self.count(items, self.write_transaction(items, utcnow()))

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

    def run_id(self):
        """The ``harvest_runs.id`` of this crawl (set by the RunLog extension), or None."""
        return self.crawler.stats.get_value(watching.RUN_ID_STAT)
