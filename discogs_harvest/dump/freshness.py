"""Releases known from a data dump: metadata without a request.

A release imported by ``scrapy import_dump`` (``albums.source = "dump"``) was never fetched
from the API (``fetched_at`` NULL), so :func:`discogs_harvest.freshness.fresh_releases` does not
count it. Its metadata (genres, styles, formats) is nonetheless as good as the dump is recent:
:func:`dump_releases` answers, for many ids at once, which releases a dump younger than
``STALENESS_DUMP_MAX_AGE_DAYS`` holds, in the shape ``fresh_releases`` answers
(``{release_id: (genres, styles, format)}``), so a harvest decides a style/genre filter from it
without a request. What the dump lacks (community figures, prices, images) is what the
harvest's ``-a enrich=`` decides to fetch.

Settings: ``STALENESS_DUMP_MAX_AGE_DAYS`` (read by the callers), ``DATABASE_URL``.
"""

import datetime

from peewee import chunked

from discogs_harvest.database import insertion_order
from discogs_harvest.freshness import IN_CHUNK, database_for
from discogs_harvest.models import Album, AlbumGenre, AlbumStyle, Genre, Style

ENRICH = ("none", "stats", "full")


def parse_enrich(value):
    """``-a enrich=``: ``none`` (dump metadata only), ``stats`` (default: fetch the releases
    that pass the filter, for what the dump lacks), ``full`` (ignore dumps: fetch as before)."""
    from discogs_harvest.exceptions import HarvestConfigError

    value = (value or "stats").strip().lower()
    if value not in ENRICH:
        raise HarvestConfigError(f"enrich {value!r} is not one of {', '.join(ENRICH)}")
    return value


def dump_releases(release_ids, max_age_days, today=None, database_url=None):
    """``{release_id: (genres, styles, format)}`` of the ids a recent enough dump holds."""
    if database_url is not None:
        database_for(database_url)
    if max_age_days <= 0 or not release_ids:
        return {}
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    cutoff = (today - datetime.timedelta(days=max_age_days)).isoformat()
    wanted = sorted({str(int(release_id)) for release_id in release_ids})
    known = {}
    for chunk in chunked(wanted, IN_CHUNK):
        albums = Album.select(Album.discogs_release_id, Album.format).where(
            Album.discogs_release_id.in_(chunk) & (Album.source == "dump") & (Album.dump_date > cutoff))
        formats = dict(albums.tuples())
        if not formats:
            continue
        for album_id, album_format in formats.items():
            known[int(album_id)] = ([], [], album_format)
        for link, tag, slot in ((AlbumGenre, Genre, 0), (AlbumStyle, Style, 1)):
            query = (link.select(link.album, tag.name).join(tag).where(link.album.in_(list(formats)))
                     .order_by(link.album, link.order_index, insertion_order(link)).tuples())
            for album_id, name in query:
                known[int(album_id)][slot].append(name)
    return known
