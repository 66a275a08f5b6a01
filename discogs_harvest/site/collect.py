"""Everything the site shows, read from the database in a few queries (no query per album).

:class:`Scope` says which albums: all stored, or those listed by a seller (``inventory:<seller>``),
or those of one collection (``collection_items.collection_id``), optionally of one style, never
those on the skip list. :func:`collect` returns plain dicts (no peewee objects), so
:mod:`.pages` is tested without a database.

Artist profiles (aliases, members, profile text) come from an ``artists`` table when the
database has one (the entry-point harvests write it); without it artist pages carry only what
releases and Wikipedia say. Enrichment matches flagged ``low_confidence`` are never used.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field

from peewee import chunked

from discogs_harvest.freshness import IN_CHUNK, database_for
from discogs_harvest.models import (
    Album,
    AlbumArtist,
    AlbumCredit,
    AlbumFormat,
    AlbumGenre,
    AlbumImage,
    AlbumLabel,
    AlbumStyle,
    AlbumVideo,
    CollectionItem,
    EnrichmentMatch,
    Genre,
    Style,
    Track,
    YoutubeVideo,
)
from discogs_harvest.pipelines.rows import inventory_collection_id

VARIOUS_ARTIST_ID = 194
PROFILE_TABLE = "artists"
PROFILE_COLUMNS = ("profile", "aliases", "members", "realname", "urls")


@dataclass
class Scope:
    seller: str | None = None
    collection: str | None = None
    style: str | None = None
    skip: set = field(default_factory=set)  # release ids (str)

    @property
    def collection_id(self):
        return inventory_collection_id(self.seller) if self.seller else self.collection


def _grouped(query, key):
    groups = defaultdict(list)
    for row in query:
        groups[row[key]].append(row)
    return groups


def _in_chunks(model_query, column, ids):
    """Rows of ``model_query`` whose ``column`` is in ``ids``, chunked (SQLite's variable limit)."""
    rows = []
    for chunk in chunked(sorted(ids), IN_CHUNK):
        rows.extend(model_query.where(column.in_(chunk)).dicts())
    return rows


def album_ids(scope):
    """Release ids (str) in scope, in a stable order."""
    query = Album.select(Album.discogs_release_id)
    if scope.collection_id:
        listed = (CollectionItem.select(CollectionItem.album)
                  .where((CollectionItem.collection_id == scope.collection_id) & CollectionItem.album.is_null(False)))
        query = query.where(Album.discogs_release_id.in_(listed))
    if scope.style:
        styled = (AlbumStyle.select(AlbumStyle.album).join(Style)
                  .where(Style.name == scope.style))
        query = query.where(Album.discogs_release_id.in_(styled))
    ids = [release_id for (release_id,) in query.tuples() if release_id not in scope.skip]
    return sorted(ids, key=lambda i: (len(i), i))


def collect(database_url, scope):
    """``{"albums": {id: album dict}, "profiles": {artist id: profile dict}}`` for ``scope``."""
    database = database_for(database_url)
    ids = album_ids(scope)
    albums = {row["discogs_release_id"]: dict(row) for row in _in_chunks(Album.select(), Album.discogs_release_id, ids)}
    tracks = _grouped(_in_chunks(Track.select().order_by(Track.sequence), Track.album, ids), "album")
    artists = _grouped(_in_chunks(AlbumArtist.select().order_by(AlbumArtist.track_sequence, AlbumArtist.sequence),
                                  AlbumArtist.album, ids), "album")
    credits = _grouped(_in_chunks(AlbumCredit.select().order_by(AlbumCredit.track_sequence, AlbumCredit.sequence),
                                  AlbumCredit.album, ids), "album")
    labels = _grouped(_in_chunks(AlbumLabel.select().order_by(AlbumLabel.sequence), AlbumLabel.album, ids), "album")
    formats = _grouped(_in_chunks(AlbumFormat.select().order_by(AlbumFormat.sequence), AlbumFormat.album, ids),
                       "album")
    images = _grouped(_in_chunks(AlbumImage.select().order_by(AlbumImage.sequence), AlbumImage.album, ids), "album")
    genres = _grouped(_in_chunks(AlbumGenre.select(AlbumGenre.album, Genre.name).join(Genre)
                                 .order_by(AlbumGenre.order_index), AlbumGenre.album, ids), "album")
    styles = _grouped(_in_chunks(AlbumStyle.select(AlbumStyle.album, Style.name).join(Style)
                                 .order_by(AlbumStyle.order_index), AlbumStyle.album, ids), "album")
    videos = _grouped(_in_chunks(AlbumVideo.select(AlbumVideo.album, YoutubeVideo.id, YoutubeVideo.title,
                                                   YoutubeVideo.url, YoutubeVideo.gone_at)
                                 .join(YoutubeVideo).order_by(AlbumVideo.order_index), AlbumVideo.album, ids), "album")
    listings = defaultdict(list)
    if scope.seller:
        query = CollectionItem.select().where((CollectionItem.collection_id == scope.collection_id)
                                              & (CollectionItem.is_available == True))  # noqa: E712
        for row in _in_chunks(query.order_by(CollectionItem.listing_id), CollectionItem.album, ids):
            listings[row["album"]].append(row)
    matches = defaultdict(dict)
    confident = EnrichmentMatch.select().where((EnrichmentMatch.subject == "release")
                                               & (EnrichmentMatch.low_confidence == False))  # noqa: E712
    for row in _in_chunks(confident, EnrichmentMatch.subject_id, ids):
        matches[row["subject_id"]][row["service"]] = row
    for release_id, album in albums.items():
        album.update(tracks=tracks[release_id], artists=artists[release_id], credits=credits[release_id],
                     labels=labels[release_id], formats=formats[release_id], images=images[release_id],
                     genres=[g["name"] for g in genres[release_id]], styles=[s["name"] for s in styles[release_id]],
                     videos=[v for v in videos[release_id] if not v["gone_at"]], listings=listings[release_id],
                     matches=matches[release_id])
    artist_ids = {str(a["artist_id"]) for album in albums.values() for a in album["artists"]
                  if a["track_sequence"] is None and (a["artist_id"] or 0) > 0 and a["artist_id"] != VARIOUS_ARTIST_ID}
    wiki = {}
    query = EnrichmentMatch.select().where((EnrichmentMatch.subject == "artist") & (EnrichmentMatch.service == "wikipedia")
                                           & (EnrichmentMatch.low_confidence == False))  # noqa: E712
    for row in _in_chunks(query, EnrichmentMatch.subject_id, artist_ids):
        wiki[row["subject_id"]] = row
    return {"albums": {release_id: albums[release_id] for release_id in ids}, "wikipedia": wiki,
            "profiles": artist_profiles(database, artist_ids)}


def artist_profiles(database, artist_ids):
    """Artist id -> ``{profile, aliases, members, ...}`` from an ``artists`` table, when there is one.

    Only the columns present are read; JSON text (lists of names or of ``{"name": ...}``
    objects) is decoded. Without the table (a database no entry-point harvest wrote) this is
    ``{}`` and artist pages simply leave these out.
    """
    if PROFILE_TABLE not in database.get_tables() or not artist_ids:
        return {}
    present = {column.name for column in database.get_columns(PROFILE_TABLE)}
    key = "id" if "id" in present else "artist_id" if "artist_id" in present else None
    wanted = [c for c in PROFILE_COLUMNS if c in present]
    if key is None or not wanted:
        return {}
    profiles = {}
    for chunk in chunked(sorted(artist_ids), IN_CHUNK):
        marks = ", ".join(database.param for _ in chunk)
        sql = (f'SELECT "{key}", {", ".join(f"{chr(34)}{c}{chr(34)}" for c in wanted)} FROM "{PROFILE_TABLE}" '
               f'WHERE CAST("{key}" AS TEXT) IN ({marks})')
        for row in database.execute_sql(sql, [str(i) for i in chunk]).fetchall():
            profiles[str(row[0])] = {column: _decoded(value) for column, value in zip(wanted, row[1:])}
    return profiles


def _decoded(value):
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return [v.get("name", v) if isinstance(v, dict) else v for v in value]
    return value


