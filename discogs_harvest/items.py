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
class TrackItem:
    sequence: int | None = None
    position: str | None = None
    side: str | None = None
    title: str | None = None
    artist: str | None = None
    duration: str | None = None
    duration_seconds: int | None = None


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


@dataclass
class FailedReleaseItem:
    """A release request that failed every retry (never exported)."""

    release_id: int | None = None
    reason: str | None = None


def field_names(item_class, exclude=()):
    return [f.name for f in fields(item_class) if f.name not in exclude]


# Feeds: flat, documented columns in a stable order. Nested objects stay out of CSV.
LISTING_FEED_FIELDS = field_names(ListingItem, exclude=("seller",))
RELEASE_FEED_FIELDS = field_names(ReleaseItem)


@dataclass
class VideoCheckItem:
    """What one oEmbed check of a video saw (:mod:`discogs_harvest.youtube.health`); never exported.

    ``result`` is playable, removed, private, embedding_disabled or transient.
    """

    video_id: str | None = None
    result: str | None = None
    detail: str | None = None
    title: str | None = None
