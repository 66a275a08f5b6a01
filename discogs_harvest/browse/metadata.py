"""Datasette metadata for a harvested database: labels, facets, descriptions, search, queries.

:func:`metadata` returns the dict Datasette takes (``Datasette(metadata=...)``), for a database
served under ``name`` (Datasette names it after the file: ``discogs`` for ``discogs.db``).
Descriptions are the README's ("The database"). A canned query of price drops needs a record of
price changes, which the harvest does not keep yet (a listing row holds its latest price only):
there is none until that record exists.
"""

LABEL_COLUMN = "artist_title"  # a generated column: "Artist - Title" (discogs_harvest.browse.__main__)

ALBUMS = {
    "discogs_release_id": "Discogs release id (text, as the desktop app stores it)",
    "artist": "Artist name(s) as Discogs displays them",
    "title": "Release title",
    "label": "First label, as on the release",
    "catalog_number": "Catalogue number on that label",
    "format": "Formats and descriptions, e.g. 'Vinyl, LP, Album'",
    "country": "Country of release",
    "released_year": "Year of release (NULL when Discogs gives 0 or none)",
    "cover_image_url": "Primary image (empty without credentials)",
    "resource_url": "The release's page on discogs.com",
    "price_low": "Lowest price of the release on the marketplace, in price_currency",
    "price_median": "Always NULL: the API has no median price",
    "price_high": "Always NULL: the API has no high price",
    "have_count": "Community: users who have it",
    "want_count": "Community: users who want it",
    "avg_rating": "Community rating (0-5)",
    "ratings_count": "Number of ratings",
    "fetched_at": "When the release was last fetched (STALENESS_MAX_AGE_DAYS reads it), UTC",
    "artist_title": "'Artist - Title': the label Datasette shows for an album",
}
LISTINGS = {
    "listing_id": "Discogs marketplace listing id",
    "album_id": "The release listed (NULL until its album is stored; release_id has it meanwhile)",
    "seller_id": "The seller",
    "collection_id": "'inventory:<seller username>', or 'collection:<user>/<folder id>' for a collection "
                     "instance (instance_id, folder_id, rating, date_added; notes holds its custom fields)",
    "price": "Asking price, in currency",
    "condition": "Media condition",
    "sleeve_condition": "Sleeve condition",
    "notes": "The seller's comments",
    "is_available": "1 while listed; 0 once a complete run of the seller no longer saw it (never deleted)",
    "is_new": "1 when the media condition is Mint (M)",
    "first_seen_at": "When a harvest first saw the listing, UTC",
    "last_seen_at": "When a harvest last saw the listing, UTC",
    "ships_from": "Country the seller ships from",
    "posted": "When the seller listed it (Discogs' time)",
}
VIDEOS = {
    "id": "YouTube video id",
    "status": "playable, failing (failed, not confirmed), removed, private, embedding_disabled; "
              "NULL: never checked (youtube_health)",
    "checked_at": "Last check that got an answer, UTC",
    "status_changed_at": "When status last changed, UTC",
    "consecutive_failures": "Failed checks in a row",
    "first_failure_at": "When the current run of failed checks began",
    "gone_at": "When the video was confirmed gone (two failed checks at least a day apart); NULL otherwise",
    "last_result": "What the last attempt saw, including transient",
    "last_error": "The last failing answer in words",
}

QUERIES = {
    "listings_of_a_style_under_a_price": {
        "title": "Listings of a style under a price",
        "description": "Available listings whose release has the style, cheapest first (price in the listing's currency)",
        "sql": """SELECT ci.listing_id, a.artist, a.title, st.name AS style, ci.price, ci.currency, ci.condition,
  ci.sleeve_condition, ci.collection_id, ci.item_url
FROM collection_items ci
JOIN albums a ON a.discogs_release_id = ci.album_id
JOIN album_styles ast ON ast.album_id = a.discogs_release_id
JOIN styles st ON st.id = ast.style_id
WHERE ci.is_available = 1 AND st.name = :style COLLATE NOCASE AND ci.price <= CAST(:max_price AS REAL)
ORDER BY ci.price, ci.listing_id""",
    },
    "new_listings_since": {
        "title": "New listings since a date",
        "description": "Listings first seen by a harvest on or after the date (YYYY-MM-DD), newest first",
        "sql": """SELECT ci.listing_id, ci.first_seen_at, a.artist, a.title, ci.price, ci.currency, ci.condition,
  ci.collection_id, ci.item_url
FROM collection_items ci LEFT JOIN albums a ON a.discogs_release_id = ci.album_id
WHERE ci.first_seen_at >= :since
ORDER BY ci.first_seen_at DESC, ci.listing_id""",
    },
    "releases_with_broken_videos": {
        "title": "Releases with broken videos",
        "description": "Videos confirmed gone by youtube_health (removed, private or embedding disabled), "
                       "with the releases that still link them",
        "sql": """SELECT a.discogs_release_id, a.artist, a.title, v.id AS video_id, v.title AS video_title, v.status,
  v.gone_at, v.last_error
FROM youtube_videos v
JOIN album_videos av ON av.video_id = v.id
JOIN albums a ON a.discogs_release_id = av.album_id
WHERE v.gone_at IS NOT NULL
ORDER BY v.gone_at DESC, a.discogs_release_id""",
    },
    "most_wanted_releases_of_a_seller": {
        "title": "Most-wanted releases a seller has",
        "description": "A seller's available listings by the release's community want count",
        "sql": """SELECT a.artist, a.title, a.want_count, a.have_count, ci.price, ci.currency, ci.condition,
  ci.listing_id, ci.item_url
FROM collection_items ci JOIN albums a ON a.discogs_release_id = ci.album_id
WHERE ci.collection_id = 'inventory:' || lower(:seller) AND ci.is_available = 1
ORDER BY a.want_count DESC, a.have_count ASC, ci.listing_id
LIMIT 200""",
    },
}


def metadata(name="discogs"):
    """Datasette's metadata for the harvested database served as ``name``."""
    tables = {
        "albums": {
            "description": "One row per Discogs release (GET /releases/{id}). Search covers artist, title, "
                           "label and track titles; /-/album/<id> shows an album with its tracks and videos.",
            "label_column": LABEL_COLUMN,
            "facets": ["country", "released_year", "label"],
            "sort_desc": "want_count",
            "fts_table": "albums_fts",
            "fts_pk": "discogs_release_id",
            "columns": ALBUMS,
        },
        "collection_items": {
            "description": "One row per marketplace listing of a release by a seller",
            "facets": ["collection_id", "currency", "condition", "is_available"],
            "sort_desc": "last_seen_at",
            "columns": LISTINGS,
        },
        "sellers": {"description": "Marketplace sellers, as their listings describe them", "label_column": "username"},
        "tracks": {"description": "Tracklists, in order (sequence); index tracks flattened", "facets": ["side"]},
        "youtube_videos": {
            "description": "YouTube videos Discogs lists for releases, with their health (youtube_health). "
                           "A video Discogs stops listing is unlinked from album_videos and kept here.",
            "label_column": "title",
            "facets": ["status", "last_result"],
            "columns": VIDEOS,
        },
        "album_videos": {"description": "Which videos a release lists, in order"},
        "genres": {"description": "Genre names", "label_column": "name"},
        "styles": {"description": "Style names", "label_column": "name"},
        "album_genres": {"description": "Genres of each release", "facets": ["genre_id"]},
        "album_styles": {"description": "Styles of each release", "facets": ["style_id"]},
        "harvest_runs": {"description": "One row per scrapy crawl: arguments (never secrets), figures, how it ended",
                         "facets": ["spider", "finish_reason"], "sort_desc": "id"},
        "failed_releases": {"description": "Releases that failed every retry; the next run retries them first"},
        "inventory_pages": {"description": "Checkpoints of unfinished inventory runs", "hidden": True},
        "albums_fts": {"hidden": True},
    }
    return {
        "title": "discogs-harvest",
        "description": "A Discogs seller's inventory and the releases behind it, harvested by discogs-harvest",
        "databases": {name: {"tables": tables, "queries": QUERIES}},
    }
