"""The record of change: what each harvest of a seller found different, and release figures over time.

Written in the same transaction as the rows they describe, so an event exists exactly when
its change was stored:

- :func:`record_listing_events` (called by storage before it upserts ``collection_items``)
  compares each listing with its stored row: ``new`` when there is none, ``price`` when price
  or currency moved, ``condition`` / ``sleeve_condition`` / ``comment`` when those texts
  changed, ``back`` when an unavailable row is seen for sale again.
- :func:`record_gone` (called by the staleness pipeline as it marks rows unavailable, which it
  does only after a run proved the whole inventory: :mod:`discogs_harvest.completeness`)
  adds ``gone`` for each.
- :func:`record_release_stats` appends a release's have/want/rating/lowest price/number for
  sale to ``release_stats_history`` only when they differ from its latest row.

Each event carries the ``harvest_runs.id`` of the run that saw it (the ``RunLog`` extension
puts it in the stat ``harvest/run/id``). :func:`changes` reads them back for ``scrapy changes``.
Also here: the reads the seller spider needs for quick mode and keeper filters.
"""

import datetime

from peewee import JOIN, Value, fn

from discogs_harvest.batches import slices
from discogs_harvest.freshness import IN_CHUNK, database_for
from discogs_harvest.models import Album, CollectionItem, HarvestRun, ListingEvent, ReleaseStatsHistory

RUN_ID_STAT = "harvest/run/id"
EVENTS_STAT = "harvest/changes/listing_events"
HISTORY_STAT = "harvest/changes/release_stats"
INVENTORY_PREFIX = "inventory:"
TEXT_CHANGES = (("condition", "condition"), ("sleeve_condition", "sleeve_condition"), ("notes", "comment"))
STATS_FIELDS = ("have_count", "want_count", "avg_rating", "ratings_count", "lowest_price", "price_currency",
                "num_for_sale")


def seller_of(collection_id):
    """``inventory:brotherlogic`` -> ``brotherlogic``."""
    collection_id = collection_id or ""
    return collection_id[len(INVENTORY_PREFIX):] if collection_id.startswith(INVENTORY_PREFIX) else collection_id


def listing_events(before, row, run_id, now):
    """The events that turn stored row ``before`` (a dict, or None) into ``row`` (a listing row)."""
    base = {"listing_id": row["listing_id"], "seller": seller_of(row["collection_id"]), "run_id": run_id,
            "seen_at": now}
    if before is None:
        return [{**base, "kind": "new", "new_price": row["price"], "new_currency": row["currency"]}]
    events = []
    if before["price"] is not None and (before["price"], before["currency"]) != (row["price"], row["currency"]):
        events.append({**base, "kind": "price", "old_price": before["price"], "new_price": row["price"],
                       "old_currency": before["currency"], "new_currency": row["currency"]})
    for column, kind in TEXT_CHANGES:
        if before[column] is not None and before[column] != row[column]:
            events.append({**base, "kind": kind, "old_value": before[column], "new_value": row[column]})
    if not before["is_available"] and row["is_available"]:
        events.append({**base, "kind": "back"})
    return events


_STORED_FIELDS = (CollectionItem.listing_id, CollectionItem.price, CollectionItem.currency, CollectionItem.condition,
                  CollectionItem.sleeve_condition, CollectionItem.notes, CollectionItem.is_available)
_STORED_COLUMNS = tuple((field.name, field.python_value) for field in _STORED_FIELDS)


def _stored_query(listing_ids):
    """The stored columns a listing's events compare, of the rows of ``listing_ids``."""
    return CollectionItem.select(*_STORED_FIELDS).where(CollectionItem.listing_id.in_(listing_ids))


def record_listing_events(listing_rows, run_id, now, max_variables, inserts=None):
    """Insert the events of ``listing_rows`` against the rows stored now; returns how many.

    Call in the transaction that then upserts the rows. Rows without a listing id (none come
    from the API) are left out. ``inserts``: storage's
    :class:`~discogs_harvest.pipelines.inserts.Inserts`, so the statement's text is rendered
    once, not for every page's hundred events (peewee's rendering was most of this cost).
    """
    rows = {row["listing_id"]: row for row in listing_rows if row.get("listing_id") is not None}
    stored = {}
    for chunk in slices(sorted(rows), IN_CHUNK):
        if inserts is None:
            found = _stored_query(chunk).tuples()
        else:  # its text kept once, not rendered by peewee for every page
            found = inserts.run_lists("listing events: stored", [chunk], lambda chunk: _stored_query(chunk).tuples())
        # Each value converted as peewee's .dicts() converts it (is_available read as a bool).
        stored.update((row[0], {name: convert(value) for (name, convert), value in zip(_STORED_COLUMNS, row)})
                      for row in found)
    events = [event for listing_id, row in rows.items()
              for event in listing_events(stored.get(listing_id), row, run_id, now)]
    return insert_events(events, max_variables, inserts)


EVENT_FIELDS = (ListingEvent.listing_id, ListingEvent.seller, ListingEvent.run_id, ListingEvent.kind,
                ListingEvent.old_value, ListingEvent.new_value, ListingEvent.old_price, ListingEvent.new_price,
                ListingEvent.old_currency, ListingEvent.new_currency, ListingEvent.seen_at)
_EVENT_NAMES = tuple(field.name for field in EVENT_FIELDS)


def insert_events(events, max_variables, inserts=None):
    per_statement = max(1, max_variables // len(EVENT_FIELDS))
    if inserts is not None:  # the same columns, every one given (None where the event has none)
        rows = [{name: event.get(name) for name in _EVENT_NAMES} for event in events]
        for chunk in slices(rows, per_statement):
            inserts.run("events", ListingEvent, chunk, lambda chunk: ListingEvent.insert_many(chunk))
        return len(events)
    tuples = [tuple(event.get(name) for name in _EVENT_NAMES) for event in events]
    for chunk in slices(tuples, per_statement):
        ListingEvent.insert_many(chunk, fields=list(EVENT_FIELDS)).execute()
    return len(events)


def record_gone(collection_id, gone_query, run_id, now):
    """``gone`` for the rows of ``gone_query`` (CollectionItem rows about to turn unavailable), in
    one ``INSERT ... SELECT`` whatever their number. Call before the update that marks them."""
    query = gone_query.select(CollectionItem.listing_id, Value(seller_of(collection_id)), Value(run_id),
                              Value("gone"), Value(now))
    fields = [ListingEvent.listing_id, ListingEvent.seller, ListingEvent.run_id, ListingEvent.kind,
              ListingEvent.seen_at]
    return ListingEvent.insert_from(query, fields).execute()


def stats_row(item):
    """The figures of a ReleaseItem that ``release_stats_history`` follows."""
    return {"have_count": item.have_count, "want_count": item.want_count, "avg_rating": item.avg_rating,
            "ratings_count": item.ratings_count, "lowest_price": item.price_low,
            "price_currency": item.price_currency, "num_for_sale": item.num_for_sale}


def record_release_stats(releases, run_id, now, max_variables, inserts=None):
    """Append each release's figures when they differ from its latest history row; returns how many.

    ``inserts``: storage's :class:`~discogs_harvest.pipelines.inserts.Inserts`, so the insert's
    text is rendered once, not for every batch of releases (as :func:`record_listing_events`)."""
    latest = {}
    ids = sorted({item.release_id for item in releases})
    for chunk in slices(ids, IN_CHUNK):
        newest = (ReleaseStatsHistory.select(fn.MAX(ReleaseStatsHistory.id))
                  .where(ReleaseStatsHistory.release_id.in_(chunk)).group_by(ReleaseStatsHistory.release_id))
        rows = ReleaseStatsHistory.select().where(ReleaseStatsHistory.id.in_(newest))  # one statement
        latest.update((row.release_id, {name: getattr(row, name) for name in STATS_FIELDS}) for row in rows)
    appended = []
    for item in {item.release_id: item for item in releases}.values():
        figures = stats_row(item)
        if latest.get(item.release_id) != figures:
            appended.append({"release_id": item.release_id, "run_id": run_id, "fetched_at": now, **figures})
    for chunk in slices(appended, max(1, max_variables // 11)):
        if inserts is not None:
            inserts.run("stats history", ReleaseStatsHistory, chunk,
                        lambda chunk: ReleaseStatsHistory.insert_many(chunk))
        else:
            ReleaseStatsHistory.insert_many(chunk).execute()
    return len(appended)


# --- reads for the seller spider ----------------------------------------------------------


def stored_listing_ids(database_url, listing_ids):
    """Which of ``listing_ids`` any earlier run stored (quick mode stops at a page of only these)."""
    database_for(database_url)
    found = set()
    for chunk in slices(sorted(set(listing_ids)), IN_CHUNK):
        query = CollectionItem.select(CollectionItem.listing_id).where(CollectionItem.listing_id.in_(chunk))
        found.update(listing_id for (listing_id,) in query.tuples())
    return found


def stored_release_facts(release_ids):
    """``{release_id: {country, avg_rating, released_year, have_count, want_count}}`` of stored albums,
    for :class:`discogs_harvest.keepers.ReleaseKeeper` (the models are bound already)."""
    facts = {}
    for chunk in slices(sorted(str(int(i)) for i in release_ids), IN_CHUNK):
        query = Album.select(Album.discogs_release_id, Album.country, Album.avg_rating, Album.released_year,
                             Album.have_count, Album.want_count).where(Album.discogs_release_id.in_(chunk))
        for row in query.dicts():
            facts[int(row.pop("discogs_release_id"))] = row
    return facts


# --- reading the record back (scrapy changes) ---------------------------------------------


def changes(seller, since=None):
    """The events of ``seller`` since ``since`` (a datetime, UTC), or of its latest run that saw any.

    Returns ``(events, what)``: dicts in the order they were recorded, and a phrase saying
    which window they cover. The models must be bound (:func:`database_for`).
    """
    seller = seller.lower()
    query = (ListingEvent.select(ListingEvent, HarvestRun.started_at.alias("run_started_at"))
             .join(HarvestRun, JOIN.LEFT_OUTER, on=(ListingEvent.run_id == HarvestRun.id))
             .where(ListingEvent.seller == seller))
    if since is not None:
        query = query.where(ListingEvent.seen_at >= since)
        what = f"since {since:%Y-%m-%d %H:%M:%S} UTC"
    else:
        last = (ListingEvent.select(fn.MAX(ListingEvent.run_id)).where(ListingEvent.seller == seller).scalar())
        query = query.where(ListingEvent.run_id == last) if last is not None else query.where(False)
        what = f"in its latest run (harvest_runs.id={last})" if last is not None else "in no run yet"
    events = []
    for row in query.order_by(ListingEvent.id).dicts():
        row.pop("id", None)
        for name in ("seen_at", "run_started_at"):
            if isinstance(row.get(name), datetime.datetime):
                row[name] = row[name].strftime("%Y-%m-%d %H:%M:%S")
        events.append({name: value for name, value in row.items() if value is not None})
    return events, what
