"""Seller inventories: listings by position, sort orders, mutations, views.

A seller is a sequence of listings in ``posted`` order (Discogs' default order,
API_FACTS.md §4). :class:`RecordedSeller` holds brotherlogic's recorded crawl;
:class:`SyntheticSeller` computes listing *i* on demand, so a seller of 100,000
listings costs nothing until its pages are asked for. Sort orders other than
``listed`` are computed once per seller and kept as an array of positions.
Mutations overlay either kind until reset: drop (a listing leaves), restore (a dropped
listing comes back), reprice, recondition, comment, and ``add`` (new listings at the newest
end of a synthetic seller). Each change made is written to the seller's ``journal``
(``GET /_sandbox/sellers/<name>/changes``): the sandbox's own record of what changed, in the
harvester's words (``new``, ``price``, ``condition``, ``comment``, ``gone``, ``back``),
which tests compare with ``listing_events``.

Views: ``owner`` sees everything; ``user`` (any other client) loses the owner-only
keys; ``anon`` also loses image URLs (API_FACTS.md §2, §4).

Statuses: every listing is ``For Sale`` except in a *mixed* synthetic seller
(``shop-<N>-<M>``), whose listings are spread over every inventory status (``STATUS_MIX``)
with owner-only fields filled in (``external_id``, ``location``): an owner's whole inventory.
Only the owner sees listings that are not For Sale.
"""

import json
import math
import zlib
from array import array
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from discogs_harvest.sandbox import generator as gen

OWNER_KEYS = ("weight", "format_quantity", "external_id", "location", "quantity")
SORTS = ("listed", "price", "item", "artist", "label", "catno", "audio")
OWNER_SORTS = ("status", "location")
CURRENCIES = {"USD": (1, "$"), "GBP": (2, "£"), "EUR": (3, "€")}
MEDIA = [("Near Mint (NM or M-)", 50), ("Very Good Plus (VG+)", 30), ("Very Good (VG)", 9), ("Mint (M)", 6),
         ("Good Plus (G+)", 4), ("Good (G)", 1)]
CONDITIONS = gen.Weighted(MEDIA)
SLEEVES = gen.Weighted(MEDIA + [("Generic", 3), ("Not Graded", 2), ("No Cover", 1)])
COMMENTS = ["", "", "", "Sealed", "B&amp;W inner sleeve with photos.", "Light ring wear, plays great.",
            "Small seam split &amp; price sticker.", "Promo stamp on back cover."]
START = datetime(2015, 1, 1, tzinfo=timezone.utc)
FOR_SALE = "For Sale"
# Share (in %) of each status in a mixed seller's inventory.
STATUS_MIX = (("For Sale", 70), ("Sold", 12), ("Draft", 6), ("Expired", 5), ("Deleted", 3), ("Suspended", 2),
              ("Violation", 2))
FRAGMENT_CACHE = 20_000  # serialised listings kept per seller: a non-owner's 10,000, two views

core_of = lru_cache(maxsize=20_000)(gen.synthetic_core)
dumps = json.JSONEncoder(check_circular=False).encode  # ensure_ascii, ", " and ": ": as Discogs sends


class LRU(OrderedDict):
    """A least-recently-used cache of ``capacity`` entries."""

    def __init__(self, capacity: int):
        super().__init__()
        self.capacity = capacity

    def get_or_make(self, key, make):
        try:
            self.move_to_end(key)
            return self[key]
        except KeyError:
            value = self[key] = make()
            if len(self) > self.capacity:
                self.popitem(last=False)
            return value


def strip_images(release: dict) -> dict:
    """Image URLs become "" without credentials; sizes stay."""
    out = dict(release)
    for key in ("thumb", "thumbnail"):
        if key in out:
            out[key] = ""
    if "images" in out:
        out["images"] = [{**image, "uri": "", "resource_url": "", "uri150": ""} for image in out["images"]]
    return out


def view_of(listing: dict, view: str) -> dict:
    if view == "owner":
        return listing
    out = {key: value for key, value in listing.items() if key not in OWNER_KEYS}
    if view == "anon":
        out["release"] = strip_images(out["release"])
    return out


def sort_value(listing: dict, release: dict, sort: str):
    if sort == "price":
        return listing["price"]["value"]
    if sort in ("item", "artist", "label", "catno"):
        field = {"item": "title", "catno": "catalog_number"}.get(sort, sort)
        return (release.get(field) or "").lower()
    return str(listing.get(sort, ""))


def money(currency: str, value: float) -> dict:
    curr_id, symbol = CURRENCIES.get(currency, (1, "$"))
    return {"curr_abbr": currency, "curr_id": curr_id, "formatted": f"{symbol}{value:,.2f}", "value": value}


class Seller:
    name: str  # canonical username
    size: int

    mixed = False  # listings in every status (see STATUS_MIX), or all For Sale

    def __init__(self):
        self.dropped: set[int] = set()
        self.reprice: dict[int, float] = {}
        self.edits: dict[int, dict] = {}  # index -> {"condition": ..., "comments": ...}
        self.journal: list[dict] = []  # what mutate changed, in order (see the module docstring)
        self._orders: dict = {}
        self._fragments = LRU(FRAGMENT_CACHE)

    # --- what subclasses provide ---
    def listing_id(self, index: int) -> int: ...
    def index_of(self, listing_id: int) -> int | None: ...
    def release_id(self, index: int) -> int: ...
    def _listing(self, index: int) -> dict: ...

    def status(self, index: int) -> str:
        return FOR_SALE

    def _sort_keys(self, indexes, sort: str) -> list:
        keys = []
        for index in indexes:
            listing = self.listing(index)
            keys.append(sort_value(listing, listing["release"], sort))
        return keys

    # --- shared behaviour ---
    def listing(self, index: int) -> dict:
        listing = self._listing(index)
        if index in self.edits:
            listing = {**listing, **self.edits[index]}
        if index in self.reprice:
            value = self.reprice[index]
            currency = listing["price"]["currency"]
            listing = {**listing, "price": {**listing["price"], "value": value},
                       "original_price": {**listing["original_price"], **money(currency, value)}}
        return listing

    def order(self, sort: str = "listed", descending: bool = False, status: str | None = None):
        """Listing positions in the requested order, dropped listings left out; with ``status``,
        only listings in that status (a mixed seller's; every other listing is For Sale)."""
        if status is not None and not self.mixed:
            return self.order(sort, descending) if status == FOR_SALE else ()
        key = (sort, descending, status)
        if key not in self._orders:
            if status is not None:
                order = array("q", (i for i in self.order(sort, descending) if self.status(i) == status))
            elif sort == "listed" and not self.dropped:
                order = range(self.size - 1, -1, -1) if descending else range(self.size)
            else:
                kept = [i for i in range(self.size) if i not in self.dropped]
                if sort != "listed":
                    keys = self._sort_keys(kept, sort)
                    kept = [i for _, i in sorted(zip(keys, kept))]
                order = array("q", reversed(kept) if descending else kept)
            self._orders[key] = order
        return self._orders[key]

    def fragment(self, index: int, view: str) -> bytes:
        """One listing serialised for ``view``, cached: pages are joined from these."""
        return self._fragments.get_or_make((index, view), lambda: dumps(view_of(self.listing(index), view)).encode())

    def mutate(self, drop=(), reprice=None, restore=(), recondition=None, comment=None, add=0) -> dict:
        """Change the inventory; every change lands in :attr:`journal`. Unknown ids are returned."""
        unknown = []

        def each(ids):
            for listing_id in ids:
                index = self.index_of(int(listing_id))
                if index is None:
                    unknown.append(listing_id)
                else:
                    yield int(listing_id), index

        for listing_id, index in each(drop):
            if index not in self.dropped:
                self.dropped.add(index)
                self._note("gone", listing_id)
        for listing_id, index in each(restore):
            if index in self.dropped:
                self.dropped.discard(index)
                self._note("back", listing_id)
        for listing_id, index in each((reprice or {}).keys()):
            value = float(reprice[str(listing_id)] if str(listing_id) in reprice else reprice[listing_id])
            before = self.listing(index)["price"]
            if before["value"] != value:
                self._note("price", listing_id, before["value"], value, before["currency"])
            self.reprice[index] = value
            self._forget(index)
        for field, kind, changes in (("condition", "condition", recondition), ("comments", "comment", comment)):
            for listing_id, index in each((changes or {}).keys()):
                value = changes[str(listing_id)] if str(listing_id) in changes else changes[listing_id]
                before = self.listing(index)[field]
                if before != value:
                    self._note(kind, listing_id, before, value)
                self.edits.setdefault(index, {})[field] = value
                self._forget(index)
        if add:
            for listing_id in self.grow(int(add)):
                self._note("new", listing_id)
        self._orders.clear()
        return {"seller": self.name, "items": self.size - len(self.dropped), "dropped": len(self.dropped),
                "repriced": len(self.reprice), "unknown": unknown}

    def grow(self, count: int) -> list:
        raise ValueError(f"seller {self.name} is recorded: listings cannot be added")

    def _note(self, kind, listing_id, old=None, new=None, currency=None):
        self.journal.append({"kind": kind, "listing_id": listing_id, "old": old, "new": new, "currency": currency})

    def reset(self) -> None:
        """Undo mutations; caches of what never changed survive (e.g. a ``--warm`` start)."""
        if self.dropped or self.reprice or self.edits:
            self._orders.clear()
        for index in [*self.reprice, *self.edits]:
            self._forget(index)
        self.dropped.clear()
        self.reprice.clear()
        self.edits.clear()
        self.journal.clear()

    def _forget(self, index: int) -> None:
        for view in ("owner", "user", "anon"):
            self._fragments.pop((index, view), None)


class RecordedSeller(Seller):
    def __init__(self, name: str, listings: list[dict]):
        super().__init__()
        self.name, self.size = name, len(listings)
        self._listings = listings
        self._index = {listing["id"]: i for i, listing in enumerate(listings)}

    def listing_id(self, index):
        return self._listings[index]["id"]

    def index_of(self, listing_id):
        return self._index.get(listing_id)

    def release_id(self, index):
        return self._listings[index]["release"]["id"]

    def _listing(self, index):
        return self._listings[index]


class SyntheticSeller(Seller):
    """``size`` listings over ``releases`` distinct releases from id ``SYNTHETIC_BASE + shift``."""

    def __init__(self, name: str, size: int, releases: int, shift: int = 0, currency: str | None = None,
                 ships_from: str | None = None, mixed: bool = False):
        super().__init__()
        self.name, self.size, self.mixed = name, size, mixed
        self.base_size = size  # listings added by mutate(add=) are forgotten on reset
        self.releases, self.shift = max(1, min(releases, size)), shift
        seed = zlib.crc32(name.lower().encode())
        self._key = name.lower()
        self.base_id = 4_000_000_000 + (seed % 100_000) * 10_000_000
        r = gen.rng("seller", self._key)
        self._stride = next(a for a in range(seed % self.releases or 1, 10**9) if math.gcd(a, self.releases) == 1)
        self._offset = r.randrange(self.releases)
        self._step = max(60, min(6 * 3600, 9 * 365 * 86400 // max(1, size)))
        self.currency = currency or gen.Weighted({"USD": 6, "EUR": 3, "GBP": 1})(r)
        self.ships_from = ships_from or r.choice(["United States", "Germany", "United Kingdom", "Colombia", "Spain"])
        uid = 1_000_000 + seed % 9_000_000
        self.seller_info = {
            "id": uid, "username": name,
            "avatar_url": f"https://i.discogs.com/{seed:08x}/rs:fill/g:sm/q:40/h:500/w:500/avatar.jpeg",
            "stats": {"rating": f"{r.uniform(97, 100):.1f}", "stars": r.choice((4.5, 5.0)),
                      "total": r.randint(10, 5000)},
            "min_order_total": r.choice((0.0, 5.0, 9.99)), "html_url": f"https://www.discogs.com/user/{name}",
            "uid": uid, "url": f"https://api.discogs.com/users/{name}", "payment": "PayPal Commerce",
            "shipping": "Records ship in sturdy mailers.\r\nCombined shipping &amp; discounts on request.",
            "resource_url": f"https://api.discogs.com/users/{name}"}

    def grow(self, count):
        """``count`` new listings, posted after every other (the newest end of ``listed``)."""
        first, self.size = self.size, self.size + count
        self._orders.clear()
        return [self.listing_id(index) for index in range(first, self.size)]

    def reset(self):
        if self.size != self.base_size:
            self._orders.clear()
            for index in range(self.base_size, self.size):
                self._forget(index)
            self.size = self.base_size
        super().reset()

    def listing_id(self, index):
        return self.base_id + index

    def index_of(self, listing_id):
        index = listing_id - self.base_id
        return index if 0 <= index < self.size else None

    def release_id(self, index):
        return gen.SYNTHETIC_BASE + self.shift + (self._stride * (index % self.releases) + self._offset) % self.releases

    def status(self, index) -> str:
        if not self.mixed:
            return FOR_SALE
        point = zlib.crc32(f"{self._key}:{index}:status".encode()) % 100
        for status, share in STATUS_MIX:
            if point < share:
                return status
            point -= share
        return FOR_SALE

    def price(self, index) -> float:
        spread = zlib.crc32(f"{self._key}:{index}:price".encode()) % 10_000 / 10_000
        return round(math.exp(1.0 + 3.6 * spread), 2)

    def _sort_keys(self, indexes, sort):
        if sort == "audio":  # no synthetic listing has audio: one key, so the index order stays
            return [False] * len(indexes)
        if sort == "price":
            return [self.reprice[i] if i in self.reprice else self.price(i) for i in indexes]
        if sort in ("item", "artist", "label", "catno"):
            field = {"item": "title", "catno": "catalog_number"}.get(sort, sort)
            by_release = {}
            for i in range(self.releases):
                release_id = self.release_id(i)
                by_release[release_id] = gen.sort_fields(release_id)[field].lower()
            return [by_release[self.release_id(i)] for i in indexes]
        return super()._sort_keys(indexes, sort)

    def _listing(self, index):
        listing_id, r = self.listing_id(index), gen.rng(self._key, index)
        core = core_of(self.release_id(index))
        value = self.price(index)
        posted = START + timedelta(seconds=index * self._step + r.randrange(self._step))
        offset = timedelta(hours=-7 if 3 <= posted.month <= 10 else -8)
        shipping = round(r.choice((3.5, 4.0, 5.0, 6.5)), 2) if r.random() < 0.7 else None
        listing = {
            "id": listing_id, "resource_url": f"https://api.discogs.com/marketplace/listings/{listing_id}",
            "uri": f"https://www.discogs.com/sell/item/{listing_id}", "status": self.status(index),
            "condition": CONDITIONS(r), "sleeve_condition": SLEEVES(r),
            "comments": r.choice(COMMENTS), "ships_from": self.ships_from,
            "posted": (posted + offset).replace(tzinfo=timezone(offset)).isoformat(),
            "allow_offers": r.random() < 0.4, "offer_submitted": False, "audio": False,
            "price": {"value": value, "currency": self.currency}, "original_price": money(self.currency, value),
            "shipping_price": {"value": shipping, "currency": self.currency} if shipping else {},
            "original_shipping_price": money(self.currency, shipping) if shipping else {},
            "seller": self.seller_info, "release": gen.listing_release(core), "in_cart": False,
            "weight": float(60 + 170 * (1 if '"' in core["format"] else 2)),
            "format_quantity": 1, "external_id": f"SKU-{index:06d}" if self.mixed else "",
            "location": f"Shelf {r.randint(1, 40)}", "quantity": 1}
        return listing
