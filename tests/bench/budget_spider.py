"""A spider that only spends budget: ``count`` release requests from ``first`` on.

Run from the project root so the project's settings (our middlewares, AutoThrottle on)
apply, as the budget benchmarks do::

    python -m scrapy runspider tests/bench/budget_spider.py -a count=300 \
        -a stats_file=/tmp/stats.json -s DISCOGS_API_URL=http://127.0.0.1:PORT ...

Synthetic release ids (>= 90,000,000) all have a body in the sandbox. At close it
writes the crawl's stats to ``stats_file`` (JSON) for the benchmark to read.
"""

import json

import scrapy

from discogs_harvest.downloadermiddlewares.exceptions import DiscogsRequestError


class BudgetBenchSpider(scrapy.Spider):
    name = "budget_bench"

    def __init__(self, first=90_000_001, count=300, stats_file=None, **kwargs):
        super().__init__(**kwargs)
        self.first, self.count, self.stats_file = int(first), int(count), stats_file

    async def start(self):
        api = self.settings.get("DISCOGS_API_URL").rstrip("/")
        for release_id in range(self.first, self.first + self.count):
            yield scrapy.Request(f"{api}/releases/{release_id}", callback=self.parse, errback=self.failed,
                                 meta={"release_id": release_id})

    def parse(self, response):
        if response.json().get("id") == response.meta["release_id"]:
            self.crawler.stats.inc_value("bench/ok")
        else:
            self.crawler.stats.inc_value("bench/wrong_body")

    def failed(self, failure):
        kind = "discogs" if failure.check(DiscogsRequestError) else "other"
        self.crawler.stats.inc_value(f"bench/failed/{kind}")
        self.logger.error("bench request failed: %s", failure.getErrorMessage())

    def closed(self, reason):
        if self.stats_file:
            stats = dict(self.crawler.stats.get_stats(), finish_reason=reason)
            with open(self.stats_file, "w", encoding="utf-8") as f:
                json.dump(stats, f, default=str, indent=1, sort_keys=True)
