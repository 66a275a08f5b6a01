"""Feed items of the list spiders: one flat item per list entry, built from the rows
:mod:`discogs_harvest.records` makes of it (so a feed column and a table column hold the same
value). Typed dataclasses with ``None`` defaults and no logic, like :mod:`discogs_harvest.items`.
"""

from dataclasses import dataclass, fields

from discogs_harvest.items import field_names


@dataclass
class CollectionEntryItem:
    collection_id: str | None = None
    instance_id: int | None = None
    folder_id: int | None = None
    release_id: int | None = None
    date_added: str | None = None
    rating: int | None = None
    notes: str | None = None  # the custom fields, JSON [{field_id, value}]
    artist: str | None = None
    title: str | None = None
    year: int | None = None
    format: str | None = None
    label: str | None = None
    catalog_number: str | None = None


@dataclass
class WantItem:
    username: str | None = None
    release_id: int | None = None
    date_added: str | None = None
    rating: int | None = None
    notes: str | None = None
    artist: str | None = None
    title: str | None = None
    year: int | None = None
    format: str | None = None
    label: str | None = None
    catalog_number: str | None = None


@dataclass
class EntityReleaseItem:
    source: str | None = None  # label, artist or master
    source_id: int | None = None
    item_type: str | None = None  # release or master
    item_id: int | None = None
    role: str | None = None
    release_id: int | None = None
    title: str | None = None
    artist: str | None = None
    year: int | None = None
    released: str | None = None
    format: str | None = None
    label: str | None = None
    catalog_number: str | None = None
    country: str | None = None
    status: str | None = None
    have_count: int | None = None
    want_count: int | None = None


@dataclass
class SearchResultItem:
    search: str | None = None
    result_type: str | None = None
    result_id: int | None = None
    title: str | None = None
    year: int | None = None
    country: str | None = None
    format: str | None = None
    label: str | None = None
    genre: str | None = None
    style: str | None = None
    catalog_number: str | None = None
    barcode: str | None = None
    master_id: int | None = None
    have_count: int | None = None
    want_count: int | None = None
    web_url: str | None = None


@dataclass
class ListingOutcomeItem:
    """What ``listing -a ids=...`` found for one listing id: ``stored``, ``gone`` (sold or
    removed: Discogs answers 404 to anyone but the seller) or ``failed``."""

    listing_id: int | None = None
    outcome: str | None = None
    status: str | None = None
    release_id: int | None = None
    price: float | None = None
    currency: str | None = None
    seller: str | None = None
    message: str | None = None


def from_row(item_class, row):
    """A feed item from a records row (columns named as the item's fields)."""
    names = {f.name for f in fields(item_class)}
    return item_class(**{name: value for name, value in row.items() if name in names})


FEED_FIELDS = {cls: field_names(cls) for cls in (CollectionEntryItem, WantItem, EntityReleaseItem, SearchResultItem,
                                                  ListingOutcomeItem)}
