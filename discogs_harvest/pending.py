"""Listings waiting for their release (phase 2), kept on disk in ``pending_listings``.

``seller_inventory`` decides a listing once its release is known. Listings whose release is
neither stored nor fetched yet wait here, compressed, instead of in the spider's memory, so
a harvest's memory does not grow with the inventory: the spider writes each page's waiting
listings as the page arrives (:func:`park`), and reads back and removes those of a release when
it has been fetched or given up (:func:`take`). A run clears its seller's leftovers first
(:func:`clear`): a resumed run re-parks the listings of the pages it replays.

Written and read by the spider directly (not through the item pipelines), so a listing is on
disk before its page's checkpoint is committed. Settings: ``DATABASE_URL`` (through the caller).
"""

from dataclasses import asdict, fields, is_dataclass

from peewee import chunked

from discogs_harvest.freshness import database_for, variable_limit
from discogs_harvest.items import ListingItem, SellerItem
from discogs_harvest.models import PendingListing
from discogs_harvest.pipelines.rows import compress_body, decompress_body

_LISTING_FIELDS = {f.name for f in fields(ListingItem)}


def listing_body(item):
    """A loaded ListingItem as JSON-able data: taken back without running the loaders again.

    What ``asdict(item)`` gives, without its deep copy of every value: the body is serialised
    as soon as it is made (:func:`park`), so ``raw`` (the listing as received) and the other
    values are shared with the item; only the nested items (``seller``) become dicts.
    """
    return {field.name: _plain(getattr(item, field.name)) for field in fields(item)}


def _plain(value):
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, (list, tuple)) and any(is_dataclass(v) for v in value):
        return type(value)(_plain(v) for v in value)
    return value


def listing_item(body):
    """The ListingItem of :func:`listing_body` (a bare listing object is loaded as received)."""
    if not isinstance(body, dict) or "listing_id" not in body:
        from discogs_harvest.loaders import load_listing

        return load_listing(body)
    values = {name: value for name, value in body.items() if name in _LISTING_FIELDS}
    if isinstance(values.get("seller"), dict):
        values["seller"] = SellerItem(**values["seller"])
    return ListingItem(**values)


def clear(database_url, seller):
    database_for(database_url)
    PendingListing.delete().where(PendingListing.seller == seller.lower()).execute()


def park(database_url, seller, listings):
    """Store ``[(listing_id, release_id, body)]`` in one transaction (``body``: a
    :func:`listing_body`, or a listing object as the API sends it)."""
    if not listings:
        return
    database = database_for(database_url)
    rows = [{"listing_id": listing_id, "seller": seller.lower(), "release_id": release_id,
             "body": compress_body(body)} for listing_id, release_id, body in listings]
    with database.atomic():
        for chunk in chunked(rows, max(1, variable_limit(database) // 5)):
            PendingListing.insert_many(chunk).on_conflict(
                conflict_target=[PendingListing.listing_id],
                preserve=[PendingListing.seller, PendingListing.release_id, PendingListing.body]).execute()


def take(database_url, seller, release_id):
    """The bodies waiting for ``release_id``, in the order they were parked; removes them."""
    database_for(database_url)
    where = (PendingListing.seller == seller.lower()) & (PendingListing.release_id == release_id)
    bodies = [decompress_body(body) for (body,) in
              PendingListing.select(PendingListing.body).where(where).order_by(PendingListing.id).tuples()]
    if bodies:
        PendingListing.delete().where(where).execute()
    return bodies
