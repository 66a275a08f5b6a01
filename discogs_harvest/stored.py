"""Stored releases read back as items, for feeds: ``scrapy crawl release -a ids=... -O x.json``.

A release stored less than ``STALENESS_MAX_AGE_DAYS`` ago is not fetched again, but a user
who asks for it by id with a feed expects it in the feed. :func:`stored_releases` reads
it from the tables storage wrote (``albums``, ``tracks``, ``album_videos`` /
``youtube_videos``, ``album_genres`` / ``album_styles``) into a :class:`StoredReleaseItem`,
the inverse of :mod:`discogs_harvest.pipelines.rows` for the fields a release feed holds.
Storage passes these items on without writing them (their ``fetched_at`` must not move).

Reads the database of ``DATABASE_URL`` (through :func:`~discogs_harvest.freshness.database_for`).
"""

from dataclasses import fields

from peewee import chunked

from discogs_harvest.database import insertion_order
from discogs_harvest.freshness import IN_CHUNK, database_for
from discogs_harvest.items import ReleaseItem, StoredReleaseItem, TrackItem, VideoItem
from discogs_harvest.loaders import load_release
from discogs_harvest.models import (Album, AlbumGenre, AlbumStyle, AlbumVideo, Genre, RawBody, Style, Track,
                                    YoutubeVideo)
from discogs_harvest.pipelines.rows import decompress_body


def release_item(album):
    return StoredReleaseItem(
        release_id=int(album.discogs_release_id),
        artist=album.artist,
        title=album.title,
        label=album.label,
        catalog_number=album.catalog_number,
        format=album.format,
        country=album.country,
        released_year=album.released_year,
        released=album.released,
        cover_image_url=album.cover_image_url,
        web_url=album.resource_url,
        api_url=album.api_url,
        price_low=album.price_low,
        price_currency=album.price_currency,
        num_for_sale=album.num_for_sale,
        have_count=album.have_count,
        want_count=album.want_count,
        avg_rating=album.avg_rating,
        ratings_count=album.ratings_count,
        data_quality=album.data_quality,
        master_id=album.master_id,
    )


def stored_releases(release_ids, database_url=None):
    """``StoredReleaseItem``s for the ids stored in the database, in the order asked."""
    if database_url is not None:
        database_for(database_url)
    wanted = [str(int(release_id)) for release_id in release_ids]
    items = {}
    for chunk in chunked(wanted, IN_CHUNK):
        for album in Album.select().where(Album.discogs_release_id.in_(chunk)):
            items[album.discogs_release_id] = release_item(album)
        ids = [i for i in chunk if i in items]
        if not ids:
            continue
        for track in Track.select().where(Track.album.in_(ids)).order_by(Track.album, Track.sequence):
            items[track.album_id].tracks.append(TrackItem(
                sequence=track.sequence, position=track.position, side=track.side, title=track.title,
                artist=track.artist, duration=track.duration, duration_seconds=track.duration_seconds,
                type=track.type, parent_sequence=track.parent_sequence))
        videos = (AlbumVideo.select(AlbumVideo, YoutubeVideo).join(YoutubeVideo)
                  .where(AlbumVideo.album.in_(ids)).order_by(AlbumVideo.album, AlbumVideo.order_index))
        for link in videos:
            video = link.video
            items[link.album_id].videos.append(VideoItem(
                video_id=video.id, order_index=link.order_index, title=video.title, url=video.url,
                description=video.description, duration_seconds=video.duration_seconds, embed=video.embed))
        for model, tag, attribute in ((AlbumGenre, Genre, "genres"), (AlbumStyle, Style, "styles")):
            # The release's own order (order_index; insertion order between rows the app wrote):
            # SQLite's rowid alone does not exist on PostgreSQL.
            rows = (model.select(model.album, tag.name).join(tag).where(model.album.in_(ids))
                    .order_by(model.order_index, insertion_order(model)).tuples())
            for album_id, name in rows:
                getattr(items[album_id], attribute).append(name)
        from_kept_bodies(items, ids)
    return [items[i] for i in wanted if i in items]


def from_kept_bodies(items, ids):
    """Where the release's body is kept (``raw_bodies``), the item comes from it through the one
    mapping (:func:`~discogs_harvest.loaders.load_release`), exactly as the fetch made it: the whole
    tracklist with headings, index rows and credits, which the tables alone do not give back."""
    kept = (RawBody.select(RawBody.resource_id, RawBody.body)
            .where((RawBody.resource == "release") & RawBody.resource_id.in_(ids)).tuples())
    for resource_id, blob in kept:
        loaded = load_release(decompress_body(blob), currency=items[resource_id].price_currency)
        items[resource_id] = StoredReleaseItem(**{f.name: getattr(loaded, f.name) for f in fields(ReleaseItem)})
