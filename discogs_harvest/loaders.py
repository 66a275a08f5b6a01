"""Item loaders: which part of a Discogs JSON body fills which item field.

The loaders only declare wiring (``<field>_in``/``<field>_out`` processors from
:mod:`discogs_harvest.processors`); the ``load_*`` functions name the JMESPath of
each field with ``add_jmes``, the way ``add_css`` names parts of an HTML page.
Lists of objects (``artists``, ``formats``, ``images``, ``tracklist``,
``videos``) go in with ``add_value`` instead: ``add_jmes`` passes what it selects
through ``parsel.utils.flatten``, which treats a dict as a sequence and turns an
object into its keys (itemloaders 1.5, ``ItemLoader._get_jmesvalues``).
Entry points for the spiders: :func:`load_listing`, :func:`load_release`,
:func:`load_seller`. No settings.

Two choices keep a 100-listing page cheap (numbers measured on the recorded
brotherlogic pages by ``tests/bench/bench_loaders.py``):

- every item field gets its ``_in``/``_out`` attribute when the loader class is
  defined, so itemloaders never falls back to its per-value field-metadata
  lookup (one ``ItemAdapter`` per value added, about 40% of the time);
- :class:`JsonSelector` answers ``add_jmes`` on the already-decoded body, walking
  plain dotted paths (``release.stats.community.in_collection``) with dict
  lookups and handing anything else to ``jmespath``.
"""

import re
from dataclasses import fields
from functools import lru_cache

import jmespath
from itemloaders import ItemLoader
from itemloaders.processors import Compose, Identity, MapCompose, TakeFirst

from discogs_harvest import processors as p
from discogs_harvest.items import (
    CreditItem,
    EntityItem,
    FormatItem,
    IdentifierItem,
    ImageItem,
    ListingItem,
    ReleaseItem,
    SellerItem,
    TrackItem,
    VideoItem,
)

# --- reading decoded JSON -----------------------------------------------------

_DOTTED_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


@lru_cache(maxsize=512)
def _compile(query):
    """A plain dotted path as a tuple of keys, anything else as a compiled JMESPath."""
    if _DOTTED_PATH.fullmatch(query):
        return tuple(query.split("."))
    return jmespath.compile(query)


class _Values(list):
    __slots__ = ()

    def getall(self):
        return self


class JsonSelector:
    """The part of :class:`parsel.Selector` that ``ItemLoader.add_jmes`` uses, for JSON
    that Scrapy already decoded (``response.json()``).

    ``jmespath(query).getall()`` returns what ``parsel.Selector(root=data)`` returns
    (a list result spread into values, ``null`` as no value) without wrapping
    each value in a ``Selector``. Plain dotted paths are walked key by key (a
    missing key or a non-object gives no value, as in JMESPath); other queries
    go to ``jmespath``, compiled once.
    """

    __slots__ = ("root",)

    def __init__(self, root):
        self.root = root

    def jmespath(self, query):
        compiled = _compile(query)
        if isinstance(compiled, tuple):
            result = self.root
            for key in compiled:
                if not isinstance(result, dict):
                    result = None
                    break
                result = result.get(key)
        else:
            result = compiled.search(self.root)
        if result is None:
            return _Values()
        return _Values(result if isinstance(result, list) else (result,))


# --- loaders ------------------------------------------------------------------

TEXT = MapCompose(p.clean_text)
URL = MapCompose(p.clean_url)
INT = MapCompose(p.to_int)
FLOAT = MapCompose(p.to_float)
CURRENCY = MapCompose(p.currency_code)
VERBATIM = Compose(p.first_value)  # titles: kept as given, "" included
AS_LIST = Identity()


class DiscogsLoader(ItemLoader):
    """Base: ``TakeFirst`` out, values in as given, declared for every item field."""

    default_item_class = dict
    default_input_processor = Identity()
    default_output_processor = TakeFirst()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Precedence is `<field>_in`/`_out`, then field metadata, then the loader
        # defaults (itemloaders docs, declaring-loaders.rst). Reaching the metadata
        # step builds an ItemAdapter on every value added (itemloaders 1.5,
        # ItemLoader._get_item_field_attr); our dataclass items have no metadata,
        # so the defaults are declared per field up front.
        for field in fields(cls.default_item_class):
            for suffix, default in (("_in", cls.default_input_processor),
                                    ("_out", cls.default_output_processor)):
                if not hasattr(cls, field.name + suffix):
                    setattr(cls, field.name + suffix, default)


class SellerLoader(DiscogsLoader):
    default_item_class = SellerItem

    seller_id_in = INT
    username_in = TEXT
    rating_in = FLOAT  # "99.4"
    stars_in = FLOAT
    total_ratings_in = INT
    html_url_in = URL
    avatar_url_in = URL
    payment_in = TEXT
    shipping_in = MapCompose(p.unescape_text)
    min_order_total_in = FLOAT


# --- the lists of a release body: plain functions (one object in, one item out) -----------


def _dicts(values):
    return [value for value in values or () if isinstance(value, dict)]


def load_credit(artist: dict) -> CreditItem:
    """One ``artists[]``/``extraartists[]`` entry; ``""`` becomes ``None``."""
    return CreditItem(
        artist_id=p.to_int(artist.get("id")),
        name=p.clean_text(artist.get("name")),
        anv=p.clean_text(artist.get("anv")),
        join=p.clean_text(artist.get("join")),
        role=p.clean_text(artist.get("role")),
        tracks=p.clean_text(artist.get("tracks")),
        display_name=p.artist_display_name(artist),
        thumbnail_url=p.clean_url(artist.get("thumbnail_url")),
    )


def load_credits(artists):
    return [load_credit(artist) for artist in _dicts(artists)]


def load_entity(entity: dict) -> EntityItem:
    """One ``labels[]``/``companies[]``/``series[]`` entry; ``catno`` kept as sent."""
    return EntityItem(
        entity_id=p.to_int(entity.get("id")),
        name=p.clean_text(entity.get("name")),
        display_name=p.strip_name_suffix(entity.get("name")),
        catno=p.clean_text(entity.get("catno")),
        entity_type=p.clean_text(entity.get("entity_type")),
        entity_type_name=p.clean_text(entity.get("entity_type_name")),
        thumbnail_url=p.clean_url(entity.get("thumbnail_url")),
    )


def load_entities(entities):
    return [load_entity(entity) for entity in _dicts(entities)]


def load_formats(formats):
    return [FormatItem(name=p.clean_text(f.get("name")), qty=p.to_int(f.get("qty")), text=p.clean_text(f.get("text")),
                       descriptions=[d for d in (p.clean_text(d) for d in f.get("descriptions") or ()) if d])
            for f in _dicts(formats)]


def load_identifiers(identifiers):
    return [IdentifierItem(type=p.clean_text(i.get("type")), value=p.clean_text(i.get("value")),
                           description=p.clean_text(i.get("description")))
            for i in _dicts(identifiers)]


def load_images(images):
    return [ImageItem(type=p.clean_text(i.get("type")), width=p.to_int(i.get("width")),
                      height=p.to_int(i.get("height")), uri=p.clean_url(i.get("uri")),
                      uri150=p.clean_url(i.get("uri150")), resource_url=p.clean_url(i.get("resource_url")))
            for i in _dicts(images)]


def usernames(users):
    return [name for name in (p.clean_text(u.get("username")) for u in _dicts(users)) if name]


def load_seller(seller: dict) -> SellerItem:
    """A listing's ``seller`` object."""
    loader = SellerLoader(selector=JsonSelector(seller))
    loader.add_jmes("seller_id", "id")
    loader.add_jmes("seller_id", "uid")  # the same number; older bodies may have only one
    loader.add_jmes("username", "username")
    loader.add_jmes("rating", "stats.rating")
    loader.add_jmes("stars", "stats.stars")
    loader.add_jmes("total_ratings", "stats.total")
    loader.add_jmes("html_url", "html_url")
    loader.add_jmes("avatar_url", "avatar_url")
    loader.add_jmes("payment", "payment")
    loader.add_jmes("shipping", "shipping")
    loader.add_jmes("min_order_total", "min_order_total")
    return loader.load_item()


def _present(value):
    """What ``TakeFirst`` keeps of one value: ``None`` and ``""`` are no value."""
    return None if value == "" else value


def load_track(row: dict) -> TrackItem:
    """One row of :func:`processors.flatten_tracklist`; a plain function, as :func:`load_credit`.

    A release has tens of rows: an ItemLoader per row cost about half of ``load_release``
    (profiled by ``tests/bench/bench_dump.py``). Each field is what the loader's processors
    gave (``MapCompose(f)`` then ``TakeFirst``: ``None``/``""`` as no value; titles verbatim).
    """
    position, duration = row.get("position"), row.get("duration")
    return TrackItem(
        sequence=p.to_int(row.get("sequence")),
        position=p.clean_text(position),
        side=p.track_side(position),
        title=row.get("title"),
        artist=p.artist_credit(row.get("artists") or []),
        duration=_present(p.clean_duration(duration)),
        duration_seconds=p.duration_seconds(duration),
        type=p.clean_text(row.get("type")),
        parent_sequence=p.to_int(row.get("parent_sequence")),
        artists=load_credits(row.get("own_artists")),
        credits=load_credits(row.get("extraartists")),
    )


def load_video(video: dict) -> VideoItem:
    """One entry of :func:`processors.numbered_videos` (a plain function, as :func:`load_track`)."""
    return VideoItem(
        video_id=p.youtube_id(video.get("uri")),
        order_index=p.to_int(video.get("order_index")),
        title=p.clean_text(video.get("title")),
        url=p.clean_url(video.get("uri")),
        description=p.clean_text(video.get("description")),
        duration_seconds=p.to_int(video.get("duration")),
        embed=p.to_bool(video.get("embed")),
    )


OWNER_FIELDS = ("weight", "format_quantity", "external_id", "location", "cost")


class ListingLoader(DiscogsLoader):
    default_item_class = ListingItem

    listing_id_in = INT
    seller_username_in = TEXT
    release_id_in = INT
    artist_in = MapCompose(p.clean_credit_text)  # a display string: "Womb (8)", "808_State*"
    title_out = VERBATIM
    format_in = TEXT  # already a display string: "2xLP, Comp"
    year_in = MapCompose(p.clean_year)
    catalog_number_in = MapCompose(p.clean_catalog_number)
    status_in = TEXT
    condition_in = TEXT
    sleeve_condition_in = TEXT
    price_in = FLOAT
    currency_in = CURRENCY
    original_price_in = FLOAT
    original_currency_in = CURRENCY
    shipping_price_in = FLOAT
    shipping_currency_in = CURRENCY
    ships_from_in = TEXT
    posted_in = TEXT
    allow_offers_in = MapCompose(p.to_bool)
    comments_in = MapCompose(p.unescape_text)
    item_url_in = URL
    thumbnail_url_in = URL
    have_count_in = INT
    want_count_in = INT
    genres_out = AS_LIST
    styles_out = AS_LIST
    weight_in = FLOAT
    format_quantity_in = INT
    external_id_in = TEXT
    location_in = TEXT
    cost_in = FLOAT
    description_in = TEXT
    label_in = TEXT
    audio_in = MapCompose(p.to_bool)
    original_shipping_price_in = FLOAT
    original_shipping_currency_in = CURRENCY
    raw_out = Compose(p.first_value)


def load_listing(listing: dict) -> ListingItem:
    """One entry of an inventory page's ``listings`` (or a ``/marketplace/listings/{id}`` body).

    ``genres``/``styles`` stay empty: listings carry none (the spider fills them
    from the release).
    """
    loader = ListingLoader(selector=JsonSelector(listing))
    loader.add_jmes("listing_id", "id")
    loader.add_jmes("seller_username", "seller.username")
    loader.add_jmes("release_id", "release.id")
    loader.add_jmes("artist", "release.artist")
    loader.add_jmes("title", "release.title")
    loader.add_jmes("format", "release.format")
    loader.add_jmes("year", "release.year")
    loader.add_jmes("catalog_number", "release.catalog_number")
    loader.add_jmes("status", "status")
    loader.add_jmes("condition", "condition")
    loader.add_jmes("sleeve_condition", "sleeve_condition")
    loader.add_jmes("price", "price.value")
    loader.add_jmes("currency", "price.currency")
    loader.add_jmes("original_price", "original_price.value")
    loader.add_jmes("original_currency", "original_price.curr_abbr")
    loader.add_jmes("shipping_price", "shipping_price.value")  # {} when not given
    loader.add_jmes("shipping_currency", "shipping_price.currency")
    loader.add_jmes("ships_from", "ships_from")
    loader.add_value("posted", p.utc_timestamp(listing.get("posted")))
    loader.add_jmes("allow_offers", "allow_offers")
    loader.add_jmes("comments", "comments")
    loader.add_jmes("item_url", "uri")
    loader.add_jmes("thumbnail_url", "release.thumbnail")
    loader.add_jmes("have_count", "release.stats.community.in_collection")
    loader.add_jmes("want_count", "release.stats.community.in_wantlist")
    # The owner's private fields: absent from anyone else's view, so usually nothing to add.
    for name in OWNER_FIELDS:
        if name in listing:
            loader.add_jmes(name, name)
    loader.add_jmes("description", "release.description")
    loader.add_jmes("label", "release.label")
    loader.add_jmes("audio", "audio")
    loader.add_jmes("original_shipping_price", "original_shipping_price.value")
    loader.add_jmes("original_shipping_currency", "original_shipping_price.curr_abbr")
    loader.add_value("raw", listing)
    seller = listing.get("seller")
    if isinstance(seller, dict):
        loader.add_value("seller", load_seller(seller))
    return loader.load_item()


class ReleaseLoader(DiscogsLoader):
    default_item_class = ReleaseItem

    release_id_in = INT
    artist_out = Compose(p.artist_credit)  # collected: artists[] objects
    title_out = VERBATIM
    label_in = MapCompose(p.strip_name_suffix)
    catalog_number_in = MapCompose(p.clean_catalog_number)
    format_out = Compose(p.format_text)  # collected: formats[] objects
    country_in = TEXT
    released_year_in = MapCompose(p.clean_year)
    released_in = TEXT
    cover_image_url_out = Compose(p.cover_image_url)  # collected: images[] objects
    web_url_in = URL
    api_url_in = URL
    price_low_in = FLOAT
    price_currency_in = CURRENCY
    num_for_sale_in = INT
    have_count_in = INT
    want_count_in = INT
    avg_rating_in = FLOAT
    ratings_count_in = INT
    data_quality_in = TEXT
    master_id_in = INT
    genres_in = TEXT
    genres_out = AS_LIST
    styles_in = TEXT
    styles_out = AS_LIST
    tracks_out = Compose(p.flatten_tracklist, MapCompose(load_track))
    videos_out = Compose(p.numbered_videos, MapCompose(load_video))
    artists_out = Compose(load_credits)
    credits_out = Compose(load_credits)
    labels_out = Compose(load_entities)
    companies_out = Compose(load_entities)
    series_out = Compose(load_entities)
    formats_out = Compose(load_formats)
    identifiers_out = Compose(load_identifiers)
    images_out = Compose(load_images)
    released_formatted_in = TEXT
    artists_sort_in = TEXT
    notes_in = MapCompose(p.clean_notes)
    status_in = TEXT
    community_status_in = TEXT
    date_added_in = MapCompose(p.utc_timestamp)
    date_changed_in = MapCompose(p.utc_timestamp)
    estimated_weight_in = INT
    blocked_from_sale_in = MapCompose(p.to_bool)
    format_quantity_in = INT
    thumb_url_in = URL
    submitter_in = TEXT
    contributors_out = Compose(usernames)
    raw_out = Compose(p.first_value)


def load_release(release: dict, currency: str | None = None) -> ReleaseItem:
    """A ``/releases/{id}`` body.

    ``currency``: the currency of ``lowest_price``, i.e. the ``curr_abbr`` the
    request asked for (or the account's currency); the body does not name it,
    so ``price_currency`` stays ``None`` without it.
    """
    loader = ReleaseLoader(selector=JsonSelector(release))
    loader.add_jmes("release_id", "id")
    loader.add_value("artist", release.get("artists"))
    loader.add_jmes("title", "title")
    loader.add_jmes("label", "labels[0].name")
    loader.add_jmes("catalog_number", "labels[0].catno")
    loader.add_value("format", release.get("formats"))
    loader.add_jmes("country", "country")
    loader.add_jmes("released_year", "year")
    loader.add_jmes("released", "released")
    loader.add_value("cover_image_url", release.get("images"))
    loader.add_jmes("web_url", "uri")
    loader.add_jmes("api_url", "resource_url")
    loader.add_jmes("price_low", "lowest_price")
    loader.add_value("price_currency", currency)
    loader.add_jmes("num_for_sale", "num_for_sale")
    loader.add_jmes("have_count", "community.have")
    loader.add_jmes("want_count", "community.want")
    loader.add_jmes("avg_rating", "community.rating.average")
    loader.add_jmes("ratings_count", "community.rating.count")
    loader.add_jmes("data_quality", "data_quality")
    loader.add_jmes("data_quality", "community.data_quality")
    loader.add_jmes("master_id", "master_id")
    loader.add_jmes("genres", "genres")
    loader.add_jmes("styles", "styles")
    loader.add_value("tracks", release.get("tracklist"))
    loader.add_value("videos", release.get("videos"))
    loader.add_value("artists", release.get("artists"))
    loader.add_value("credits", release.get("extraartists"))
    loader.add_value("labels", release.get("labels"))
    loader.add_value("companies", release.get("companies"))
    loader.add_value("series", release.get("series"))
    loader.add_value("formats", release.get("formats"))
    loader.add_value("identifiers", release.get("identifiers"))
    loader.add_value("images", release.get("images"))
    loader.add_jmes("released_formatted", "released_formatted")
    loader.add_jmes("artists_sort", "artists_sort")
    loader.add_jmes("notes", "notes")
    loader.add_jmes("status", "status")
    loader.add_jmes("community_status", "community.status")
    loader.add_jmes("date_added", "date_added")
    loader.add_jmes("date_changed", "date_changed")
    loader.add_jmes("estimated_weight", "estimated_weight")
    loader.add_jmes("blocked_from_sale", "blocked_from_sale")
    loader.add_jmes("format_quantity", "format_quantity")
    loader.add_jmes("thumb_url", "thumb")
    loader.add_jmes("submitter", "community.submitter.username")
    community = release.get("community")
    loader.add_value("contributors", community.get("contributors") if isinstance(community, dict) else None)
    loader.add_value("raw", release)
    return loader.load_item()
