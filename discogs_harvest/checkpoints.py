"""What an interrupted harvest left behind, read back so the next run carries on.

Written by the pipelines (storage writes ``inventory_pages`` and ``failed_releases``; the
staleness pipeline clears a seller's pages once a run has paged to the end and finished),
read here by the spiders before they request anything:

- :func:`inventory_checkpoint`: the pages 1..k of a seller's inventory stored by a run that
  did not finish, when younger than ``INVENTORY_RESUME_MAX_AGE_HOURS``. The spider replays
  them instead of fetching them again and continues from page k's ``next`` URL. A page's
  body is read from ``raw_bodies`` (storage writes ``inventory_pages.body`` empty; a row an
  older version wrote with its body is read as it is). A stored page whose body is not a well-formed inventory page (:mod:`discogs_harvest.shapes`: a
  corrupted row, a page stored by an older version) ends the checkpoint like a gap: it and
  the pages after it are fetched again.
- :func:`failed_release_ids`: releases that failed every retry last time; retried first.
"""

import datetime
import json
import zlib
from dataclasses import dataclass

from discogs_harvest.batches import slices
from discogs_harvest.completeness import PageSeen
from discogs_harvest.freshness import IN_CHUNK, database_for
from discogs_harvest.shapes import inventory_problem
from discogs_harvest.models import FailedRelease, InventoryPage, RawBody, utcnow
from discogs_harvest.pipelines.rows import page_resource_id


@dataclass
class CheckpointPage:
    page: int
    next_url: str | None
    pages_total: int | None
    listings: list
    fetched_at: datetime.datetime
    seen: PageSeen | None = None  # what the completeness policy needs of it


def inventory_checkpoint(database_url, seller, status, max_age_hours, now=None):
    """Stored pages 1..k of ``seller``'s inventory (contiguous, all young enough), in order."""
    database_for(database_url)
    oldest = (now or utcnow()) - datetime.timedelta(hours=max_age_hours)
    query = (InventoryPage.select()
             .where((InventoryPage.seller == seller.lower()) & (InventoryPage.status == status))
             .order_by(InventoryPage.page))
    rows = list(query)
    kept = kept_pages(seller, status, [row.page for row in rows if not row.body])
    pages = []
    for row in rows:
        if row.page != len(pages) + 1 or row.fetched_at < oldest:
            break  # a gap or an old page: what follows cannot be trusted to continue from
        try:  # storage keeps the body in raw_bodies; rows of older versions carry it here
            data = json.loads(row.body) if row.body else json.loads(zlib.decompress(bytes(kept[row.page])))
        except (ValueError, TypeError, KeyError, zlib.error):
            break  # a corrupted row: fetch it (and what follows) again
        if inventory_problem(data) or data["pagination"]["page"] != row.page:
            break
        epoch = row.fetched_at.replace(tzinfo=datetime.timezone.utc).timestamp()
        pages.append(CheckpointPage(row.page, row.next_url, row.pages_total, data["listings"], row.fetched_at,
                                    PageSeen.from_body(data, epoch, replayed=True)))
    return pages


def kept_pages(seller, status, numbers):
    """``{page: compressed body}`` of the inventory pages kept in ``raw_bodies``."""
    wanted = {page_resource_id(seller, status, number): number for number in numbers}
    kept = {}
    for chunk in slices(list(wanted), IN_CHUNK):
        query = RawBody.select(RawBody.resource_id, RawBody.body).where(
            (RawBody.resource == "inventory_page") & RawBody.resource_id.in_(chunk))
        for resource_id, body in query.tuples():
            kept[wanted[resource_id]] = body
    return kept


def failed_release_ids(database_url):
    """Ids of releases that failed every retry in an earlier run, oldest failure first."""
    database_for(database_url)
    query = FailedRelease.select(FailedRelease.release_id).order_by(
        FailedRelease.first_failed_at, FailedRelease.release_id)
    return [release_id for (release_id,) in query.tuples()]
