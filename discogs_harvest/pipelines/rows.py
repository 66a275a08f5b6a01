"""Rows for the schema, built from items: pure functions, one per table the storage writes.

The one mapping from a record to rows: API answers (through the loaders), kept raw bodies
(``scrapy rebuild``) and any later source reach the tables through these functions and
:class:`~discogs_harvest.pipelines.storage.StoragePipeline`, which writes them. Every URL
loses any credential query parameter on the way (a token must never reach the database).
"""

import json
import zlib
from urllib.parse import parse_qsl, urlsplit

from w3lib.url import url_query_cleaner

from discogs_harvest.versions import COLUMNS as VERSION_COLUMNS
from discogs_harvest.versions import NOTHING, NOTHING_COLUMNS
from discogs_harvest.versions import tracklist_versions

# Query parameters that carry Discogs credentials (API_FACTS.md §2: ?token=, ?key=&secret=).
CREDENTIAL_PARAMS = ("token", "key", "secret")

# The media condition of new, sealed stock (is_new = 1).
MINT = "Mint (M)"

# The only listing status that is available to buy (API_FACTS.md §4 lists the others).
FOR_SALE = "For Sale"

# The version columns of a heading or an index row: not a playable track, nothing to say.
NO_VERSION = dict.fromkeys(VERSION_COLUMNS)

# Compression of kept bodies: zlib's default level (a 30 KB release body keeps about 5 KB).
RAW_COMPRESSION = 6
# An inventory page (about 330 KB of JSON for 100 listings) at level 3: 48 KB instead of 44, in
# under half the time (1.4 ms instead of 3.2 a page, measured on the sandbox's pages; issue 12).
PAGE_COMPRESSION = 3


def inventory_collection_id(seller_username):
    """``collection_items.collection_id`` of a seller's inventory: ``inventory:<username lower>``."""
    return f"inventory:{seller_username.lower()}" if seller_username else None


def without_credentials(url):
    """``url`` without credential query parameters (a token must never reach the database)."""
    if not url or "?" not in url:
        return url
    names = {name.lower() for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    if names.isdisjoint(CREDENTIAL_PARAMS):
        return url  # leave signed image URLs and the like untouched
    return url_query_cleaner(url, CREDENTIAL_PARAMS, remove=True, keep_fragments=True)


def album_row(item, now):
    return {
        "discogs_release_id": str(item.release_id),
        "artist": item.artist or "",
        "title": item.title or "",
        "label": item.label,
        "catalog_number": item.catalog_number,
        "format": item.format,
        "country": item.country,
        "released_year": item.released_year,
        "cover_image_url": item.cover_image_url,
        "resource_url": without_credentials(item.web_url),
        "api_url": without_credentials(item.api_url),
        "price_low": item.price_low,
        "price_currency": item.price_currency,
        "num_for_sale": item.num_for_sale,
        "have_count": item.have_count or 0,
        "want_count": item.want_count or 0,
        "avg_rating": item.avg_rating or 0.0,
        "ratings_count": item.ratings_count or 0,
        "data_quality": item.data_quality,
        "master_id": item.master_id,
        "released": item.released,
        "released_formatted": item.released_formatted,
        "artists_sort": item.artists_sort,
        "notes": item.notes,
        "status": item.status,
        "community_status": item.community_status,
        "date_added": item.date_added,
        "date_changed": item.date_changed,
        "estimated_weight": item.estimated_weight,
        "blocked_from_sale": item.blocked_from_sale,
        "format_quantity": item.format_quantity,
        "thumb_url": without_credentials(item.thumb_url),
        "submitter": item.submitter,
        "contributors": json.dumps(item.contributors, ensure_ascii=False) if item.contributors else None,
        # A dump's release was never fetched from the API: staleness must not count it as fetched.
        "fetched_at": None if item.source == "dump" else now,
        "source": item.source or "api",
        "dump_date": item.dump_date,
        "created_at": now,
        "updated_at": now,
    }


def version_columns(version):
    """A track's version columns: NULL for a heading or an index row (no :class:`Version`)."""
    if version is None:
        return NO_VERSION
    return NOTHING_COLUMNS if version is NOTHING else version.columns()  # (unpacked, never changed)


def track_rows(item):
    """Track rows keyed by sequence: the loader's sequence, else the tracklist index; with the
    version columns :func:`discogs_harvest.versions.tracklist_versions` derives (NULL for
    headings and index rows)."""
    rows = {}
    album_id = str(item.release_id)
    versions = tracklist_versions(item.tracks, item.credits)
    for index, track in enumerate(item.tracks):
        sequence = track.sequence if track.sequence is not None else index
        if sequence in rows:  # the first row of a sequence stays
            continue
        version = versions[index]
        rows[sequence] = {
            "album": album_id,
            "sequence": sequence,
            "position": track.position,
            "title": track.title or "",
            "duration": track.duration,
            "side": track.side,
            "duration_seconds": track.duration_seconds,
            "artist": track.artist,
            "type": track.type or "track",
            "parent_sequence": track.parent_sequence,
            # most tracks: NOTHING, whose columns are shared (unpacked, never changed)
            **(NOTHING_COLUMNS if version is NOTHING else version_columns(version)),
        }
    return list(rows.values())


def _credit_row(album_id, track_sequence, sequence, credit):
    return {
        "album": album_id,
        "track_sequence": track_sequence,
        "sequence": sequence,
        "artist_id": credit.artist_id,
        "name": credit.name,
        "anv": credit.anv,
        "join_text": credit.join,
        "role": credit.role,
        "tracks": credit.tracks,
        "display_name": credit.display_name,
        "thumbnail_url": without_credentials(credit.thumbnail_url),
    }


def credit_rows(item, attribute):
    """``album_artists`` (attribute ``artists``) or ``album_credits`` (``credits``) rows:
    the release's list, then each track's, by ``tracks.sequence``."""
    album_id = str(item.release_id)
    rows = [_credit_row(album_id, None, index, credit) for index, credit in enumerate(getattr(item, attribute))]
    for index, track in enumerate(item.tracks):
        credits = getattr(track, attribute)
        if credits:  # most tracks have none: no empty list built for them
            sequence = track.sequence if track.sequence is not None else index
            rows += [_credit_row(album_id, sequence, position, credit) for position, credit in enumerate(credits)]
    return rows


def entity_rows(item, attribute):
    """``album_labels``, ``album_companies`` or ``album_series`` rows, in the body's order."""
    album_id = str(item.release_id)
    return [
        {"album": album_id, "sequence": index, "entity_id": entity.entity_id, "name": entity.name,
         "display_name": entity.display_name, "catno": entity.catno, "entity_type": entity.entity_type,
         "entity_type_name": entity.entity_type_name, "thumbnail_url": without_credentials(entity.thumbnail_url)}
        for index, entity in enumerate(getattr(item, attribute))
    ]


def format_rows(item):
    album_id = str(item.release_id)
    return [
        {"album": album_id, "sequence": index, "name": entry.name, "qty": entry.qty, "text": entry.text,
         "descriptions": json.dumps(entry.descriptions, ensure_ascii=False) if entry.descriptions else None}
        for index, entry in enumerate(item.formats)
    ]


def identifier_rows(item):
    album_id = str(item.release_id)
    return [
        {"album": album_id, "sequence": index, "type": entry.type, "value": entry.value,
         "description": entry.description}
        for index, entry in enumerate(item.identifiers)
    ]


def image_rows(item):
    album_id = str(item.release_id)
    return [
        {"album": album_id, "sequence": index, "type": image.type, "width": image.width,
         "height": image.height, "uri": without_credentials(image.uri),
         "uri150": without_credentials(image.uri150), "resource_url": without_credentials(image.resource_url)}
        for index, image in enumerate(item.images)
    ]


def body_json(body):
    """A body (the text as received, or a decoded object) as compact UTF-8 JSON."""
    if not isinstance(body, str):
        body = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return body.encode("utf-8")


def compress_body(body, level=RAW_COMPRESSION):
    """A body (the text as received, or a decoded object) as zlib-compressed UTF-8 JSON."""
    return zlib.compress(body_json(body), level)


def decompress_body(blob):
    """The decoded JSON of a kept body."""
    return json.loads(zlib.decompress(bytes(blob)).decode("utf-8"))


def page_resource_id(seller_username, status, page):
    """``raw_bodies.resource_id`` of an inventory page: ``<seller lower>/<status>/<page>``."""
    return f"{seller_username.lower()}/{status}/{page}"


def raw_row(resource, resource_id, body, now, level=RAW_COMPRESSION):
    return {"resource": resource, "resource_id": str(resource_id), "body": compress_body(body, level),
            "fetched_at": now, "first_fetched_at": now}


def seller_row(seller, now):
    return {
        "id": seller.seller_id,
        "username": seller.username,
        "rating": seller.rating,
        "stars": seller.stars,
        "total_ratings": seller.total_ratings,
        "html_url": without_credentials(seller.html_url),
        "avatar_url": seller.avatar_url,
        "payment": seller.payment,
        "shipping": seller.shipping,
        "min_order_total": seller.min_order_total,
        "created_at": now,
        "updated_at": now,
    }


def listing_row(item, album_id, now):
    username = item.seller_username or (item.seller.username if item.seller else None)
    return {
        "listing_id": item.listing_id,
        "release_id": item.release_id,
        "album": album_id,
        "seller": item.seller.seller_id if item.seller else None,
        "collection_id": inventory_collection_id(username),
        "price": item.price,
        "currency": item.currency,
        "original_price": item.original_price,
        "original_currency": item.original_currency,
        "shipping_price": item.shipping_price,
        "shipping_currency": item.shipping_currency,
        "condition": item.condition,
        "sleeve_condition": item.sleeve_condition,
        "notes": item.comments,
        "is_available": is_available(item.status),
        "is_new": 1 if item.condition == MINT else 0,
        "item_url": without_credentials(item.item_url),
        "status": item.status,
        "ships_from": item.ships_from,
        "posted": item.posted,
        "allow_offers": item.allow_offers,
        "weight": item.weight,
        "format_quantity": item.format_quantity,
        "external_id": item.external_id,
        "location": item.location,
        "cost": item.cost,
        "first_seen_at": now,
        "last_seen_at": now,
        "artist": item.artist,
        "title": item.title,
        "format": item.format,
        "year": item.year,
        "catalog_number": item.catalog_number,
        "label": item.label,
        "thumbnail_url": without_credentials(item.thumbnail_url),
        "description": item.description,
        "have_count": item.have_count,
        "want_count": item.want_count,
        "audio": item.audio,
        "original_shipping_price": item.original_shipping_price,
        "original_shipping_currency": item.original_shipping_currency,
    }


def is_available(status):
    """Only a "For Sale" listing can be bought (a listing without a status is taken as the
    default ``status`` a harvest asks for, For Sale)."""
    return status is None or status == FOR_SALE
