"""``scrapy crawl search -a q=... [-a type=release] [-a artist=...] [-a genre=...] ...``

Pages ``/database/search`` with the API's own parameters (:data:`PARAMETERS`) into
``search_results`` (``search`` = the query, its parameters sorted, so the same search run
again updates the same rows) and enriches the releases among the results. Discogs requires
credentials for search (401 otherwise, API_FACTS.md §2): without any, the run ends at once
with one line saying so (exit 4). Discogs serves at most 10,000 results of a search
(``pagination.pages`` is capped while ``items`` tells the truth, API_FACTS.md §3): a search
with more is harvested up to the cap and reported as truncated (warning line and
``harvest/search/truncated``); narrow it with more parameters to reach the rest.
"""

import logging
from urllib.parse import urlencode

from discogs_harvest import records, stats
from discogs_harvest.downloadermiddlewares.auth import oauth_credentials
from discogs_harvest.entries import SearchResultItem
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.spiders.paged import PagedListSpider

logger = logging.getLogger(__name__)

PARAMETERS = ("q", "type", "title", "release_title", "credit", "artist", "anv", "label", "genre", "style", "country",
              "year", "format", "catno", "barcode", "track", "submitter", "contributor")
TYPES = ("release", "master", "artist", "label")
TRUNCATED = stats.key("search", "truncated")


def has_credentials(settings):
    return bool(settings.get("DISCOGS_TOKEN") or oauth_credentials(settings)
                or (settings.get("DISCOGS_CONSUMER_KEY") and settings.get("DISCOGS_CONSUMER_SECRET")))


class SearchSpider(PagedListSpider):
    name = "search"
    entries_key = "results"
    resource = "search_result"
    feed_item_class = SearchResultItem
    example_arguments = {"q": "healer"}

    @classmethod
    def parse_list_arguments(cls, **kwargs):
        query = {name: str(kwargs[name]).strip() for name in PARAMETERS if str(kwargs.get(name) or "").strip()}
        if not query:
            raise HarvestConfigError(f"a search needs -a q=... or one of {', '.join(PARAMETERS[1:])}")
        if query.get("type", "release") not in TYPES:
            raise HarvestConfigError(f"type must be one of {', '.join(TYPES)}, not {query['type']!r}")
        return {"query": query, "search": urlencode(sorted(query.items()))}

    def describe_list(self):
        return f"the search {self.options['search']}"

    async def start(self):
        if not has_credentials(self.crawler.settings):
            self.fail("auth_failed", "Discogs search needs credentials: set DISCOGS_TOKEN (or DISCOGS_CONSUMER_KEY "
                                     "and DISCOGS_CONSUMER_SECRET) in .env, or run scrapy discogs_login")
        async for request in super().start():
            yield request

    def list_url(self):
        return self.url("/database/search", **self.options["query"], per_page=self.per_page, page=1)

    def entry_resource_id(self, entry):
        return records.search_result_id(self.options["search"], entry)

    def release_of(self, entry):
        return entry.get("id") if entry.get("type", "release") == "release" else None

    def parse_page(self, response):
        pagination = response.json()["pagination"]
        if pagination["page"] == 1:
            reachable = pagination["pages"] * pagination.get("per_page", self.per_page)
            if isinstance(pagination.get("items"), int) and pagination["items"] > reachable:
                self.crawler.stats.set_value(TRUNCATED, pagination["items"] - reachable)
                logger.warning("The search %s has %s results; Discogs serves only the first %s (%s pages): the "
                               "rest is not harvested. Narrow the search (type, year, genre...) to reach it",
                               self.options["search"], pagination["items"], reachable, pagination["pages"])
        yield from super().parse_page(response)
