"""The SQLite schema, as peewee models.

Table and column names up to the ``# --- added`` marker in each model are a contract
with the desktop app that reads the same file: never rename them. Columns after the
marker, and the tables marked as added, are ours.

Models are bound to :data:`database_proxy`; :func:`discogs_harvest.database.open_database`
initialises it late from ``DATABASE_URL`` (peewee docs, "Dynamically defining a database").
"""

import datetime

from peewee import (
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
    """Naive UTC, stored by peewee as ``YYYY-MM-DD HH:MM:SS.ffffff`` (sortable text)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def sql_default(value):
    """A default in the DDL too (``DEFAULT 0``), for the desktop app's own inserts."""
    return {"default": value, "constraints": [SQL(f"DEFAULT {value}")]}


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
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    # --- added by discogs-harvest
    api_url = TextField(null=True)
    released = TextField(null=True)
    price_currency = TextField(null=True)
    num_for_sale = IntegerField(null=True)
    data_quality = TextField(null=True)
    master_id = IntegerField(null=True)
    # When the release body was last fetched from the API: what staleness reads.
    fetched_at = DateTimeField(null=True, index=True)

    class Meta:
        table_name = "albums"


class Track(BaseModel):
    id = IntegerField(primary_key=True)
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE", backref="tracks")
    position = TextField(null=True)
    title = TextField()
    duration = TextField(null=True)
    side = TextField(null=True)
    # --- added by discogs-harvest
    duration_seconds = IntegerField(null=True)
    # Order within the release (tracklist order, index tracks flattened).
    sequence = IntegerField(default=0)
    artist = TextField(null=True)

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
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE")
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
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

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
    is_available = BooleanField(default=True)
    # 1 when the media condition is "Mint (M)", i.e. new/sealed stock.
    is_new = IntegerField(default=0)
    item_url = TextField(null=True)
    # --- added by discogs-harvest
    listing_id = IntegerField(unique=True)
    # The listed release, kept even before its album is stored so the album links by SQL.
    release_id = IntegerField(null=True, index=True)
    status = TextField(null=True)
    original_price = FloatField(null=True)
    original_currency = TextField(null=True)
    shipping_price = FloatField(null=True)
    shipping_currency = TextField(null=True)
    ships_from = TextField(null=True)
    posted = TextField(null=True)
    allow_offers = BooleanField(null=True)
    first_seen_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow, index=True)
    # The owner's private fields, stored when the harvest's seller is the authenticated user.
    weight = FloatField(null=True)
    format_quantity = IntegerField(null=True)
    external_id = TextField(null=True)
    location = TextField(null=True)
    cost = FloatField(null=True)

    class Meta:
        table_name = "collection_items"


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
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE")
    genre = ForeignKeyField(Genre, column_name="genre_id", on_delete="CASCADE")

    class Meta:
        table_name = "album_genres"
        primary_key = CompositeKey("album", "genre")


class AlbumStyle(BaseModel):
    album = ForeignKeyField(Album, column_name="album_id", on_delete="CASCADE")
    style = ForeignKeyField(Style, column_name="style_id", on_delete="CASCADE")

    class Meta:
        table_name = "album_styles"
        primary_key = CompositeKey("album", "style")


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
    """

    seller = TextField()  # lower-cased username
    status = TextField()
    page = IntegerField()
    next_url = TextField(null=True)
    pages_total = IntegerField(null=True)
    body = TextField()  # the page's JSON as received
    fetched_at = DateTimeField(default=utcnow)

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
