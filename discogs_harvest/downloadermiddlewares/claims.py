"""ReleaseClaimMiddleware: a release another harvest is fetching into the same database is
not fetched again.

Settings: ``RELEASE_CLAIMS_ENABLED`` (``None``, the default: on for a PostgreSQL
``DATABASE_URL``, where harvests on several machines meet; ``True`` for SQLite too),
``RELEASE_CLAIM_TTL`` (seconds a claim holds: a harvest that dies releases its claims by
expiry), ``RELEASE_CLAIM_POLL`` (the longest pause between looks at a release another harvest holds),
``DATABASE_URL``.

Every request carrying ``meta["release_id"]`` (the spiders' release requests) is claimed
(:func:`discogs_harvest.claims.claim`) before it goes further, ahead of the budget, so a
release left to another harvest costs no request:

- ours: it goes on; a failed fetch (an error status or no answer) drops the claim, so
  another harvest may try;
- stored by the harvest that claimed it: the request ends with :class:`ReleaseStoredElsewhere`,
  whose errback uses the stored release (``DiscogsSpider.release_stored_elsewhere``);
- held by another harvest and not stored yet: the request goes back to the scheduler, at a
  lower priority, so other work goes first, after a pause that doubles with each look (up to
  ``RELEASE_CLAIM_POLL`` seconds).

Stats: ``harvest/claims/taken``, ``harvest/claims/waits``, ``harvest/claims/stored_elsewhere``,
``harvest/claims/dropped``.
"""

import asyncio
import logging

from scrapy.exceptions import IgnoreRequest, NotConfigured

from discogs_harvest import stats
from discogs_harvest.claims import MINE, STORED, claim, new_owner, release
from discogs_harvest.freshness import database_for
from discogs_harvest.postgres import is_postgres

logger = logging.getLogger(__name__)

TAKEN = stats.key("claims", "taken")
WAITS = stats.key("claims", "waits")
STORED_ELSEWHERE = stats.key("claims", "stored_elsewhere")
DROPPED = stats.key("claims", "dropped")

CLAIMED = "_discogs_release_claimed"
CLAIM_WAITS = "_discogs_release_claim_waits"
# Seconds before the first look again at a release another harvest holds; doubled each time,
# up to RELEASE_CLAIM_POLL.
FIRST_POLL = 0.05


class ReleaseStoredElsewhere(IgnoreRequest):
    """Another harvest fetched and stored this release: use the stored one."""


class ReleaseClaimMiddleware:
    def __init__(self, crawler):
        settings = crawler.settings
        self.database_url = settings.get("DATABASE_URL")
        enabled = settings.get("RELEASE_CLAIMS_ENABLED")
        if enabled in (None, ""):
            enabled = is_postgres(self.database_url)
        elif not settings.getbool("RELEASE_CLAIMS_ENABLED"):
            enabled = False
        if not enabled:
            raise NotConfigured("release claims are off (RELEASE_CLAIMS_ENABLED)")
        self.ttl = settings.getfloat("RELEASE_CLAIM_TTL")
        self.poll = settings.getfloat("RELEASE_CLAIM_POLL")
        if self.ttl <= 0 or self.poll <= 0:
            raise NotConfigured("RELEASE_CLAIM_TTL and RELEASE_CLAIM_POLL must be > 0")
        self.owner = new_owner()
        self.stats = crawler.stats
        database_for(self.database_url)  # a bad URL fails the crawl now, not at the first release

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        release_id = request.meta.get("release_id")
        if release_id is None or request.meta.get(CLAIMED):
            return None
        verdict = claim(database_for(self.database_url), release_id, self.owner, self.ttl)
        if verdict == MINE:
            request.meta[CLAIMED] = True
            self.stats.inc_value(TAKEN)
            return None
        if verdict == STORED:
            self.stats.inc_value(STORED_ELSEWHERE)
            logger.debug("Release %s was fetched by another harvest: using the stored one", release_id)
            raise ReleaseStoredElsewhere(f"release {release_id} stored by another harvest")
        self.stats.inc_value(WAITS)
        # Back to the scheduler behind the work that is ready; the pause grows with each look,
        # so a release held for long costs a few statements, not a busy loop.
        waits = request.meta.get(CLAIM_WAITS, 0)
        await asyncio.sleep(min(self.poll, FIRST_POLL * 2 ** waits))
        return request.replace(priority=request.priority - 1, dont_filter=True,
                               meta={**request.meta, CLAIM_WAITS: waits + 1})

    def process_response(self, request, response):
        if request.meta.get(CLAIMED) and response.status != 200:
            self._drop(request)
        return response

    def process_exception(self, request, exception):
        if request.meta.get(CLAIMED):
            self._drop(request)

    def _drop(self, request):
        # Retries carry the flag and keep the claim; this is the request's final failure.
        request.meta.pop(CLAIMED, None)
        release(database_for(self.database_url), request.meta["release_id"], self.owner)
        self.stats.inc_value(DROPPED)
