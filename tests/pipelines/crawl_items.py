"""Run the four item pipelines in a real Scrapy crawl, in the test's process.

``crawl(database_url, listing_ids, snapshot_ids, *overrides)`` returns the crawl's stats and its
log. The spider fetches one ``data:`` URL (no network) whose callback yields the listings
(each twice, so dedup has work), release KES twice and a complete inventory snapshot
of BrotherLogic. (Items yielded straight from ``start()`` would do, but Scrapy 2.19
hangs when CLOSESPIDER_ITEMCOUNT closes the spider while ``start()`` still yields.)
Only the project's ITEM_PIPELINES are enabled, so the test depends on nothing but the pipelines.
The crawl runs in the test process's reactor (tests/integration/inprocess.py, which sets aside and
restores what a crawl leaves behind), not in a process of its own: the process is not what these
tests are about, and each such process cost about 0.6 s of CPU (issue 12).
"""

import scrapy

from discogs_harvest import settings as project_settings
from tests.integration.inprocess import run_spider_in_process
from tests.pipelines import factories


def ids(text):
    return [int(i) for i in text.split(",") if i]


class ItemsSpider(scrapy.Spider):
    name = "items"

    def __init__(self, listing_ids="", snapshot_ids="", **kwargs):
        super().__init__(**kwargs)
        self.listing_ids, self.snapshot_ids = ids(listing_ids), ids(snapshot_ids)

    async def start(self):
        yield scrapy.Request("data:,items")

    def parse(self, response):
        for listing_id in self.listing_ids + self.listing_ids:
            yield factories.listing(listing_id, genres=["funk/soul"])
        for _ in range(2):
            yield factories.release(factories.KES, genres=["funk/soul", "Funk / Soul"])
        yield factories.snapshot("BrotherLogic", self.snapshot_ids)


def crawl(database_url, listing_ids, snapshot_ids, *overrides):
    """``(stats, log)`` of one crawl of :class:`ItemsSpider` through the project's pipelines;
    ``overrides`` are ``SETTING=VALUE`` strings."""
    settings = {
        "ITEM_PIPELINES": project_settings.ITEM_PIPELINES,
        "DATABASE_URL": database_url,
        "STORAGE_BATCH_SIZE": project_settings.STORAGE_BATCH_SIZE,
        "TWISTED_REACTOR": project_settings.TWISTED_REACTOR,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "INFO",
    }
    settings.update(override.split("=", 1) for override in overrides)
    crawler, log = run_spider_in_process(ItemsSpider, settings, listing_ids=listing_ids, snapshot_ids=snapshot_ids)
    return crawler.stats.get_stats(), log
