"""The owner's inventory: what ``seller_inventory`` does differently when the seller is you.

Held by :class:`~discogs_harvest.spiders.seller_inventory.SellerInventorySpider` as
``spider.owner``. Reads the settings ``DISCOGS_OAUTH_*`` (through the auth middleware's
:func:`~discogs_harvest.downloadermiddlewares.auth.oauth_credentials`), ``DISCOGS_EXPORT_POLL_INTERVAL``
and ``DISCOGS_EXPORT_TIMEOUT``, and the spider arguments ``via``, ``status`` and ``max_pages``.

- **Who am I.** With OAuth credentials, or with ``-a via=export``, the run first asks
  ``/oauth/identity`` (one request; a refused credential ends the run there, exit 4). A seller
  equal to that username is *owned*. A personal token's owner is recognised for free: its
  inventory pages carry the owner-only keys (``weight``, ``location``, ...; API_FACTS.md §4).
- **Owned:** every status is asked for (``status=All`` unless ``-a status`` says otherwise), pages
  past 100 are fetched (Discogs caps only other sellers' inventories) unless ``-a max_pages`` is
  given, and the private fields are stored (the loader takes them whenever they are present).
- **Availability by status.** A listing's ``is_available`` follows its status (storage,
  :func:`~discogs_harvest.pipelines.rows.is_available`), and the snapshot that marks
  unseen listings unavailable lists only For Sale listings, and only when the query covered
  them (``For Sale`` or ``All``): a Sold listing seen in the run is not turned available again,
  and a ``status=Sold`` run proves nothing about For Sale listings.
- **The export** (``-a via=export``, own inventory only): ``POST /inventory/export``, then
  ``GET /inventory/export/{id}`` every ``DISCOGS_EXPORT_POLL_INTERVAL`` seconds (each poll is a
  request within the budget) until it succeeds or ``DISCOGS_EXPORT_TIMEOUT`` passes, then the
  CSV download and one owner inventory page of one listing (the seller object and ``ships_from``
  that CSV rows lack). Rows become listings through :mod:`discogs_harvest.inventory_export` and
  the same loader as pages. A failed, expired, unreadable or unfinished export is one warning
  line, and the run pages through the inventory instead.

Stats: ``harvest/export/polls``, ``harvest/export/rows``, ``harvest/export/fallback``.
"""

import asyncio
import logging
import time
from urllib.parse import quote

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from discogs_harvest import shapes, stats
from discogs_harvest.completeness import PageSeen
from discogs_harvest.downloadermiddlewares.auth import oauth_credentials
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.inventory_export import ExportError, listing_from_row, read_rows
from discogs_harvest.pipelines.rows import FOR_SALE
from discogs_harvest.processors import to_int
from discogs_harvest.spiders.base import PAGE_PRIORITY

logger = logging.getLogger(__name__)

VIA = ("pages", "export")
UNCAPPED = 10**9
OWNER_KEYS = ("weight", "location", "format_quantity", "external_id")
# Statuses whose snapshot shows every For Sale listing, so absence means "no longer for sale".
COVERS_FOR_SALE = (FOR_SALE, "All")


def parse_via(via):
    via = (via or "pages").strip().lower()
    if via not in VIA:
        raise HarvestConfigError(f"via {via!r} is not one of {', '.join(VIA)}")
    return via


class OwnerInventory:
    def __init__(self, spider):
        self.spider = spider
        settings = spider.crawler.settings
        self.via = spider.options.get("via", "pages")
        self.given = set(spider.arguments)  # -a names given explicitly
        self.signing = oauth_credentials(settings) is not None
        self.poll_interval = settings.getfloat("DISCOGS_EXPORT_POLL_INTERVAL", 10)
        self.timeout = settings.getfloat("DISCOGS_EXPORT_TIMEOUT", 600)
        self.owned = False
        self.username = None
        self.not_for_sale = set()  # listing ids seen in another status
        self.export_started = None

    @property
    def needs_identity(self):
        return self.signing or self.via == "export"

    # --- who am I ----------------------------------------------------------------------

    def identity_request(self):
        return scrapy.Request(self.spider.url("/oauth/identity"), callback=self.parse_identity,
                              errback=self.identity_failed, priority=PAGE_PRIORITY + 2, dont_filter=True)

    def parse_identity(self, response):
        self.username = (response.json() or {}).get("username")
        if self.username and self.username.lower() == self.spider.seller.lower():
            self.become_owner(f"authenticated as {self.username}", before_paging=True)
        if self.via == "export":
            if not self.owned:
                self.spider.fail("bad_input", f"via=export reads only your own inventory: authenticated as "
                                              f"{self.username!r}, not {self.spider.seller!r}")
            yield self.export_request()
            return
        yield from self.spider.start_inventory()

    def identity_failed(self, failure):
        self.spider.check_credentials(failure)  # a refused credential: one line, exit 4
        logger.warning("Could not ask Discogs who the credentials belong to (%s); harvesting %s as another "
                       "seller's inventory", self.spider.describe(failure), self.spider.seller)
        if self.via == "export":
            self.via = "pages"
        yield from self.spider.start_inventory()

    def become_owner(self, why, before_paging=False):
        if self.owned:
            return
        self.owned = True
        options = self.spider.options
        if before_paging and "status" not in self.given:  # never change the query of pages under way
            options["status"] = "All"
        if "max_pages" not in self.given:
            options["max_pages"] = UNCAPPED
        logger.info("%s is your own inventory (%s): every status (%s), no page cap, private fields stored",
                    self.spider.seller, why, options["status"])

    # --- pages -------------------------------------------------------------------------

    def observe(self, listings):
        """Raw listings of a page: an owner's view, and which listings are not for sale."""
        for listing in listings:
            if not isinstance(listing, dict):
                continue
            if listing.get("status") not in (None, FOR_SALE):
                self.not_for_sale.add(to_int(listing.get("id")))
            if not self.owned and any(key in listing for key in OWNER_KEYS):
                self.become_owner("the pages carry the owner's private fields")

    def snapshot(self, seen_ids, complete):
        """``(listing ids proven for sale, complete)`` for the InventorySnapshotItem."""
        complete = complete and self.spider.options["status"] in COVERS_FOR_SALE
        return [i for i in seen_ids if i not in self.not_for_sale], complete

    # --- the export ----------------------------------------------------------------------

    def export_request(self):
        self.export_started = time.monotonic()
        logger.info("Asking Discogs for an export of %s's inventory (polling every %g s, for at most %g s)",
                    self.spider.seller, self.poll_interval, self.timeout)
        return scrapy.Request(self.spider.url("/inventory/export"), method="POST", callback=self.export_created,
                              errback=self.export_failed, priority=PAGE_PRIORITY, dont_filter=True)

    def export_created(self, response):
        location = (response.headers.get(b"Location") or b"").decode("latin-1")
        job_id = None
        try:
            job_id = (response.json() or {}).get("id")
        except ValueError:
            pass
        url = self.spider.on_api(location) if location else (
            self.spider.url(f"/inventory/export/{int(job_id)}") if job_id is not None else None)
        if not url:
            yield from self.fall_back("Discogs did not say where the export job is")
            return
        yield self.poll_request(url)

    def poll_request(self, url):
        return scrapy.Request(url, callback=self.export_status, errback=self.export_failed,
                              priority=PAGE_PRIORITY, dont_filter=True, meta={"job_url": url})

    async def export_status(self, response):
        self.spider.crawler.stats.inc_value(stats.key("export", "polls"))
        job = response.json() or {}
        status = job.get("status")
        if status == "success" and job.get("download_url"):
            yield scrapy.Request(self.spider.on_api(job["download_url"]), callback=self.export_downloaded,
                                 errback=self.export_failed, priority=PAGE_PRIORITY, dont_filter=True,
                                 meta={"discogs_csv": True})
            return
        if status not in ("pending", "in progress"):
            for result in self.fall_back(f"the export job ended with status {status!r}"):
                yield result
            return
        waited = time.monotonic() - self.export_started
        if waited + self.poll_interval > self.timeout:
            for result in self.fall_back(f"the export was still {status!r} after {waited:.0f} s "
                                         f"(DISCOGS_EXPORT_TIMEOUT {self.timeout:g} s)"):
                yield result
            return
        await asyncio.sleep(self.poll_interval)
        yield self.poll_request(response.meta["job_url"])

    def export_downloaded(self, response):
        try:
            rows = list(read_rows(response.text))
        except (ExportError, ValueError, UnicodeDecodeError) as exc:
            yield from self.fall_back(f"the export's file could not be read ({exc})")
            return
        self.spider.crawler.stats.set_value(stats.key("export", "rows"), len(rows))
        url = self.spider.url(f"/users/{quote(self.spider.seller, safe='')}/inventory", status="All",
                              per_page=1, page=1)
        # Checked like any inventory page: its pagination.items is what proves the file whole.
        yield scrapy.Request(url, callback=self.export_sample, errback=self.export_failed, priority=PAGE_PRIORITY,
                             dont_filter=True, cb_kwargs={"rows": rows},
                             meta={"page": 1, shapes.SHAPE_META: shapes.INVENTORY})

    def export_sample(self, response, rows):
        listings = response.json().get("listings") or []
        sample = listings[0] if listings and isinstance(listings[0], dict) else {}
        logger.info("Inventory export of %s: %s listings in one file", self.spider.seller, len(rows))
        listings = [listing_from_row(row, sample) for row in rows]
        # The file is one whole page: the completeness policy weighs its listings against the
        # live count of every status (pagination.items of the sample), as it weighs pages.
        self.spider.pages_seen[1] = PageSeen(
            page=1, pages=1, items=response.json()["pagination"]["items"],
            listing_ids=tuple(listing["id"] for listing in listings), fetched_at=time.time(), has_next=False)
        yield from self.spider.handle_page(1, 1, listings)
        yield from self.spider.finish_inventory()

    def export_failed(self, failure):
        self.spider.check_credentials(failure)
        response = getattr(failure.value, "response", None)
        what = "expired (404)" if failure.check(HttpError) and response.status == 404 else \
            self.spider.describe(failure)
        yield from self.fall_back(f"the export request failed: {what}")

    def fall_back(self, why):
        logger.warning("Inventory export of %s did not work: %s; paging through the inventory instead",
                       self.spider.seller, why)
        self.spider.crawler.stats.inc_value(stats.key("export", "fallback"))
        self.via = "pages"
        yield from self.spider.start_inventory()
