"""Tracks as records of their own: ``scrapy crawl release -a ids=... -a feed=tracks -O tracks.csv``.

A DJ tool loads tracks, not albums. With ``-a feed=tracks`` every spider that stores releases
(:class:`~discogs_harvest.spiders.base.DiscogsSpider`) exports one
:class:`~discogs_harvest.items.TrackRecordItem` per playable track of each release it fetched or
found fresh in the database (headings and index rows left out, the sub-tracks of an index
included), in the columns of :data:`~discogs_harvest.items.TRACK_FEED_FIELDS`. A ``FEEDS`` entry
whose ``item_classes`` name ``TrackItem`` or ``TrackRecordItem`` gets the same records, with or
without the argument.

Records are built by :func:`track_records` from the rows the release is stored as
(:func:`~discogs_harvest.pipelines.rows.track_rows`, :func:`~discogs_harvest.pipelines.rows.album_row`),
so a record holds what the ``tracks`` and ``albums`` rows hold, version columns included; a
fresh release comes from the database (:mod:`discogs_harvest.stored`) without a request.
:class:`~discogs_harvest.spidermiddlewares.trackfeed.TrackFeedMiddleware` yields them.

Reads the spider argument ``feed`` and the ``FEEDS`` setting.
"""

from scrapy.utils.misc import load_object

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.items import TRACK_FEED_FIELDS, TrackRecordItem
from discogs_harvest.pipelines.normalise import DISCOGS_GENRES, normalise_names
from discogs_harvest.pipelines.rows import album_row, track_rows
from discogs_harvest.versions import COLUMNS as VERSION_COLUMNS

FEED_CHOICES = ("tracks",)


def parse_feed(value):
    """``-a feed``: ``"tracks"`` or nothing (the spider's own records); HarvestConfigError otherwise."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().lower()
    if text not in FEED_CHOICES:
        raise HarvestConfigError(f"feed must be one of {', '.join(FEED_CHOICES)} (or left out for the spider's "
                                 f"own records), not {value!r}")
    return text


def item_classes(options):
    return [load_object(name) if isinstance(name, str) else name for name in (options or {}).get("item_classes") or ()]


def takes_tracks(options):
    """Whether a FEEDS entry exports track records: its item_classes name ``TrackRecordItem`` or a
    class it derives from (``TrackItem``)."""
    return any(isinstance(cls, type) and issubclass(TrackRecordItem, cls) and cls is not object
               for cls in item_classes(options))


def feed_options(options, spider_item_class, spider_fields):
    """A FEEDS entry with the spider's defaults: its item class and columns when it names no
    item class; :data:`TRACK_FEED_FIELDS` when it names a track class and no columns."""
    options = dict(options or {})
    if takes_tracks(options):
        options.setdefault("fields", TRACK_FEED_FIELDS)
        return options
    return {"item_classes": [spider_item_class], "fields": spider_fields, **options}


def use_tracks_feed(settings, spider_item_class):
    """``-a feed=tracks``: the FEEDS entries holding the spider's own records hold track records instead."""
    feeds = settings.getdict("FEEDS")
    changed = {}
    for uri, options in feeds.items():
        if item_classes(options) == [spider_item_class]:
            options = {**options, "item_classes": [TrackRecordItem], "fields": TRACK_FEED_FIELDS}
        changed[uri] = options
    if feeds:
        settings.set("FEEDS", changed, priority=settings.getpriority("FEEDS"))


def wants_tracks(settings):
    """Whether any FEEDS entry takes track records (so the spider makes them)."""
    return any(takes_tracks(options) for options in settings.getdict("FEEDS").values())


def track_records(item):
    """The :class:`TrackRecordItem` s of a release item: its playable ``tracks`` rows, each with
    the release's columns from its ``albums`` row and its genres and styles as storage links them."""
    album = album_row(item, None)
    genres = normalise_names(item.genres, DISCOGS_GENRES)  # what NormalisePipeline stores
    styles = normalise_names(item.styles)
    records = []
    for row in track_rows(item):
        if row["type"] != "track":
            continue
        seconds = row["duration_seconds"]
        records.append(TrackRecordItem(
            release_id=item.release_id, sequence=row["sequence"], position=row["position"], side=row["side"],
            artist=row["artist"] or album["artist"], title=row["title"], duration=row["duration"],
            duration_seconds=seconds, duration_ms=seconds * 1000 if seconds is not None else None,
            type=row["type"], parent_sequence=row["parent_sequence"],
            label=album["label"], catno=album["catalog_number"], year=album["released_year"],
            country=album["country"], genres=list(genres), styles=list(styles),
            **{column: row[column] for column in VERSION_COLUMNS}))
    return records
