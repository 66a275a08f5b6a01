"""``scrapy crawl seller_inventory -a seller=NAME [-a style=Latin] [-a genre=Jazz] [-a format=LP]``
``[-a min_condition=VG+ -a price_max=20 ...] [-a quick=1] [-a windows=0]``

Pages through ``/users/{seller}/inventory`` (per_page=100, following ``pagination.urls.next``:
pages can be short, so never page arithmetic), then requests each distinct release that is not
already fresh in the database. Inventory pages come first, so the number of releases to fetch is
known and logged before the long part starts. A :class:`ListingItem` goes out once its release
is known (stored and fresh, or fetched), carrying the release's genres and styles, and only if it
passes the filter; a listing whose release cannot be fetched still goes out when no filter needs
the release. When paging reached the end, an :class:`InventorySnapshotItem` lists every listing
seen so the staleness pipeline can mark the others unavailable.

Two phases: while paging, listings whose release is not known yet wait on disk
(:mod:`discogs_harvest.pending`), and without a filter each also goes to storage at once as a
:class:`ListingRowsItem` (the app sees the inventory as pages arrive); each page's checkpoint is
yielded after its listings, so storage commits them together. Paging itself only takes what
decides the paging from a page (its shape, checked by the retry middleware; its pagination,
the :class:`PageSeen` bookkeeping, whose inventory it is, the sort keys past the cap), keeps
its body on disk (:func:`~discogs_harvest.checkpoints.keep_page`, on the thread of a
:class:`~discogs_harvest.checkpoints.PageKeeper`) and requests the next page.
The page's listings are read back from that body and go out in page order, through the code a
resumed run replays pages with: before the next page arrives when it comes slowly (the rate
limit, a slow server), or once paging is over when pages come faster than their listings can
be worked off (:mod:`discogs_harvest.spiders.ahead`). Either way every listing is out before
the inventory is declared complete or incomplete. Then releases are requested
``RELEASES_IN_FLIGHT`` at a time, and each answer decides the listings waiting for it.

Filters (comma-separated, case-insensitive) are applied here because the API has none: a
listing is kept when its release matches, using the stored release when it is fresh and the
fetched one otherwise. Releases fetched only to decide a filter are still stored.

Watching a seller (README "Watching a seller"): keeper filters (:mod:`discogs_harvest.keepers`)
reject a listing on what it shows before its release is queued, and decide release-level
conditions where the release is known; ``quick=1`` pages ``listed desc`` and stops at the first
page holding no listing stored before (only new ones go on; nothing is marked unavailable);
past page 100, further sort orders are paged as :class:`~discogs_harvest.sortwindows.SortWindows`
chooses (their pages are not checkpointed: a resumed run replays the listed pages and chooses
again), and the snapshot claims completeness only when they saw every listing announced.

The seller's own inventory (every status, no page cap, private fields, ``-a via=export``) is
handled by :class:`~discogs_harvest.spiders.owner.OwnerInventory` (``self.owner``).

Resuming: every fetched page is kept with its ``inventory_pages`` row as soon as it is checked
(on the :class:`~discogs_harvest.checkpoints.PageKeeper`'s thread, while the next page is requested),
and yielded as an :class:`InventoryPageItem` (a checkpoint) once its listings are out. A run
that finds pages 1..k of an unfinished run (younger than ``INVENTORY_RESUME_MAX_AGE_HOURS``)
replays them from the database, reading one page at a time, and requests page k+1: a page
whose listings went out is replayed as they did, one only kept has its listings sent now and
is then checkpointed, so no page is fetched twice however far paging ran ahead of the
listings. Releases already stored are fresh, so they are not fetched again either. Releases
that failed every retry last time are requested first.

Availability: every page used (fetched or replayed) is recorded as a
:class:`~discogs_harvest.completeness.PageSeen` and travels in the snapshot; the staleness
pipeline marks listings unavailable only when :func:`discogs_harvest.completeness.judge`
says those pages prove the whole inventory. A checkpoint older than
``INVENTORY_MAX_SPAN_MINUTES`` is not replayed, and when the first page fetched after a replay
disagrees with the replayed ones (the seller changed in between), paging starts again from
page 1, once.
"""

import itertools
import logging
import os
import time
from collections import deque
from urllib.parse import quote

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from discogs_harvest import keepers, pending, shapes, stats, watching
from discogs_harvest.batches import slices
from discogs_harvest.checkpoints import PageKeeper, inventory_checkpoint, kept_page
from discogs_harvest.completeness import MIN_SLACK, PageSeen, disagreement, replayable
from discogs_harvest.downloadermiddlewares.exceptions import DiscogsOutageError
from discogs_harvest.downloadermiddlewares.retry import error_message
from discogs_harvest.dump.freshness import dump_releases, parse_enrich
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.filters import InventoryFilter, parse_seller, split_values
from discogs_harvest.items import (
    LISTING_FEED_FIELDS,
    InventoryPageItem,
    InventorySnapshotItem,
    ListingItem,
    ListingRowsItem,
)
from discogs_harvest.loaders import load_listing
from discogs_harvest.scrub import drop_credentials, scrub
from discogs_harvest.spiders.ahead import OnePageAhead, PagesBehind
from discogs_harvest.spiders.base import PAGE_PRIORITY, PARSE_ENV, DiscogsSpider
from discogs_harvest.spiders.owner import OwnerInventory, parse_via
from discogs_harvest.sortwindows import FIRST, SortWindows, order_name

logger = logging.getLogger(__name__)

# Discogs refuses pages above 100 of another seller's inventory (API_FACTS.md §4).
MAX_PAGES = 100
# Release requests handed to the scheduler at a time in phase 2; each answer releases the next,
# so the scheduler never holds one request per release of a large inventory. Their parked listings
# are taken this many releases at a time and wait in memory for the answers (up to twice this
# many releases' worth): 32 held about 9 MiB more at 100,000 listings over 2,000 releases (146
# against 137 MiB, tests/bench/bench_phases.py) for no faster harvest; 16 is still twice
# CONCURRENT_REQUESTS (issue 12, 2026-12-05).
RELEASES_IN_FLIGHT = 16
# Phase 1's rows go to storage this many listings to an item (ListingRowsItem): Scrapy keeps
# CONCURRENT_ITEMS of a response's items in flight, and a whole page (100 listings, raw bodies
# and all) per item held about 8 MiB more at 100,000 listings (bench_phases 144 against 136 MiB);
# 25 keeps about as many listings in flight as one item per listing did, for a 25th of the items.
ROWS_PER_ITEM = 25
INVENTORY_STATUSES = ("All", "Deleted", "Draft", "Expired", "For Sale", "Sold", "Suspended", "Violation")


class SellerInventorySpider(DiscogsSpider):
    name = "seller_inventory"
    feed_item_class = ListingItem
    feed_fields = LISTING_FEED_FIELDS
    example_arguments = {"seller": "brotherlogic"}

    @classmethod
    def parse_arguments(cls, seller=None, style=None, genre=None, format=None, status="For Sale",
                        max_pages=MAX_PAGES, via=None, enrich=None, quick=None, windows="1", **arguments):
        name, url_filters = parse_seller(seller)
        if status not in INVENTORY_STATUSES:
            raise HarvestConfigError(f"status {status!r} is not one of {', '.join(INVENTORY_STATUSES)}")
        try:
            max_pages = int(max_pages)
        except (TypeError, ValueError):
            max_pages = 0
        if max_pages < 1:
            raise HarvestConfigError("max_pages must be a whole number >= 1")
        formats = split_values(format or url_filters.get("format"))
        listing_keeper, release_keeper = keepers.parse_keepers(
            formats, **{name: arguments.get(name) for name in keepers.KEEPER_ARGUMENTS})
        return {
            "seller": name,
            "status": status,
            "max_pages": max_pages,
            "via": parse_via(via),
            "enrich": parse_enrich(enrich),
            "filter": InventoryFilter(
                styles=split_values(style or url_filters.get("style")),
                genres=split_values(genre or url_filters.get("genre")),
                formats=formats,
            ),
            # Keeper filters (keepers.py): the listing's own before any release request.
            "listing_keeper": listing_keeper,
            "release_keeper": release_keeper,
            "quick": keepers.flag("quick", quick) if quick not in (None, "") else False,
            # Past page 100: page further sort orders (sortwindows.py); -a windows=0 stops at 100.
            "windows": keepers.flag("windows", windows),
        }

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.owner = OwnerInventory(spider)  # built here, so callbacks alone (scrapy check) have it
        return spider

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seller = self.options["seller"]
        self.filter = self.options["filter"]
        self.seen_listing_ids = []
        self.to_fetch = {}  # release id -> None, in first-seen order
        self.known = {}  # release id -> (genres, styles, release format), stored or fetched
        self.release_queue = None  # phase 2: release ids still to request, in first-seen order
        self.next_ids = deque()  # phase 2: the next release ids to request, their listings taken
        self.taken_ahead = {}  # phase 2: release id -> parked listing bodies taken before its answer
        self.sellers = {}  # seller id -> SellerItem: one object for all of a seller's listings
        self.pages_failed = False  # paging stopped before the end: the snapshot is incomplete
        self.page_error = False  # ... because a page failed every retry
        self.pages_seen = {}  # page number -> PageSeen, for the completeness policy
        self.replayed = []  # PageSeen of the pages replayed from a checkpoint, until one is fetched
        self.from_dump = {}  # enrich=stats: release id -> (genres, styles, format) known from a dump
        self.listing_keeper = self.options["listing_keeper"]
        self.release_keeper = self.options["release_keeper"]
        # Listings are stored once decided (not as pages arrive) when any filter may drop them.
        self.filtering = self.filter.active or self.listing_keeper.active or self.release_keeper.active
        self.facts = {}  # release id -> figures ReleaseKeeper reads, while it is active
        self.windows = None  # SortWindows, once paging reached Discogs' page cap
        self.quick = self.options["quick"]
        self.ahead = OnePageAhead()  # the next page fetched while one goes out, handled in turn
        self.keeper = None  # PageKeeper: fetched pages kept on a thread of their own (page_keeper())
        self.behind = PagesBehind()  # pages checked and kept whose listings have not gone out yet
        # `scrapy check`/`scrapy parse` call a callback alone: no later page would take its listings on.
        self.alone = bool(os.environ.get("SCRAPY_CHECK") or os.environ.get(PARSE_ENV))

    async def start(self):
        logger.info("Harvesting the inventory of %s (filter: %s; keepers: %s%s)", self.seller, self.filter.describe(),
                    keepers.describe(self.listing_keeper, self.release_keeper), "; quick mode" if self.quick else "")
        pending.clear(self.database_url, self.seller)  # a resumed run parks its replayed pages again
        for request in self.retry_failed_releases():
            yield request
        self.max_span = self.crawler.settings.getfloat("INVENTORY_MAX_SPAN_MINUTES") * 60
        if self.owner.needs_identity:
            yield self.owner.identity_request()  # continues with start_inventory() or the export
            return
        for result in self.start_inventory():
            yield result

    def start_inventory(self):
        """Page 1 of the inventory, or the pages an unfinished run stored and the next one."""
        if self.quick:  # newest first, never resumed: its pages are not listed asc's
            yield self.first_page_request()
            return
        checkpoint = inventory_checkpoint(self.database_url, self.seller, self.options["status"],
                                          self.crawler.settings.getfloat("INVENTORY_RESUME_MAX_AGE_HOURS"))
        if checkpoint and not replayable(checkpoint[0].seen.fetched_at, time.time(), self.max_span):
            logger.info("Not replaying the %s inventory pages of %s stored at %s: older than "
                        "INVENTORY_MAX_SPAN_MINUTES, so they and fresh pages would not be one view",
                        len(checkpoint), self.seller, checkpoint[0].fetched_at.strftime("%Y-%m-%d %H:%M UTC"))
            checkpoint = []
        if checkpoint:
            self.replayed = [page.seen for page in checkpoint]
            self.pages_seen.update((page.page, page.seen) for page in checkpoint)
            logger.info("Resuming the inventory of %s from pages 1-%s stored by an unfinished run at %s (%s of them "
                        "kept before their listings went out)", self.seller, len(checkpoint),
                        checkpoint[0].fetched_at.strftime("%Y-%m-%d %H:%M UTC"),
                        sum(not page.listings_out for page in checkpoint))
            self.crawler.stats.set_value(stats.key("pages", "resumed"), len(checkpoint))
            for page in checkpoint:  # read from disk a page at a time
                for result in self.replay_page(page):
                    yield result
            last = checkpoint[-1]
            for result in self.after_page(last.page, last.pages_total, last.next_url):
                yield result
            return
        yield self.first_page_request()

    def first_page_request(self):
        return self.page_request(
            self.url(
                f"/users/{quote(self.seller, safe='')}/inventory",
                status=self.options["status"],
                sort="listed",
                sort_order="desc" if self.quick else "asc",
                per_page=self.per_page,
                page=1,
            ),
            page=1,
        )

    def page_request(self, url, page, order=None):
        meta = {"page": page, shapes.SHAPE_META: shapes.INVENTORY}
        if order is not None:  # a further sort order, past the cap
            meta["order"] = order
        return scrapy.Request(url, callback=self.parse_window if order else self.parse_page,
                              errback=self.page_failed, priority=PAGE_PRIORITY, meta=meta, dont_filter=True)

    # --- inventory pages -----------------------------------------------------------

    def parse_page(self, response):
        """An inventory page: the next page, then the listings of the pages due (each page's
        followed by its checkpoint item; listings wait for releases).

        @api /users/brotherlogic/inventory?status=For+Sale&sort=listed&sort_order=asc&per_page=100&page=1
        @meta {"page": 1}
        @returns items 1
        @returns requests 1 1
        """
        yield from self.ahead.run(self.page_output, response)

    def page_output(self, response):
        data = response.json()  # well-formed: the retry middleware checked its shape
        pagination = data["pagination"]
        page = pagination["page"]
        listings = data["listings"]
        next_url = drop_credentials((pagination.get("urls") or {}).get("next"))
        seen = PageSeen.from_body(data, time.time())
        conflict = disagreement(self.replayed, seen)
        self.replayed = []
        if conflict:  # the page after the replayed ones: nothing waits in self.behind yet
            yield from self.restart(conflict)
            return
        self.pages_seen[page] = seen
        pages_total = pagination.get("pages")
        if self.quick:
            yield from self.quick_page(page, pages_total, listings, next_url)
            return
        # Kept on disk (checked: the retry middleware did), on the keeper's thread while the next
        # page is requested; its listings are read back from there once it is kept.
        self.page_keeper().keep(self.seller, self.options["status"], page, scrub(response.text), next_url, pages_total)
        self.take_page(page, pages_total, listings)
        paging_on = next_url and page < self.options["max_pages"]
        if paging_on:  # the fetch overlaps whatever listings are due now
            yield self.page_request(self.on_api(next_url), page=page + 1)
        self.behind.arrived((page, pages_total, next_url), response.meta.get("download_latency"))
        self.crawler.stats.set_value(stats.PAGES_TOTAL, min(pages_total or page, self.options["max_pages"]))
        self.crawler.stats.set_value(stats.PAGES_AHEAD, len(self.behind))
        yield from self.behind.work_off(self.kept_listings, everything=not paging_on or self.alone)
        self.crawler.stats.set_value(stats.PAGES_AHEAD, len(self.behind))
        if not paging_on:
            yield from self.end_paging(page, pages_total, next_url)

    def kept_listings(self, kept):
        """A fetched page's listings, read back from its kept body, then its checkpoint: storage
        commits the page with its listings, so a checkpointed page's listings are stored."""
        page, pages_total, next_url = kept
        status = self.options["status"]
        self.page_keeper().wait(page)
        found = kept_page(self.database_url, self.seller, status, page)
        if found is None:
            raise RuntimeError(f"inventory page {page} of {self.seller} is no longer kept in raw_bodies")
        body, data = found
        if tuple(listing["id"] for listing in data["listings"]) != self.pages_seen[page].listing_ids:
            # Another harvest of this seller kept its own fetch of the page meanwhile (the same
            # raw_bodies row): its listings are real, but not the ones paging judged complete.
            logger.warning("Inventory page %s of %s was kept again by another harvest before its listings went "
                           "out; its listings are taken from that copy and no listing is marked unavailable",
                           page, self.seller)
            self.pages_failed = True
        yield from self.page_listings(page, pages_total, data["listings"])
        yield InventoryPageItem(seller_username=self.seller, status=status, page=page, next_url=next_url,
                                pages_total=pages_total, body=body, body_kept=True)

    def restart(self, conflict):
        """The replayed pages and the inventory now disagree: page it again from page 1."""
        logger.warning("The %s inventory pages of %s replayed from an unfinished run disagree with page %s "
                       "fetched now: %s. Paging again from page 1", len(self.pages_seen), self.seller,
                       len(self.pages_seen) + 1, conflict)
        self.crawler.stats.inc_value(stats.key("pages", "restarted"))
        self.crawler.stats.set_value(stats.PAGES_DONE, 0)
        self.pages_seen = {}
        self.seen_listing_ids = []
        self.windows = None
        yield self.first_page_request()

    def replay_page(self, page):
        """A page of the unfinished run (:class:`~discogs_harvest.checkpoints.CheckpointPage`):
        its listings again when they went out before, else for the first time, from its kept
        body, followed by its checkpoint (as when paging kept it)."""
        if page.listings_out:
            yield from self.handle_page(page.page, page.pages_total, page.listings)
            return
        self.take_page(page.page, page.pages_total, page.listings)
        yield from self.kept_listings((page.page, page.pages_total, page.next_url))

    def handle_page(self, page, pages_total, listings):
        """One page replayed from a checkpoint (or the owner's export), listings and all."""
        self.take_page(page, pages_total, listings)
        yield from self.page_listings(page, pages_total, listings)

    def take_page(self, page, pages_total, listings):
        """What paging needs of a page before its listings go out: whose inventory it is (the
        owner's is not capped), the sort keys past the cap."""
        self.owner.observe(listings)
        self.remember_keys(page, pages_total, listings)

    def page_listings(self, page, pages_total, listings):
        """A page's listing objects, loaded and sent on; the page counts as done."""
        self.crawler.stats.set_value(stats.PAGES_TOTAL, min(pages_total or page, self.options["max_pages"]))
        self.crawler.stats.inc_value(stats.PAGES_DONE)
        yield from self.handle_listings([self.listing_item(listing) for listing in listings])

    def listing_item(self, listing):
        """A page's listing, loaded; its seller is loaded once per id (:meth:`share_seller`)."""
        return load_listing(listing, sellers=self.sellers)

    def share_seller(self, listing):
        """Every listing of a page repeats its seller (payment and shipping texts included)."""
        if listing.seller is not None and listing.seller.seller_id is not None:
            listing.seller = self.sellers.setdefault(listing.seller.seller_id, listing.seller)
        return listing

    def after_page(self, page, pages_total, next_url):
        """The last replayed page done: the next page, or the end of paging."""
        if next_url and page < self.options["max_pages"]:
            yield self.page_request(self.on_api(next_url), page=page + 1)
        else:
            yield from self.end_paging(page, pages_total, next_url)

    def end_paging(self, page, pages_total, next_url):
        """No next page requested after ``page`` (every page's listings out): further sort
        orders past the cap, or the end of the inventory."""
        if (next_url and page >= MAX_PAGES and self.options["max_pages"] == MAX_PAGES and self.windows is not None
                and not self.owner.owned):  # the owner is not capped: paging simply goes on
            yield from self.start_windows()
            return
        if next_url and page >= self.options["max_pages"]:
            logger.warning(
                "Stopping at page %s of %s: Discogs serves only the first %s pages of another seller's "
                "inventory (%s listings seen); listings not seen are not marked unavailable",
                page, pages_total, self.options["max_pages"], len(self.seen_listing_ids))
            self.pages_failed = True
        yield from self.finish_inventory()

    def handle_listings(self, listings):
        """A listing goes out once its release is known (fresh in the database, or fetched).

        The others wait on disk (:mod:`discogs_harvest.pending`), not in memory; without a
        filter they are stored at once as well (phase 1: the whole inventory is in
        ``collection_items`` as soon as its pages are), and go out again once decided, for the
        feed only (``stored_on_arrival``).
        """
        self.crawler.stats.inc_value(stats.LISTINGS_SEEN, len(listings))
        self.seen_listing_ids.extend(listing.listing_id for listing in listings)
        if self.listing_keeper.active:  # decided from the listing alone: no release is asked for
            kept = [listing for listing in listings if self.listing_keeper.matches(listing)]
            self.crawler.stats.inc_value(stats.key("keepers", "rejected_by_listing"), len(listings) - len(kept))
            listings = kept
        yield from self.stored_for_feed(self.learn_fresh({listing.release_id for listing in listings}))
        waiting = []
        rows = []  # stored now, ROWS_PER_ITEM to an item (phase 1, without a filter)
        matched = 0
        for listing in listings:
            release_id = listing.release_id
            if release_id in self.known:
                if self.keeps(listing, *self.known[release_id]):
                    matched += 1
                    yield listing
            elif release_id in self.from_dump and not self.matches(listing, *self.from_dump[release_id]):
                self.crawler.stats.inc_value(stats.key("releases", "dump_filtered"))  # decided by the dump
            elif release_id in self.gave_up:
                yield from self.undecided(listing)
            else:
                if release_id not in self.retrying:
                    self.to_fetch.setdefault(release_id)
                # Parked without what waiting_listings has anyway (its seller) or no longer
                # needs (the listing as received, when phase 1 stores the listing now).
                waiting.append((listing.listing_id, release_id,
                                pending.listing_body(listing, raw=self.filtering, seller=False)))
                if not self.filtering:
                    rows.append(listing)
        self.count_matched(matched)
        for chunk in slices(rows, ROWS_PER_ITEM):
            yield ListingRowsItem(chunk)
        pending.park(self.database_url, self.seller, waiting)

    def waiting_listings(self, release_id):
        """The listings parked for ``release_id``, loaded again (and no longer parked).

        In phase 2 they were taken before the release was requested (:meth:`next_releases`)."""
        bodies = self.taken_ahead.pop(release_id, None)
        if bodies is None:
            bodies = pending.take(self.database_url, self.seller, release_id)
        listings = [self.share_seller(pending.listing_item(body)) for body in bodies]
        for listing in listings:
            listing.stored_on_arrival = not self.filtering  # phase 1 wrote it (ListingRowsItem)
        return listings

    def learn_fresh(self, release_ids):
        """Releases stored recently are known from the database, without a request (their ids are
        returned, for a feed of tracks); with a recent data dump imported, the dump decides too."""
        unknown = release_ids - self.known.keys() - self.to_fetch.keys() - self.retrying - self.gave_up
        fresh = self.fresh(unknown) if unknown else {}
        self.known.update(fresh)
        if fresh and self.release_keeper.active:
            self.facts.update(watching.stored_release_facts(fresh))
        self.crawler.stats.inc_value(stats.RELEASES_FRESH, len(fresh))
        enrich = self.options["enrich"]
        unknown -= fresh.keys() | self.from_dump.keys()
        if enrich != "full" and unknown:
            # Known from a recent data dump (dump/freshness.py): enrich=none decides from it alone;
            # enrich=stats decides the filter from it and fetches only the releases that pass.
            dumped = dump_releases(unknown, self.crawler.settings.getfloat("STALENESS_DUMP_MAX_AGE_DAYS"),
                                   database_url=self.database_url)
            (self.known if enrich == "none" else self.from_dump).update(dumped)
            self.crawler.stats.inc_value(stats.key("releases", "from_dump"), len(dumped))
        return list(fresh)

    def matches(self, listing, genres, styles, release_format=None):
        """Whether the style/genre/format filter keeps ``listing`` given its release's metadata."""
        return self.filter.matches(genres, styles, [f for f in (listing.format, release_format) if f])

    def decide(self, listings, genres, styles, release_format=None):
        """The listings of one release that go out, given the release's metadata (counted once)."""
        kept = [listing for listing in listings if self.keeps(listing, genres, styles, release_format)]
        self.count_matched(len(kept))
        return kept

    def keeps(self, listing, genres, styles, release_format=None):
        """Whether ``listing`` goes out (its release's genres and styles given to it); a listing
        the release keeper rejects is counted here, one the filter keeps by the caller."""
        listing.genres, listing.styles = list(genres), list(styles)
        if not self.release_keeper.matches(listing, self.facts.get(listing.release_id)):
            self.crawler.stats.inc_value(stats.key("keepers", "rejected_by_release"))
            return False
        return self.matches(listing, genres, styles, release_format)

    def count_matched(self, count):
        """``count`` listings kept: one stats update for a page's or a release's listings."""
        if count:
            self.crawler.stats.inc_value(stats.LISTINGS_MATCHED, count)

    def undecided(self, listing):
        """A listing whose release could not be fetched: kept unless a filter needs the release."""
        if self.filter.active or self.release_keeper.active:
            self.crawler.stats.inc_value(stats.key("listings", "undecided"))
        else:
            self.crawler.stats.inc_value(stats.LISTINGS_MATCHED)
            yield listing

    def finish_inventory(self):
        complete = not self.pages_failed
        listing_ids, proves_absence = self.owner.snapshot(self.seen_listing_ids, complete)
        yield InventorySnapshotItem(seller_username=self.seller, listing_ids=listing_ids,
                                    # a quick run leaves an unfinished full run's checkpoint alone
                                    complete=proves_absence, ended_on_error=self.page_error or self.quick,
                                    pages=list(self.pages_seen.values()))
        count = len(self.to_fetch)
        self.crawler.stats.inc_value(stats.RELEASES_TO_FETCH, count)
        limit = self.crawler.stats.get_value(stats.BUDGET_LIMIT)
        period = self.crawler.stats.get_value(stats.BUDGET_PERIOD) or 60
        eta = f", about {count * period / limit / 60:.1f} min at {limit} requests per {period:g} s" if limit else ""
        logger.info("Inventory of %s %s: %s listings; %s releases to fetch%s, %s fresh in the database, "
                    "%s known from a data dump", self.seller, "complete" if complete else "INCOMPLETE",
                    len(self.seen_listing_ids), count, eta, self.crawler.stats.get_value(stats.RELEASES_FRESH, 0),
                    self.crawler.stats.get_value(stats.key("releases", "from_dump"), 0))
        self.known = {}  # no listing arrives any more: what phase 1 needed to decide at once
        self.release_queue = iter(self.to_fetch)
        yield from self.next_releases(RELEASES_IN_FLIGHT)

    def next_releases(self, count=1):
        """Phase 2: the next ``count`` release requests (one more for each release answered)."""
        if self.release_queue is None:
            return
        while count > 0:
            if not self.next_ids:
                # Nothing is parked in phase 2: the listings of the next few dozen releases are
                # taken in one statement (pending.take_many), not one per answer, and wait in
                # taken_ahead (at most twice RELEASES_IN_FLIGHT releases' worth) for their answers.
                self.next_ids.extend(itertools.islice(self.release_queue, RELEASES_IN_FLIGHT))
                if not self.next_ids:
                    return
                self.taken_ahead.update(pending.take_many(self.database_url, self.seller, self.next_ids))
            # Each release of to_fetch (a dict's keys) once; those retried from the failed
            # releases of the last run are not among them (handle_listings leaves them out).
            yield self.release_request(self.next_ids.popleft(), dont_filter=True)
            count -= 1

    # --- past the cap: further sort orders (sortwindows.py) ------------------------------

    def remember_keys(self, page, pages_total, listings):
        """An inventory beyond the cap: SortWindows learns the sort keys of every listing seen."""
        if not (pages_total or 0) > MAX_PAGES or not self.options["windows"] or self.quick or self.owner.owned:
            return
        seen = self.pages_seen.get(page)
        if self.windows is None:
            self.windows = SortWindows(items=seen.items if seen else 0, max_pages=MAX_PAGES,
                                       per_page=self.per_page, owner=self.owner.owned)
        self.windows.observe(FIRST, page, [listing for listing in listings if isinstance(listing, dict)],
                             seen.items if seen else None)

    def start_windows(self):
        """Page 100 of listed asc reached and more listings announced: page other sort orders."""
        last = max((p for key, p in self.pages_seen.items() if isinstance(key, int)), key=lambda p: p.page)
        logger.info("Discogs serves only %s pages of another seller's inventory: %s of the %s listings of %s "
                    "seen in listed order; paging further sort orders, the most promising first",
                    MAX_PAGES, len(self.windows.seen), last.items, self.seller)
        yield from self.next_window()

    def next_window(self):
        chosen = self.windows.next_page()
        if chosen is not None:
            order, page = chosen
            yield self.page_request(self.url(
                f"/users/{quote(self.seller, safe='')}/inventory", status=self.options["status"], sort=order[0],
                sort_order=order[1], per_page=self.per_page, page=page), page=page, order=order)
            return
        windows = self.windows
        for name, count in windows.requests_per_order().items():
            self.crawler.stats.set_value(stats.key("windows", "requests", name), count)
        self.crawler.stats.set_value(stats.key("windows", "listings_seen"), len(windows.seen))
        self.crawler.stats.set_value(stats.key("windows", "requests_adding_nothing"), windows.wasted)
        self.crawler.stats.set_value(stats.key("windows", "items"), windows.items)
        self.crawler.stats.set_value(stats.key("windows", "coverage_percent"), round(100 * windows.coverage, 2))
        logger.info("Sort orders of %s: %s", self.seller, windows.describe())
        # The union proves the inventory only if it saw every listing (staleness checks it again).
        self.pages_failed = len(windows.seen) < windows.items - MIN_SLACK
        if self.pages_failed:
            logger.warning("Availability of %s's listings not marked: coverage %s of %s listings (%.2f %%); "
                           "no further sort order adds any", self.seller, len(windows.seen), windows.items,
                           100 * windows.coverage)
        yield from self.finish_inventory()

    def parse_window(self, response):
        """A page of a further sort order: its unseen listings, then the next page chosen."""
        data = response.json()  # well-formed: the retry middleware checked its shape
        pagination, order = data["pagination"], response.meta["order"]
        seen = PageSeen.from_body(data, time.time(), order=order_name(order))
        self.pages_seen[(order, pagination["page"])] = seen
        added = set(self.windows.observe(order, pagination["page"], data["listings"], pagination["items"],
                                         seen.has_next))
        self.crawler.stats.inc_value(stats.PAGES_DONE)
        listings = [listing for listing in data["listings"] if listing["id"] in added]
        self.owner.observe(listings)
        yield from self.handle_listings([self.listing_item(listing) for listing in listings])
        yield from self.next_window()

    # --- quick mode: newest first, until a page holds nothing new ------------------------

    def quick_page(self, page, pages_total, listings, next_url):
        """Only listings never stored before go on; a page of none of them ends paging."""
        known = watching.stored_listing_ids(self.database_url, [listing["id"] for listing in listings])
        new = [listing for listing in listings if listing["id"] not in known]
        self.crawler.stats.inc_value(stats.key("quick", "new_listings"), len(new))
        self.crawler.stats.inc_value(stats.PAGES_DONE)
        self.owner.observe(new)
        yield from self.handle_listings([self.listing_item(listing) for listing in new])
        if new and next_url and page < self.options["max_pages"]:
            yield self.page_request(self.on_api(next_url), page=page + 1)
            return
        logger.info("Quick run of %s: %s new listings on %s pages (stopped at a page with %s); quick runs "
                    "cannot see removals, so no listing is marked unavailable", self.seller,
                    self.crawler.stats.get_value(stats.key("quick", "new_listings"), 0), page,
                    "nothing new" if not new else "no next page")
        self.pages_failed = True  # a quick run proves nothing about listings it did not page
        yield from self.finish_inventory()

    def page_failed(self, failure):
        """A page that failed every retry (or was refused): in turn, as its answer would have been."""
        yield from self.ahead.run(self.page_failure, failure)

    def page_failure(self, failure):
        yield from self.behind.work_off(self.kept_listings, everything=True)  # the pages before it
        self.crawler.stats.set_value(stats.PAGES_AHEAD, 0)
        response = getattr(failure.value, "response", None)
        if failure.check(DiscogsOutageError):
            self.pages_failed = self.page_error = True  # the run is stopping: keep the checkpoint
            return
        self.check_credentials(failure)
        if failure.check(HttpError) and response.status == 404 and failure.request.meta["page"] == 1:
            self.fail("seller_not_found", f"Seller {self.seller!r} not found on Discogs (404: {error_message(response)})")
        if failure.check(HttpError) and response.status == 422:
            self.fail("bad_input", f"Discogs rejected the inventory query (422: {error_message(response)})")
        self.pages_failed = self.page_error = True
        self.crawler.stats.inc_value(stats.PAGES_FAILED)
        logger.error("Inventory page %s of %s failed: %s; later pages are not fetched and no listing "
                     "is marked unavailable", failure.request.meta["page"], self.seller, self.describe(failure))
        yield from self.finish_inventory()

    def page_keeper(self):
        """The :class:`~discogs_harvest.checkpoints.PageKeeper` of this run's pages (made on first use)."""
        if self.keeper is None:
            self.keeper = PageKeeper(self.database_url)
        return self.keeper

    def closed(self, reason):
        super().closed(reason)
        if self.keeper is not None:
            try:
                self.keeper.close()  # pages kept ahead of their listings: on disk for the next run
            except Exception as exc:
                logger.error("An inventory page of %s could not be kept (the next run fetches it again): %s",
                             self.seller, exc)
        try:
            pending.delete_taken(self.database_url)  # the last listings taken: none stays parked
        except Exception as exc:  # a database that cannot be written: storage says so already
            logger.debug("Taken listings left in pending_listings (the next run clears them): %s", exc)

    # --- releases ----------------------------------------------------------------

    def parse_release(self, response):
        release = super().parse_release(response)
        yield release
        if self.release_keeper.active:
            self.facts[release.release_id] = keepers.release_facts(release)
        if self.release_queue is None:  # still paging: later listings of it are decided at once
            self.known[release.release_id] = (release.genres, release.styles, release.format)
        yield from self.decide(self.waiting_listings(release.release_id), release.genres, release.styles,
                               release.format)
        yield from self.next_releases()

    def release_stored_elsewhere(self, release_id, genres, styles, release_format):
        """Another harvest stored the release while we waited: decide its listings from it, and
        request the next release (as an answer does)."""
        if self.release_queue is None:
            self.known[release_id] = (genres, styles, release_format)
        listings = self.waiting_listings(release_id)
        for listing in listings:
            # Written again, not only fed: stored on arrival while the other harvest's album write
            # was still uncommitted, the row missed that harvest's link_listings and kept a NULL
            # album (seen on PostgreSQL). The album is committed now, so this write links it.
            # (Without a filter the listing as received was not parked: its raw_bodies row stays
            # as phase 1 wrote it, the same body.)
            listing.stored_on_arrival = False
        yield from self.decide(listings, genres, styles, release_format)
        yield from self.next_releases()

    def release_unavailable(self, release_id):
        waiting = self.waiting_listings(release_id)
        if waiting and (self.filter.active or self.release_keeper.active):
            logger.warning("%s listings of release %s dropped: the filter cannot be decided without it",
                           len(waiting), release_id)
        for listing in waiting:
            yield from self.undecided(listing)
        yield from self.next_releases()
