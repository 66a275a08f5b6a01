"""A bare Scrapy spider: the URLs a harvest requested, fetched and decoded, nothing else.

The yardstick of ``bench_throughput``: what Scrapy itself costs for the same requests, with
none of the project (no middlewares, loaders, pipelines or storage). Run it from a directory
without ``scrapy.cfg`` so only Scrapy's defaults and the settings below apply::

    python -m scrapy runspider /path/to/tests/bench/bare_spider.py -a api=http://127.0.0.1:PORT \
        -a first=/users/NAME/inventory?... -a releases_file=paths.txt -a stats_file=stats.json

``first``: an inventory page to start from; each page's ``pagination.urls.next`` is followed, one
page at a time, as a harvest pages. ``releases_file``: paths (one a line) requested once paging is
done (at once when there is no ``first``), as a harvest fetches releases. Every body is decoded
with ``response.json()``, which a harvest does too. At close the crawl's stats go to
``stats_file`` (JSON).
"""

import json
from pathlib import Path

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"
    # The project's concurrency (discogs_harvest/settings.py), none of its components.
    custom_settings = {
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    }

    def __init__(self, api, first=None, releases_file=None, token="sandbox-token", stats_file=None, **kwargs):
        super().__init__(**kwargs)
        self.api = api.rstrip("/")
        self.first = first
        self.releases = Path(releases_file).read_text(encoding="utf-8").split() if releases_file else []
        self.headers = {"Authorization": f"Discogs token={token}"}
        self.stats_file = stats_file

    async def start(self):
        if self.first:
            yield self.request(self.api + self.first, self.parse_page)
        else:
            for request in self.release_requests():
                yield request

    def request(self, url, callback):
        return scrapy.Request(url, callback=callback, headers=self.headers, dont_filter=True)

    def release_requests(self):
        return (self.request(self.api + path, self.parse_release) for path in self.releases)

    def parse_page(self, response):
        data = response.json()
        self.crawler.stats.inc_value("bare/pages")
        self.crawler.stats.inc_value("bare/listings", len(data.get("listings") or ()))
        following = (data.get("pagination") or {}).get("urls", {}).get("next")
        if following:
            yield self.request(following, self.parse_page)
        else:
            yield from self.release_requests()

    def parse_release(self, response):
        response.json()
        self.crawler.stats.inc_value("bare/releases")

    def closed(self, reason):
        if self.stats_file:
            stats = dict(self.crawler.stats.get_stats(), finish_reason=reason)
            Path(self.stats_file).write_text(json.dumps(stats, default=str, indent=1, sort_keys=True),
                                             encoding="utf-8")
