"""Listings waiting for their release (phase 2), kept on disk in ``pending_listings``.

``seller_inventory`` decides a listing once its release is known. Listings whose release is
neither stored nor fetched yet wait here, as JSON, instead of in the spider's memory, so
a harvest's memory does not grow with the inventory: the spider writes each page's waiting
listings as the page's listings go out (:func:`park`), and reads back and removes those of a
release when it has been fetched or given up (:func:`take`; :func:`take_many` for several). A
run clears its seller's leftovers first (:func:`clear`): a resumed run re-parks the listings of
the pages it replays.

Taking reads; the rows taken are deleted later, a few hundred in one statement (when that many
were taken, before the next :func:`park` or :func:`clear`, and by :func:`delete_taken` when the
spider closes), not one transaction per release: each commit wrote the table's and its three
indexes' pages to SQLite's WAL again, which made a release's take cost several times its read.
Until then :func:`take` leaves out the rows it took (by id: a row is deleted before anything
could reuse its id); rows a crash leaves are a run's leftovers, which the next run clears.
Taking deletes only while no other connection writes SQLite (storage's writer, another harvest):
the reactor's thread waited for those transactions 0.3 s a harvest of 5,000 listings otherwise
(issue 12); past ``TAKEN_MAX`` rows taken it waits, so what it remembers stays bounded.

Written and read by the spider directly (not through the item pipelines), so a listing is on
disk before its page's checkpoint is committed. Settings: ``DATABASE_URL`` (through the caller).
"""

import json
import marshal
import weakref
from contextlib import contextmanager, nullcontext
from dataclasses import fields

from peewee import OperationalError, SqliteDatabase

from discogs_harvest.batches import slices
from discogs_harvest.database import BUSY_TIMEOUT_MS
from discogs_harvest.freshness import database_for, variable_limit
from discogs_harvest.items import ListingItem, SellerItem
from discogs_harvest.models import PendingListing
from discogs_harvest.pipelines.inserts import Inserts
from discogs_harvest.pipelines.rows import body_json, decompress_body

MARSHALLED = b"m"  # the first byte of a parked body marshal wrote (JSON starts with "{", zlib with "x")
_LISTING_NAMES = tuple(f.name for f in fields(ListingItem))
_LISTING_FIELDS = set(_LISTING_NAMES)
_PARKED_NAMES = tuple(name for name in _LISTING_NAMES if name != "raw")  # listing_body(raw=False)
_SELLER_NAMES = tuple(f.name for f in fields(SellerItem))


def listing_body(item, raw=True, seller=True):
    """A loaded ListingItem as JSON-able data: taken back without running the loaders again.

    What ``dataclasses.asdict`` gives, without its deep copy of every value (the raw listing
    object included): :func:`park` encodes it at once, and nothing changes it in between.
    Encoding and compressing it is most of what parking costs, so a caller leaves out what it
    does not need back: ``raw=False`` the listing object as received (the spider's phase 1
    already stored it with the listing's row; only a listing first written when decided needs
    it), ``seller=False`` all of the seller but its id (the spider keeps every seller it
    loaded, by id, and puts that one back: a page repeats its seller's payment and shipping
    texts in every listing). A seller without an id is kept whole.
    """
    body = dict(item.__dict__)  # the fields as __init__ set them, in their order (a copy made in C)
    if tuple(body) != _LISTING_NAMES:  # an attribute added to the item, or one deleted
        body = {name: getattr(item, name) for name in _LISTING_NAMES}
    if not raw:
        del body["raw"]
    owner = body["seller"]
    if owner is not None:
        if seller or owner.seller_id is None:
            body["seller"] = {name: getattr(owner, name) for name in _SELLER_NAMES}
        else:
            body["seller"] = {"seller_id": owner.seller_id}
    return body


def listing_item(body):
    """The ListingItem of :func:`listing_body` (a bare listing object is loaded as received)."""
    if not isinstance(body, dict) or "listing_id" not in body:
        from discogs_harvest.loaders import load_listing

        return load_listing(body)
    names = tuple(body)
    if names == _LISTING_NAMES or names == _PARKED_NAMES:
        # As listing_body wrote it, every field (raw perhaps left out: its default, None): set as
        # __init__ would set them, in its order, without its call (a third of taking one back).
        item = object.__new__(ListingItem)
        item.__dict__ = {name: body.get(name) for name in _LISTING_NAMES}
    else:
        item = ListingItem(**{name: value for name, value in body.items() if name in _LISTING_FIELDS})
    if isinstance(item.seller, dict):
        item.seller = SellerItem(**item.seller)
    return item


_inserts = {}  # database_url -> Inserts


def _inserts_of(database_url):
    """The statement texts of ``database_url``, rendered once (inserts.py), not for every call."""
    inserts = _inserts.get(database_url)
    if inserts is None:
        inserts = _inserts[database_url] = Inserts(lambda: database_for(database_url))
    return inserts


def encode(body):
    """A parked body as stored: ``marshal``'s bytes after a ``m``, not compressed; a body
    ``marshal`` does not write (a value of another type) as UTF-8 JSON.

    Parked rows live one run and are read by the Python that wrote them (a run clears what an
    earlier one left before it parks: :func:`clear`), which is what ``marshal`` asks ("not
    guaranteed to be compatible across Python versions", Python docs): 2.3 us to write a
    listing and 3.7 to read it against JSON's 8 and 6, for 5,000 listings a harvest on the
    reactor's thread (issue 12). Not compressed: zlib lets go of the GIL for every listing, and
    the reactor thread then waited for storage's writer thread to hand it back each time.
    """
    try:
        return MARSHALLED + marshal.dumps(body)
    except ValueError:  # a type marshal does not write
        return body_json(body)


def decode(blob):
    """A parked body read back: marshalled, JSON, or zlib-compressed JSON (parked by an earlier
    version and left by a run that stopped, before its seller's next run clears it)."""
    blob = bytes(blob)
    if blob[:1] == MARSHALLED:
        return marshal.loads(memoryview(blob)[1:])
    if blob[:1] == b"{":
        return json.loads(blob)
    return decompress_body(blob)


def clear(database_url, seller):
    database_for(database_url)
    delete_taken(database_url)
    PendingListing.delete().where(PendingListing.seller == seller.lower()).execute()


def park(database_url, seller, listings):
    """Store ``[(listing_id, release_id, body)]`` in one transaction (``body``: a
    :func:`listing_body`, or a listing object as the API sends it)."""
    if not listings:
        return
    database = database_for(database_url)
    rows = [{"listing_id": listing_id, "seller": seller.lower(), "release_id": release_id,
             "body": encode(body)} for listing_id, release_id, body in listings]
    inserts = _inserts_of(database_url)
    with database.atomic():
        delete_taken(database_url)  # a listing parked again is a new row, not one left out as taken
        for chunk in slices(rows, max(1, variable_limit(database) // 5)):
            inserts.run("park", PendingListing, chunk, lambda chunk: PendingListing.insert_many(chunk).on_conflict(
                conflict_target=[PendingListing.listing_id],
                preserve=[PendingListing.seller, PendingListing.release_id, PendingListing.body]))


def take(database_url, seller, release_id):
    """The bodies waiting for ``release_id``, in the order they were parked; they are taken
    once (deleted with the next batch of taken rows)."""
    database = database_for(database_url)
    params = (seller.lower(), PendingListing.release_id.db_value(release_id))
    text = _take_texts.get(database_url)
    if text is None:  # peewee renders the statement once per database, not once per release
        text = _take_texts[database_url] = _take_text(params)
    taken = _taken.setdefault(database, set())
    # The order of the rows is not promised: sorted by id, the order they were parked.
    rows = sorted(row for row in database.execute_sql(text, params).fetchall() if row[0] not in taken)
    taken.update(row_id for row_id, _ in rows)
    _tidy(database_url, taken)
    return [decode(body) for _, body in rows]


def take_many(database_url, seller, release_ids):
    """``{release_id: [body]}`` for each of ``release_ids`` (an empty list where none waits),
    in the order parked, taken as :func:`take` takes them: one statement for a few dozen
    releases instead of one each (the spider's phase 2 takes those it has requested together)."""
    database = database_for(database_url)
    taken = _taken.setdefault(database, set())
    seller = seller.lower()
    by_value = {PendingListing.release_id.db_value(release_id): release_id for release_id in release_ids}
    found = {release_id: [] for release_id in by_value.values()}
    inserts = _inserts_of(database_url)  # the statement's text kept for any number of ids
    for chunk in slices(list(by_value), variable_limit(database)):
        # By release id alone, the seller compared here: with both in the WHERE clause SQLite
        # searched by the seller's index, every row of the seller for each statement (7 ms
        # against 0.9 ms for 32 releases of a 5,000-listing seller).
        rows = inserts.run_lists("take many", [chunk], lambda chunk: PendingListing.select(
            PendingListing.id, PendingListing.seller, PendingListing.release_id, PendingListing.body,
        ).where(PendingListing.release_id.in_(chunk)).tuples())
        for row_id, row_seller, release_id, body in sorted(rows):
            if row_seller == seller and row_id not in taken:
                taken.add(row_id)
                found[by_value[release_id]].append(body)
    _tidy(database_url, taken)
    return {release_id: [decode(body) for body in bodies] for release_id, bodies in found.items()}


def delete_taken(database_url, wait=True):
    """Delete the rows :func:`take` has taken from ``database_url`` (in one transaction); with
    ``wait=False`` only if SQLite's write lock is free now (else they stay taken, for later)."""
    database = database_for(database_url)
    taken = _taken.get(database)
    if not taken:
        return
    try:
        with nullcontext() if wait else _without_waiting(database), database.atomic():
            for chunk in slices(sorted(taken), variable_limit(database)):
                PendingListing.delete().where(PendingListing.id.in_(chunk)).execute()
    except OperationalError as exc:
        if wait or "locked" not in str(exc):
            raise
        return
    _taken.pop(database, None)


def _tidy(database_url, taken):
    """Delete the rows taken once there are ``TAKEN_BATCH``, without waiting for another writer
    until there are ``TAKEN_MAX``."""
    if len(taken) >= TAKEN_BATCH:
        delete_taken(database_url, wait=len(taken) >= TAKEN_MAX)


@contextmanager
def _without_waiting(database):
    """SQLite's busy timeout off meanwhile: a transaction that cannot begin fails at once."""
    if not isinstance(database, SqliteDatabase):
        yield  # PostgreSQL's deletes wait for no other transaction's rows here
        return
    database.execute_sql("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


_take_texts = {}  # database_url -> the text of take's statement
# The database (as database_for opened it) -> ids of its rows taken and not deleted yet; by
# connection, not URL: one reopened (a test's fresh schema) numbers its rows anew.
_taken = weakref.WeakKeyDictionary()
# Rows taken before they are deleted in one statement: a few pages' worth, whatever the inventory;
# and before the reactor waits for another writer to delete them (about 0.7 MB of ids).
TAKEN_BATCH = 500
TAKEN_MAX = 8 * TAKEN_BATCH


def _take_text(params):
    """peewee's text of take's ``SELECT``, whose parameters are ``params`` in order."""
    seller, release_id = params
    where = (PendingListing.seller == seller) & (PendingListing.release_id == release_id)
    text, rendered = PendingListing.select(PendingListing.id, PendingListing.body).where(where).sql()
    if tuple(rendered) != params:
        raise RuntimeError(f"take's statement binds {rendered!r}, not {params!r}")
    return text
