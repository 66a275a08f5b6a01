"""A small harvest for the control tests, run with ``scrapy runspider`` against the sandbox.

It reads a seller's inventory pages and fetches each listed release, keeping the
``harvest/`` progress stats the way :mod:`discogs_harvest.stats` names them (pages
total/done, releases to fetch/done, items stored). It stands alone on purpose: the
project's own middlewares and pipelines are tested elsewhere, and the extensions under
test (RunLog, Progress, JsonRpcService) only read these stats.

With ``-a linger=1`` the spider stays open when its work is done, until it is closed
(by the JSON-RPC ``close_spider`` under test), so a test can read the final figures.

Pacing comes from ``DOWNLOAD_DELAY`` (one request per delay), so a crawl of a few
hundred requests lasts a few seconds: long enough to watch, short enough for a test.

``-s CONTROL_TEST_HEARTBEAT=3600`` stretches the engine's heartbeat (its periodic look for
requests, 5 s in scrapy/core/engine.py, ``ExecutionEngine._SLOT_HEARTBEAT_INTERVAL``) so that
a paused crawl can only resume through an explicit wake-up, whatever the machine's load.
"""

import scrapy
from scrapy import signals
from scrapy.core.engine import ExecutionEngine
from scrapy.exceptions import DontCloseSpider

from discogs_harvest import stats as keys


class CountingPipeline:
    """Counts items as "stored", as the storage pipeline would, without a database."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        self.crawler.stats.inc_value(keys.ITEMS_STORED)
        return item


class InventorySpider(scrapy.Spider):
    name = "control_test"
    custom_settings = {
        "DOWNLOADER_MIDDLEWARES": {},
        "ITEM_PIPELINES": {f"{__name__}.CountingPipeline": 100},
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 4,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "DOWNLOAD_DELAY_JITTER": 0,
        "LOGSTATS_INTERVAL": 0,
    }

    def __init__(self, seller="synthetic-300-200", token="sandbox-token", linger="", *args, **kwargs):
        super().__init__(*args, seller=seller, token=token, linger=linger, **kwargs)
        self.requested = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        heartbeat = crawler.settings.getfloat("CONTROL_TEST_HEARTBEAT")
        if heartbeat:  # read when the engine starts, after this (this process runs one crawl)
            ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = heartbeat
        return spider

    def idle(self):
        if self.linger:
            raise DontCloseSpider

    def request(self, path, callback, priority=0):
        url = self.settings.get("DISCOGS_API_URL").rstrip("/") + path
        headers = {"Authorization": f"Discogs token={self.token}"}
        return scrapy.Request(url, callback=callback, headers=headers, priority=priority)

    def page(self, number):
        return self.request(f"/users/{self.seller}/inventory?per_page=100&page={number}",
                            self.parse_page, priority=100)

    async def start(self):
        yield self.page(1)

    def parse_page(self, response):
        """A page is counted done together with its releases to fetch, before its output goes
        out: Scrapy reads a callback's output only ``CONCURRENT_ITEMS`` at a time, so a page
        counted done first would show its releases arriving later and the ETA rising."""
        data = response.json()
        stats = self.crawler.stats
        pagination = data["pagination"]
        new = [release_id for release_id in dict.fromkeys(listing["release"]["id"] for listing in data["listings"])
               if release_id not in self.requested]
        self.requested.update(new)
        stats.set_value(keys.PAGES_TOTAL, pagination["pages"])
        stats.inc_value(keys.RELEASES_TO_FETCH, len(new))
        stats.inc_value(keys.PAGES_DONE)
        if pagination["page"] == 1:
            for number in range(2, pagination["pages"] + 1):
                yield self.page(number)
        new = set(new)
        for listing in data["listings"]:
            release_id = listing["release"]["id"]
            yield {"listing": listing["id"], "release": release_id}
            if release_id in new:
                new.discard(release_id)
                yield self.request(f"/releases/{release_id}", self.parse_release)

    def parse_release(self, response):
        self.crawler.stats.inc_value(keys.RELEASES_DONE)
        yield {"release": response.json()["id"]}
