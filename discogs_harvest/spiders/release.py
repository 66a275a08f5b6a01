"""``scrapy crawl release -a ids=1431115,249504`` (or ``-a ids_file=path``, one id a line)

Fetches and stores releases by id. Releases stored less than ``STALENESS_MAX_AGE_DAYS``
ago are not fetched (no request is spent) unless ``-a force=1``: they are read from the
database (:mod:`discogs_harvest.stored`) and go to the feed as they are stored. A 404 is one
warning line.
"""

import logging
import re

from discogs_harvest import stats
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.items import RELEASE_FEED_FIELDS, ReleaseItem
from discogs_harvest.spiders.base import DiscogsSpider
from discogs_harvest.stored import stored_releases

logger = logging.getLogger(__name__)

TRUE_VALUES = {"1", "true", "yes", "on"}
# Discogs ids are 32-bit signed integers; a larger one can only be answered 404 (after a request).
MAX_RELEASE_ID = 2**31 - 1


def parse_ids(text, source):
    """``"1431115, 249504"`` -> ``[1431115, 249504]``; duplicates dropped, order kept."""
    ids = {}
    for token in re.split(r"[\s,]+", text.strip()):
        if not token:
            continue
        # isdigit() alone takes "²" (which int() refuses); ids above the API's range would cost a request.
        if not (token.isascii() and token.isdigit()) or not 1 <= int(token) <= MAX_RELEASE_ID:
            raise HarvestConfigError(f"{source}: {token!r} is not a Discogs release id (a whole number from 1 to "
                                     f"{MAX_RELEASE_ID})")
        ids.setdefault(int(token))
    if not ids:
        raise HarvestConfigError(f"{source}: no release ids given")
    return list(ids)


def parse_limit(text):
    """``-a limit=N``: at most N records in this run; None when not given."""
    if text in (None, ""):
        return None
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if limit < 1:
        raise HarvestConfigError("limit must be a whole number >= 1")
    return limit


class ReleaseSpider(DiscogsSpider):
    name = "release"
    feed_item_class = ReleaseItem
    feed_fields = RELEASE_FEED_FIELDS
    example_arguments = {"ids": "249504"}

    @classmethod
    def update_settings(cls, settings):
        """One item a response (a release, its track records with ``-a feed=tracks``), and
        pipelines that never wait, unless images are downloaded: Scrapy's CONCURRENT_ITEMS
        workers (settings.py: 8) are started for every response, seven of them only to find
        nothing to do (about 50 us of CPU a release, issue 12). One reads the same items in
        the same order. ``-s CONCURRENT_ITEMS=...`` still wins."""
        super().update_settings(settings)
        if not settings.getbool("DOWNLOAD_IMAGES"):
            settings.set("CONCURRENT_ITEMS", 1, priority="spider")

    @classmethod
    def parse_arguments(cls, ids=None, ids_file=None, force="0", **_):
        if ids and ids_file:
            raise HarvestConfigError("give either -a ids=... or -a ids_file=..., not both")
        if ids_file:
            try:
                with open(ids_file, encoding="utf-8") as f:
                    release_ids = parse_ids(f.read(), f"ids_file {ids_file}")
            except OSError as exc:
                raise HarvestConfigError(f"ids_file {ids_file} cannot be read: {exc.strerror}") from exc
            except UnicodeDecodeError as exc:
                raise HarvestConfigError(f"ids_file {ids_file} is not a text file") from exc
        elif ids is not None:
            release_ids = parse_ids(str(ids), "ids")
        else:
            raise HarvestConfigError("release ids are required: -a ids=1431115,249504 or -a ids_file=PATH")
        return {"ids": release_ids, "force": str(force).strip().lower() in TRUE_VALUES}

    async def start(self):
        ids = self.options["ids"]
        for request in self.retry_failed_releases(among=set(ids)):
            yield request
        fresh = {} if self.options["force"] else self.fresh(ids)
        to_fetch = [i for i in ids if i not in fresh and i not in self.retrying]
        self.crawler.stats.inc_value(stats.RELEASES_TO_FETCH, len(to_fetch))
        self.crawler.stats.set_value(stats.RELEASES_FRESH, len(fresh))
        logger.info("%s releases asked for: %s to fetch, %s fresh in the database (read from it, no request%s)",
                    len(ids), len(to_fetch), len(fresh), "; -a force=1 refetches them" if fresh else "")
        for item in stored_releases([i for i in ids if i in fresh and i not in self.retrying], self.database_url):
            yield item
        for release_id in to_fetch:
            yield self.release_request(release_id)
