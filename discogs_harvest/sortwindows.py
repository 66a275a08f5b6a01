"""Past the 10,000-listing cap: which sort order's page adds the most unseen listings.

Discogs serves only pages 1-100 of another seller's inventory, per query (API_FACTS.md §3,
§4: 403 "Pagination above 100 disabled for inventories besides your own"), while
``pagination.items`` reports the full size. Each sort order (``sort`` x ``sort_order``) is its
own query with its own first 10,000 listings, so paging several orders reaches more of a big
inventory (joalla/discogs_client issue #47 reports 73,021 of 98,590 reached that way).

:class:`SortWindows` is a pure policy (no crawler, no HTTP): the spider tells it what each
page showed (:meth:`SortWindows.observe`, the raw listing objects) and asks which page to
fetch next (:meth:`SortWindows.next_page`). It is greedy, one page at a time, and counts
instead of guessing where it can:

- ``listed desc`` is the reverse of ``listed asc`` (Discogs' default order), so its pages
  hold only unseen listings until they meet what ``listed asc`` reached: it is paged from
  page 1 until a page adds nothing.
- The keyed orders (``price``, ``item``, ``artist``, ``label``, ``catno``, ``audio``) sort by a
  value every listing carries (its price, its release's title, artist, label, catalog number,
  its audio flag), ties in listing id order (:func:`sort_key`). Every listing seen is
  remembered by its key, so once a page of an order is fetched, the number of listings before
  it in that order that were *not* seen is its position minus the seen listings ranked before
  it. An order's first request is its page 100 (its window's end): that gives the exact
  number of unseen listings in pages 1-99. Between two fetched pages the difference of those
  numbers is how many unseen listings lie in the pages between; a stretch with none is never
  requested, a stretch with some is split at its middle page. The next request is the page
  with the most unseen listings per page expected, over every order.
- A fetched page whose own listings contradict the counting (a seen listing ranks inside it
  but is not on it: Discogs collates differently than :func:`sort_key`, or the inventory
  moved) makes its order *opaque*: it is then paged from page 1 on and valued by what its
  last page added, like an order never counted.
- Paging ends when every listing announced is seen, or when no order is expected to add
  :data:`MIN_NEW_PER_PAGE` listings a page.

Owner-only sorts (``status``, ``location``: API_FACTS.md §4) are used only for the owner,
who is not capped anyway. :func:`judge_union` says whether the union of every order's pages
proves the whole inventory (the only ground for calling a listing gone).
"""

import bisect
from dataclasses import dataclass, field

from discogs_harvest.completeness import MIN_SLACK, Verdict, slack

SORTS = ("listed", "price", "item", "artist", "label", "catno", "audio", "status", "location")
OWNER_ONLY = frozenset({"status", "location"})
FIRST = ("listed", "asc")  # the order the spider pages first (Discogs' default)
MIRROR = ("listed", "desc")
# The listing's own value each keyed sort orders by (API_FACTS.md §4: item is the release title).
RELEASE_FIELDS = {"item": "title", "artist": "artist", "label": "label", "catno": "catalog_number"}
KEYED = ("price", "item", "artist", "label", "catno", "audio")
# Below this many new listings expected per page, another request is not worth its budget.
MIN_NEW_PER_PAGE = 1.0


def order_name(order):
    """``("price", "desc")`` -> ``"price-desc"`` (stats keys, logs, PageSeen.order)."""
    return f"{order[0]}-{order[1]}"


def sort_key(listing, sort):
    """``(value, listing id)`` by which ``sort`` ranks a raw listing object, ascending."""
    if sort == "price":
        value = float((listing.get("price") or {}).get("value") or 0)
    elif sort == "audio":
        value = bool(listing.get("audio"))
    else:
        value = str((listing.get("release") or {}).get(RELEASE_FIELDS[sort]) or "").casefold()
    return value, listing.get("id")


@dataclass
class Window:
    """What one sort order has shown so far."""

    order: tuple
    next_page: int = 1
    done: bool = False
    opaque: bool = False  # not counted: paged in sequence (listed orders, or a contradiction seen)
    requests: int = 0
    added: int = 0
    wasted: int = 0  # pages that added nothing
    zeros: int = 0  # pages in a row that added nothing
    last_share: float | None = None  # share of its last page that was unseen
    unseen_then: float | None = None  # the unseen share of the inventory at that moment
    anchors: dict = field(default_factory=dict)  # page -> (first key, last key) of a fetched page


@dataclass
class SortWindows:
    """The greedy choice of sort-order pages past the cap (see the module docstring)."""

    items: int  # pagination.items, as last reported
    max_pages: int = 100
    per_page: int = 100
    owner: bool = False
    seen: set = field(default_factory=set)
    windows: dict = field(default_factory=dict)
    ranked: dict = field(default_factory=dict)  # keyed sort -> sorted keys of the listings seen

    def __post_init__(self):
        for sort in SORTS:
            if sort in OWNER_ONLY and not self.owner:
                continue
            for direction in ("asc", "desc"):
                self.windows[(sort, direction)] = Window((sort, direction), opaque=sort not in KEYED)
        self.ranked = {sort: [] for sort in KEYED}

    # --- what the pages showed ------------------------------------------------------

    def observe(self, order, page, listings, items=None, has_next=True):
        """Record one page of ``order`` (raw listing objects, in page order); returns the ids it added."""
        window = self.windows[order]
        if items is not None:
            self.items = items
        unseen_before = self.unseen_share()
        added = []
        for listing in listings:
            listing_id = listing.get("id")
            if listing_id in self.seen:
                continue
            self.seen.add(listing_id)
            added.append(listing_id)
            for sort, keys in self.ranked.items():
                bisect.insort(keys, sort_key(listing, sort))
        window.requests += 1
        window.added += len(added)
        window.zeros = 0 if added else window.zeros + 1
        window.wasted += 0 if added else 1
        window.last_share = len(added) / len(listings) if listings else 0.0
        window.unseen_then = unseen_before
        if order == FIRST or not has_next and window.opaque:
            window.done = True
        if not window.opaque and listings:
            window.anchors[page] = (sort_key(listings[0], order[0]), sort_key(listings[-1], order[0]))
            if not self.consistent(window, page, len(listings)):
                window.opaque, window.next_page, window.zeros = True, 1, 0
                return added
        if window.opaque:
            step = 2 ** (window.zeros - 1) if window.zeros else 1  # past a stretch already seen
            window.next_page = max(window.next_page, page + step)
            if window.next_page > self.max_pages or not has_next:
                window.done = True
        return added

    def unseen_before(self, order, page, key, first):
        """Unseen listings ranked before ``key`` (on ``page``, its first or last listing) in ``order``."""
        keys = self.ranked[order[0]]
        if order[1] == "asc":
            seen_before = bisect.bisect_left(keys, key)
        else:
            seen_before = len(keys) - bisect.bisect_right(keys, key)
        index = 0 if first else self.per_page - 1
        return (page - 1) * self.per_page + index - seen_before

    def consistent(self, window, page, count):
        """A fetched page agrees with the counting: nothing unseen between its first and last
        listing (all of them are seen now), and no negative count."""
        first, last = window.anchors[page]
        before_first = self.unseen_before(window.order, page, first, True)
        # The page may be short (the last one): its last listing sits at index count - 1.
        before_last = self.unseen_before(window.order, page, last, False) - (self.per_page - count)
        return 0 <= before_first == before_last

    def unseen_share(self):
        return max(0, self.items - len(self.seen)) / self.items if self.items else 0.0

    # --- what to fetch next ----------------------------------------------------------

    def candidate(self, window):
        """``(expected new listings, page)`` for ``window``'s best next request, or None."""
        share = self.unseen_share()
        if window.done:
            return None
        if window.opaque:
            if window.order == MIRROR and window.requests == 0:
                expected = 1.0  # the newest listings: listed asc reached the oldest
            elif window.last_share is None:
                expected = share
            elif window.zeros:
                expected = share / 2 ** window.zeros
            else:
                expected = window.last_share * share / window.unseen_then if window.unseen_then else 0.0
            return expected * self.per_page, window.next_page
        if self.max_pages not in window.anchors:
            return share * self.per_page, self.max_pages  # its window's end: then pages 1-99 are counted
        best, previous, before = None, 0, 0
        for page in sorted(window.anchors):
            first, last = window.anchors[page]
            unseen = self.unseen_before(window.order, page, first, True) - before
            stretch = page - previous - 1
            if unseen > 0 and stretch > 0:
                density = min(unseen, stretch * self.per_page) / stretch
                middle = previous + (stretch + 1) // 2
                if best is None or density > best[0]:
                    best = (density, middle)
            previous, before = page, self.unseen_before(window.order, page, last, False)
        if best is None:
            window.done = True
        return best

    def next_page(self):
        """``(order, page)`` to fetch next, or None when nothing more can be gained."""
        if len(self.seen) >= self.items:
            return None
        chosen = None
        for window in self.windows.values():  # the first of equals wins: SORTS order, asc first
            candidate = self.candidate(window)
            if candidate is not None and (chosen is None or candidate[0] > chosen[0]):
                chosen = (candidate[0], window.order, candidate[1])
        if chosen is None or chosen[0] < MIN_NEW_PER_PAGE:
            return None
        return chosen[1], chosen[2]

    # --- what to say about it ---------------------------------------------------------

    @property
    def coverage(self):
        return len(self.seen) / self.items if self.items else 1.0

    @property
    def wasted(self):
        """Requests that added no listing."""
        return sum(w.wasted for w in self.windows.values())

    def requests_per_order(self):
        """``{"listed-asc": 100, "listed-desc": 50, ...}`` for the orders used."""
        return {order_name(w.order): w.requests for w in self.windows.values() if w.requests}

    def added_per_order(self):
        return {order_name(w.order): w.added for w in self.windows.values() if w.requests}

    def describe(self):
        added = self.added_per_order()
        per_order = ", ".join(f"{name} {count} requests/{added[name]} new"
                              for name, count in self.requests_per_order().items())
        return (f"{len(self.seen)} of {self.items} listings seen ({100 * self.coverage:.2f} %) with "
                f"{sum(self.requests_per_order().values())} requests ({self.wasted} added nothing): {per_order}")


def judge_union(pages, max_span, ratio):
    """A :class:`~discogs_harvest.completeness.Verdict` on the union of several orders' pages.

    Complete only when every listing announced was seen (within
    :data:`~discogs_harvest.completeness.MIN_SLACK`, not the ratio slack a single sequence of
    pages gets: here a missing listing is the expected failure, not count drift), every page
    was fetched within ``max_span`` seconds and the pages agree on the size (``ratio`` slack).
    """
    if not pages:
        return Verdict(False, "no inventory page was read")
    times = [p.fetched_at for p in pages]
    span = max(times) - min(times)
    if span > max_span:
        return Verdict(False, f"the pages of {len({p.order for p in pages})} sort orders were fetched over "
                              f"{span / 60:.0f} min, more than the {max_span / 60:.0f} min a consistent view allows")
    counts = [p.items for p in pages]
    if max(counts) - min(counts) > slack(max(counts), ratio):
        return Verdict(False, f"the inventory's size moved from {min(counts)} to {max(counts)} listings "
                              "while it was paged")
    items = max(pages, key=lambda p: p.fetched_at).items
    seen = len({listing_id for p in pages for listing_id in p.listing_ids})
    orders = len({p.order or order_name(FIRST) for p in pages})
    coverage = f"{seen} of {items} listings ({100 * seen / items if items else 100:.2f} %) seen by {orders} sort orders"
    if seen < items - MIN_SLACK:
        return Verdict(False, f"coverage {coverage}")
    return Verdict(True, coverage)
