"""Rows for the schema, built from items: pure functions, one per table the storage writes.

Used by :class:`~discogs_harvest.pipelines.storage.StoragePipeline`. Every URL loses any
credential query parameter on the way (a token must never reach the database).
"""

from urllib.parse import parse_qsl, urlsplit

from w3lib.url import url_query_cleaner

# Query parameters that carry Discogs credentials (API_FACTS.md §2: ?token=, ?key=&secret=).
CREDENTIAL_PARAMS = ("token", "key", "secret")

# The media condition of new, sealed stock (is_new = 1).
MINT = "Mint (M)"

# The only status in which a listing can be bought; an owner sees the others too (Sold, Draft, ...).
FOR_SALE = "For Sale"


def available_by_status(status):
    """``is_available`` of a listing as its status says (no status: as listed, so available)."""
    return status is None or status == FOR_SALE


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
        "fetched_at": now,
        "created_at": now,
        "updated_at": now,
    }


def track_rows(item):
    """Track rows keyed by sequence: the loader's sequence, else the tracklist index."""
    rows = {}
    for index, track in enumerate(item.tracks):
        sequence = track.sequence if track.sequence is not None else index
        rows.setdefault(
            sequence,
            {
                "album": str(item.release_id),
                "sequence": sequence,
                "position": track.position,
                "title": track.title or "",
                "duration": track.duration,
                "side": track.side,
                "duration_seconds": track.duration_seconds,
                "artist": track.artist,
            },
        )
    return list(rows.values())


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
        "is_available": available_by_status(item.status),
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
    }
