"""Did a run prove it saw a seller's whole inventory? The only ground for calling a listing gone.

A pure policy (no crawler, no database): the spider records one :class:`PageSeen` per
inventory page it used (fetched now or replayed from a checkpoint), and the staleness
pipeline marks listings unavailable only when :func:`judge` says the pages prove the
inventory complete:

1. the pages are 1..n without a gap, and page n is the last (no ``next`` link, ``page >= pages``);
2. every page was fetched within ``max_span`` seconds of the first one (pages are live
   queries: the longer paging takes, the more listings shift across page boundaries);
3. the pages agree on ``pagination.items`` within the slack, and the distinct listings seen
   fall short of the last page's ``items`` by no more than the slack.

The slack is what Discogs' own shifting allows: ``pagination.items`` is a live count that can
overstate what the pages hold (API_FACTS.md §3: 82 reported, 80 served) and moves while a
seller edits stock (§4). It is ``max(MIN_SLACK, ratio * items)`` listings, ``ratio`` being
``INVENTORY_COUNT_SLACK``. A short or empty page, ``listings: null`` or a page that ends
paging early always falls outside it.

Resuming (:func:`disagreement`): pages replayed from an interrupted run are trusted only
while the first page fetched fresh agrees with them (same ``items`` and ``pages``, no listing
seen twice); otherwise the spider pages again from page 1. :func:`replayable` refuses a
checkpoint already older than the span.
"""

import math
from dataclasses import dataclass, field

MIN_SLACK = 2


@dataclass(frozen=True)
class PageSeen:
    page: int
    pages: int
    items: int
    listing_ids: tuple = field(repr=False)
    fetched_at: float  # seconds since the epoch
    has_next: bool
    replayed: bool = False
    # "" for Discogs' default order (listed asc); "price-desc" etc. for the sort windows past the
    # cap (discogs_harvest.sortwindows), whose union is judged by sortwindows.judge_union.
    order: str = ""

    @classmethod
    def from_body(cls, data, fetched_at, replayed=False, order=""):
        """From a well-formed inventory page (see :func:`discogs_harvest.shapes.inventory_problem`)."""
        pagination = data["pagination"]
        return cls(page=pagination["page"], pages=pagination["pages"], items=pagination["items"],
                   listing_ids=tuple(listing["id"] for listing in data["listings"]), fetched_at=fetched_at,
                   has_next=bool((pagination.get("urls") or {}).get("next")), replayed=replayed, order=order)


@dataclass(frozen=True)
class Verdict:
    complete: bool
    reason: str  # why not; or what was proved


def slack(items, ratio):
    return max(MIN_SLACK, math.floor(items * ratio))


def judge(pages, max_span, ratio):
    """A :class:`Verdict` on whether ``pages`` (PageSeen, any order) prove the whole inventory."""
    if not pages:
        return Verdict(False, "no inventory page was read")
    by_number = sorted(pages, key=lambda p: p.page)
    numbers = [p.page for p in by_number]
    if numbers != list(range(1, len(numbers) + 1)):
        return Verdict(False, f"pages {numbers[:10]} are not 1..{len(numbers)} without a gap")
    last = by_number[-1]
    if last.has_next or last.page < last.pages:
        return Verdict(False, f"paging ended at page {last.page} of {last.pages}")
    times = [p.fetched_at for p in pages]
    span = max(times) - min(times)
    if span > max_span:
        return Verdict(False, f"the pages were fetched over {span / 60:.0f} min, more than the "
                              f"{max_span / 60:.0f} min a consistent view allows")
    counts = [p.items for p in pages]
    allowed = slack(max(counts), ratio)
    if max(counts) - min(counts) > allowed:
        return Verdict(False, f"the inventory's size moved from {min(counts)} to {max(counts)} listings "
                              "while it was paged")
    seen = len({listing_id for p in pages for listing_id in p.listing_ids})
    if seen < last.items - allowed:
        return Verdict(False, f"{seen} listings seen of the {last.items} the pages announced")
    return Verdict(True, f"{seen} listings on {len(pages)} pages, {last.items} announced")


def disagreement(replayed, fresh):
    """Why the first freshly fetched page ``fresh`` contradicts the ``replayed`` pages, or None."""
    if not replayed:
        return None
    last = max(replayed, key=lambda p: p.page)
    if fresh.items != last.items or fresh.pages != last.pages:
        return (f"the inventory changed since those pages were stored ({last.items} listings on {last.pages} "
                f"pages then, {fresh.items} on {fresh.pages} now)")
    seen = {listing_id for p in replayed for listing_id in p.listing_ids}
    twice = seen.intersection(fresh.listing_ids)
    if twice:
        return f"{len(twice)} listings of page {fresh.page} were already on the stored pages"
    return None


def replayable(oldest_fetched_at, now, max_span):
    """True when a checkpoint's oldest page is still young enough to be part of one view."""
    return now - oldest_fetched_at <= max_span
