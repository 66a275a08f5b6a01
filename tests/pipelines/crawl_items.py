"""Run the four item pipelines in a real Scrapy crawl, in this process (call it in a subprocess).

``python -m tests.pipelines.crawl_items DATABASE_URL STATS_JSON LISTING_IDS SNAPSHOT_IDS [SETTING=VALUE ...]``

The spider fetches one ``data:`` URL (no network) whose callback yields the listings
(each twice, so dedup has work), release KES twice and a complete inventory snapshot
of BrotherLogic. (Items yielded straight from ``start()`` would do, but Scrapy 2.19
hangs when CLOSESPIDER_ITEMCOUNT closes the spider while ``start()`` still yields.)
The crawl's stats are written to STATS_JSON. Only the project's ITEM_PIPELINES are
enabled, so the test depends on nothing but the pipelines.
"""

import json
import sys

import scrapy
from scrapy.crawler import AsyncCrawlerProcess

from discogs_harvest import settings as project_settings
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


def main(database_url, stats_path, listing_ids, snapshot_ids, *overrides):
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
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(ItemsSpider)
    process.crawl(crawler, listing_ids=listing_ids, snapshot_ids=snapshot_ids)
    process.start()
    with open(stats_path, "w") as out:
        json.dump(crawler.stats.get_stats(), out, default=str)


if __name__ == "__main__":
    main(*sys.argv[1:])
