"""What of Discogs' answers is deliberately not stored in a table column, and why: the one list.

Every leaf of a release body (``GET /releases/{id}``) and of an inventory page
(``GET /users/{seller}/inventory``, whose listings are also the shape of
``GET /marketplace/listings/{id}``) that no table column holds is named here by its path
(``[]`` for any entry of a list) with the reason. Everything else the API sends is stored,
value for value: ``tests/pipelines/test_field_walk.py`` walks every recorded body in
``discogs_harvest/sandbox/data`` (a copy of the shared samples) leaf by leaf and fails on a
leaf that is neither stored with its value nor listed here. The README gives the counts.

Nothing is lost either way: every body is kept whole, compressed, in ``raw_bodies``, and
``scrapy rebuild`` derives the tables from it again, so a field added to the tables later
costs no request.

``SAME_AS`` lists leaves that repeat another stored leaf of the same body; the walk checks
that they are equal.
"""

_ARTIST_URL = "the artist's API URL, https://api.discogs.com/artists/<id>: built from the stored artist_id"
_ENTITY_URL = "the label's API URL, https://api.discogs.com/labels/<id>: built from the stored entity_id"
_USER_URL = "the user's API URL, https://api.discogs.com/users/<username>: built from the stored username"
_REQUESTER = "about the account that made the request (its cart, offers, collection), not the listing"
_OWNER_ONLY = ("a private field only the seller sees in their own inventory (API_FACTS.md §4); its column "
               "comes with the owner's-inventory harvest")
_PAGING = ("paging state of one request, used while paging (and in inventory_pages until the run finishes); "
           "the page is kept whole in raw_bodies")

RELEASE_NOT_STORED = {
    "artists[].resource_url": _ARTIST_URL,
    "extraartists[].resource_url": _ARTIST_URL,
    "tracklist[].artists[].resource_url": _ARTIST_URL,
    "tracklist[].extraartists[].resource_url": _ARTIST_URL,
    "tracklist[].sub_tracks[].artists[].resource_url": _ARTIST_URL,
    "tracklist[].sub_tracks[].extraartists[].resource_url": _ARTIST_URL,
    "labels[].resource_url": _ENTITY_URL,
    "companies[].resource_url": _ENTITY_URL,
    "series[].resource_url": _ENTITY_URL,
    "master_url": "the master's API URL, https://api.discogs.com/masters/<id>: built from the stored master_id",
    "community.submitter.resource_url": _USER_URL,
    "community.contributors[].resource_url": _USER_URL,
    "community.data_quality": "the same value as data_quality (albums.data_quality)",
}

LISTING_NOT_STORED = {
    "resource_url": "the listing's API URL, https://api.discogs.com/marketplace/listings/<id>: built from listing_id",
    "in_cart": _REQUESTER,
    "offer_submitted": _REQUESTER,
    "release.stats.user.in_collection": _REQUESTER,
    "release.stats.user.in_wantlist": _REQUESTER,
    "release.resource_url": "the release's API URL, https://api.discogs.com/releases/<id>: built from release_id",
    "release.images[].type": "the release's images: stored with the release in album_images (the listing keeps "
                             "its thumbnail)",
    "release.images[].uri": "as release.images[].type",
    "release.images[].uri150": "as release.images[].type",
    "release.images[].resource_url": "as release.images[].type",
    "release.images[].width": "as release.images[].type",
    "release.images[].height": "as release.images[].type",
    "original_price.formatted": "display text of original_price and original_currency (\"$14.99\")",
    "original_price.curr_id": "Discogs' numeric id of original_currency",
    "original_shipping_price.formatted": "display text of original_shipping_price and its currency",
    "original_shipping_price.curr_id": "Discogs' numeric id of original_shipping_currency",
    "seller.uid": "the same number as seller.id (sellers.id)",
    "seller.url": _USER_URL,
    "seller.resource_url": _USER_URL,
    "seller.is_mp2020_seller": "Discogs' internal flag for its 2020 marketplace migration, not about the listing",
    "weight": _OWNER_ONLY,
    "format_quantity": _OWNER_ONLY,
    "external_id": _OWNER_ONLY,
    "location": _OWNER_ONLY,
    "estimated_weight": _OWNER_ONLY,
    "quantity": _OWNER_ONLY,
}

INVENTORY_PAGE_NOT_STORED = {
    "pagination.page": _PAGING,
    "pagination.pages": _PAGING,
    "pagination.per_page": _PAGING,
    "pagination.items": _PAGING,
    "pagination.urls.first": _PAGING,
    "pagination.urls.last": _PAGING,
    "pagination.urls.prev": _PAGING,
    "pagination.urls.next": _PAGING,
    **{f"listings[].{path}": reason for path, reason in LISTING_NOT_STORED.items()},
}

# Leaf -> the stored leaf of the same body it repeats (checked equal by the walk).
SAME_AS = {
    "community.data_quality": "data_quality",
    "seller.uid": "seller.id",
    "listings[].seller.uid": "listings[].seller.id",
}
