"""What an interrupted harvest left behind, read back so the next run carries on.

Written by the pipelines (storage writes ``inventory_pages`` and ``failed_releases``; the
staleness pipeline clears a seller's pages once a run has paged to the end and finished),
read here by the spiders before they request anything:

- :func:`inventory_checkpoint`: the pages 1..k of a seller's inventory stored by a run that
  did not finish, when younger than ``INVENTORY_RESUME_MAX_AGE_HOURS``. The spider replays
  them instead of fetching them again and continues from page k's ``next`` URL. A page's
  body is read from ``raw_bodies`` (storage writes ``inventory_pages.body`` empty; a row an
  older version wrote with its body is read as it is). A stored page whose body is not a
  well-formed inventory page (:mod:`discogs_harvest.shapes`: a corrupted row, a page stored
  by an older version) ends the checkpoint like a gap: it and the pages after it are fetched
  again. Each page's listings are read from disk when the spider asks for them
  (:attr:`CheckpointPage.listings`), one page at a time, so a long checkpoint is not held in
  memory.
- :func:`keep_page` and :func:`kept_page`: ``seller_inventory`` keeps a fetched page's body in
  ``raw_bodies`` as soon as it is checked, committed at once, and reads it back when the
  page's listings go out (which may be after later pages were fetched); storage writes the
  page's ``inventory_pages`` row with its listings, so a kept body alone is no checkpoint.
- :func:`failed_release_ids`: releases that failed every retry last time; retried first.
"""

import datetime
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from discogs_harvest.completeness import PageSeen
from discogs_harvest.freshness import database_for
from discogs_harvest.shapes import inventory_problem
from discogs_harvest.models import FailedRelease, InventoryPage, RawBody, utcnow
from discogs_harvest.pipelines.rows import PAGE_COMPRESSION, page_resource_id, raw_row


@dataclass
class CheckpointPage:
    page: int
    next_url: str | None
    pages_total: int | None
    fetched_at: datetime.datetime
    seen: PageSeen | None = None  # what the completeness policy needs of it
    read: Callable[[], dict] | None = None  # the page's body, decoded again from disk

    @property
    def listings(self):
        """The page's listing objects, read from disk at each call (nothing is kept here)."""
        return self.read()["listings"]


def inventory_checkpoint(database_url, seller, status, max_age_hours, now=None):
    """Stored pages 1..k of ``seller``'s inventory (contiguous, all young enough), in order."""
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
                                    PageSeen.from_body(data, epoch, replayed=True), read))
    return pages


def _inline(body, page):
    return lambda: _page_data(body, page)


def _kept(database_url, seller, status, page):
    return lambda: (kept_page(database_url, seller, status, page) or (None, None))[1]


def keep_page(database_url, seller, status, page, body):
    """Keep an inventory page's body (its text as received, secrets masked) in ``raw_bodies``,
    committed now, as storage keeps it (:func:`~discogs_harvest.pipelines.rows.raw_row`)."""
    database = database_for(database_url)
    row = raw_row("inventory_page", page_resource_id(seller, status, page), body, utcnow(), PAGE_COMPRESSION)
    with database.atomic():
        RawBody.insert(row).on_conflict(
            conflict_target=[RawBody.resource, RawBody.resource_id],
            preserve=[RawBody.body, RawBody.fetched_at], update={RawBody.unlisted: False}).execute()


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
        data = json.loads(text)
    except (ValueError, TypeError):
        return None
    return None if inventory_problem(data, page) else data


def failed_release_ids(database_url):
    """Ids of releases that failed every retry in an earlier run, oldest failure first."""
    database_for(database_url)
    query = FailedRelease.select(FailedRelease.release_id).order_by(
        FailedRelease.first_failed_at, FailedRelease.release_id)
    return [release_id for (release_id,) in query.tuples()]
