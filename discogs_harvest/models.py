"""The SQLite schema, as peewee models.

Table and column names up to the ``# --- added`` marker in each model are a contract
with the desktop app that reads the same file: never rename them. Columns after the
marker, and the tables marked as added, are ours.

Indexes are not part of the contract. A table whose composite index or primary key starts
with ``album_id`` (``tracks (album_id, sequence)``, ``album_genres (album_id, genre_id)``, ...)
has no index on ``album_id`` alone (``index=False`` on the foreign key): the composite serves
every look-up by album (SQLite docs, queryplanner.html, "multi-column indices": the left-most
columns of an index are used as an index of their own), and a second index cost every
insert a second B-tree write (about a tenth of ``scrapy import_dump``'s database work).
:func:`discogs_harvest.migrations.drop_covered_indexes` drops those an earlier version made.

Models are bound to :data:`database_proxy`; :func:`discogs_harvest.database.open_database`
initialises it late from ``DATABASE_URL`` (peewee docs, "Dynamically defining a database").
"""

import datetime

from peewee import (
    AutoField,
    BlobField,
    BooleanField,
    CompositeKey,
    DatabaseProxy,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    SQL,
    TextField,
)

database_proxy = DatabaseProxy()


def utcnow():
    """Naive UTC to the second, stored by peewee as ``YYYY-MM-DD HH:MM:SS``.

    The one timestamp form of the database: what SQL's ``CURRENT_TIMESTAMP`` writes (the
    default the desktop app's own inserts get), what SQLite's date functions and
    ``pandas.to_datetime`` read, and sortable as text. Discogs' own timestamps
    (``posted``, ``date_added``...) are converted to it by :func:`processors.utc_timestamp`.
    """
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


def sql_default(value):
    """A default in the DDL too (``DEFAULT 0``), for the desktop app's own inserts."""
    return {"default": value, "constraints": [SQL(f"DEFAULT {value}")]}


def timestamp_default():
    """``DEFAULT CURRENT_TIMESTAMP`` in the DDL (UTC ``YYYY-MM-DD HH:MM:SS`` in SQLite and
    PostgreSQL alike), :func:`utcnow` from Python: a plain insert that leaves the column
    out gets the same form the harvester writes."""
    return {"default": utcnow, "constraints": [SQL("DEFAULT CURRENT_TIMESTAMP")]}


class BaseModel(Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class Album(BaseModel):
    """One Discogs release (``GET /releases/{id}``)."""

    discogs_release_id = TextField(primary_key=True)
    artist = TextField()
    title = TextField()
    label = TextField(null=True)
    catalog_number = TextField(null=True)
    format = TextField(null=True)
    country = TextField(null=True)
    released_year = IntegerField(null=True)
    cover_image_url = TextField(null=True)
    # The release's web page (www.discogs.com/release/...), which the desktop app opens.
    resource_url = TextField(null=True)
    price_low = FloatField(null=True)
    # The API has no median/high price or last sale date: these stay NULL.
    price_median = FloatField(null=True)
    price_high = FloatField(null=True)
    have_count = IntegerField(**sql_default(0))
    want_count = IntegerField(**sql_default(0))
    avg_rating = FloatField(**sql_default(0))
    ratings_count = IntegerField(**sql_default(0))
    last_sold_date = TextField(null=True)
    created_at = DateTimeField(**timestamp_default())
    updated_at = DateTimeField(**timestamp_default())
    # --- added by discogs-harvest
    api_url = TextField(null=True)
    # The full release date as sent: "1987", "1987-07-00", "2002-09-30".
    released = TextField(null=True)
    price_currency = TextField(null=True)
    num_for_sale = IntegerField(null=True)
    data_quality = TextField(null=True)
    master_id = IntegerField(null=True)
    # When the release body was last fetched from the API: what staleness reads.
    fetched_at = DateTimeField(null=True, index=True)
    # The rest of the release body (tables album_artists ... album_images hold its lists).
    released_formatted = TextField(null=True)  # "Jul 1987"
    artists_sort = TextField(null=True)
    notes = TextField(null=True)  # Discogs markup and \r\n line breaks kept
    status = TextField(null=True)  # "Accepted"
    community_status = TextField(null=True)
    date_added = DateTimeField(null=True)  # UTC, converted from Discogs' Pacific offset
    date_changed = DateTimeField(null=True)
    estimated_weight = IntegerField(null=True)  # grams
    blocked_from_sale = BooleanField(null=True)
    format_quantity = IntegerField(null=True)
    thumb_url = TextField(null=True)
    submitter = TextField(null=True)  # username of who submitted the release to Discogs
    contributors = TextField(null=True)  # JSON list of the usernames who edited it
    # "api" (fetched: fetched_at set) or "dump" (imported from a monthly data dump by
    # scrapy import_dump: fetched_at NULL, dump_date the dump's date, YYYY-MM-DD).
    source = TextField(null=True)
    dump_date = TextField(null=True)

    class Meta:
        table_name = "albums"


class Track(BaseModel):
    id = IntegerField(primary_key=True)
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE", backref="tracks", index=False)
    position = TextField(null=True)
    title = TextField()
    duration = TextField(null=True)
    side = TextField(null=True)
    # --- added by discogs-harvest
    duration_seconds = IntegerField(null=True)
    # Order within the release: every tracklist row, headings and index rows included, each
    # index followed by its sub-tracks. NULL for rows the desktop app inserts itself.
    sequence = IntegerField(null=True)
    artist = TextField(null=True)
    # "track" (playable), "heading" (a section title), "index" (a titled group of the
    # sub-tracks after it), "sub_track" (a part of the track before it: A1a, A1b).
    # The app lists playable tracks with WHERE type = 'track'. Plain inserts get 'track'.
    type = TextField(default="track", constraints=[SQL("DEFAULT 'track'")])
    # The sequence of the index (or track) row this sub-track belongs to.
    parent_sequence = IntegerField(null=True)
    # --- added by discogs-harvest: which version of the song (discogs_harvest/versions.py).
    # NULL for headings and index rows; each *_signal says what decided the value before it:
    # "credits", "marker" (trailing brackets of the title) or "heading".
    version = TextField(null=True)  # "Radio Edit", "Extended Mix", "Live", "Remix"
    version_signal = TextField(null=True)
    is_remix = BooleanField(null=True)
    remixer = TextField(null=True)
    remix_signal = TextField(null=True)
    is_live = BooleanField(null=True)
    live_signal = TextField(null=True)
    is_edit = BooleanField(null=True)
    edit_signal = TextField(null=True)

    class Meta:
        table_name = "tracks"
        indexes = ((("album", "sequence"), True),)


class YoutubeVideo(BaseModel):
    id = TextField(primary_key=True)
    title = TextField(null=True)
    url = TextField(null=True)
    # --- added by discogs-harvest
    duration_seconds = IntegerField(null=True)
    description = TextField(null=True)
    embed = BooleanField(null=True)
    # --- added by discogs-harvest: the youtube_health check (discogs_harvest/youtube/health.py).
    # Nullable so that adding them never rebuilds the desktop app's table.
    # playable, failing (failed, not confirmed yet), removed, private, embedding_disabled; NULL: never checked
    status = TextField(null=True, index=True)
    # The last check that got an answer (a transient failure does not count): what older_than reads.
    checked_at = DateTimeField(null=True, index=True)
    status_changed_at = DateTimeField(null=True)
    consecutive_failures = IntegerField(null=True, default=0)
    # When the current run of failed checks began; gone needs two failures a day apart.
    first_failure_at = DateTimeField(null=True)
    # Set when the video is confirmed gone (removed, private or embedding disabled); NULL otherwise.
    gone_at = DateTimeField(null=True)
    # What the last attempt saw (including "transient"), when, and the answer in words.
    last_result = TextField(null=True)
    last_attempt_at = DateTimeField(null=True)
    last_error = TextField(null=True)

    class Meta:
        table_name = "youtube_videos"


class AlbumVideo(BaseModel):
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE", index=False)
    video = ForeignKeyField(YoutubeVideo, column_name="video_id", on_delete="CASCADE")
    order_index = IntegerField(**sql_default(0))

    class Meta:
        table_name = "album_videos"
        primary_key = CompositeKey("album", "video")


class Seller(BaseModel):
    """A marketplace seller, as a listing's ``seller`` object describes it."""

    id = IntegerField(primary_key=True)
    username = TextField(unique=True)
    rating = FloatField(null=True)
    stars = FloatField(null=True)
    total_ratings = IntegerField(null=True)
    html_url = TextField(null=True)
    avatar_url = TextField(null=True)
    payment = TextField(null=True)
    shipping = TextField(null=True)
    min_order_total = FloatField(null=True)
    created_at = DateTimeField(**timestamp_default())
    updated_at = DateTimeField(**timestamp_default())

    class Meta:
        table_name = "sellers"


class CollectionItem(BaseModel):
    """One marketplace listing of a release by a seller."""

    id = IntegerField(primary_key=True)
    album = ForeignKeyField(Album, column_name="album_id", null=True, on_delete="SET NULL")
    seller = ForeignKeyField(Seller, column_name="seller_id", null=True)
    # The collection this row was harvested into: "inventory:<seller username>".
    collection_id = TextField(null=True, index=True)
    price = FloatField(null=True)
    currency = TextField(null=True)
    condition = TextField(null=True)
    sleeve_condition = TextField(null=True)
    notes = TextField(null=True)
    # 1 only for a listing whose status is "For Sale" and that the last complete run saw.
    is_available = BooleanField(default=True, constraints=[SQL("DEFAULT TRUE")])
    # 1 when the media condition is "Mint (M)", i.e. new/sealed stock.
    is_new = IntegerField(**sql_default(0))
    item_url = TextField(null=True)
    # --- added by discogs-harvest
    # NULL for rows the desktop app inserts itself (NULLs never clash in a unique index).
    listing_id = IntegerField(unique=True, null=True)
    # The listed release, kept even before its album is stored so the album links by SQL.
    release_id = IntegerField(null=True, index=True)
    status = TextField(null=True)
    original_price = FloatField(null=True)
    original_currency = TextField(null=True)
    shipping_price = FloatField(null=True)
    shipping_currency = TextField(null=True)
    ships_from = TextField(null=True)
    posted = TextField(null=True)  # UTC "YYYY-MM-DD HH:MM:SS" (Discogs sends a Pacific offset)
    allow_offers = BooleanField(null=True)
    first_seen_at = DateTimeField(**timestamp_default())
    last_seen_at = DateTimeField(index=True, **timestamp_default())
    # The listing's own release summary, so a listing whose release is not (yet) stored is
    # still identified: display strings as the listing sends them.
    artist = TextField(null=True)
    title = TextField(null=True)
    format = TextField(null=True)
    year = IntegerField(null=True)
    catalog_number = TextField(null=True)
    label = TextField(null=True)
    thumbnail_url = TextField(null=True)
    description = TextField(null=True)  # "Artist - Title (Format)": all older pages carry
    have_count = IntegerField(null=True)
    want_count = IntegerField(null=True)
    audio = BooleanField(null=True)
    original_shipping_price = FloatField(null=True)
    original_shipping_currency = TextField(null=True)
    # The owner's private fields, stored when the harvest's seller is the authenticated user.
    weight = FloatField(null=True)
    format_quantity = IntegerField(null=True)
    external_id = TextField(null=True)
    location = TextField(null=True)
    cost = FloatField(null=True)
    # A collection instance (the ``collection`` spider): ``collection_id`` is
    # ``collection:<user lower>/<folder id>``, ``notes`` its custom fields as JSON.
    instance_id = IntegerField(null=True)
    folder_id = IntegerField(null=True)
    rating = IntegerField(null=True)
    date_added = DateTimeField(null=True)

    class Meta:
        table_name = "collection_items"
        indexes = ((("collection_id", "instance_id"), True),)


class Genre(BaseModel):
    id = IntegerField(primary_key=True)
    name = TextField(unique=True)

    class Meta:
        table_name = "genres"


class Style(BaseModel):
    id = IntegerField(primary_key=True)
    name = TextField(unique=True)

    class Meta:
        table_name = "styles"


class AlbumGenre(BaseModel):
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE", index=False)
    genre = ForeignKeyField(Genre, column_name="genre_id", on_delete="CASCADE")
    # --- added by discogs-harvest
    # The release's order (the first genre is the main one).
    order_index = IntegerField(**sql_default(0))

    class Meta:
        table_name = "album_genres"
        primary_key = CompositeKey("album", "genre")


class AlbumStyle(BaseModel):
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE", index=False)
    style = ForeignKeyField(Style, column_name="style_id", on_delete="CASCADE")
    # --- added by discogs-harvest
    # The release's order (the first genre is the main one).
    order_index = IntegerField(**sql_default(0))

    class Meta:
        table_name = "album_styles"
        primary_key = CompositeKey("album", "style")


# --- the full release (added by discogs-harvest) ---------------------------------------
# One row per entry of a release body's lists, in the body's order (``sequence``, 0-based).
# Rows of an album are replaced whenever the release is stored again (their ids change;
# join on album_id + sequence). Track-level rows carry the ``tracks.sequence`` of their track.


class CreditColumns(BaseModel):
    """Columns of ``album_artists`` and ``album_credits`` (``artists[]``/``extraartists[]``)."""

    id = AutoField()
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE", index=False)
    # NULL: the release's own list; else the tracks.sequence of the track it belongs to.
    track_sequence = IntegerField(null=True)
    sequence = IntegerField()
    artist_id = IntegerField(null=True)  # Discogs artist id (0 for some unlinked names)
    name = TextField(null=True)  # canonical name as sent: "Wool (4)", "Persuader, The"
    anv = TextField(null=True)  # name as credited on this release
    join_text = TextField(null=True)  # what joins this artist to the next: ",", "&", "vs"
    role = TextField(null=True)  # credits: "Producer", "Written-By", "Mastered By [Lacquer Cut]"
    tracks = TextField(null=True)  # credits: which tracks ("A1 to A3, B2"); NULL for all
    # How Discogs shows it: the ANV, else the name without " (n)", "Name, The" as "The Name".
    display_name = TextField(null=True)
    thumbnail_url = TextField(null=True)


class AlbumArtist(CreditColumns):
    """The release's artists (``artists[]``) and each track's (``tracklist[].artists[]``)."""

    class Meta:
        table_name = "album_artists"
        indexes = ((("album", "track_sequence", "sequence"), False),)


class AlbumCredit(CreditColumns):
    """Credits (``extraartists[]``): producers, engineers, "Written-By"..., release and track level."""

    class Meta:
        table_name = "album_credits"
        indexes = ((("album", "track_sequence", "sequence"), False),)


class EntityColumns(BaseModel):
    """Columns of ``album_labels``, ``album_companies`` and ``album_series``."""

    id = AutoField()
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE", index=False)
    sequence = IntegerField()
    entity_id = IntegerField(null=True)  # Discogs label id
    name = TextField(null=True)  # as sent: "Ascension Records (5)"
    display_name = TextField(null=True)  # without the " (n)" suffix
    catno = TextField(null=True)  # as sent ("none" when the release has none)
    entity_type = TextField(null=True)  # "1" label, "13" phonographic copyright, ...
    entity_type_name = TextField(null=True)  # "Label", "Pressed By", "Recorded At", "Series"
    thumbnail_url = TextField(null=True)


class AlbumLabel(EntityColumns):
    class Meta:
        table_name = "album_labels"
        indexes = ((("album", "sequence"), False),)


class AlbumCompany(EntityColumns):
    class Meta:
        table_name = "album_companies"
        indexes = ((("album", "sequence"), False),)


class AlbumSeries(EntityColumns):
    class Meta:
        table_name = "album_series"
        indexes = ((("album", "sequence"), False),)


class AlbumFormat(BaseModel):
    """``formats[]``: ``{name, qty, text, descriptions}``."""

    id = AutoField()
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE", index=False)
    sequence = IntegerField()
    name = TextField(null=True)  # "Vinyl", "CD", "Box Set"
    qty = IntegerField(null=True)  # sent as a string
    text = TextField(null=True)  # free text: "Gatefold", "180g"
    descriptions = TextField(null=True)  # JSON list in the body's order: ["LP", "Album"]

    class Meta:
        table_name = "album_formats"
        indexes = ((("album", "sequence"), False),)


class AlbumIdentifier(BaseModel):
    """``identifiers[]``: barcodes, matrix/runout, label codes, rights societies..."""

    id = AutoField()
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE", index=False)
    sequence = IntegerField()
    type = TextField(null=True)  # "Barcode", "Matrix / Runout", "Label Code"
    value = TextField(null=True)
    description = TextField(null=True)  # "Side A", "Text"

    class Meta:
        table_name = "album_identifiers"
        indexes = ((("album", "sequence"), False),)


class AlbumImage(BaseModel):
    """``images[]``; the URLs are empty (NULL) without credentials, sizes are always sent."""

    id = AutoField()
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE", index=False)
    sequence = IntegerField()
    type = TextField(null=True)  # "primary" / "secondary"
    width = IntegerField(null=True)
    height = IntegerField(null=True)
    uri = TextField(null=True)
    uri150 = TextField(null=True)
    resource_url = TextField(null=True)

    class Meta:
        table_name = "album_images"
        indexes = ((("album", "sequence"), False),)


# --- what Discogs sent, kept (added by discogs-harvest) ------------------------------------


class RawBody(BaseModel):
    """Every API body the harvest received, verbatim and zlib-compressed, the latest per resource.

    ``resource`` is ``release`` (``resource_id`` the release id), ``listing`` (one listing
    object of an inventory page, by listing id) or ``inventory_page``
    (``<seller>/<status>/<page>``). ``scrapy rebuild`` derives every table from these rows
    (:mod:`discogs_harvest.rebuild`). ``fetched_at`` is when the latest body was stored,
    ``first_fetched_at`` when the first was. ``unlisted`` marks a listing that a complete
    harvest of its seller no longer saw (what ``is_available`` keeps besides the status).
    """

    id = AutoField()
    resource = TextField()
    resource_id = TextField()
    body = BlobField()
    fetched_at = DateTimeField(default=utcnow, index=True)
    first_fetched_at = DateTimeField(default=utcnow)
    unlisted = BooleanField(default=False)

    class Meta:
        table_name = "raw_bodies"
        indexes = ((("resource", "resource_id"), True),)


class PendingListing(BaseModel):
    """A listing waiting for its release (phase 2), on disk rather than in memory.

    Written by ``seller_inventory`` as each page's listings go out, for every listing whose
    release is not known yet; read back and removed when that release is fetched (or given up).
    """

    id = AutoField()  # the order listings were parked in
    listing_id = IntegerField(unique=True)
    seller = TextField(index=True)  # lower-cased username
    release_id = IntegerField(null=True, index=True)
    body = BlobField()  # the loaded listing as UTF-8 JSON (pending.encode)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "pending_listings"


# --- tables added by discogs-harvest ------------------------------------------------


class HarvestRun(BaseModel):
    """One ``scrapy crawl``: what ran, with which arguments (never secrets), and how it ended."""

    id = IntegerField(primary_key=True)
    spider = TextField()
    arguments = TextField(default="{}")  # JSON object
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    finish_reason = TextField(null=True)
    requests = IntegerField(default=0)
    items = IntegerField(default=0)
    pages_done = IntegerField(default=0)
    pages_total = IntegerField(null=True)
    releases_done = IntegerField(default=0)
    releases_to_fetch = IntegerField(null=True)
    eta_seconds = FloatField(null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "harvest_runs"


class InventoryPage(BaseModel):
    """A checkpoint: one inventory page as fetched, kept until a run of that seller finishes.

    A harvest killed mid-way replays these instead of fetching them again and carries on
    from ``next_url`` of the last one (``seller_inventory``; ``INVENTORY_RESUME_MAX_AGE_HOURS``).
    Written by the spider when it keeps the page's body (:func:`~discogs_harvest.checkpoints.keep_page`,
    ``listings_out`` false), and again by storage with the page's listings (``listings_out`` true).
    """

    seller = TextField()  # lower-cased username
    status = TextField()
    page = IntegerField()
    next_url = TextField(null=True)
    pages_total = IntegerField(null=True)
    # Empty: the page's JSON as received is kept in raw_bodies (resource ``inventory_page``,
    # ``<seller>/<status>/<page>``), where the checkpoint reads it: the spider keeps it there as
    # soon as the page is checked, storage writes it again with this row. Rows older versions
    # wrote carry it here, and are read as they are.
    body = TextField()
    fetched_at = DateTimeField(default=utcnow)
    # True once the page's listings went out, committed with this row (in collection_items, or
    # waiting in pending_listings); false while only its body is kept and they are still to go
    # out (a resumed run sends them from the body). Rows older versions wrote were all written
    # with their listings: the column is added as true for them, and is true by default for a
    # row an older version still writes without it.
    listings_out = BooleanField(default=True, constraints=[SQL("DEFAULT TRUE")])

    class Meta:
        table_name = "inventory_pages"
        indexes = ((("seller", "status", "page"), True),)


class FailedRelease(BaseModel):
    """A release that failed every retry; reported at the end, retried first by the next run."""

    release_id = IntegerField(primary_key=True)
    reason = TextField(null=True)
    attempts = IntegerField(default=1)
    first_failed_at = DateTimeField(default=utcnow)
    last_failed_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "failed_releases"


ALL_MODELS = [
    Album,
    Track,
    YoutubeVideo,
    AlbumVideo,
    Seller,
    CollectionItem,
    Genre,
    Style,
    AlbumGenre,
    AlbumStyle,
    HarvestRun,
    InventoryPage,
    FailedRelease,
    AlbumArtist,
    AlbumCredit,
    AlbumLabel,
    AlbumCompany,
    AlbumSeries,
    AlbumFormat,
    AlbumIdentifier,
    AlbumImage,
    RawBody,
    PendingListing,
]

# Tables derived from the kept bodies: what ``scrapy rebuild`` writes.
DERIVED_MODELS = [
    Album, Track, YoutubeVideo, AlbumVideo, Seller, CollectionItem, Genre, Style, AlbumGenre, AlbumStyle,
    AlbumArtist, AlbumCredit, AlbumLabel, AlbumCompany, AlbumSeries, AlbumFormat, AlbumIdentifier,
    AlbumImage,
]


class ReleaseClaim(BaseModel):
    """A harvest's claim on a release it is about to fetch, so another harvest writing to the
    same database waits for it instead of fetching it too (:mod:`discogs_harvest.claims`).
    A claim ends at ``expires_at``: a harvest that died releases its claims by expiry."""

    release_id = IntegerField(primary_key=True)
    owner = TextField()  # one harvest process: host, pid and a random part
    claimed_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)

    class Meta:
        table_name = "release_claims"


ALL_MODELS.append(ReleaseClaim)


# --- every way in (issue 13): lists and entities besides inventories -------------------------


class Want(BaseModel):
    """One release of a user's wantlist (``/users/{user}/wants``)."""

    id = AutoField()
    username = TextField()  # lower-cased
    release_id = IntegerField(index=True)
    date_added = DateTimeField(null=True)
    rating = IntegerField(null=True)
    notes = TextField(null=True)
    artist = TextField(null=True)
    title = TextField(null=True)
    year = IntegerField(null=True)
    format = TextField(null=True)
    label = TextField(null=True)
    catalog_number = TextField(null=True)
    thumbnail_url = TextField(null=True)
    fetched_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "wants"
        indexes = ((("username", "release_id"), True),)


class Label(BaseModel):
    """A label (``/labels/{id}``): profile, urls, parent and sub-labels."""

    id = IntegerField(primary_key=True)
    name = TextField(null=True)
    profile = TextField(null=True)
    contact_info = TextField(null=True)
    urls = TextField(null=True)  # JSON list
    parent_label_id = IntegerField(null=True)
    parent_label_name = TextField(null=True)
    sublabels = TextField(null=True)  # JSON list of {id, name}
    data_quality = TextField(null=True)
    web_url = TextField(null=True)
    # As albums': "api" (fetched: fetched_at set) or "dump" (imported from a monthly dump by
    # scrapy import_dump: fetched_at NULL, dump_date its YYYY-MM-DD). NULL on rows written
    # before the column existed, all fetched from the API.
    fetched_at = DateTimeField(null=True)
    source = TextField(null=True)
    dump_date = TextField(null=True)

    class Meta:
        table_name = "labels"


class Artist(BaseModel):
    """An artist (``/artists/{id}``): real name, aliases, name variations, members, groups, urls."""

    id = IntegerField(primary_key=True)
    name = TextField(null=True)
    realname = TextField(null=True)
    profile = TextField(null=True)
    urls = TextField(null=True)  # JSON list
    namevariations = TextField(null=True)  # JSON list of names
    aliases = TextField(null=True)  # JSON list of {id, name}
    members = TextField(null=True)  # JSON list of {id, name, active}
    groups = TextField(null=True)  # JSON list of {id, name, active}
    data_quality = TextField(null=True)
    web_url = TextField(null=True)
    # source, dump_date: as labels'.
    fetched_at = DateTimeField(null=True)
    source = TextField(null=True)
    dump_date = TextField(null=True)

    class Meta:
        table_name = "artists"


class Master(BaseModel):
    """A master release (``/masters/{id}``)."""

    id = IntegerField(primary_key=True)
    title = TextField(null=True)
    artist = TextField(null=True)  # credit line, as albums.artist
    main_release = IntegerField(null=True)
    most_recent_release = IntegerField(null=True)
    year = IntegerField(null=True)
    genres = TextField(null=True)  # JSON list
    styles = TextField(null=True)  # JSON list
    num_for_sale = IntegerField(null=True)
    lowest_price = FloatField(null=True)
    data_quality = TextField(null=True)
    web_url = TextField(null=True)
    # source, dump_date: as labels'.
    fetched_at = DateTimeField(null=True)
    source = TextField(null=True)
    dump_date = TextField(null=True)

    class Meta:
        table_name = "masters"


class EntityRelease(BaseModel):
    """One summary row of a label's or artist's releases or of a master's versions.

    ``source`` is ``label``, ``artist`` or ``master``; ``item_type`` ``release`` or ``master``
    (artists list masters too); ``release_id`` is the release a harvest enriches (a master's
    ``main_release``). ``role`` is an artist's role ("Main", "Remix", ...), "" elsewhere.
    """

    id = AutoField()
    source = TextField()
    source_id = IntegerField()
    item_type = TextField()
    item_id = IntegerField()
    role = TextField(default="")
    release_id = IntegerField(null=True, index=True)
    title = TextField(null=True)
    artist = TextField(null=True)
    year = IntegerField(null=True)
    released = TextField(null=True)
    format = TextField(null=True)
    label = TextField(null=True)
    catalog_number = TextField(null=True)
    country = TextField(null=True)
    status = TextField(null=True)
    have_count = IntegerField(null=True)
    want_count = IntegerField(null=True)
    thumbnail_url = TextField(null=True)
    fetched_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "entity_releases"
        indexes = ((("source", "source_id", "item_type", "item_id", "role"), True),)


class SearchResult(BaseModel):
    """One result of a database search; ``search`` is the query as ``key=value&...`` (sorted)."""

    id = AutoField()
    search = TextField()
    result_type = TextField()
    result_id = IntegerField()
    title = TextField(null=True)
    year = IntegerField(null=True)
    country = TextField(null=True)
    format = TextField(null=True)  # JSON list
    label = TextField(null=True)  # JSON list
    genre = TextField(null=True)  # JSON list
    style = TextField(null=True)  # JSON list
    catalog_number = TextField(null=True)
    barcode = TextField(null=True)  # JSON list
    master_id = IntegerField(null=True)
    have_count = IntegerField(null=True)
    want_count = IntegerField(null=True)
    web_url = TextField(null=True)
    fetched_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "search_results"
        indexes = ((("search", "result_type", "result_id"), True),)


class MarketStats(BaseModel):
    """``/marketplace/stats/{release_id}`` as taken at ``taken_at`` (the latest kept)."""

    release_id = IntegerField(primary_key=True)
    lowest_price = FloatField(null=True)
    currency = TextField(null=True)
    num_for_sale = IntegerField(null=True)
    blocked_from_sale = BooleanField(null=True)
    taken_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "marketplace_stats"


class PriceSuggestion(BaseModel):
    """``/marketplace/price_suggestions/{release_id}``: one row per condition, as taken at ``taken_at``."""

    id = AutoField()
    release_id = IntegerField()
    condition = TextField()
    value = FloatField(null=True)
    currency = TextField(null=True)
    taken_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "price_suggestions"
        indexes = ((("release_id", "condition"), True),)


# Derived from kept bodies too (``scrapy rebuild`` replays them through records.py), but filled
# only by the list spiders, so not among DERIVED_MODELS (which a seller harvest fills whole).
ENTRY_MODELS = [Want, Label, Artist, Master, EntityRelease, SearchResult, MarketStats, PriceSuggestion]
ALL_MODELS.extend(ENTRY_MODELS)


# --- the collection site (issue 18): what foreign services answered ----------------------


class EnrichmentMatch(BaseModel):
    """What a foreign service (Apple Music, Spotify, Wikipedia) answered about one release or
    artist (:mod:`discogs_harvest.enrich`): one row per service and subject, written once per
    search, so a run that stopped resumes with the subjects that have none.

    ``status`` is ``matched``, ``low_confidence`` (kept for a person to check, never shown as
    a link) or ``not_found`` (the search found nothing; ``confidence`` 0).
    """

    id = AutoField()
    service = TextField()  # "apple_music", "spotify", "wikipedia"
    subject = TextField()  # "release" or "artist"
    subject_id = TextField()  # the Discogs release or artist id
    query = TextField()  # the search as sent (term, q, or page title)
    confidence = FloatField(default=0)
    status = TextField(index=True)
    low_confidence = BooleanField(default=False)
    matched_at = DateTimeField(default=utcnow)
    external_id = TextField(null=True)  # the service's album id, or the page title
    url = TextField(null=True)  # the album's (or page's) web address
    artist = TextField(null=True)  # as the service names it
    title = TextField(null=True)
    artwork_url = TextField(null=True)  # Apple: 2000x2000; Spotify: largest; Wikipedia: page image
    notes = TextField(null=True)  # Apple's editorial notes, Wikipedia's extract

    class Meta:
        table_name = "enrichment_matches"
        indexes = ((("service", "subject", "subject_id"), True),)


ALL_MODELS.append(EnrichmentMatch)


# --- the record of change (discogs_harvest/watching.py) --------------------------------


class ListingEvent(BaseModel):
    """One change of one listing, as the run ``run_id`` saw it (never updated, never deleted).

    ``kind``: ``new`` (first seen), ``price`` (``old_price``/``new_price`` with their
    currencies), ``condition``, ``sleeve_condition``, ``comment`` (``old_value``/``new_value``),
    ``gone`` (marked unavailable by a run that proved the whole inventory), ``back`` (seen for
    sale again after being unavailable).
    """

    id = IntegerField(primary_key=True)
    listing_id = IntegerField(index=True)
    seller = TextField(index=True)  # lower-cased username
    run_id = IntegerField(null=True, index=True)  # harvest_runs.id
    kind = TextField()
    old_value = TextField(null=True)
    new_value = TextField(null=True)
    old_price = FloatField(null=True)
    new_price = FloatField(null=True)
    old_currency = TextField(null=True)
    new_currency = TextField(null=True)
    seen_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "listing_events"


class ReleaseStatsHistory(BaseModel):
    """A release's marketplace and community figures whenever a fetch found them changed."""

    id = IntegerField(primary_key=True)
    release_id = IntegerField(index=True)
    run_id = IntegerField(null=True)
    have_count = IntegerField(null=True)
    want_count = IntegerField(null=True)
    avg_rating = FloatField(null=True)
    ratings_count = IntegerField(null=True)
    lowest_price = FloatField(null=True)
    price_currency = TextField(null=True)
    num_for_sale = IntegerField(null=True)
    fetched_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "release_stats_history"


ALL_MODELS += [ListingEvent, ReleaseStatsHistory]
