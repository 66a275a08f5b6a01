"""Rows of the owner's inventory export CSV, as the listing objects the API pages hold.

One mapping per record: an export row is turned into the shape of an inventory page's
``listings[]`` entry (API_FACTS.md §4) and goes through :func:`discogs_harvest.loaders.load_listing`
like every paged listing, so both roads reach ``collection_items`` through the same code.

The export's columns are not recorded (API_FACTS.md §4: "map by header name"). Columns are
looked up by lower-cased header name, with the names of Discogs' inventory upload CSV
(``release_id``, ``price``, ``media_condition``, ``sleeve_condition``, ``comments``,
``accept_offer``, ``external_id``, ``weight``, ``format_quantity``, ``location``) and a few
aliases; a column that is missing leaves its field empty. What an export row cannot carry
(the seller object, ``ships_from``, the currency when there is no column for it) comes from
``sample``: one listing of the same owner's inventory page.
"""

import csv
import io

ALIASES = {
    "listing_id": ("listing_id", "listing id", "id"),
    "release_id": ("release_id", "release id"),
    "artist": ("artist",),
    "title": ("title",),
    "format": ("format",),
    "catno": ("catno", "catalog_number", "catalog#"),
    "status": ("status",),
    "price": ("price",),
    "currency": ("currency",),
    "shipping_price": ("shipping_price", "flat_shipping"),
    "listed": ("listed", "posted", "date"),
    "comments": ("comments",),
    "media_condition": ("media_condition", "condition"),
    "sleeve_condition": ("sleeve_condition",),
    "accept_offer": ("accept_offer", "allow_offers"),
    "external_id": ("external_id",),
    "weight": ("weight",),
    "format_quantity": ("format_quantity",),
    "location": ("location",),
    "cost": ("cost",),
}
YES = ("y", "yes", "true", "1")


class ExportError(ValueError):
    """The CSV is not an inventory export (no listing id or release id column)."""


def read_rows(text):
    """The CSV's rows as dicts keyed by our column names (see ``ALIASES``)."""
    reader = csv.DictReader(io.StringIO(text))
    headers = {(name or "").strip().lower(): name for name in reader.fieldnames or ()}
    columns = {ours: next((headers[a] for a in aliases if a in headers), None) for ours, aliases in ALIASES.items()}
    if columns["listing_id"] is None or columns["release_id"] is None:
        raise ExportError(f"no listing_id/release_id column among {sorted(headers)}")
    for row in reader:
        yield {ours: (row.get(theirs) if theirs else None) for ours, theirs in columns.items()}


def blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


# collection_items columns an export CSV has no field for (the release summary beyond artist, title,
# format and catno; the listing's community counts, audio flag and original shipping price): an
# export run leaves them NULL where a paging run fills them from the inventory page.
EXPORT_LACKS = ("audio", "description", "have_count", "label", "original_shipping_currency",
                "original_shipping_price", "thumbnail_url", "want_count", "year")


def listing_from_row(row, sample=None):
    """One export row as an API listing object (``load_listing`` reads it)."""
    sample = sample or {}
    currency = row["currency"] or ((sample.get("price") or {}).get("currency"))
    listing = {
        "id": row["listing_id"],
        "uri": f"https://www.discogs.com/sell/item/{row['listing_id']}",
        "status": row["status"],
        "condition": row["media_condition"],
        "sleeve_condition": row["sleeve_condition"],
        "comments": row["comments"],
        "ships_from": sample.get("ships_from"),
        "posted": row["listed"],
        "allow_offers": None if blank(row["accept_offer"]) else row["accept_offer"].strip().lower() in YES,
        "price": {"value": row["price"], "currency": currency},
        # The owner's own listing: the price is in the owner's currency, as listed.
        "original_price": {"value": row["price"], "curr_abbr": currency},
        "shipping_price": {} if blank(row["shipping_price"]) else {"value": row["shipping_price"],
                                                                   "currency": currency},
        "release": {"id": row["release_id"], "artist": row["artist"], "title": row["title"],
                    "format": row["format"], "catalog_number": row["catno"]},
        "seller": sample.get("seller"),
    }
    for name in ("weight", "format_quantity", "external_id", "location", "cost"):
        listing[name] = row[name]
    return listing
