"""VideoHealthPipeline: apply each video check to its ``youtube_videos`` row.

Takes :class:`~discogs_harvest.items.VideoCheckItem` s (other items pass through untouched),
buffers them, and per batch in one transaction reads the health columns of those videos,
applies :func:`~discogs_harvest.youtube.health.assess` at the pipeline's clock (injectable,
for tests), and writes the new state with ``INSERT ... ON CONFLICT DO UPDATE`` of the health
columns only. A video checked before its release's row is stored (``-a check_videos=1``) gets
a row with its id and watch URL; the release's own write later fills the Discogs columns and
keeps the health ones. Batches go every ``STORAGE_BATCH_SIZE`` checks, every
``STORAGE_FLUSH_INTERVAL`` seconds and at close, so a killed check keeps what it learnt.

Settings: ``DATABASE_URL``, ``STORAGE_BATCH_SIZE``, ``STORAGE_FLUSH_INTERVAL``,
``YOUTUBE_HEALTH_CONFIRM_HOURS``.
Stats: ``harvest/youtube/videos/done``, ``.../<result>`` (playable, removed, private,
embedding_disabled, transient), ``.../newly_gone``, ``.../unchecked`` (transient after
every retry: the crawl command reports these as work left undone).
"""

import dataclasses
import datetime
import logging

from peewee import chunked
from scrapy.utils.asyncio import create_looping_call

from discogs_harvest import stats
from discogs_harvest.freshness import database_for, variable_limit
from discogs_harvest.items import VideoCheckItem
from discogs_harvest.models import YoutubeVideo, utcnow
from discogs_harvest.youtube.health import TRANSIENT, Outcome, VideoHealth, assess
from discogs_harvest.youtube.oembed import watch_url

logger = logging.getLogger(__name__)

HEALTH_FIELDS = [f.name for f in dataclasses.fields(VideoHealth)]
DONE = stats.key("youtube", "videos", "done")
NEWLY_GONE = stats.key("youtube", "videos", "newly_gone")
UNCHECKED = stats.key("youtube", "videos", "unchecked")


def result_key(result):
    return stats.key("youtube", "videos", result)


class VideoHealthPipeline:
    def __init__(self, crawler, clock=utcnow):
        settings = crawler.settings
        self.crawler = crawler
        self.database_url = settings.get("DATABASE_URL")
        self.batch_size = max(1, settings.getint("STORAGE_BATCH_SIZE", 200))
        self.flush_interval = settings.getfloat("STORAGE_FLUSH_INTERVAL", 5.0)
        self.confirm_after = datetime.timedelta(hours=settings.getfloat("YOUTUBE_HEALTH_CONFIRM_HOURS", 24))
        self.clock = clock
        self.waiting = {}  # video id -> VideoCheckItem
        self.timer = None
        self.counts = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.timer = create_looping_call(self.flush)
        self.timer.start(self.flush_interval, now=False)

    def close_spider(self):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()
        if self.counts:
            logger.info("YouTube health: %s", self.describe())

    def describe(self):
        done = sum(self.counts.values())
        parts = ", ".join(f"{count} {name}" for name, count in sorted(self.counts.items()))
        return f"{done} videos checked ({parts})"

    def process_item(self, item):
        if not isinstance(item, VideoCheckItem):
            return item
        self.waiting[item.video_id] = item
        if len(self.waiting) >= self.batch_size:
            self.flush()
        return item

    def flush(self):
        items, self.waiting = list(self.waiting.values()), {}
        if not items:
            return
        now = self.clock()
        database = database_for(self.database_url)
        limit = variable_limit(database)
        with database.atomic():
            previous = {}
            for chunk in chunked([item.video_id for item in items], limit):
                query = YoutubeVideo.select(YoutubeVideo.id, *(getattr(YoutubeVideo, n) for n in HEALTH_FIELDS))
                for row in query.where(YoutubeVideo.id.in_(chunk)).dicts():
                    video_id = row.pop("id")
                    row["consecutive_failures"] = row["consecutive_failures"] or 0
                    previous[video_id] = VideoHealth(**row)
            rows = []
            for item in items:
                before = previous.get(item.video_id, VideoHealth())
                after = assess(before, Outcome(item.result, item.detail, item.title), now, self.confirm_after)
                rows.append({"id": item.video_id, "url": watch_url(item.video_id), **dataclasses.asdict(after)})
                self.count(item, before, after)
            fields = [getattr(YoutubeVideo, name) for name in HEALTH_FIELDS]
            for chunk in chunked(rows, max(1, limit // (len(HEALTH_FIELDS) + 2))):
                YoutubeVideo.insert_many(chunk).on_conflict(
                    conflict_target=[YoutubeVideo.id], preserve=fields).execute()
        if logger.isEnabledFor(logging.INFO):
            logger.info("YouTube health so far: %s", self.describe())

    def count(self, item, before, after):
        stats_ = self.crawler.stats
        stats_.inc_value(DONE)
        stats_.inc_value(result_key(item.result))
        self.counts[item.result] = self.counts.get(item.result, 0) + 1
        if item.result == TRANSIENT:
            stats_.inc_value(UNCHECKED)
        if after.gone and not before.gone:
            stats_.inc_value(NEWLY_GONE)
            logger.warning("Video %s is gone (%s): %s", item.video_id, after.status, item.detail)
