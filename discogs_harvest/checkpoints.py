"""What an interrupted harvest left behind, read back so the next run carries on.

Written by the pipelines (storage writes ``inventory_pages`` and ``failed_releases``; the
staleness pipeline clears a seller's pages once a run has paged to the end and finished),
read here by the spiders before they request anything:

- :func:`inventory_checkpoint`: the pages 1..k of a seller's inventory stored by a run that
  did not finish, when younger than ``INVENTORY_RESUME_MAX_AGE_HOURS``: those checkpointed
  with their listings and those only kept (:attr:`CheckpointPage.listings_out` false), alike.
  The spider replays them instead of fetching them again and continues from page k's
  ``next`` URL; a kept page's listings go out then, followed by its checkpoint. A page's
  body is read from ``raw_bodies`` (storage writes ``inventory_pages.body`` empty; a row an
  older version wrote with its body is read as it is). A stored page whose body is not a
  well-formed inventory page (:mod:`discogs_harvest.shapes`: a corrupted row, a page stored
  by an older version) ends the checkpoint like a gap: it and the pages after it are fetched
  again. Each page's listings are read from disk when the spider asks for them
  (:attr:`CheckpointPage.listings`), one page at a time, so a long checkpoint is not held in
  memory.
- :func:`keep_page` and :func:`kept_page`: ``seller_inventory`` keeps a fetched page's body in
  ``raw_bodies`` as soon as it is checked, with its ``inventory_pages`` row (``listings_out``
  false), committed at once, and reads it back when the page's listings go out (which may be
  after later pages were fetched); storage writes the row again with the listings
  (``listings_out`` true). The row is what marks the page as the unfinished run's: bodies of
  finished runs stay in ``raw_bodies``, but the staleness pipeline deletes the rows of a
  seller whose run paged to the end and finished, kept and checkpointed alike.
- :class:`PageKeeper` runs :func:`keep_page` on a thread of its own, the pages in the order
  given: compressing a page (about 330 KB of JSON) took the reactor's thread 1.3 ms a page,
  about all that paging cost beyond a bare Scrapy spider's fetch (issue 12); zlib lets go of
  the GIL while it works, so the next page's request goes out meanwhile. The spider waits for a
  page's keep before it reads the page back, and for every keep when paging ends or it closes.
  A kill before a keep is committed loses that page as a kill before it was checked did: the
  next run fetches it again.
- :func:`failed_release_ids`: releases that failed every retry last time; retried first.
"""

import datetime
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from discogs_harvest.completeness import PageSeen
from discogs_harvest.freshness import database_for
from discogs_harvest.models import FailedRelease, InventoryPage, RawBody, utcnow
from discogs_harvest.pagetext import decode_page
from discogs_harvest.pipelines.inserts import Inserts
from discogs_harvest.pipelines.rows import PAGE_COMPRESSION, page_resource_id, raw_row, without_credentials
from discogs_harvest.shapes import inventory_problem


@dataclass
class CheckpointPage:
    page: int
    next_url: str | None
    pages_total: int | None
    fetched_at: datetime.datetime
    seen: PageSeen | None = None  # what the completeness policy needs of it
    read: Callable[[], dict] | None = None  # the page's body, decoded again from disk
    listings_out: bool = True  # False: only kept, its listings did not go out before the run stopped

    @property
    def listings(self):
        """The page's listing objects, read from disk at each call (nothing is kept here)."""
        return self.read()["listings"]


def inventory_checkpoint(database_url, seller, status, max_age_hours, now=None):
    """Stored pages 1..k of ``seller``'s inventory (contiguous, all young enough), in order:
    checkpointed or only kept, each page judged the same way."""
    database_for(database_url)
    oldest = (now or utcnow()) - datetime.timedelta(hours=max_age_hours)
    query = (InventoryPage.select()
             .where((InventoryPage.seller == seller.lower()) & (InventoryPage.status == status))
             .order_by(InventoryPage.page))
    pages = []
    for row in query:
        if row.page != len(pages) + 1 or row.fetched_at < oldest:
            break  # a gap or an old page: what follows cannot be trusted to continue from
        # storage keeps the body in raw_bodies; rows of older versions carry it here
        read = _inline(row.body, row.page) if row.body else _kept(database_url, seller, status, row.page)
        data = read()
        if data is None:
            break  # a corrupted or missing body: fetch it (and what follows) again
        epoch = row.fetched_at.replace(tzinfo=datetime.timezone.utc).timestamp()
        pages.append(CheckpointPage(row.page, row.next_url, row.pages_total, row.fetched_at,
                                    PageSeen.from_body(data, epoch, replayed=True), read, row.listings_out))
    return pages


def _inline(body, page):
    return lambda: _page_data(body, page)


def _kept(database_url, seller, status, page):
    return lambda: (kept_page(database_url, seller, status, page) or (None, None))[1]


def keep_page(database_url, seller, status, page, body, next_url, pages_total):
    """Keep an inventory page's body (its text as received, secrets masked) in ``raw_bodies``,
    as storage keeps it (:func:`~discogs_harvest.pipelines.rows.raw_row`), and its
    ``inventory_pages`` row, its listings not out yet: committed now, together.

    The row is written again even where one was (a page fetched again: after a restart from
    page 1, or by another harvest of the seller): it describes the body kept now, whose
    listings have not gone out.
    """
    database = database_for(database_url)
    now = utcnow()
    body_row = raw_row("inventory_page", page_resource_id(seller, status, page), body, now, PAGE_COMPRESSION)
    page_row = {"seller": seller.lower(), "status": status, "page": page, "next_url": without_credentials(next_url),
                "pages_total": pages_total, "body": "", "fetched_at": now, "listings_out": False}
    inserts = _inserts.get(database_url)
    if inserts is None:  # the two statements' texts rendered once (pipelines/inserts.py), not for every page
        inserts = _inserts[database_url] = Inserts(lambda: database_for(database_url))
    with database.atomic():
        inserts.run("keep body", RawBody, [body_row], lambda rows: RawBody.insert_many(rows).on_conflict(
            conflict_target=[RawBody.resource, RawBody.resource_id],
            preserve=[RawBody.body, RawBody.fetched_at], update={RawBody.unlisted: False}))
        inserts.run("keep page", InventoryPage, [page_row], lambda rows: InventoryPage.insert_many(rows).on_conflict(
            conflict_target=[InventoryPage.seller, InventoryPage.status, InventoryPage.page],
            preserve=[InventoryPage.next_url, InventoryPage.pages_total, InventoryPage.body,
                      InventoryPage.fetched_at, InventoryPage.listings_out]))


_inserts = {}  # database_url -> Inserts


class PageKeeper:
    """:func:`keep_page` on a thread of its own, in order; :meth:`wait` for one page's keep,
    :meth:`close` for all of them (the thread's connection closed). What a keep raised is
    raised where it is waited for."""

    def __init__(self, database_url):
        self.database_url = database_url
        self.thread = None  # a one-thread executor, started with the first keep
        self.keeping = {}  # page number -> the Future of its keep

    def keep(self, seller, status, page, body, next_url, pages_total):
        if self.thread is None:
            self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-keeper")
        self.keeping[page] = self.thread.submit(keep_page, self.database_url, seller, status, page, body, next_url,
                                                pages_total)

    def wait(self, page):
        """Once ``page`` is kept (at once when it was not given to :meth:`keep`)."""
        keeping = self.keeping.pop(page, None)
        if keeping is not None:
            keeping.result()

    def close(self):
        """Every keep done; the first failure raised after all were waited for."""
        failures = []
        for page in sorted(self.keeping):
            try:
                self.wait(page)
            except Exception as exc:  # noqa: BLE001 (raised below, after the others)
                failures.append(exc)
        if self.thread is not None:
            self.thread.submit(database_for(self.database_url).close).result()  # its thread's connection
            self.thread.shutdown()
            self.thread = None
        if failures:
            raise failures[0]


def kept_page(database_url, seller, status, page):
    """``(text, data)`` of the inventory page kept in ``raw_bodies``, or None when it is missing
    or is not a well-formed inventory page numbered ``page``."""
    database_for(database_url)
    blob = (RawBody.select(RawBody.body)
            .where((RawBody.resource == "inventory_page")
                   & (RawBody.resource_id == page_resource_id(seller, status, page)))
            .scalar())
    try:
        text = zlib.decompress(bytes(blob)).decode("utf-8")
    except (TypeError, zlib.error, UnicodeDecodeError):
        return None
    data = _page_data(text, page)
    return None if data is None else (text, data)


def _page_data(text, page):
    """The decoded page, or None when it is not a well-formed inventory page (numbered ``page``)."""
    try:
        data = decode_page(text)  # each listing with its text in the page (pagetext.py)
    except (ValueError, TypeError):
        return None
    return None if inventory_problem(data, page) else data


def failed_release_ids(database_url):
    """Ids of releases that failed every retry in an earlier run, oldest failure first."""
    database_for(database_url)
    query = FailedRelease.select(FailedRelease.release_id).order_by(
        FailedRelease.first_failed_at, FailedRelease.release_id)
    return [release_id for (release_id,) in query.tuples()]
