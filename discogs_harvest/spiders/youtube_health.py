"""``scrapy crawl youtube_health [-a older_than=7d] [-a ids=ID,...] [-a release=ID,...] [-a limit=N]``

Checks stored YouTube videos through the oEmbed endpoint (``YOUTUBE_OEMBED_URL``, no API key),
paced by the YouTube budget (never the Discogs one). A video is due when it was never checked or
last checked ``older_than`` ago or more (default ``YOUTUBE_HEALTH_MAX_AGE_DAYS``; with ``ids`` or
``release``, 0: every one named); never-checked videos go first, then the longest unchecked,
``limit`` at most. What each answer means and when a video counts as gone is
:mod:`discogs_harvest.youtube.health`; the writes are
:class:`~discogs_harvest.pipelines.videohealth.VideoHealthPipeline`'s.

Resuming: results are stored in batches as they come, so a killed or interrupted check run again
with the same ``older_than`` asks only about the videos it had not reached. Exit statuses are the
Discogs spiders': 2 for bad arguments before anything is sent, 5 when videos stayed unchecked
after every retry (transient answers; the next run asks again).
"""

import datetime
import logging

from peewee import chunked

from discogs_harvest import stats
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.freshness import IN_CHUNK, database_for
from discogs_harvest.models import AlbumVideo, YoutubeVideo, utcnow
from discogs_harvest.processors import youtube_id
from discogs_harvest.spiders.base import DiscogsSpider
from discogs_harvest.spiders.release import parse_ids, parse_limit
from discogs_harvest.youtube.checks import VideoChecker
from discogs_harvest.youtube.health import parse_age

logger = logging.getLogger(__name__)

TO_CHECK = stats.key("youtube", "videos", "to_check")


def due_videos(database_url, now, older_than, ids=None, releases=None, limit=None):
    """Stored video ids due for a check, never-checked first, then by oldest check."""
    database_for(database_url)
    query = YoutubeVideo.select(YoutubeVideo.id, YoutubeVideo.checked_at)
    if older_than > datetime.timedelta(0):
        query = query.where(YoutubeVideo.checked_at.is_null() | (YoutubeVideo.checked_at <= now - older_than))
    candidates = list(query.tuples())
    if ids is not None:
        wanted = set(ids)
        candidates = [c for c in candidates if c[0] in wanted]
    if releases is not None:
        linked = set()
        for chunk in chunked([str(r) for r in releases], IN_CHUNK):
            linked.update(v for (v,) in AlbumVideo.select(AlbumVideo.video).where(AlbumVideo.album.in_(chunk)).tuples())
        candidates = [c for c in candidates if c[0] in linked]
    candidates.sort(key=lambda c: (c[1] is not None, c[1] or now, c[0]))
    return [video_id for video_id, _ in candidates[:limit]]


class YoutubeHealthSpider(DiscogsSpider):
    name = "youtube_health"

    @classmethod
    def parse_arguments(cls, older_than=None, ids=None, release=None, limit=None, **_):
        options = {"ids": None, "releases": None, "limit": None, "older_than": None}
        if older_than not in (None, ""):
            try:
                options["older_than"] = parse_age(older_than)
            except ValueError as exc:
                raise HarvestConfigError(f"older_than: {exc}") from None
        if ids not in (None, ""):
            video_ids = []
            for token in filter(None, (part.strip() for part in str(ids).split(","))):
                video_id = youtube_id(token) or youtube_id(f"https://youtu.be/{token}")
                if not video_id:
                    raise HarvestConfigError(f"ids: {token!r} is not a YouTube video id or URL")
                video_ids.append(video_id)
            options["ids"] = list(dict.fromkeys(video_ids))
        if release not in (None, ""):
            options["releases"] = parse_ids(str(release), "release")
        options["limit"] = parse_limit(limit)
        return options

    async def start(self):
        settings = self.crawler.settings
        older_than = self.options["older_than"]
        if older_than is None:
            named = self.options["ids"] is not None or self.options["releases"] is not None
            older_than = datetime.timedelta(0 if named else settings.getfloat("YOUTUBE_HEALTH_MAX_AGE_DAYS", 7))
        due = due_videos(self.database_url, utcnow(), older_than, self.options["ids"], self.options["releases"],
                         self.options["limit"])
        self.crawler.stats.set_value(TO_CHECK, len(due))
        rate = settings.getfloat("YOUTUBE_RATE_LIMIT") / settings.getfloat("YOUTUBE_RATE_PERIOD")
        logger.info("Checking %s stored videos on YouTube (not checked for %s or never), at most %g/min: "
                    "about %.0f s", len(due), older_than, rate * 60, len(due) / rate if rate else 0)
        checker = VideoChecker(self.crawler)
        for request in checker.requests(due):
            yield request
