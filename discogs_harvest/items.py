"""Items: what the spiders yield and the pipelines store. No logic here.

Field order is the order feeds export them in (see ``LISTING_FEED_FIELDS`` and
``RELEASE_FEED_FIELDS``). Loaders in :mod:`discogs_harvest.loaders` fill them.
"""

from dataclasses import dataclass, field, fields


@dataclass
class SellerItem:
    """The ``seller`` object of a listing."""

    seller_id: int | None = None
    username: str | None = None
    rating: float | None = None
    stars: float | None = None
    total_ratings: int | None = None
    html_url: str | None = None
    avatar_url: str | None = None
    payment: str | None = None
    shipping: str | None = None
    min_order_total: float | None = None


@dataclass
class CreditItem:
    """One entry of an ``artists[]`` or ``extraartists[]`` list (release or track)."""

    artist_id: int | None = None
    name: str | None = None
    anv: str | None = None
    join: str | None = None
    role: str | None = None
    tracks: str | None = None
    display_name: str | None = None
    thumbnail_url: str | None = None


@dataclass
class EntityItem:
    """One entry of ``labels[]``, ``companies[]`` or ``series[]``."""

    entity_id: int | None = None
    name: str | None = None
    display_name: str | None = None
    catno: str | None = None
    entity_type: str | None = None
    entity_type_name: str | None = None
    thumbnail_url: str | None = None


@dataclass
class FormatItem:
    name: str | None = None
    qty: int | None = None
    text: str | None = None
    descriptions: list[str] = field(default_factory=list)


@dataclass
class IdentifierItem:
    type: str | None = None
    value: str | None = None
    description: str | None = None


@dataclass
class ImageItem:
    type: str | None = None
    width: int | None = None
    height: int | None = None
    uri: str | None = None
    uri150: str | None = None
    resource_url: str | None = None


@dataclass
class TrackItem:
    sequence: int | None = None
    position: str | None = None
    side: str | None = None
    title: str | None = None
    artist: str | None = None
    duration: str | None = None
    duration_seconds: int | None = None
    # "track", "heading", "index" or "sub_track" (see processors.flatten_tracklist)
    type: str | None = None
    parent_sequence: int | None = None
    artists: list[CreditItem] = field(default_factory=list)
    credits: list[CreditItem] = field(default_factory=list)


@dataclass
class TrackRecordItem(TrackItem):
    """One playable track as a record of its own, for ``-a feed=tracks``
    (:mod:`discogs_harvest.trackfeed`): the track row with the release's label, catalogue
    number, year, country, genres and styles. A ``TrackItem`` feed takes it too (nested
    ``TrackItem`` s inside a release are never yielded on their own). Never stored."""

    release_id: int | None = None
    duration_ms: int | None = None
    label: str | None = None
    catno: str | None = None
    year: int | None = None
    country: str | None = None
    genres: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    # The tracks columns of discogs_harvest.versions.Version.
    version: str | None = None
    is_remix: bool | None = None
    remixer: str | None = None
    is_live: bool | None = None
    is_edit: bool | None = None
    version_signal: str | None = None
    remix_signal: str | None = None
    live_signal: str | None = None
    edit_signal: str | None = None


@dataclass
class VideoItem:
    video_id: str | None = None
    order_index: int | None = None
    title: str | None = None
    url: str | None = None
    description: str | None = None
    duration_seconds: int | None = None
    embed: bool | None = None


@dataclass
class ListingItem:
    """One inventory listing, with the release summary the listing carries.

    ``genres``/``styles`` are filled from the release (stored or fetched) when the
    spider knows them, so a filtered feed shows why a listing matched.
    """

    listing_id: int | None = None
    seller_username: str | None = None
    release_id: int | None = None
    artist: str | None = None
    title: str | None = None
    format: str | None = None
    year: int | None = None
    catalog_number: str | None = None
    status: str | None = None
    condition: str | None = None
    sleeve_condition: str | None = None
    price: float | None = None
    currency: str | None = None
    original_price: float | None = None
    original_currency: str | None = None
    shipping_price: float | None = None
    shipping_currency: str | None = None
    ships_from: str | None = None
    posted: str | None = None
    allow_offers: bool | None = None
    comments: str | None = None
    item_url: str | None = None
    thumbnail_url: str | None = None
    have_count: int | None = None
    want_count: int | None = None
    genres: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    seller: SellerItem | None = None
    # Only in the owner's view of their own inventory (API_FACTS.md §4); None otherwise.
    weight: float | None = None
    format_quantity: int | None = None
    external_id: str | None = None
    location: str | None = None
    cost: float | None = None
    # Not in feeds: the rest of the listing, for collection_items.
    description: str | None = None
    label: str | None = None
    audio: bool | None = None
    original_shipping_price: float | None = None
    original_shipping_currency: str | None = None
    # The listing as received, kept in raw_bodies (scrapy rebuild reads it back): its text in
    # the inventory page it came in (pagetext.py), or the object.
    raw: dict | str | None = None
    # Stored as its page arrived (in a ListingRowsItem, phase 1): storage lets it pass unwritten.
    stored_on_arrival: bool = False


@dataclass
class ReleaseItem:
    """A full release (``GET /releases/{id}``), flattened for the ``albums`` table."""

    release_id: int | None = None
    artist: str | None = None
    title: str | None = None
    label: str | None = None
    catalog_number: str | None = None
    format: str | None = None
    country: str | None = None
    released_year: int | None = None
    released: str | None = None
    cover_image_url: str | None = None
    web_url: str | None = None
    api_url: str | None = None
    price_low: float | None = None
    price_currency: str | None = None
    num_for_sale: int | None = None
    have_count: int | None = None
    want_count: int | None = None
    avg_rating: float | None = None
    ratings_count: int | None = None
    data_quality: str | None = None
    master_id: int | None = None
    genres: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    tracks: list[TrackItem] = field(default_factory=list)
    videos: list[VideoItem] = field(default_factory=list)
    # Not in feeds: the rest of the release, for albums and the album_* tables.
    artists: list[CreditItem] = field(default_factory=list)
    credits: list[CreditItem] = field(default_factory=list)
    labels: list[EntityItem] = field(default_factory=list)
    companies: list[EntityItem] = field(default_factory=list)
    series: list[EntityItem] = field(default_factory=list)
    formats: list[FormatItem] = field(default_factory=list)
    identifiers: list[IdentifierItem] = field(default_factory=list)
    images: list[ImageItem] = field(default_factory=list)
    released_formatted: str | None = None
    artists_sort: str | None = None
    notes: str | None = None
    status: str | None = None
    community_status: str | None = None
    date_added: str | None = None
    date_changed: str | None = None
    estimated_weight: int | None = None
    blocked_from_sale: bool | None = None
    format_quantity: int | None = None
    thumb_url: str | None = None
    submitter: str | None = None
    contributors: list[str] = field(default_factory=list)
    # The body as received, kept in raw_bodies (scrapy rebuild reads it back).
    raw: dict | None = None
    # Where the record came from: None for the API, "dump" for a monthly data dump
    # (scrapy import_dump), with the dump's date ("2020-08-06").
    source: str | None = None
    dump_date: str | None = None


@dataclass
class ListingRowsItem:
    """Listings of a page stored as the page arrives (phase 1), before their releases are known.

    Storage writes each to ``collection_items`` like a :class:`ListingItem`; feeds never see
    them (each decided ListingItem, with genres and styles, follows once its release is known).
    A few dozen listings an item, not one each: Scrapy's item machinery (the spider middlewares'
    chains, the pipelines, the item_scraped signal) cost about 80 us an item, and a page's rows
    are written together anyway (issue 12: 0.4 s of a 5,000-listing harvest's 6.5 s).
    """

    listings: list[ListingItem] = field(default_factory=list)


@dataclass
class StoredReleaseItem(ReleaseItem):
    """A fresh release read back from the database for a feed (storage does not write it again)."""


@dataclass
class InventorySnapshotItem:
    """Sent once when a seller's inventory has been paged through to the end.

    ``listing_ids`` holds every listing seen, matched by the filter or not, so the
    staleness pipeline can mark the others unavailable, and only when ``complete``
    (every page fetched). Never exported to feeds.
    """

    seller_username: str | None = None
    listing_ids: list[int] = field(default_factory=list)
    complete: bool = False
    # Paging stopped on a page that failed every retry: keep the checkpoint to resume from.
    ended_on_error: bool = False
    # completeness.PageSeen of every page used: the staleness pipeline judges them.
    pages: list = field(default_factory=list)


@dataclass
class InventoryPageItem:
    """One fetched inventory page, stored as a checkpoint for resuming (never exported)."""

    seller_username: str | None = None
    status: str | None = None
    page: int | None = None
    next_url: str | None = None
    pages_total: int | None = None
    # The page's JSON as received: a compact string, not the decoded listings, which take
    # several times the memory while they wait for the next storage flush.
    body: str | None = None
    # True when ``body`` is read back from raw_bodies (checkpoints.keep_page kept it as the page
    # arrived): storage then writes the checkpoint row only, not the same body a second time.
    body_kept: bool = False


@dataclass
class RawBodyItem:
    """An API body to keep verbatim (``raw_bodies``), for resources no other item carries.

    Releases and listings keep theirs through their items; any other spider yields this for
    each body it receives (``resource`` names the endpoint, ``resource_id`` the thing), so
    nothing Discogs sent is lost. Never exported.
    """

    resource: str | None = None
    resource_id: str | None = None
    body: str | None = None  # the text as received


@dataclass
class FailedReleaseItem:
    """A release request that failed every retry (never exported)."""

    release_id: int | None = None
    reason: str | None = None


def field_names(item_class, exclude=(), until=None):
    names = []
    for f in fields(item_class):
        if f.name not in exclude:
            names.append(f.name)
        if f.name == until:
            break
    return names


# Feeds: flat, documented columns in a stable order. Nested objects stay out of CSV; the
# fields after these (the whole record, raw bodies) are for storage only.
LISTING_FEED_FIELDS = field_names(ListingItem, exclude=("seller",), until="styles")
RELEASE_FEED_FIELDS = field_names(ReleaseItem, until="videos")
TRACK_FEED_FIELDS = ["release_id", "sequence", "position", "side", "artist", "title", "duration", "duration_seconds",
                     "duration_ms", "label", "catno", "year", "country", "genres", "styles", "version", "is_remix",
                     "remixer", "is_live", "is_edit", "version_signal", "remix_signal", "live_signal", "edit_signal"]


@dataclass
class VideoCheckItem:
    """What one oEmbed check of a video saw (:mod:`discogs_harvest.youtube.health`); never exported.

    ``result`` is playable, removed, private, embedding_disabled or transient.
    """

    video_id: str | None = None
    result: str | None = None
    detail: str | None = None
    title: str | None = None
