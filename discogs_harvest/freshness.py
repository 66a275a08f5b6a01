"""Release freshness: when a stored release is recent enough not to fetch it again.

The policy is pure (:func:`is_fresh`), so it is tested without a crawler or a
database. :func:`fresh_releases` is the one read the spider makes before it
decides which ``/releases/{id}`` to request: it answers, for many ids at once,
which releases were fetched less than ``STALENESS_MAX_AGE_DAYS`` ago, with the
genres and styles stored for them (a listing of a fresh release still shows
them in feeds).

:func:`database_for` opens the database named by ``DATABASE_URL`` once per
process and binds the models to it; the spider and the pipelines share it.

Settings: ``DATABASE_URL`` (read by the callers), ``STALENESS_MAX_AGE_DAYS``
(passed in by the callers).
"""

import datetime
import sqlite3

from peewee import PostgresqlDatabase

from discogs_harvest.batches import slices
from discogs_harvest.database import insertion_order, open_database
from discogs_harvest.models import Album, AlbumGenre, AlbumStyle, Genre, Style, database_proxy, utcnow

# SQLite builds before 3.32 allow 999 bound parameters per statement; newer ones
# 32766 or more. Used when the connection cannot tell (sqlite3.Connection.getlimit
# is Python 3.11+).
DEFAULT_VARIABLE_LIMIT = 999
# Never more per statement than this, whatever the build allows: the statement's
# text must stay under SQLITE_MAX_SQL_LENGTH (1,000,000 bytes by default).
MAX_VARIABLES = 32766
# Ids per "IN (...)" list in reads: far below any limit, and keeps each statement small.
IN_CHUNK = 500

_databases = {}


def database_for(url):
    """The database named by ``url``, opened once per process, with the models bound to it.

    A bad URL raises :class:`~discogs_harvest.exceptions.HarvestConfigError` (from
    :func:`~discogs_harvest.database.open_database`).
    """
    database = _databases.get(url)
    if database is None:
        database = _databases[url] = open_database(url)
    elif database_proxy.obj is not database:
        # Another URL was opened since (tests do this): point the models back here.
        database_proxy.initialize(database)
    return database


def close_database(url):
    """Close and forget the database of ``url`` (tests; a crawl keeps it for the process)."""
    database = _databases.pop(url, None)
    if database is not None:
        database.close()


def variable_limit(database):
    """How many ``?`` parameters one statement should bind on this connection."""
    if isinstance(database, PostgresqlDatabase):
        return MAX_VARIABLES  # psycopg2 binds client-side; the server allows 65535 anyway
    try:
        limit = database.connection().getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:
        limit = DEFAULT_VARIABLE_LIMIT
    return min(limit, MAX_VARIABLES)


def as_naive_utc(moment):
    """Stored times are naive UTC (:func:`discogs_harvest.models.utcnow`); accept aware ones too."""
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment


def is_fresh(fetched_at, now, max_age_days):
    """True when a release fetched at ``fetched_at`` is younger than ``max_age_days`` at ``now``.

    Never fetched (``None``) is stale; exactly ``max_age_days`` old is stale; a
    ``max_age_days`` of 0 or less makes everything stale (always refetch).
    """
    if fetched_at is None or max_age_days <= 0:
        return False
    return as_naive_utc(now) - as_naive_utc(fetched_at) < datetime.timedelta(days=max_age_days)


def fresh_since(now, max_age_days):
    """The oldest ``fetched_at`` that is still fresh at ``now`` is strictly after this."""
    return as_naive_utc(now) - datetime.timedelta(days=max_age_days)


def fresh_releases(release_ids, max_age_days, now=None, database_url=None):
    """``{release_id: (genres, styles, format)}`` for the ids stored less than ``max_age_days`` ago.

    Ids absent from the answer are stale or unknown: fetch them. The format is the
    album's display format ("Vinyl, LP, Album"), for format filters. Genres and styles
    come back in the order they were stored (the release's own order). The ids are
    read in chunks of :data:`IN_CHUNK`, so tens of thousands cost a few dozen
    short statements. Reads the database of ``database_url`` (opened once, see
    :func:`database_for`), or the one the models are bound to when it is None.
    """
    if database_url is not None:
        database_for(database_url)
    if max_age_days <= 0:
        return {}
    cutoff = fresh_since(now or utcnow(), max_age_days)
    wanted = sorted({str(int(release_id)) for release_id in release_ids})
    fresh = {}
    for chunk in slices(wanted, IN_CHUNK):
        albums = Album.select(Album.discogs_release_id, Album.format).where(
            Album.discogs_release_id.in_(chunk) & (Album.fetched_at > cutoff)
        )
        formats = dict(albums.tuples())
        ids = list(formats)
        if not ids:
            continue
        for album_id, album_format in formats.items():
            fresh[int(album_id)] = ([], [], album_format)
        for link, tag, slot in ((AlbumGenre, Genre, 0), (AlbumStyle, Style, 1)):
            # order_index is the release's order (rowid breaks ties in rows written before it).
            rows = (
                link.select(link.album, tag.name)
                .join(tag)
                .where(link.album.in_(ids))
                .order_by(link.album, link.order_index, insertion_order(link))
                .tuples()
            )
            for album_id, name in rows:
                fresh[int(album_id)][slot].append(name)
    return fresh
