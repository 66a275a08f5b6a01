"""TrackFeedMiddleware: after each release a spider yields, its tracks as records of their own.

When a feed takes track records (``-a feed=tracks``, or a ``FEEDS`` entry naming ``TrackItem``:
see :mod:`discogs_harvest.trackfeed`), every :class:`~discogs_harvest.items.ReleaseItem` the
spider yields, fetched or read back fresh from the database (``StoredReleaseItem``), is followed
by its :class:`~discogs_harvest.items.TrackRecordItem` s, once per release and run. Otherwise it
passes everything through untouched. Watches both the spider's callbacks and its ``start()``
(where the ``release`` spider yields the fresh releases it read back).

Reads the spider attribute ``wants_tracks`` (set from ``FEEDS`` by the spider base). Stats:
``harvest/tracks/records``.
"""

from discogs_harvest import stats
from discogs_harvest.items import ReleaseItem
from discogs_harvest.spidermiddlewares import step_aside_when_off
from discogs_harvest.trackfeed import track_records

RECORDS = stats.key("tracks", "records")


class TrackFeedMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.done = set()  # release ids whose tracks went out
        step_aside_when_off(self)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start):
        async for item in self._with_tracks(start):
            yield item

    async def process_spider_output(self, response, result):
        async for item in self._with_tracks(result):
            yield item

    def _enabled(self):
        return getattr(self.crawler.spider, "wants_tracks", False)

    async def _with_tracks(self, result):
        enabled = self._enabled()
        async for item in result:
            yield item
            if enabled and isinstance(item, ReleaseItem) and item.release_id not in self.done:
                self.done.add(item.release_id)
                records = track_records(item)
                self.crawler.stats.inc_value(RECORDS, len(records))
                for record in records:
                    yield record
