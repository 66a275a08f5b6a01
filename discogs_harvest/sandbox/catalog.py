"""What the sandbox serves, as bytes, without any HTTP: the app routes to these.

- Sellers: ``brotherlogic`` (recorded crawl), ``SecretSpot.Records`` (1,200 listings
  over 900 Latin-heavy releases), ``synthetic-<N>-<M>[-<K>]`` (N listings over M
  releases with ids from 90,000,000 + K). Names are case-insensitive.
- Releases: recorded ones as recorded; brotherlogic's (never recorded) grown from
  their listing summaries; synthetic ones from their id. Anything else is 404.
- Inventory pages per API_FACTS.md §3, §4: per_page default 50, clamped to 100;
  ``urls`` only where they apply; 422 on an unknown status; 403 above page 100 for
  anyone but the owner while ``pages``/``items`` report the full size.
- Collections, wantlists, label/artist/master lists, search and marketplace figures:
  :mod:`discogs_harvest.sandbox.lists`.

Errors are raised as :class:`ApiError` carrying the recorded message text.
"""

import json
import math
import re
from urllib.parse import urlencode

from discogs_harvest.sandbox import generator as gen
from discogs_harvest.sandbox.lists import Lists
from discogs_harvest.sandbox.recorded import Recorded
from discogs_harvest.sandbox.sellers import (LRU, OWNER_SORTS, SORTS, RecordedSeller, SyntheticSeller, core_of,
                                             dumps, strip_images, view_of)

STATUSES = ("All", "Deleted", "Draft", "Expired", "For Sale", "Sold", "Suspended", "Violation")
VISIBLE = (None, "All", "For Sale")  # what a non-owner may ask for: it sees For Sale listings only
SYNTHETIC = re.compile(r"^(synthetic|shop)-(\d+)-(\d+)(?:-(\d+))?$", re.IGNORECASE)
MAX_LISTINGS = 10_000_000  # listing ids are allotted in blocks of this size
PAGE_CAP = 100  # pages a non-owner may read (API_FACTS.md §3)
RELEASE_CACHE = 20_000  # serialised release bodies, about 4 kB each
ENTITIES = {"masters": "404_master_not_found", "artists": "404_artist_not_found", "labels": "404_label_not_found"}


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message

    def body(self) -> bytes:
        return json.dumps({"message": self.message}).encode()


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def page_urls(base: str, query: list, page: int, pages: int) -> dict:
    """Absolute URLs echoing the request's query, with only the keys that apply."""
    params = [(k, v) for k, v in query if k != "page"]

    def url(n):
        return f"{base}?{urlencode(params + [('page', n)])}"

    if pages <= 1:
        return {}
    if page == 1:
        return {"last": url(pages), "next": url(2)}
    if page >= pages:
        return {"first": url(1), "prev": url(page - 1)}
    return {"first": url(1), "prev": url(page - 1), "next": url(page + 1), "last": url(pages)}


class Catalog:
    def __init__(self, recorded: Recorded | None = None):
        self.recorded = recorded or Recorded.load()
        self.messages = self.recorded.messages
        self._sellers = {"brotherlogic": RecordedSeller("BrotherLogic", self.recorded.inventory)}
        self.seller("SecretSpot.Records")
        listings = self.recorded.inventory + list(self.recorded.marketplace_listings.values())
        self.summaries = {l["release"]["id"]: l["release"] for l in listings
                          if l["release"]["id"] not in self.recorded.releases}
        self._releases = LRU(RELEASE_CACHE)
        self.lists = Lists(self.release_exists)
        self.summaries.update({release_id: summary for release_id, summary in self.lists.summaries().items()
                               if release_id not in self.recorded.releases and release_id not in self.summaries})

    def not_found(self) -> ApiError:
        return ApiError(404, self.messages["release_2331612_requested_resource_not_found"])

    def seller(self, username: str):
        key = username.lower()
        if key not in self._sellers:
            match = SYNTHETIC.match(key)
            if key == "secretspot.records":
                self._sellers[key] = SyntheticSeller("SecretSpot.Records", 1200, 900, 8_000_000, "USD", "Colombia")
            elif match:
                size, releases, shift = (int(g or 0) for g in match.groups()[1:])
                if size > MAX_LISTINGS or gen.SYNTHETIC_BASE + shift + min(size, releases) > gen.SYNTHETIC_END:
                    raise self.not_found()
                self._sellers[key] = SyntheticSeller(key, size, releases, shift, mixed=match.group(1) == "shop")
            else:
                raise self.not_found()
        return self._sellers[key]

    def reset(self) -> None:
        for seller in self._sellers.values():
            seller.reset()

    def inventory(self, username: str, query: list, base: str, user: str | None, authed: bool) -> bytes:
        seller = self.seller(username)
        params = dict(query)
        status = params.get("status")
        if status is not None and status not in STATUSES:
            raise ApiError(422, self.messages["422_inventory_invalid_status"])
        owner = user is not None and user.lower() == seller.name.lower()
        view = "owner" if owner else "user" if authed else "anon"
        sort = params.get("sort", "listed")
        if sort not in SORTS + (OWNER_SORTS if owner else ()):
            sort = "listed"
        # Only the owner sees listings that are not For Sale (API_FACTS.md §4).
        shown = status if owner and status not in (None, "All") else None if owner else "For Sale"
        order = seller.order(sort, params.get("sort_order", "").lower() == "desc", shown)
        if not owner and status not in VISIBLE:
            order = ()
        per_page = min(100, max(1, _int(params.get("per_page"), 50)))
        page = _int(params.get("page"), 1)
        pages = max(1, math.ceil(len(order) / per_page))
        if not 1 <= page <= pages:
            raise ApiError(404, f"Page {page} is outside of valid range [1, {pages}].")
        if page > PAGE_CAP and not owner:
            raise ApiError(403, self.messages["403_inventory_pagination_above_100.RECONSTRUCTED"])
        pagination = {"page": page, "pages": pages, "per_page": per_page, "items": len(order),
                      "urls": page_urls(base, query, page, pages)}
        rows = order[(page - 1) * per_page:page * per_page]
        return b"".join((b'{"pagination": ', json.dumps(pagination).encode(), b', "listings": [',
                         b", ".join(seller.fragment(i, view) for i in rows), b"]}"))

    def release(self, release_id: int, authed: bool) -> bytes:
        return self._releases.get_or_make((release_id, authed), lambda: self._release(release_id, authed))

    def _release(self, release_id: int, authed: bool) -> bytes:
        if release_id in self.recorded.releases:
            body = (self.recorded.releases if authed else self.recorded.releases_anon)[release_id]
        elif release_id in self.summaries:
            body = gen.release_body(gen.core_from_summary(self.summaries[release_id]))
        elif gen.SYNTHETIC_BASE <= release_id < gen.SYNTHETIC_END:
            body = gen.release_body(core_of(release_id))
        else:
            raise ApiError(404, self.messages["404_release_not_found"])
        return dumps(body if authed else strip_images(body)).encode()

    def warm(self, username: str, view: str = "user") -> int:
        """Serialise what a non-owner can reach of a seller (first 10,000 listings, their
        releases) ahead of time, so a benchmark measures the harvester, not the generator."""
        seller = self.seller(username)
        indexes = seller.order()[:PAGE_CAP * 100]
        for index in indexes:
            seller.fragment(index, view)
            self.release(seller.release_id(index), view != "anon")
        return len(indexes)

    def listing(self, listing_id: int, user: str | None, authed: bool) -> bytes:
        view = "user" if authed else "anon"
        recorded = self.recorded.marketplace_listings.get(listing_id)
        if recorded is not None:
            owner = user is not None and user.lower() == recorded["seller"]["username"].lower()
            if recorded["status"] != "For Sale" and not owner:
                raise self.not_found()
            return json.dumps(view_of(recorded, "owner" if owner else view)).encode()
        for seller in self._sellers.values():
            index = seller.index_of(listing_id)
            owner = user is not None and user.lower() == seller.name.lower()
            if index is not None and index not in seller.dropped and (owner or seller.status(index) == "For Sale"):
                return json.dumps(view_of(seller.listing(index), "owner" if owner else view)).encode()
        raise self.not_found()

    def release_exists(self, release_id: int) -> bool:
        return (release_id in self.recorded.releases or release_id in self.summaries
                or gen.SYNTHETIC_BASE <= release_id < gen.SYNTHETIC_END)

    def entity(self, kind: str, entity_id: int, authed: bool) -> bytes:
        body = getattr(self.recorded, kind).get(entity_id) or self.lists.entity(kind, entity_id)
        if body is None:
            raise ApiError(404, self.messages[ENTITIES[kind]])
        return json.dumps(body if authed else strip_images(body)).encode()

    def identity(self, user: str | None) -> bytes:
        if user is None:
            raise ApiError(401, self.messages["401_must_authenticate"])
        return json.dumps({"id": gen.entity_id("user", user), "username": user,
                           "resource_url": f"https://api.discogs.com/users/{user}",
                           "consumer_name": "discogs-harvest sandbox"}).encode()
